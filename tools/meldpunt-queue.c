/*
 * meldpunt-queue - the rows of list reports waiting for their
 * notification (pending.h) per group, the sender's notifications not yet
 * taken by the MTA (outbox.h), and a way to send a group now.
 * See meldpunt-queue(8).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "outbox.h"
#include "pending.h"
#include "route.h"
#include "seen.h"
#include "sender.h"

#define DEFAULT_CONF SYSCONFDIR "/meldpunt/meldpunt.conf"
#define READ_TRIES 10

static void
usage(void)
{
	fprintf(stderr, "usage: meldpunt-queue list [-c CONF]\n"
	    "       meldpunt-queue send [-c CONF] [CONTACT [TYPE [LANGUAGE]]]\n"
	    "  list     the pending groups: contact, type, language, rows,\n"
	    "           the oldest and newest row's time and when the group is\n"
	    "           due (UTC); then the notifications made but not yet\n"
	    "           taken by the MTA\n"
	    "  send     ask meldpunt-milter's sender to send the groups named\n"
	    "           (all when none is) now, whatever their times\n"
	    "  -c CONF  the configuration (default %s)\n", DEFAULT_CONF);
	exit(EX_USAGE);
}

static const char *
utc(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (t == 0)
		snprintf(buf, size, "now");
	else if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "-");
	return buf;
}

/*
 * The milter writes the file while this reads it without the lock: a
 * bucket caught mid-update reads as damaged. Read again, a few times,
 * before saying so.
 */
static int
list(const struct mp_conf *conf)
{
	struct mp_pending_group *g = NULL;
	struct mp_outbox_item it;
	char (*ids)[MP_NOTICE_ID_MAX] = NULL;
	struct mp_error err;
	struct mp_seen *seen = NULL;
	char t1[32], t2[32], t3[32];
	struct mp_routedb *routes = NULL;
	size_t n = 0, nid = 0, i, rows = 0;
	unsigned every;
	time_t last;
	int tries;

	/* a contact's own notifyinterval; without the DB, NotifyInterval */
	if (conf->routing_db != NULL &&
	    mp_routedb_open(conf->routing_db, &routes, &err) != MP_OK)
		fprintf(stderr, "meldpunt-queue: %s: due times use NotifyInterval "
		    "for every contact\n", err.msg);

	for (tries = 0;; tries++) {
		if ((seen = mp_seen_open_read(conf->state_db, &err)) == NULL) {
			fprintf(stderr, "meldpunt-queue: %s\n", err.msg);
			mp_routedb_close(&routes);
			return EX_UNAVAILABLE;
		}
		if (mp_pending_groups(seen, &g, &n, &err) == MP_OK &&
		    mp_outbox_ids(seen, &ids, &nid, &err) == MP_OK)
			break;
		mp_pending_groups_free(&g, n);
		mp_seen_close(&seen);
		if (tries == READ_TRIES) {
			fprintf(stderr, "meldpunt-queue: %s\n", err.msg);
			mp_routedb_close(&routes);
			return EX_IOERR;
		}
		usleep(200000);
	}
	printf("contact\ttype\tlanguage\trows\toldest\tnewest\tdue\n");
	for (i = 0; i < n; i++) {
		if (mp_outbox_last(seen, g[i].contact, g[i].type, g[i].lang,
		    &last, &err) == MP_RETRY)
			last = 0;
		if (mp_sender_interval(routes, g[i].contact, &every, &err) ==
		    MP_RETRY)
			every = 0;
		printf("%s\t%s\t%s\t%zu\t%s\t%s\t%s\n", g[i].contact, g[i].type,
		    g[i].lang, g[i].rows, utc(g[i].oldest, t1, sizeof(t1)),
		    utc(g[i].newest, t2, sizeof(t2)),
		    utc(mp_sender_due(conf, every, g[i].rows, g[i].received,
		    last), t3, sizeof(t3)));
		rows += g[i].rows;
	}
	if (nid > 0)
		printf("\nnotice\tticket\tcontact\trows\tmade\tattempts\tstate\n");
	for (i = 0; i < nid; i++) {
		if (mp_outbox_get(seen, ids[i], &it, &err) != MP_FOUND)
			continue;
		printf("%s\t%s\t%s\t%u\t%s\t%u\t%s%s\n", it.id, it.ticket,
		    it.contact, it.rows, utc(it.made, t1, sizeof(t1)),
		    it.attempts, it.failed ? "refused: " : "waiting",
		    it.failed ? it.reply : "");
		mp_outbox_item_free(&it);
	}
	fprintf(stderr, "meldpunt-queue: %zu group%s, %zu row%s pending; %zu "
	    "notification%s in the outbox\n", n, n == 1 ? "" : "s", rows,
	    rows == 1 ? "" : "s", nid, nid == 1 ? "" : "s");
	free(ids);
	mp_pending_groups_free(&g, n);
	mp_seen_close(&seen);
	mp_routedb_close(&routes);
	return 0;
}

/* The milter's pid from its PidFile, or 0. */
static pid_t
milter_pid(const struct mp_conf *conf)
{
	FILE *f;
	long pid = 0;

	if (conf->pidfile == NULL || (f = fopen(conf->pidfile, "r")) == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid > 1 ? (pid_t)pid : 0;
}

/*
 * One request line appended to StateDB.send (one write(2) under
 * PIPE_BUF bytes with O_APPEND: lines of two callers never mix), then
 * SIGUSR2 wakes the sender.
 */
static int
send_now(const struct mp_conf *conf, int argc, char **argv)
{
	char path[4096], line[3 * 520];
	pid_t pid;
	int fd, n, i;

	for (i = 0; i < argc; i++)
		if (strlen(argv[i]) > 512 || strpbrk(argv[i], "\t\r\n") != NULL) {
			fprintf(stderr, "meldpunt-queue: \"%s\" is not a contact, "
			    "type or language\n", argv[i]);
			return EX_USAGE;
		}
	n = snprintf(line, sizeof(line), "%s\t%s\t%s\n", argc > 0 ? argv[0] : "",
	    argc > 1 ? argv[1] : "", argc > 2 ? argv[2] : "");
	if (conf->submit_addr == NULL) {
		fprintf(stderr, "meldpunt-queue: %s sets no SubmitAddress: the "
		    "milter runs no sender\n", conf->path);
		return EX_CONFIG;
	}
	snprintf(path, sizeof(path), "%s.send", conf->state_db);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0 ||
	    write(fd, line, (size_t)n) != n) {
		fprintf(stderr, "meldpunt-queue: cannot write %s: %s\n", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return EX_CANTCREAT;
	}
	close(fd);
	if ((pid = milter_pid(conf)) == 0 || kill(pid, SIGUSR2) != 0) {
		fprintf(stderr, "meldpunt-queue: asked; the sender takes it at its "
		    "next pass (within SenderInterval, %u s)%s\n",
		    conf->sender_interval, pid == 0 ? ": no PidFile to wake it "
		    "with" : "");
		return 0;
	}
	fprintf(stderr, "meldpunt-queue: asked the sender (pid %ld) to send "
	    "now; its log says what it sent\n", (long)pid);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *conf_path = DEFAULT_CONF;
	struct mp_conf *conf;
	struct mp_error err;
	int ch, rc, sending;

	if (argc < 2 || (strcmp(argv[1], "list") != 0 &&
	    strcmp(argv[1], "send") != 0))
		usage();
	sending = strcmp(argv[1], "send") == 0;
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
	if ((sending && argc - optind > 3) || (!sending && optind != argc))
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
	rc = sending ? send_now(conf, argc - optind, argv + optind) : list(conf);
	mp_conf_free(&conf);
	return rc;
}
