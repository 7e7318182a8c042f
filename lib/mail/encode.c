/*
 * encode - see encode.h
 */
#include "config.h"

#include <string.h>

#include "encode.h"
#include "error.h"
#include "text.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hex[] = "0123456789ABCDEF";

/* One input byte as QP: 1 literal character or 3 for "=XX". */
static inline size_t
qp_token(const unsigned char *p, size_t i, size_t n, size_t col, char tok[3])
{
	unsigned c = p[i];
	int last = (i + 1 == n);
	int lit = (c >= 33 && c <= 126 && c != '=') ||
	    ((c == ' ' || c == '\t') && !last);

	/* Keep a line from starting with "." (SMTP) or "From " (mbox). */
	if (col == 0 && c == '.')
		lit = 0;
	if (col == 0 && c == 'F' && n - i >= 5 && memcmp(p + i, "From ", 5) == 0)
		lit = 0;
	if (lit) {
		tok[0] = (char)c;
		return 1;
	}
	tok[0] = '=';
	tok[1] = hex[c >> 4];
	tok[2] = hex[c & 15];
	return 3;
}

/*
 * One line, built in a buffer of its own and appended once per output
 * line: appending token by token cost more than the encoding itself.
 */
static int
qp_line(const unsigned char *p, size_t n, struct mp_buf *out)
{
	char line[MP_ENC_LINE_MAX + 2];	/* a line, then "=\r\n" or "\r\n" */
	size_t i, col = 0, tl;
	int rc;

	for (i = 0; i < n; i++) {
		/* The token goes straight into the line (col <= LINE_MAX - 1,
		 * a token is at most 3 bytes); when it does not fit, the soft
		 * break overwrites it and it is made again on a new line. */
		tl = qp_token(p, i, n, col, line + col);
		if (col + tl > MP_ENC_LINE_MAX - 1) {
			memcpy(line + col, "=\r\n", 3);
			if ((rc = mp_buf_append(out, line, col + 3)) != MP_OK)
				return rc;
			col = 0;
			tl = qp_token(p, i, n, col, line);
		}
		col += tl;
	}
	memcpy(line + col, "\r\n", 2);
	return mp_buf_append(out, line, col + 2);
}

int
mp_enc_qp(const char *text, size_t len, struct mp_buf *out)
{
	const unsigned char *p = (const unsigned char *)text, *nl;
	size_t start = 0, i, end;
	int rc;

	/* A text that ends with a line break has no empty line after it. */
	while (start < len) {
		nl = memchr(p + start, '\n', len - start);
		i = nl != NULL ? (size_t)(nl - p) : len;
		end = i;
		if (end > start && p[end - 1] == '\r')
			end--;
		if ((rc = qp_line(p + start, end - start, out)) != MP_OK)
			return rc;
		start = i + 1;
	}
	return MP_OK;
}

/* Base64 of up to 3 bytes into 4 characters. */
static void
b64_quad(const unsigned char *p, size_t n, char q[4])
{
	unsigned v = (unsigned)p[0] << 16;

	if (n > 1)
		v |= (unsigned)p[1] << 8;
	if (n > 2)
		v |= p[2];
	q[0] = b64[(v >> 18) & 63];
	q[1] = b64[(v >> 12) & 63];
	q[2] = n > 1 ? b64[(v >> 6) & 63] : '=';
	q[3] = n > 2 ? b64[v & 63] : '=';
}

static int
b64_raw(const unsigned char *p, size_t len, struct mp_buf *out)
{
	char q[4];
	size_t i;
	int rc;

	for (i = 0; i < len; i += 3) {
		b64_quad(p + i, len - i > 3 ? 3 : len - i, q);
		if ((rc = mp_buf_append(out, q, 4)) != MP_OK)
			return rc;
	}
	return MP_OK;
}

int
mp_enc_base64(const unsigned char *p, size_t len, struct mp_buf *out)
{
	const size_t per_line = MP_ENC_LINE_MAX / 4 * 3;	/* 57 bytes */
	size_t i, n;
	int rc;

	for (i = 0; i < len; i += n) {
		n = len - i > per_line ? per_line : len - i;
		if ((rc = b64_raw(p + i, n, out)) != MP_OK ||
		    (rc = mp_buf_puts(out, "\r\n")) != MP_OK)
			return rc;
	}
	return MP_OK;
}

static int
header_needs_encoding(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t word = 0;

	if (strstr(s, "=?") != NULL)
		return 1;
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p >= 0x7f)
			return 1;
		word = (*p == ' ') ? 0 : word + 1;
		if (word > MP_ENC_WORD_MAX)
			return 1;
	}
	return 0;
}

int
mp_enc_header_text(const char *utf8, struct mp_buf *out)
{
	/* "=?utf-8?B?" + 60 base64 characters + "?=" is 72 <= 75. */
	const size_t chunk = 45;
	const unsigned char *p = (const unsigned char *)utf8;
	size_t len = strlen(utf8), i = 0, n, seq;
	int rc;

	if (!header_needs_encoding(utf8))
		return mp_buf_puts(out, utf8);
	while (i < len) {
		n = 0;
		while (i + n < len) {
			seq = mp_utf8_seq(p + i + n, len - i - n);
			if (seq == 0)
				seq = 1;
			if (n + seq > chunk)
				break;
			n += seq;
		}
		if ((i > 0 && (rc = mp_buf_puts(out, " ")) != MP_OK) ||
		    (rc = mp_buf_puts(out, "=?utf-8?B?")) != MP_OK ||
		    (rc = b64_raw(p + i, n, out)) != MP_OK ||
		    (rc = mp_buf_puts(out, "?=")) != MP_OK)
			return rc;
		i += n;
	}
	return MP_OK;
}

int
mp_enc_fold(const char *name, const char *value, const char *fold,
    int value_only, struct mp_buf *out)
{
	size_t col = strlen(name) + 1, wl;
	const char *w = value, *e;
	int rc, first = 1;

	if (!value_only && (rc = mp_buf_printf(out, "%s:", name)) != MP_OK)
		return rc;
	for (;; first = 0, w += wl) {
		while (*w == ' ')
			w++;
		if (*w == '\0')
			break;
		e = strchr(w, ' ');
		wl = e ? (size_t)(e - w) : strlen(w);
		if (!first && col + 1 + wl > MP_ENC_FOLD_AT) {
			if ((rc = mp_buf_puts(out, fold)) != MP_OK)
				return rc;
			col = 1;
		} else if (!(first && value_only)) {
			if ((rc = mp_buf_puts(out, " ")) != MP_OK)
				return rc;
			col++;
		} else
			col++;
		if (col + wl > 998)
			return MP_ELIMIT;
		if ((rc = mp_buf_append(out, w, wl)) != MP_OK)
			return rc;
		col += wl;
	}
	return MP_OK;
}
