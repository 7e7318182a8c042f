/*
 * notify - see notify.h
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "addr.h"
#include "buf.h"
#include "encode.h"
#include "notify.h"
#include "redact.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */
#define ELLIPSIS	"\xe2\x80\xa6"	/* U+2026 */
#define FOLD_MILTER	"\n\t"
#define FOLD_MESSAGE	"\r\n "
#define BILINGUAL_TOP	"(English version below)\n\n"
#define BILINGUAL_SEP	"\n======================== English version " \
			"========================\n\n"

/* Everything one rendering needs, freed in one place. */
struct render {
	const struct mp_template_set *setp;
	const struct mp_report *r;
	const struct mp_notify_conf *conf;
	struct mp_notice *n;
	struct mp_error *err;
	struct mp_buf val[MP_TF_COUNT];
	const char *vals[MP_TF_COUNT];
	char from_addr[MP_ADDR_MAX + 1];
	char boundary[48];
	struct mp_buf evidence;	/* redacted evidence, when it was */
	const unsigned char *ev_data;
	size_t ev_len;
	char ev_type[128];
	char ev_name[80];
};

static int
random_bytes(unsigned char *p, size_t n, struct mp_error *err)
{
	ssize_t got;

	while (n > 0) {
		got = getrandom(p, n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return mp_error_set(err, MP_ERETRY,
			    "no random bytes for a notice id: %s",
			    strerror(errno));
		p += got;
		n -= (size_t)got;
	}
	return MP_OK;
}

int
mp_notify_new_id(char *out, size_t outsz, struct mp_error *err)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char rnd[16];
	unsigned bits = 0, acc = 0;
	size_t i, o = 3;
	int rc;

	if (outsz < MP_NOTIFY_ID_MAX)
		return mp_error_set(err, MP_EINTERNAL, "notice id buffer too small");
	if ((rc = random_bytes(rnd, sizeof(rnd), err)) != MP_OK)
		return rc;
	memcpy(out, "MP-", 3);
	for (i = 0; i < sizeof(rnd); i++) {
		acc = (acc << 8) | rnd[i];
		for (bits += 8; bits >= 5; bits -= 5)
			out[o++] = b32[(acc >> (bits - 5)) & 31];
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return MP_OK;
}

enum mp_notify_lang
mp_notify_lang_pick(const char *const *langs, size_t n)
{
	enum mp_notify_lang pick = MP_NOTIFY_BILINGUAL, one;
	size_t i;

	for (i = 0; i < n; i++) {
		if (langs[i] != NULL && strcasecmp(langs[i], "nl") == 0)
			one = MP_NOTIFY_NL;
		else if (langs[i] != NULL && strcasecmp(langs[i], "en") == 0)
			one = MP_NOTIFY_EN;
		else
			return MP_NOTIFY_BILINGUAL;
		if (i > 0 && one != pick)
			return MP_NOTIFY_BILINGUAL;
		pick = one;
	}
	return pick;
}

const char *
mp_notify_lang_name(enum mp_notify_lang lang)
{
	return lang == MP_NOTIFY_NL ? "nl" : lang == MP_NOTIFY_EN ? "en" :
	    "nl+en";
}

void
mp_notice_free(struct mp_notice **np)
{
	size_t i;

	if (np == NULL || *np == NULL)
		return;
	for (i = 0; i < (*np)->nheaders; i++)
		free((*np)->headers[i].value);
	free((*np)->subject_text);
	free((*np)->text);
	free((*np)->body);
	free((*np)->message);
	free(*np);
	*np = NULL;
}

/* A code point that must not reach a reader: controls, separators, bidi. */
static int
unsafe_cp(const unsigned char *p, size_t seq)
{
	unsigned cp;

	if (seq == 1)
		return p[0] < 0x20 || p[0] == 0x7f;
	cp = seq == 2 ? ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu) :
	    seq == 3 ? ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) |
	    (p[2] & 0x3fu) : 0x10000;
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x200e || cp == 0x200f || cp == 0xfeff;
}

/* Valid, printable UTF-8 of at most `max` bytes (then "..."). */
static int
sanitize(const char *in, size_t max, struct mp_buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t len = strlen(in), i = 0, seq, start = out->len;
	int rc = MP_OK;

	while (i < len && rc == MP_OK) {
		seq = mp_utf8_seq(p + i, len - i);
		if (out->len - start + (seq ? seq : 3) > max)
			return mp_buf_puts(out, ELLIPSIS);
		if (seq == 0) {
			rc = mp_buf_puts(out, REPLACEMENT);
			i++;
		} else if (p[i] == '\t') {
			rc = mp_buf_puts(out, " ");
			i++;
		} else if (unsafe_cp(p + i, seq)) {
			rc = mp_buf_puts(out, REPLACEMENT);
			i += seq;
		} else {
			rc = mp_buf_append(out, p + i, seq);
			i += seq;
		}
	}
	return rc;
}

/* hxxp://host[.]example/path: no mail program makes a link of it. */
static int
defang(const char *s, struct mp_buf *out)
{
	const char *host = strstr(s, "://"), *p;
	int rc = MP_OK;

	if (host != NULL) {
		for (p = s; p < host && rc == MP_OK; p++)
			rc = mp_buf_append(out, (p - s == 1 || p - s == 2) &&
			    (*p == 't' || *p == 'T') &&
			    (s[0] == 'h' || s[0] == 'H') ? "x" : p, 1);
		if (rc == MP_OK)
			rc = mp_buf_puts(out, "://");
		s = host + 3;
	}
	for (p = s; *p != '\0' && rc == MP_OK; p++) {
		if (strchr("/?#", *p) != NULL)
			return mp_buf_puts(out, p);
		rc = *p == '.' ? mp_buf_puts(out, "[.]") : mp_buf_append(out, p, 1);
	}
	return rc;
}

/* One report string into a template value: safe, redacted, bounded. */
static int
set_text(struct render *rd, enum mp_tfield f, const char *v, size_t max)
{
	struct mp_buf clean, red;
	int rc;

	if (v == NULL || *v == '\0')
		return MP_OK;
	mp_buf_init(&clean, 0);
	mp_buf_init(&red, 0);
	if ((rc = sanitize(v, max, &clean)) == MP_OK &&
	    (rc = mp_redact(clean.data, clean.len, 0, &red,
	    &rd->n->redacted)) == MP_OK) {
		if (f == MP_TF_URL)
			rc = defang(red.data, &rd->val[f]);
		else
			rc = mp_buf_append(&rd->val[f], red.data, red.len);
	}
	mp_buf_free(&clean);
	mp_buf_free(&red);
	return rc;
}

static int
set_time(struct render *rd, enum mp_tfield f, time_t t)
{
	struct tm tm;

	if (t <= 0 || gmtime_r(&t, &tm) == NULL)
		return MP_OK;
	return mp_buf_printf(&rd->val[f], "%04d-%02d-%02d %02d:%02d:%02d UTC",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
}

static const char *
format_name(enum mp_report_format fmt)
{
	switch (fmt) {
	case MP_FMT_ARF: return "ARF";
	case MP_FMT_XARF01: return "X-ARF 0.1";
	case MP_FMT_XARF02: return "X-ARF 0.2";
	case MP_FMT_XARF3: return "XARF 3";
	case MP_FMT_XARF4: return "XARF 4";
	}
	return "";
}

/* TLP amber and red mean: do not pass on who reported it. */
static int
may_name_reporter(const char *tlp)
{
	return tlp == NULL || *tlp == '\0' || strcasecmp(tlp, "clear") == 0 ||
	    strcasecmp(tlp, "white") == 0 || strcasecmp(tlp, "green") == 0;
}

/*
 * Who reported it, as far as the reporter's record (disclose) and the
 * report's TLP allow (notify.h, "The reporter").
 */
static int
set_reporter(struct render *rd)
{
	const struct mp_report *r = rd->r;
	const struct mp_notify_conf *c = rd->conf;
	const size_t vm = MP_NOTIFY_VALUE_MAX;
	const char *name;
	int rc = MP_OK;

	if (c->disclose == MP_DISCLOSE_NONE)
		return MP_OK;
	rc |= set_text(rd, MP_TF_REPORT_ID, r->report_id, vm);
	if (!may_name_reporter(r->tlp))
		return rc;
	name = c->reporter_name != NULL && *c->reporter_name != '\0' ?
	    c->reporter_name : r->reporter_org;
	if (c->disclose == MP_DISCLOSE_NAME_ADDRESS) {
		/* no name known: the address alone still says who */
		rc |= set_text(rd, MP_TF_REPORTER, name != NULL ? name :
		    r->reporter_addr, vm);
		if (name != NULL)
			rc |= set_text(rd, MP_TF_REPORTER_ADDRESS,
			    r->reporter_addr, vm);
	} else
		rc |= set_text(rd, MP_TF_REPORTER, name, vm);
	return rc;
}

static int
set_report_values(struct render *rd)
{
	const struct mp_report *r = rd->r;
	const size_t vm = MP_NOTIFY_VALUE_MAX;
	time_t when = r->last_seen ? r->last_seen :
	    r->first_seen ? r->first_seen : r->reported_at;
	int rc = MP_OK;

	rc |= mp_buf_puts(&rd->val[MP_TF_TYPE], mp_report_type_name(r->type));
	rc |= mp_buf_puts(&rd->val[MP_TF_FORMAT], format_name(r->format));
	rc |= set_text(rd, MP_TF_TYPE_DETAIL, r->type_detail, vm);
	rc |= set_text(rd, MP_TF_SOURCE_IP, r->source_ip, vm);
	rc |= set_text(rd, MP_TF_DOMAIN, r->domain, vm);
	rc |= set_text(rd, MP_TF_URL, r->url, MP_NOTIFY_URL_MAX);
	rc |= set_text(rd, MP_TF_SERVICE, r->service, vm);
	rc |= set_text(rd, MP_TF_TLP, r->tlp, vm);
	rc |= set_reporter(rd);
	if (r->source_port > 0 && r->source_port <= 65535)
		rc |= mp_buf_printf(&rd->val[MP_TF_SOURCE_PORT], "%d",
		    r->source_port);
	if (r->asn != 0)
		rc |= mp_buf_printf(&rd->val[MP_TF_ASN], "AS%u", (unsigned)r->asn);
	if (r->occurrences != 0)
		rc |= mp_buf_printf(&rd->val[MP_TF_OCCURRENCES], "%u",
		    r->occurrences);
	rc |= set_time(rd, MP_TF_TIME, when);
	rc |= set_time(rd, MP_TF_FIRST_SEEN, r->first_seen);
	rc |= set_time(rd, MP_TF_LAST_SEEN, r->last_seen);
	rc |= set_time(rd, MP_TF_REPORTED_AT, r->reported_at);
	/* The MP_E* codes are negative: any failure leaves rc non-zero. */
	return rc == MP_OK ? MP_OK : MP_ENOMEM;
}

static int
set_conf_values(struct render *rd)
{
	const struct mp_notify_conf *c = rd->conf;
	const size_t vm = MP_NOTIFY_VALUE_MAX;
	size_t i;
	int rc = MP_OK;

	rc |= mp_buf_puts(&rd->val[MP_TF_NOTICE_ID], rd->n->notice_id);
	rc |= set_time(rd, MP_TF_DATE, c->now);
	rc |= mp_buf_puts(&rd->val[MP_TF_IDENTITY], rd->from_addr);
	rc |= mp_buf_puts(&rd->val[MP_TF_IDENTITY_DOMAIN],
	    mp_addr_domain(rd->from_addr));
	rc |= set_text(rd, MP_TF_IDENTITY_NAME, c->from_name, vm);
	rc |= set_text(rd, MP_TF_WEBSITE, c->website, vm);
	rc |= set_text(rd, MP_TF_PHONE, c->phone, vm);
	for (i = 0; i < c->nto; i++)
		rc |= mp_buf_printf(&rd->val[MP_TF_CONTACT], "%s%s",
		    i ? ", " : "", c->to[i]);
	if (rd->ev_data != NULL)
		rc |= mp_buf_puts(&rd->val[MP_TF_ATTACHMENT], rd->ev_name);
	if (rd->n->redacted)
		rc |= mp_buf_puts(&rd->val[MP_TF_REDACTED], "yes");
	return rc == MP_OK ? MP_OK : MP_ENOMEM;
}

static int
valid_ctype(const char *s)
{
	const char *slash = strchr(s, '/');
	size_t i;

	if (slash == NULL || slash == s || slash[1] == '\0' ||
	    strchr(slash + 1, '/') != NULL || strlen(s) >= 100)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] != '/' && !isalnum((unsigned char)s[i]) &&
		    strchr("!#$&^_.+-", s[i]) == NULL)
			return 0;
	return 1;
}

static void
evidence_type(struct render *rd, const struct mp_evidence *ev)
{
	size_t i;

	snprintf(rd->ev_type, sizeof(rd->ev_type), "%s",
	    ev->content_type && valid_ctype(ev->content_type) ?
	    ev->content_type : "application/octet-stream");
	for (i = 0; rd->ev_type[i] != '\0'; i++)
		rd->ev_type[i] = (char)tolower((unsigned char)rd->ev_type[i]);
	/* RFC 2046 5.2: these may only be 7bit/8bit/binary, never base64. */
	if (strcmp(rd->ev_type, "message/rfc822") == 0 ||
	    strcmp(rd->ev_type, "message/partial") == 0 ||
	    strcmp(rd->ev_type, "message/external-body") == 0)
		snprintf(rd->ev_type, sizeof(rd->ev_type),
		    "application/octet-stream");
}

/* A file name made only of [A-Za-z0-9._-], or a default for the type. */
static void
evidence_name(struct render *rd, const struct mp_evidence *ev)
{
	const char *s = ev->filename, *p;
	size_t o = 0;

	if (s != NULL) {
		if ((p = strrchr(s, '/')) != NULL)
			s = p + 1;
		if ((p = strrchr(s, '\\')) != NULL)
			s = p + 1;
		while (*s == '.')
			s++;
		for (; *s != '\0' && o < 64; s++)
			rd->ev_name[o++] = isalnum((unsigned char)*s) ||
			    strchr("._-", *s) ? *s : '_';
	}
	rd->ev_name[o] = '\0';
	if (o > 0)
		return;
	snprintf(rd->ev_name, sizeof(rd->ev_name), "report.%s",
	    strstr(ev->content_type ? ev->content_type : "", "json") ? "json" :
	    ev->content_type && strcasecmp(ev->content_type,
	    "message/rfc822") == 0 ? "eml" :
	    ev->content_type && (strncasecmp(ev->content_type, "text/", 5) == 0 ||
	    strncasecmp(ev->content_type, "message/", 8) == 0) ? "txt" : "bin");
}

static int
utf8_text(const unsigned char *p, size_t len)
{
	size_t i = 0, seq;

	while (i < len) {
		if (p[i] == '\0' || (seq = mp_utf8_seq(p + i, len - i)) == 0)
			return 0;
		i += seq;
	}
	return 1;
}

/* What of the evidence goes out: all of it, redacted, or nothing. */
static int
prepare_evidence(struct render *rd)
{
	const struct mp_evidence *ev = &rd->r->evidence;
	int changed = 0, rc;

	rd->n->evidence = 0;
	if (ev->data == NULL || ev->len == 0)
		return MP_OK;
	evidence_type(rd, ev);
	evidence_name(rd, ev);
	if (rd->r->type != MP_TYPE_LEAKED_CREDENTIALS) {
		rd->ev_data = ev->data;
		rd->ev_len = ev->len;
		rd->n->evidence = 1;
		return MP_OK;
	}
	if (!utf8_text(ev->data, ev->len)) {
		rd->n->evidence = 3;
		rd->n->redacted = 1;
		return MP_OK;
	}
	if ((rc = mp_redact((const char *)ev->data, ev->len, 1, &rd->evidence,
	    &changed)) != MP_OK)
		return rc;
	rd->ev_data = (const unsigned char *)rd->evidence.data;
	rd->ev_len = rd->evidence.len;
	rd->n->evidence = changed ? 2 : 1;
	rd->n->redacted |= changed;
	return MP_OK;
}

static int
render_one(struct render *rd, enum mp_tlang l, struct mp_buf *subject,
    struct mp_buf *text)
{
	int rc;

	if ((rc = mp_template_render(mp_templates_get(rd->setp, l, rd->r->type),
	    rd->vals, subject, text)) != MP_OK)
		return rc;
	return mp_template_render(mp_templates_footer(rd->setp, l), rd->vals,
	    NULL, text);
}

/* One line, single spaces, at most MP_NOTIFY_SUBJECT_MAX characters. */
static int
tidy_subject(const char *in, struct mp_buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, chars = 0, seq, len = strlen(in);
	int rc = MP_OK, space = 0;

	while (p[i] == ' ')
		i++;
	for (; i < len && rc == MP_OK; i += seq) {
		seq = mp_utf8_seq(p + i, len - i);
		seq = seq ? seq : 1;
		if (p[i] == ' ') {
			space = 1;
			continue;
		}
		if (++chars > MP_NOTIFY_SUBJECT_MAX)
			return mp_buf_puts(out, ELLIPSIS);
		if (space && out->len > 0)
			rc = mp_buf_puts(out, " ");
		space = 0;
		if (rc == MP_OK)
			rc = mp_buf_append(out, p + i, seq);
	}
	return rc;
}

static int
render_text(struct render *rd, enum mp_notify_lang lang)
{
	struct mp_buf subj, en, text, tidy;
	int rc;

	mp_buf_init(&subj, 4096);
	mp_buf_init(&en, 4096);
	mp_buf_init(&text, MP_NOTIFY_TEXT_MAX);
	mp_buf_init(&tidy, 0);
	if (lang == MP_NOTIFY_BILINGUAL) {
		if ((rc = mp_buf_puts(&text, BILINGUAL_TOP)) == MP_OK &&
		    (rc = render_one(rd, MP_TLANG_NL, &subj, &text)) == MP_OK &&
		    (rc = mp_buf_puts(&text, BILINGUAL_SEP)) == MP_OK &&
		    (rc = render_one(rd, MP_TLANG_EN, &en, &text)) == MP_OK)
			rc = mp_buf_printf(&subj, " / %s", en.data ? en.data : "");
	} else
		rc = render_one(rd, lang == MP_NOTIFY_EN ? MP_TLANG_EN :
		    MP_TLANG_NL, &subj, &text);
	if (rc == MP_OK)
		rc = tidy_subject(subj.data ? subj.data : "", &tidy);
	if (rc == MP_OK) {
		rd->n->subject_text = tidy.data ? tidy.data : strdup("");
		rd->n->text = text.data ? text.data : strdup("");
		mp_buf_init(&tidy, 0);
		mp_buf_init(&text, 0);
		if (rd->n->subject_text == NULL || rd->n->text == NULL)
			rc = MP_ENOMEM;
	}
	mp_buf_free(&subj);
	mp_buf_free(&en);
	mp_buf_free(&text);
	mp_buf_free(&tidy);
	if (rc == MP_ELIMIT)
		return mp_error_set(rd->err, rc, "the rendered notification is "
		    "larger than %d bytes (limit)", MP_NOTIFY_TEXT_MAX);
	return rc == MP_OK ? MP_OK : mp_error_set(rd->err, rc, "out of memory");
}

/* A display name as an atom sequence, a quoted-string or encoded words. */
static int
display_name(const char *name, struct mp_buf *out)
{
	const unsigned char *p;
	int ascii = 1, special = 0, rc;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		ascii &= (*p < 0x80);
		special |= (strchr("()<>[]:;@\\,.\"", *p) != NULL);
	}
	if (!ascii || strstr(name, "=?") != NULL)
		return mp_enc_header_text(name, out);
	if (!special)
		return mp_buf_puts(out, name);
	rc = mp_buf_puts(out, "\"");
	for (p = (const unsigned char *)name; *p != '\0' && rc == MP_OK; p++)
		rc = mp_buf_printf(out, "%s%c", *p == '"' || *p == '\\' ?
		    "\\" : "", *p);
	return rc == MP_OK ? mp_buf_puts(out, "\"") : rc;
}

/* Add a header: `value` (7-bit, unfolded) stored folded for libmilter. */
static int
add_header(struct render *rd, const char *name, const char *value,
    const char **alias)
{
	struct mp_notice *n = rd->n;
	struct mp_buf b;
	int rc;

	if (n->nheaders >= MP_NOTICE_MAX_HEADERS)
		return MP_EINTERNAL;
	mp_buf_init(&b, 0);
	if ((rc = mp_enc_fold(name, value, FOLD_MILTER, 1, &b)) != MP_OK) {
		mp_buf_free(&b);
		return rc;
	}
	n->headers[n->nheaders].name = name;
	n->headers[n->nheaders].value = b.data ? b.data : strdup("");
	if (n->headers[n->nheaders].value == NULL)
		return MP_ENOMEM;
	if (alias != NULL)
		*alias = n->headers[n->nheaders].value;
	n->nheaders++;
	return MP_OK;
}

static int
rfc5322_date(time_t t, struct mp_buf *out)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return MP_EINTERNAL;
	return mp_buf_printf(out, "%.3s, %02d %.3s %04d %02d:%02d:%02d +0000",
	    days + 3 * tm.tm_wday, tm.tm_mday, mons + 3 * tm.tm_mon,
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int
address_headers(struct render *rd)
{
	const struct mp_notify_conf *c = rd->conf;
	char addr[MP_ADDR_MAX + 1];
	struct mp_buf from, to;
	size_t i;
	int rc = MP_OK;

	mp_buf_init(&from, 0);
	mp_buf_init(&to, 0);
	if (rd->vals[MP_TF_IDENTITY_NAME] != NULL &&
	    (rc = display_name(rd->vals[MP_TF_IDENTITY_NAME], &from)) == MP_OK)
		rc = mp_buf_puts(&from, " ");
	if (rc == MP_OK)
		rc = mp_buf_printf(&from, "<%s>", rd->from_addr);
	for (i = 0; rc == MP_OK && i < c->nto; i++) {
		if (c->to[i] == NULL ||
		    mp_addr_normalize(c->to[i], addr, sizeof(addr)) != 0 ||
		    *addr == '\0') {
			rc = MP_EINPUT;
			break;
		}
		rc = mp_buf_printf(&to, "%s%s", i ? ", " : "", addr);
	}
	if (rc == MP_OK)
		rc = add_header(rd, "From", from.data, &rd->n->from);
	if (rc == MP_OK && to.len > 0)
		rc = add_header(rd, "To", to.data, &rd->n->to);
	mp_buf_free(&from);
	mp_buf_free(&to);
	return rc;
}

static int
headers(struct render *rd)
{
	static const char *const lang[] = { "nl", "en", "nl, en" };
	struct mp_notice *n = rd->n;
	struct mp_buf b;
	int rc;

	mp_buf_init(&b, 0);
	if ((rc = address_headers(rd)) != MP_OK)
		goto out;
	if ((rc = mp_enc_header_text(n->subject_text, &b)) != MP_OK ||
	    (rc = add_header(rd, "Subject", b.data ? b.data : "", &n->subject))
	    != MP_OK)
		goto out;
	mp_buf_reset(&b);
	if ((rc = rfc5322_date(rd->conf->now, &b)) != MP_OK ||
	    (rc = add_header(rd, "Date", b.data, &n->date)) != MP_OK)
		goto out;
	mp_buf_reset(&b);
	if ((rc = mp_buf_printf(&b, "<%s@%s>", n->notice_id,
	    mp_addr_domain(rd->from_addr))) != MP_OK ||
	    (rc = add_header(rd, "Message-ID", b.data, &n->message_id)) != MP_OK ||
	    (rc = add_header(rd, "X-Meldpunt-Id", n->notice_id, NULL)) != MP_OK ||
	    (rc = add_header(rd, "Auto-Submitted", "auto-generated", NULL)) != MP_OK ||
	    (rc = add_header(rd, "Content-Language", lang[n->lang], NULL)) != MP_OK ||
	    (rc = add_header(rd, "MIME-Version", "1.0", &n->mime_version)) != MP_OK)
		goto out;
	mp_buf_reset(&b);
	if ((rc = mp_buf_printf(&b, "multipart/mixed; boundary=\"%s\"",
	    rd->boundary)) != MP_OK ||
	    (rc = add_header(rd, "Content-Type", b.data, &n->content_type)) != MP_OK)
		goto out;
	rc = add_header(rd, "Content-Transfer-Encoding", "7bit",
	    &n->content_transfer_encoding);
out:
	mp_buf_free(&b);
	if (rc == MP_EINPUT)
		return mp_error_set(rd->err, rc, "a contact address is not one "
		    "plain address; nothing was sent");
	return rc == MP_OK ? MP_OK :
	    mp_error_set(rd->err, rc, "cannot build the notification headers");
}

static int
body(struct render *rd)
{
	struct mp_buf b;
	int rc;

	mp_buf_init(&b, MP_NOTIFY_MESSAGE_MAX);
	rc = mp_buf_printf(&b, "This is a MIME message. Dit is een MIME-bericht."
	    "\r\n\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Content-Disposition: inline\r\n\r\n", rd->boundary);
	if (rc == MP_OK)
		rc = mp_enc_qp(rd->n->text, strlen(rd->n->text), &b);
	if (rc == MP_OK && rd->ev_data != NULL) {
		rc = mp_buf_printf(&b, "\r\n--%s\r\nContent-Type: %s; "
		    "name=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n"
		    "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
		    rd->boundary, rd->ev_type, rd->ev_name, rd->ev_name);
		if (rc == MP_OK)
			rc = mp_enc_base64(rd->ev_data, rd->ev_len, &b);
	}
	if (rc == MP_OK)
		rc = mp_buf_printf(&b, "\r\n--%s--\r\n", rd->boundary);
	if (rc != MP_OK) {
		mp_buf_free(&b);
		return mp_error_set(rd->err, rc, "the notification is larger "
		    "than %lu bytes (limit) or memory ran out",
		    MP_NOTIFY_MESSAGE_MAX);
	}
	rd->n->body = b.data;
	rd->n->body_len = b.len;
	return MP_OK;
}

static int
whole_message(struct render *rd)
{
	struct mp_notice *n = rd->n;
	struct mp_buf b;
	size_t i;
	int rc = MP_OK;

	mp_buf_init(&b, 0);
	for (i = 0; rc == MP_OK && i < n->nheaders; i++) {
		/* Re-fold from the unfolded value with CRLF breaks. */
		struct mp_buf v;
		char *p;

		mp_buf_init(&v, 0);
		rc = mp_buf_puts(&v, n->headers[i].value);
		for (p = v.data; rc == MP_OK && p && *p; p++)
			if (*p == '\n' || *p == '\t')
				*p = ' ';
		if (rc == MP_OK &&
		    (rc = mp_enc_fold(n->headers[i].name, v.data, FOLD_MESSAGE,
		    0, &b)) == MP_OK)
			rc = mp_buf_puts(&b, "\r\n");
		mp_buf_free(&v);
	}
	if (rc == MP_OK && (rc = mp_buf_puts(&b, "\r\n")) == MP_OK)
		rc = mp_buf_append(&b, n->body, n->body_len);
	if (rc != MP_OK) {
		mp_buf_free(&b);
		return mp_error_set(rd->err, rc, "out of memory");
	}
	n->message = b.data;
	n->message_len = b.len;
	return MP_OK;
}

/* The last guard: 7-bit, CRLF only, lines of at most 998 bytes. */
static int
check_7bit(const char *p, size_t len, struct mp_error *err)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		if ((unsigned char)p[i] >= 0x80 || p[i] == '\0' ||
		    (p[i] == '\r' && (i + 1 >= len || p[i + 1] != '\n')) ||
		    (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')))
			return mp_error_set(err, MP_EINTERNAL, "the notification "
			    "is not 7-bit clean at byte %zu (a bug)", i);
		col = p[i] == '\n' ? 0 : col + 1;
		if (col > 999)
			return mp_error_set(err, MP_EINTERNAL, "a notification "
			    "line is over 998 bytes at byte %zu (a bug)", i);
	}
	return MP_OK;
}

static int
prepare(struct render *rd, enum mp_notify_lang lang)
{
	const struct mp_notify_conf *c = rd->conf;
	unsigned char rnd[16];
	size_t i;
	int rc;

	rd->n->lang = lang;
	if (c->from_addr == NULL ||
	    mp_addr_normalize(c->from_addr, rd->from_addr,
	    sizeof(rd->from_addr)) != 0 || *mp_addr_domain(rd->from_addr) == '\0')
		return mp_error_set(rd->err, MP_ECONFIG, "Identity: \"%s\" is "
		    "not one plain address", c->from_addr ? c->from_addr : "");
	if (c->notice_id != NULL) {
		for (i = 0; c->notice_id[i] != '\0'; i++)
			if (!isalnum((unsigned char)c->notice_id[i]) &&
			    c->notice_id[i] != '-')
				break;
		if (i == 0 || c->notice_id[i] != '\0' || i >= MP_NOTIFY_ID_MAX)
			return mp_error_set(rd->err, MP_EINPUT, "notice id "
			    "must be 1 to %d letters, digits or '-'",
			    MP_NOTIFY_ID_MAX - 1);
		memcpy(rd->n->notice_id, c->notice_id, i + 1);
	} else if ((rc = mp_notify_new_id(rd->n->notice_id,
	    sizeof(rd->n->notice_id), rd->err)) != MP_OK)
		return rc;
	if ((rc = random_bytes(rnd, sizeof(rnd), rd->err)) != MP_OK)
		return rc;
	/* "=_" never occurs in quoted-printable or base64 output. */
	memcpy(rd->boundary, "=_mp_", 6);
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(rd->boundary + 5 + 2 * i, 3, "%02x", rnd[i]);
	return MP_OK;
}

static int
render_all(struct render *rd, enum mp_notify_lang lang)
{
	int rc;

	if ((rc = prepare(rd, lang)) != MP_OK)
		return rc;
	if ((rc = prepare_evidence(rd)) != MP_OK ||
	    (rc = set_report_values(rd)) != MP_OK ||
	    (rc = set_conf_values(rd)) != MP_OK)
		return mp_error_set(rd->err, rc, "out of memory");
	for (size_t i = 0; i < MP_TF_COUNT; i++)
		rd->vals[i] = rd->val[i].data;
	if ((rc = render_text(rd, lang)) != MP_OK ||
	    (rc = headers(rd)) != MP_OK ||
	    (rc = body(rd)) != MP_OK ||
	    (rc = whole_message(rd)) != MP_OK)
		return rc;
	return check_7bit(rd->n->message, rd->n->message_len, rd->err);
}

int
mp_notify_render(const struct mp_template_set *set, const struct mp_report *r,
    enum mp_notify_lang lang, const struct mp_notify_conf *conf,
    struct mp_notice **np, struct mp_error *err)
{
	struct mp_notify_conf c = *conf;
	struct render rd;
	size_t i;
	int rc;

	*np = NULL;
	if (c.now == 0)
		c.now = time(NULL);
	memset(&rd, 0, sizeof(rd));
	rd.setp = set;
	rd.r = r;
	rd.conf = &c;
	rd.err = err;
	for (i = 0; i < MP_TF_COUNT; i++)
		mp_buf_init(&rd.val[i], 0);
	mp_buf_init(&rd.evidence, 0);
	if ((rd.n = calloc(1, sizeof(*rd.n))) == NULL)
		rc = mp_error_set(err, MP_ENOMEM, "out of memory");
	else
		rc = render_all(&rd, lang);
	for (i = 0; i < MP_TF_COUNT; i++)
		mp_buf_free(&rd.val[i]);
	mp_buf_free(&rd.evidence);
	if (rc != MP_OK) {
		mp_notice_free(&rd.n);
		return rc;
	}
	*np = rd.n;
	return MP_OK;
}
