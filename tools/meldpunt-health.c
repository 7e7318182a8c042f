/*
 * meldpunt-health - list, show and reset contact health records
 *
 *	meldpunt-health [-c meldpunt.conf] list
 *	meldpunt-health [-c meldpunt.conf] show ADDRESS
 *	meldpunt-health [-c meldpunt.conf] reset ADDRESS
 *
 * Reads StateDB, BounceLimit and BounceWindow from the configuration.
 * list and show read the state DB without its lock (the milter may run);
 * reset writes it and needs the lock (stop meldpunt-milter first). A
 * reset is printed and logged to syslog (mail facility). See
 * meldpunt-health(8).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "health.h"
#include "seen.h"

#define DEFAULT_CONF SYSCONFDIR "/meldpunt/meldpunt.conf"

static const char *progname = "meldpunt-health";

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-c meldpunt.conf] list\n"
	    "       %s [-c meldpunt.conf] show ADDRESS\n"
	    "       %s [-c meldpunt.conf] reset ADDRESS\n",
	    progname, progname, progname);
	exit(EX_USAGE);
}

static void
fmt_time(int64_t t, char *out, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
}

/* "unreachable since T (N bounces)" or "reachable (N of LIMIT ...)". */
static void
judged(const struct mp_health *h, const struct mp_conf *c, char *out,
    size_t size)
{
	char when[32];
	time_t since;
	unsigned n;

	if (mp_health_judge(h, time(NULL), c->bounce_limit, c->bounce_window,
	    &since, &n)) {
		fmt_time(since, when, sizeof(when));
		snprintf(out, size, "unreachable since %s (%u bounces)", when, n);
	} else
		snprintf(out, size, "reachable (%u of BounceLimit %u hard "
		    "bounces within BounceWindow %us)", n, c->bounce_limit,
		    c->bounce_window);
}

static int
list_one(const struct mp_health *h, void *arg)
{
	const struct mp_conf *c = arg;
	char state[160], last[32] = "-";

	judged(h, c, state, sizeof(state));
	if (h->n > 0)
		fmt_time(h->b[h->n - 1].at, last, sizeof(last));
	printf("%s\t%zu bounce%s, last %s\t%s\n", h->addr, h->n,
	    h->n == 1 ? "" : "s", last, state);
	return 0;
}

static void
show(const struct mp_health *h, const struct mp_conf *c)
{
	char state[160], when[32];
	size_t i;

	judged(h, c, state, sizeof(state));
	printf("%s: %s\n", h->addr, state);
	for (i = 0; i < h->n; i++) {
		fmt_time(h->b[i].at, when, sizeof(when));
		printf("  %s  hard %s  notice %s\n", when,
		    h->b[i].status[0] ? h->b[i].status : "-",
		    h->b[i].notice[0] ? h->b[i].notice : "-");
	}
}

int
main(int argc, char **argv)
{
	const char *conf_path = DEFAULT_CONF, *cmd, *addr = NULL;
	struct mp_health h;
	struct mp_error err;
	struct mp_conf *c;
	struct mp_seen *s;
	enum mp_lookup lk;
	char state[160];
	int ch, rc = 0;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch == 'c')
			conf_path = optarg;
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	cmd = argv[0];
	if (strcmp(cmd, "list") == 0 ? argc != 1 :
	    (strcmp(cmd, "show") != 0 && strcmp(cmd, "reset") != 0) || argc != 2)
		usage();
	if (argc == 2)
		addr = argv[1];
	if ((c = mp_conf_load(conf_path, &err)) == NULL) {
		fprintf(stderr, "%s: %s\n", progname, err.msg);
		return EX_CONFIG;
	}
	s = strcmp(cmd, "reset") == 0 ? mp_seen_open(c->state_db, &err) :
	    access(c->state_db, F_OK) == 0 ? mp_seen_open_read(c->state_db, &err) :
	    NULL;
	if (s == NULL && strcmp(cmd, "reset") != 0 &&
	    access(c->state_db, F_OK) != 0) {
		/* no state DB yet: no records */
		if (strcmp(cmd, "show") == 0)
			printf("%s: no health record (no bounces)\n", addr);
		mp_conf_free(&c);
		return strcmp(cmd, "show") == 0 ? 1 : 0;
	}
	if (s == NULL) {
		fprintf(stderr, "%s: %s%s\n", progname, err.msg,
		    strcmp(cmd, "reset") == 0 ? " (a reset writes the state DB: "
		    "stop meldpunt-milter first)" : "");
		mp_conf_free(&c);
		return EX_TEMPFAIL;
	}
	if (strcmp(cmd, "list") == 0) {
		if (mp_health_list(s, list_one, c, &err) != MP_OK) {
			fprintf(stderr, "%s: %s\n", progname, err.msg);
			rc = EX_TEMPFAIL;
		}
	} else if (strcmp(cmd, "show") == 0) {
		lk = mp_health_get(s, addr, &h, &err);
		if (lk == MP_RETRY) {
			fprintf(stderr, "%s: %s\n", progname, err.msg);
			rc = EX_TEMPFAIL;
		} else if (lk == MP_NOTFOUND) {
			printf("%s: no health record (no bounces)\n", addr);
			rc = 1;
		} else
			show(&h, c);
	} else {
		lk = mp_health_reset(s, addr, &h, &err);
		if (lk == MP_RETRY) {
			fprintf(stderr, "%s: %s\n", progname, err.msg);
			rc = EX_TEMPFAIL;
		} else if (lk == MP_NOTFOUND) {
			printf("%s: no health record: nothing to reset\n", addr);
			rc = 1;
		} else {
			judged(&h, c, state, sizeof(state));
			printf("reset %s: removed %zu hard bounce%s (was: %s)\n",
			    h.addr, h.n, h.n == 1 ? "" : "s", state);
			openlog(progname, LOG_PID, c->syslog_facility);
			syslog(LOG_NOTICE, "reset %s: removed %zu hard bounce%s "
			    "(was: %s) by uid %ld", h.addr, h.n,
			    h.n == 1 ? "" : "s", state, (long)getuid());
			closelog();
		}
	}
	mp_seen_close(&s);
	mp_conf_free(&c);
	return rc;
}
