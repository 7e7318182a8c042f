/*
 * report_json - XARF v4 JSON (xarf-spec schemas/v4) and XARF v3 JSON
 * (abusix schemas/3), read with jansson
 *
 * Depth is checked by a scan before jansson sees the bytes, duplicate
 * keys are refused and NUL characters in strings are not allowed.
 * Required (report.h, the one rule): v4 xarf_version (what makes it
 * XARF v4), category, type and source_identifier; v3 Version, a Report
 * with ReportClass and ReportType, and a source. Whatever else the
 * schemas require - v4 report_id, timestamp, reporter with org and
 * contact, from 4.2 also sender and reporter.domain, the type-specific
 * fields of v4_required[] below; v3 ReporterInfo, Disclosure and
 * Report.Date - is a warning when absent. A field that is present but
 * has the wrong JSON type or an invalid value is still an error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "report_int.h"

/* Nesting of [ and { outside strings. */
static int
json_depth_ok(const char *p, size_t len, struct mp_error *err)
{
	size_t i;
	int depth = 0, in_str = 0;

	for (i = 0; i < len; i++) {
		char c = p[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"')
			in_str = 1;
		else if (c == '[' || c == '{') {
			if (++depth > MP_REPORT_MAX_DEPTH)
				return mp_error_set(err, MP_ELIMIT,
				    "XARF JSON nests deeper than %d levels "
				    "(limit)", MP_REPORT_MAX_DEPTH);
		} else if (c == ']' || c == '}')
			depth--;
	}
	return MP_OK;
}

/*
 * Field `key` of object `o` as a string. Absent or null gives NULL
 * (an error when `required`); another JSON type is an error. Numbers
 * are accepted where a string is asked, as text, since reporters mix
 * "25" and 25.
 */
static int
jstr(json_t *o, const char *key, const char *fmt, int required,
    const char **out, char *num, size_t numsz, struct mp_error *err)
{
	json_t *v = o != NULL ? json_object_get(o, key) : NULL;

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return mp_error_set(err, MP_EINPUT,
			    "%s report lacks required field %s", fmt, key);
		return MP_OK;
	}
	if (json_is_string(v))
		*out = json_string_value(v);
	else if (json_is_integer(v) && num != NULL) {
		snprintf(num, numsz, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		*out = num;
	} else
		return mp_error_set(err, MP_EINPUT,
		    "%s field %s is not a string", fmt, key);
	if (required && **out == '\0')
		return mp_error_set(err, MP_EINPUT,
		    "%s report has an empty required field %s", fmt, key);
	return MP_OK;
}

static json_t *
jobj(json_t *o, const char *key)
{
	json_t *v = o != NULL ? json_object_get(o, key) : NULL;

	return json_is_object(v) ? v : NULL;
}

/* Source by its shape: an address, a URL or a domain name. */
static int
set_source(struct mp_report *r, const char *s, const char *what,
    struct mp_error *err)
{
	if (mp_rpt_is_ip(s))
		return mp_rpt_set_ip(r, s, what, err);
	if (strstr(s, "://") != NULL)
		return mp_rpt_set_url(r, s, what, err);
	return mp_rpt_set_domain(r, s, what, err);
}

/* Type-specific required fields of the v4 schemas (schemas/v4/types). */
#define PORT_IF_IP	1	/* source_port when the source is an address */
#define SMTP_RULE	2	/* smtp_from and source_port when protocol is smtp */
static const struct {
	const char *category, *type;
	const char *fields[4];
	int rule;
} v4_required[] = {
	{ "messaging", "spam", { "protocol", NULL }, SMTP_RULE },
	{ "messaging", "bulk_messaging", { "protocol", "recipient_count", NULL },
	    SMTP_RULE },
	{ "connection", "login_attack", { "first_seen", "protocol", NULL },
	    PORT_IF_IP },
	{ "connection", "port_scan", { "first_seen", "protocol", NULL },
	    PORT_IF_IP },
	{ "connection", "ddos", { "first_seen", "protocol", NULL }, PORT_IF_IP },
	{ "connection", "infected_host",
	    { "bot_type", "first_seen", "protocol", NULL }, 0 },
	{ "connection", "reconnaissance",
	    { "first_seen", "probed_resources", "protocol", NULL }, 0 },
	{ "connection", "scraping",
	    { "first_seen", "protocol", "total_requests", NULL }, 0 },
	{ "connection", "sql_injection", { "first_seen", "protocol", NULL }, 0 },
	{ "connection", "vulnerability_scan",
	    { "first_seen", "protocol", "scan_type", NULL }, 0 },
	{ "content", "phishing", { "url", NULL }, 0 },
	{ "content", "malware", { "url", NULL }, 0 },
	{ "content", "fraud", { "url", "fraud_type", NULL }, 0 },
	{ "content", "exposed_data",
	    { "url", "data_types", "exposure_method", NULL }, 0 },
	{ "content", "remote_compromise", { "url", "compromise_type", NULL },
	    0 },
	{ "infrastructure", "botnet", { "compromise_evidence", NULL }, 0 },
	{ "infrastructure", "compromised_server", { "compromise_method", NULL },
	    0 },
	{ "vulnerability", "cve", { "cve_id", "service", "service_port", NULL },
	    0 },
	{ "vulnerability", "open_service", { "service", NULL }, 0 },
	{ "vulnerability", "misconfiguration", { "service", NULL }, 0 },
	{ "reputation", "blocklist", { "threat_type", NULL }, 0 },
	{ "reputation", "threat_intelligence", { "threat_type", NULL }, 0 },
	{ "copyright", "copyright", { "infringing_url", NULL }, 0 },
};

static int
has(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return v != NULL && !json_is_null(v);
}

static int
v4_type_required(struct mp_report *r, json_t *j, const char *cat,
    const char *type, const char *src, struct mp_error *err)
{
	const char *proto;
	char what[MP_REPORT_MAX_VALUE * 2 + 40];
	size_t i, k;
	int rc = MP_OK;

	for (i = 0; i < sizeof(v4_required) / sizeof(v4_required[0]); i++) {
		if (strcmp(v4_required[i].category, cat) != 0 ||
		    strcmp(v4_required[i].type, type) != 0)
			continue;
		snprintf(what, sizeof(what), "XARF report of type %s/%s:", cat,
		    type);
		for (k = 0; v4_required[i].fields[k] != NULL && rc == MP_OK; k++)
			rc = mp_rpt_want(r, has(j, v4_required[i].fields[k]),
			    what, v4_required[i].fields[k], err);
		proto = json_string_value(json_object_get(j, "protocol"));
		if (rc == MP_OK && v4_required[i].rule == SMTP_RULE &&
		    proto != NULL && strcasecmp(proto, "smtp") == 0) {
			rc = mp_rpt_want(r, has(j, "smtp_from"), what,
			    "smtp_from", err);
			if (rc == MP_OK)
				rc = mp_rpt_want(r, has(j, "source_port"), what,
				    "source_port", err);
		}
		if (rc == MP_OK && v4_required[i].rule == PORT_IF_IP &&
		    mp_rpt_is_ip(src))
			rc = mp_rpt_want(r, has(j, "source_port"), what,
			    "source_port", err);
		return rc;
	}
	return MP_OK;
}

/* reporter / sender: an object with org, contact (and domain); what is
 * absent is a warning, what is not an object or not a string an error. */
static int
v4_contact(struct mp_report *r, json_t *j, const char *key, int need_domain,
    struct mp_error *err)
{
	static const char *const sub[] = { "org", "contact", "domain" };
	json_t *c = json_object_get(j, key);
	const char *v;
	char name[32];
	size_t i;
	int rc = MP_OK;

	if (c == NULL || json_is_null(c))
		return mp_rpt_want(r, 0, "XARF", key, err);
	if (!json_is_object(c))
		return mp_error_set(err, MP_EINPUT, "XARF field %s is not an "
		    "object", key);
	for (i = 0; i < (need_domain ? 3u : 2u) && rc == MP_OK; i++) {
		if ((rc = jstr(c, sub[i], "XARF", 0, &v, NULL, 0, err)) != MP_OK) {
			mp_error_prefix(err, "%s", key);
			break;
		}
		snprintf(name, sizeof(name), "%s.%s", key, sub[i]);
		rc = mp_rpt_want(r, v != NULL && *v != '\0', "XARF", name, err);
	}
	return rc;
}

static int
v4_port(json_t *j, const char *key, int *port, struct mp_error *err)
{
	json_t *v = json_object_get(j, key);
	char what[64], num[32];

	if (v == NULL || json_is_null(v))
		return MP_OK;
	snprintf(what, sizeof(what), "XARF field %s", key);
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return mp_rpt_port(num, port, what, err);
	}
	if (json_is_string(v))
		return mp_rpt_port(json_string_value(v), port, what, err);
	return mp_error_set(err, MP_EINPUT, "%s is not a port number", what);
}

static int
v4_fill(struct mp_report *r, json_t *j, struct mp_error *err)
{
	const char *ver, *id, *ts, *src, *cat, *type, *s;
	char buf[MP_REPORT_MAX_VALUE * 2 + 2], num[32];
	unsigned minor = 0;
	json_t *rep;
	int rc;

	if ((rc = jstr(j, "xarf_version", "XARF", 1, &ver, NULL, 0, err)) ||
	    (rc = jstr(j, "report_id", "XARF", 0, &id, NULL, 0, err)) ||
	    (rc = jstr(j, "timestamp", "XARF", 0, &ts, NULL, 0, err)) ||
	    (rc = jstr(j, "source_identifier", "XARF", 1, &src, NULL, 0, err)) ||
	    (rc = jstr(j, "category", "XARF", 1, &cat, NULL, 0, err)) ||
	    (rc = jstr(j, "type", "XARF", 1, &type, NULL, 0, err)))
		return rc;
	if (strncmp(ver, "4.", 2) != 0) {
		char q[80];

		return mp_error_set(err, MP_EINPUT,
		    "XARF version \"%s\" is not supported (4.x)",
		    mp_rpt_quote(ver, q, sizeof(q)));
	}
	if (sscanf(ver, "4.%u", &minor) != 1)
		minor = 0;
	if ((rc = mp_rpt_want(r, id != NULL && *id != '\0', "XARF", "report_id",
	    err)) != MP_OK ||
	    (rc = mp_rpt_want(r, ts != NULL && *ts != '\0', "XARF", "timestamp",
	    err)) != MP_OK ||
	    (rc = v4_contact(r, j, "reporter", minor >= 2, err)) != MP_OK ||
	    (minor >= 2 && (rc = v4_contact(r, j, "sender", 1, err)) != MP_OK) ||
	    (rc = v4_type_required(r, j, cat, type, src, err)) != MP_OK)
		return rc;

	r->type = mp_report_map_type("xarf4", cat, type);
	snprintf(buf, sizeof(buf), "%s/%s", cat, type);
	rep = jobj(j, "reporter");
	if ((rc = mp_rpt_set_text(&r->type_detail, buf, err)) ||
	    (rc = mp_rpt_set_text(&r->format_version, ver, err)) ||
	    (rc = mp_rpt_set_text(&r->report_id, id, err)) ||
	    (ts != NULL && *ts != '\0' && (rc = mp_rpt_date(ts, &r->reported_at,
	    "XARF field timestamp", err))) ||
	    (rc = set_source(r, src, "XARF field source_identifier", err)) ||
	    (rc = v4_port(j, "source_port", &r->source_port, err)) ||
	    (rc = v4_port(j, "service_port", &r->service_port, err)) ||
	    (rc = mp_rpt_set_text(&r->reporter_addr,
	    json_string_value(json_object_get(rep, "contact")), err)) ||
	    (rc = mp_rpt_set_text(&r->reporter_org,
	    json_string_value(json_object_get(rep, "org")), err)))
		return rc;

#define OPT(key, action) do {						\
	if ((rc = jstr(j, key, "XARF", 0, &s, num, sizeof(num), err)))	\
		return rc;						\
	if (s != NULL && (rc = (action)) != MP_OK)			\
		return rc;						\
} while (0)

	OPT("url", mp_rpt_set_url(r, s, "XARF field url", err));
	OPT("service", mp_rpt_set_text(&r->service, s, err));
	OPT("first_seen",
	    mp_rpt_date(s, &r->first_seen, "XARF field first_seen", err));
	OPT("last_seen",
	    mp_rpt_date(s, &r->last_seen, "XARF field last_seen", err));
	OPT("asn", mp_rpt_asn(s, &r->asn, "XARF field asn", err));
	OPT("tlp", mp_rpt_tlp(r, s, "XARF field tlp", err));
	OPT("attempt_count",
	    mp_rpt_count(s, &r->occurrences, "XARF field attempt_count", err));
#undef OPT
	return MP_OK;
}

static int
v3_fill(struct mp_report *r, json_t *j, struct mp_error *err)
{
	const char *ver, *cls, *type, *date, *s;
	json_t *info, *rep, *srcobj, *disc;
	char buf[MP_REPORT_MAX_VALUE * 2 + 2], num[32];
	const char *fmt = "XARF v3";
	int rc;

	if ((rc = jstr(j, "Version", fmt, 1, &ver, NULL, 0, err)) != MP_OK)
		return rc;
	info = jobj(j, "ReporterInfo");
	disc = json_object_get(j, "Disclosure");
	if ((rep = jobj(j, "Report")) == NULL)
		return mp_error_set(err, MP_EINPUT,
		    "XARF v3 report lacks required field Report");
	if ((rc = jstr(rep, "ReportClass", fmt, 1, &cls, NULL, 0, err)) ||
	    (rc = jstr(rep, "ReportType", fmt, 1, &type, NULL, 0, err)) ||
	    (rc = jstr(rep, "Date", fmt, 0, &date, NULL, 0, err)))
		return rc;
	if ((rc = mp_rpt_want(r, info != NULL, fmt, "ReporterInfo", err)) ||
	    (rc = mp_rpt_want(r, json_is_boolean(disc), fmt, "Disclosure",
	    err)) ||
	    (rc = mp_rpt_want(r, date != NULL && *date != '\0', fmt,
	    "Report.Date", err)))
		return rc;

	r->type = mp_report_map_type("xarf3", cls, type);
	snprintf(buf, sizeof(buf), "%s/%s", cls, type);
	if ((rc = mp_rpt_set_text(&r->type_detail, buf, err)) ||
	    (rc = mp_rpt_set_text(&r->format_version, ver, err)) ||
	    (date != NULL && *date != '\0' && (rc = mp_rpt_date(date,
	    &r->reported_at, "XARF v3 field Report.Date", err))))
		return rc;

#define OPT(obj, key, action) do {					\
	if ((rc = jstr(obj, key, fmt, 0, &s, num, sizeof(num), err)))	\
		return rc;						\
	if (s != NULL && (rc = (action)) != MP_OK)			\
		return rc;						\
} while (0)

	OPT(info, "ReporterOrg", mp_rpt_set_text(&r->reporter_org, s, err));
	OPT(info, "ReporterOrgEmail",
	    mp_rpt_set_text(&r->reporter_addr, s, err));
	if (r->reporter_addr == NULL)
		OPT(info, "ReporterContactEmail",
		    mp_rpt_set_text(&r->reporter_addr, s, err));
	/* The 3.0.0 form in xarf-spec nests the source in an object. */
	srcobj = jobj(rep, "Source");
	OPT(rep, "SourceIp",
	    mp_rpt_set_ip(r, s, "XARF v3 field Report.SourceIp", err));
	OPT(srcobj, "IP",
	    mp_rpt_set_ip(r, s, "XARF v3 field Report.Source.IP", err));
	OPT(rep, "SourcePort", mp_rpt_port(s, &r->source_port,
	    "XARF v3 field Report.SourcePort", err));
	OPT(srcobj, "Port", mp_rpt_port(s, &r->source_port,
	    "XARF v3 field Report.Source.Port", err));
	OPT(rep, "SourceUrl",
	    mp_rpt_set_url(r, s, "XARF v3 field Report.SourceUrl", err));
	OPT(rep, "ASN", mp_rpt_asn(s, &r->asn, "XARF v3 field Report.ASN", err));
	OPT(rep, "FirstSeen", mp_rpt_date(s, &r->first_seen,
	    "XARF v3 field Report.FirstSeen", err));
	OPT(rep, "ServiceName", mp_rpt_set_text(&r->service, s, err));
	/* A compromised account lives on the destination: tell its owner. */
	if (r->source_ip == NULL && r->url == NULL &&
	    r->type == MP_TYPE_LEAKED_CREDENTIALS)
		OPT(rep, "DestinationIp", mp_rpt_set_ip(r, s,
		    "XARF v3 field Report.DestinationIp", err));
#undef OPT
	if (r->source_ip == NULL && r->url == NULL && r->domain == NULL)
		return mp_rpt_no_source("XARF v3", "Report.SourceIp, "
		    "Report.Source.IP or Report.SourceUrl", err);
	return MP_OK;
}

int
mp_report_parse_json(const struct mp_message *msg, const char *data,
    size_t len, const char *ctype, const char *filename,
    struct mp_report **rp, struct mp_error *err)
{
	struct mp_report *r = NULL;
	json_error_t jerr;
	json_t *j;
	int rc, v4;

	*rp = NULL;
	if (len > MP_REPORT_MAX_DOC)
		return mp_error_set(err, MP_ELIMIT,
		    "XARF JSON is %zu bytes, more than %u (limit)", len,
		    MP_REPORT_MAX_DOC);
	if ((rc = json_depth_ok(data, len, err)) != MP_OK)
		return rc;
	j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		char q[80];

		return mp_error_set(err, MP_EINPUT,
		    "XARF report is not valid JSON: %s at line %d",
		    mp_rpt_quote(jerr.text, q, sizeof(q)), jerr.line);
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return mp_error_set(err, MP_EINPUT,
		    "JSON document is not an XARF report (not an object)");
	}
	if (json_object_get(j, "xarf_version") != NULL)
		v4 = 1;
	else if (json_object_get(j, "Version") != NULL)
		v4 = 0;
	else {
		json_decref(j);
		return mp_error_set(err, MP_EINPUT, "JSON document is not an "
		    "XARF report (no xarf_version or Version field)");
	}
	if ((r = mp_rpt_new(v4 ? MP_FMT_XARF4 : MP_FMT_XARF3, err)) == NULL) {
		json_decref(j);
		return MP_ENOMEM;
	}
	rc = v4 ? v4_fill(r, j, err) : v3_fill(r, j, err);
	json_decref(j);
	if (rc == MP_OK)
		rc = mp_rpt_evidence(r, ctype, filename, data, len, err);
	if (rc == MP_OK && msg != NULL)
		rc = mp_rpt_from_headers(r, msg, err);
	if (rc != MP_OK) {
		mp_report_free(&r);
		return rc;
	}
	*rp = r;
	return MP_OK;
}
