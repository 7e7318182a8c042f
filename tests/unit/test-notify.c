/*
 * Unit tests for templates, encoders, redaction and notification rendering.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encode.h"
#include "notify_fixture.h"
#include "redact.h"

static struct mp_template_set *set;

static void
load_set(void)
{
	set = notify_fx_templates();
}

static void
free_set(void)
{
	mp_templates_free(&set);
}

/* --- helpers: decoders written independently of the encoders --- */

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ?
	    c - 'A' + 10 : -1;
}

/* Decode quoted-printable; CRLF becomes "\n". */
static char *
qp_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '=' && i + 2 < len && s[i + 1] == '\r' &&
		    s[i + 2] == '\n') {
			i += 2;
		} else if (s[i] == '=') {
			ck_assert(i + 2 < len);
			ck_assert_int_ge(hexval(s[i + 1]), 0);
			ck_assert_int_ge(hexval(s[i + 2]), 0);
			*o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') {
			*o++ = '\n';
			i++;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

static unsigned char *
b64_decode(const char *s, size_t len, size_t *outlen)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char *out = malloc(len), *o = out;
	unsigned v = 0, bits = 0;
	size_t i;
	const char *p;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '=')
			continue;
		p = strchr(a, s[i]);
		ck_assert_ptr_nonnull(p);
		v = (v << 6) | (unsigned)(p - a);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*o++ = (unsigned char)(v >> bits);
		}
	}
	*outlen = (size_t)(o - out);
	return out;
}

/* The content of MIME part `idx` (1-based) of a notice, after its headers. */
static const char *
part(const struct mp_notice *n, int idx, size_t *len, const char **hdrs)
{
	char delim[128];
	const char *b = strstr(n->content_type, "boundary=\"") + 10, *p, *e;

	snprintf(delim, sizeof(delim), "\r\n--%.*s", (int)(strchr(b, '"') - b), b);
	p = n->body;
	while (idx-- > 0) {
		p = strstr(p, delim + 2);
		ck_assert_ptr_nonnull(p);
		p += strlen(delim + 2);
	}
	*hdrs = p;
	p = strstr(p, "\r\n\r\n") + 4;
	e = strstr(p, delim);
	ck_assert_ptr_nonnull(e);
	*len = (size_t)(e - p);
	return p;
}

/* Every header line is a known field or a continuation. */
static void
assert_header_lines(const struct mp_notice *n)
{
	static const char *const ok[] = { "From:", "To:", "Subject:", "Date:",
	    "Message-ID:", "X-Meldpunt-Id:", "Auto-Submitted:",
	    "Content-Language:", "MIME-Version:", "Content-Type:",
	    "Content-Transfer-Encoding:", NULL };
	const char *p = n->message, *end = strstr(n->message, "\r\n\r\n");
	int i, found, count = 0;

	for (; p < end; p = strstr(p, "\r\n") + 2) {
		if (*p == ' ' || *p == '\t')
			continue;
		for (i = 0, found = 0; ok[i] != NULL; i++)
			found |= strncmp(p, ok[i], strlen(ok[i])) == 0;
		ck_assert_msg(found, "unexpected header line: %.40s", p);
		count++;
	}
	ck_assert_int_eq(count, (int)n->nheaders);
	for (size_t h = 0; h < n->nheaders; h++) {
		const char *v = n->headers[h].value, *q;

		for (q = v; *q; q++)
			if (*q == '\n')
				ck_assert(q[1] == '\t');
	}
}

static struct mp_notify_conf
conf(void)
{
	struct mp_notify_conf c = notify_fx_conf();

	c.phone = "+31 70 000 0000";
	return c;
}

static struct mp_report
report(enum mp_report_type type)
{
	static unsigned char ev[] = "Feedback-Type: abuse\r\nSource-IP: 192.0.2.7\r\n";
	struct mp_report r;

	memset(&r, 0, sizeof(r));
	r.format = MP_FMT_ARF;
	r.type = type;
	r.source_ip = "192.0.2.7";
	r.source_port = 22;
	r.service = "ssh";
	r.first_seen = 1714550000;
	r.last_seen = 1714560000;
	r.reporter_org = "Voorbeeld CERT";
	r.tlp = "green";
	r.occurrences = 12;
	r.evidence.content_type = "message/feedback-report";
	r.evidence.filename = "report.txt";
	r.evidence.data = ev;
	r.evidence.len = sizeof(ev) - 1;
	return r;
}

static struct mp_notice *
render(const struct mp_report *r, enum mp_lang lang)
{
	struct mp_notify_conf c = conf();
	struct mp_notice *n = NULL;
	struct mp_error err;

	mp_error_clear(&err);
	if (mp_notify_render(set, r, lang, &c, &n, &err) != MP_OK)
		ck_abort_msg("render: %s", err.msg);
	notify_fx_assert_7bit(n->message, n->message_len);
	assert_header_lines(n);
	return n;
}

/* --- templates --- */

START_TEST(every_template_loads)
{
	int l, t;

	for (l = MP_LANG_NL; l < MP_LANG_COUNT; l++) {
		for (t = 0; t < MP_TYPE_COUNT; t++) {
			ck_assert_ptr_nonnull(mp_templates_get(set, l, t));
			ck_assert_ptr_nonnull(mp_templates_get_list(set, l, t));
			ck_assert_ptr_ne(mp_templates_get_list(set, l, t),
			    mp_templates_get(set, l, t));
		}
		ck_assert_ptr_nonnull(mp_templates_footer(set, l));
	}
	ck_assert_str_eq(mp_report_type_name(MP_TYPE_LOGIN_ATTACK),
	    "login-attack");
}
END_TEST

static int
parse_err(const char *text, int with_subject, struct mp_error *err)
{
	struct mp_template *t = NULL;
	int rc;

	mp_error_clear(err);
	rc = mp_template_parse("t.tmpl", text, strlen(text), with_subject, &t,
	    err);
	mp_template_free(&t);
	return rc;
}

START_TEST(unknown_field_file_line)
{
	struct mp_error err;

	ck_assert_int_eq(parse_err("Subject: x\n\nHello\n{{sorce_ip}}\n", 1,
	    &err), MP_ECONFIG);
	ck_assert_msg(strncmp(err.msg, "t.tmpl:4: unknown field \"sorce_ip\"",
	    34) == 0, "%s", err.msg);
	ck_assert_int_eq(parse_err("Subject: {{nope}}\n\nx\n", 1, &err),
	    MP_ECONFIG);
	ck_assert_msg(strncmp(err.msg, "t.tmpl:1: unknown field", 23) == 0,
	    "%s", err.msg);
	ck_assert_int_eq(parse_err("Subject: x\n\n{{#if bogus}}\n{{/if}}\n", 1,
	    &err), MP_ECONFIG);
	ck_assert_msg(strstr(err.msg, "t.tmpl:3:") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(syntax_errors)
{
	static const struct { const char *text; const char *want; } cases[] = {
		{ "Subject: x\n\n{{#if url}}\nx\n", "t.tmpl:5: {{#if url}} opened on line 3" },
		{ "Subject: x\n\n{{/if}}\n", "t.tmpl:3: {{/if}} without" },
		{ "Subject: x\n\n{{else}}\n", "t.tmpl:3: {{else}} without" },
		{ "Subject: x\n\n{{#if url}}a{{else}}b{{else}}c{{/if}}\n", "t.tmpl:3: second {{else}}" },
		{ "Subject: x\n\nab {{url\n}}\n", "t.tmpl:3: \"{{\" is not closed" },
		{ "Subject: x\n\n{{}}\n", "t.tmpl:3: empty tag" },
		{ "Subject: x\n\n{{#each url}}\n", "t.tmpl:3: unknown block tag" },
		{ "Subject: x\n\n{{#if}}\n", "t.tmpl:3: {{#if}} needs" },
		{ "Hello\n\nx\n", "t.tmpl:1: the first line must be" },
		{ "Subject: x\nbody\n", "t.tmpl:2: the Subject line must be followed" },
		{ "Subject: {{#if url}}x\n\n{{/if}}\n", "t.tmpl:1: an {{#if}} in the Subject" },
		{ "Subject: x\n\nbell\a\n", "t.tmpl:3: control character 0x07" },
		{ "Subject: x\n\n\xc3\x28\n", "t.tmpl:3: invalid UTF-8" },
		{ "Subject: x\n\n\xc0\xaf\n", "t.tmpl:3: invalid UTF-8" },
		{ "{{#if url}}\nSubject: x\n\n{{/if}}\n", "t.tmpl:1: only comments" },
		{ "{{! just a comment }}\n", "no \"Subject" },
	};
	struct mp_error err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(parse_err(cases[i].text, 1, &err), MP_ECONFIG);
		ck_assert_msg(strstr(err.msg, cases[i].want) != NULL,
		    "case %zu: got \"%s\", want \"%s\"", i, err.msg,
		    cases[i].want);
	}
}
END_TEST

START_TEST(depth_and_size_limits)
{
	struct mp_error err;
	char text[1024] = "Subject: x\n\n";
	char *big;
	int i;

	for (i = 0; i <= MP_TEMPLATE_MAX_DEPTH; i++)
		strcat(text, "{{#if url}}\n");
	ck_assert_int_eq(parse_err(text, 1, &err), MP_ELIMIT);
	ck_assert_msg(strstr(err.msg, "t.tmpl:11: more than 8 nested") != NULL,
	    "%s", err.msg);
	big = malloc(MP_TEMPLATE_MAX_BYTES + 2);
	memset(big, 'a', MP_TEMPLATE_MAX_BYTES + 1);
	big[MP_TEMPLATE_MAX_BYTES + 1] = '\0';
	ck_assert_int_eq(parse_err(big, 0, &err), MP_ELIMIT);
	free(big);
}
END_TEST

static void
render_text(const char *tmpl, const char *const vals[MP_TF_COUNT],
    char **subject, char **body)
{
	struct mp_template *t = NULL;
	struct mp_error err;
	struct mp_buf s, b;

	mp_buf_init(&s, 0);
	mp_buf_init(&b, 0);
	if (mp_template_parse("t.tmpl", tmpl, strlen(tmpl), 1, &t, &err) != 0)
		ck_abort_msg("%s", err.msg);
	ck_assert_int_eq(mp_template_render(t, vals, &s, &b), MP_OK);
	*subject = strdup(s.data ? s.data : "");
	*body = strdup(b.data ? b.data : "");
	mp_buf_free(&s);
	mp_buf_free(&b);
	mp_template_free(&t);
}

START_TEST(render_syntax)
{
	const char *vals[MP_TF_COUNT] = { 0 };
	char *s, *b;
	const char *tmpl =
	    "{{! a comment line leaves nothing }}\n"
	    "Subject: Melding {{source_ip}}{{#if source_port}}:{{source_port}}{{/if}}\n"
	    "\n"
	    "Hallo {{ domain }}.\n"
	    "  {{#if url}}  \n"
	    "url {{url}}\n"
	    "{{else}}\n"
	    "no url\n"
	    "{{/if}}\n"
	    "a {{#if asn}}[{{asn}}]{{else}}-{{/if}} b\n"
	    "single } and { stay\n"
	    "end";

	vals[MP_TF_SOURCE_IP] = "192.0.2.1";
	vals[MP_TF_DOMAIN] = "example.nl";
	render_text(tmpl, vals, &s, &b);
	ck_assert_str_eq(s, "Melding 192.0.2.1");
	ck_assert_str_eq(b, "Hallo example.nl.\nno url\na - b\n"
	    "single } and { stay\nend");
	free(s);
	free(b);
	vals[MP_TF_SOURCE_PORT] = "22";
	vals[MP_TF_URL] = "hxxp://x";
	vals[MP_TF_ASN] = "AS64500";
	render_text(tmpl, vals, &s, &b);
	ck_assert_str_eq(s, "Melding 192.0.2.1:22");
	ck_assert_str_eq(b, "Hallo example.nl.\nurl hxxp://x\na [AS64500] b\n"
	    "single } and { stay\nend");
	free(s);
	free(b);
}
END_TEST

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* A template directory with a minimal file for every name. */
static char *
mini_dir(void)
{
	static char dir[64];
	char path[4200];
	int l, t;

	mp_check_tmpdir(dir, sizeof(dir), "mp-tmpl");
	for (l = MP_LANG_NL; l < MP_LANG_COUNT; l++) {
		snprintf(path, sizeof(path), "%s/%s", dir, mp_template_lang_name(l));
		mkdir(path, 0700);
		snprintf(path, sizeof(path), "%s/%s/list", dir,
		    mp_template_lang_name(l));
		mkdir(path, 0700);
		for (t = 0; t < MP_TYPE_COUNT; t++) {
			snprintf(path, sizeof(path), "%s/%s/%s.tmpl", dir,
			    mp_template_lang_name(l), mp_report_type_name(t));
			write_file(path, "Subject: s\n\nb\n");
			snprintf(path, sizeof(path), "%s/%s/list/%s.tmpl", dir,
			    mp_template_lang_name(l), mp_report_type_name(t));
			write_file(path, "Subject: {{rows}}\n\nb\n");
		}
		snprintf(path, sizeof(path), "%s/%s/footer.tmpl", dir,
		    mp_template_lang_name(l));
		write_file(path, "f\n");
	}
	return dir;
}

START_TEST(set_load_errors)
{
	struct mp_template_set *s = NULL;
	struct mp_error err;
	char path[4200], want[4300];
	char *dir = mini_dir();

	ck_assert_int_eq(mp_templates_load(dir, &s, &err), MP_OK);
	mp_templates_free(&s);

	snprintf(path, sizeof(path), "%s/nl/spam.tmpl", dir);
	write_file(path, "Subject: s\n\nline\nline\n{{sorce_ip}}\n");
	ck_assert_int_eq(mp_templates_load(dir, &s, &err), MP_ECONFIG);
	ck_assert_ptr_null(s);
	snprintf(want, sizeof(want), "%s:5: unknown field", path);
	ck_assert_msg(strstr(err.msg, want) != NULL, "%s", err.msg);
	write_file(path, "Subject: s\n\nb\n");

	snprintf(path, sizeof(path), "%s/en/ddos.tmpl", dir);
	unlink(path);
	ck_assert_int_eq(mp_templates_load(dir, &s, &err), MP_ECONFIG);
	ck_assert_msg(strstr(err.msg, "en/ddos.tmpl: cannot open") != NULL,
	    "%s", err.msg);
	write_file(path, "Subject: s\n\nb\n");

	snprintf(path, sizeof(path), "%s/en/login_attack.tmpl", dir);
	write_file(path, "Subject: s\n\nb\n");
	ck_assert_int_eq(mp_templates_load(dir, &s, &err), MP_ECONFIG);
	ck_assert_msg(strstr(err.msg, "login_attack.tmpl: not a report type")
	    != NULL, "%s", err.msg);
	unlink(path);

	/* the list variants: every one must exist, no footer among them */
	snprintf(path, sizeof(path), "%s/nl/list/malware.tmpl", dir);
	unlink(path);
	ck_assert_int_eq(mp_templates_load(dir, &s, &err), MP_ECONFIG);
	ck_assert_msg(strstr(err.msg, "nl/list/malware.tmpl: cannot open")
	    != NULL, "%s", err.msg);
	write_file(path, "Subject: {{rows}} {{nope}}\n\nb\n");
	ck_assert_int_eq(mp_templates_load(dir, &s, &err), MP_ECONFIG);
	ck_assert_msg(strstr(err.msg, "nl/list/malware.tmpl:1: unknown field "
	    "\"nope\"") != NULL, "%s", err.msg);
	write_file(path, "Subject: s\n\nb\n");
	snprintf(path, sizeof(path), "%s/en/list/footer.tmpl", dir);
	write_file(path, "f\n");
	ck_assert_int_eq(mp_templates_load(dir, &s, &err), MP_ECONFIG);
	ck_assert_msg(strstr(err.msg, "en/list/footer.tmpl: not a report type")
	    != NULL, "%s", err.msg);
	unlink(path);
	ck_assert_int_eq(mp_templates_load(dir, &s, &err), MP_OK);
	mp_templates_free(&s);

	snprintf(path, sizeof(path), "%s/nl/footer.tmpl", dir);
	write_file(path, "{{#if url}}\n");
	ck_assert_int_eq(mp_templates_load(dir, &s, &err), MP_ECONFIG);
	ck_assert_msg(strstr(err.msg, "footer.tmpl:2: {{#if url}} opened on "
	    "line 1 is never closed") != NULL, "%s", err.msg);
	ck_assert_int_eq(mp_check_rmtree(dir), 0);
}
END_TEST

/* --- encoders --- */

START_TEST(qp_encoding)
{
	struct mp_buf b;
	char text[400], *dec;
	size_t i, col;

	/* A long line, trailing space, "From ", a leading dot, UTF-8. */
	memset(text, 0, sizeof(text));
	for (i = 0; i < 200; i++)
		text[i] = (char)('a' + i % 26);
	strcat(text, " \nFrom me\n.dot\nEen \xc3\xa9\xc3\xa9n = 1\t\n\n");
	mp_buf_init(&b, 0);
	ck_assert_int_eq(mp_enc_qp(text, strlen(text), &b), MP_OK);
	for (i = 0, col = 0; i < b.len; i++) {
		ck_assert_int_lt((unsigned char)b.data[i], 0x80);
		col = b.data[i] == '\n' ? 0 : col + 1;
		ck_assert_uint_le(col, 77);	/* 76 + CR */
	}
	ck_assert_ptr_nonnull(strstr(b.data, "=20\r\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\r\n=46rom me"));
	ck_assert_ptr_nonnull(strstr(b.data, "\r\n=2Edot"));
	ck_assert_ptr_nonnull(strstr(b.data, "=3D 1=09\r\n"));
	dec = qp_decode(b.data, b.len);
	ck_assert_str_eq(dec, text);
	free(dec);
	mp_buf_free(&b);
}
END_TEST

START_TEST(base64_and_headers)
{
	unsigned char bin[1000], *dec;
	struct mp_buf b;
	size_t i, n;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7);
	mp_buf_init(&b, 0);
	ck_assert_int_eq(mp_enc_base64(bin, sizeof(bin), &b), MP_OK);
	ck_assert_int_eq(strchr(b.data, '\n') - b.data, 77);
	dec = b64_decode(b.data, b.len, &n);
	ck_assert_uint_eq(n, sizeof(bin));
	ck_assert_mem_eq(dec, bin, n);
	free(dec);

	mp_buf_reset(&b);
	ck_assert_int_eq(mp_enc_header_text("plain words", &b), MP_OK);
	ck_assert_str_eq(b.data, "plain words");
	mp_buf_reset(&b);
	ck_assert_int_eq(mp_enc_header_text("caf\xc3\xa9", &b), MP_OK);
	ck_assert_str_eq(b.data, "=?utf-8?B?Y2Fmw6k=?=");
	mp_buf_reset(&b);
	ck_assert_int_eq(mp_enc_header_text("a =?utf-8?q?x?= b", &b), MP_OK);
	ck_assert_str_eq(b.data, "=?utf-8?B?YSA9P3V0Zi04P3E/eD89IGI=?=");
	mp_buf_reset(&b);
	ck_assert_int_eq(mp_enc_fold("Subject", "aaaa bbbb cccc dddd eeee "
	    "ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp", "\r\n ", 0,
	    &b), MP_OK);
	ck_assert_str_eq(b.data, "Subject: aaaa bbbb cccc dddd eeee ffff gggg "
	    "hhhh iiii jjjj kkkk llll mmmm nnnn\r\n oooo pppp");
	mp_buf_free(&b);
}
END_TEST

/* --- redaction --- */

static char *
redact(const char *in, int strict, int *changed)
{
	struct mp_buf b;

	*changed = 0;
	mp_buf_init(&b, 0);
	ck_assert_int_eq(mp_redact(in, strlen(in), strict, &b, changed), MP_OK);
	return b.data ? b.data : strdup("");
}

START_TEST(redaction)
{
	static const struct { const char *in, *out; int strict; } cases[] = {
		{ "https://bob:hunter2@example.nl:8080/x", "https://bob:[REDACTED]@example.nl:8080/x", 0 },
		{ "https://bob@example.nl:8080/x", "https://bob@example.nl:8080/x", 0 },
		{ "/login?user=bob&password=s3cret&x=1", "/login?user=bob&password=[REDACTED]&x=1", 0 },
		{ "{\"Password\": \"hu\\\"nter\", \"user\": \"bob\"}", "{\"Password\": \"[REDACTED]\", \"user\": \"bob\"}", 0 },
		{ "pwd: abc def", "pwd: [REDACTED] def", 0 },
		{ "Wachtwoord=geheim", "Wachtwoord=[REDACTED]", 0 },
		{ "admin@example.nl:hunter3 seen", "admin@example.nl:[REDACTED] seen", 0 },
		{ "admin@example.nl: note", "admin@example.nl: note", 0 },
		{ "bob@example.nl;hunter5\n", "bob@example.nl;hunter5\n", 0 },
		{ "bob@example.nl;hunter5\n", "bob@example.nl;[REDACTED]\n", 1 },
		{ "passage=fine bypass=ok", "passage=fine bypass=ok", 0 },
		{ "api_key=abc123", "api_key=[REDACTED]", 0 },
		{ "no secrets here", "no secrets here", 0 },
	};
	size_t i;
	char *out;
	int changed;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = redact(cases[i].in, cases[i].strict, &changed);
		ck_assert_msg(strcmp(out, cases[i].out) == 0,
		    "case %zu: \"%s\" gave \"%s\"", i, cases[i].in, out);
		ck_assert_int_eq(changed, strcmp(cases[i].in, cases[i].out) != 0);
		free(out);
	}
}
END_TEST

/* --- rendering --- */

START_TEST(render_languages)
{
	struct mp_report r = report(MP_TYPE_LOGIN_ATTACK);
	struct mp_notice *n;
	const char *hdrs, *p;
	char *text;
	size_t len;

	n = render(&r, MP_LANG_NL);
	ck_assert_ptr_nonnull(strstr(n->text, "Goedendag"));
	ck_assert_ptr_null(strstr(n->text, "Hello"));
	ck_assert_ptr_nonnull(strstr(n->text, "- IP-adres: 192.0.2.7\n- Poort: 22\n"));
	ck_assert_ptr_nonnull(strstr(n->text, "- Gemeld door: Voorbeeld CERT\n"));
	ck_assert_ptr_nonnull(strstr(n->text, "2024-05-01 10:40:00 UTC"));
	ck_assert_ptr_nonnull(strstr(n->text, "meldpunt-verify"));
	ck_assert_ptr_nonnull(strstr(n->text, n->notice_id));
	ck_assert_str_eq(n->subject_text,
	    "Beveiligingsmelding: inlogaanvallen vanaf 192.0.2.7");
	ck_assert_str_eq(n->subject,
	    "Beveiligingsmelding: inlogaanvallen vanaf 192.0.2.7");
	ck_assert_str_eq(n->from, "Meldpunt Cyberdreigingen "
	    "<meldingen@meldpunt.example>");
	ck_assert_str_eq(n->to, "abuse@example.nl");
	ck_assert_str_eq(n->date, "Wed, 01 May 2024 12:00:00 +0000");
	ck_assert_str_eq(n->mime_version, "1.0");
	ck_assert_str_eq(n->content_transfer_encoding, "7bit");
	ck_assert_ptr_nonnull(strstr(n->message, "\r\nContent-Language: nl\r\n"));
	/* The text part decodes back to exactly the rendered UTF-8 text. */
	p = part(n, 1, &len, &hdrs);
	ck_assert(strncmp(hdrs, "\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n", 86) == 0);
	text = qp_decode(p, len);
	ck_assert_str_eq(text, n->text);
	free(text);
	mp_notice_free(&n);
	ck_assert_ptr_null(n);

	n = render(&r, MP_LANG_EN);
	ck_assert_ptr_nonnull(strstr(n->text, "Hello"));
	ck_assert_ptr_null(strstr(n->text, "Goedendag"));
	ck_assert_str_eq(n->subject_text, "Security notice: login attacks from "
	    "192.0.2.7");
	mp_notice_free(&n);

	n = render(&r, MP_LANG_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(n->text, "Goedendag"));
	ck_assert_ptr_nonnull(strstr(n->text, "Hello"));
	ck_assert(strstr(n->text, "Goedendag") < strstr(n->text, "Hello"));
	ck_assert_str_eq(n->subject_text, "Beveiligingsmelding: inlogaanvallen "
	    "vanaf 192.0.2.7 / Security notice: login attacks from 192.0.2.7");
	ck_assert_ptr_nonnull(strchr(n->subject, '\n'));	/* folded */
	ck_assert_ptr_nonnull(strstr(n->message, "\r\nContent-Language: nl, en\r\n"));
	p = part(n, 1, &len, &hdrs);
	text = qp_decode(p, len);
	ck_assert_str_eq(text, n->text);
	free(text);
	mp_notice_free(&n);
}
END_TEST

START_TEST(render_every_type)
{
	struct mp_report r;
	struct mp_notice *n;
	int t, l;

	for (t = 0; t < MP_TYPE_COUNT; t++) {
		for (l = MP_LANG_NL; l <= MP_LANG_UNKNOWN; l++) {
			r = report(t);
			r.domain = "example.nl";
			r.url = "http://www.example.nl/x";
			n = render(&r, l);
			ck_assert_ptr_null(strstr(n->text, "{{"));
			ck_assert_msg(strstr(n->text, "\n\n\n") == NULL, "type %d lang %d: ...%.200s", t, l, strstr(n->text, "\n\n\n") - 100);
			mp_notice_free(&n);
			memset(&r, 0, sizeof(r));	/* nothing known at all */
			n = render(&r, l);
			ck_assert_msg(strstr(n->text, "\n\n\n") == NULL, "type %d lang %d: ...%.200s", t, l, strstr(n->text, "\n\n\n") - 100);
			mp_notice_free(&n);
		}
	}
}
END_TEST

START_TEST(lang_pick)
{
	const char *nl[] = { "nl", "NL" }, *mixed[] = { "nl", "en" },
	    *en[] = { "en" }, *unk[] = { "unknown" }, *null[] = { NULL };

	ck_assert_int_eq(mp_notify_lang_pick(nl, 2), MP_LANG_NL);
	ck_assert_int_eq(mp_notify_lang_pick(en, 1), MP_LANG_EN);
	ck_assert_int_eq(mp_notify_lang_pick(mixed, 2), MP_LANG_UNKNOWN);
	ck_assert_int_eq(mp_notify_lang_pick(unk, 1), MP_LANG_UNKNOWN);
	ck_assert_int_eq(mp_notify_lang_pick(null, 1), MP_LANG_UNKNOWN);
	ck_assert_int_eq(mp_notify_lang_pick(NULL, 0), MP_LANG_UNKNOWN);
	ck_assert_str_eq(mp_notify_lang_name(MP_LANG_UNKNOWN), "nl+en");
}
END_TEST

START_TEST(evidence_byte_exact)
{
	struct mp_report r = report(MP_TYPE_MALWARE);
	unsigned char bin[3000], *dec;
	const char *want;
	struct mp_notice *n;
	const char *hdrs, *p;
	size_t i, len, dlen;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 31 + (i >> 8));
	bin[0] = 0;
	bin[1] = '\r';
	r.evidence.data = bin;
	r.evidence.len = sizeof(bin);
	r.evidence.content_type = "Application/JSON";
	r.evidence.filename = "../../etc/x\"arf.json";
	n = render(&r, MP_LANG_EN);
	ck_assert_int_eq(n->evidence, 1);
	p = part(n, 2, &len, &hdrs);
	want = "\r\nContent-Type: application/json; name=\"x_arf.json\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"x_arf.json\"\r\n\r\n";
	ck_assert_msg(strncmp(hdrs, want, strlen(want)) == 0, "%.150s", hdrs);
	dec = b64_decode(p, len, &dlen);
	ck_assert_uint_eq(dlen, sizeof(bin));
	ck_assert_mem_eq(dec, bin, dlen);
	free(dec);
	ck_assert_ptr_nonnull(strstr(n->text, "x_arf.json"));
	ck_assert_ptr_nonnull(strstr(n->body, "\r\n--=_mp_"));
	mp_notice_free(&n);

	/* message/rfc822 may not be base64: it goes as octet-stream. */
	r.evidence.content_type = "message/rfc822";
	r.evidence.filename = NULL;
	n = render(&r, MP_LANG_EN);
	p = part(n, 2, &len, &hdrs);
	want = "\r\nContent-Type: application/octet-stream; name=\"report.eml\"";
	ck_assert_msg(strncmp(hdrs, want, strlen(want)) == 0, "%.100s", hdrs);
	mp_notice_free(&n);

	/* A hostile content type is replaced. */
	r.evidence.content_type = "text/plain\r\nBcc: x@y";
	n = render(&r, MP_LANG_EN);
	ck_assert_ptr_null(strstr(n->message, "Bcc"));
	mp_notice_free(&n);

	r.evidence.data = NULL;
	r.evidence.len = 0;
	n = render(&r, MP_LANG_EN);
	ck_assert_int_eq(n->evidence, 0);
	ck_assert_ptr_null(strstr(n->body, "base64"));
	mp_notice_free(&n);
}
END_TEST

START_TEST(injection)
{
	struct mp_report r = report(MP_TYPE_PHISHING);
	struct mp_notice *n;
	const char *hdr_end;
	int l;

	r.domain = "evil.example\r\nBcc: x@y";
	r.url = "http://evil.example/\r\nTo: victim@example.org\x1b[2J\xe2\x80\xae";
	r.reporter_org = "=?utf-8?Q?CERT=0D=0ABcc:_x@y?=";
	r.type_detail = "phish\nSubject: pwned";
	for (l = MP_LANG_NL; l <= MP_LANG_UNKNOWN; l++) {
		n = render(&r, l);
		hdr_end = strstr(n->message, "\r\n\r\n");
		ck_assert_ptr_null(strstr(n->message, "\r\nBcc:"));
		ck_assert_ptr_null(strstr(n->message, "\r\nTo: victim"));
		ck_assert_ptr_null(strstr(n->message, "\nSubject: pwned"));
		ck_assert_ptr_null(strstr(n->message, "=?utf-8?Q?"));
		ck_assert_ptr_null(memchr(n->text, 0x1b, strlen(n->text)));
		ck_assert_ptr_null(strstr(n->text, "\xe2\x80\xae"));
		ck_assert_ptr_null(strstr(n->text, "http://"));
		ck_assert_ptr_nonnull(strstr(n->text, "hxxp://evil[.]example/"));
		/* The Subject holds the domain, so it must be encoded. */
		ck_assert(strstr(n->message, "Subject: =?utf-8?B?") != NULL &&
		    strstr(n->message, "Subject: =?utf-8?B?") < hdr_end);
		mp_notice_free(&n);
	}
}
END_TEST

START_TEST(passwords_redacted)
{
	struct mp_report r = report(MP_TYPE_LEAKED_CREDENTIALS);
	static char ev[] = "{\"accounts\": [{\"email\": \"bob@example.nl\", "
	    "\"password\": \"hunter4\"}]}\nalice@example.nl;hunter5\n";
	static unsigned char binev[] = { 0xff, 0x00, 'h', 'u', 'n', 't' };
	static const char *const secrets[] = { "hunter2", "hunter3", "hunter4",
	    "hunter5", "s3cret", NULL };
	struct mp_notice *n;
	const char *hdrs, *p;
	unsigned char *dec;
	size_t len, dlen;
	int i;

	r.domain = "example.nl";
	r.url = "https://bob:hunter2@mail.example.nl/owa?password=s3cret";
	r.type_detail = "combo list: carol@example.nl:hunter3";
	r.evidence.content_type = "application/json";
	r.evidence.data = (unsigned char *)ev;
	r.evidence.len = strlen(ev);
	n = render(&r, MP_LANG_UNKNOWN);
	ck_assert_int_eq(n->redacted, 1);
	ck_assert_int_eq(n->evidence, 2);
	ck_assert_ptr_nonnull(strstr(n->text, "[REDACTED]"));
	p = part(n, 2, &len, &hdrs);
	dec = b64_decode(p, len, &dlen);
	for (i = 0; secrets[i] != NULL; i++) {
		ck_assert_ptr_null(strstr(n->text, secrets[i]));
		ck_assert_ptr_null(strstr(n->message, secrets[i]));
		ck_assert_ptr_null(memmem(dec, dlen, secrets[i], strlen(secrets[i])));
	}
	ck_assert_ptr_nonnull(memmem(dec, dlen, "bob@example.nl", 14));
	free(dec);
	mp_notice_free(&n);

	/* Binary evidence cannot be redacted, so it is left out. */
	r.evidence.data = binev;
	r.evidence.len = sizeof(binev);
	n = render(&r, MP_LANG_NL);
	ck_assert_int_eq(n->evidence, 3);
	ck_assert_ptr_null(strstr(n->body, "base64"));
	mp_notice_free(&n);
}
END_TEST

START_TEST(tlp_hides_reporter)
{
	struct mp_report r = report(MP_TYPE_SPAM);
	struct mp_notice *n;

	r.tlp = "amber";
	n = render(&r, MP_LANG_UNKNOWN);
	ck_assert_ptr_null(strstr(n->text, "Voorbeeld CERT"));
	mp_notice_free(&n);
	r.tlp = "RED";
	r.reporter_org = NULL;
	r.reporter_addr = "abuse@cert.example";
	n = render(&r, MP_LANG_EN);
	ck_assert_ptr_null(strstr(n->text, "cert.example"));
	mp_notice_free(&n);
	/* No TLP: named by the default rule, which shows no address. */
	r.tlp = NULL;
	n = render(&r, MP_LANG_EN);
	ck_assert_ptr_null(strstr(n->text, "cert.example"));
	mp_notice_free(&n);
}
END_TEST

static struct mp_notice *
render_disclose(const struct mp_report *r, enum mp_disclose d,
    const char *name)
{
	struct mp_notify_conf c = conf();
	struct mp_notice *n = NULL;
	struct mp_error err;

	c.disclose = d;
	c.reporter_name = name;
	if (mp_notify_render(set, r, MP_LANG_UNKNOWN, &c, &n, &err) != MP_OK)
		ck_abort_msg("render: %s", err.msg);
	return n;
}

/*
 * The reporter's record decides what the text says about it:
 * name (default) the record's name, else the report's organisation, no
 * address; name+address adds the contact address; none names nobody and
 * drops the reporter's reference (an ARF id is its Message-ID).
 */
START_TEST(disclose_setting)
{
	struct mp_report r = report(MP_TYPE_SPAM);
	struct mp_notice *n;

	r.reporter_addr = "abuse@cert.example";
	r.report_id = "<fbl-1@mx.cert.example>";
	n = render_disclose(&r, MP_DISCLOSE_NAME, NULL);
	ck_assert_ptr_nonnull(strstr(n->text, "Reported by: Voorbeeld CERT\n"));
	ck_assert_ptr_nonnull(strstr(n->text, "Gemeld door: Voorbeeld CERT\n"));
	ck_assert_ptr_null(strstr(n->text, "abuse@cert.example"));
	mp_notice_free(&n);
	n = render_disclose(&r, MP_DISCLOSE_NAME, "Example CERT (feeds)");
	ck_assert_ptr_nonnull(strstr(n->text, "Reported by: Example CERT (feeds)\n"));
	ck_assert_ptr_null(strstr(n->text, "Voorbeeld CERT"));
	mp_notice_free(&n);
	n = render_disclose(&r, MP_DISCLOSE_NAME_ADDRESS, "Example CERT (feeds)");
	ck_assert_ptr_nonnull(strstr(n->text,
	    "Reported by: Example CERT (feeds) <abuse@cert.example>"));
	ck_assert_ptr_nonnull(strstr(n->text,
	    "Gemeld door: Example CERT (feeds) <abuse@cert.example>"));
	mp_notice_free(&n);
	n = render_disclose(&r, MP_DISCLOSE_NONE, "Example CERT (feeds)");
	ck_assert_ptr_null(strstr(n->text, "Reported by"));
	ck_assert_ptr_null(strstr(n->text, "Gemeld door"));
	ck_assert_ptr_null(strstr(n->text, "CERT"));
	ck_assert_ptr_null(strstr(n->text, "cert.example"));
	mp_notice_free(&n);
	/* TLP red still wins over name+address */
	r.tlp = "red";
	n = render_disclose(&r, MP_DISCLOSE_NAME_ADDRESS, "Example CERT (feeds)");
	ck_assert_ptr_null(strstr(n->text, "CERT (feeds)"));
	ck_assert_ptr_null(strstr(n->text, "abuse@cert.example"));
	mp_notice_free(&n);
}
END_TEST

START_TEST(ids_and_config)
{
	struct mp_report r = report(MP_TYPE_DDOS);
	struct mp_notify_conf c = conf();
	struct mp_notice *n = NULL, *m = NULL;
	const char *bad[] = { "a@b.nl\r\nBcc: x@y" };
	char ids[200][MP_NOTIFY_ID_MAX], want[128];
	struct mp_error err;
	int i, j;

	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(mp_notify_new_id(ids[i], sizeof(ids[i]), &err),
		    MP_OK);
		ck_assert_uint_eq(strlen(ids[i]), 29);
		ck_assert(strncmp(ids[i], "MP-", 3) == 0);
		ck_assert_uint_eq(strspn(ids[i] + 3,
		    "abcdefghijklmnopqrstuvwxyz234567"), 26);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(ids[i], ids[j]);
	}
	n = render(&r, MP_LANG_NL);
	m = render(&r, MP_LANG_NL);
	ck_assert_str_ne(n->notice_id, m->notice_id);
	snprintf(want, sizeof(want), "<%s@meldpunt.example>", n->notice_id);
	ck_assert_str_eq(n->message_id, want);
	mp_notice_free(&n);
	mp_notice_free(&m);

	c.from_addr = "not an address";
	ck_assert_int_eq(mp_notify_render(set, &r, MP_LANG_NL, &c, &n, &err),
	    MP_ECONFIG);
	ck_assert_ptr_null(n);
	c = conf();
	c.to = bad;
	ck_assert_int_eq(mp_notify_render(set, &r, MP_LANG_NL, &c, &n, &err),
	    MP_EINPUT);
	c = conf();
	c.from_name = "M\xc3\xa9ldpunt \"CERT\"";
	c.notice_id = "MP-test-1";
	ck_assert_int_eq(mp_notify_render(set, &r, MP_LANG_NL, &c, &n, &err),
	    MP_OK);
	ck_assert_str_eq(n->notice_id, "MP-test-1");
	ck_assert(strncmp(n->from, "=?utf-8?B?", 10) == 0);
	mp_notice_free(&n);
	c.from_name = "Meldpunt, CERT";
	ck_assert_int_eq(mp_notify_render(set, &r, MP_LANG_NL, &c, &n, &err),
	    MP_OK);
	ck_assert_str_eq(n->from, "\"Meldpunt, CERT\" <meldingen@meldpunt.example>");
	mp_notice_free(&n);
	c.notice_id = "bad id\r\n";
	ck_assert_int_eq(mp_notify_render(set, &r, MP_LANG_NL, &c, &n, &err),
	    MP_EINPUT);

	/* the ticket leads the Subject; answers go to the helpdesk */
	c = conf();
	c.ticket = "20240501-00000042";
	c.reply_to = "Helpdesk@Meldpunt.example";
	ck_assert_int_eq(mp_notify_render(set, &r, MP_LANG_EN, &c, &n, &err),
	    MP_OK);
	ck_assert(strncmp(n->subject_text, "[Meldpunt #20240501-00000042] ",
	    30) == 0);
	ck_assert(strncmp(n->subject, "[Meldpunt #20240501-00000042] ", 30) == 0);
	ck_assert_str_eq(n->reply_to, "<helpdesk@meldpunt.example>");
	ck_assert_ptr_nonnull(strstr(n->message, "\r\nReply-To: <helpdesk@"));
	/* the footer says how to answer: a person reads it; keep the tag */
	ck_assert_ptr_nonnull(strstr(n->text, "Ticket number: 20240501-00000042\n"));
	ck_assert_ptr_nonnull(strstr(n->text, "Simply reply to this message. "
	    "Your answer goes to our helpdesk and is\nread by a person"));
	ck_assert_ptr_nonnull(strstr(n->text, "Please keep [Meldpunt "
	    "#20240501-00000042] in the subject line"));
	ck_assert_ptr_nonnull(strstr(n->text, "quote this ticket number."));
	mp_notice_free(&n);
	ck_assert_int_eq(mp_notify_render(set, &r, MP_LANG_NL, &c, &n, &err),
	    MP_OK);
	ck_assert_ptr_nonnull(strstr(n->text, "Ticketnummer: 20240501-00000042\n"));
	ck_assert_ptr_nonnull(strstr(n->text, "Uw antwoord komt bij onze\n"
	    "helpdesk terecht en wordt gelezen door een medewerker"));
	ck_assert_ptr_nonnull(strstr(n->text, "Laat [Meldpunt "
	    "#20240501-00000042] in de onderwerpregel staan"));
	mp_notice_free(&n);
	c.ticket = "2024-05-01";
	ck_assert_int_eq(mp_notify_render(set, &r, MP_LANG_EN, &c, &n, &err),
	    MP_EINPUT);
	c.ticket = NULL;
	c.reply_to = "helpdesk";
	ck_assert_int_eq(mp_notify_render(set, &r, MP_LANG_EN, &c, &n, &err),
	    MP_ECONFIG);
	c.reply_to = NULL;
	ck_assert_int_eq(mp_notify_render(set, &r, MP_LANG_EN, &c, &n, &err),
	    MP_OK);
	ck_assert_ptr_null(n->reply_to);
	ck_assert_ptr_null(strstr(n->message, "Reply-To:"));
	/* no helpdesk, no ticket: the footer promises neither */
	ck_assert_ptr_null(strstr(n->text, "helpdesk"));
	ck_assert_ptr_null(strstr(n->text, "Ticket number"));
	ck_assert_ptr_nonnull(strstr(n->text, "You can simply reply to this "
	    "message.\n"));
	ck_assert_ptr_nonnull(strstr(n->text, "quote this reference."));
	mp_notice_free(&n);
}
END_TEST

START_TEST(long_values_bounded)
{
	struct mp_report r = report(MP_TYPE_PHISHING);
	struct mp_notice *n;
	char *big = malloc(20000);

	memset(big, 'a', 19999);
	big[19999] = '\0';
	memcpy(big, "http://", 7);
	r.url = big;
	r.domain = big + 7;
	n = render(&r, MP_LANG_UNKNOWN);
	ck_assert_uint_lt(strlen(n->subject_text), 3 * MP_NOTIFY_SUBJECT_MAX + 8);
	ck_assert_uint_lt(strlen(n->text), 20000);
	mp_notice_free(&n);
	free(big);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");

	tcase_add_unchecked_fixture(tc, load_set, free_set);
	tcase_add_test(tc, every_template_loads);
	tcase_add_test(tc, unknown_field_file_line);
	tcase_add_test(tc, syntax_errors);
	tcase_add_test(tc, depth_and_size_limits);
	tcase_add_test(tc, render_syntax);
	tcase_add_test(tc, set_load_errors);
	tcase_add_test(tc, qp_encoding);
	tcase_add_test(tc, base64_and_headers);
	tcase_add_test(tc, redaction);
	tcase_add_test(tc, render_languages);
	tcase_add_test(tc, render_every_type);
	tcase_add_test(tc, lang_pick);
	tcase_add_test(tc, evidence_byte_exact);
	tcase_add_test(tc, injection);
	tcase_add_test(tc, passwords_redacted);
	tcase_add_test(tc, tlp_hides_reporter);
	tcase_add_test(tc, disclose_setting);
	tcase_add_test(tc, ids_and_config);
	tcase_add_test(tc, long_values_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return mp_check_run(suite());
}
