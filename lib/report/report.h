/*
 * NAME
 *	report - one normalised incident, whatever format it came in
 * DESCRIPTION
 *	ARF (RFC 5965/6650/6591/6692), X-ARF 0.1/0.2 (YAML) and XARF v4
 *	(JSON, v3 where cheap) all parse into struct mp_report. Every string
 *	in it is hostile input made safe: valid UTF-8, no control
 *	characters, no CR/LF, bounded length; addresses are canonical
 *	(inet_ntop) or absent. A field that was present but invalid is a
 *	parse error naming the field and value, never silently dropped.
 *
 *	`evidence` is the original machine-readable part, byte-exact, so the
 *	notification can attach it (content type and file name kept).
 *
 *	mp_report_parse() looks at a parsed message (message.h) and fills in
 *	one report, or says why the message is not one. Refusals start
 *	with "not a report: " and name the field, value or limit, e.g.
 *	"not a report: no message/feedback-report part and no X-ARF marker",
 *	"not a report: unsupported format: Shadowserver CSV" (the list
 *	reports mp_report_parse_all() in feed.h reads),
 *	"not a report: X-ARF report lacks required field Source".
 *	mp_report_parse_buffer() does the same for raw bytes: a mail message,
 *	or a bare XARF JSON document (first byte '{').
 *
 *	Types are mapped by one table (report.c, mirrored in
 *	man/meldpunt-parse.1) from ARF Feedback-Type, X-ARF Category and
 *	Report-Type, and XARF category and type.
 * LIMITS
 *	MP_REPORT_MAX_DOC	bytes of the machine-readable part (YAML, JSON,
 *				feedback-report fields) after decoding
 *	MP_REPORT_MAX_DEPTH	YAML/JSON nesting
 *	MP_REPORT_MAX_FIELDS	fields in one report part
 *	MP_REPORT_MAX_VALUE	bytes of one string value kept in the model
 *	MP_REPORT_MAX_WARNINGS	warnings kept (more are counted in
 *				`more_warnings`)
 *	(and those of message.h for the MIME message itself)
 * THREADS
 *	Pure functions of their input: no globals, no logging. Safe to call
 *	from many threads once g_mime_init() has run.
 * OWNERSHIP
 *	mp_report_free(&r) releases the report and everything it points to.
 *	All strings are owned by the report; NULL means "not given".
 */
#ifndef MP_REPORT_H
#define MP_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

#define MP_REPORT_MAX_DOC	(1024u * 1024)
#define MP_REPORT_MAX_DEPTH	32
#define MP_REPORT_MAX_FIELDS	512
#define MP_REPORT_MAX_VALUE	2048
#define MP_REPORT_MAX_WARNINGS	16

struct mp_message;
struct mp_message_limits;

enum mp_report_format {
	MP_FMT_ARF = 1,
	MP_FMT_XARF01,		/* X-ARF 0.1, "X-ARF: YES" */
	MP_FMT_XARF02,		/* X-ARF 0.2, "X-XARF: PLAIN" */
	MP_FMT_XARF3,		/* XARF v3 JSON */
	MP_FMT_XARF4,		/* XARF v4 JSON */
};

enum mp_report_type {
	MP_TYPE_OTHER = 0,
	MP_TYPE_MALWARE,
	MP_TYPE_VULNERABLE_SERVICE,
	MP_TYPE_OPEN_SERVICE,
	MP_TYPE_LOGIN_ATTACK,
	MP_TYPE_SPAM,
	MP_TYPE_PHISHING,
	MP_TYPE_LEAKED_CREDENTIALS,
	MP_TYPE_COMPROMISED_WEBSITE,
	MP_TYPE_DDOS,
};
#define MP_TYPE_COUNT 10

struct mp_evidence {
	char *content_type;	/* e.g. "message/feedback-report", "application/json" */
	char *filename;		/* e.g. "report.txt", "xarf.json"; NULL if none */
	unsigned char *data;	/* decoded bytes, exactly as the reporter sent them */
	size_t len;
};

struct mp_report {
	enum mp_report_format format;
	enum mp_report_type type;
	char *type_detail;	/* the reporter's own category/type words, sanitised */

	char *source_ip;	/* canonical text (inet_ntop), NULL if none */
	int source_port;	/* 0 if not given */
	char *domain;		/* reported domain, lower case, no trailing dot */
	char *url;
	uint32_t asn;		/* 0 if not given */

	time_t first_seen;	/* 0 if not given */
	time_t last_seen;
	time_t reported_at;	/* the report's own date */

	char *reporter_addr;	/* who sent the report */
	char *reporter_org;
	char *report_id;
	char *service;		/* e.g. "ssh", "smtp" */
	unsigned occurrences;	/* 0 if not given */
	char *tlp;		/* "clear", "green", "amber", "red"; NULL if not given */

	/* Added by the parsers; NULL / 0 when not given. */
	char *format_version;	/* "1" (ARF), "0.2", "4.2.0", ... as the report says */
	int service_port;	/* port of the reported service (X-ARF Port,
				   XARF service_port), 0 if not given */

	struct mp_evidence evidence;

	/* Schema-required fields that were absent, one sentence each, e.g.
	 * "ARF field User-Agent is missing" (report.h, the one rule). */
	char *warnings[MP_REPORT_MAX_WARNINGS];
	size_t nwarnings;
	size_t more_warnings;
};

/*
 * The warnings joined with "; " into buf (truncated to size), "" when
 * there are none; for the log line and the X-Meldpunt-Warnings header.
 */
void mp_report_warnings_text(const struct mp_report *r, char *buf,
    size_t size);

const char *mp_report_type_name(enum mp_report_type type);
const char *mp_report_format_name(enum mp_report_format fmt);
void mp_report_free(struct mp_report **rp);

/* Returns MP_OK and a new report in *rp, or MP_EINPUT/MP_ELIMIT/MP_ENOMEM. */
int mp_report_parse(const struct mp_message *msg, struct mp_report **rp,
    struct mp_error *err);

/* Raw bytes: a mail message (parsed under `lim`, NULL for defaults) or
 * a bare XARF JSON document. */
int mp_report_parse_buffer(const void *data, size_t len,
    const struct mp_message_limits *lim, struct mp_report **rp,
    struct mp_error *err);

/*
 * The mapping table. `family` is "arf", "x-arf", "xarf4" or "xarf3";
 * category may be NULL for ARF. Matching is case-insensitive; unknown
 * combinations give MP_TYPE_OTHER.
 */
enum mp_report_type mp_report_map_type(const char *family,
    const char *category, const char *type);

struct mp_report_map_row {
	const char *family;
	const char *category;	/* "*" matches any */
	const char *type;	/* "*" matches any */
	enum mp_report_type result;
};

/* Row i of the table, or NULL past the end (for docs and tests). */
const struct mp_report_map_row *mp_report_map_row(size_t i);

#endif
