/*
 * meldpunt-queue - the rows of list reports waiting for their
 * notification (pending.h), per group. See meldpunt-queue(8).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "pending.h"
#include "seen.h"

#define DEFAULT_CONF SYSCONFDIR "/meldpunt/meldpunt.conf"
#define READ_TRIES 10

static void
usage(void)
{
	fprintf(stderr, "usage: meldpunt-queue list [-c CONF]\n"
	    "  list     the pending groups: contact, type, language, rows,\n"
	    "           the oldest and newest row's time (UTC)\n"
	    "  -c CONF  the configuration (default %s)\n", DEFAULT_CONF);
	exit(EX_USAGE);
}

static const char *
utc(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "-");
	return buf;
}

int
main(int argc, char **argv)
{
	const char *conf_path = DEFAULT_CONF;
	struct mp_pending_group *g;
	struct mp_conf *conf;
	struct mp_error err;
	struct mp_seen *seen;
	char t1[32], t2[32];
	size_t n, i, rows = 0;
	int ch, tries;

	if (argc < 2 || strcmp(argv[1], "list") != 0)
		usage();
	argv++, argc--;
	while ((ch = getopt(argc, argv, "c:")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((conf = mp_conf_load(conf_path, &err)) == NULL) {
		fprintf(stderr, "meldpunt-queue: %s\n", err.msg);
		return EX_CONFIG;
	}
	if (conf->state_db == NULL) {
		fprintf(stderr, "meldpunt-queue: %s sets no StateDB\n", conf_path);
		mp_conf_free(&conf);
		return EX_CONFIG;
	}
	/*
	 * The milter writes the file while this reads it without the lock:
	 * a bucket caught mid-update reads as damaged. Read again, a few
	 * times, before saying so.
	 */
	for (tries = 0;; tries++) {
		if ((seen = mp_seen_open_read(conf->state_db, &err)) == NULL) {
			fprintf(stderr, "meldpunt-queue: %s\n", err.msg);
			mp_conf_free(&conf);
			return EX_UNAVAILABLE;
		}
		if (mp_pending_groups(seen, &g, &n, &err) == MP_OK)
			break;
		mp_seen_close(&seen);
		if (tries == READ_TRIES) {
			fprintf(stderr, "meldpunt-queue: %s\n", err.msg);
			mp_conf_free(&conf);
			return EX_IOERR;
		}
		usleep(200000);
	}
	printf("contact\ttype\tlanguage\trows\toldest\tnewest\n");
	for (i = 0; i < n; i++) {
		printf("%s\t%s\t%s\t%zu\t%s\t%s\n", g[i].contact, g[i].type,
		    g[i].lang, g[i].rows, utc(g[i].oldest, t1, sizeof(t1)),
		    utc(g[i].newest, t2, sizeof(t2)));
		rows += g[i].rows;
	}
	fprintf(stderr, "meldpunt-queue: %zu group%s, %zu row%s pending\n", n,
	    n == 1 ? "" : "s", rows, rows == 1 ? "" : "s");
	mp_pending_groups_free(&g, n);
	mp_seen_close(&seen);
	mp_conf_free(&conf);
	return 0;
}
