/*
 * feed_csv - CSV text into a feed's header and raw rows, with libcsv
 *
 * libcsv (lenient mode) does the quoting: quoted commas, doubled quotes,
 * newlines inside quotes, CRLF; a stray quote inside a quoted field is
 * taken literally. Here: the limits, the BOM, and a state for every
 * row - a cell too long, a column count unlike the header's, the header
 * repeated, an exact duplicate of an earlier row each make the row
 * invalid with that reason. Nothing is dropped; blank lines are no rows.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "feed_int.h"

struct reader {
	struct mp_feed *f;
	const struct mp_feed_limits *lim;
	char *buf;		/* the current row's cells, NUL-separated */
	size_t len, size;
	size_t ncells;
	size_t longest;		/* longest cell of the row */
	int nul;		/* a cell of the row held a NUL byte */
	int header_done;
	const char *header;	/* packed header cells, for repeats */
	size_t header_len;
	uint64_t *hash;		/* open addressing: row hash, row index + 1 */
	size_t *hidx;
	size_t hsize;
	int rc;
	struct mp_error *err;
	struct mp_feed_fill *fl;	/* fills rows as they come, or NULL */
	const char **cellp;		/* the current row's cells, for fl */
};

static uint64_t
fnv(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int
grow_hash(struct reader *rd)
{
	size_t nsize = rd->hsize ? rd->hsize * 2 : 1024, i, j;
	uint64_t *nh = calloc(nsize, sizeof(*nh));
	size_t *ni = calloc(nsize, sizeof(*ni));

	if (nh == NULL || ni == NULL) {
		free(nh);
		free(ni);
		return -1;
	}
	for (i = 0; i < rd->hsize; i++) {
		if (rd->hidx[i] == 0)
			continue;
		for (j = rd->hash[i] & (nsize - 1); ni[j] != 0;
		    j = (j + 1) & (nsize - 1))
			;
		nh[j] = rd->hash[i];
		ni[j] = rd->hidx[i];
	}
	free(rd->hash);
	free(rd->hidx);
	rd->hash = nh;
	rd->hidx = ni;
	rd->hsize = nsize;
	return 0;
}

static int
put(struct reader *rd, const void *p, size_t n)
{
	if (rd->len + n + 1 > rd->size) {
		size_t ns = rd->size ? rd->size : 1024;
		char *nb;

		while (ns < rd->len + n + 1)
			ns *= 2;
		if ((nb = realloc(rd->buf, ns)) == NULL)
			return -1;
		rd->buf = nb;
		rd->size = ns;
	}
	if (n > 0) {
		char *d = rd->buf + rd->len, *z;

		memcpy(d, p, n);
		/* Cells are NUL-terminated: a NUL inside one becomes '?' and
		 * makes the row invalid. */
		while ((z = memchr(d, '\0', n - (size_t)(d - (rd->buf +
		    rd->len)))) != NULL) {
			*z = '?';
			d = z + 1;
			rd->nul = 1;
		}
	}
	rd->len += n;
	rd->buf[rd->len++] = '\0';
	return 0;
}

static void
on_field(void *s, size_t n, void *data)
{
	struct reader *rd = data;

	if (rd->rc != MP_OK)
		return;
	if (n > rd->longest)
		rd->longest = n;
	/* Keep at most max_field bytes of a cell; the row turns invalid. */
	if (n > rd->lim->max_field)
		n = rd->lim->max_field;
	if (rd->ncells > rd->lim->max_columns) {
		rd->ncells++;
		return;
	}
	if (put(rd, s, n) != 0) {
		rd->rc = mp_error_set(rd->err, MP_ENOMEM, "out of memory");
		return;
	}
	rd->ncells++;
}

static int
header(struct reader *rd)
{
	struct mp_feed *f = rd->f;
	const char *p;
	char *h;
	size_t i;

	if (rd->ncells > rd->lim->max_columns)
		return mp_error_set(rd->err, MP_ELIMIT, "CSV header has "
		    "more than %zu columns (limit)", rd->lim->max_columns);
	if ((h = mp_fa_alloc(f, rd->len)) == NULL ||
	    (f->columns = calloc(rd->ncells, sizeof(*f->columns))) == NULL)
		return mp_error_set(rd->err, MP_ENOMEM, "out of memory");
	memcpy(h, rd->buf, rd->len);
	rd->header = h;
	rd->header_len = rd->len;
	for (i = 0, p = h; i < rd->ncells; i++, p += strlen(p) + 1) {
		int oom;
		const char *t = mp_fa_text(f, p, &oom);

		if (oom)
			return mp_error_set(rd->err, MP_ENOMEM, "out of memory");
		f->columns[i] = t != NULL ? t : "";
	}
	f->ncolumns = rd->ncells;
	rd->header_done = 1;
	if (rd->fl != NULL && rd->fl->header != NULL)
		return rd->fl->header(f, rd->fl, rd->err);
	return MP_OK;
}

/* Bytes of a row's packed cells, NULs included. */
static size_t
packed_len(const struct mp_feed_row *row)
{
	const char *p = row->cells;
	size_t i;

	for (i = 0; i < row->ncells; i++)
		p += strlen(p) + 1;
	return (size_t)(p - row->cells);
}

static void
on_row(int c, void *data)
{
	struct reader *rd = data;
	struct mp_feed *f = rd->f;
	struct mp_feed_row *row;
	uint64_t h;
	size_t j;
	char *cells;

	(void)c;
	if (rd->rc != MP_OK)
		goto out;
	/* A line holding one empty cell is a blank line, not a row. */
	if (rd->ncells == 1 && rd->len == 1)
		goto out;
	if (!rd->header_done) {
		rd->rc = header(rd);
		goto out;
	}
	if (f->nrows >= rd->lim->max_rows) {
		rd->rc = mp_error_set(rd->err, MP_ELIMIT, "CSV has more than "
		    "%zu rows (limit)", rd->lim->max_rows);
		goto out;
	}
	if (f->nrows == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 64;
		struct mp_feed_row *nr = realloc(f->rows, ncap * sizeof(*nr));

		if (nr == NULL) {
			rd->rc = mp_error_set(rd->err, MP_ENOMEM,
			    "out of memory");
			goto out;
		}
		f->rows = nr;
		f->cap = ncap;
	}
	row = &f->rows[f->nrows++];
	memset(row, 0, sizeof(*row));
	row->line = f->nrows;
	row->state = MP_ROW_VALID;
	f->nvalid++;
	if ((cells = mp_fa_alloc(f, rd->len)) == NULL) {
		rd->rc = mp_error_set(rd->err, MP_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(cells, rd->buf, rd->len);
	row->cells = cells;
	row->ncells = rd->ncells > rd->lim->max_columns + 1 ?
	    rd->lim->max_columns + 1 : rd->ncells;

	if (rd->longest > rd->lim->max_field)
		mp_feed_invalid(f, row, mp_fa_printf(f, "a cell of %zu bytes "
		    "(limit %zu)", rd->longest, rd->lim->max_field));
	else if (rd->nul)
		mp_feed_invalid(f, row, "a cell holds a NUL byte");
	else if (rd->ncells != f->ncolumns)
		mp_feed_invalid(f, row, mp_fa_printf(f, "%zu columns, the "
		    "header has %zu", rd->ncells, f->ncolumns));
	else if (rd->len == rd->header_len &&
	    memcmp(rd->buf, rd->header, rd->len) == 0)
		mp_feed_invalid(f, row, "header repeated");
	else {
		h = fnv(rd->buf, rd->len);
		if ((f->nrows * 2 > rd->hsize) && grow_hash(rd) != 0) {
			rd->rc = mp_error_set(rd->err, MP_ENOMEM,
			    "out of memory");
			goto out;
		}
		for (j = h & (rd->hsize - 1); rd->hidx[j] != 0;
		    j = (j + 1) & (rd->hsize - 1)) {
			const struct mp_feed_row *o = &f->rows[rd->hidx[j] - 1];

			if (rd->hash[j] == h && o->ncells == row->ncells &&
			    packed_len(o) == rd->len &&
			    memcmp(o->cells, cells, rd->len) == 0) {
				mp_feed_invalid(f, row, mp_fa_printf(f,
				    "duplicate of row %zu", o->line));
				goto out;
			}
		}
		rd->hash[j] = h;
		rd->hidx[j] = f->nrows;
	}
	if (rd->fl != NULL && row->state == MP_ROW_VALID) {
		const char *p = cells;

		for (j = 0; j < row->ncells; j++, p += strlen(p) + 1)
			rd->cellp[j] = p;
		if (mp_feed_fill_row(f, row, rd->fl, rd->cellp) != MP_OK)
			rd->rc = mp_error_set(rd->err, MP_ENOMEM,
			    "out of memory");
	}
out:
	rd->len = 0;
	rd->ncells = 0;
	rd->longest = 0;
	rd->nul = 0;
}

int
mp_feed_csv_read(struct mp_feed *f, const void *data, size_t len,
    const struct mp_feed_limits *lim, struct mp_error *err)
{
	return mp_feed_csv_read_fill(f, data, len, lim, NULL, err);
}

/* Rows to expect: the line count, so the row array and the duplicate
 * table are sized once (quoted newlines only make it larger). */
static size_t
estimate_rows(const char *s, size_t len, size_t max)
{
	const char *p = s, *e = s + len;
	size_t n = 1;

	while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		n++;
		p++;
	}
	return n < max ? n : max;
}

int
mp_feed_csv_read_fill(struct mp_feed *f, const void *data, size_t len,
    const struct mp_feed_limits *lim, struct mp_feed_fill *fl,
    struct mp_error *err)
{
	size_t est;
	struct mp_feed_limits dl;
	struct csv_parser p;
	struct reader rd;
	const char *s = data;

	if (lim == NULL) {
		mp_feed_limits_default(&dl);
		lim = &dl;
	}
	if (len > lim->max_bytes)
		return mp_error_set(err, MP_ELIMIT, "CSV of %zu bytes exceeds "
		    "%zu bytes (limit)", len, lim->max_bytes);
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	memset(&rd, 0, sizeof(rd));
	rd.f = f;
	rd.lim = lim;
	rd.err = err;
	rd.rc = MP_OK;
	rd.fl = fl;
	est = estimate_rows(s, len, lim->max_rows + 1);
	if (f->rows == NULL && (f->rows = malloc(est * sizeof(*f->rows)))
	    != NULL)
		f->cap = est;
	while (rd.hsize < 2 * est)
		rd.hsize = rd.hsize ? rd.hsize * 2 : 1024;
	rd.hash = calloc(rd.hsize, sizeof(*rd.hash));
	rd.hidx = calloc(rd.hsize, sizeof(*rd.hidx));
	rd.cellp = calloc(lim->max_columns + 2, sizeof(*rd.cellp));
	if (rd.hash == NULL || rd.hidx == NULL || rd.cellp == NULL ||
	    csv_init(&p, 0) != 0) {
		free(rd.hash);
		free(rd.hidx);
		free(rd.cellp);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	if (csv_parse(&p, s, len, on_field, on_row, &rd) != len &&
	    rd.rc == MP_OK)
		rd.rc = mp_error_set(err, MP_EINPUT, "CSV: %s",
		    csv_strerror(csv_error(&p)));
	if (rd.rc == MP_OK)
		csv_fini(&p, on_field, on_row, &rd);
	csv_free(&p);
	free(rd.buf);
	free(rd.hash);
	free(rd.hidx);
	free(rd.cellp);
	if (rd.rc != MP_OK)
		return rd.rc;
	if (!rd.header_done)
		return mp_error_set(err, MP_EINPUT, "CSV has no header row");
	return MP_OK;
}
