/*
 * meldpunt-milter - start-up, privileges, signals, reload and stop
 *
 * Order matters (keys must be read before privileges are dropped; a
 * signal mask is inherited only by threads created after it is set):
 * load and check the configuration,
 * open the socket (honouring Umask), detach, write the pid file, drop
 * privileges, block SIGUSR1 before any thread exists, start the reload
 * thread, then hand over to smfi_main(). libmilter's own signal thread
 * turns SIGHUP, SIGTERM and SIGINT into a graceful stop; reload is SIGUSR1,
 * SIGUSR2 wakes the sender thread (sendthread.h), started after the
 * reload thread and stopped before it.
 *
 * Ownership at stop: the start-up snapshot belongs to mp_current_conf from
 * the moment it is installed, and any reload frees it, so main() keeps its
 * own copies of what it needs later (the Socket and PidFile paths) and
 * never looks at a snapshot's conf after the reload thread started.
 *
 * Stop: when smfi_main() returns, the reload thread is told to stop and
 * joined; then main() waits (at most STOP_WAIT seconds) for connections
 * still running -- libmilter does not wait for its session threads --
 * and only when none is left frees the snapshot and cleans up OpenSSL.
 * OpenSSL is initialised first thing with OPENSSL_INIT_NO_ATEXIT, so its
 * exit-time cleanup can never free its locks under a session thread that
 * is still signing when the process ends.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <openssl/crypto.h>

#include "addr.h"
#include "log.h"
#include "milter.h"
#include "sendthread.h"
#include "spf.h"

#define DEFAULT_CONF SYSCONFDIR "/meldpunt/meldpunt.conf"

struct mp_current mp_current_conf;
struct mp_stats mp_stats_all;

static const char *conf_path = DEFAULT_CONF;

/* Set by main() to stop the reload thread; read there after each wait. */
static int reload_stop;

static void
usage(void)
{
	fprintf(stderr, "usage: meldpunt-milter [-c FILE] [-f] [-n] [-s [STATSFILE]] [-V]\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -f       stay in the foreground and log to stderr\n"
	    "  -n       check the configuration and exit\n"
	    "  -s       print the running milter's counters (the StatsFile\n"
	    "           given, else the configuration's StatsFile)\n"
	    "  -V       print the version and exit\n", DEFAULT_CONF);
	exit(EX_USAGE);
}

static int
write_pidfile(const char *path)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL) {
		mp_log(LOG_ERR, "PidFile %s: cannot write: %s", path,
		    strerror(errno));
		return -1;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) != 0) {
		mp_log(LOG_ERR, "PidFile %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* UserID is "user" or "user:group". */
static int
drop_privileges(const char *spec)
{
	char user[256], *group;
	struct passwd *pw;
	struct group *gr;
	gid_t gid;

	if (snprintf(user, sizeof(user), "%s", spec) >= (int)sizeof(user)) {
		mp_log(LOG_ERR, "UserID %s: too long", spec);
		return -1;
	}
	if ((group = strchr(user, ':')) != NULL)
		*group++ = '\0';
	if ((pw = getpwnam(user)) == NULL) {
		mp_log(LOG_ERR, "UserID %s: no such user", user);
		return -1;
	}
	gid = pw->pw_gid;
	if (group != NULL) {
		if ((gr = getgrnam(group)) == NULL) {
			mp_log(LOG_ERR, "UserID %s: no such group %s", spec, group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (getuid() != 0 && geteuid() != 0) {
		if (pw->pw_uid == geteuid())
			return 0;
		mp_log(LOG_ERR, "UserID %s: only root can change user", spec);
		return -1;
	}
	if (initgroups(pw->pw_name, gid) != 0 || setgid(gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		mp_log(LOG_ERR, "UserID %s: cannot switch: %s", spec,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* What an admin should know about a snapshot that loaded. */
static void
snapshot_warnings(const struct mp_snapshot *s)
{
	const struct mp_conf *c = s->conf;

	if (c->dns_zone_file != NULL)
		mp_log(LOG_WARNING, "DNSZoneFile %s answers SPF and DKIM lookups "
		    "instead of DNS: for tests only, never in production",
		    c->dns_zone_file);
	if (s->routedb_why[0] != '\0' && c->intake != NULL)
		mp_log(LOG_ERR, "intake mail will be tempfailed until the routing "
		    "database can be read: %s", s->routedb_why);
	if (c->protected_domains != NULL && s->signer == NULL)
		mp_log(LOG_WARNING, "ProtectedDomains is set but no signing key: "
		    "outbound mail and notifications leave unsigned");
	if (c->intake != NULL && c->submit_addr == NULL)
		mp_log(LOG_WARNING, "SubmitAddress is not set: the rows of list "
		    "reports and digests wait in the state DB, nothing sends them "
		    "(meldpunt-queue list shows them)");
}

static int
reload(const char *why)
{
	struct mp_snapshot *cur, *next;
	struct mp_error err;

	cur = mp_current_acquire(&mp_current_conf);
	next = mp_snapshot_load(conf_path, cur, &err);
	if (next == NULL) {
		mp_log(LOG_ERR, "reload failed, keeping the running configuration: %s",
		    err.msg);
		mp_current_release(&mp_current_conf, &cur);
		return -1;
	}
	/* These were used once at start and cannot change now. */
	if (cur != NULL && strcmp(cur->conf->socket, next->conf->socket) != 0)
		mp_log(LOG_WARNING, "reload: Socket changed; restart to use it");
	mp_current_release(&mp_current_conf, &cur);
	snapshot_warnings(next);
	mp_current_install(&mp_current_conf, next);
	mp_log(LOG_NOTICE, "reloaded %s (%s; configuration generation %u)",
	    conf_path, why, next->generation);
	return 0;
}

/*
 * A new routing DB renamed into place is picked up within a second. When
 * that reload fails (the configuration was broken meanwhile), the next
 * automatic try waits, so the log is not flooded; SIGUSR1 tries at once.
 */
#define AUTO_RELOAD_HOLD 60

static int
routedb_stale(void)
{
	struct mp_snapshot *cur = mp_current_acquire(&mp_current_conf);
	int stale = cur != NULL && mp_snapshot_routedb_stale(cur);

	mp_current_release(&mp_current_conf, &cur);
	return stale;
}

/* Once a second: the counters to StatsFile, when there is one. */
static void
write_stats(void)
{
	struct mp_snapshot *cur = mp_current_acquire(&mp_current_conf);
	struct mp_error err;
	static int complained;

	if (cur != NULL && cur->conf->stats_file != NULL) {
		if (mp_stats_write(&mp_stats_all, cur->conf->stats_file,
		    cur->generation, &err) != MP_OK) {
			if (!complained++)
				mp_log(LOG_WARNING, "%s", err.msg);
		} else
			complained = 0;
	}
	mp_current_release(&mp_current_conf, &cur);
}

/* SIGUSR1 is blocked in every thread; this one waits for it. */
static void *
reload_thread(void *arg)
{
	const sigset_t *set = arg;
	struct timespec tick = { 1, 0 };
	time_t hold = 0;	/* no automatic reload before this */

	for (;;) {
		int sig = sigtimedwait(set, NULL, &tick);

		/* main() sets the flag, then sends SIGUSR1 to this thread */
		if (__atomic_load_n(&reload_stop, __ATOMIC_ACQUIRE))
			break;
		if (sig == SIGUSR1)
			hold = reload("SIGUSR1") == 0 ? 0 : hold;
		else if (sig == SIGUSR2)
			mp_sendthread_wake();
		else if (time(NULL) >= hold && routedb_stale() &&
		    reload("the routing database changed") != 0)
			hold = time(NULL) + AUTO_RELOAD_HOLD;
		write_stats();
	}
	write_stats();		/* the last counters */
	return NULL;
}

/*
 * -s [FILE]: the counters of the running milter, from FILE, else from the
 * StatsFile of this configuration. With FILE the configuration (mode 0640,
 * root:meldpunt) is not read, so anyone who may read FILE can ask.
 */
static int
print_stats(const char *file)
{
	struct mp_conf *conf;
	struct mp_error err;
	int rc;

	if (file != NULL) {
		rc = mp_stats_print(file, stdout, &err);
		if (rc != MP_OK)
			fprintf(stderr, "meldpunt-milter: %s\n", err.msg);
		return rc == MP_OK ? 0 : EX_UNAVAILABLE;
	}
	if ((conf = mp_conf_load(conf_path, &err)) == NULL) {
		fprintf(stderr, "meldpunt-milter: %s\n", err.msg);
		return EX_CONFIG;
	}
	if (conf->stats_file == NULL) {
		fprintf(stderr, "meldpunt-milter: %s: no StatsFile is set "
		    "(or name the file: meldpunt-milter -s FILE)\n", conf_path);
		mp_conf_free(&conf);
		return EX_CONFIG;
	}
	rc = mp_stats_print(conf->stats_file, stdout, &err);
	if (rc != MP_OK)
		fprintf(stderr, "meldpunt-milter: %s\n", err.msg);
	mp_conf_free(&conf);
	return rc == MP_OK ? 0 : EX_UNAVAILABLE;
}

/*
 * The reload thread must block libmilter's stop signals too: a thread
 * that does not block SIGTERM can be the one the kernel hands it to, and
 * its default action kills the process at once -- no graceful stop, no
 * pid file removed. smfi_main() blocks them in the threads it makes.
 */
static int
start_reload_thread(pthread_t *tid)
{
	static sigset_t set;
	sigset_t block;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);	/* wakes the sender (sendthread.h) */
	block = set;
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &block, NULL) != 0 ||
	    pthread_create(tid, NULL, reload_thread, &set) != 0) {
		mp_log(LOG_ERR, "cannot start the reload thread");
		return -1;
	}
	return 0;
}

/*
 * The flag first, then the wake-up: SIGUSR1 sent to that thread alone
 * (blocked there, so it ends its sigtimedwait). A reload under way is
 * finished first; without the signal the thread would still see the flag
 * within its one-second tick.
 */
static void
stop_reload_thread(pthread_t tid)
{
	__atomic_store_n(&reload_stop, 1, __ATOMIC_RELEASE);
	pthread_kill(tid, SIGUSR1);
	pthread_join(tid, NULL);
}

/*
 * libmilter returns from smfi_main() without waiting for the connections
 * it is still serving (a graceful stop only closes the listener); the MTA
 * ends them. Wait a little for them: when all are gone, nothing uses the
 * snapshot or OpenSSL any more and both can be freed. Otherwise leave
 * everything as it is: the process ends, and with no OpenSSL atexit
 * handler a session thread still at work is not pulled from under.
 */
#define STOP_WAIT 5	/* seconds */

static int
connections_gone(void)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	unsigned held = 0;
	int i;

	for (i = 0; i < STOP_WAIT * 20; i++) {
		if ((held = mp_current_held(&mp_current_conf)) == 0)
			return 1;
		nanosleep(&pause, NULL);
	}
	mp_log(LOG_WARNING, "%u connection%s still open after %d s: leaving "
	    "without freeing what they use", held, held == 1 ? "" : "s",
	    STOP_WAIT);
	return 0;
}

/* The copies main() keeps of what it needs after the reload thread started. */
struct main_paths {
	char *socket;
	char *pidfile;		/* NULL: no PidFile */
};

static int
keep_paths(struct main_paths *p, const struct mp_conf *conf)
{
	p->socket = strdup(conf->socket);
	p->pidfile = conf->pidfile != NULL ? strdup(conf->pidfile) : NULL;
	if (p->socket == NULL || (conf->pidfile != NULL && p->pidfile == NULL)) {
		mp_log(LOG_ERR, "out of memory");
		return -1;
	}
	return 0;
}


static int
open_socket(const struct mp_conf *conf)
{
	if (smfi_register(mp_filter) == MI_FAILURE) {
		mp_log(LOG_ERR, "smfi_register failed");
		return -1;
	}
	if (smfi_setconn((char *)conf->socket) == MI_FAILURE) {
		mp_log(LOG_ERR, "Socket %s: not usable", conf->socket);
		return -1;
	}
	if (conf->umask_set)
		umask(conf->umask);
	/* rmsocket=1: a stale unix socket from a crash is removed first. */
	if (smfi_opensocket(1) == MI_FAILURE) {
		mp_log(LOG_ERR, "Socket %s: cannot listen (in use, or a "
		    "directory missing or not writable)", conf->socket);
		return -1;
	}
	return 0;
}

/* The uid and gid UserID ("user" or "user:group") names. */
static int
userid_ids(const char *spec, uid_t *uid, gid_t *gid)
{
	char user[256], *group;
	struct passwd *pw;
	struct group *gr;

	snprintf(user, sizeof(user), "%s", spec);
	if ((group = strchr(user, ':')) != NULL)
		*group++ = '\0';
	if ((pw = getpwnam(user)) == NULL) {
		mp_log(LOG_ERR, "UserID %s: no such user", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group != NULL) {
		if ((gr = getgrnam(group)) == NULL) {
			mp_log(LOG_ERR, "UserID %s: no such group %s", spec, group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

/*
 * Started as root with UserID: the socket was made by root, so give it to
 * the user (and group) the daemon becomes; Postfix reaches it through that
 * group (Umask 007), exactly as when the daemon is started as that user.
 * Only for a unix socket; a no-op when not root or without UserID.
 */
static int
own_socket(const struct mp_conf *conf)
{
	const char *path;
	uid_t uid;
	gid_t gid;

	if (conf->user == NULL || geteuid() != 0)
		return 0;
	if (strncmp(conf->socket, "unix:", 5) == 0)
		path = conf->socket + 5;
	else if (strncmp(conf->socket, "local:", 6) == 0)
		path = conf->socket + 6;
	else
		return 0;
	if (userid_ids(conf->user, &uid, &gid) != 0)
		return -1;
	if (lchown(path, uid, gid) != 0) {
		mp_log(LOG_ERR, "Socket %s: cannot give it to UserID %s: %s",
		    path, conf->user, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * LogFile: opened once at start, before detaching and before switching
 * user; made by root, it is given to UserID so that the file stays the
 * daemon's. Errors go to stderr: nothing else is set up to say them.
 */
static int
open_logfile(const struct mp_conf *conf)
{
	uid_t uid;
	gid_t gid;

	if (conf->log_file == NULL)
		return 0;
	if (mp_log_file(conf->log_file) != 0) {
		fprintf(stderr, "meldpunt-milter: %s: LogFile %s: cannot open: %s\n",
		    conf->path, conf->log_file, strerror(errno));
		return -1;
	}
	if (conf->user != NULL && geteuid() == 0 &&
	    (userid_ids(conf->user, &uid, &gid) != 0 ||
	    chown(conf->log_file, uid, gid) != 0)) {
		fprintf(stderr, "meldpunt-milter: LogFile %s: cannot give it to "
		    "UserID %s\n", conf->log_file, conf->user);
		return -1;
	}
	return 0;
}

/*
 * -n: Postfix gives local mail (cron, root, sendmail(1) without -f) a
 * sender @$myorigin, by default the host name (Debian: /etc/mailname).
 * When that lies in ProtectedDomains, every such message is refused as
 * rejected:identity. Warn when this host's names say so; the real
 * myorigin is Postfix's to tell (postconf -xh myorigin).
 */
static void
warn_local_origin(const struct mp_conf *conf)
{
	char names[2][256];
	const char *what[2] = { "host name", "/etc/mailname" };
	size_t i, n;
	int fd;
	ssize_t r;

	if (conf->protected_domains == NULL)
		return;
	memset(names, 0, sizeof(names));
	if (gethostname(names[0], sizeof(names[0]) - 1) != 0)
		names[0][0] = '\0';
	if ((fd = open("/etc/mailname", O_RDONLY)) >= 0) {
		if ((r = read(fd, names[1], sizeof(names[1]) - 1)) > 0) {
			names[1][r] = '\0';
			names[1][strcspn(names[1], " \t\r\n")] = '\0';
		}
		close(fd);
	}
	for (i = 0; i < 2; i++) {
		if (names[i][0] == '\0' || strchr(names[i], '.') == NULL)
			continue;
		for (n = 0; names[i][n]; n++)
			if (names[i][n] >= 'A' && names[i][n] <= 'Z')
				names[i][n] += 'a' - 'A';
		if (!mp_domain_in(names[i], conf->protected_domains))
			continue;
		fprintf(stderr, "meldpunt-milter: warning: this host's %s %s "
		    "is in ProtectedDomains: unless Postfix's myorigin is set "
		    "to a domain outside them, local mail (cron, root) gets a "
		    "sender @%s and is refused (rejected:identity); see "
		    "docs/OPERATIONS.md, 1.8, \"Local mail\"\n", what[i],
		    names[i], names[i]);
	}
}

int
main(int argc, char **argv)
{
	struct mp_snapshot *snap;
	struct mp_error err;
	const struct mp_conf *conf;
	struct main_paths paths = { NULL, NULL };
	pthread_t reloader;
	int ch, foreground = 0, check_only = 0, stats = 0, rc;

	/*
	 * Before anything else touches OpenSSL (the first call decides): no
	 * atexit cleanup; OPENSSL_cleanup() is called below once no thread
	 * can use it any more.
	 */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL) != 1) {
		fprintf(stderr, "meldpunt-milter: cannot initialise OpenSSL\n");
		return EX_SOFTWARE;
	}
	while ((ch = getopt(argc, argv, "c:fnsV")) != -1) {
		switch (ch) {
		case 'c': conf_path = optarg; break;
		case 'f': foreground = 1; break;
		case 'n': check_only = 1; break;
		case 's': stats = 1; break;
		case 'V': printf("meldpunt-milter %s\n", PACKAGE_VERSION); return 0;
		default: usage();
		}
	}
	if (stats && optind + 1 == argc)
		return print_stats(argv[optind]);
	if (optind != argc)
		usage();
	if (stats)
		return print_stats(NULL);

	mp_log_open("meldpunt-milter", LOG_MAIL, 0, 1);
	g_mime_init();		/* once, before any thread starts (GMime requires it) */
	if ((snap = mp_snapshot_load(conf_path, NULL, &err)) == NULL) {
		fprintf(stderr, "meldpunt-milter: %s\n", err.msg);
		return EX_CONFIG;
	}
	/* Valid only until the reload thread starts: a reload frees it. */
	conf = snap->conf;
	/* Also before any thread: libspf2's resolvers read it when they start. */
	if (mp_spf_resolver_setup(conf->spf_timeout_ms, &err) != MP_OK) {
		fprintf(stderr, "meldpunt-milter: %s\n", err.msg);
		return EX_OSERR;
	}
	if (check_only) {
		warn_local_origin(conf);
		printf("%s: configuration OK\n", conf_path);
		return 0;
	}
	mp_log_open("meldpunt-milter", conf->syslog_facility, conf->syslog,
	    foreground);
	if (open_logfile(conf) != 0)
		return EX_CANTCREAT;
	snapshot_warnings(snap);
	if (keep_paths(&paths, conf) != 0)
		return EX_OSERR;
	mp_current_init(&mp_current_conf);
	mp_current_install(&mp_current_conf, snap);
	mp_stats_init(&mp_stats_all);

	if (open_socket(conf) != 0)
		return EX_UNAVAILABLE;
	if (own_socket(conf) != 0)
		return EX_NOUSER;
	if (!foreground && daemon(0, 0) != 0) {
		mp_log(LOG_ERR, "cannot detach: %s", strerror(errno));
		return EX_OSERR;
	}
	if (paths.pidfile != NULL && write_pidfile(paths.pidfile) != 0)
		return EX_CANTCREAT;
	if (conf->user != NULL && drop_privileges(conf->user) != 0)
		return EX_NOUSER;
	conf = NULL;	/* from here on only the copies in `paths` */
	snap = NULL;
	if (start_reload_thread(&reloader) != 0 || mp_sendthread_start() != 0)
		return EX_OSERR;

	mp_log(LOG_NOTICE, "meldpunt-milter %s starting on %s", PACKAGE_VERSION,
	    paths.socket);
	rc = smfi_main();
	mp_sendthread_stop();
	stop_reload_thread(reloader);
	mp_log(LOG_NOTICE, "meldpunt-milter stopped");
	if (paths.pidfile != NULL)
		unlink(paths.pidfile);	/* may fail after dropping privileges */
	/* Connections that never closed may still hold snapshots: libmilter
	 * need not call xxfi_close for connections open at shutdown (OpenDKIM
	 * met the same: github.com/trusteddomainproject/OpenDKIM issue 22);
	 * then nothing is freed and the process just ends. */
	if (connections_gone()) {
		mp_current_clear(&mp_current_conf);
		g_mime_shutdown();
		OPENSSL_cleanup();
	}
	free(paths.socket);
	free(paths.pidfile);
	mp_log_close();
	return rc == MI_SUCCESS ? 0 : EX_SOFTWARE;
}
