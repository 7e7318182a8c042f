/*
 * NAME
 *	report_int - helpers shared by the report parsers (not public)
 * DESCRIPTION
 *	Everything that turns a hostile value into a model field lives
 *	here, so each parser applies the same rules: mp_rpt_text() makes a
 *	value safe (valid UTF-8, no control characters, CR/LF or NUL,
 *	trimmed, at most MP_REPORT_MAX_VALUE bytes); the typed setters
 *	refuse invalid addresses, ports, dates and domains with an error
 *	naming the field and the (sanitised) value.
 * OWNERSHIP
 *	Setters store a malloc'd copy in the report and free what was there.
 */
#ifndef MP_REPORT_INT_H
#define MP_REPORT_INT_H

#include <stddef.h>
#include <time.h>

#include <gmime/gmime.h>

#include "error.h"
#include "message.h"
#include "report.h"

/* A safe copy of n bytes, or NULL when nothing is left or memory ran out
 * (*oom tells which). */
char *mp_rpt_text(const char *s, size_t n, int *oom);

/* The field setters: 0, or MP_EINPUT/MP_ENOMEM with err filled in.
 * `what` names the field for the error ("ARF field Source-IP"). */
int mp_rpt_set_text(char **dst, const char *s, struct mp_error *err);
int mp_rpt_set_ip(struct mp_report *r, const char *s, const char *what,
    struct mp_error *err);
int mp_rpt_set_domain(struct mp_report *r, const char *s, const char *what,
    struct mp_error *err);
int mp_rpt_set_url(struct mp_report *r, const char *s, const char *what,
    struct mp_error *err);
int mp_rpt_port(const char *s, int *port, const char *what,
    struct mp_error *err);
int mp_rpt_asn(const char *s, uint32_t *asn, const char *what,
    struct mp_error *err);
int mp_rpt_count(const char *s, unsigned *n, const char *what,
    struct mp_error *err);
int mp_rpt_tlp(struct mp_report *r, const char *s, const char *what,
    struct mp_error *err);

/* RFC 5322 or ISO 8601 date to time_t; MP_EINPUT names the field. */
int mp_rpt_date(const char *s, time_t *t, const char *what,
    struct mp_error *err);

/* 1 when s is an IPv4 or IPv6 literal. */
int mp_rpt_is_ip(const char *s);

/* The value quoted for an error message: safe and short. */
const char *mp_rpt_quote(const char *s, char *buf, size_t size);

/* Keep the decoded machine-readable part as evidence (copies). */
int mp_rpt_evidence(struct mp_report *r, const char *ctype,
    const char *filename, const void *data, size_t len,
    struct mp_error *err);

/* Reporter address, organisation and report date from the message
 * headers, where the report part did not give them. */
int mp_rpt_from_headers(struct mp_report *r, const struct mp_message *msg,
    struct mp_error *err);

/* "Name: value" lines as in a header block (RFC 5322 folding). */
struct mp_rpt_field {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
};

struct mp_rpt_fields {
	struct mp_rpt_field f[MP_REPORT_MAX_FIELDS];
	size_t n;
};

int mp_rpt_fields_split(const char *p, size_t len, struct mp_rpt_fields *af,
    const char *what, struct mp_error *err);

struct mp_report *mp_rpt_new(enum mp_report_format fmt,
    struct mp_error *err);

/* Note a warning (report.h, the one rule): 0, or MP_ENOMEM. Beyond
 * MP_REPORT_MAX_WARNINGS it is only counted. */
int mp_rpt_warn(struct mp_report *r, struct mp_error *err, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* "<what> field <name> is missing" as a warning, when `present` is 0. */
int mp_rpt_want(struct mp_report *r, int present, const char *what,
    const char *name, struct mp_error *err);

/* An error for a report without a valid source: MP_EINPUT. */
int mp_rpt_no_source(const char *what, const char *fields,
    struct mp_error *err);

/* Format parsers. The part is the machine-readable one. */
int mp_report_parse_arf(const struct mp_message *msg, GMimeObject *part,
    struct mp_report **rp, struct mp_error *err);
int mp_report_parse_xarf(const struct mp_message *msg, GMimeObject *part,
    int version_hint, struct mp_report **rp, struct mp_error *err);
int mp_report_parse_json(const struct mp_message *msg, const char *data,
    size_t len, const char *ctype, const char *filename,
    struct mp_report **rp, struct mp_error *err);

/* The JSON part of a message (XARF v3/v4), or NULL. */
GMimeObject *mp_rpt_find_json(const struct mp_message *msg);

#endif
