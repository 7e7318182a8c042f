/*
 * conf - see conf.h
 *
 * The parser is a pure function of its input (no logging, no globals) so
 * that it can be unit-tested and fuzzed; mp_conf_load() only adds reading
 * the file.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "addr.h"
#include "align.h"
#include "conf.h"
#include "datetime.h"
#include "readfile.h"

#define CONF_FILE_MAX	(1024 * 1024)	/* a config file larger than this is a mistake */
#define CONF_LIST_MAX	1024		/* values in one list key */

enum conf_type {
	T_STRING,	/* any non-empty value without control characters */
	T_SOCKET,
	T_BOOL,
	T_MODE,
	T_SIZE,
	T_FACILITY,
	T_ADDRLIST,
	T_DOMAINLIST,
	T_WORDLIST,	/* printable words, kept as given */
	T_ADDRESS,	/* one mailbox, normalized */
	T_IDENTITY,	/* a mailbox, then an optional display name */
	T_UINT,
	T_DURATION,	/* seconds, or with s, m, h or d */
	T_MILLIS,	/* milliseconds, 10 to 25000 */
	T_UNKNOWNPOL,	/* quarantine | accept (mp_unknown_policy_parse) */
	T_NETLIST,	/* networks, parsed once here (trusted.h), lines add up */
	T_DELIM,	/* one character that may separate an address tag */
};

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;
	size_t set_offset;	/* offset of an int "was set" flag, or 0 */
};

#define OFF(f) offsetof(struct mp_conf, f)

static const struct conf_key keys[] = {
	{ "Socket",		T_SOCKET,	OFF(socket), 0 },
	{ "UserID",		T_STRING,	OFF(user), 0 },
	{ "PidFile",		T_STRING,	OFF(pidfile), 0 },
	{ "StatsFile",		T_STRING,	OFF(stats_file), 0 },
	{ "Umask",		T_MODE,		OFF(umask), OFF(umask_set) },
	{ "Syslog",		T_BOOL,		OFF(syslog), 0 },
	{ "SyslogFacility",	T_FACILITY,	OFF(syslog_facility), 0 },
	{ "LogFile",		T_STRING,	OFF(log_file), 0 },
	{ "IntakeAddress",	T_ADDRLIST,	OFF(intake), 0 },
	{ "ProtectedDomains",	T_DOMAINLIST,	OFF(protected_domains), 0 },
	{ "MaximumMessageSize",	T_SIZE,		OFF(max_message_size), 0 },
	{ "SigningDomain",	T_STRING,	OFF(signing_domain), 0 },
	{ "RSASelector",	T_STRING,	OFF(rsa_selector), 0 },
	{ "RSAKeyFile",		T_STRING,	OFF(rsa_keyfile), 0 },
	{ "Ed25519Selector",	T_STRING,	OFF(ed_selector), 0 },
	{ "Ed25519KeyFile",	T_STRING,	OFF(ed_keyfile), 0 },
	{ "IdentityMap",	T_STRING,	OFF(identity_map), 0 },
	{ "TrustedHosts",	T_NETLIST,	OFF(trusted), 0 },
	{ "SubmissionDaemons",	T_WORDLIST,	OFF(submission_daemons), 0 },
	{ "RoutingDB",		T_STRING,	OFF(routing_db), 0 },
	{ "TemplateDirectory",	T_STRING,	OFF(template_dir), 0 },
	{ "Identity",		T_IDENTITY,	OFF(identity_addr), 0 },
	{ "IdentityWebsite",	T_STRING,	OFF(identity_website), 0 },
	{ "IdentityPhone",	T_STRING,	OFF(identity_phone), 0 },
	{ "BounceAddress",	T_ADDRESS,	OFF(bounce_addr), 0 },
	{ "StateDB",		T_STRING,	OFF(state_db), 0 },
	{ "RenotifyInterval",	T_DURATION,	OFF(renotify_interval), 0 },
	{ "MaxNoticesPerContact", T_UINT,	OFF(max_notices), 0 },
	{ "ArchiveAddress",	T_ADDRESS,	OFF(archive_addr), 0 },
	{ "QuarantineAddress",	T_ADDRESS,	OFF(quarantine_addr), 0 },
	{ "SPFTimeout",		T_MILLIS,	OFF(spf_timeout_ms), 0 },
	{ "UnknownReporters",	T_UNKNOWNPOL,	OFF(unknown_reporters), 0 },
	{ "DNSZoneFile",	T_STRING,	OFF(dns_zone_file), 0 },
	/* Bounces and contact health (bounce.h, health.h) */
	{ "BounceDelimiter",	T_DELIM,	OFF(bounce_delim), 0 },
	{ "BounceLimit",	T_UINT,		OFF(bounce_limit), 0 },
	{ "BounceWindow",	T_DURATION,	OFF(bounce_window), 0 },
	/* The sender of list notifications (sender.h, submit.h) */
	{ "SubmitAddress",	T_STRING,	OFF(submit_addr), 0 },
	{ "SubmitTimeout",	T_DURATION,	OFF(submit_timeout), 0 },
	{ "SubmitConnections",	T_UINT,		OFF(submit_conns), 0 },
	{ "SenderInterval",	T_DURATION,	OFF(sender_interval), 0 },
	{ "AggregateDelay",	T_DURATION,	OFF(aggregate_delay), 0 },
	{ "NotifyInterval",	T_DURATION,	OFF(notify_interval), 0 },
	{ "MaxRowsPerNotice",	T_UINT,		OFF(max_rows), 0 },
	/* Replies to notifications (replyflow.h) */
	{ "ReplyAddress",	T_ADDRESS,	OFF(reply_addr), 0 },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS <= MP_CONF_MAX_KEYS, "raise MP_CONF_MAX_KEYS in conf.h");

const char *
mp_conf_where(const struct mp_conf *c, const char *key, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, key) == 0 && c->key_line[i] != 0) {
			snprintf(buf, len, "%s:%u: %s", c->path, c->key_line[i], key);
			return buf;
		}
	snprintf(buf, len, "%s: %s (default)", c->path, key);
	return buf;
}

struct parse_state {
	const char *name;
	unsigned line;
	unsigned seen[NKEYS];	/* line a scalar key was first set on */
	size_t nlist[NKEYS];
	struct mp_error *err;
};

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

static int conf_fail(struct parse_state *, const char *, ...)
	__attribute__((format(printf, 2, 3)));

static int
conf_fail(struct parse_state *ps, const char *fmt, ...)
{
	char what[MP_ERROR_MAX - 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return mp_error_set(ps->err, MP_ECONFIG, "%s:%u: %s", ps->name,
	    ps->line, what);
}

static int
printable(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < ' ' || *v == 0x7f)
			return 0;
	return 1;
}

int
mp_conf_check_socket(const char *spec, struct mp_error *err)
{
	const char *rest, *at;
	char *end;
	long port;

	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		rest = strchr(spec, ':') + 1;
		if (*rest != '/')
			return mp_error_set(err, MP_ECONFIG,
			    "socket path \"%s\" must be absolute", rest);
		if (strlen(rest) >= 108)
			return mp_error_set(err, MP_ECONFIG,
			    "socket path \"%s\" is longer than 107 bytes", rest);
		return MP_OK;
	}
	if (strncmp(spec, "inet:", 5) == 0)
		rest = spec + 5;
	else if (strncmp(spec, "inet6:", 6) == 0)
		rest = spec + 6;
	else
		return mp_error_set(err, MP_ECONFIG,
		    "socket \"%s\" must start with unix:, local:, inet: or inet6:",
		    spec);
	errno = 0;
	port = strtol(rest, &end, 10);
	if (end == rest || errno != 0 || port < 1 || port > 65535)
		return mp_error_set(err, MP_ECONFIG,
		    "socket \"%s\": port must be a number from 1 to 65535", spec);
	if (*end != '\0' && *end != '@')
		return mp_error_set(err, MP_ECONFIG,
		    "socket \"%s\": expected PORT@HOST", spec);
	at = end;
	if (*at == '@' && at[1] == '\0')
		return mp_error_set(err, MP_ECONFIG,
		    "socket \"%s\": empty host after @", spec);
	return MP_OK;
}

static int
parse_size(const char *v, size_t *out)
{
	unsigned long long n, mul = 1;
	char *end;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'k': mul = 1024ULL; end++; break;
	case 'm': mul = 1024ULL * 1024; end++; break;
	case 'g': mul = 1024ULL * 1024 * 1024; end++; break;
	default: return -1;
	}
	if (*end != '\0' || n == 0 || n > SIZE_MAX / mul)
		return -1;
	*out = (size_t)(n * mul);
	return 0;
}

static int
parse_uint(const char *v, unsigned long max, unsigned *out)
{
	unsigned long n;
	char *end;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n > max)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int
set_address(struct parse_state *ps, const struct conf_key *k, char **field,
    const char *v)
{
	char norm[MP_ADDR_MAX + 1];

	if (mp_addr_normalize(v, norm, sizeof(norm)) != MP_OK || norm[0] == '\0')
		return conf_fail(ps, "%s: \"%s\" is not an address of the form "
		    "local@domain", k->name, v);
	free(*field);
	if ((*field = strdup(norm)) == NULL)
		return mp_error_set(ps->err, MP_ENOMEM, "out of memory");
	return MP_OK;
}

/* Identity address [display name] */
static int
set_identity(struct parse_state *ps, const struct conf_key *k,
    struct mp_conf *c, char *v)
{
	char *name = v + strcspn(v, " \t");
	int rc;

	if (*name != '\0') {
		*name++ = '\0';
		name += strspn(name, " \t");
	}
	if ((rc = set_address(ps, k, &c->identity_addr, v)) != MP_OK)
		return rc;
	if (*name != '\0' && (c->identity_name = strdup(name)) == NULL)
		return mp_error_set(ps->err, MP_ENOMEM, "out of memory");
	return MP_OK;
}

/* Append one value to a NULL-terminated list stored at *listp. */
static int
list_add(char ***listp, size_t *n, const char *v)
{
	char **l;
	char *dup;

	if (*n >= CONF_LIST_MAX)
		return MP_ELIMIT;
	if ((dup = strdup(v)) == NULL)
		return MP_ENOMEM;
	if ((l = realloc(*listp, (*n + 2) * sizeof(*l))) == NULL) {
		free(dup);
		return MP_ENOMEM;
	}
	l[(*n)++] = dup;
	l[*n] = NULL;
	*listp = l;
	return MP_OK;
}

static int
set_list(struct parse_state *ps, const struct conf_key *k, size_t ki,
    struct mp_conf *c, char *v)
{
	char ***listp = (char ***)((char *)c + k->offset);
	char norm[MP_ADDR_MAX + 1];
	char *tok, *save = NULL;
	int rc;

	for (tok = strtok_r(v, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (k->type == T_WORDLIST) {
			snprintf(norm, sizeof(norm), "%s", tok);
		} else if (k->type == T_ADDRLIST) {
			if (mp_addr_normalize(tok, norm, sizeof(norm)) != MP_OK ||
			    norm[0] == '\0')
				return conf_fail(ps, "%s: \"%s\" is not an address "
				    "of the form local@domain", k->name, tok);
		} else {
			size_t i;

			for (i = 0; tok[i] && i < sizeof(norm) - 1; i++)
				norm[i] = (char)tolower((unsigned char)tok[i]);
			norm[i] = '\0';
			if (!mp_domain_valid(norm))
				return conf_fail(ps, "%s: \"%s\" is not a domain name",
				    k->name, tok);
		}
		rc = list_add(listp, &ps->nlist[ki], norm);
		if (rc == MP_ELIMIT)
			return conf_fail(ps, "%s: more than %d values", k->name,
			    CONF_LIST_MAX);
		if (rc != MP_OK)
			return mp_error_set(ps->err, rc, "out of memory");
	}
	return MP_OK;
}

static int
set_value(struct parse_state *ps, const struct conf_key *k, size_t ki,
    struct mp_conf *c, char *v)
{
	void *field = (char *)c + k->offset;
	struct mp_error serr;
	size_t i;

	if (k->type == T_ADDRLIST || k->type == T_DOMAINLIST ||
	    k->type == T_WORDLIST)
		return set_list(ps, k, ki, c, v);
	if (k->type == T_NETLIST) {
		int rc = mp_netlist_add((struct mp_netlist **)field, k->name, v, &serr);

		if (rc == MP_ENOMEM)
			return mp_error_set(ps->err, MP_ENOMEM, "out of memory");
		return rc != MP_OK ? conf_fail(ps, "%s", serr.msg) : MP_OK;
	}
	if (ps->seen[ki]) {
		return conf_fail(ps, "%s is already set on line %u", k->name,
		    ps->seen[ki]);
	}
	ps->seen[ki] = ps->line;
	if (k->set_offset)
		*(int *)((char *)c + k->set_offset) = 1;

	switch (k->type) {
	case T_SOCKET:
		if (mp_conf_check_socket(v, &serr) != MP_OK)
			return conf_fail(ps, "Socket: %s", serr.msg);
		/* FALLTHROUGH */
	case T_STRING:
		free(*(char **)field);
		if ((*(char **)field = strdup(v)) == NULL)
			return mp_error_set(ps->err, MP_ENOMEM, "out of memory");
		return MP_OK;
	case T_BOOL:
		if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
			*(int *)field = 1;
		else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") ||
		    !strcmp(v, "0"))
			*(int *)field = 0;
		else
			return conf_fail(ps, "%s: \"%s\" is not yes or no", k->name, v);
		return MP_OK;
	case T_MODE: {
		char *end;
		unsigned long m;

		errno = 0;
		m = strtoul(v, &end, 8);
		if (*v == '\0' || *end != '\0' || errno != 0 || m > 0777)
			return conf_fail(ps, "%s: \"%s\" is not an octal mode "
			    "from 000 to 777", k->name, v);
		*(mode_t *)field = (mode_t)m;
		return MP_OK;
	}
	case T_SIZE:
		if (parse_size(v, (size_t *)field) != 0)
			return conf_fail(ps, "%s: \"%s\" is not a size (a positive "
			    "number of bytes, optionally with K, M or G)", k->name, v);
		return MP_OK;
	case T_ADDRESS:
		return set_address(ps, k, (char **)field, v);
	case T_IDENTITY:
		return set_identity(ps, k, c, v);
	case T_UINT:
		if (parse_uint(v, 100000, (unsigned *)field) != 0)
			return conf_fail(ps, "%s: \"%s\" is not a number from 0 to "
			    "100000", k->name, v);
		return MP_OK;
	case T_DURATION:
		if (mp_duration_parse(v, 365U * 86400, (unsigned *)field) != 0)
			return conf_fail(ps, "%s: \"%s\" is not a duration (seconds, "
			    "or a number with s, m, h or d; at most a year)", k->name, v);
		return MP_OK;
	case T_MILLIS:
		if (parse_uint(v, 25000, (unsigned *)field) != 0 ||
		    *(unsigned *)field < 10)
			return conf_fail(ps, "%s: \"%s\" is not a number of "
			    "milliseconds from 10 to 25000", k->name, v);
		return MP_OK;
	case T_UNKNOWNPOL:
		if (mp_unknown_policy_parse(v, (enum mp_unknown_policy *)field) != 0)
			return conf_fail(ps, "%s: \"%s\" is not quarantine or accept",
			    k->name, v);
		return MP_OK;
	case T_DELIM:
		/* Postfix's recipient_delimiter characters that a notice id
		 * (letters, digits, '-') can never contain. */
		if (strlen(v) != 1 || strchr("+=_.~", v[0]) == NULL)
			return conf_fail(ps, "%s: \"%s\" is not one of the "
			    "characters + = _ . ~", k->name, v);
		*(char *)field = v[0];
		return MP_OK;
	case T_FACILITY:
		for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
			if (strcasecmp(v, facilities[i].name) == 0) {
				*(int *)field = facilities[i].value;
				return MP_OK;
			}
		return conf_fail(ps, "%s: unknown facility \"%s\" (use mail, "
		    "daemon, user or local0 to local7)", k->name, v);
	default:
		return mp_error_set(ps->err, MP_EINTERNAL, "bad key type");
	}
}

/* Strip a comment and surrounding white space in place. */
static char *
trim(char *s)
{
	char *p, *e;

	for (p = s; *p; p++)
		if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int
parse_line(struct parse_state *ps, struct mp_conf *c, char *line)
{
	char *s = trim(line), *v;
	size_t i;

	if (*s == '\0')
		return MP_OK;
	v = s + strcspn(s, " \t");
	if (*v != '\0')
		*v++ = '\0';
	while (*v == ' ' || *v == '\t')
		v++;
	if (!printable(s) || !printable(v))
		return conf_fail(ps, "control character in line");
	for (i = 0; i < NKEYS; i++)
		if (strcasecmp(s, keys[i].name) == 0)
			break;
	if (i == NKEYS)
		return conf_fail(ps, "unknown key \"%s\"", s);
	if (*v == '\0')
		return conf_fail(ps, "%s needs a value", keys[i].name);
	return set_value(ps, &keys[i], i, c, v);
}

static int
conf_defaults(struct mp_conf *c, const char *name)
{
	c->syslog = 1;
	c->syslog_facility = LOG_MAIL;
	c->max_message_size = MP_CONF_DEFAULT_MAXSIZE;
	c->renotify_interval = MP_CONF_DEFAULT_RENOTIFY;
	c->max_notices = MP_CONF_DEFAULT_MAXNOTICES;
	c->spf_timeout_ms = MP_CONF_DEFAULT_SPFTIMEOUT;
	c->bounce_delim = MP_CONF_DEFAULT_BOUNCEDELIM;
	c->bounce_limit = MP_CONF_DEFAULT_BOUNCELIMIT;
	c->bounce_window = MP_CONF_DEFAULT_BOUNCEWINDOW;
	c->submit_timeout = MP_CONF_DEFAULT_SUBMITTIMEOUT;
	c->submit_conns = MP_CONF_DEFAULT_SUBMITCONNS;
	c->sender_interval = MP_CONF_DEFAULT_SENDERINTERVAL;
	c->aggregate_delay = MP_CONF_DEFAULT_AGGREGATEDELAY;
	c->notify_interval = MP_CONF_DEFAULT_NOTIFYINTERVAL;
	c->max_rows = MP_CONF_DEFAULT_MAXROWS;
	if ((c->path = strdup(name)) == NULL)
		return MP_ENOMEM;
	return MP_OK;
}

/* The sender's keys: where it submits, and numbers it cannot work with. */
static int
conf_check_sender(struct mp_conf *c, struct mp_error *err)
{
	char where[256];
	const char *a = c->submit_addr, *colon;

	if (c->sender_interval == 0 || c->max_rows == 0 ||
	    c->submit_timeout == 0)
		return mp_error_set(err, MP_ECONFIG, "%s: %s must be more than 0",
		    c->path, c->sender_interval == 0 ? "SenderInterval" :
		    c->max_rows == 0 ? "MaxRowsPerNotice" : "SubmitTimeout");
	if (c->submit_conns == 0 || c->submit_conns > MP_CONF_SUBMITCONNS_MAX)
		return mp_error_set(err, MP_ECONFIG, "%s: SubmitConnections %u: "
		    "from 1 to %d", mp_conf_where(c, "SubmitConnections", where,
		    sizeof(where)), c->submit_conns, MP_CONF_SUBMITCONNS_MAX);
	if (a == NULL)
		return MP_OK;
	colon = strrchr(a, ':');
	if (strncmp(a, "unix:", 5) == 0 ? a[5] != '/' :
	    colon == NULL || colon == a || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return mp_error_set(err, MP_ECONFIG, "%s: \"%s\" is not HOST:PORT, "
		    "[IPV6]:PORT or unix:/PATH (the MTA's listener for the sender)",
		    mp_conf_where(c, "SubmitAddress", where, sizeof(where)), a);
	if (c->intake == NULL || c->identity_addr == NULL)
		return mp_error_set(err, MP_ECONFIG, "%s: SubmitAddress is set but "
		    "IntakeAddress or Identity is not: the sender sends the "
		    "notifications of list reports taken at intake", c->path);
	return MP_OK;
}

/* Keys that only make sense together. */
static int
conf_check_pairs(struct mp_conf *c, struct mp_error *err)
{
	if ((c->rsa_selector == NULL) != (c->rsa_keyfile == NULL))
		return mp_error_set(err, MP_ECONFIG, "%s: RSASelector and "
		    "RSAKeyFile go together: set both or neither", c->path);
	if ((c->ed_selector == NULL) != (c->ed_keyfile == NULL))
		return mp_error_set(err, MP_ECONFIG, "%s: Ed25519Selector and "
		    "Ed25519KeyFile go together: set both or neither", c->path);
	if ((c->rsa_keyfile || c->ed_keyfile) && c->signing_domain == NULL)
		return mp_error_set(err, MP_ECONFIG, "%s: a signing key is set "
		    "but SigningDomain is not", c->path);
	if (c->intake != NULL && c->routing_db != NULL && c->identity_addr == NULL)
		return mp_error_set(err, MP_ECONFIG, "%s: IntakeAddress and "
		    "RoutingDB are set but Identity is not: notifications need "
		    "a From address", c->path);
	/* Recipients check the signature against From: they must align. */
	if (c->signing_domain && c->identity_addr &&
	    !mp_dkim_aligned(c->signing_domain, mp_addr_domain(c->identity_addr)))
		return mp_error_set(err, MP_ECONFIG, "%s: the Identity %s is not "
		    "in SigningDomain %s: notifications would fail DKIM alignment "
		    "(DMARC) and meldpunt-verify", c->path, c->identity_addr,
		    c->signing_domain);
	if (c->signing_domain && !c->rsa_keyfile && !c->ed_keyfile)
		return mp_error_set(err, MP_ECONFIG, "%s: SigningDomain is set "
		    "but no key (RSAKeyFile or Ed25519KeyFile)", c->path);
	return conf_check_sender(c, err);
}

/*
 * The helpdesk is a mailbox people read: not one of the addresses whose
 * mail the reply flow takes (it would send the replies back to where
 * they came from, read by nobody).
 */
static int
conf_check_reply(const struct mp_conf *c, struct mp_error *err)
{
	const char *r = c->reply_addr, *clash = NULL;
	char where[256];

	if (r == NULL)
		return MP_OK;
	if (mp_addr_in(r, c->intake))
		clash = "an IntakeAddress";
	else if (c->identity_addr != NULL && strcasecmp(r, c->identity_addr) == 0)
		clash = "the Identity address";
	else if (c->bounce_addr != NULL && strcasecmp(r, c->bounce_addr) == 0)
		clash = "BounceAddress (by default the Identity address)";
	if (clash == NULL)
		return MP_OK;
	return mp_error_set(err, MP_ECONFIG, "%s %s is %s: replies "
	    "to notifications would go back to the clearinghouse instead of to "
	    "a person; name the helpdesk's own mailbox",
	    mp_conf_where(c, "ReplyAddress", where, sizeof(where)), r, clash);
}

static int
conf_finish(struct mp_conf *c, struct mp_error *err)
{
	int rc;

	if ((rc = conf_check_pairs(c, err)) != MP_OK)
		return rc;
	if ((c->socket == NULL &&
	    (c->socket = strdup(MP_CONF_DEFAULT_SOCKET)) == NULL) ||
	    (c->template_dir == NULL &&
	    (c->template_dir = strdup(MP_CONF_DEFAULT_TEMPLATES)) == NULL) ||
	    (c->state_db == NULL &&
	    (c->state_db = strdup(MP_CONF_DEFAULT_STATEDB)) == NULL) ||
	    (c->bounce_addr == NULL && c->identity_addr != NULL &&
	    (c->bounce_addr = strdup(c->identity_addr)) == NULL))
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	return conf_check_reply(c, err);
}

struct mp_conf *
mp_conf_parse(const char *name, const char *text, size_t len,
    struct mp_error *err)
{
	struct parse_state ps;
	struct mp_conf *c;
	char line[MP_CONF_LINE_MAX + 1];
	size_t pos = 0, n;
	const char *nl;

	memset(&ps, 0, sizeof(ps));
	ps.name = name;
	ps.err = err;
	if ((c = calloc(1, sizeof(*c))) == NULL || conf_defaults(c, name) != MP_OK) {
		mp_error_set(err, MP_ENOMEM, "out of memory");
		mp_conf_free(&c);
		return NULL;
	}
	while (pos < len) {
		ps.line++;
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		if (n > MP_CONF_LINE_MAX) {
			conf_fail(&ps, "line longer than %d bytes", MP_CONF_LINE_MAX);
			goto fail;
		}
		if (memchr(text + pos, '\0', n) != NULL) {
			conf_fail(&ps, "NUL byte in line");
			goto fail;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl != NULL);
		if (parse_line(&ps, c, line) != MP_OK)
			goto fail;
	}
	/* before conf_finish: its checks name FILE:LINE (mp_conf_where) */
	memcpy(c->key_line, ps.seen, sizeof(ps.seen));
	if (conf_finish(c, err) != MP_OK)
		goto fail;
	return c;
fail:
	mp_conf_free(&c);
	return NULL;
}

struct mp_conf *
mp_conf_load(const char *path, struct mp_error *err)
{
	struct mp_conf *c = NULL;
	struct mp_buf text;

	if (mp_read_file(path, CONF_FILE_MAX, &text, err) == MP_OK)
		c = mp_conf_parse(path, text.data ? text.data : "", text.len, err);
	else if (err != NULL)
		err->code = MP_ECONFIG;
	mp_buf_free(&text);
	return c;
}

static void
list_free(char **l)
{
	char **p;

	if (l == NULL)
		return;
	for (p = l; *p; p++)
		free(*p);
	free(l);
}

void
mp_conf_free(struct mp_conf **confp)
{
	struct mp_conf *c = *confp;

	if (c == NULL)
		return;
	free(c->path);
	free(c->socket);
	free(c->user);
	free(c->pidfile);
	free(c->stats_file);
	free(c->log_file);
	list_free(c->intake);
	list_free(c->protected_domains);
	free(c->signing_domain);
	free(c->rsa_selector);
	free(c->rsa_keyfile);
	free(c->ed_selector);
	free(c->ed_keyfile);
	free(c->identity_map);
	mp_netlist_free(&c->trusted);
	list_free(c->submission_daemons);
	free(c->routing_db);
	free(c->template_dir);
	free(c->identity_addr);
	free(c->identity_name);
	free(c->identity_website);
	free(c->identity_phone);
	free(c->bounce_addr);
	free(c->state_db);
	free(c->archive_addr);
	free(c->quarantine_addr);
	free(c->reply_addr);
	free(c->dns_zone_file);
	free(c->submit_addr);
	free(c);
	*confp = NULL;
}
