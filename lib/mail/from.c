/*
 * from - see from.h
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "buf.h"
#include "text.h"
#include "from.h"

/* ================================================================ */
/* RFC 5322 From: parser                                            */

struct fp {
	const unsigned char *p, *e;
	int hard;		/* a byte-level error: no second reading helps */
	struct mp_error *err;
	struct mp_buf *disp;	/* display name and comments of this mailbox */
};

int
mp_from_is_atext(unsigned char c)
{
	return isalnum(c) || (c >= 0x80) || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int
bad_ctl(struct fp *P, unsigned char c)
{
	P->hard = 1;
	return mp_error_set(P->err, MP_EINPUT,
	    "From: contains the control character 0x%02x", c);
}

/* A line break must be a fold: CRLF or LF followed by white space. */
static int
fold(struct fp *P)
{
	const unsigned char *q = P->p;

	P->hard = 1;		/* cleared again below when it is a fold */
	if (*q == '\r') {
		if (q + 1 >= P->e || q[1] != '\n')
			return mp_error_set(P->err, MP_EINPUT, "From: contains a bare CR");
		q++;
	}
	q++;
	if (q >= P->e || (*q != ' ' && *q != '\t'))
		return mp_error_set(P->err, MP_EINPUT,
		    "From: has a line break not followed by white space");
	P->p = q;
	P->hard = 0;
	return 0;
}

static int
put(struct fp *P, unsigned char c)
{
	if (mp_buf_append(P->disp, &c, 1) != 0)
		return mp_error_set(P->err, MP_ENOMEM, "out of memory reading From:");
	return 0;
}

/* (comment), nested up to MP_FROM_MAX_DEPTH, text kept for the pretence check. */
static int
comment(struct fp *P)
{
	int depth = 0, rc = put(P, ' ');

	for (; rc == 0 && P->p < P->e; P->p++) {
		unsigned char c = *P->p;

		if (c == '(') {
			if (++depth > MP_FROM_MAX_DEPTH)
				return mp_error_set(P->err, MP_ELIMIT,
				    "From: comments nested more than %d deep (limit)",
				    MP_FROM_MAX_DEPTH);
			if (depth > 1)
				rc = put(P, c);
		} else if (c == ')') {
			if (--depth == 0) {
				P->p++;
				return 0;
			}
			rc = put(P, c);
		} else if (c == '\\') {
			if (++P->p >= P->e)
				break;
			if (*P->p < 0x20 || *P->p == 0x7f)
				return bad_ctl(P, *P->p);
			rc = put(P, *P->p);
		} else if (c == '\r' || c == '\n') {
			rc = fold(P);
			if (rc == 0)
				rc = put(P, ' ');
		} else if ((c < 0x20 && c != '\t') || c == 0x7f)
			return bad_ctl(P, c);
		else
			rc = put(P, c);
	}
	return rc ? rc : mp_error_set(P->err, MP_EINPUT, "From: has an unclosed comment");
}

static int
cfws(struct fp *P)
{
	int rc = 0;

	while (rc == 0 && P->p < P->e) {
		if (*P->p == ' ' || *P->p == '\t')
			P->p++;
		else if (*P->p == '\r' || *P->p == '\n') {
			if ((rc = fold(P)) == 0)
				P->p++;
		} else if (*P->p == '(')
			rc = comment(P);
		else
			break;
	}
	return rc;
}

/* "quoted string" into `out` (unescaped). */
static int
quoted(struct fp *P, struct mp_buf *out)
{
	unsigned char c;

	for (P->p++; P->p < P->e; P->p++) {
		c = *P->p;
		if (c == '"') {
			P->p++;
			return 0;
		}
		if (c == '\\') {
			if (++P->p >= P->e)
				break;
			c = *P->p;
			if (c < 0x20 || c == 0x7f)
				return bad_ctl(P, c);
		} else if (c == '\r' || c == '\n') {
			if (fold(P) != 0)
				return P->err->code;
			c = ' ';
		} else if ((c < 0x20 && c != '\t') || c == 0x7f)
			return bad_ctl(P, c);
		if (mp_buf_append(out, &c, 1) != 0)
			return mp_error_set(P->err, MP_ENOMEM, "out of memory reading From:");
	}
	return mp_error_set(P->err, MP_EINPUT, "From: has an unclosed quoted string");
}

static size_t
atom(struct fp *P, struct mp_buf *out)
{
	const unsigned char *s = P->p;

	while (P->p < P->e && mp_from_is_atext(*P->p))
		P->p++;
	if (out != NULL && P->p > s && mp_buf_append(out, s, (size_t)(P->p - s)) != 0)
		return 0;
	return (size_t)(P->p - s);
}

/* dot-atom: atext+ ("." atext+)*, CFWS around. */
static int
dot_atom(struct fp *P, struct mp_buf *out, const char *what)
{
	int rc = cfws(P);

	if (rc != 0)
		return rc;
	for (;;) {
		if (atom(P, out) == 0)
			return mp_error_set(P->err, MP_EINPUT, "From: %s of the address is "
			    "empty or has an empty part between dots", what);
		if (P->p < P->e && *P->p == '.') {
			P->p++;
			if (mp_buf_puts(out, ".") != 0)
				return mp_error_set(P->err, MP_ENOMEM, "out of memory");
			continue;
		}
		break;
	}
	return cfws(P);
}

/* addr-spec into `addr`, normalized. */
static int
addr_spec(struct fp *P, char *addr)
{
	struct mp_buf a;
	int rc;

	mp_buf_init(&a, MP_ADDR_MAX);
	rc = cfws(P);
	if (rc == 0 && P->p < P->e && *P->p == '"') {
		size_t i;

		rc = quoted(P, &a);
		/* Only quoted local parts that need no quotes: a plain mailbox. */
		for (i = 0; rc == 0 && i < a.len; i++)
			if (!mp_from_is_atext((unsigned char)a.data[i]) && a.data[i] != '.')
				rc = mp_error_set(P->err, MP_EINPUT,
				    "From: has a quoted local part with special characters");
		if (rc == 0)
			rc = cfws(P);
	} else if (rc == 0)
		rc = dot_atom(P, &a, "the local part");
	if (rc == 0 && (P->p >= P->e || *P->p != '@'))
		rc = mp_error_set(P->err, MP_EINPUT, "From: has no address (local@domain)");
	if (rc == 0) {
		P->p++;
		rc = mp_buf_puts(&a, "@") ? mp_error_set(P->err, MP_ELIMIT, "From: address too long") : 0;
	}
	if (rc == 0) {
		rc = cfws(P);
		if (rc == 0 && P->p < P->e && *P->p == '[')
			rc = mp_error_set(P->err, MP_EINPUT,
			    "From: has an address literal [..] as domain");
		else if (rc == 0)
			rc = dot_atom(P, &a, "the domain");
	}
	if (rc == 0 && a.len > MP_ADDR_MAX)
		rc = mp_error_set(P->err, MP_ELIMIT, "From: address longer than %d bytes (limit)",
		    MP_ADDR_MAX);
	if (rc == 0 && mp_addr_normalize(a.data, addr, MP_ADDR_MAX + 1) != 0)
		rc = mp_error_set(P->err, MP_EINPUT, "From: address is not one plain mailbox");
	if (a.len > MP_ADDR_MAX && rc == 0)
		rc = MP_ELIMIT;
	mp_buf_free(&a);
	return rc;
}

/* phrase (display name): words, quoted strings and dots (obs-phrase). */
static int
phrase(struct fp *P)
{
	int rc = 0, words = 0;

	while (rc == 0 && P->p < P->e) {
		const unsigned char *before = P->p;

		rc = cfws(P);
		if (rc != 0 || P->p >= P->e)
			break;
		if (*P->p != '"' && *P->p != '.' && !mp_from_is_atext(*P->p))
			break;
		if (words > 0 && P->p > before && (rc = put(P, ' ')) != 0)
			break;
		if (*P->p == '"')
			rc = quoted(P, P->disp);
		else if (*P->p == '.') {
			P->p++;
			rc = put(P, '.');
		} else if (atom(P, P->disp) == 0)
			break;
		words++;
	}
	return rc;
}

static int
mailbox(struct fp *P, struct mp_mailbox *mb)
{
	const unsigned char *start = P->p;
	struct mp_error first;
	size_t dl = P->disp->len;
	int rc;

	/* First try a bare addr-spec followed by ',' or the end. */
	rc = addr_spec(P, mb->addr);
	if (rc == 0 && (P->p >= P->e || *P->p == ','))
		return 0;
	if (rc == MP_ENOMEM || P->hard)
		return rc;
	if (rc == 0)		/* an address, but something else follows it */
		mp_error_set(P->err, MP_EINPUT,
		    "From: has '%c' after an address where ',' or the end belongs",
		    isprint(*P->p) ? *P->p : '?');
	first = *P->err;
	P->p = start;
	P->disp->len = dl;
	/* name-addr: [phrase] "<" addr-spec ">" */
	rc = phrase(P);
	if (rc == 0)
		rc = cfws(P);
	if (rc != 0)
		return rc;
	if (P->p < P->e && *P->p == ':')
		return mp_error_set(P->err, MP_EINPUT,
		    "From: uses group syntax (name: ...;), which From may not");
	/* Without '<' it can only have been an addr-spec: say what was wrong. */
	if (first.code != 0 && memchr(start, '<', (size_t)(P->e - start)) == NULL) {
		*P->err = first;
		return first.code;
	}
	if (P->p >= P->e || *P->p != '<')
		return mp_error_set(P->err, MP_EINPUT,
		    "From: is neither an address nor a name with an <address>");
	P->p++;
	if (P->p < P->e && *P->p == '@')
		return mp_error_set(P->err, MP_EINPUT, "From: uses an obsolete source route");
	rc = addr_spec(P, mb->addr);
	if (rc != 0)
		return rc;
	if (P->p >= P->e || *P->p != '>')
		return mp_error_set(P->err, MP_EINPUT, "From: has an address without its closing '>'");
	P->p++;
	return cfws(P);
}

/* ---- RFC 2047 encoded words, decoded in their declared charset ---- */

/*
 * Why the charset matters: "=?UTF-7?Q?abuse+AEA-meldpunt.nl?=" reads as
 * "abuse@meldpunt.nl" in any mail reader; the bytes alone hide the '@'.
 * So every encoded word is turned into UTF-8 with iconv (glib), and one
 * that cannot be (an unknown charset, bytes that are not text in it, an
 * unknown encoding, broken base64) makes the field unreadable.
 */

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	c = (unsigned char)tolower(c);
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

/* The text of an encoded word as bytes; -1 when the base64 is broken. */
static int
ew_bytes(char enc, const char *p, const char *end, struct mp_buf *raw)
{
	unsigned acc = 0;
	int bits = 0, v, h1, h2, rc = 0;
	unsigned char o;

	for (; p < end && rc == 0; p++) {
		unsigned char c = (unsigned char)*p;

		if (enc == 'B') {
			if (c == ' ' || c == '\t')
				continue;
			if (c == '=')
				break;
			if ((v = b64val(c)) < 0)
				return -1;
			acc = ((acc << 6) | (unsigned)v) & 0xffffff;
			if ((bits += 6) < 8)
				continue;
			bits -= 8;
			o = (unsigned char)(acc >> bits);
		} else if (c == '_')
			o = ' ';
		else if (c == '=' && end - p > 2 && (h1 = hexval((unsigned char)p[1])) >= 0 &&
		    (h2 = hexval((unsigned char)p[2])) >= 0) {
			o = (unsigned char)(h1 * 16 + h2);
			p += 2;
		} else
			o = c;
		rc = mp_buf_append(raw, &o, 1);
	}
	return rc != 0 ? MP_ENOMEM : 0;
}

/* Control characters (also U+0000 from UTF-16) become '?'. */
static int
put_text(struct mp_buf *out, const char *s, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			c = '?';
		rc = mp_buf_append(out, &c, 1);
	}
	return rc;
}

/*
 * Names mail programs write that iconv (glibc) does not know, and the
 * charset they mean. Anything else iconv does not know is refused.
 */
static const char *
charset_alias(const char *cs)
{
	static const char *const alias[][2] = {
		{ "ks_c_5601-1987", "CP949" }, { "x-sjis", "SHIFT_JIS" },
		{ "x-euc-jp", "EUC-JP" }, { "x-gbk", "GBK" },
		{ "iso-8859-8-i", "ISO-8859-8" }, { "iso-8859-6-i", "ISO-8859-6" },
		{ "unicode-1-1-utf-7", "UTF-7" }, { "x-unicode-2-0-utf-7", "UTF-7" },
		{ "x-mac-roman", "MACINTOSH" },
	};
	size_t i;

	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcasecmp(cs, alias[i][0]) == 0)
			return alias[i][1];
	return cs;
}

/* Bytes in `charset` to UTF-8 in `out`; MP_EINPUT when iconv cannot. */
static int
ew_convert(const char *charset, const struct mp_buf *raw, struct mp_buf *out)
{
	gchar *u;
	gsize got = 0;
	GError *ge = NULL;
	int rc;

	if (raw->len == 0)
		return 0;
	u = g_convert(raw->data, (gssize)raw->len, "UTF-8", charset_alias(charset),
	    NULL, &got, &ge);
	if (u == NULL) {
		g_clear_error(&ge);
		return MP_EINPUT;
	}
	rc = put_text(out, u, got) != 0 ? MP_ENOMEM : 0;
	g_free(u);
	return rc;
}

/* RFC 2047 charset token: printable ASCII without white space or especials. */
static int
charset_name(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= ' ' || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c) != NULL)
			return 0;
	}
	return 1;
}

/*
 * One "=?charset[*lang]?B|Q?text?=" at s. Returns its length, 0 when
 * there is none (the bytes are plain text), and sets *bad (with the
 * charset in `cs`) when it is one that cannot be decoded. Text may hold
 * white space (mail readers decode such words too); never a line break.
 */
static size_t
decode_word(const char *s, const char *e, struct mp_buf *out, int *bad,
    char *cs, size_t cssz)
{
	const char *q1, *star, *text, *end;
	struct mp_buf raw, scratch;
	size_t cl;
	char enc;
	int rc;

	if (e - s < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	/* A charset with odd bytes in it is still a word a lenient reader
	 * decodes (with some fallback charset): found here, then refused. */
	for (q1 = s + 2; q1 < e && *q1 != '?' && *q1 != '\r' && *q1 != '\n'; q1++)
		;
	if (q1 == s + 2 || q1 + 3 >= e || *q1 != '?' || q1[2] != '?')
		return 0;
	enc = (char)toupper((unsigned char)q1[1]);
	text = q1 + 3;
	for (end = text; end + 1 < e && !(end[0] == '?' && end[1] == '='); end++)
		if (*end == '\r' || *end == '\n')
			return 0;
	if (end + 1 >= e)
		return 0;
	star = memchr(s + 2, '*', (size_t)(q1 - s - 2));	/* RFC 2231 language */
	cl = (size_t)((star ? star : q1) - (s + 2));
	snprintf(cs, cssz, "%.*s", (int)cl, s + 2);
	mp_buf_init(&raw, 0);
	if (enc != 'B' && enc != 'Q')
		rc = MP_EINPUT;
	else if ((rc = ew_bytes(enc, text, end, &raw)) == -1)
		rc = MP_EINPUT;
	if (rc == 0 && (cl == 0 || cl >= cssz || !charset_name(s + 2, cl)))
		rc = MP_EINPUT;
	mp_buf_init(&scratch, 0);
	if (rc == 0)
		rc = ew_convert(cs, &raw, out != NULL ? out : &scratch);
	mp_buf_free(&scratch);
	mp_buf_free(&raw);
	if (rc == MP_ENOMEM)
		return 0;
	if (rc != 0)
		*bad = 1;
	return (size_t)(end + 2 - s);
}

/*
 * Decoded into *outp (malloc'd), with white space between adjacent
 * encoded words dropped (RFC 2047 6.2). 0, MP_ENOMEM, or MP_EINPUT with
 * the reason when an encoded word or a raw byte cannot be read as text.
 * `lenient` (for a field already refused) leaves such words as they are
 * and does not check the UTF-8.
 */
int
mp_from_decode_text(const char *s, size_t n, int lenient, char **outp,
    struct mp_error *err)
{
	struct mp_buf out;
	const char *e = s + n, *t;
	char cs[64], scs[64];
	size_t k, mark;
	int prev_ew = 0, bad = 0, sbad = 0;

	*outp = NULL;
	mp_buf_init(&out, 0);
	if (mp_buf_puts(&out, "") != 0)
		return mp_error_set(err, MP_ENOMEM, "out of memory reading From:");
	while (s < e && !bad) {
		mark = out.len;
		if ((k = decode_word(s, e, &out, &bad, cs, sizeof(cs))) > 0 &&
		    !(bad && lenient)) {
			s += k;
			prev_ew = 1;
			continue;
		}
		if (bad) {		/* lenient: the word stays as it is */
			bad = 0;
			out.len = mark;
			out.data[mark] = '\0';
		}
		if (prev_ew && (*s == ' ' || *s == '\t')) {
			for (t = s; t < e && (*t == ' ' || *t == '\t'); t++)
				;
			if (t < e && decode_word(t, e, NULL, &sbad, scs, sizeof(scs)) > 0 &&
			    !sbad) {
				s = t;		/* between two encoded words: dropped */
				continue;
			}
		}
		prev_ew = 0;
		if (mp_buf_append(&out, s, 1) != 0)
			break;
		s++;
	}
	if (bad) {
		char c[64];

		mp_text_ascii(c, sizeof(c), cs);
		mp_buf_free(&out);
		return mp_error_set(err, MP_EINPUT, "From: has an encoded word (charset "
		    "\"%s\") that cannot be decoded", c);
	}
	if (s < e || out.data == NULL) {
		mp_buf_free(&out);
		return mp_error_set(err, MP_ENOMEM, "out of memory reading From:");
	}
	if (!lenient && !g_utf8_validate(out.data, (gssize)out.len, NULL)) {
		mp_buf_free(&out);
		return mp_error_set(err, MP_EINPUT, "From: has 8-bit bytes that are "
		    "not UTF-8 text");
	}
	*outp = out.data;
	return 0;
}

void
mp_from_clear(struct mp_from *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->mbox[i].display);
	free(f->mbox);
	f->mbox = NULL;
	f->n = 0;
}

int
mp_from_parse(const char *value, size_t len, struct mp_from *out,
    struct mp_error *err)
{
	struct fp P;
	struct mp_buf disp;
	struct mp_mailbox mb, *nm;
	struct mp_error local;
	int rc = 0;

	if (err == NULL)	/* the parser keeps its first error to report */
		err = &local;
	memset(out, 0, sizeof(*out));
	if (len > MP_FROM_MAX)
		return mp_error_set(err, MP_ELIMIT, "From: longer than %d bytes (limit)",
		    MP_FROM_MAX);
	P.p = (const unsigned char *)value;
	P.e = P.p + len;
	P.err = err;
	P.hard = 0;
	P.disp = &disp;
	mp_buf_init(&disp, 0);
	rc = cfws(&P);		/* leading comments belong to the first mailbox */
	if (rc == 0 && P.p >= P.e)
		rc = mp_error_set(err, MP_EINPUT, "From: is empty");
	while (rc == 0) {
		memset(&mb, 0, sizeof(mb));
		if (out->n == MP_FROM_MAX_MAILBOXES) {
			rc = mp_error_set(err, MP_ELIMIT, "From: holds more than %d addresses (limit)",
			    MP_FROM_MAX_MAILBOXES);
			break;
		}
		if ((rc = mailbox(&P, &mb)) != 0)
			break;
		if (P.p < P.e && *P.p != ',') {
			rc = mp_error_set(err, MP_EINPUT,
			    "From: has '%c' after an address where ',' or the end belongs",
			    isprint(*P.p) ? *P.p : '?');
			break;
		}
		rc = mp_from_decode_text(disp.data ? disp.data : "", disp.len, 0, &mb.display, err);
		if (rc == 0 && !g_utf8_validate(mb.addr, -1, NULL))
			rc = mp_error_set(err, MP_EINPUT, "From: has an address with 8-bit "
			    "bytes that are not UTF-8");
		if (rc != 0) {
			free(mb.display);
			break;
		}
		nm = realloc(out->mbox, (out->n + 1) * sizeof(*nm));
		if (nm == NULL) {
			free(mb.display);
			rc = MP_ENOMEM;
			break;
		}
		out->mbox = nm;
		out->mbox[out->n++] = mb;
		mp_buf_reset(&disp);
		if (P.p >= P.e)
			break;
		P.p++;			/* the ',' */
		if ((rc = cfws(&P)) == 0 && (P.p >= P.e || *P.p == ','))
			rc = mp_error_set(err, MP_EINPUT, "From: has an empty list member");
	}
	mp_buf_free(&disp);
	if (rc == MP_ENOMEM)
		mp_error_set(err, rc, "out of memory reading From:");
	if (rc != 0)
		mp_from_clear(out);
	return rc;
}

int
mp_from_read(const char *value, struct mp_from_read *r)
{
	memset(r, 0, sizeof(*r));
	r->rc = mp_from_parse(value, strlen(value), &r->f, &r->err);
	return r->rc;
}

void
mp_from_read_clear(struct mp_from_read *r)
{
	mp_from_clear(&r->f);
	r->rc = MP_EINPUT;
}
