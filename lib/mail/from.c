/*
 * identity - see identity.h
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "buf.h"
#include "readfile.h"
#include "identity.h"

/* Copy for a sentence: printable ASCII only, bounded. */
static void
clean(char *dst, size_t n, const char *src)
{
	size_t i;

	if (src == NULL)
		src = "";
	for (i = 0; i + 1 < n && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f && src[i] != '"') ? src[i] : '?';
	dst[i] = '\0';
}

/* ================================================================ */
/* RFC 5322 From: parser                                            */

struct fp {
	const unsigned char *p, *e;
	int hard;		/* a byte-level error: no second reading helps */
	struct mp_error *err;
	struct mp_buf *disp;	/* display name and comments of this mailbox */
};

static int
is_atext(unsigned char c)
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

	while (P->p < P->e && is_atext(*P->p))
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
			if (!is_atext((unsigned char)a.data[i]) && a.data[i] != '.')
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
		if (*P->p != '"' && *P->p != '.' && !is_atext(*P->p))
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
static int
decode_display(const char *s, size_t n, int lenient, char **outp,
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

		clean(c, sizeof(c), cs);
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

/* ---- text as a reader sees it: look-alikes folded ---- */

/*
 * Letters that look like Latin ones in the usual fonts (Cyrillic and
 * Greek); the compatibility decomposition has already folded fullwidth,
 * small, mathematical and circled forms. Not the whole UTS #39 confusables table: enough that
 * a protected domain cannot be spelled with them.
 */
static const struct { gunichar from; char to; } lookalike[] = {
	{ 0x0131, 'i' }, { 0x0391, 'a' }, { 0x0392, 'b' }, { 0x0395, 'e' },
	{ 0x0396, 'z' }, { 0x0397, 'h' }, { 0x0399, 'i' }, { 0x039a, 'k' },
	{ 0x039c, 'm' }, { 0x039d, 'n' }, { 0x039f, 'o' }, { 0x03a1, 'p' },
	{ 0x03a4, 't' }, { 0x03a5, 'y' }, { 0x03a7, 'x' }, { 0x03b1, 'a' },
	{ 0x03b9, 'i' }, { 0x03ba, 'k' }, { 0x03bd, 'v' }, { 0x03bf, 'o' },
	{ 0x03c1, 'p' }, { 0x03c4, 't' }, { 0x03c5, 'u' }, { 0x03c7, 'x' },
	{ 0x0405, 's' }, { 0x0406, 'i' }, { 0x0408, 'j' }, { 0x0410, 'a' },
	{ 0x0412, 'b' }, { 0x0415, 'e' }, { 0x041a, 'k' }, { 0x041c, 'm' },
	{ 0x041d, 'h' }, { 0x041e, 'o' }, { 0x0420, 'p' }, { 0x0421, 'c' },
	{ 0x0422, 't' }, { 0x0425, 'x' }, { 0x0430, 'a' }, { 0x0435, 'e' },
	{ 0x043a, 'k' }, { 0x043e, 'o' }, { 0x0440, 'p' }, { 0x0441, 'c' },
	{ 0x0443, 'y' }, { 0x0445, 'x' }, { 0x0455, 's' }, { 0x0456, 'i' },
	{ 0x0458, 'j' }, { 0x04bb, 'h' }, { 0x04c0, 'l' }, { 0x04cf, 'l' },
	{ 0x0501, 'd' }, { 0x051b, 'q' }, { 0x051d, 'w' },
	/* full stops that are not '.' even after NFKC */
	{ 0x3002, '.' }, { 0xff61, '.' }, { 0xfe12, '.' },
};

static gunichar
fold_char(gunichar c)
{
	size_t i;

	for (i = 0; i < sizeof(lookalike) / sizeof(lookalike[0]); i++)
		if (lookalike[i].from == c)
			return (gunichar)lookalike[i].to;
	return c < 0x80 ? (gunichar)tolower((int)c) : c;
}

/*
 * White space next to '.' or '@' dropped: a folded "noc@meldpunt\r\n .nl"
 * shows as "noc@meldpunt .nl", which a reader takes for the address.
 */
static void
squeeze_around_dots(struct mp_buf *b)
{
	size_t i, j, o = 0;

	for (i = 0; i < b->len; i++) {
		char c = b->data[i];

		if (c == ' ' || c == '\t') {
			for (j = i; j < b->len && (b->data[j] == ' ' || b->data[j] == '\t'); j++)
				;
			if ((o > 0 && (b->data[o - 1] == '.' || b->data[o - 1] == '@')) ||
			    (j < b->len && (b->data[j] == '.' || b->data[j] == '@')))
				continue;
		}
		b->data[o++] = c;
	}
	b->len = o;
	if (b->data != NULL)
		b->data[o] = '\0';
}

/*
 * `s` (valid UTF-8) as a reader would read it, for the comparisons:
 * each character's compatibility decomposition (＠ U+FF20 and ﹫ U+FE6B
 * become '@', ． U+FF0E '.', fullwidth and mathematical letters ASCII)
 * with the accents dropped ("é" is "e"); one that decomposes into
 * several ("ﬁ", "½") is expanded when `expand`, else kept whole, since
 * a reader may see either. 。 U+3002 and ｡ U+FF61 become '.', the look-alike letters
 * above Latin, invisible format characters (zero-width space, soft
 * hyphen, BOM) dropped, ASCII in lower case, no white space next to '.'
 * or '@'. NULL when out of memory; free() it.
 */
static char *
fold_text(const char *s, int expand)
{
	gunichar dec[G_UNICHAR_MAX_DECOMPOSITION_LENGTH], keep[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
	const gchar *p;
	struct mp_buf out;
	gsize nd, nk, i;
	char u[6];
	int rc;

	mp_buf_init(&out, 0);
	rc = mp_buf_puts(&out, "");
	for (p = s; *p != '\0' && rc == 0; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_type(c) == G_UNICODE_FORMAT)
			continue;
		nd = g_unichar_fully_decompose(c, TRUE, dec, G_N_ELEMENTS(dec));
		for (i = nk = 0; i < nd; i++)
			if (!g_unichar_ismark(dec[i]))
				keep[nk++] = dec[i];
		if (nk > 1 && !expand)
			keep[0] = c, nk = 1;	/* "½" stays one character */
		for (i = 0; i < nk && rc == 0; i++)
			rc = mp_buf_append(&out, u, (size_t)g_unichar_to_utf8(fold_char(keep[i]), u));
	}
	if (rc != 0) {
		mp_buf_free(&out);
		return NULL;
	}
	squeeze_around_dots(&out);
	return out.data;
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
		rc = decode_display(disp.data ? disp.data : "", disp.len, 0, &mb.display, err);
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

/* ================================================================ */
/* IdentityMap                                                      */

struct idm_user {
	char *user;
	size_t nv;
	char **v;		/* "a@b" or "@domain", lower case */
	size_t line;
};

struct mp_identity_map {
	size_t n;
	struct idm_user *u;	/* sorted by user for bsearch */
};

static int
idm_cmp(const void *a, const void *b)
{
	return strcmp(((const struct idm_user *)a)->user, ((const struct idm_user *)b)->user);
}

static void
idm_user_free(struct idm_user *u)
{
	size_t i;

	for (i = 0; i < u->nv; i++)
		free(u->v[i]);
	free(u->v);
	free(u->user);
}

void
mp_identity_map_free(struct mp_identity_map **mp)
{
	size_t i;

	if (*mp == NULL)
		return;
	for (i = 0; i < (*mp)->n; i++)
		idm_user_free(&(*mp)->u[i]);
	free((*mp)->u);
	free(*mp);
	*mp = NULL;
}

static int
valid_domain(const char *d)
{
	size_t n = strlen(d), i;

	if (n == 0 || n > 253 || d[0] == '.' || d[n - 1] == '.' || d[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)d[i]) || d[i] == '-' ||
		    (d[i] == '.' && d[i + 1] != '.')))
			return 0;
	return 1;
}

/* One value: an address or "@domain", normalized into a new string. */
static int
idm_value(const char *tok, size_t n, char **out, const char *name, size_t line,
    struct mp_error *err)
{
	char tmp[MP_ADDR_MAX + 2], norm[MP_ADDR_MAX + 2];
	size_t i;

	if (n > MP_ADDR_MAX)
		return mp_error_set(err, MP_ELIMIT, "%s:%zu: value longer than %d bytes (limit)",
		    name, line, MP_ADDR_MAX);
	memcpy(tmp, tok, n);
	tmp[n] = '\0';
	if (strpbrk(tmp, "<>\"") != NULL)
		return mp_error_set(err, MP_EINPUT,
		    "%s:%zu: \"%s\" is neither an address nor @domain (no <> or quotes)",
		    name, line, tmp);
	if (tmp[0] == '@') {
		for (i = 0; tmp[i]; i++)
			norm[i] = (char)tolower((unsigned char)tmp[i]);
		norm[i] = '\0';
		if (!valid_domain(norm + 1))
			return mp_error_set(err, MP_EINPUT, "%s:%zu: \"%s\" is not @domain",
			    name, line, tmp);
	} else if (mp_addr_normalize(tmp, norm, sizeof(norm)) != 0 || norm[0] == '\0' ||
	    !valid_domain(mp_addr_domain(norm)))
		return mp_error_set(err, MP_EINPUT,
		    "%s:%zu: \"%s\" is neither an address nor @domain", name, line, tmp);
	*out = strdup(norm);
	return *out ? 0 : mp_error_set(err, MP_ENOMEM, "%s: out of memory", name);
}

static int
idm_line(struct mp_identity_map *m, const char *name, size_t line, const char *p,
    const char *e, struct mp_error *err)
{
	struct idm_user u = { 0 };
	const char *s;
	char **nv;
	size_t i;
	int rc = 0;

	for (s = p; s < e; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return mp_error_set(err, MP_EINPUT, "%s:%zu: control character in the line",
			    name, line);
	for (s = p; s < e && *s != '#'; s++)	/* comment to the end of the line */
		;
	e = s;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (p == e)
		return 0;
	for (s = p; s < e && *s != ' ' && *s != '\t' && *s != ','; s++)
		;
	if ((size_t)(s - p) > MP_IDMAP_USER_MAX)
		return mp_error_set(err, MP_ELIMIT, "%s:%zu: user name longer than %d bytes (limit)",
		    name, line, MP_IDMAP_USER_MAX);
	u.user = strndup(p, (size_t)(s - p));
	u.line = line;
	if (u.user == NULL)
		return mp_error_set(err, MP_ENOMEM, "%s: out of memory", name);
	for (p = s; rc == 0 && p < e;) {
		while (p < e && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		if (p == e)
			break;
		for (s = p; s < e && *s != ' ' && *s != '\t' && *s != ','; s++)
			;
		if (u.nv == MP_IDMAP_MAX_VALUES) {
			rc = mp_error_set(err, MP_ELIMIT, "%s:%zu: more than %d values for %s (limit)",
			    name, line, MP_IDMAP_MAX_VALUES, u.user);
			break;
		}
		nv = realloc(u.v, (u.nv + 1) * sizeof(*nv));
		if (nv == NULL) {
			rc = mp_error_set(err, MP_ENOMEM, "%s: out of memory", name);
			break;
		}
		u.v = nv;
		rc = idm_value(p, (size_t)(s - p), &u.v[u.nv], name, line, err);
		if (rc == 0)
			u.nv++;
		p = s;
	}
	if (rc == 0 && u.nv == 0)
		rc = mp_error_set(err, MP_EINPUT,
		    "%s:%zu: user %s has no address or @domain after it", name, line, u.user);
	if (rc == 0 && m->n == MP_IDMAP_MAX_USERS)
		rc = mp_error_set(err, MP_ELIMIT, "%s:%zu: more than %d users (limit)",
		    name, line, MP_IDMAP_MAX_USERS);
	if (rc == 0) {
		struct idm_user *nu = realloc(m->u, (m->n + 1) * sizeof(*nu));

		if (nu == NULL)
			rc = mp_error_set(err, MP_ENOMEM, "%s: out of memory", name);
		else {
			m->u = nu;
			m->u[m->n++] = u;
			return 0;
		}
	}
	for (i = 0; i < u.nv; i++)
		free(u.v[i]);
	free(u.v);
	free(u.user);
	return rc;
}

struct mp_identity_map *
mp_identity_map_parse(const char *name, const char *text, size_t len,
    struct mp_error *err)
{
	struct mp_identity_map *m;
	const char *p = text, *e = text + len, *nl, *le;
	size_t line = 0, i;

	if (len > MP_IDMAP_MAX)
		return mp_error_set(err, MP_ELIMIT, "%s: larger than %d bytes (limit)", name,
		    MP_IDMAP_MAX), NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return mp_error_set(err, MP_ENOMEM, "%s: out of memory", name), NULL;
	for (; p < e; p = nl + 1) {
		line++;
		nl = memchr(p, '\n', (size_t)(e - p));
		if (nl == NULL)
			nl = e;
		le = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
		if ((size_t)(le - p) > MP_IDMAP_LINE_MAX) {
			mp_error_set(err, MP_ELIMIT, "%s:%zu: line longer than %d bytes (limit)",
			    name, line, MP_IDMAP_LINE_MAX);
			goto fail;
		}
		if (idm_line(m, name, line, p, le, err) != 0)
			goto fail;
		if (nl == e)
			break;
	}
	if (m->n > 1)
		qsort(m->u, m->n, sizeof(*m->u), idm_cmp);
	for (i = 1; i < m->n; i++)
		if (strcmp(m->u[i - 1].user, m->u[i].user) == 0) {
			size_t a = m->u[i - 1].line, b = m->u[i].line;

			mp_error_set(err, MP_EINPUT, "%s:%zu: user %s is already listed at line %zu",
			    name, a > b ? a : b, m->u[i].user, a < b ? a : b);
			goto fail;
		}
	return m;
fail:
	mp_identity_map_free(&m);
	return NULL;
}

struct mp_identity_map *
mp_identity_map_load(const char *path, struct mp_error *err)
{
	struct mp_identity_map *k = NULL;
	struct mp_buf b;

	if (mp_read_file(path, MP_IDMAP_MAX, &b, err) == 0)
		k = mp_identity_map_parse(path, b.data != NULL ? b.data : "", b.len, err);
	mp_buf_free(&b);
	return k;
}

size_t
mp_identity_map_count(const struct mp_identity_map *m)
{
	return m->n;
}

enum mp_lookup
mp_identity_map_allows(const struct mp_identity_map *m, const char *user,
    const char *addr)
{
	struct idm_user key = { .user = (char *)(uintptr_t)user }, *u;
	const char *dom = mp_addr_domain(addr);
	size_t i;

	if (m == NULL || user == NULL || *addr == '\0')
		return MP_NOTFOUND;
	u = bsearch(&key, m->u, m->n, sizeof(*m->u), idm_cmp);
	if (u == NULL)
		return MP_NOTFOUND;
	for (i = 0; i < u->nv; i++) {
		if (u->v[i][0] == '@' ? strcasecmp(u->v[i] + 1, dom) == 0
		    : strcasecmp(u->v[i], addr) == 0)
			return MP_FOUND;
	}
	return MP_NOTFOUND;
}

static int
idm_has_user(const struct mp_identity_map *m, const char *user)
{
	struct idm_user key = { .user = (char *)(uintptr_t)user };

	return m != NULL && bsearch(&key, m->u, m->n, sizeof(*m->u), idm_cmp) != NULL;
}

/* ================================================================ */
/* TrustedHosts                                                     */

struct net {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char a[16];
	unsigned bits;
};

struct mp_netlist {
	size_t n;
	struct net net[];
};

/* Text to family + 16 bytes; IPv4-mapped IPv6 becomes IPv4. */
static int
parse_ip(const char *s, int *family, unsigned char *a)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	size_t n = strlen(s);

	if (strncasecmp(s, "IPv6:", 5) == 0) {
		s += 5;
		n -= 5;
	}
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	memset(a, 0, 16);
	if (inet_pton(AF_INET, tmp, a) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, a) != 1)
		return -1;
	*family = AF_INET6;
	if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(a, a + 12, 4);
		memset(a + 4, 0, 12);
		*family = AF_INET;
	}
	return 0;
}

struct mp_netlist *
mp_netlist_parse(const char *name, const char *text, struct mp_error *err)
{
	struct mp_netlist *nl = calloc(1, sizeof(*nl) + MP_NETLIST_MAX * sizeof(struct net));
	const char *p = text, *s;
	char tok[INET6_ADDRSTRLEN + 16], *slash, *end;
	struct net *n;
	unsigned long bits;
	size_t len;

	if (nl == NULL)
		return mp_error_set(err, MP_ENOMEM, "%s: out of memory", name), NULL;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\0')
			break;
		for (s = p; *s && *s != ' ' && *s != '\t' && *s != ',' && *s != '\n' && *s != '\r'; s++)
			;
		len = (size_t)(s - p);
		if (nl->n == MP_NETLIST_MAX) {
			mp_error_set(err, MP_ELIMIT, "%s: more than %d networks (limit)", name,
			    MP_NETLIST_MAX);
			goto fail;
		}
		if (len >= sizeof(tok)) {
			mp_error_set(err, MP_EINPUT, "%s: \"%.40s...\" is not an address or network",
			    name, p);
			goto fail;
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		p = s;
		n = &nl->net[nl->n];
		slash = strchr(tok, '/');
		if (slash != NULL)
			*slash = '\0';
		if (parse_ip(tok, &n->family, n->a) != 0) {
			mp_error_set(err, MP_EINPUT, "%s: \"%s\" is not an IPv4 or IPv6 address",
			    name, tok);
			goto fail;
		}
		n->bits = n->family == AF_INET ? 32 : 128;
		if (slash != NULL) {
			errno = 0;
			bits = strtoul(slash + 1, &end, 10);
			if (slash[1] == '\0' || *end != '\0' || errno != 0 || bits > n->bits) {
				mp_error_set(err, MP_EINPUT, "%s: \"%s/%s\" has a bad prefix length "
				    "(0 to %u)", name, tok, slash + 1, n->bits);
				goto fail;
			}
			n->bits = (unsigned)bits;
		}
		nl->n++;
	}
	return nl;
fail:
	free(nl);
	return NULL;
}

void
mp_netlist_free(struct mp_netlist **np)
{
	free(*np);
	*np = NULL;
}

static int
net_has(const struct net *n, int family, const unsigned char *a)
{
	unsigned full = n->bits / 8, rest = n->bits % 8;

	if (n->family != family || memcmp(n->a, a, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((n->a[full] ^ a[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

int
mp_netlist_match(const struct mp_netlist *nl, const char *addr)
{
	unsigned char a[16];
	int family;
	size_t i;

	if (nl == NULL || addr == NULL || parse_ip(addr, &family, a) != 0)
		return 0;
	for (i = 0; i < nl->n; i++)
		if (net_has(&nl->net[i], family, a))
			return 1;
	return 0;
}

/* ================================================================ */
/* The decision                                                     */

static void __attribute__((format(printf, 3, 4)))
decide(struct mp_identity_decision *d, enum mp_identity_verdict v, const char *fmt, ...)
{
	va_list ap;

	d->verdict = v;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

/*
 * The protected domain that `folded` (fold_text()) names, or NULL: the
 * domain's text with no ASCII letter or digit right before or after it.
 * '-' and '.' are boundaries: "abuse-meldpunt.nl", "x.meldpunt.nl" and
 * "meldpunt.nl." name meldpunt.nl, "evilmeldpunt.nl" does not.
 */
static const char *
mentions(const char *folded, char *const *pd)
{
	size_t tl = strlen(folded), dl, i;
	const char *hit;

	for (; pd != NULL && *pd != NULL; pd++) {
		dl = strlen(*pd);
		while (dl > 0 && (*pd)[dl - 1] == '.')
			dl--;
		if (dl == 0)
			continue;
		for (i = 0; i + dl <= tl; i++) {
			hit = folded + i;
			if (strncasecmp(hit, *pd, dl) != 0)
				continue;
			if (i > 0 && isalnum((unsigned char)hit[-1]))
				continue;
			if (isalnum((unsigned char)hit[dl]))
				continue;
			return *pd;
		}
	}
	return NULL;
}

/*
 * The protected domain UTF-8 `text` names in either folding (fold_text),
 * into *named (NULL: none). MP_ENOMEM.
 */
static int
text_names(const char *text, char *const *pd, const char **named)
{
	char *a = fold_text(text, 1), *b = fold_text(text, 0);
	int rc = a != NULL && b != NULL ? 0 : MP_ENOMEM;

	*named = NULL;
	if (rc == 0 && (*named = mentions(a, pd)) == NULL)
		*named = mentions(b, pd);
	free(a);
	free(b);
	return rc;
}

/*
 * An address in a protected domain written in `text` that is not `self`:
 * "director@meldpunt.nl" <intern@meldpunt.nl> pretends as much as a
 * foreign address does. Copies it to `out`; 1 when found.
 */
static int
other_address(const char *text, const char *self, char *const *pd, char *out,
    size_t outsz)
{
	const char *at, *s, *e;
	char cand[MP_ADDR_MAX + 1], norm[MP_ADDR_MAX + 1];

	for (at = strchr(text, '@'); at != NULL; at = strchr(at + 1, '@')) {
		for (s = at; s > text && (is_atext((unsigned char)s[-1]) || s[-1] == '.'); s--)
			;
		for (e = at + 1; *e && (isalnum((unsigned char)*e) || *e == '-' || *e == '.'); e++)
			;
		while (e > at + 1 && e[-1] == '.')
			e--;
		if (s == at || e == at + 1 || (size_t)(e - s) > MP_ADDR_MAX)
			continue;
		memcpy(cand, s, (size_t)(e - s));
		cand[e - s] = '\0';
		if (mp_addr_normalize(cand, norm, sizeof(norm)) != 0)
			continue;
		if (mp_domain_in(mp_addr_domain(norm), pd) && strcmp(norm, self) != 0) {
			snprintf(out, outsz, "%s", norm);
			return 1;
		}
	}
	return 0;
}

/*
 * A whole raw field as valid UTF-8, even one the parser refused:
 * encoded words decoded where they can be (the others left as they
 * are) when `decode`, bytes that are not UTF-8 replaced. g_free() it.
 */
static char *
raw_text(const char *raw, int decode)
{
	char *dec = NULL, *valid;

	if (!decode)
		return g_utf8_make_valid(raw, -1);
	if (decode_display(raw, strlen(raw), 1, &dec, NULL) != 0)
		return NULL;
	valid = g_utf8_make_valid(dec, -1);
	free(dec);
	return valid;
}

/*
 * The protected domain a raw field names in either reading: decoded,
 * or as its bytes stand (mail readers decode encoded words differently,
 * and one that does not decode a word shows its text). *named is NULL
 * when it names none; MP_ENOMEM.
 */
static int
raw_mentions(const char *raw, char *const *pd, const char **named)
{
	int decode, rc = 0;
	char *t;

	*named = NULL;
	for (decode = 1; decode >= 0 && rc == 0 && *named == NULL; decode--) {
		if ((t = raw_text(raw, decode)) == NULL)
			return MP_ENOMEM;
		rc = text_names(t, pd, named);
		g_free(t);
	}
	return rc;
}

/* Whether the sender may speak for some protected domain at all. */
static int
sender_allowed(const struct mp_identity_policy *pol, const struct mp_identity_input *in)
{
	if (in->auth_authen != NULL && *in->auth_authen != '\0')
		return idm_has_user(pol->map, in->auth_authen);
	return mp_netlist_match(pol->trusted, in->client_addr) &&
	    in->daemon_name != NULL && *in->daemon_name != '\0' &&
	    mp_addr_in(in->daemon_name, pol->submission_daemons);
}

struct facts {
	char env[MP_ADDR_MAX + 1];	/* normalized envelope sender */
	int env_prot;
	char from[MP_ADDR_MAX + 1];	/* the one From address when there is one */
	int from_prot;
	int any;		/* something speaks for a protected domain */
	size_t most;		/* most addresses in one From field */
	int unreadable;		/* some From field could not be read */
	struct mp_error why;	/* why the first one could not */
	const char *named;	/* a protected domain an unreadable field names */
};

/* The envelope sender; one that is no plain address but names a
 * protected domain ("<@relay:abuse@meldpunt.nl>") counts as protected. */
static int
envelope_facts(const struct mp_identity_policy *pol, const char *sender,
    struct facts *F)
{
	const char *named;

	if (sender == NULL || *sender == '\0')
		return 0;
	if (mp_addr_normalize(sender, F->env, sizeof(F->env)) == 0) {
		F->env_prot = F->env[0] != '\0' &&
		    mp_domain_in(mp_addr_domain(F->env), pol->protected_domains);
		return 0;
	}
	clean(F->env, sizeof(F->env), sender);
	if (raw_mentions(sender, pol->protected_domains, &named) != 0)
		return MP_ENOMEM;
	F->env_prot = named != NULL;
	return 0;
}

/*
 * One mailbox of a readable From field. 1 when a reject was decided,
 * 0 to go on, MP_ENOMEM. An address in a protected domain may not name
 * another protected address; any other may not name a protected domain
 * anywhere: display name, comments, local part or its own domain
 * ("abuse@meldpunt.nl.evil.example", "abuse@meldpunt．nl").
 */
static int
judge_mailbox(const struct mp_identity_policy *pol, const struct mp_mailbox *mb,
    struct facts *F, struct mp_identity_decision *d)
{
	char a[80], disp[120], other[MP_ADDR_MAX + 1];
	const char *named = NULL;
	int expand;

	if (mp_domain_in(mp_addr_domain(mb->addr), pol->protected_domains)) {
		F->any = 1;
		for (expand = 1; expand >= 0; expand--) {
			char *fd = fold_text(mb->display, expand);
			int found;

			if (fd == NULL)
				return MP_ENOMEM;
			found = other_address(fd, mb->addr, pol->protected_domains, other,
			    sizeof(other));
			free(fd);
			if (!found)
				continue;
			clean(a, sizeof(a), mb->addr);
			clean(disp, sizeof(disp), other);
			decide(d, MP_IDENTITY_REJECT, "the display name of From: names %s, "
			    "but the address is %s", disp, a);
			return 1;
		}
		return 0;
	}
	if (text_names(mb->display, pol->protected_domains, &named) != 0)
		return MP_ENOMEM;
	if (named != NULL) {
		clean(a, sizeof(a), mb->addr);
		clean(disp, sizeof(disp), mb->display);
		decide(d, MP_IDENTITY_REJECT, "the display name of From: (\"%s\") names the "
		    "protected domain %s, but the address is %s", disp, named, a);
		return 1;
	}
	if (text_names(mb->addr, pol->protected_domains, &named) != 0)
		return MP_ENOMEM;
	if (named != NULL) {
		clean(a, sizeof(a), mb->addr);
		decide(d, MP_IDENTITY_REJECT, "the From: address %s reads as the protected "
		    "domain %s but is not in it", a, named);
		return 1;
	}
	return 0;
}

/* A field with no protected address may not name a protected domain
 * however it is read. 1 when a reject was decided, or MP_ENOMEM. */
static int
judge_whole(const struct mp_identity_policy *pol, const char *raw, const char *addr,
    struct mp_identity_decision *d)
{
	char a[80];
	const char *named;

	if (raw_mentions(raw, pol->protected_domains, &named) != 0)
		return MP_ENOMEM;
	if (named == NULL)
		return 0;
	clean(a, sizeof(a), addr);
	decide(d, MP_IDENTITY_REJECT, "the From: header names the protected domain %s, "
	    "but its address is %s", named, a);
	return 1;
}

/* One From field: its mailboxes judged, or noted as unreadable. */
static int
judge_field(const struct mp_identity_policy *pol, const char *raw, int only,
    struct facts *F, struct mp_identity_decision *d)
{
	struct mp_from f;
	struct mp_error e;
	const char *named;
	size_t j, foreign = 0;
	int rc = mp_from_parse(raw, strlen(raw), &f, &e);

	if (rc == MP_ENOMEM)
		return rc;
	if (rc != 0) {
		if (!F->unreadable++)
			F->why = e;
		if (raw_mentions(raw, pol->protected_domains, &named) != 0)
			return MP_ENOMEM;
		if (F->named == NULL)
			F->named = named;
		return 0;
	}
	F->most = f.n > F->most ? f.n : F->most;
	for (j = 0, rc = 0; j < f.n && rc == 0; j++) {
		if (!mp_domain_in(mp_addr_domain(f.mbox[j].addr), pol->protected_domains))
			foreign++;
		rc = judge_mailbox(pol, &f.mbox[j], F, d);
		if (rc == 0 && only && f.n == 1 && foreign == 0) {
			memcpy(F->from, f.mbox[j].addr, sizeof(F->from));
			F->from_prot = 1;
		}
	}
	/* The field as a whole, as a reader may join its pieces:
	 * "abuse@meldpunt.nl"ro <x@evil.example> reads as the domain to
	 * some, as "meldpunt.nlro" to the parser. */
	if (rc == 0 && foreign == f.n)
		rc = judge_whole(pol, raw, f.mbox[0].addr, d);
	mp_from_clear(&f);
	return rc;
}

/*
 * Read every From field, then judge their shape. 1 when a reject was
 * decided (or *err set); d->protected tells whether the message speaks
 * for a protected domain at all.
 */
static int
check_from(const struct mp_identity_policy *pol, const struct mp_identity_input *in,
    struct facts *F, struct mp_identity_decision *d, int *err)
{
	size_t i, seen = in->nfrom_seen > in->nfrom ? in->nfrom_seen : in->nfrom;
	int rc;

	/* Counted before anything is read: fields past the ones the MTA
	 * glue kept are never seen, so they cannot be judged harmless. */
	if (seen > 1) {
		d->protected = 1;
		decide(d, MP_IDENTITY_REJECT, "the message has %zu From: header fields; "
		    "RFC 5322 allows exactly one", seen);
		return 1;
	}
	F->any = F->env_prot;
	for (i = 0; i < in->nfrom; i++) {
		rc = judge_field(pol, in->from[i], in->nfrom == 1, F, d);
		if (rc == MP_ENOMEM) {
			*err = rc;
			return 1;
		}
		if (rc != 0) {
			d->protected = 1;
			return 1;
		}
	}
	d->protected = F->any || F->unreadable;
	if (F->unreadable && F->named != NULL)
		decide(d, MP_IDENTITY_REJECT, "the From: header names the protected domain %s "
		    "but cannot be read as one address (%s)", F->named, F->why.msg);
	else if (F->unreadable && F->env_prot)
		decide(d, MP_IDENTITY_REJECT, "the envelope sender is in a protected domain "
		    "and the From: header cannot be read (%s)", F->why.msg);
	else if (F->unreadable && !sender_allowed(pol, in))
		decide(d, MP_IDENTITY_REJECT, "the From: header cannot be read (%s); a From "
		    "that cannot be read is taken only from senders allowed to speak for "
		    "a protected domain", F->why.msg);
	else if (F->unreadable) {
		/* An allowed sender's unreadable From that names no protected
		 * domain: not ours, so it is passed but never signed. */
		d->protected = F->any;
		return 0;
	} else if (F->any && F->most > 1)
		decide(d, MP_IDENTITY_REJECT, "From: holds %zu addresses; mail in a protected "
		    "domain must have exactly one author", F->most);
	else
		return 0;
	return 1;
}

/* Whether the SASL user may use every protected address of the message. */
static void
check_sasl(const struct mp_identity_policy *pol, const struct mp_identity_input *in,
    const struct facts *F, struct mp_identity_decision *d)
{
	char user[80], a[80];
	const char *bad = NULL;

	clean(user, sizeof(user), in->auth_authen);
	if (!idm_has_user(pol->map, in->auth_authen)) {
		decide(d, MP_IDENTITY_REJECT, "SASL user %s may not send as %s: the user is "
		    "not in IdentityMap", user, F->from_prot ? F->from : F->env);
		return;
	}
	if (F->from_prot && mp_identity_map_allows(pol->map, in->auth_authen, F->from) != MP_FOUND)
		bad = F->from;
	else if (F->env_prot && mp_identity_map_allows(pol->map, in->auth_authen, F->env) != MP_FOUND)
		bad = F->env;
	if (bad != NULL) {
		clean(a, sizeof(a), bad);
		decide(d, MP_IDENTITY_REJECT, "SASL user %s may not send as %s (not allowed "
		    "by IdentityMap)", user, a);
		return;
	}
	clean(a, sizeof(a), F->from_prot ? F->from : F->env);
	decide(d, MP_IDENTITY_ACCEPT, "SASL user %s is allowed %s by IdentityMap", user, a);
}

static void
check_host(const struct mp_identity_policy *pol, const struct mp_identity_input *in,
    const struct facts *F, struct mp_identity_decision *d)
{
	char client[64], daemon[64], a[80];
	int trusted = mp_netlist_match(pol->trusted, in->client_addr);
	int designated = in->daemon_name != NULL && *in->daemon_name != '\0' &&
	    mp_addr_in(in->daemon_name, pol->submission_daemons);

	clean(client, sizeof(client), in->client_addr ? in->client_addr : "unknown");
	clean(daemon, sizeof(daemon), in->daemon_name ? in->daemon_name : "");
	clean(a, sizeof(a), F->from_prot ? F->from : F->env);
	if (trusted && designated)
		decide(d, MP_IDENTITY_ACCEPT, "client %s is in TrustedHosts and came through "
		    "the submission service %s", client, daemon);
	else if (trusted)
		decide(d, MP_IDENTITY_REJECT, "%s is in a protected domain; client %s is in "
		    "TrustedHosts but came through service \"%s\", not a designated submission "
		    "service, and did not authenticate (a trusted address alone is no proof: "
		    "local submissions also come from 127.0.0.1)", a, client, daemon);
	else
		decide(d, MP_IDENTITY_REJECT, "%s is in a protected domain, but client %s did "
		    "not authenticate (SASL) and is not a trusted host", a, client);
}

int
mp_identity_decide(const struct mp_identity_policy *pol,
    const struct mp_identity_input *in, struct mp_identity_decision *d)
{
	struct facts F;
	int err = 0;

	memset(d, 0, sizeof(*d));
	memset(&F, 0, sizeof(F));
	if (envelope_facts(pol, in->envelope_sender, &F) != 0)
		return MP_ENOMEM;
	if (check_from(pol, in, &F, d, &err))
		return err;
	if (!d->protected) {
		decide(d, MP_IDENTITY_ACCEPT, "no protected domain in From: or the envelope sender");
		return 0;
	}
	if (in->auth_authen != NULL && *in->auth_authen != '\0')
		check_sasl(pol, in, &F, d);
	else
		check_host(pol, in, &F, d);
	return 0;
}
