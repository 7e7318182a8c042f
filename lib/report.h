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
 * OWNERSHIP
 *	mp_report_free(&r) releases the report and everything it points to.
 *	All strings are owned by the report; NULL means "not given".
 */
#ifndef MP_REPORT_H
#define MP_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

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

	struct mp_evidence evidence;
};

const char *mp_report_type_name(enum mp_report_type type);
const char *mp_report_format_name(enum mp_report_format fmt);
void mp_report_free(struct mp_report **rp);

#endif
