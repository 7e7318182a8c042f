/*
 * feed_list - a generic CSV list of hosts (a researcher's list of
 * vulnerable hosts, say): a header row with ip (or src_ip), optional
 * port, src_port, protocol, timestamp, hostname, asn, type, cve, tag,
 * severity, url; any other column is kept as evidence. The report type
 * and case reference come from the caller (the reporter's record); a
 * `type` cell naming one of meldpunt's types overrides it for its row.
 */
#include "config.h"

#include <string.h>

#include "feed_int.h"

static int
list_header(struct mp_feed *f, struct mp_feed_fill *fl, struct mp_error *err)
{
	struct mp_feed_cols *c = &fl->cols;

	c->ip = mp_feed_column_any(f, "ip|src_ip|ip_address|address");
	if (c->ip < 0)
		return mp_error_set(err, MP_EINPUT, "CSV list: no ip or src_ip "
		    "column");
	c->port = mp_feed_column_any(f, "port");
	c->src_port = mp_feed_column_any(f, "src_port");
	c->protocol = mp_feed_column_any(f, "protocol");
	c->asn = mp_feed_column_any(f, "asn|src_asn");
	c->timestamp = mp_feed_column_any(f, "timestamp|time|date");
	c->hostname = mp_feed_column_any(f, "hostname|host|domain");
	c->tag = mp_feed_column_any(f, "tag|tags");
	c->severity = mp_feed_column_any(f, "severity");
	c->cve = mp_feed_column_any(f, "cve|cves");
	c->type = mp_feed_column_any(f, "type");
	c->url = mp_feed_column_any(f, "url");
	c->infection = -1;
	return MP_OK;
}

int
mp_feed_list_new(const char *filename, enum mp_report_type type,
    const char *case_ref, struct mp_feed **fp, struct mp_feed_fill *fl,
    struct mp_error *err)
{
	struct mp_feed *f;
	int oom = 0;

	*fp = NULL;
	if ((f = mp_feed_new(MP_FEED_LIST, err)) == NULL)
		return MP_ENOMEM;
	f->type = type;
	f->name = "list";
	if (filename != NULL)
		f->filename = mp_fa_text(f, filename, &oom);
	if (!oom && case_ref != NULL)
		f->case_ref = mp_fa_text(f, case_ref, &oom);
	if (oom) {
		mp_feed_free(&f);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	memset(fl, 0, sizeof(*fl));
	fl->header = list_header;
	fl->service = NULL;
	fl->per_row_type = 1;
	*fp = f;
	return MP_OK;
}

int
mp_feed_parse_list(const char *filename, const void *data, size_t len,
    enum mp_report_type type, const char *case_ref,
    const struct mp_feed_limits *lim, struct mp_feed **fp,
    struct mp_error *err)
{
	struct mp_feed_fill fl;
	struct mp_feed *f;
	int rc;

	*fp = NULL;
	if ((rc = mp_feed_list_new(filename, type, case_ref, &f, &fl, err)) !=
	    MP_OK)
		return rc;
	if ((rc = mp_feed_load(f, filename, data, len, lim, &fl, err)) !=
	    MP_OK) {
		mp_feed_free(&f);
		return rc;
	}
	*fp = f;
	return MP_OK;
}
