/*
 * meldpunt-parse - parse abuse reports as the milter would, and show them
 *
 * meldpunt-parse [--json] [--list TYPE [--case REF]] FILE...
 * meldpunt-parse --mapping | --shadowserver-types
 *
 * A list report (Shadowserver CSV, a CSV list) prints a line for the
 * table and one per row, valid or invalid with its reason (--json: one
 * object per line, the feed's own columns defanged under "evidence").
 * A FILE that is no mail but a *.csv or *.csv.zip is read as the table
 * itself: a Shadowserver file by its name, else a list when --list gives
 * its report type. A report that is only a download link prints
 * "link-only" and its URL (nothing is fetched).
 *
 * Exit 0 when every FILE held a report, 2 when one did not (with
 * "FILE: not a report: <why>" on stderr), 1 on usage or read errors.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gmime/gmime.h>
#include <jansson.h>

#include "feed.h"
#include "message.h"
#include "report.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: meldpunt-parse [--json] [--list TYPE [--case REF]] "
	    "FILE...\n"
	    "       meldpunt-parse --mapping | --shadowserver-types\n");
}

/* The whole file, at most `max` + 1 bytes so the parser can name the limit. */
static char *
slurp(const char *path, size_t max, size_t *lenp)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t len = 0, size = 0, n;
	char *buf = NULL, *p;

	if (fp == NULL)
		return NULL;
	do {
		if (len == size) {
			size = size ? size * 2 : 65536;
			if (size > max + 1)
				size = max + 1;
			if ((p = realloc(buf, size + 1)) == NULL) {
				free(buf);
				buf = NULL;
				errno = ENOMEM;
				break;
			}
			buf = p;
		}
		n = fread(buf + len, 1, size - len, fp);
		len += n;
	} while (n > 0 && len <= max);
	if (buf != NULL && ferror(fp)) {
		free(buf);
		buf = NULL;
	}
	if (fp != stdin)
		fclose(fp);
	*lenp = len;
	return buf;
}

static void
fmt_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(buf, size, "-");
	else
		strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
jstr_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
jtime(time_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	fmt_time(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
jint(long long v)
{
	return v != 0 ? json_integer(v) : json_null();
}

static int
print_json(const struct mp_report *r)
{
	json_t *o = json_object(), *ev = json_object(), *w = json_array();
	size_t i;
	char *s;

	json_object_set_new(o, "format", json_string(mp_report_format_name(r->format)));
	json_object_set_new(o, "type", json_string(mp_report_type_name(r->type)));
	json_object_set_new(o, "source_ip", jstr_or_null(r->source_ip));
	json_object_set_new(o, "source_port", jint(r->source_port));
	json_object_set_new(o, "domain", jstr_or_null(r->domain));
	json_object_set_new(o, "url", jstr_or_null(r->url));
	json_object_set_new(o, "asn", jint(r->asn));
	json_object_set_new(o, "reported_at", jtime(r->reported_at));
	json_object_set_new(o, "reporter", jstr_or_null(r->reporter_addr));
	json_object_set_new(o, "report_id", jstr_or_null(r->report_id));
	json_object_set_new(o, "reporter_org", jstr_or_null(r->reporter_org));
	json_object_set_new(o, "type_detail", jstr_or_null(r->type_detail));
	json_object_set_new(o, "format_version", jstr_or_null(r->format_version));
	json_object_set_new(o, "service", jstr_or_null(r->service));
	json_object_set_new(o, "service_port", jint(r->service_port));
	json_object_set_new(o, "first_seen", jtime(r->first_seen));
	json_object_set_new(o, "last_seen", jtime(r->last_seen));
	json_object_set_new(o, "occurrences", jint(r->occurrences));
	json_object_set_new(o, "tlp", jstr_or_null(r->tlp));
	json_object_set_new(ev, "content_type",
	    jstr_or_null(r->evidence.content_type));
	json_object_set_new(ev, "filename", jstr_or_null(r->evidence.filename));
	json_object_set_new(ev, "bytes", json_integer((json_int_t)r->evidence.len));
	json_object_set_new(o, "evidence", ev);
	/* Schema-required fields that were absent (report.h, the one rule). */
	for (i = 0; i < r->nwarnings; i++)
		json_array_append_new(w, json_string(r->warnings[i]));
	if (r->more_warnings > 0)
		json_array_append_new(w, json_sprintf("and %zu more",
		    r->more_warnings));
	json_object_set_new(o, "warnings", w);
	s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		return -1;
	printf("%s\n", s);
	free(s);
	return 0;
}

static void
line(const char *label, const char *value)
{
	if (value != NULL)
		printf("  %-13s%s\n", label, value);
}

static void
print_summary(const char *file, const struct mp_report *r)
{
	char buf[MP_REPORT_MAX_VALUE * 2 + 64];
	size_t i;

	printf("%s: %s report (%s%s%s)\n", file, mp_report_type_name(r->type),
	    mp_report_format_name(r->format),
	    r->type_detail ? ": " : "", r->type_detail ? r->type_detail : "");
	if (r->source_ip != NULL) {
		if (r->source_port != 0)
			snprintf(buf, sizeof(buf), strchr(r->source_ip, ':') ?
			    "[%s]:%d" : "%s:%d", r->source_ip, r->source_port);
		else
			snprintf(buf, sizeof(buf), "%s", r->source_ip);
		line("source", buf);
	}
	line("domain", r->domain);
	line("url", r->url);
	if (r->asn != 0) {
		snprintf(buf, sizeof(buf), "AS%u", (unsigned)r->asn);
		line("asn", buf);
	}
	if (r->service_port != 0) {
		snprintf(buf, sizeof(buf), "%s%sport %d",
		    r->service ? r->service : "", r->service ? ", " : "",
		    r->service_port);
		line("service", buf);
	} else
		line("service", r->service);
	if (r->reporter_addr != NULL || r->reporter_org != NULL) {
		snprintf(buf, sizeof(buf), "%s%s%s%s",
		    r->reporter_addr ? r->reporter_addr : "",
		    r->reporter_addr && r->reporter_org ? " (" : "",
		    r->reporter_org ? r->reporter_org : "",
		    r->reporter_addr && r->reporter_org ? ")" : "");
		line("reporter", buf);
	}
	line("report id", r->report_id);
	if (r->reported_at != 0) {
		fmt_time(r->reported_at, buf, sizeof(buf));
		line("reported at", buf);
	}
	if (r->first_seen != 0) {
		fmt_time(r->first_seen, buf, sizeof(buf));
		line("first seen", buf);
	}
	snprintf(buf, sizeof(buf), "%s%s%s, %zu bytes",
	    r->evidence.content_type ? r->evidence.content_type : "?",
	    r->evidence.filename ? " " : "",
	    r->evidence.filename ? r->evidence.filename : "", r->evidence.len);
	line("evidence", buf);
	for (i = 0; i < r->nwarnings; i++)
		line(i == 0 ? "warnings" : "", r->warnings[i]);
	if (r->more_warnings > 0) {
		snprintf(buf, sizeof(buf), "and %zu more", r->more_warnings);
		line("", buf);
	}
}

static void
print_mapping(void)
{
	const struct mp_report_map_row *row;
	size_t i;

	for (i = 0; (row = mp_report_map_row(i)) != NULL; i++)
		printf("%s\t%s\t%s\t%s\n", row->family, row->category, row->type,
		    mp_report_type_name(row->result));
}


static json_t *
jsplit(const char *s)
{
	json_t *a = json_array();
	const char *e;

	while (s != NULL && *s != '\0') {
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		json_array_append_new(a, json_stringn(s, (size_t)(e - s)));
		s = *e ? e + 1 : e;
	}
	return a;
}

static void
json_line(json_t *o)
{
	char *s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);

	json_decref(o);
	if (s != NULL) {
		printf("%s\n", s);
		free(s);
	}
}

static void
print_feed_json(const struct mp_feed *f, size_t part)
{
	json_t *o = json_object(), *cols = json_array();
	char cell[2 * MP_FEED_MAX_FIELD + 8];
	size_t i, c;

	json_object_set_new(o, "feed", json_string(f->name));
	json_object_set_new(o, "kind", json_string(f->kind ==
	    MP_FEED_SHADOWSERVER ? "shadowserver" : "list"));
	json_object_set_new(o, "alias", jstr_or_null(f->alias));
	json_object_set_new(o, "type", json_string(mp_report_type_name(f->type)));
	json_object_set_new(o, "file", jstr_or_null(f->filename));
	json_object_set_new(o, "entry", jstr_or_null(f->entry));
	json_object_set_new(o, "case", jstr_or_null(f->case_ref));
	json_object_set_new(o, "report_date", jtime(f->report_date));
	json_object_set_new(o, "reporter", jstr_or_null(f->reporter_addr));
	json_object_set_new(o, "report_id", jstr_or_null(f->report_id));
	if (part > 0)
		json_object_set_new(o, "digest_part", json_integer((json_int_t)part));
	json_object_set_new(o, "rows", json_integer((json_int_t)f->nrows));
	json_object_set_new(o, "valid", json_integer((json_int_t)f->nvalid));
	json_object_set_new(o, "invalid", json_integer((json_int_t)f->ninvalid));
	for (c = 0; c < f->ncolumns; c++)
		json_array_append_new(cols, json_string(mp_feed_defang(
		    f->columns[c], cell, sizeof(cell))));
	json_object_set_new(o, "columns", cols);
	json_line(o);
	for (i = 0; i < f->nrows; i++) {
		const struct mp_feed_row *row = &f->rows[i];
		const struct mp_report *r = &row->r;
		json_t *ev = json_object();

		o = json_object();
		json_object_set_new(o, "row", json_integer((json_int_t)row->line));
		json_object_set_new(o, "state", json_string(row->state ==
		    MP_ROW_VALID ? "valid" : "invalid"));
		json_object_set_new(o, "reason", jstr_or_null(row->reason));
		json_object_set_new(o, "type", json_string(mp_report_type_name(r->type)));
		json_object_set_new(o, "detail", jstr_or_null(r->type_detail));
		json_object_set_new(o, "source_ip", jstr_or_null(r->source_ip));
		json_object_set_new(o, "source_port", jint(r->source_port));
		json_object_set_new(o, "service_port", jint(r->service_port));
		json_object_set_new(o, "protocol", jstr_or_null(row->protocol));
		json_object_set_new(o, "service", jstr_or_null(r->service));
		json_object_set_new(o, "asn", jint(r->asn));
		json_object_set_new(o, "timestamp", jtime(r->first_seen));
		json_object_set_new(o, "hostname", jstr_or_null(r->domain));
		json_object_set_new(o, "url", jstr_or_null(r->url));
		json_object_set_new(o, "tags", jsplit(row->tags));
		json_object_set_new(o, "cves", jsplit(row->cves));
		json_object_set_new(o, "severity", jstr_or_null(row->severity));
		for (c = 0; c < f->ncolumns && c < row->ncells; c++) {
			const char *v = mp_feed_cell(row, c);

			if (*v != '\0')
				json_object_set_new(ev, f->columns[c],
				    json_string(mp_feed_defang(v, cell,
				    sizeof(cell))));
		}
		json_object_set_new(o, "evidence", ev);
		json_line(o);
	}
}

static void
print_feed_text(const char *file, const struct mp_feed *f)
{
	char ts[32], ep[64];
	size_t i;

	printf("%s: %s report (%s %s%s%s%s): %zu rows, %zu valid, %zu invalid\n",
	    file, mp_report_type_name(f->type), f->kind == MP_FEED_SHADOWSERVER ?
	    "Shadowserver" : "CSV list", f->name, f->alias ? ", file name " : "",
	    f->alias ? f->alias : "", f->case_ref ? "" : "", f->nrows,
	    f->nvalid, f->ninvalid);
	for (i = 0; i < f->nrows; i++) {
		const struct mp_feed_row *row = &f->rows[i];
		const struct mp_report *r = &row->r;

		if (row->state != MP_ROW_VALID) {
			printf("  %6zu invalid: %s\n", row->line, row->reason);
			continue;
		}
		if (r->source_port != 0)
			snprintf(ep, sizeof(ep), strchr(r->source_ip, ':') ?
			    "[%s]:%d" : "%s:%d", r->source_ip, r->source_port);
		else
			snprintf(ep, sizeof(ep), "%s", r->source_ip);
		fmt_time(r->first_seen, ts, sizeof(ts));
		printf("  %6zu %s %s AS%u %s%s%s%s%s\n", row->line, ep,
		    row->protocol ? row->protocol : "-", (unsigned)r->asn, ts,
		    r->domain ? " " : "", r->domain ? r->domain : "",
		    row->cves ? " " : "", row->cves ? row->cves : "");
	}
}

static void
print_set(const char *file, const struct mp_report_set *s, int json)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct mp_report_item *it = &s->items[i];

		switch (it->kind) {
		case MP_ITEM_REPORT:
			if (json)
				print_json(it->report);
			else
				print_summary(file, it->report);
			break;
		case MP_ITEM_FEED:
			if (json)
				print_feed_json(it->feed, it->digest_part);
			else
				print_feed_text(file, it->feed);
			break;
		case MP_ITEM_LINK_ONLY:
		case MP_ITEM_REFUSED:
			if (json) {
				json_t *o = json_object();

				json_object_set_new(o, "result", json_string(
				    mp_item_kind_name(it->kind)));
				if (it->digest_part > 0)
					json_object_set_new(o, "digest_part",
					    json_integer((json_int_t)it->digest_part));
				json_object_set_new(o, it->link ? "url" : "why",
				    json_string(it->link ? it->link : it->why));
				json_line(o);
			} else
				printf("%s: %s: %s\n", file,
				    mp_item_kind_name(it->kind),
				    it->link ? it->link : it->why);
			break;
		}
	}
}

static void
print_types(void)
{
	const struct mp_shadowserver_type *t;
	size_t i;

	for (i = 0; (t = mp_shadowserver_type_row(i)) != NULL; i++)
		printf("%s\t%s\t%s\n", t->name, t->alias_of ? t->alias_of : "-",
		    mp_report_type_name(t->type));
}

static enum mp_report_type
type_named(const char *s, int *ok)
{
	unsigned t;

	for (t = 0; t < MP_TYPE_COUNT; t++)
		if (strcmp(s, mp_report_type_name((enum mp_report_type)t)) == 0) {
			*ok = 1;
			return (enum mp_report_type)t;
		}
	*ok = 0;
	return MP_TYPE_OTHER;
}

static const char *
base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b != NULL ? b + 1 : path;
}

static int
is_table(const char *path)
{
	size_t n = strlen(path);

	return (n > 4 && strcmp(path + n - 4, ".csv") == 0) ||
	    (n > 8 && strcmp(path + n - 8, ".csv.zip") == 0);
}

/* One FILE: MP_OK with *sp, or an error in err. */
static int
parse_file(const char *path, const char *data, size_t len,
    const struct mp_message_limits *lim, const struct mp_feed_opts *o,
    struct mp_report_set **sp, struct mp_error *err)
{
	struct mp_message *msg;
	struct mp_report *r = NULL;
	struct mp_feed *f = NULL;
	size_t i = 0;
	int rc;

	*sp = NULL;
	if (is_table(path)) {
		char word[128];
		time_t date;

		if (mp_shadowserver_filename(base_name(path), word, sizeof(word),
		    &date))
			rc = mp_feed_parse_shadowserver(base_name(path), data,
			    len, o->limits, &f, err);
		else if (o->list)
			rc = mp_feed_parse_list(base_name(path), data, len,
			    o->list_type, o->case_ref, o->limits, &f, err);
		else
			rc = mp_error_set(err, MP_EINPUT, "a CSV file needs "
			    "--list TYPE, or a Shadowserver file name");
		if (rc != MP_OK) {
			if (rc == MP_EINPUT || rc == MP_ELIMIT)
				mp_error_prefix(err, "not a report");
			return rc;
		}
		if ((*sp = calloc(1, sizeof(**sp))) == NULL ||
		    ((*sp)->items = calloc(1, sizeof(*(*sp)->items))) == NULL) {
			mp_feed_free(&f);
			free(*sp);
			*sp = NULL;
			return mp_error_set(err, MP_ENOMEM, "out of memory");
		}
		(*sp)->n = 1;
		(*sp)->items[0].kind = MP_ITEM_FEED;
		(*sp)->items[0].feed = f;
		return MP_OK;
	}
	/* A bare XARF JSON document: as before. */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (data[i] == ' ' || data[i] == '\t' ||
	    data[i] == '\r' || data[i] == '\n'))
		i++;
	if (i < len && data[i] == '{') {
		if ((rc = mp_report_parse_buffer(data, len, lim, &r, err)) != MP_OK)
			return rc;
		if ((*sp = calloc(1, sizeof(**sp))) == NULL ||
		    ((*sp)->items = calloc(1, sizeof(*(*sp)->items))) == NULL) {
			mp_report_free(&r);
			free(*sp);
			*sp = NULL;
			return mp_error_set(err, MP_ENOMEM, "out of memory");
		}
		(*sp)->n = 1;
		(*sp)->items[0].kind = MP_ITEM_REPORT;
		(*sp)->items[0].report = r;
		return MP_OK;
	}
	if ((rc = mp_message_parse(data, len, lim, &msg, err)) != MP_OK) {
		if (rc == MP_EINPUT || rc == MP_ELIMIT)
			mp_error_prefix(err, "not a report");
		return rc;
	}
	rc = mp_report_parse_all(msg, o, sp, err);
	mp_message_free(&msg);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "mapping", no_argument, NULL, 'm' },
		{ "shadowserver-types", no_argument, NULL, 't' },
		{ "list", required_argument, NULL, 'l' },
		{ "case", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mp_message_limits lim;
	struct mp_feed_opts fo;
	int c, json = 0, mapping = 0, types = 0, status = 0, i, ok;

	memset(&fo, 0, sizeof(fo));
	while ((c = getopt_long(argc, argv, "jmhtl:c:", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			types = 1;
			break;
		case 'l':
			fo.list = 1;
			fo.list_type = type_named(optarg, &ok);
			if (!ok) {
				fprintf(stderr, "meldpunt-parse: --list %s: not "
				    "a report type (see --mapping)\n", optarg);
				return 1;
			}
			break;
		case 'c':
			fo.case_ref = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'm':
			mapping = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (mapping) {
		print_mapping();
		return 0;
	}
	if (types) {
		print_types();
		return 0;
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	mp_message_limits_default(&lim);
	fo.msg_limits = &lim;
	g_mime_init();
	for (i = optind; i < argc; i++) {
		struct mp_report_set *set = NULL;
		struct mp_error err;
		size_t len;
		char *data;
		int rc;

		mp_error_clear(&err);
		if ((data = slurp(argv[i], lim.max_size, &len)) == NULL) {
			fprintf(stderr, "%s: cannot read: %s\n", argv[i],
			    strerror(errno));
			status = 1;
			continue;
		}
		rc = parse_file(argv[i], data, len, &lim, &fo, &set, &err);
		free(data);
		if (rc != MP_OK) {
			fprintf(stderr, "%s: %s\n", argv[i], err.msg);
			if (status == 0)
				status = rc == MP_ENOMEM ? 1 : 2;
			continue;
		}
		print_set(argv[i], set, json);
		mp_report_set_free(&set);
	}
	g_mime_shutdown();
	if (fflush(stdout) != 0)
		return 1;
	return status;
}
