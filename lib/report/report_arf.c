/*
 * report_arf - ARF: RFC 5965 feedback reports, RFC 6650 updates, RFC 6591
 * authentication failure reports, RFC 6692 Source-Port
 *
 * The message/feedback-report part is a block of header-like fields.
 * Names are case-insensitive and values may be folded. Fields the RFCs
 * allow once (Feedback-Type, Source-IP, Source-Port, Arrival-Date,
 * Incidents) are refused when repeated: two Source-IPs would make the
 * routing ambiguous. Reported-Domain and Reported-URI may repeat; the
 * first is kept (the others stay in the evidence).
 *
 * Required (report.h, the one rule): Feedback-Type (the type) and a
 * valid source, Source-IP, Reported-Domain or a Reported-URI that is not
 * a mailbox. User-Agent and Version, which RFC 5965 also requires and
 * many senders leave out, are warnings when absent.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_int.h"

/*
 * The value of field `name` as a safe string in *out (NULL when absent).
 * `once` refuses a repeated field; otherwise the first is taken.
 */
static int
arf_get(const struct mp_rpt_fields *af, const char *name, int once, char **out,
    struct mp_error *err)
{
	size_t i, n = strlen(name);
	int seen = 0, oom;

	*out = NULL;
	for (i = 0; i < af->n; i++) {
		if (af->f[i].nlen != n || strncasecmp(af->f[i].name, name, n))
			continue;
		if (seen++) {
			if (!once)
				break;
			free(*out);
			*out = NULL;
			return mp_error_set(err, MP_EINPUT,
			    "ARF field %s appears more than once", name);
		}
		*out = mp_rpt_text(af->f[i].val, af->f[i].vlen, &oom);
		if (oom)
			return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	return MP_OK;
}

static int
arf_has(const struct mp_rpt_fields *af, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < af->n; i++)
		if (af->f[i].nlen == n && strncasecmp(af->f[i].name, name, n) == 0)
			return 1;
	return 0;
}

/* The first Reported-URI that names a resource rather than a mailbox. */
static int
arf_uri(struct mp_report *r, const struct mp_rpt_fields *af,
    struct mp_error *err)
{
	size_t i;
	char *v;
	int oom, rc = MP_OK;

	for (i = 0; i < af->n && r->url == NULL && rc == MP_OK; i++) {
		if (af->f[i].nlen != 12 ||
		    strncasecmp(af->f[i].name, "Reported-URI", 12) != 0)
			continue;
		v = mp_rpt_text(af->f[i].val, af->f[i].vlen, &oom);
		if (oom)
			return mp_error_set(err, MP_ENOMEM, "out of memory");
		if (v != NULL && strncasecmp(v, "mailto:", 7) != 0)
			rc = mp_rpt_set_url(r, v, "ARF field Reported-URI", err);
		free(v);
	}
	return rc;
}

static int
arf_fill(struct mp_report *r, const struct mp_rpt_fields *af,
    struct mp_error *err)
{
	char *ft = NULL, *v = NULL, *af_kind = NULL;
	int rc;

	if ((rc = arf_get(af, "Feedback-Type", 1, &ft, err)) != MP_OK)
		goto out;
	if (ft == NULL) {
		rc = mp_error_set(err, MP_EINPUT,
		    "ARF report lacks required field Feedback-Type");
		goto out;
	}
	r->type = mp_report_map_type("arf", NULL, ft);
	if ((rc = arf_get(af, "Auth-Failure", 0, &af_kind, err)) != MP_OK)
		goto out;
	if (af_kind != NULL) {
		char buf[MP_REPORT_MAX_VALUE * 2 + 2];

		snprintf(buf, sizeof(buf), "%s/%s", ft, af_kind);
		rc = mp_rpt_set_text(&r->type_detail, buf, err);
	} else
		rc = mp_rpt_set_text(&r->type_detail, ft, err);
	if (rc != MP_OK)
		goto out;

#define FIELD(name, once, action) do {					\
	if ((rc = arf_get(af, name, once, &v, err)) != MP_OK)		\
		goto out;						\
	if (v != NULL && (rc = (action)) != MP_OK)			\
		goto out;						\
	free(v);							\
	v = NULL;							\
} while (0)

	FIELD("Version", 0, mp_rpt_set_text(&r->format_version, v, err));
	FIELD("Source-IP", 1, mp_rpt_set_ip(r, v, "ARF field Source-IP", err));
	FIELD("Source-Port", 1,
	    mp_rpt_port(v, &r->source_port, "ARF field Source-Port", err));
	FIELD("Reported-Domain", 0,
	    mp_rpt_set_domain(r, v, "ARF field Reported-Domain", err));
	FIELD("Arrival-Date", 1,
	    mp_rpt_date(v, &r->first_seen, "ARF field Arrival-Date", err));
	if (r->first_seen == 0)
		FIELD("Received-Date", 1, mp_rpt_date(v, &r->first_seen,
		    "ARF field Received-Date", err));
	FIELD("Incidents", 1,
	    mp_rpt_count(v, &r->occurrences, "ARF field Incidents", err));
#undef FIELD
	if ((rc = arf_uri(r, af, err)) != MP_OK)
		goto out;
	if (r->source_ip == NULL && r->domain == NULL && r->url == NULL) {
		rc = mp_rpt_no_source("ARF", "Source-IP, Reported-Domain or "
		    "Reported-URI", err);
		goto out;
	}
	if ((rc = mp_rpt_want(r, arf_has(af, "User-Agent"), "ARF",
	    "User-Agent", err)) != MP_OK)
		goto out;
	rc = mp_rpt_want(r, arf_has(af, "Version"), "ARF", "Version", err);
out:
	free(v);
	free(ft);
	free(af_kind);
	return rc;
}

int
mp_report_parse_arf(const struct mp_message *msg, GMimeObject *part,
    struct mp_report **rp, struct mp_error *err)
{
	struct mp_rpt_fields *af = NULL;
	struct mp_report *r = NULL;
	GByteArray *ba = NULL;
	char *ft = NULL;
	int rc;

	*rp = NULL;
	if ((rc = mp_message_part_content(part, MP_REPORT_MAX_DOC, &ba,
	    err)) != MP_OK) {
		mp_error_prefix(err, "message/feedback-report part");
		return rc;
	}
	if ((af = malloc(sizeof(*af))) == NULL) {
		rc = mp_error_set(err, MP_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = mp_rpt_fields_split((const char *)ba->data, ba->len, af, "feedback report", err)))
		goto out;
	/* XARF v4 over mail: an ARF envelope around the JSON report. */
	if ((rc = arf_get(af, "Feedback-Type", 1, &ft, err)) != MP_OK)
		goto out;
	if (ft != NULL && strcasecmp(ft, "xarf") == 0) {
		GMimeObject *json = mp_rpt_find_json(msg);
		GByteArray *jb = NULL;

		if (json == NULL) {
			rc = mp_error_set(err, MP_EINPUT, "ARF report with "
			    "Feedback-Type xarf has no application/json part");
			goto out;
		}
		if ((rc = mp_message_part_content(json, MP_REPORT_MAX_DOC, &jb,
		    err)) != MP_OK)
			goto out;
		rc = mp_report_parse_json(msg, (const char *)jb->data, jb->len,
		    "application/json", g_mime_part_get_filename(GMIME_PART(json)),
		    rp, err);
		g_byte_array_unref(jb);
		goto out;
	}
	if ((r = mp_rpt_new(MP_FMT_ARF, err)) == NULL) {
		rc = MP_ENOMEM;
		goto out;
	}
	if ((rc = arf_fill(r, af, err)) != MP_OK ||
	    (rc = mp_rpt_evidence(r, "message/feedback-report",
	    g_mime_part_get_filename(GMIME_PART(part)), ba->data, ba->len,
	    err)) != MP_OK ||
	    (rc = mp_rpt_set_text(&r->report_id,
	    g_mime_message_get_message_id(mp_message_mime(msg)), err)) != MP_OK ||
	    (rc = mp_rpt_from_headers(r, msg, err)) != MP_OK)
		goto out;
	*rp = r;
	r = NULL;
out:
	mp_report_free(&r);
	free(ft);
	free(af);
	if (ba != NULL)
		g_byte_array_unref(ba);
	return rc;
}
