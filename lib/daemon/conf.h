/*
 * NAME
 *	conf - meldpunt.conf, the daemon's configuration file
 * DESCRIPTION
 *	OpenDKIM-style `Key value` lines; `#` starts a comment (at the start
 *	of a line or after white space); key names are case-insensitive.
 *	Every key is in the table in conf.c and documented in
 *	man/meldpunt.conf.5. An unknown key, a bad value, a scalar key given
 *	twice or an over-long line is an error reported as "FILE:LINE: what
 *	is wrong"; the daemon then exits with EX_CONFIG (78).
 *
 *	List keys (IntakeAddress, ProtectedDomains) take several values
 *	separated by commas or white space and may be repeated; the values
 *	accumulate.
 * OWNERSHIP
 *	mp_conf_load() returns a new struct owned by the caller, released by
 *	mp_conf_free(). A loaded conf is never modified: reload builds a new
 *	one (see snapshot.h).
 */
#ifndef MP_CONF_H
#define MP_CONF_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "reporter_auth.h"
#include "trusted.h"

#define MP_CONF_LINE_MAX 4096
#define MP_CONF_MAX_KEYS 64	/* room in key_line[] */

struct mp_conf {
	char *path;		/* the file it was read from */
	char *socket;		/* Socket: unix:PATH, inet:PORT@HOST, inet6:PORT@HOST */
	char *user;		/* UserID: user[:group], NULL = stay who we are */
	char *pidfile;		/* PidFile */
	char *stats_file;	/* StatsFile: counters for meldpunt-milter -s */
	mode_t umask;		/* Umask (octal), applied before the socket is made */
	int umask_set;
	int syslog;		/* Syslog yes|no */
	int syslog_facility;	/* SyslogFacility, a LOG_* value */
	char *log_file;		/* LogFile: every log line appended here too */
	char **intake;		/* IntakeAddress, normalized, NULL-terminated */
	char **protected_domains; /* ProtectedDomains, lower case, NULL-terminated */
	size_t max_message_size; /* MaximumMessageSize, bytes */

	/* Authenticity (sign.h, identity.h) */
	char *signing_domain;	/* SigningDomain: d= of the signatures */
	char *rsa_selector;	/* RSASelector */
	char *rsa_keyfile;	/* RSAKeyFile */
	char *ed_selector;	/* Ed25519Selector */
	char *ed_keyfile;	/* Ed25519KeyFile */
	char *identity_map;	/* IdentityMap: file of SASL user -> addresses */
	struct mp_netlist *trusted; /* TrustedHosts, parsed at load; NULL: none */
	char **submission_daemons; /* SubmissionDaemons: {daemon_name} values */

	/* Intake to notification (route.h, notify.h, seen.h) */
	char *routing_db;	/* RoutingDB: the compiled GDBM routing file */
	char *template_dir;	/* TemplateDirectory */
	char *identity_addr;	/* Identity: the From of every notification */
	char *identity_name;	/*   and its display name (may be NULL) */
	char *identity_website;	/* IdentityWebsite */
	char *identity_phone;	/* IdentityPhone */
	char *bounce_addr;	/* BounceAddress: envelope sender of notices */
	char *state_db;		/* StateDB: dedup and flood-control state */
	unsigned renotify_interval; /* RenotifyInterval, seconds; 0 = no dedup */
	unsigned max_notices;	/* MaxNoticesPerContact per hour; 0 = no limit */
	char *archive_addr;	/* ArchiveAddress: where duplicates go */
	char *quarantine_addr;	/* QuarantineAddress: the review mailbox */

	/* Reporter authentication (spf.h, reporter_auth.h) */
	unsigned spf_timeout_ms; /* SPFTimeout */
	enum mp_unknown_policy unknown_reporters; /* UnknownReporters */
	char *dns_zone_file;	/* DNSZoneFile: FOR TESTS, answers instead of DNS */

	/* Bounces and contact health (bounce.h, health.h) */
	char bounce_delim;	/* BounceDelimiter: BounceAddress local, this, notice id */
	unsigned bounce_limit;	/* BounceLimit: hard bounces that make a contact unreachable; 0 = never */
	unsigned bounce_window;	/* BounceWindow, seconds: within which they count */

	/* The sender of list notifications (sender.h) */
	char *submit_addr;	/* SubmitAddress: the MTA's listener; NULL: no sender */
	unsigned submit_timeout;	/* SubmitTimeout, seconds per SMTP step */
	unsigned submit_conns;	/* SubmitConnections: SMTP connections at once */
	unsigned sender_interval;	/* SenderInterval, seconds between looks */
	unsigned aggregate_delay;	/* AggregateDelay, seconds of quiet before a group is due */
	unsigned notify_interval;	/* NotifyInterval, seconds between a group's notifications */
	unsigned max_rows;	/* MaxRowsPerNotice: a group this big is due at once */
	/* Replies to notifications (replyflow.h) */
	char *reply_addr;	/* ReplyAddress: the helpdesk, Reply-To of notices */

	/* The line each scalar key was set on (0: default), for messages
	 * that name FILE:LINE; read through mp_conf_where(). */
	unsigned key_line[MP_CONF_MAX_KEYS];
};

#define MP_CONF_DEFAULT_SOCKET	"unix:/run/meldpunt/milter.sock"
#define MP_CONF_DEFAULT_MAXSIZE	(10UL * 1024 * 1024)
#define MP_CONF_DEFAULT_TEMPLATES PKGDATADIR "/templates"
#define MP_CONF_DEFAULT_STATEDB	LOCALSTATEDIR "/lib/meldpunt/state.db"
#define MP_CONF_DEFAULT_RENOTIFY 86400
#define MP_CONF_DEFAULT_MAXNOTICES 20
#define MP_CONF_DEFAULT_SPFTIMEOUT 10000
#define MP_CONF_DEFAULT_BOUNCEDELIM '+'
#define MP_CONF_DEFAULT_BOUNCELIMIT 2
#define MP_CONF_DEFAULT_BOUNCEWINDOW (30u * 86400)
#define MP_CONF_DEFAULT_SUBMITTIMEOUT 60
#define MP_CONF_DEFAULT_SUBMITCONNS 4
#define MP_CONF_SUBMITCONNS_MAX 64	/* submit_pool.h's MP_SUBMIT_POOL_MAX */
#define MP_CONF_DEFAULT_SENDERINTERVAL 60
#define MP_CONF_DEFAULT_AGGREGATEDELAY (15u * 60)
#define MP_CONF_DEFAULT_NOTIFYINTERVAL 86400
#define MP_CONF_DEFAULT_MAXROWS 5000

struct mp_conf *mp_conf_load(const char *path, struct mp_error *err);

/* Parse from memory (tests, fuzzing); `name` is used in messages. */
struct mp_conf *mp_conf_parse(const char *name, const char *text, size_t len,
    struct mp_error *err);

void mp_conf_free(struct mp_conf **confp);

/*
 * "FILE:LINE: KEY" when KEY was set in the file, "FILE: KEY (default)"
 * when not: where a message about a key's value should point. Returns buf.
 */
const char *mp_conf_where(const struct mp_conf *c, const char *key,
    char *buf, size_t len);

/* Validate a Socket value; 0 or MP_ECONFIG with a reason in err. */
int mp_conf_check_socket(const char *spec, struct mp_error *err);

#endif
