/*
 * feed_csv - CSV text into a feed's header and raw rows, with libcsv
 *
 * libcsv (lenient mode) does the quoting: quoted commas, doubled quotes,
 * newlines inside quotes, CRLF; a stray quote inside a quoted field is
 * taken literally. Here: the limits, the BOM, and a state for every
 * row - a cell too long, a column count unlike the header's, the header
 * repeated, an exact duplicate of an earlier row each make the row
 * invalid with that reason. Nothing is dropped; blank lines are no rows.
 *
 * libcsv is a push parser, and so is this reader: the text comes whole
 * (mp_feed_csv_read_fill) or in pieces as a zip entry is unpacked
 * (mp_feed_csv_begin, _push, _end), so an unpacked table need never be
 * held whole. Each row is handled as soon as it is read: kept in
 * f->rows (its cells copied into the arena), or, when the feed has a
 * sink (feed.h), handed to the sink and forgotten -- all the reader then
 * keeps of it is its entry in the duplicate table (8 + 8 bytes).
 *
 * Duplicates: a row's packed cells (each NUL-terminated, so the cell
 * boundaries count) are hashed to 96 bits; a row whose hash equals an
 * earlier valid row's is that row's duplicate. Two different rows of a
 * table of a million have one chance in about 10^17 to be taken for
 * each other; comparing the bytes would mean keeping every row.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "feed_int.h"

/* The rest of a duplicate table entry: looked at only when h matches. */
struct dup_more {
	uint32_t h2;
	uint32_t line;
};

struct mp_feed_csv {
	struct mp_feed *f;
	struct mp_feed_limits lim;
	struct csv_parser p;
	int parser_ready;
	char *buf;		/* the current row's cells, NUL-separated */
	size_t len, size;
	size_t *off;		/* where each kept cell starts in buf */
	size_t ncells;
	size_t longest;		/* longest cell of the row */
	int nul;		/* a cell of the row held a NUL byte */
	int header_done;
	const char *header;	/* packed header cells, for repeats */
	size_t header_len;
	/* duplicates: open addressing over the rows' hashes (0: empty), a
	 * power of two; a probe reads 8 bytes a slot, so 100,000 rows'
	 * table (2 MB) stays in a core's cache */
	uint64_t *dup;
	struct dup_more *dmore;
	size_t dsize, dused;
	int rc;
	struct mp_error *err;
	struct mp_feed_fill *fl;	/* fills rows as they come, or NULL */
	const char **cellp;		/* the current row's cells, for fl */
	size_t bytes;		/* pushed so far, BOM included */
	size_t nbom;		/* bytes of a BOM matched at the start */
	int started;		/* past the BOM (or its absence) */
	struct mp_feed_row cur;	/* the row being read, with a sink */
};

static const unsigned char bom[3] = { 0xef, 0xbb, 0xbf };

/*
 * 96 bits of a row's packed cells: two 64-bit lanes over 8-byte words,
 * each a multiply and a shift, mixed at the end. Not for an adversary (a
 * reporter who wants a row out of its notification can leave it out),
 * only to tell rows apart.
 */
static inline uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static void
row_hash(const char *p, size_t n, uint64_t *h, uint32_t *h2)
{
	uint64_t a = 0x9e3779b97f4a7c15ULL ^ n, b = 0x632be59bd9b4e019ULL + n;
	uint64_t w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		a = (a ^ w) * 0x87c37b91114253d5ULL;
		a ^= a >> 29;
		b = (b + w) * 0x4cf5ad432745937fULL;
		b ^= b >> 31;
	}
	w = 0;
	memcpy(&w, p, n);
	a = mix(a ^ w);
	b = mix(b + (w ^ 0xa0761d6478bd642fULL));
	*h = a ^ (b >> 17);
	*h2 = (uint32_t)(b ^ (a >> 7));
}

static int
grow_dup(struct mp_feed_csv *rd)
{
	size_t nsize = rd->dsize ? rd->dsize * 2 : 1024, i, j;
	uint64_t *nd = calloc(nsize, sizeof(*nd));
	struct dup_more *nm = malloc(nsize * sizeof(*nm));

	if (nd == NULL || nm == NULL) {
		free(nd);
		free(nm);
		return -1;
	}
	for (i = 0; i < rd->dsize; i++) {
		if (rd->dup[i] == 0)
			continue;
		for (j = rd->dup[i] & (nsize - 1); nd[j] != 0;
		    j = (j + 1) & (nsize - 1))
			;
		nd[j] = rd->dup[i];
		nm[j] = rd->dmore[i];
	}
	free(rd->dup);
	free(rd->dmore);
	rd->dup = nd;
	rd->dmore = nm;
	rd->dsize = nsize;
	return 0;
}

/*
 * memcpy, without a call for the short cells most are (a Shadowserver
 * row has 38 of them, half empty): two 8- or 4-byte moves that may
 * overlap, all within the n bytes.
 */
static inline void
copy_cell(char *d, const char *s, size_t n)
{
	uint64_t a, b;
	uint32_t x, y;

	if (n > 16)
		memcpy(d, s, n);
	else if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		memcpy(d, &x, 4);
		memcpy(d + n - 4, &y, 4);
	} else
		while (n-- > 0)
			*d++ = *s++;
}

static int
put(struct mp_feed_csv *rd, const char *p, size_t n)
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
	rd->off[rd->ncells] = rd->len;
	copy_cell(rd->buf + rd->len, p, n);
	rd->len += n;
	rd->buf[rd->len++] = '\0';
	return 0;
}

/* NUL bytes in p[0..n), counted a word at a time. */
static size_t
zeros(const char *p, size_t n)
{
	const uint64_t lo = 0x7f7f7f7f7f7f7f7fULL;
	uint64_t w, y;
	size_t z = 0;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		/* the high bit of each byte that is 0, exactly; then the
		 * bits summed by a multiply (no popcount instruction needed) */
		y = ~(((w & lo) + lo) | w | lo) >> 7;
		z += (size_t)((y * 0x0101010101010101ULL) >> 56);
	}
	for (; n > 0; p++, n--)
		z += *p == '\0';
	return z;
}

/*
 * Cells are NUL-terminated: a NUL inside one becomes '?' and makes the
 * row invalid. One count over the row finds whether there is any; only
 * then is each cell looked at.
 */
static void
check_nul(struct mp_feed_csv *rd, size_t kept)
{
	size_t j, end;
	char *z;

	if (zeros(rd->buf, rd->len) == kept)
		return;
	for (j = 0; j < kept; j++) {
		end = j + 1 < kept ? rd->off[j + 1] - 1 : rd->len - 1;
		while ((z = memchr(rd->buf + rd->off[j], '\0', end -
		    rd->off[j])) != NULL) {
			*z = '?';
			rd->nul = 1;
		}
	}
}

static void
on_field(void *s, size_t n, void *data)
{
	struct mp_feed_csv *rd = data;

	if (rd->rc != MP_OK)
		return;
	if (n > rd->longest)
		rd->longest = n;
	/* Keep at most max_field bytes of a cell; the row turns invalid. */
	if (n > rd->lim.max_field)
		n = rd->lim.max_field;
	if (rd->ncells > rd->lim.max_columns) {
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
header(struct mp_feed_csv *rd)
{
	struct mp_feed *f = rd->f;
	const char *p;
	char *h;
	size_t i;
	int rc;

	if (rd->ncells > rd->lim.max_columns)
		return mp_error_set(rd->err, MP_ELIMIT, "CSV header has "
		    "more than %zu columns (limit)", rd->lim.max_columns);
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
	if (rd->fl != NULL && rd->fl->header != NULL &&
	    (rc = rd->fl->header(f, rd->fl, rd->err)) != MP_OK)
		return rc;
	if (f->sink != NULL && f->sink->begin != NULL)
		return f->sink->begin(f->sink->arg, f, f->item, rd->err);
	return MP_OK;
}

/* The row's slot in f->rows (growing it), or NULL with rd->rc set. */
static struct mp_feed_row *
new_row(struct mp_feed_csv *rd)
{
	struct mp_feed *f = rd->f;

	if (f->sink != NULL)
		return &rd->cur;
	if (f->nrows == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 64;
		struct mp_feed_row *nr = realloc(f->rows, ncap * sizeof(*nr));

		if (nr == NULL) {
			rd->rc = mp_error_set(rd->err, MP_ENOMEM,
			    "out of memory");
			return NULL;
		}
		f->rows = nr;
		f->cap = ncap;
	}
	return &f->rows[f->nrows];
}

/* Whether the row is an earlier valid row again (then *first is its
 * line); enters it otherwise. -1: no memory. */
static int
duplicate(struct mp_feed_csv *rd, const char *cells, size_t len,
    size_t line, size_t *first)
{
	uint64_t h;
	uint32_t h2;
	size_t j;

	row_hash(cells, len, &h, &h2);
	if (h == 0)
		h = 1;
	if (rd->dused * 2 >= rd->dsize && grow_dup(rd) != 0)
		return -1;
	for (j = h & (rd->dsize - 1); rd->dup[j] != 0;
	    j = (j + 1) & (rd->dsize - 1))
		if (rd->dup[j] == h && rd->dmore[j].h2 == h2) {
			*first = rd->dmore[j].line;
			return 1;
		}
	rd->dup[j] = h;
	rd->dmore[j].h2 = h2;
	rd->dmore[j].line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	rd->dused++;
	return 0;
}

static void
on_row(int c, void *data)
{
	struct mp_feed_csv *rd = data;
	struct mp_feed *f = rd->f;
	struct mp_feed_row *row;
	size_t j, first, kept;
	char *cells;
	int d;

	(void)c;
	if (rd->rc != MP_OK)
		goto out;
	/* A line holding one empty cell is a blank line, not a row. */
	if (rd->ncells == 1 && rd->len == 1)
		goto out;
	kept = rd->ncells > rd->lim.max_columns + 1 ?
	    rd->lim.max_columns + 1 : rd->ncells;
	check_nul(rd, kept);
	if (!rd->header_done) {
		rd->rc = header(rd);
		goto out;
	}
	if (f->nrows >= rd->lim.max_rows) {
		rd->rc = mp_error_set(rd->err, MP_ELIMIT, "CSV has more than "
		    "%zu rows (limit)", rd->lim.max_rows);
		goto out;
	}
	if ((row = new_row(rd)) == NULL)
		goto out;
	f->nrows++;
	memset(row, 0, sizeof(*row));
	row->line = f->nrows;
	row->state = MP_ROW_VALID;
	f->nvalid++;
	if (f->sink != NULL) {
		/* Only while the sink has the row: its strings go into the
		 * scratch arena, emptied after each row. */
		cells = rd->buf;
		f->scratch = 1;
	} else if ((cells = mp_fa_alloc(f, rd->len)) == NULL) {
		rd->rc = mp_error_set(rd->err, MP_ENOMEM, "out of memory");
		goto out;
	} else
		memcpy(cells, rd->buf, rd->len);
	row->cells = cells;
	row->cells_len = rd->len;
	row->ncells = kept;

	if (rd->longest > rd->lim.max_field)
		mp_feed_invalid(f, row, mp_fa_printf(f, "a cell of %zu bytes "
		    "(limit %zu)", rd->longest, rd->lim.max_field));
	else if (rd->nul)
		mp_feed_invalid(f, row, "a cell holds a NUL byte");
	else if (rd->ncells != f->ncolumns)
		mp_feed_invalid(f, row, mp_fa_printf(f, "%zu columns, the "
		    "header has %zu", rd->ncells, f->ncolumns));
	else if (rd->len == rd->header_len &&
	    memcmp(rd->buf, rd->header, rd->len) == 0)
		mp_feed_invalid(f, row, "header repeated");
	else if ((d = duplicate(rd, rd->buf, rd->len, row->line, &first)) < 0) {
		rd->rc = mp_error_set(rd->err, MP_ENOMEM, "out of memory");
		goto done;
	} else if (d > 0)
		mp_feed_invalid(f, row, mp_fa_printf(f, "duplicate of row %zu",
		    first));
	if (rd->fl != NULL || f->sink != NULL)
		for (j = 0; j < row->ncells; j++)
			rd->cellp[j] = cells + rd->off[j];
	if (row->state == MP_ROW_VALID) {
		if (rd->fl != NULL && mp_feed_fill_row(f, row, rd->fl,
		    rd->cellp) != MP_OK) {
			rd->rc = mp_error_set(rd->err, MP_ENOMEM,
			    "out of memory");
			goto done;
		}
	}
	/* an invalid row's cells are given too (the sink may list them) */
	if (f->sink != NULL && f->sink->row != NULL)
		rd->rc = f->sink->row(f->sink->arg, f, f->item, row, rd->cellp,
		    rd->err);
done:
	if (f->scratch) {
		f->scratch = 0;
		mp_fa_scratch_reset(f);
	}
out:
	rd->len = 0;
	rd->ncells = 0;
	rd->longest = 0;
	rd->nul = 0;
}

void
mp_feed_csv_free(struct mp_feed_csv **rdp)
{
	struct mp_feed_csv *rd = *rdp;

	*rdp = NULL;
	if (rd == NULL)
		return;
	if (rd->parser_ready)
		csv_free(&rd->p);
	free(rd->buf);
	free(rd->off);
	free(rd->dup);
	free(rd->dmore);
	free(rd->cellp);
	free(rd);
}

int
mp_feed_csv_begin(struct mp_feed *f, const struct mp_feed_limits *lim,
    struct mp_feed_fill *fl, size_t est_rows, struct mp_feed_csv **out,
    struct mp_error *err)
{
	struct mp_feed_csv *rd;

	*out = NULL;
	if ((rd = calloc(1, sizeof(*rd))) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	if (lim == NULL)
		mp_feed_limits_default(&rd->lim);
	else
		rd->lim = *lim;
	rd->f = f;
	rd->err = err;
	rd->rc = MP_OK;
	rd->fl = fl;
	if (est_rows > rd->lim.max_rows + 1)
		est_rows = rd->lim.max_rows + 1;
	if (f->sink == NULL && f->rows == NULL && est_rows > 0 &&
	    (f->rows = malloc(est_rows * sizeof(*f->rows))) != NULL)
		f->cap = est_rows;
	while (rd->dsize < 2 * est_rows)
		rd->dsize = rd->dsize ? rd->dsize * 2 : 1024;
	if (rd->dsize == 0)
		rd->dsize = 1024;
	rd->dup = calloc(rd->dsize, sizeof(*rd->dup));
	rd->dmore = malloc(rd->dsize * sizeof(*rd->dmore));
	rd->cellp = calloc(rd->lim.max_columns + 2, sizeof(*rd->cellp));
	rd->off = calloc(rd->lim.max_columns + 2, sizeof(*rd->off));
	if (rd->dup == NULL || rd->dmore == NULL || rd->cellp == NULL ||
	    rd->off == NULL ||
	    csv_init(&rd->p, 0) != 0) {
		mp_feed_csv_free(&rd);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	rd->parser_ready = 1;
	*out = rd;
	return MP_OK;
}

static int
parse(struct mp_feed_csv *rd, const char *s, size_t len)
{
	if (csv_parse(&rd->p, s, len, on_field, on_row, rd) != len &&
	    rd->rc == MP_OK)
		rd->rc = mp_error_set(rd->err, MP_EINPUT, "CSV: %s",
		    csv_strerror(csv_error(&rd->p)));
	return rd->rc;
}

int
mp_feed_csv_push(struct mp_feed_csv *rd, const void *data, size_t len)
{
	const char *s = data;

	if (rd->rc != MP_OK)
		return rd->rc;
	if (len > rd->lim.max_bytes - rd->bytes)
		return rd->rc = mp_error_set(rd->err, MP_ELIMIT, "CSV of more "
		    "than %zu bytes (limit)", rd->lim.max_bytes);
	rd->bytes += len;
	/* A UTF-8 BOM at the very start is skipped, even one cut in two. */
	while (!rd->started && len > 0) {
		if ((unsigned char)*s != bom[rd->nbom]) {
			rd->started = 1;
			if (rd->nbom > 0 && parse(rd, (const char *)bom,
			    rd->nbom) != MP_OK)
				return rd->rc;
			break;
		}
		s++;
		len--;
		if (++rd->nbom == sizeof(bom))
			rd->started = 1;
	}
	if (len == 0)
		return rd->rc;
	return parse(rd, s, len);
}

int
mp_feed_csv_end(struct mp_feed_csv **rdp)
{
	struct mp_feed_csv *rd = *rdp;
	int rc;

	if (rd->rc == MP_OK && !rd->started && rd->nbom > 0) {
		rd->started = 1;
		(void)parse(rd, (const char *)bom, rd->nbom);
	}
	if (rd->rc == MP_OK)
		csv_fini(&rd->p, on_field, on_row, rd);
	if (rd->rc == MP_OK && !rd->header_done)
		rd->rc = mp_error_set(rd->err, MP_EINPUT, "CSV has no header "
		    "row");
	rc = rd->rc;
	mp_feed_csv_free(rdp);
	return rc;
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
estimate_rows(const char *s, size_t len)
{
	const char *p = s, *e = s + len;
	size_t n = 1;

	while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

int
mp_feed_csv_read_fill(struct mp_feed *f, const void *data, size_t len,
    const struct mp_feed_limits *lim, struct mp_feed_fill *fl,
    struct mp_error *err)
{
	struct mp_feed_limits dl;
	struct mp_feed_csv *rd;
	int rc;

	if (lim == NULL) {
		mp_feed_limits_default(&dl);
		lim = &dl;
	}
	if (len > lim->max_bytes)
		return mp_error_set(err, MP_ELIMIT, "CSV of %zu bytes exceeds "
		    "%zu bytes (limit)", len, lim->max_bytes);
	if ((rc = mp_feed_csv_begin(f, lim, fl, estimate_rows(data, len), &rd,
	    err)) != MP_OK)
		return rc;
	if (mp_feed_csv_push(rd, data, len) != MP_OK) {
		rc = rd->rc;
		mp_feed_csv_free(&rd);
		return rc;
	}
	return mp_feed_csv_end(&rd);
}
