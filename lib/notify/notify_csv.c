/*
 * notify_csv - part of mp_notify_render_list() (notify_list.h):
 *	the attachments of a list notification: every row as CSV with the
 *	feed's own column names, one file per feed, zipped above
 *	MP_NOTIFY_LIST_ZIP_AT bytes (libzip, in memory).
 *	The job it shares is notify_int.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "feed.h"
#include "notify_int.h"
#include "redact.h"
#include "text.h"

/* What turning hostile cells into CSV needs, per feed. */
struct csvw {
	struct render *rd;
	int strict;		/* leaked-credentials: redact CSV-dump style */
	char *safe;		/* mp_feed_defang() output */
	size_t safesz;
	struct mp_buf red;	/* after mp_redact() */
	size_t redacted;	/* cells with something taken out */
};

/* One field, RFC 4180: quoted when it holds a separator or a quote. */
static int
csv_field(struct mp_buf *out, const char *s, size_t len)
{
	size_t i;
	int rc;

	/* ';' too: spreadsheets in a Dutch locale split on it; CR and LF
	 * cannot be here (mp_feed_defang()), but would stay in the field. */
	for (i = 0; i < len && strchr(",\";\r\n", s[i]) == NULL; i++)
		;
	if (i == len)
		return mp_buf_append(out, s, len);
	rc = mp_buf_puts(out, "\"");
	for (i = 0; rc == MP_OK && i < len; i++)
		rc = s[i] == '"' ? mp_buf_puts(out, "\"\"") :
		    mp_buf_append(out, s + i, 1);
	return rc == MP_OK ? mp_buf_puts(out, "\"") : rc;
}

/* One hostile cell: defanged, passwords out, as a CSV field. */
static int
csv_cell(struct csvw *w, const char *v, int secret, struct mp_buf *out)
{
	size_t len = v != NULL ? strlen(v) : 0;
	char *p;
	int changed = 0, rc;

	if (len == 0)
		return MP_OK;
	if (len + 2 > w->safesz) {
		if ((p = realloc(w->safe, len + 2)) == NULL)
			return MP_ENOMEM;
		w->safe = p;
		w->safesz = len + 2;
	}
	/* at most one byte more than it reads: the "'" before a formula */
	mp_feed_defang(v, w->safe, w->safesz);
	if (*w->safe == '\0')
		return MP_OK;
	if (secret) {
		w->redacted++;
		return mp_buf_puts(out, MP_REDACTED);
	}
	mp_buf_reset(&w->red);
	if ((rc = mp_redact(w->safe, strlen(w->safe), w->strict, &w->red,
	    &changed)) != MP_OK)
		return rc;
	w->redacted += (size_t)changed;
	return csv_field(out, w->red.data, w->red.len);
}

/* The CSV of feed `f`: its column names, then each of its rows. */
static int
feed_csv(struct csvw *w, size_t f, struct mp_buf *out, size_t *rows)
{
	const struct mp_notify_list *l = w->rd->list;
	const struct mp_notify_list_feed *fd = &l->feeds[f];
	const struct mp_notify_list_row *row;
	unsigned char *secret = NULL;
	size_t i, c, n;
	int rc = MP_OK;

	if (fd->ncolumns > 0 &&
	    (secret = calloc(fd->ncolumns, 1)) == NULL)
		return MP_ENOMEM;
	for (c = 0; rc == MP_OK && c < fd->ncolumns; c++) {
		/* a secret column keeps its name: the reader sees why */
		secret[c] = fd->columns[c] != NULL &&
		    mp_redact_key(fd->columns[c]);
		if (c > 0)
			rc = mp_buf_puts(out, ",");
		if (rc == MP_OK)
			rc = csv_cell(w, fd->columns[c], 0, out);
	}
	if (rc == MP_OK)
		rc = mp_buf_puts(out, "\r\n");
	*rows = 0;
	for (i = 0; rc == MP_OK && i < l->nrows; i++) {
		row = &l->rows[i];
		if (row->feed != f)
			continue;
		/* all of a longer row's cells: no row loses one */
		n = row->ncells > fd->ncolumns ? row->ncells : fd->ncolumns;
		for (c = 0; rc == MP_OK && c < n; c++) {
			if (c > 0)
				rc = mp_buf_puts(out, ",");
			if (rc == MP_OK && c < row->ncells && row->cells != NULL)
				rc = csv_cell(w, row->cells[c],
				    c < fd->ncolumns && secret[c], out);
		}
		if (rc == MP_OK)
			rc = mp_buf_puts(out, "\r\n");
		(*rows)++;
	}
	free(secret);
	return rc;
}

/*
 * `data` as the one entry `entry` of a new zip in *out (malloc()).
 * The entry's time is the notification's, so the same rows give the
 * same bytes.
 */
static int
zip_one(const char *entry, const void *data, size_t len, time_t mtime,
    unsigned char **out, size_t *outlen, struct mp_error *err)
{
	zip_source_t *src, *file;
	zip_error_t ze;
	zip_stat_t st;
	zip_int64_t idx, got;
	zip_t *za;
	unsigned char *buf = NULL;
	int rc = MP_EINTERNAL;

	*out = NULL;
	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(NULL, 0, 0, &ze)) == NULL)
		goto done;
	if ((za = zip_open_from_source(src, ZIP_TRUNCATE, &ze)) == NULL) {
		zip_source_free(src);
		src = NULL;
		goto done;
	}
	zip_source_keep(src);	/* the archive's bytes outlive zip_close() */
	if ((file = zip_source_buffer(za, data, len, 0)) == NULL ||
	    (idx = zip_file_add(za, entry, file, ZIP_FL_ENC_UTF_8)) < 0) {
		zip_error_set(&ze, zip_error_code_zip(zip_get_error(za)), 0);
		zip_source_free(file);
		zip_discard(za);
		goto done;
	}
	if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE,
	    0) < 0 ||
	    zip_file_set_mtime(za, (zip_uint64_t)idx, mtime, 0) < 0 ||
	    zip_close(za) < 0) {
		zip_error_set(&ze, zip_error_code_zip(zip_get_error(za)), 0);
		zip_discard(za);
		goto done;
	}
	if (zip_source_stat(src, &st) < 0 || !(st.valid & ZIP_STAT_SIZE) ||
	    zip_source_open(src) < 0)
		goto done;
	if ((buf = malloc(st.size ? st.size : 1)) == NULL) {
		zip_source_close(src);
		rc = MP_ENOMEM;
		goto done;
	}
	got = zip_source_read(src, buf, st.size);
	zip_source_close(src);
	if (got < 0 || (zip_uint64_t)got != st.size)
		goto done;
	*out = buf;
	*outlen = (size_t)st.size;
	buf = NULL;
	rc = MP_OK;
done:
	free(buf);
	if (src != NULL)
		zip_source_free(src);
	if (rc == MP_ENOMEM)
		mp_error_set(err, rc, "out of memory");
	else if (rc != MP_OK)
		mp_error_set(err, rc, "cannot zip %s: %s", entry,
		    zip_error_strerror(&ze));
	zip_error_fini(&ze);
	return rc;
}

/* The base of feed f's file name (no .csv/.zip), unique in the notice. */
static void
part_base(struct render *rd, size_t f, char *base, size_t size)
{
	const char *fn = rd->list->feeds[f].filename;
	char name[NT_NAME_MAX], try[NT_NAME_MAX + 16];
	size_t n, i, k;
	int clash;

	n = nt_safe_name(fn, name, sizeof(name));
	if (n > 4 && strcasecmp(name + n - 4, ".zip") == 0)
		name[n -= 4] = '\0';
	if (n > 4 && strcasecmp(name + n - 4, ".csv") == 0)
		name[n -= 4] = '\0';
	if (n == 0)
		snprintf(name, sizeof(name), "meldpunt-%s-%s",
		    mp_report_type_name(rd->type), rd->conf->ticket != NULL ?
		    rd->conf->ticket : rd->n->notice_id);
	snprintf(try, sizeof(try), "%s", name);
	for (k = 2, clash = 1; clash; k++) {
		clash = 0;
		for (i = 0; i < rd->nparts && !clash; i++)
			clash = strncmp(rd->parts[i].name, try, strlen(try)) == 0 &&
			    rd->parts[i].name[strlen(try)] == '.';
		if (clash)
			snprintf(try, sizeof(try), "%s-%zu", name, k);
	}
	snprintf(base, size, "%s", try);
}

static int
limit_error(struct render *rd, size_t f, size_t rows)
{
	return mp_error_set(rd->err, MP_ELIMIT, "the CSV of feed %s is larger "
	    "than %u bytes (limit) after %zu rows; send fewer rows at a time",
	    rd->list->feeds[f].name ? rd->list->feeds[f].name : "(unnamed)",
	    MP_NOTIFY_LIST_CSV_MAX, rows);
}

/* Feed f's rows as one part: CSV, or zipped CSV above the threshold. */
static int
feed_part(struct csvw *w, size_t f, struct nt_part *p)
{
	struct render *rd = w->rd;
	char base[NT_NAME_MAX - 4], entry[NT_NAME_MAX];
	struct mp_buf csv;
	unsigned char *zip;
	size_t rows, ziplen;
	int rc;

	mp_buf_init(&csv, MP_NOTIFY_LIST_CSV_MAX);
	if ((rc = feed_csv(w, f, &csv, &rows)) != MP_OK) {
		mp_buf_free(&csv);
		return rc == MP_ELIMIT ? limit_error(rd, f, rows) :
		    mp_error_set(rd->err, rc, "out of memory");
	}
	part_base(rd, f, base, sizeof(base));
	snprintf(entry, sizeof(entry), "%s.csv", base);
	if (csv.len <= MP_NOTIFY_LIST_ZIP_AT) {
		snprintf(p->type, sizeof(p->type), "text/csv; charset=utf-8");
		snprintf(p->name, sizeof(p->name), "%s", entry);
		p->own = csv.data;
		p->data = (const unsigned char *)csv.data;
		p->len = csv.len;
		return MP_OK;
	}
	rc = zip_one(entry, csv.data, csv.len, rd->conf->now, &zip, &ziplen,
	    rd->err);
	mp_buf_free(&csv);
	if (rc != MP_OK)
		return rc;
	snprintf(p->type, sizeof(p->type), "application/zip");
	snprintf(p->name, sizeof(p->name), "%s.zip", base);
	p->own = zip;
	p->data = zip;
	p->len = ziplen;
	return MP_OK;
}

/*
 * The attachments alone, base64-encoded, before that is done: more than
 * the limit says so with the rows (the text and headers come on top;
 * nt_body() and nt_run() check the whole).
 */
static int
check_size(struct render *rd)
{
	size_t i, total = 0;

	for (i = 0; i < rd->nparts; i++)
		total += (rd->parts[i].len + 56) / 57 * 78 + 256;
	if (total <= rd->max_message)
		return MP_OK;
	return mp_error_set(rd->err, MP_ELIMIT, "the notification would be "
	    "more than %zu bytes, larger than %zu bytes (limit): %zu rows in "
	    "%zu attachments; send fewer rows at a time", total,
	    rd->max_message, rd->list->nrows, rd->nparts);
}

int
nt_list_parts(struct render *rd)
{
	const struct mp_notify_list *l = rd->list;
	struct csvw w;
	size_t f, i;
	int rc = MP_OK, *has;

	if ((rd->parts = calloc(l->nfeeds, sizeof(*rd->parts))) == NULL ||
	    (has = calloc(l->nfeeds, sizeof(*has))) == NULL)
		return mp_error_set(rd->err, MP_ENOMEM, "out of memory");
	for (i = 0; i < l->nrows; i++)
		has[l->rows[i].feed] = 1;
	memset(&w, 0, sizeof(w));
	w.rd = rd;
	w.strict = rd->type == MP_TYPE_LEAKED_CREDENTIALS;
	mp_buf_init(&w.red, 0);
	for (f = 0; rc == MP_OK && f < l->nfeeds; f++)
		if (has[f] && (rc = feed_part(&w, f, &rd->parts[rd->nparts]))
		    == MP_OK)
			rd->nparts++;
	free(w.safe);
	mp_buf_free(&w.red);
	free(has);
	if (w.redacted > 0)
		rd->n->redacted = 1;
	return rc == MP_OK ? check_size(rd) : rc;
}
