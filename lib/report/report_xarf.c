/*
 * report_xarf - X-ARF 0.1 ("X-ARF: YES") and 0.2 ("X-XARF: PLAIN"): the
 * YAML report part (report.txt), read with libyaml's event parser
 *
 * The report is one YAML mapping of scalar fields. Nested values are
 * skipped (bounded by MP_REPORT_MAX_DEPTH); aliases are never expanded.
 * Required fields follow the X-ARF schemata in
 * tests/corpus/xarf-schemata: the fields every schema requires, plus
 * those of the schema for the Report-Type when there is one.
 * Field names are matched case-insensitively; a repeated field is
 * refused, because YAML gives no rule for which one wins.
 *
 * Many X-ARF writers emit "Name: value" lines that are not valid YAML
 * (an unquoted "http: //..." value, say). When libyaml refuses the part,
 * it is read again as header-like lines, as the X-ARF examples are
 * written; a part that is neither gives the YAML error.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "report_int.h"

struct xarf_kv {
	char *key;
	char *val;	/* NULL for an empty or nested value */
};

struct xarf_doc {
	struct xarf_kv kv[MP_REPORT_MAX_FIELDS];
	size_t n;
	int syntax_error;	/* libyaml refused the text */
};

static void
doc_clear(struct xarf_doc *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->kv[i].key);
		free(d->kv[i].val);
	}
	d->n = 0;
}

static void
doc_free(struct xarf_doc *d)
{
	doc_clear(d);
	free(d);
}

static const char *
doc_get(const struct xarf_doc *d, const char *key)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcasecmp(d->kv[i].key, key) == 0)
			return d->kv[i].val;
	return NULL;
}

static int
doc_has(const struct xarf_doc *d, const char *key)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcasecmp(d->kv[i].key, key) == 0)
			return 1;
	return 0;
}

static int
yaml_error(yaml_parser_t *p, struct xarf_doc *d, struct mp_error *err)
{
	d->syntax_error = 1;
	return mp_error_set(err, MP_EINPUT,
	    "X-ARF report is not valid YAML: %s at line %lu",
	    p->problem ? p->problem : "parse error",
	    (unsigned long)p->problem_mark.line + 1);
}

/* Events up to the end of the top mapping, keeping scalar pairs. */
static int
yaml_collect(yaml_parser_t *p, struct xarf_doc *d, struct mp_error *err)
{
	yaml_event_t ev;
	int depth = 0, rc = MP_OK, done = 0, oom = 0;
	int want_key = 1;	/* at depth 1: the next scalar is a key */
	char *key = NULL;

	while (!done && rc == MP_OK) {
		if (!yaml_parser_parse(p, &ev))
			return free(key), yaml_error(p, d, err);
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_START_EVENT:
			break;
		case YAML_STREAM_END_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			if (depth == 0)
				rc = mp_error_set(err, MP_EINPUT,
				    "X-ARF report is not a YAML mapping of fields");
			done = 1;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (depth == 0 && ev.type != YAML_MAPPING_START_EVENT) {
				rc = mp_error_set(err, MP_EINPUT,
				    "X-ARF report is not a YAML mapping of fields");
				break;
			}
			if (++depth > MP_REPORT_MAX_DEPTH) {
				rc = mp_error_set(err, MP_ELIMIT,
				    "X-ARF report nests deeper than %d levels "
				    "(limit)", MP_REPORT_MAX_DEPTH);
				break;
			}
			if (depth == 2 && want_key)
				rc = mp_error_set(err, MP_EINPUT,
				    "X-ARF report has a field name that is "
				    "not text");
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (--depth == 0)
				done = 1;
			else if (depth == 1) {
				/* a nested value: keep the key, no value */
				want_key = 1;
				free(key);
				key = NULL;
			}
			break;
		case YAML_ALIAS_EVENT:
		case YAML_SCALAR_EVENT:
			if (depth != 1)
				break;
			if (want_key) {
				if (ev.type == YAML_ALIAS_EVENT) {
					rc = mp_error_set(err, MP_EINPUT,
					    "X-ARF report has an alias as "
					    "field name");
					break;
				}
				key = mp_rpt_text((const char *)
				    ev.data.scalar.value, ev.data.scalar.length,
				    &oom);
				if (oom)
					rc = mp_error_set(err, MP_ENOMEM,
					    "out of memory");
				else if (key == NULL)
					rc = mp_error_set(err, MP_EINPUT,
					    "X-ARF report has an empty field name");
				want_key = 0;
				break;
			}
			if (d->n == MP_REPORT_MAX_FIELDS) {
				rc = mp_error_set(err, MP_ELIMIT,
				    "X-ARF report has more than %d fields "
				    "(limit)", MP_REPORT_MAX_FIELDS);
				break;
			}
			if (doc_has(d, key)) {
				char q[80];

				rc = mp_error_set(err, MP_EINPUT,
				    "X-ARF report repeats field %s",
				    mp_rpt_quote(key, q, sizeof(q)));
				break;
			}
			d->kv[d->n].key = key;
			d->kv[d->n].val = NULL;
			key = NULL;
			if (ev.type == YAML_SCALAR_EVENT)
				d->kv[d->n].val = mp_rpt_text((const char *)
				    ev.data.scalar.value, ev.data.scalar.length,
				    &oom);
			d->n++;
			if (oom)
				rc = mp_error_set(err, MP_ENOMEM,
				    "out of memory");
			want_key = 1;
			break;
		case YAML_NO_EVENT:
			done = 1;
			break;
		}
		yaml_event_delete(&ev);
	}
	free(key);
	return rc;
}

static int
doc_add(struct xarf_doc *d, const char *k, size_t kn, const char *v,
    size_t vn, struct mp_error *err)
{
	char q[80];
	int oom, rc;

	if (d->n == MP_REPORT_MAX_FIELDS)
		return mp_error_set(err, MP_ELIMIT,
		    "X-ARF report has more than %d fields (limit)",
		    MP_REPORT_MAX_FIELDS);
	if ((d->kv[d->n].key = mp_rpt_text(k, kn, &oom)) == NULL)
		return oom ? mp_error_set(err, MP_ENOMEM, "out of memory") :
		    MP_OK;
	d->kv[d->n].val = v ? mp_rpt_text(v, vn, &oom) : NULL;
	if (oom) {
		free(d->kv[d->n].key);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	if (doc_has(d, d->kv[d->n].key)) {
		rc = mp_error_set(err, MP_EINPUT,
		    "X-ARF report repeats field %s",
		    mp_rpt_quote(d->kv[d->n].key, q, sizeof(q)));
		free(d->kv[d->n].key);
		free(d->kv[d->n].val);
		return rc;
	}
	d->n++;
	return MP_OK;
}

/* The fallback: header-like lines. */
static int
lines_collect(const char *p, size_t len, struct xarf_doc *d,
    struct mp_error *err)
{
	struct mp_rpt_fields *af = malloc(sizeof(*af));
	size_t i;
	int rc;

	if (af == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	rc = mp_rpt_fields_split(p, len, af, "X-ARF report", err);
	for (i = 0; rc == MP_OK && i < af->n; i++)
		rc = doc_add(d, af->f[i].name, af->f[i].nlen, af->f[i].val,
		    af->f[i].vlen, err);
	free(af);
	return rc;
}

/*
 * What every X-ARF schema requires, then per Report-Type. Of these only
 * Category, Report-Type and Source make a report (report.h, the one
 * rule): the others are warnings when absent.
 */
static const char *const common_required[] = {
	"Reported-From", "Category", "Report-Type", "Report-ID",
	"User-Agent", "Date", "Source", "Source-Type", NULL
};

static const struct {
	const char *type;
	const char *fields[5];
} type_required[] = {
	{ "login-attack", { "Service", "Port", "Attachment", NULL } },
	{ "bot-infection", { "Bot-Name", "Attachment", NULL } },
	{ "grumbot-infection", { "Attachment", NULL } },
	{ "malware-attack", { "Attachment", NULL } },
	{ "compromised-account", { "Account-Type", "Account", "TLP",
	    "Attachment", NULL } },
	{ "phishing", { "Service", "Port", NULL } },
	{ "dnsbl-listing", { "DNSBL", NULL } },
	{ "dnsbl-listed", { "DNSBL", NULL } },
	{ "dnsbl-delisted", { "DNSBL", NULL } },
	{ "spamvertized", { "URL", "Service", "Attachment", NULL } },
	{ "nsvertized", { "URL", "Service", "Attachment", NULL } },
};

/* The fields without which there is no report: type and source. */
static int
xarf_required(const struct xarf_doc *d, struct mp_error *err)
{
	static const char *const hard[] = { "Category", "Report-Type", "Source",
	    NULL };
	size_t i;

	for (i = 0; hard[i] != NULL; i++)
		if (doc_get(d, hard[i]) == NULL)
			return mp_error_set(err, MP_EINPUT,
			    "X-ARF report lacks required field %s", hard[i]);
	return MP_OK;
}

/* The other schema-required fields: a warning each when absent. */
static int
xarf_warnings(struct mp_report *r, const struct xarf_doc *d,
    struct mp_error *err)
{
	const char *rt = doc_get(d, "Report-Type");
	char what[80];
	size_t i, j;
	int rc = MP_OK;

	for (i = 0; common_required[i] != NULL && rc == MP_OK; i++)
		rc = mp_rpt_want(r, doc_get(d, common_required[i]) != NULL,
		    "X-ARF", common_required[i], err);
	for (i = 0; i < sizeof(type_required) / sizeof(type_required[0]) &&
	    rc == MP_OK; i++) {
		if (strcasecmp(type_required[i].type, rt) != 0)
			continue;
		snprintf(what, sizeof(what), "X-ARF report of type %s:",
		    type_required[i].type);
		for (j = 0; type_required[i].fields[j] != NULL && rc == MP_OK; j++)
			rc = mp_rpt_want(r, doc_get(d,
			    type_required[i].fields[j]) != NULL, what,
			    type_required[i].fields[j], err);
	}
	return rc;
}

/* Source by Source-Type: an address, a URI or a domain. */
static int
xarf_source(struct mp_report *r, const struct xarf_doc *d,
    struct mp_error *err)
{
	const char *st = doc_get(d, "Source-Type"), *src = doc_get(d, "Source");
	char q[80];

	/* No Source-Type (a warning): the value says what it is. */
	if (st == NULL)
		st = mp_rpt_is_ip(src) ? "ip" : strstr(src, "://") != NULL ?
		    "uri" : "domain";
	if (strcasecmp(st, "ipv4") == 0 || strcasecmp(st, "ipv6") == 0 ||
	    strcasecmp(st, "ip-address") == 0 || strcasecmp(st, "ip") == 0)
		return mp_rpt_set_ip(r, src, "X-ARF field Source", err);
	if (strcasecmp(st, "uri") == 0 || strcasecmp(st, "url") == 0)
		return mp_rpt_set_url(r, src, "X-ARF field Source", err);
	if (strcasecmp(st, "domain") == 0)
		return mp_rpt_set_domain(r, src, "X-ARF field Source", err);
	return mp_error_set(err, MP_EINPUT,
	    "X-ARF field Source-Type has an unknown value: \"%s\"",
	    mp_rpt_quote(st, q, sizeof(q)));
}

static int
xarf_fill(struct mp_report *r, const struct xarf_doc *d,
    struct mp_error *err)
{
	const char *cat = doc_get(d, "Category"), *rt = doc_get(d, "Report-Type");
	const char *v;
	char buf[MP_REPORT_MAX_VALUE * 2 + 2];
	int rc;

	if (cat == NULL || rt == NULL)	/* xarf_required() saw them */
		return mp_error_set(err, MP_EINTERNAL, "X-ARF fields lost");
	r->type = mp_report_map_type("x-arf", cat, rt);
	snprintf(buf, sizeof(buf), "%s/%s", cat, rt);
	if ((rc = mp_rpt_set_text(&r->type_detail, buf, err)) != MP_OK ||
	    (rc = xarf_source(r, d, err)) != MP_OK)
		return rc;

#define OPT(name, action) \
	if ((v = doc_get(d, name)) != NULL && (rc = (action)) != MP_OK) \
		return rc

	OPT("Domain", mp_rpt_set_domain(r, v, "X-ARF field Domain", err));
	OPT("URL", mp_rpt_set_url(r, v, "X-ARF field URL", err));
	if (r->url == NULL)
		OPT("Download-Link",
		    mp_rpt_set_url(r, v, "X-ARF field Download-Link", err));
	OPT("Source-Port",
	    mp_rpt_port(v, &r->source_port, "X-ARF field Source-Port", err));
	OPT("Port", mp_rpt_port(v, &r->service_port, "X-ARF field Port", err));
	OPT("Date", mp_rpt_date(v, &r->reported_at, "X-ARF field Date", err));
	OPT("Occurrences",
	    mp_rpt_count(v, &r->occurrences, "X-ARF field Occurrences", err));
	OPT("TLP", mp_rpt_tlp(r, v, "X-ARF field TLP", err));
	OPT("Service", mp_rpt_set_text(&r->service, v, err));
	OPT("Report-ID", mp_rpt_set_text(&r->report_id, v, err));
	OPT("Reported-From", mp_rpt_set_text(&r->reporter_addr, v, err));
	OPT("Version", mp_rpt_set_text(&r->format_version, v, err));
#undef OPT
	r->first_seen = r->reported_at;	/* X-ARF Date is the incident's */
	return MP_OK;
}

/*
 * version_hint: 1 for "X-ARF: YES", 2 for "X-XARF: PLAIN" alone; the
 * report's own Version field wins.
 */
int
mp_report_parse_xarf(const struct mp_message *msg, GMimeObject *part,
    int version_hint, struct mp_report **rp, struct mp_error *err)
{
	struct xarf_doc *d = NULL;
	struct mp_report *r = NULL;
	GByteArray *ba = NULL;
	yaml_parser_t parser;
	const char *ver, *fn;
	int rc, fmt;

	*rp = NULL;
	if ((rc = mp_message_part_content(part, MP_REPORT_MAX_DOC, &ba,
	    err)) != MP_OK) {
		mp_error_prefix(err, "X-ARF report part");
		return rc;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		g_byte_array_unref(ba);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	if (!yaml_parser_initialize(&parser)) {
		rc = mp_error_set(err, MP_ENOMEM, "out of memory");
		goto out;
	}
	/* An empty part has no data pointer, and libyaml asserts on NULL. */
	yaml_parser_set_input_string(&parser,
	    ba->len > 0 ? ba->data : (const unsigned char *)"", ba->len);
	rc = yaml_collect(&parser, d, err);
	yaml_parser_delete(&parser);
	if (rc == MP_EINPUT && d->syntax_error) {
		struct mp_error yerr = *err;

		doc_clear(d);
		if (lines_collect((const char *)ba->data, ba->len, d, err) !=
		    MP_OK || d->n == 0)
			*err = yerr;
		else
			rc = MP_OK;
	}
	if (rc != MP_OK || (rc = xarf_required(d, err)) != MP_OK)
		goto out;
	ver = doc_get(d, "Version");
	if (ver != NULL && strcmp(ver, "0.1") == 0)
		fmt = MP_FMT_XARF01;
	else if (ver != NULL && strcmp(ver, "0.2") == 0)
		fmt = MP_FMT_XARF02;
	else
		fmt = version_hint == 2 ? MP_FMT_XARF02 : MP_FMT_XARF01;
	if ((r = mp_rpt_new(fmt, err)) == NULL) {
		rc = MP_ENOMEM;
		goto out;
	}
	fn = g_mime_part_get_filename(GMIME_PART(part));
	if ((rc = xarf_fill(r, d, err)) != MP_OK ||
	    (rc = xarf_warnings(r, d, err)) != MP_OK ||
	    (rc = mp_rpt_evidence(r, "text/plain", fn ? fn : "report.txt",
	    ba->data, ba->len, err)) != MP_OK ||
	    (rc = mp_rpt_from_headers(r, msg, err)) != MP_OK)
		goto out;
	*rp = r;
	r = NULL;
out:
	mp_report_free(&r);
	doc_free(d);
	g_byte_array_unref(ba);
	return rc;
}
