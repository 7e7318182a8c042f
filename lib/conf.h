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

#define MP_CONF_LINE_MAX 4096

struct mp_conf {
	char *path;		/* the file it was read from */
	char *socket;		/* Socket: unix:PATH, inet:PORT@HOST, inet6:PORT@HOST */
	char *user;		/* UserID: user[:group], NULL = stay who we are */
	char *pidfile;		/* PidFile */
	mode_t umask;		/* Umask (octal), applied before the socket is made */
	int umask_set;
	int syslog;		/* Syslog yes|no */
	int syslog_facility;	/* SyslogFacility, a LOG_* value */
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
	char **trusted_hosts;	/* TrustedHosts: networks, NULL-terminated */
	char **submission_daemons; /* SubmissionDaemons: {daemon_name} values */
};

#define MP_CONF_DEFAULT_SOCKET	"unix:/run/meldpunt/milter.sock"
#define MP_CONF_DEFAULT_MAXSIZE	(10UL * 1024 * 1024)

struct mp_conf *mp_conf_load(const char *path, struct mp_error *err);

/* Parse from memory (tests, fuzzing); `name` is used in messages. */
struct mp_conf *mp_conf_parse(const char *name, const char *text, size_t len,
    struct mp_error *err);

void mp_conf_free(struct mp_conf **confp);

/* Validate a Socket value; 0 or MP_ECONFIG with a reason in err. */
int mp_conf_check_socket(const char *spec, struct mp_error *err);

#endif
