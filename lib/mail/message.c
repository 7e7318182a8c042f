/*
 * message - see message.h
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "message.h"

struct mp_message {
	GMimeMessage *mime;
	size_t size;
	struct mp_part *parts;
	size_t nparts;
	size_t cap;
	struct mp_message_limits lim;
};

void
mp_message_limits_default(struct mp_message_limits *lim)
{
	lim->max_size = MP_MESSAGE_MAX_SIZE;
	lim->max_depth = MP_MESSAGE_MAX_DEPTH;
	lim->max_parts = MP_MESSAGE_MAX_PARTS;
	lim->max_header = MP_MESSAGE_MAX_HEADER;
	lim->max_headers = MP_MESSAGE_MAX_HEADERS;
}

/*
 * A cheap bound before GMime sees the bytes: every entity that can nest
 * needs a Content-Type line of its own, so counting them bounds both the
 * part count and the depth GMime will build (and later free, recursively).
 * Lines of body text that merely start with "Content-Type" are counted
 * too, hence the generous factor.
 */
static int
prescan(const char *p, size_t len, const struct mp_message_limits *lim,
    struct mp_error *err)
{
	static const char ct[] = "content-type";
	size_t i = 0, count = 0, bound = (size_t)lim->max_parts * 4 + 16;

	while (i < len) {
		if (len - i >= sizeof(ct) - 1 &&
		    strncasecmp(p + i, ct, sizeof(ct) - 1) == 0 && ++count > bound)
			return mp_error_set(err, MP_ELIMIT,
			    "more than %u MIME parts (limit)", lim->max_parts);
		{
			const char *nl = memchr(p + i, '\n', len - i);

			if (nl == NULL)
				break;
			i = (size_t)(nl - p) + 1;
		}
	}
	return MP_OK;
}

static int
check_headers(const struct mp_message *m, GMimeObject *obj,
    struct mp_error *err)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int i, n;

	if (hl == NULL)
		return MP_OK;
	n = g_mime_header_list_get_count(hl);
	if (n < 0 || (unsigned)n > m->lim.max_headers)
		return mp_error_set(err, MP_ELIMIT,
		    "more than %u header fields in one MIME entity (limit)",
		    m->lim.max_headers);
	for (i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		const char *raw = g_mime_header_get_raw_value(h);
		size_t len = (name ? strlen(name) : 0) + (raw ? strlen(raw) : 0);

		if (len > m->lim.max_header)
			return mp_error_set(err, MP_ELIMIT,
			    "header field %.64s is %zu bytes long, more than %zu (limit)",
			    name ? name : "?", len, m->lim.max_header);
	}
	return MP_OK;
}

static int
add_part(struct mp_message *m, GMimeObject *obj, unsigned depth,
    int embedded, struct mp_error *err)
{
	if (m->nparts >= m->lim.max_parts)
		return mp_error_set(err, MP_ELIMIT,
		    "more than %u MIME parts (limit)", m->lim.max_parts);
	if (m->nparts == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct mp_part *p = realloc(m->parts, cap * sizeof(*p));

		if (p == NULL)
			return mp_error_set(err, MP_ENOMEM, "out of memory");
		m->parts = p;
		m->cap = cap;
	}
	m->parts[m->nparts].obj = obj;
	m->parts[m->nparts].depth = depth;
	m->parts[m->nparts].embedded = embedded;
	m->nparts++;
	return MP_OK;
}

/* Depth-first, recursion bounded by max_depth. */
static int
walk(struct mp_message *m, GMimeObject *obj, unsigned depth, int embedded,
    struct mp_error *err)
{
	int rc;

	if (depth > m->lim.max_depth)
		return mp_error_set(err, MP_ELIMIT,
		    "MIME parts nested more than %u deep (limit)",
		    m->lim.max_depth);
	if ((rc = check_headers(m, obj, err)) != MP_OK ||
	    (rc = add_part(m, obj, depth, embedded, err)) != MP_OK)
		return rc;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int i, n = g_mime_multipart_get_count(mp);

		for (i = 0; i < n; i++) {
			rc = walk(m, g_mime_multipart_get_part(mp, i), depth + 1,
			    embedded, err);
			if (rc != MP_OK)
				return rc;
		}
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner =
		    g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		GMimeObject *body;

		if (inner == NULL)
			return MP_OK;
		if ((rc = check_headers(m, GMIME_OBJECT(inner), err)) != MP_OK)
			return rc;
		if ((body = g_mime_message_get_mime_part(inner)) != NULL)
			return walk(m, body, depth + 1, 1, err);
	}
	return MP_OK;
}

int
mp_message_parse(const void *data, size_t len,
    const struct mp_message_limits *lim, struct mp_message **mp,
    struct mp_error *err)
{
	struct mp_message *m;
	GMimeStream *stream;
	GMimeParser *parser;
	GByteArray *copy;
	GMimeObject *body;
	int rc;

	*mp = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	if (lim != NULL)
		m->lim = *lim;
	else
		mp_message_limits_default(&m->lim);
	m->size = len;
	if (len > m->lim.max_size) {
		size_t max = m->lim.max_size;

		free(m);
		return mp_error_set(err, MP_ELIMIT,
		    "message is %zu bytes, more than %zu (limit)", len, max);
	}
	if ((rc = prescan(data, len, &m->lim, err)) != MP_OK) {
		free(m);
		return rc;
	}
	copy = g_byte_array_sized_new((guint)len);
	g_byte_array_append(copy, data, (guint)len);
	stream = g_mime_stream_mem_new_with_byte_array(copy);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	m->mime = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (m->mime == NULL) {
		mp_message_free(&m);
		return mp_error_set(err, MP_EINPUT,
		    "not a MIME message (GMime could not parse it)");
	}
	rc = check_headers(m, GMIME_OBJECT(m->mime), err);
	if (rc == MP_OK && (body = g_mime_message_get_mime_part(m->mime)) != NULL)
		rc = walk(m, body, 0, 0, err);
	if (rc != MP_OK) {
		mp_message_free(&m);
		return rc;
	}
	*mp = m;
	return MP_OK;
}

void
mp_message_free(struct mp_message **mp)
{
	struct mp_message *m;

	if (mp == NULL || (m = *mp) == NULL)
		return;
	if (m->mime != NULL)
		g_object_unref(m->mime);
	free(m->parts);
	free(m);
	*mp = NULL;
}

GMimeMessage *
mp_message_mime(const struct mp_message *m)
{
	return m->mime;
}

size_t
mp_message_nparts(const struct mp_message *m)
{
	return m->nparts;
}

const struct mp_part *
mp_message_part(const struct mp_message *m, size_t i)
{
	return i < m->nparts ? &m->parts[i] : NULL;
}

size_t
mp_message_size(const struct mp_message *m)
{
	return m->size;
}

int
mp_message_part_content(GMimeObject *obj, size_t max, GByteArray **out,
    struct mp_error *err)
{
	GMimeDataWrapper *dw;
	GMimeStream *mem;
	GByteArray *ba;

	*out = NULL;
	if (!GMIME_IS_PART(obj))
		return mp_error_set(err, MP_EINPUT, "MIME part has no content");
	ba = g_byte_array_new();
	dw = g_mime_part_get_content(GMIME_PART(obj));
	if (dw != NULL) {
		/* The stream does not own ba, so it outlives the stream. */
		mem = g_mime_stream_mem_new_with_byte_array(ba);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
		if (g_mime_data_wrapper_write_to_stream(dw, mem) < 0) {
			g_object_unref(mem);
			g_byte_array_unref(ba);
			return mp_error_set(err, MP_EINPUT,
			    "MIME part content cannot be decoded");
		}
		g_object_unref(mem);
	}
	if (ba->len > max) {
		size_t n = ba->len;

		g_byte_array_unref(ba);
		return mp_error_set(err, MP_ELIMIT,
		    "MIME part decodes to %zu bytes, more than %zu (limit)",
		    n, max);
	}
	*out = ba;
	return MP_OK;
}

const char *
mp_message_header(const struct mp_message *m, const char *name)
{
	return g_mime_object_get_header(GMIME_OBJECT(m->mime), name);
}
