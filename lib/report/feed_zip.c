/*
 * feed_zip - the *.csv entries of a zip held in memory, with libzip
 *
 * Refused, naming the limit or the name: more entries than
 * max_zip_entries; an entry name with a path (/ or \ or ..), a NUL or a
 * control character, or not ending in .csv (directories are skipped);
 * a declared size over max_zip_size (all entries together) or a
 * declared ratio over max_zip_ratio; an encrypted entry. The bytes are
 * read in chunks and counted as they come, so a size that lies in the
 * header cannot get past the limit; libzip checks the CRC at the end.
 *
 * A feed's zip (mp_feed_load) is not unpacked into memory: every entry's
 * header is checked first (and a second .csv refuses the zip), then the
 * one .csv entry goes piece by piece (64 KiB) into the CSV reader, so a
 * table of 24 MB costs 64 KiB here. Its rows may have gone to a sink
 * before a damaged end (a CRC error) refuses the zip: the caller takes
 * them back (intake does, docs/feeds.md).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "feed_int.h"
#include "text.h"
#include "report_int.h"

/* Below this many bytes the ratio does not matter. */
#define RATIO_FLOOR	(64u * 1024)

void
mp_zip_entries_free(struct mp_zip_entry *e, size_t n)
{
	size_t i;

	for (i = 0; e != NULL && i < n; i++) {
		free(e[i].name);
		free(e[i].data);
	}
	free(e);
}

static int
name_ok(const char *name)
{
	const unsigned char *p;

	if (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strchr(name, '\\') != NULL || strstr(name, "..") != NULL ||
	    strchr(name, ':') != NULL)
		return 0;
	for (p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Where an entry's bytes go as they are unpacked: MP_OK or a code. */
typedef int (*zip_sink)(void *arg, const unsigned char *p, size_t n);

/*
 * Unpack entry i in pieces of `buf`'s size into `sink`, counting: more
 * than `max` bytes, or more than `ratio` times its compressed size
 * `comp` (past RATIO_FLOOR), refuses it whatever its header declared.
 * libzip checks the CRC after the last piece.
 */
static int
stream_entry(zip_t *z, zip_uint64_t i, size_t max, zip_uint64_t comp,
    unsigned ratio, const char *qname, unsigned char *buf, size_t bufsize,
    zip_sink sink, void *arg, size_t *total, struct mp_error *err)
{
	zip_file_t *zf;
	zip_int64_t n;
	int rc = MP_OK;

	*total = 0;
	if ((zf = zip_fopen_index(z, i, 0)) == NULL)
		return mp_error_set(err, MP_EINPUT, "zip entry \"%s\": %s",
		    qname, zip_error_strerror(zip_get_error(z)));
	for (;;) {
		n = zip_fread(zf, buf, bufsize);
		if (n < 0) {
			rc = mp_error_set(err, MP_EINPUT, "zip entry \"%s\": %s",
			    qname, zip_error_strerror(zip_file_get_error(zf)));
			break;
		}
		if (n == 0)
			break;
		if ((size_t)n > max - *total) {
			rc = mp_error_set(err, MP_ELIMIT, "zip entry \"%s\" "
			    "unpacks to more than %zu bytes (limit)", qname,
			    max);
			break;
		}
		*total += (size_t)n;
		if (*total > RATIO_FLOOR && *total > comp * ratio) {
			rc = mp_error_set(err, MP_ELIMIT, "zip entry \"%s\" "
			    "expands more than %u times (limit)", qname, ratio);
			break;
		}
		if ((rc = sink(arg, buf, (size_t)n)) != MP_OK)
			break;
	}
	zip_fclose(zf);
	return rc;
}

/* The growing copy mp_zip_read keeps of an entry. */
static int
to_entry(void *arg, const unsigned char *p, size_t n)
{
	struct mp_zip_entry *e = arg;
	size_t size;
	unsigned char *nb;

	if (e->len + n + 1 > e->size) {
		for (size = e->size ? e->size : 65536; size < e->len + n + 1;)
			size *= 2;
		if ((nb = realloc(e->data, size)) == NULL)
			return MP_ENOMEM;
		e->data = nb;
		e->size = size;
	}
	memcpy(e->data + e->len, p, n);
	e->len += n;
	e->data[e->len] = '\0';
	return MP_OK;
}

/*
 * The checks an entry's header allows, before a byte is unpacked:
 * MP_OK with *skip (a directory) or *comp (its compressed size, at least
 * 1); else refused. `total` is what the entries before it declared.
 */
static int
check_entry(zip_t *z, zip_uint64_t i, const struct mp_feed_limits *lim,
    size_t total, zip_stat_t *st, int *skip, zip_uint64_t *comp, char *q,
    size_t qsize, struct mp_error *err)
{
	size_t nl;

	*skip = 0;
	zip_stat_init(st);
	if (zip_stat_index(z, i, 0, st) != 0 || st->name == NULL ||
	    !(st->valid & ZIP_STAT_SIZE))
		return mp_error_set(err, MP_EINPUT, "zip entry %llu "
		    "unreadable", (unsigned long long)i);
	mp_rpt_quote(st->name, q, qsize);
	nl = strlen(st->name);
	if (nl > 0 && st->name[nl - 1] == '/' && st->size == 0 &&
	    strchr(st->name, '/') == st->name + nl - 1) {
		*skip = 1;	/* a directory */
		return MP_OK;
	}
	if (!name_ok(st->name))
		return mp_error_set(err, MP_EINPUT, "zip entry name "
		    "\"%s\" has a path or control characters", q);
	if (!mp_text_ends_with(st->name, ".csv"))
		return mp_error_set(err, MP_EINPUT, "zip entry \"%s\" "
		    "is not a .csv file", q);
	if ((st->valid & ZIP_STAT_ENCRYPTION_METHOD) &&
	    st->encryption_method != ZIP_EM_NONE)
		return mp_error_set(err, MP_EINPUT, "zip entry \"%s\" "
		    "is encrypted", q);
	if (st->size > lim->max_zip_size - total)
		return mp_error_set(err, MP_ELIMIT, "zip unpacks to more "
		    "than %zu bytes (limit)", lim->max_zip_size);
	*comp = (st->valid & ZIP_STAT_COMP_SIZE) && st->comp_size > 0 ?
	    st->comp_size : 1;
	if (st->size > RATIO_FLOOR && st->size / *comp > lim->max_zip_ratio)
		return mp_error_set(err, MP_ELIMIT, "zip entry \"%s\" "
		    "expands %llu times, more than %u (limit)", q,
		    (unsigned long long)(st->size / *comp),
		    lim->max_zip_ratio);
	return MP_OK;
}

/* The zip in memory, opened; NULL with err. */
static zip_t *
open_zip(const void *data, size_t len, struct mp_error *err)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *z;

	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(data, len, 0, &ze)) == NULL) {
		zip_error_fini(&ze);
		mp_error_set(err, MP_ENOMEM, "out of memory");
		return NULL;
	}
	if ((z = zip_open_from_source(src, ZIP_RDONLY, &ze)) == NULL) {
		mp_error_set(err, MP_EINPUT, "not a zip file: %s",
		    zip_error_strerror(&ze));
		zip_source_free(src);
	}
	zip_error_fini(&ze);
	return z;
}

/* The number of entries, within the limit; -1 with err. */
static zip_int64_t
entries(zip_t *z, const struct mp_feed_limits *lim, struct mp_error *err)
{
	zip_int64_t n = zip_get_num_entries(z, 0);

	if (n < 0 || (zip_uint64_t)n > lim->max_zip_entries) {
		mp_error_set(err, MP_ELIMIT, "zip holds %lld entries, more "
		    "than %zu (limit)", (long long)n, lim->max_zip_entries);
		return -1;
	}
	return n;
}

int
mp_zip_read(const void *data, size_t len, const struct mp_feed_limits *lim,
    struct mp_zip_entry **out, size_t *nout, struct mp_error *err)
{
	struct mp_feed_limits dl;
	struct mp_zip_entry *es = NULL;
	unsigned char *buf = NULL;
	zip_t *z;
	zip_int64_t n;
	zip_uint64_t i, comp;
	size_t ne = 0, total = 0, got;
	char q[80];
	int rc = MP_OK, skip;

	*out = NULL;
	*nout = 0;
	if (lim == NULL) {
		mp_feed_limits_default(&dl);
		lim = &dl;
	}
	if ((z = open_zip(data, len, err)) == NULL)
		return err->code;
	if ((n = entries(z, lim, err)) < 0) {
		zip_discard(z);
		return MP_ELIMIT;
	}
	if ((n > 0 && (es = calloc((size_t)n, sizeof(*es))) == NULL) ||
	    (buf = malloc(65536)) == NULL) {
		free(es);
		zip_discard(z);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	for (i = 0; i < (zip_uint64_t)n && rc == MP_OK; i++) {
		zip_stat_t st;

		if ((rc = check_entry(z, i, lim, total, &st, &skip, &comp, q,
		    sizeof(q), err)) != MP_OK || skip)
			continue;
		if ((es[ne].name = strdup(st.name)) == NULL) {
			rc = mp_error_set(err, MP_ENOMEM, "out of memory");
			break;
		}
		rc = stream_entry(z, i, lim->max_zip_size - total, comp,
		    lim->max_zip_ratio, q, buf, 65536, to_entry, &es[ne], &got,
		    err);
		if (rc == MP_ENOMEM)
			mp_error_set(err, MP_ENOMEM, "out of memory");
		if (rc == MP_OK && es[ne].data == NULL &&
		    (es[ne].data = calloc(1, 1)) == NULL)
			rc = mp_error_set(err, MP_ENOMEM, "out of memory");
		total += es[ne].len;
		ne++;
	}
	free(buf);
	zip_discard(z);
	if (rc != MP_OK) {
		mp_zip_entries_free(es, ne);
		return rc;
	}
	if (ne == 0) {
		free(es);
		return mp_error_set(err, MP_EINPUT, "zip holds no .csv file");
	}
	*out = es;
	*nout = ne;
	return MP_OK;
}

static int
to_csv(void *arg, const unsigned char *p, size_t n)
{
	return mp_feed_csv_push(arg, p, n);
}

/*
 * The zip's one *.csv entry, unpacked piece by piece into the CSV reader:
 * the table is never held whole. Every entry's header is checked before
 * a byte is unpacked (names, sizes, ratios, a second .csv).
 */
static int
load_zip(struct mp_feed *f, const void *data, size_t len,
    const struct mp_feed_limits *lim, struct mp_feed_fill *fl,
    struct mp_error *err)
{
	struct mp_feed_limits dl;
	struct mp_feed_csv *rd = NULL;
	unsigned char *buf = NULL;
	zip_t *z;
	zip_int64_t n;
	zip_uint64_t i, csv = 0, comp = 1, c;
	size_t ncsv = 0, total = 0, got;
	char q[80], first[80];
	int rc = MP_OK, skip;

	if (lim == NULL) {
		mp_feed_limits_default(&dl);
		lim = &dl;
	}
	if ((z = open_zip(data, len, err)) == NULL)
		return err->code;
	if ((n = entries(z, lim, err)) < 0) {
		zip_discard(z);
		return MP_ELIMIT;
	}
	first[0] = '\0';
	for (i = 0; i < (zip_uint64_t)n && rc == MP_OK; i++) {
		zip_stat_t st;

		if ((rc = check_entry(z, i, lim, total, &st, &skip, &c, q,
		    sizeof(q), err)) != MP_OK || skip)
			continue;
		total += (size_t)st.size;
		if (ncsv++ == 0) {
			csv = i;
			comp = c;
			snprintf(first, sizeof(first), "%s", q);
			if ((f->entry = mp_fa_strdup(f, st.name)) == NULL)
				rc = mp_error_set(err, MP_ENOMEM,
				    "out of memory");
		} else
			rc = mp_error_set(err, MP_EINPUT, "zip holds more than "
			    "one .csv file (\"%s\")", q);
	}
	if (rc == MP_OK && ncsv == 0)
		rc = mp_error_set(err, MP_EINPUT, "zip holds no .csv file");
	if (rc == MP_OK && (buf = malloc(65536)) == NULL)
		rc = mp_error_set(err, MP_ENOMEM, "out of memory");
	if (rc == MP_OK)
		rc = mp_feed_csv_begin(f, lim, fl, 0, &rd, err);
	if (rc == MP_OK) {
		rc = stream_entry(z, csv, lim->max_zip_size, comp,
		    lim->max_zip_ratio, first, buf, 65536, to_csv, rd, &got,
		    err);
		if (rc == MP_OK)
			rc = mp_feed_csv_end(&rd);
		mp_feed_csv_free(&rd);
	}
	free(buf);
	zip_discard(z);
	return rc;
}

int
mp_feed_load(struct mp_feed *f, const char *filename, const void *data,
    size_t len, const struct mp_feed_limits *lim, struct mp_feed_fill *fl,
    struct mp_error *err)
{
	if (!(len >= 4 && memcmp(data, "PK\003\004", 4) == 0) &&
	    !mp_text_ends_with(filename, ".zip"))
		return mp_feed_csv_read_fill(f, data, len, lim, fl, err);
	return load_zip(f, data, len, lim, fl, err);
}
