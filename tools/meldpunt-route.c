/*
 * meldpunt-route - build and query the routing database
 *
 *	meldpunt-route compile -o routes.db [--rpsl FILE]... [--securitytxt DOMAIN=FILE]... [SOURCE]...
 *	meldpunt-route lookup routes.db QUERY [--json] [--state STATEDB [--limit N] [--window DURATION]]
 *	meldpunt-route lookup routes.db CONTACT-ADDRESS [--json]
 *	meldpunt-route reporter routes.db DOMAIN
 *	meldpunt-route dump routes.db
 *
 * See meldpunt-route(1) and meldpunt-routes(5).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "datetime.h"
#include "health.h"
#include "route.h"
#include "route_build.h"
#include "route_fmt.h"
#include "seen.h"

static const char *progname = "meldpunt-route";

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s compile -o routes.db [--rpsl FILE]... [--securitytxt DOMAIN=FILE]... [SOURCE]...\n"
	    "       %s lookup routes.db QUERY [--json] [--state STATEDB [--limit N] [--window DURATION]]\n"
	    "       %s lookup routes.db CONTACT-ADDRESS [--json]\n"
	    "       %s reporter routes.db DOMAIN\n"
	    "       %s dump routes.db\n", progname, progname, progname, progname, progname);
	exit(EX_USAGE);
}

/* A whole file, mapped (RIPE dumps are large). */
struct mapped {
	const char *text;
	size_t len;
	void *map;
};

static int
map_file(const char *path, struct mapped *m)
{
	struct stat st;
	int fd;

	memset(m, 0, sizeof(*m));
	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: %s: not a regular file\n", progname, path);
		close(fd);
		return -1;
	}
	m->len = (size_t)st.st_size;
	m->text = "";
	if (m->len > 0) {
		m->map = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m->map == MAP_FAILED) {
			fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
			close(fd);
			return -1;
		}
		m->text = m->map;
	}
	close(fd);
	return 0;
}

static void
unmap_file(struct mapped *m)
{
	if (m->map != NULL)
		munmap(m->map, m->len);
}

static void
warn_stderr(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static int
cmd_compile(int argc, char **argv)
{
	const char *out = NULL;
	struct mp_routec *c;
	const struct mp_routec_counts *n;
	struct mp_error err;
	struct mapped m;
	time_t now = time(NULL);
	int i, rc = 0;

	if ((c = mp_routec_new(warn_stderr, NULL)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", progname);
		return EX_OSERR;
	}
	/* First pass for -o and --now, so every input is read with them set. */
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc)
			now = (time_t)strtoll(argv[++i], NULL, 10);
		else if ((strcmp(argv[i], "--rpsl") == 0 || strcmp(argv[i], "--securitytxt") == 0) &&
		    i + 1 < argc)
			i++;
		else if (argv[i][0] == '-')
			usage();
	}
	if (out == NULL)
		usage();
	for (i = 0; i < argc && rc == 0; i++) {
		const char *what = argv[i], *file = argv[i], *domain = NULL;
		char dom[MP_DOMAIN_MAX + 2];

		if (strcmp(what, "-o") == 0 || strcmp(what, "--now") == 0) {
			i++;
			continue;
		}
		if (strcmp(what, "--rpsl") == 0 || strcmp(what, "--securitytxt") == 0)
			file = argv[++i];
		if (strcmp(what, "--securitytxt") == 0) {
			const char *eq = strchr(file, '=');

			if (eq == NULL || eq == file || (size_t)(eq - file) >= sizeof(dom)) {
				fprintf(stderr, "%s: --securitytxt takes DOMAIN=FILE, not \"%s\"\n",
				    progname, file);
				rc = EX_USAGE;
				break;
			}
			snprintf(dom, sizeof(dom), "%.*s", (int)(eq - file), file);
			domain = dom;
			file = eq + 1;
		}
		if (map_file(file, &m) != 0) {
			rc = EX_NOINPUT;
			break;
		}
		if (strcmp(what, "--rpsl") == 0)
			rc = mp_routec_add_rpsl(c, file, m.text, m.len);
		else if (domain != NULL)
			rc = mp_routec_add_securitytxt(c, domain, file, m.text, m.len, now);
		else
			rc = mp_routec_add_source(c, file, m.text, m.len);
		unmap_file(&m);
		if (rc != 0) {
			fprintf(stderr, "%s: out of memory\n", progname);
			rc = EX_OSERR;
		}
	}
	n = mp_routec_counts(c);
	if (rc == 0 && n->errors > 0) {
		fprintf(stderr, "%s: %zu error%s in the routing sources: %s not written\n",
		    progname, n->errors, n->errors == 1 ? "" : "s", out);
		rc = EX_DATAERR;
	}
	if (rc == 0 && mp_routec_write(c, out, &err) != MP_OK) {
		fprintf(stderr, "%s: %s\n", progname, err.msg);
		rc = EX_CANTCREAT;
	}
	printf("own sources:   %zu organisations, %zu intermediaries, %zu networks, %zu asns, "
	    "%zu domains, %zu reporters, %zu contacts, %zu errors\n", n->organisations,
	    n->intermediaries, n->networks, n->asns, n->domains, n->reporters, n->contacts,
	    n->errors);
	printf("rpsl:          %zu inetnum, %zu inet6num, %zu aut-num, %zu role, %zu organisation, "
	    "%zu other\n", n->inetnum, n->inet6num, n->autnum, n->role, n->rpsl_org, n->rpsl_other);
	printf("security.txt:  %zu imported, %zu expired\n", n->securitytxt, n->securitytxt_expired);
	printf("skipped:       %zu bad objects, %zu unresolved references\n", n->skipped,
	    n->unresolved);
	if (rc == 0)
		printf("written %s:  %zu routes, %zu+%zu prefixes as %zu+%zu intervals in %zu+%zu pages, "
		    "%zu asns, %zu domains, %zu reporters, %zu contact policies\n", out,
		    n->routes, n->prefixes4, n->prefixes6, n->intervals4, n->intervals6,
		    n->pages4, n->pages6, n->asn_keys, n->domain_keys, n->reporter_keys,
		    n->policy_keys);
	mp_routec_free(&c);
	return rc;
}

static int
exit_for(enum mp_lookup r, const struct mp_error *err)
{
	if (r == MP_RETRY)
		return EX_TEMPFAIL;
	if (r == MP_NOTFOUND && err->code == MP_EINPUT)
		return EX_USAGE;
	return r == MP_FOUND ? 0 : 1;
}

/* Each contact's health (health.h) from the state DB, "" when reachable. */
static int
contact_health(struct mp_seen *seen, const struct mp_route *route,
    unsigned limit, unsigned window, char health[][MP_ROUTE_SKIP_WHY])
{
	struct mp_error err;
	size_t k;

	for (k = 0; k < route->ncontacts; k++) {
		health[k][0] = '\0';
		if (mp_health_check(seen, route->contacts[k].address, time(NULL),
		    limit, window, health[k], MP_ROUTE_SKIP_WHY, &err) < 0) {
			fprintf(stderr, "%s: %s (try again later)\n", progname,
			    err.msg);
			return -1;
		}
	}
	return 0;
}

/* "     policy: notified at most every 1h, single reports in a digest" */
static void
print_policy(unsigned interval, int digest)
{
	char d[MP_DURATION_STR];

	if (interval == 0 && !digest)
		return;
	if (interval != 0)
		mp_duration_format(interval, d, sizeof(d));
	printf("     policy: %s%s%s%s\n", interval != 0 ? "notified at most every " :
	    "", interval != 0 ? d : "", interval != 0 && digest ? ", " : "",
	    digest ? "single reports in a digest" : "");
}

/* A contact address: its policy (mp_route_contact_policy). */
static int
lookup_contact(struct mp_routedb *db, const char *addr, int json)
{
	struct mp_route_policy p;
	struct mp_error err;
	char d[MP_DURATION_STR];
	enum mp_lookup r;

	r = mp_route_contact_policy(db, addr, &p, &err);
	if (r == MP_RETRY) {
		fprintf(stderr, "%s: %s (try again later)\n", progname, err.msg);
		return EX_TEMPFAIL;
	}
	if (json) {
		json_t *o = json_object();

		json_object_set_new(o, "contact", json_string(addr));
		json_object_set_new(o, "result", json_string(r == MP_FOUND ?
		    "found" : "default"));
		json_object_set_new(o, "notify_interval",
		    json_integer(p.notify_interval));
		json_object_set_new(o, "digest", json_boolean(p.digest));
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
		return 0;
	}
	mp_duration_format(p.notify_interval, d, sizeof(d));
	printf("%s: %s\n", addr, r == MP_FOUND ? "contact policy" :
	    "no policy of its own: the defaults");
	printf("     notified at most every %s%s\n", p.notify_interval != 0 ? d :
	    "NotifyInterval (meldpunt.conf)", p.digest ?
	    ", single reports in a digest" : ", single reports at once");
	return 0;
}

static int
cmd_lookup(int argc, char **argv)
{
	const char *path = NULL, *query = NULL, *state = NULL;
	char health[MP_ROUTE_CONTACTS][MP_ROUTE_SKIP_WHY];
	unsigned limit = MP_CONF_DEFAULT_BOUNCELIMIT;
	unsigned window = MP_CONF_DEFAULT_BOUNCEWINDOW;
	struct mp_seen *seen = NULL;
	struct mp_routedb *db;
	struct mp_route route;
	struct mp_error err;
	enum mp_lookup r;
	int json = 0, i;
	size_t k;

	memset(health, 0, sizeof(health));
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
			state = argv[++i];
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			if (mp_duration_parse(argv[++i], 100000, &limit) != 0)
				usage();
		} else if (strcmp(argv[i], "--window") == 0 && i + 1 < argc) {
			if (mp_duration_parse(argv[++i], 365U * 86400,
			    &window) != 0 || window == 0)
				usage();
		} else if (path == NULL)
			path = argv[i];
		else if (query == NULL)
			query = argv[i];
		else
			usage();
	}
	if (query == NULL)
		usage();
	if (mp_routedb_open(path, &db, &err) != MP_OK) {
		fprintf(stderr, "%s: %s\n", progname, err.msg);
		return EX_TEMPFAIL;
	}
	if (strchr(query, '@') != NULL && strstr(query, "://") == NULL) {
		i = lookup_contact(db, query, json);
		mp_routedb_close(&db);
		return i;
	}
	r = mp_route_lookup(db, query, &route, &err);
	mp_routedb_close(&db);
	if (state != NULL && r == MP_FOUND) {
		if ((seen = mp_seen_open_read(state, &err)) == NULL) {
			fprintf(stderr, "%s: %s\n", progname, err.msg);
			return EX_TEMPFAIL;
		}
		i = contact_health(seen, &route, limit, window, health);
		mp_seen_close(&seen);
		if (i != 0)
			return EX_TEMPFAIL;
	}
	if (r == MP_NOTFOUND && err.code == MP_EINPUT) {
		fprintf(stderr, "%s: %s\n", progname, err.msg);
		return EX_USAGE;
	}
	if (json) {
		json_t *o = json_object(), *a = json_array();

		json_object_set_new(o, "query", json_string(query));
		json_object_set_new(o, "result", json_string(r == MP_FOUND ? "found" :
		    r == MP_NOTFOUND ? "unrouted" : "retry"));
		if (r == MP_RETRY)
			json_object_set_new(o, "error", json_string(err.msg));
		if (route.wants[0] != '\0')
			json_object_set_new(o, "wants", json_string(route.wants));
		for (k = 0; k < route.ncontacts; k++) {
			const struct mp_route_contact *c = &route.contacts[k];

			json_t *jc = json_pack("{s:s, s:s, s:s, s:s, s:s}",
			    "address", c->address, "rule", mp_route_rule_name(c->rule),
			    "lang", mp_lang_name(c->lang), "matched", c->matched, "why", c->why);

			/* the policy: only what the source gave (0: the defaults) */
			if (c->notify_interval != 0)
				json_object_set_new(jc, "notify_interval",
				    json_integer(c->notify_interval));
			if (c->digest)
				json_object_set_new(jc, "digest", json_true());

			if (health[k][0] != '\0')
				json_object_set_new(jc, "skipped",
				    json_string(health[k]));
			json_array_append_new(a, jc);
		}
		json_object_set_new(o, "contacts", a);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
		return exit_for(r, &err);
	}
	if (r == MP_RETRY) {
		fprintf(stderr, "%s: %s (try again later)\n", progname, err.msg);
		return EX_TEMPFAIL;
	}
	if (r == MP_NOTFOUND) {
		printf("%s: unrouted (nothing matched)\n", query);
		return 1;
	}
	printf("%s: %zu contact%s\n", query, route.ncontacts, route.ncontacts == 1 ? "" : "s");
	if (route.wants[0] != '\0')
		printf("  the organisation wants only: %s\n", route.wants);
	for (k = 0; k < route.ncontacts; k++) {
		const struct mp_route_contact *c = &route.contacts[k];

		printf("  %zu. %s  [%s, %s] matched %s\n     why: %s\n", k + 1, c->address,
		    mp_route_rule_name(c->rule), mp_lang_name(c->lang), c->matched, c->why);
		print_policy(c->notify_interval, c->digest);
		if (health[k][0] != '\0')
			printf("     skipped: %s\n", health[k]);
	}
	return 0;
}

static int
cmd_reporter(int argc, char **argv)
{
	struct mp_routedb *db;
	struct mp_error err;
	struct mp_route_reporter rec;
	enum mp_lookup r;

	if (argc != 2)
		usage();
	if (mp_routedb_open(argv[0], &db, &err) != MP_OK) {
		fprintf(stderr, "%s: %s\n", progname, err.msg);
		return EX_TEMPFAIL;
	}
	r = mp_route_reporter_rec(db, argv[1], &rec, &err);
	mp_routedb_close(&db);
	if (r == MP_FOUND)
		printf("%s: known reporter (%s), requires %s, discloses %s%s%s%s"
		    "%s%s%s%s\n",
		    argv[1], rec.domain, mp_reporter_auth_name(rec.auth),
		    mp_disclose_name(rec.disclose), rec.name[0] ? " (name \"" : "",
		    rec.name, rec.name[0] ? "\")" : "",
		    rec.listtype[0] ? ", lists of " : "", rec.listtype,
		    rec.case_ref[0] ? ", case " : "", rec.case_ref);
	else if (r == MP_NOTFOUND && err.code == 0)
		printf("%s: not a known reporter\n", argv[1]);
	else
		fprintf(stderr, "%s: %s\n", progname, err.msg);
	return exit_for(r, &err);
}

static void
dump_page(const datum *k, const datum *v)
{
	int fam = k->dptr[1] == '4' ? 4 : 6;
	size_t w = fam == 4 ? 4 : 16, ew = MP_ROUTE_ENTRY(fam), i, n, off, len;
	const unsigned char *p = (const unsigned char *)v->dptr;
	char ip[MP_PREFIX_STR];

	n = v->dsize >= 2 ? (size_t)(p[0] << 8 | p[1]) : 0;
	for (i = 0; i < n && 2 + (i + 1) * ew <= (size_t)v->dsize; i++) {
		const unsigned char *e = p + 2 + i * ew;
		mp_u128 a = fam == 4 ? mp_get_u32(e) : mp_get_u128(e);

		mp_ip_format(a, fam, ip, sizeof(ip));
		printf("interval%d %s route %u lens /%u /%u /%u /%u\n", fam, ip, mp_get_u32(e + w),
		    e[w + 4], e[w + 5], e[w + 6], e[w + 7]);
	}
	for (off = 2 + n * ew; off + 6 <= (size_t)v->dsize; off += 6 + len) {
		len = (size_t)(p[off + 4] << 8 | p[off + 5]);
		printf("  page carries route %u (%zu bytes)\n", mp_get_u32(p + off), len);
	}
}

static void
dump_record(const char *what, const datum *v)
{
	printf("%s\n", what);
	fwrite(v->dptr, 1, (size_t)v->dsize, stdout);
	if (v->dsize > 0 && v->dptr[v->dsize - 1] != '\n')
		putchar('\n');
}

static int
cmd_dump(int argc, char **argv)
{
	GDBM_FILE db;
	datum k, next, v;
	char what[400];

	if (argc != 1)
		usage();
	db = gdbm_open(argv[0], 0, GDBM_READER | GDBM_NOLOCK, 0, NULL);
	if (db == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, argv[0], gdbm_strerror(gdbm_errno));
		return EX_NOINPUT;
	}
	for (k = gdbm_firstkey(db); k.dptr != NULL; next = gdbm_nextkey(db, k), free(k.dptr), k = next) {
		v = gdbm_fetch(db, k);
		if (v.dptr == NULL)
			continue;
		switch (k.dptr[0]) {
		case 'P':
			dump_page(&k, &v);
			break;
		case 'R':
			snprintf(what, sizeof(what), "route %u:", k.dsize == 5 ?
			    mp_get_u32((unsigned char *)k.dptr + 1) : 0);
			dump_record(what, &v);
			break;
		case 'I':
			printf("index%c %d pages\n", k.dptr[1], v.dsize / (k.dptr[1] == '4' ? 4 : 16));
			break;
		case 'M':
			dump_record("meta:", &v);
			break;
		default:
			snprintf(what, sizeof(what), "%s %.*s:", k.dptr[0] == 'A' ? "asn" :
			    k.dptr[0] == 'D' ? "domain" : k.dptr[0] == 'K' ? "reporter" :
			    k.dptr[0] == 'N' ? "contact" : "key",
			    k.dsize - 1, k.dptr + 1);
			dump_record(what, &v);
			break;
		}
		free(v.dptr);
	}
	gdbm_close(db);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "compile") == 0)
		return cmd_compile(argc - 2, argv + 2);
	if (strcmp(argv[1], "lookup") == 0)
		return cmd_lookup(argc - 2, argv + 2);
	if (strcmp(argv[1], "reporter") == 0)
		return cmd_reporter(argc - 2, argv + 2);
	if (strcmp(argv[1], "dump") == 0)
		return cmd_dump(argc - 2, argv + 2);
	usage();
	return EX_USAGE;
}
