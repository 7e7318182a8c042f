/*
 * canon - part of the signer (sign.h): DKIM relaxed canonicalisation
 *	(RFC 6376 3.4.2, 3.4.4) of header fields and the body, written
 *	through a staging buffer into a SHA-256 context (or, for tests,
 *	an mp_buf), so a message is hashed in one pass without a canonical
 *	copy of it. Shared with sign.c through sign_int.h.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "sign_int.h"

/* ---------------------------------------------------------------- */
/* Output sink: staging buffer in front of a digest or an mp_buf.    */


void
sg_sink_flush(struct sink *k)
{
	if (k->n == 0)
		return;
	if (k->md != NULL) {
		if (EVP_DigestUpdate(k->md, k->tmp, k->n) != 1)
			k->failed = MP_EINTERNAL;
	} else if (mp_buf_append(k->buf, k->tmp, k->n) != 0)
		k->failed = MP_ENOMEM;
	k->n = 0;
}

static inline void
sink_byte(struct sink *k, unsigned char c)
{
	if (k->n == sizeof(k->tmp))
		sg_sink_flush(k);
	k->tmp[k->n++] = c;
}

static void
sink_crlf(struct sink *k)
{
	sink_byte(k, '\r');
	sink_byte(k, '\n');
}

static inline int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/*
 * RFC 6376 3.4.2: lower-case the name, drop white space around the
 * colon, unfold, squeeze white-space runs to one space, drop it at the
 * ends. `crlf` adds the line end (not for the signature's own header).
 */
void
sg_canon_header(struct sink *k, const char *f, size_t len, int crlf)
{
	const unsigned char *p = (const unsigned char *)f, *e = p + len;
	const unsigned char *colon = memchr(p, ':', len), *ne;
	int pending = 0, begun = 0;

	if (colon == NULL)
		colon = e;
	for (ne = colon; ne > p && is_wsp(ne[-1]); ne--)
		;
	for (; p < ne; p++)
		sink_byte(k, (unsigned char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p));
	sink_byte(k, ':');
	for (p = colon < e ? colon + 1 : e; p < e; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		if (is_wsp(*p)) {
			pending = 1;
			continue;
		}
		if (pending && begun)
			sink_byte(k, ' ');
		pending = 0;
		begun = 1;
		sink_byte(k, *p);
	}
	if (crlf)
		sink_crlf(k);
}

/*
 * RFC 6376 3.4.4: squeeze white-space runs inside a line to one space,
 * drop white space at line ends and empty lines at the end of the body,
 * end a non-empty body with CRLF. Empty lines are only counted until a
 * later line shows they are not at the end.
 */
void
sg_canon_body(struct sink *k, const char *body, size_t len)
{
	const unsigned char *p = (const unsigned char *)body, *e = p + len;
	size_t empty = 0;
	int pending = 0, content = 0;

	for (; p < e; p++) {
		if (*p == '\n' || (*p == '\r' && p + 1 < e && p[1] == '\n')) {
			if (*p == '\r')
				p++;
			if (content)
				sink_crlf(k);
			else
				empty++;
			content = pending = 0;
			continue;
		}
		if (is_wsp(*p)) {
			pending = 1;
			continue;
		}
		if (!content) {
			for (; empty > 0; empty--)
				sink_crlf(k);
			content = 1;
		}
		if (pending)
			sink_byte(k, ' ');
		pending = 0;
		sink_byte(k, *p);
	}
	if (content)
		sink_crlf(k);
}

int
mp_dkim_canon_header(struct mp_buf *out, const char *field, size_t len)
{
	struct sink k = { .buf = out };

	sg_canon_header(&k, field, len, 1);
	sg_sink_flush(&k);
	return k.failed;
}

int
mp_dkim_canon_body(struct mp_buf *out, const char *body, size_t len)
{
	struct sink k = { .buf = out };

	sg_canon_body(&k, body, len);
	sg_sink_flush(&k);
	return k.failed;
}
