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
 */
#include "config.h"

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

static int
read_entry(zip_t *z, zip_uint64_t i, size_t max, struct mp_zip_entry *e,
    const char *qname, struct mp_error *err)
{
	zip_file_t *zf;
	zip_int64_t n;
	size_t size = 65536;
	unsigned char *p;

	if ((zf = zip_fopen_index(z, i, 0)) == NULL)
		return mp_error_set(err, MP_EINPUT, "zip entry \"%s\": %s",
		    qname, zip_error_strerror(zip_get_error(z)));
	if ((e->data = malloc(size + 1)) == NULL) {
		zip_fclose(zf);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	for (;;) {
		if (e->len == size) {
			if (size > max) {
				zip_fclose(zf);
				return mp_error_set(err, MP_ELIMIT, "zip entry "
				    "\"%s\" unpacks to more than %zu bytes "
				    "(limit)", qname, max);
			}
			size *= 2;
			if ((p = realloc(e->data, size + 1)) == NULL) {
				zip_fclose(zf);
				return mp_error_set(err, MP_ENOMEM,
				    "out of memory");
			}
			e->data = p;
		}
		n = zip_fread(zf, e->data + e->len, size - e->len);
		if (n < 0) {
			mp_error_set(err, MP_EINPUT, "zip entry \"%s\": %s",
			    qname, zip_error_strerror(zip_file_get_error(zf)));
			zip_fclose(zf);
			return MP_EINPUT;
		}
		if (n == 0)
			break;
		e->len += (size_t)n;
		if (e->len > max) {
			zip_fclose(zf);
			return mp_error_set(err, MP_ELIMIT, "zip entry \"%s\" "
			    "unpacks to more than %zu bytes (limit)", qname,
			    max);
		}
	}
	e->data[e->len] = '\0';
	zip_fclose(zf);
	return MP_OK;
}

int
mp_zip_read(const void *data, size_t len, const struct mp_feed_limits *lim,
    struct mp_zip_entry **out, size_t *nout, struct mp_error *err)
{
	struct mp_feed_limits dl;
	struct mp_zip_entry *es = NULL;
	zip_error_t ze;
	zip_source_t *src;
	zip_t *z;
	zip_int64_t n;
	zip_uint64_t i;
	size_t ne = 0, total = 0;
	char q[80];
	int rc = MP_OK;

	*out = NULL;
	*nout = 0;
	if (lim == NULL) {
		mp_feed_limits_default(&dl);
		lim = &dl;
	}
	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(data, len, 0, &ze)) == NULL) {
		zip_error_fini(&ze);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	if ((z = zip_open_from_source(src, ZIP_RDONLY, &ze)) == NULL) {
		rc = mp_error_set(err, MP_EINPUT, "not a zip file: %s",
		    zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		return rc;
	}
	zip_error_fini(&ze);
	n = zip_get_num_entries(z, 0);
	if (n < 0 || (zip_uint64_t)n > lim->max_zip_entries) {
		zip_discard(z);
		return mp_error_set(err, MP_ELIMIT, "zip holds %lld entries, "
		    "more than %zu (limit)", (long long)n,
		    lim->max_zip_entries);
	}
	if (n > 0 && (es = calloc((size_t)n, sizeof(*es))) == NULL) {
		zip_discard(z);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	for (i = 0; i < (zip_uint64_t)n && rc == MP_OK; i++) {
		zip_stat_t st;
		zip_uint64_t comp;
		size_t nl;

		zip_stat_init(&st);
		if (zip_stat_index(z, i, 0, &st) != 0 || st.name == NULL ||
		    !(st.valid & ZIP_STAT_SIZE)) {
			rc = mp_error_set(err, MP_EINPUT, "zip entry %llu "
			    "unreadable", (unsigned long long)i);
			break;
		}
		mp_rpt_quote(st.name, q, sizeof(q));
		nl = strlen(st.name);
		if (nl > 0 && st.name[nl - 1] == '/' && st.size == 0 &&
		    strchr(st.name, '/') == st.name + nl - 1)
			continue;	/* a directory */
		if (!name_ok(st.name)) {
			rc = mp_error_set(err, MP_EINPUT, "zip entry name "
			    "\"%s\" has a path or control characters", q);
			break;
		}
		if (!mp_text_ends_with(st.name, ".csv")) {
			rc = mp_error_set(err, MP_EINPUT, "zip entry \"%s\" "
			    "is not a .csv file", q);
			break;
		}
		if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
		    st.encryption_method != ZIP_EM_NONE) {
			rc = mp_error_set(err, MP_EINPUT, "zip entry \"%s\" "
			    "is encrypted", q);
			break;
		}
		if (st.size > lim->max_zip_size - total) {
			rc = mp_error_set(err, MP_ELIMIT, "zip unpacks to more "
			    "than %zu bytes (limit)", lim->max_zip_size);
			break;
		}
		comp = (st.valid & ZIP_STAT_COMP_SIZE) && st.comp_size > 0 ?
		    st.comp_size : 1;
		if (st.size > RATIO_FLOOR && st.size / comp >
		    lim->max_zip_ratio) {
			rc = mp_error_set(err, MP_ELIMIT, "zip entry \"%s\" "
			    "expands %llu times, more than %u (limit)", q,
			    (unsigned long long)(st.size / comp),
			    lim->max_zip_ratio);
			break;
		}
		if ((es[ne].name = strdup(st.name)) == NULL) {
			rc = mp_error_set(err, MP_ENOMEM, "out of memory");
			break;
		}
		rc = read_entry(z, i, lim->max_zip_size - total, &es[ne], q,
		    err);
		if (rc == MP_OK && es[ne].len > (size_t)(comp *
		    lim->max_zip_ratio) && es[ne].len > RATIO_FLOOR)
			rc = mp_error_set(err, MP_ELIMIT, "zip entry \"%s\" "
			    "expands more than %u times (limit)", q,
			    lim->max_zip_ratio);
		total += es[ne].len;
		ne++;
	}
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

int
mp_feed_load(struct mp_feed *f, const char *filename, const void *data,
    size_t len, const struct mp_feed_limits *lim, struct mp_feed_fill *fl,
    struct mp_error *err)
{
	struct mp_zip_entry *es;
	size_t ne;
	int rc;

	if (!(len >= 4 && memcmp(data, "PK\003\004", 4) == 0) &&
	    !mp_text_ends_with(filename, ".zip"))
		return mp_feed_csv_read_fill(f, data, len, lim, fl, err);
	if ((rc = mp_zip_read(data, len, lim, &es, &ne, err)) != MP_OK)
		return rc;
	if (ne > 1) {
		char q[80];

		mp_rpt_quote(es[1].name, q, sizeof(q));
		mp_zip_entries_free(es, ne);
		return mp_error_set(err, MP_EINPUT, "zip holds more than one "
		    ".csv file (\"%s\")", q);
	}
	if ((f->entry = mp_fa_strdup(f, es[0].name)) == NULL)
		rc = mp_error_set(err, MP_ENOMEM, "out of memory");
	else
		rc = mp_feed_csv_read_fill(f, es[0].data, es[0].len, lim, fl,
		    err);
	mp_zip_entries_free(es, ne);
	return rc;
}
