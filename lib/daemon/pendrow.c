/*
 * pendrow - see pendrow.h
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"
#include "lang.h"
#include "pending.h"
#include "pendrow.h"
#include "redact.h"
#include "seen.h"

/* The column numbers of MP_PENDROW_COLUMNS. */
enum { C_TIME, C_IP, C_PORT, C_SERVICE, C_DOMAIN, C_URL, C_ASN, C_TYPE,
	C_DETAIL, C_TLP, C_REF, C_NOTE };

/* TLP amber and red: who reported it is not passed on (notify_value.c). */
static int
may_name_reporter(const char *tlp)
{
	return tlp == NULL || *tlp == '\0' || strcasecmp(tlp, "clear") == 0 ||
	    strcasecmp(tlp, "white") == 0 || strcasecmp(tlp, "green") == 0;
}

/* The row's own time: last seen, first seen, or when it was reported. */
static time_t
when(const struct mp_report *r)
{
	return r->last_seen ? r->last_seen : r->first_seen ? r->first_seen :
	    r->reported_at;
}

/* The service's port when the report names it, else the source's; 0. */
static unsigned
port_of(const struct mp_report *r)
{
	if (r->service_port > 0 && r->service_port <= 65535)
		return (unsigned)r->service_port;
	if (r->source_port > 0 && r->source_port <= 65535)
		return (unsigned)r->source_port;
	return 0;
}

/* A cell, without passwords (redact.h), cut on a character boundary. */
static int
cell(struct mp_buf *b, const char *v)
{
	size_t n;
	int changed = 0;

	mp_buf_reset(b);
	if (v == NULL || *v == '\0')
		return mp_buf_append(b, "", 1);
	n = strlen(v);
	if (mp_redact(v, n, 0, b, &changed) != MP_OK)
		return MP_ENOMEM;
	if (b->len >= MP_PENDROW_CELL_MAX) {
		n = MP_PENDROW_CELL_MAX - 1;
		while (n > 0 && ((unsigned char)b->data[n] & 0xc0) == 0x80)
			n--;
		b->len = n;
	}
	return mp_buf_append(b, "", 1);
}

static int
cells_of(const struct mp_report *r, const struct mp_pendrow *how,
    struct mp_buf *b, const char **cells)
{
	const char *v[MP_PENDROW_NCOLUMNS];
	char tm[32], port[16], asn[16];
	struct tm t;
	time_t at = when(r);
	int i, rc = MP_OK;

	memset(v, 0, sizeof(v));
	if (at != 0 && gmtime_r(&at, &t) != NULL) {
		strftime(tm, sizeof(tm), "%Y-%m-%d %H:%M:%S", &t);
		v[C_TIME] = tm;
	}
	v[C_IP] = r->source_ip;
	if (port_of(r) != 0) {
		snprintf(port, sizeof(port), "%u", port_of(r));
		v[C_PORT] = port;
	}
	v[C_SERVICE] = r->service;
	v[C_DOMAIN] = r->domain;
	v[C_URL] = r->url;
	if (r->asn != 0) {
		snprintf(asn, sizeof(asn), "%u", (unsigned)r->asn);
		v[C_ASN] = asn;
	}
	v[C_TYPE] = mp_report_type_name(r->type);
	v[C_DETAIL] = r->type_detail;
	v[C_TLP] = r->tlp;
	if (how->disclose != MP_DISCLOSE_NONE)
		v[C_REF] = r->report_id;
	v[C_NOTE] = how->note;
	for (i = 0; i < MP_PENDROW_NCOLUMNS && rc == MP_OK; i++) {
		rc = cell(&b[i], v[i]);
		cells[i] = b[i].data;
	}
	return rc;
}

int
mp_pendrow_record(struct mp_seen *seen, const struct mp_report *r,
    const struct mp_route_contact *const *to, size_t nto,
    const struct mp_pendrow *how, struct mp_error *err)
{
	static const char *const columns[] = MP_PENDROW_COLUMNS;
	struct mp_buf b[MP_PENDROW_NCOLUMNS];
	const char *cells[MP_PENDROW_NCOLUMNS];
	struct mp_pending_batch *batch = NULL;
	struct mp_pending_feed pf;
	struct mp_pending_row pr;
	char type[64];
	size_t i;
	int rc;

	_Static_assert(sizeof(columns) / sizeof(columns[0]) ==
	    MP_PENDROW_NCOLUMNS, "MP_PENDROW_NCOLUMNS counts the columns");
	if (nto == 0 || nto > MP_ROUTE_CONTACTS || how->msg == 0)
		return mp_error_set(err, MP_EINPUT, "a pending report needs 1 to "
		    "%d contacts and a key", MP_ROUTE_CONTACTS);
	for (i = 0; i < MP_PENDROW_NCOLUMNS; i++)
		mp_buf_init(&b[i], 0);
	if ((rc = cells_of(r, how, b, cells)) != MP_OK) {
		mp_error_set(err, rc, "out of memory");
		goto out;
	}
	snprintf(type, sizeof(type), "%s:%s", mp_report_type_name(r->type),
	    MP_PENDROW_FEED);
	memset(&pr, 0, sizeof(pr));
	pr.type = type;
	pr.msg = how->msg;
	pr.item = 0;
	pr.row = 1;
	pr.seen = when(r);
	pr.received = how->received;
	pr.ip = r->source_ip;
	pr.port = port_of(r);
	pr.hostname = r->domain;
	pr.asn = r->asn;
	pr.cells = cells;
	pr.ncells = MP_PENDROW_NCOLUMNS;
	if ((batch = mp_pending_batch_new()) == NULL) {
		rc = mp_error_set(err, MP_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nto && rc == MP_OK; i++) {
		pr.contact = to[i]->address;
		pr.lang = mp_lang_name(to[i]->lang);
		rc = mp_pending_batch_add(seen, batch, &pr, err);
	}
	if (rc == MP_OK)
		rc = mp_pending_batch_flush(seen, batch, err);
	if (rc != MP_OK)
		goto out;
	memset(&pf, 0, sizeof(pf));
	pf.msg = how->msg;
	pf.item = 0;
	pf.name = MP_PENDROW_FEED;
	pf.report_id = how->disclose != MP_DISCLOSE_NONE ? r->report_id : NULL;
	pf.reporter = how->disclose != MP_DISCLOSE_NONE &&
	    may_name_reporter(r->tlp) ? how->reporter : NULL;
	pf.columns = columns;
	pf.ncolumns = MP_PENDROW_NCOLUMNS;
	/* the message record last: the rows are visible once it is there */
	if ((rc = mp_pending_put_feed(seen, &pf, err)) == MP_OK &&
	    (rc = mp_pending_put_msg(seen, how->msg, how->received,
	    (unsigned)nto, err)) == MP_OK)
		rc = mp_seen_sync(seen, err);
out:
	mp_pending_batch_free(&batch);
	for (i = 0; i < MP_PENDROW_NCOLUMNS; i++)
		mp_buf_free(&b[i]);
	return rc;
}

int
mp_pendrow_undo(struct mp_seen *seen, uint64_t msg, struct mp_error *err)
{
	int rc;

	if ((rc = mp_pending_undo_msg(seen, msg, err)) != MP_OK)
		return rc;
	return mp_seen_sync(seen, err);
}

void
mp_pendrow_report(const char *type, char *source, struct mp_report *r)
{
	mp_u128 a;
	unsigned long asn = 0;
	size_t i;
	int fam;

	memset(r, 0, sizeof(*r));
	r->type = MP_TYPE_OTHER;
	for (i = 0; type != NULL && i < MP_TYPE_COUNT; i++)
		if (strcasecmp(type, mp_report_type_name((enum mp_report_type)i))
		    == 0)
			r->type = (enum mp_report_type)i;
	if (source == NULL || *source == '\0')
		return;
	/* what intake routed (intake.c, pick_query): one of these */
	if (mp_ip_parse(source, strlen(source), &a, &fam) == MP_OK) {
		r->source_ip = source;
		return;
	}
	if ((source[0] == 'A' || source[0] == 'a') &&
	    (source[1] == 'S' || source[1] == 's') && source[2] != '\0' &&
	    strspn(source + 2, "0123456789") == strlen(source + 2) &&
	    strlen(source + 2) <= 10) {
		for (i = 2; source[i] != '\0'; i++)
			asn = asn * 10 + (unsigned long)(source[i] - '0');
		if (asn <= 0xffffffffUL) {
			r->asn = (uint32_t)asn;
			return;
		}
	}
	if (strstr(source, "://") != NULL)
		r->url = source;
	else
		r->domain = source;
}
