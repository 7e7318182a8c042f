/*
 * Unit tests for lib/dkim/sign and lib/dkim/verify: sign with RSA-2048 and
 * Ed25519 keys made by openssl(1) for this run, verify with libopendkim
 * through the key lookup hook (no DNS), canonicalization vectors from
 * RFC 6376, key file refusals, folding, concurrency, tri-state results.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "check_tap.h"
#include "sign.h"
#include "verify.h"

static char dir[256];
static char rsa_key[300], ed_key[300], rsa_key2[300];

static const char MSG[] =
    "From: Meldpunt <abuse@meldpunt.nl>\n"
    "To: owner@example.org\n"
    "Subject:   A   test\n"
    "   folded subject\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0100\n"
    "Message-ID: <1@meldpunt.nl>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "X-Meldpunt-Id: MP-7Q2K\n"
    "Auto-Submitted: auto-generated\n"
    "Content-Language: nl\n"
    "X-Other: not signed\n"
    "\n"
    "Hello   world.   \n"
    " indented line\n"
    "\n"
    "\t\n";

static void
run(const char *cmd)
{
	if (system(cmd) != 0) {
		fprintf(stderr, "test-sign: command failed: %s\n", cmd);
		exit(99);
	}
}

/* Keys are made once per run, outside the forked test cases. */
static void
make_keys(void)
{
	char cmd[2048];
	const char *tmp = mp_check_dir("TMPDIR", "/tmp");

	snprintf(dir, sizeof(dir), "%s/test-sign.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL)
		exit(99);
	snprintf(rsa_key, sizeof(rsa_key), "%s/rsa.key", dir);
	snprintf(rsa_key2, sizeof(rsa_key2), "%s/rsa2.key", dir);
	snprintf(ed_key, sizeof(ed_key), "%s/ed.key", dir);
	snprintf(cmd, sizeof(cmd),
	    "umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
	    "-out %s 2>/dev/null && openssl genpkey -algorithm ed25519 -out %s && "
	    "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s 2>/dev/null",
	    rsa_key, ed_key, rsa_key2);
	run(cmd);
}

static void
cleanup(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

static struct mp_signer *
load(void)
{
	struct mp_error err;
	struct mp_signer *s = mp_signer_load("Meldpunt.NL", "rsa1", rsa_key, "ed1",
	    ed_key, &err);

	ck_assert_msg(s != NULL, "%s", err.msg);
	return s;
}

/* A keyfile holding the signer's published records. */
static struct mp_keyfile *
records(const struct mp_signer *s)
{
	struct mp_buf b;
	struct mp_error err;
	struct mp_keyfile *k;
	size_t i;

	mp_buf_init(&b, 0);
	for (i = 0; i < mp_signer_count(s); i++)
		mp_buf_printf(&b, "%s %s\n", mp_signer_record_name(s, i), mp_signer_txt(s, i));
	k = mp_keyfile_parse("records", b.data, b.len, &err);
	ck_assert_msg(k != NULL, "%s", err.msg);
	mp_buf_free(&b);
	return k;
}

/* The message with the signature headers on top. */
static void
assemble(struct mp_buf *b, const struct mp_sign_out *o, const char *msg)
{
	size_t i;

	mp_buf_init(b, 0);
	for (i = 0; i < o->n; i++)
		mp_buf_printf(b, "%s: %s\n", o->hdr[i].name, o->hdr[i].value);
	mp_buf_puts(b, msg);
}

static void
verify_text(const struct mp_signer *s, const char *text, struct mp_verify_result *r)
{
	struct mp_error err;
	struct mp_keyfile *k = records(s);
	struct mp_verifier *v = mp_verifier_new(mp_keyfile_lookup, k, 0, &err);

	ck_assert_msg(v != NULL, "%s", err.msg);
	ck_assert_int_eq(mp_verify_message(v, text, strlen(text), r, &err), 0);
	mp_verifier_free(&v);
	mp_keyfile_free(&k);
}

/* Sign MSG, apply `edit` (old -> new, once) to the signed text, verify. */
static void
sign_edit_verify(const char *old, const char *new, struct mp_verify_result *r)
{
	struct mp_signer *s = load();
	struct mp_sign_out o;
	struct mp_error err;
	struct mp_buf b, e;
	char *at;

	ck_assert_int_eq(mp_sign_message(s, MSG, strlen(MSG), &o, &err), 0);
	assemble(&b, &o, MSG);
	mp_buf_init(&e, 0);
	at = old ? strstr(b.data, old) : NULL;
	if (at != NULL) {
		mp_buf_append(&e, b.data, (size_t)(at - b.data));
		mp_buf_puts(&e, new);
		mp_buf_puts(&e, at + strlen(old));
	} else
		mp_buf_puts(&e, b.data);
	verify_text(s, e.data, r);
	mp_buf_free(&b);
	mp_buf_free(&e);
	mp_sign_out_clear(&o);
	mp_signer_free(&s);
}

START_TEST(sign_and_verify_both)
{
	struct mp_verify_result r;

	sign_edit_verify(NULL, NULL, &r);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_str_eq(r.sig[0].alg, "rsa-sha256");
	ck_assert_str_eq(r.sig[1].alg, "ed25519-sha256");
	ck_assert_str_eq(r.sig[0].domain, "meldpunt.nl");
	ck_assert_str_eq(r.sig[0].selector, "rsa1");
	ck_assert_str_eq(r.sig[1].selector, "ed1");
	ck_assert_msg(r.sig[0].result == MP_DKIM_PASS, "%s", r.sig[0].why);
	ck_assert_msg(r.sig[1].result == MP_DKIM_PASS, "%s", r.sig[1].why);
	ck_assert_int_eq(r.sig[0].partial, 0);
}
END_TEST

START_TEST(tampered_body_fails)
{
	struct mp_verify_result r;

	sign_edit_verify("Hello", "Hallo", &r);
	ck_assert_uint_eq(r.n, 2);
	ck_assert(r.sig[0].result == MP_DKIM_FAIL && r.sig[1].result == MP_DKIM_FAIL);
	ck_assert_ptr_nonnull(strstr(r.sig[0].why, "body hash"));
}
END_TEST

START_TEST(tampered_header_fails)
{
	struct mp_verify_result r;

	sign_edit_verify("A   test", "A  pest", &r);
	ck_assert(r.sig[0].result == MP_DKIM_FAIL && r.sig[1].result == MP_DKIM_FAIL);
	ck_assert_ptr_nonnull(strstr(r.sig[1].why, "signature mismatch"));
}
END_TEST

START_TEST(added_from_fails)
{
	struct mp_verify_result r;

	/* From is oversigned: a second From breaks both signatures. */
	sign_edit_verify("X-Other:", "From: evil@example.com\nX-Other:", &r);
	ck_assert(r.sig[0].result == MP_DKIM_FAIL && r.sig[1].result == MP_DKIM_FAIL);
}
END_TEST

/* Issue 11: every header meldpunt sets is signed; the oversigned ones
 * cannot be added a second time. */
START_TEST(meldpunt_headers_signed)
{
	static const char *const edit[][2] = {
		{ "X-Meldpunt-Id: MP-7Q2K", "X-Meldpunt-Id: MP-0000" },
		{ "Auto-Submitted: auto-generated", "Auto-Submitted: no" },
		{ "Content-Language: nl", "Content-Language: en" },
		{ "To: owner@example.org", "To: other@example.org" },
		{ "X-Other:", "Subject: second\nX-Other:" },
		{ "X-Other:", "X-Meldpunt-Id: MP-0000\nX-Other:" },
		{ "X-Other:", "Date: Tue, 2 Jan 2024 10:00:00 +0100\nX-Other:" },
		{ "X-Other:", "Message-ID: <2@evil.example>\nX-Other:" },
		{ "X-Other:", "Reply-To: crook@evil.example\nX-Other:" },
		{ "X-Other:", "Sender: crook@evil.example\nX-Other:" },
	};
	struct mp_verify_result r;
	size_t i;

	for (i = 0; i < sizeof(edit) / sizeof(edit[0]); i++) {
		sign_edit_verify(edit[i][0], edit[i][1], &r);
		ck_assert_msg(r.sig[0].result == MP_DKIM_FAIL && r.sig[1].result == MP_DKIM_FAIL,
		    "still verifies after %s -> %s", edit[i][0], edit[i][1]);
	}
}
END_TEST

/* Signing the header as the MTA will deliver it: a forged field the plan
 * deletes is left out, the field the plan appends is in. */
START_TEST(sign_edited_header)
{
	static const char *const drop[] = { "X-Meldpunt-Flow", NULL };
	static const char *const an[] = { "X-Meldpunt-Flow" };
	static const char *const av[] = { "outbound" };
	struct mp_sign_edit ed = { drop, an, av, 1 };
	struct mp_signer *s = load();
	struct mp_sign_out o;
	struct mp_error err;
	struct mp_verify_result r;
	struct mp_buf in, out, bad;
	const char *body = strstr(MSG, "\n\n");

	mp_buf_init(&in, 0);
	mp_buf_puts(&in, "X-Meldpunt-Flow: forged\n");
	mp_buf_puts(&in, MSG);
	ck_assert_int_eq(mp_sign_edited(s, in.data, in.len, &ed, &o, &err), 0);
	/* delivered: the forged field gone, the added one at the end */
	mp_buf_init(&out, 0);
	mp_buf_append(&out, MSG, (size_t)(body - MSG) + 1);
	mp_buf_puts(&out, "X-Meldpunt-Flow: outbound");
	mp_buf_puts(&out, body);
	assemble(&bad, &o, out.data);
	verify_text(s, bad.data, &r);
	ck_assert_msg(r.sig[0].result == MP_DKIM_PASS && r.sig[1].result == MP_DKIM_PASS,
	    "%s / %s", r.sig[0].why, r.sig[1].why);
	ck_assert_ptr_nonnull(strstr(o.hdr[0].value, "X-Meldpunt-Flow"));
	mp_buf_free(&bad);
	/* the added value changed on a copy: fails */
	assemble(&bad, &o, out.data);
	memcpy(strstr(bad.data, "outbound"), "intake  ", 8);
	verify_text(s, bad.data, &r);
	ck_assert(r.sig[0].result == MP_DKIM_FAIL && r.sig[1].result == MP_DKIM_FAIL);
	mp_buf_free(&bad);
	mp_buf_free(&in);
	mp_buf_free(&out);
	mp_sign_out_clear(&o);
	mp_signer_free(&s);
}
END_TEST

START_TEST(unsigned_header_and_whitespace_survive)
{
	struct mp_verify_result r;

	sign_edit_verify("X-Other: not signed", "X-Other: changed", &r);
	ck_assert(r.sig[0].result == MP_DKIM_PASS && r.sig[1].result == MP_DKIM_PASS);
	/* relaxed: white space changes in a signed header do not matter */
	sign_edit_verify("Subject:   A   test", "Subject: A\ttest", &r);
	ck_assert(r.sig[0].result == MP_DKIM_PASS && r.sig[1].result == MP_DKIM_PASS);
}
END_TEST

START_TEST(crlf_and_lf_sign_alike)
{
	struct mp_signer *s = load();
	struct mp_sign_out a, b;
	struct mp_error err;
	struct mp_buf crlf;
	const char *p;
	size_t i;

	mp_buf_init(&crlf, 0);
	for (p = MSG; *p; p++)
		mp_buf_puts(&crlf, *p == '\n' ? "\r\n" : (char[]){ *p, 0 });
	ck_assert_int_eq(mp_sign_message_at(s, MSG, strlen(MSG), 1700000000, &a, &err), 0);
	ck_assert_int_eq(mp_sign_message_at(s, crlf.data, crlf.len, 1700000000, &b, &err), 0);
	ck_assert_uint_eq(a.n, 2);
	for (i = 0; i < a.n; i++)	/* RSA PKCS#1 v1.5 and Ed25519 are deterministic */
		ck_assert_str_eq(a.hdr[i].value, b.hdr[i].value);
	mp_sign_out_clear(&a);
	mp_sign_out_clear(&b);
	mp_buf_free(&crlf);
	mp_signer_free(&s);
}
END_TEST

START_TEST(header_list_and_folding)
{
	struct mp_signer *s = load();
	struct mp_sign_out o;
	struct mp_error err;
	const char *v, *nl;
	size_t i;
	char *flat, *q;

	ck_assert_int_eq(mp_sign_message(s, MSG, strlen(MSG), &o, &err), 0);
	for (i = 0; i < o.n; i++) {
		v = o.hdr[i].value;
		ck_assert_str_eq(o.hdr[i].name, "DKIM-Signature");
		ck_assert(v[0] != ' ' && strchr(v, '\r') == NULL);
		for (; (nl = strchr(v, '\n')) != NULL; v = nl + 1) {
			ck_assert_uint_lt((size_t)(nl - v), 2048);
			ck_assert_int_eq(nl[1], '\t');
		}
		ck_assert_uint_lt(strlen(v), 2048);
		/* unfold and check h= */
		flat = strdup(o.hdr[i].value);
		for (q = flat, v = flat; *v; v++)	/* drop all white space */
			if (*v != '\n' && *v != '\t' && *v != ' ')
				*q++ = *v;
		*q = '\0';
		ck_assert_msg(strstr(flat,
		    "h=From:From:Sender:Reply-To:To:Subject:Subject:Date:Date:Message-ID:"
		    "Message-ID:MIME-Version:Content-Type:Content-Language:Auto-Submitted:"
		    "X-Meldpunt-Id:X-Meldpunt-Id;") != NULL,
		    "%s", flat);
		ck_assert_ptr_nonnull(strstr(flat, "c=relaxed/relaxed;"));
		ck_assert_ptr_nonnull(strstr(flat, "d=meldpunt.nl;"));
		free(flat);
	}
	ck_assert_int_eq(o.hdr[0].alg, MP_SIGN_RSA_SHA256);
	ck_assert_int_eq(o.hdr[1].alg, MP_SIGN_ED25519_SHA256);
	mp_sign_out_clear(&o);
	mp_signer_free(&s);
}
END_TEST

START_TEST(txt_records)
{
	struct mp_signer *s = load();
	char cmd[600], want[128] = "";
	unsigned char raw[64];
	const char *txt;
	FILE *f;

	ck_assert_str_eq(mp_signer_record_name(s, 0), "rsa1._domainkey.meldpunt.nl");
	ck_assert_str_eq(mp_signer_record_name(s, 1), "ed1._domainkey.meldpunt.nl");
	ck_assert_str_eq(mp_signer_domain(s), "meldpunt.nl");
	ck_assert(strncmp(mp_signer_txt(s, 0), "v=DKIM1; k=rsa; p=MIIB", 22) == 0);
	txt = mp_signer_txt(s, 1);
	ck_assert(strncmp(txt, "v=DKIM1; k=ed25519; p=", 22) == 0);
	ck_assert_int_eq(EVP_DecodeBlock(raw, (const unsigned char *)txt + 22, 44), 33);
	/* the same 32 bytes as `openssl pkey -pubout -outform DER | tail -c 32` */
	snprintf(cmd, sizeof(cmd),
	    "openssl pkey -in %s -pubout -outform DER | tail -c 32 | base64", ed_key);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(want, sizeof(want), f));
	pclose(f);
	want[strcspn(want, "\n")] = '\0';
	ck_assert_str_eq(txt + 22, want);
	mp_signer_free(&s);
}
END_TEST

static void
refused(const char *rsa, const char *ed, int code, const char *needle)
{
	struct mp_error err;
	struct mp_signer *s;

	mp_error_clear(&err);
	s = mp_signer_load("meldpunt.nl", rsa ? "rsa1" : NULL, rsa, ed ? "ed1" : NULL,
	    ed, &err);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(err.code, code);
	ck_assert_msg(strstr(err.msg, needle) != NULL, "\"%s\" lacks \"%s\"", err.msg, needle);
}

START_TEST(key_refusals)
{
	char p[400], cmd[2048];
	FILE *f;

	/* group-readable: named, with the mode and the fix */
	snprintf(p, sizeof(p), "%s/open.key", dir);
	snprintf(cmd, sizeof(cmd), "cp %s %s && chmod 640 %s", rsa_key, p, p);
	run(cmd);
	refused(p, NULL, MP_ECONFIG, "group or others");
	refused(p, NULL, MP_ECONFIG, p);
	refused(p, NULL, MP_ECONFIG, "0640");
	chmod(p, 0604);
	refused(NULL, p, MP_ECONFIG, "group or others");
	/* does not parse */
	snprintf(p, sizeof(p), "%s/junk.key", dir);
	f = fopen(p, "w");
	fputs("-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n", f);
	fclose(f);
	chmod(p, 0600);
	refused(p, NULL, MP_ECONFIG, "does not parse");
	refused(p, NULL, MP_ECONFIG, p);
	/* wrong type in each slot */
	refused(ed_key, NULL, MP_ECONFIG, "RSA key was expected");
	refused(NULL, rsa_key, MP_ECONFIG, "Ed25519 key was expected");
	/* missing, directory */
	snprintf(p, sizeof(p), "%s/missing.key", dir);
	refused(p, NULL, MP_EIO, "cannot open");
	refused(dir, NULL, MP_ECONFIG, "not a regular file");
	/* encrypted */
	snprintf(p, sizeof(p), "%s/enc.key", dir);
	snprintf(cmd, sizeof(cmd),
	    "umask 077 && openssl pkey -in %s -aes128 -passout pass:x -out %s", ed_key, p);
	run(cmd);
	refused(NULL, p, MP_ECONFIG, "encrypted");
}
END_TEST

START_TEST(bad_names_refused)
{
	struct mp_error err;

	ck_assert_ptr_null(mp_signer_load("meld punt.nl", "a", rsa_key, NULL, NULL, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "domain"));
	ck_assert_ptr_null(mp_signer_load("meldpunt.nl", "a;b=c", rsa_key, NULL, NULL, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "selector"));
	ck_assert_ptr_null(mp_signer_load("meldpunt.nl", "a", NULL, NULL, NULL, &err));
	ck_assert_ptr_null(mp_signer_load("meldpunt.nl", NULL, NULL, NULL, NULL, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "no signing key"));
}
END_TEST

START_TEST(one_algorithm_only)
{
	struct mp_error err;
	struct mp_signer *s = mp_signer_load("meldpunt.nl", NULL, NULL, "ed1", ed_key, &err);
	struct mp_sign_out o;

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(mp_signer_count(s), 1);
	ck_assert_int_eq(mp_signer_alg(s, 0), MP_SIGN_ED25519_SHA256);
	ck_assert_int_eq(mp_sign_message(s, MSG, strlen(MSG), &o, &err), 0);
	ck_assert_uint_eq(o.n, 1);
	mp_sign_out_clear(&o);
	mp_signer_free(&s);
	ck_assert_ptr_null(s);
}
END_TEST

/* RFC 6376 3.4.5, and the edge cases around the end of the body. */
START_TEST(canon_vectors)
{
	struct mp_buf b;
	static const char *hdr[][2] = {
		{ "A: X", "a:X\r\n" },
		{ "B : Y\t\r\n\tZ  ", "b:Y Z\r\n" },
		{ "Subject:", "subject:\r\n" },
		{ "X-Y:  \t a  b\t", "x-y:a b\r\n" },
	};
	static const char *body[][2] = {
		{ " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n" },
		{ "", "" },
		{ "\r\n\r\n", "" },
		{ "abc", "abc\r\n" },
		{ "a\n\nb\n\n", "a\r\n\r\nb\r\n" },
		{ "x \t\n", "x\r\n" },
		{ "a\rb\r\n", "a\rb\r\n" },
	};
	size_t i;

	for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
		mp_buf_init(&b, 0);
		ck_assert_int_eq(mp_dkim_canon_header(&b, hdr[i][0], strlen(hdr[i][0])), 0);
		ck_assert_str_eq(b.data, hdr[i][1]);
		mp_buf_free(&b);
	}
	for (i = 0; i < sizeof(body) / sizeof(body[0]); i++) {
		mp_buf_init(&b, 0);
		ck_assert_int_eq(mp_dkim_canon_body(&b, body[i][0], strlen(body[i][0])), 0);
		ck_assert_str_eq(b.data ? b.data : "", body[i][1]);
		mp_buf_free(&b);
	}
}
END_TEST

START_TEST(malformed_messages)
{
	struct mp_signer *s = load();
	struct mp_sign_out o;
	struct mp_error err;
	struct mp_buf b;
	int i;

	ck_assert_int_eq(mp_sign_message(s, " x: y\n\nbody", 11, &o, &err), MP_EINPUT);
	ck_assert_int_eq(mp_sign_message(s, "From: a@b\nno colon\n\n", 21, &o, &err), MP_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "line 2"));
	mp_buf_init(&b, 0);
	for (i = 0; i <= MP_SIGN_MAX_FIELDS; i++)
		mp_buf_puts(&b, "X: y\n");
	ck_assert_int_eq(mp_sign_message(s, b.data, b.len, &o, &err), MP_ELIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "limit"));
	mp_buf_free(&b);
	/* headers only, no body: still signable */
	ck_assert_int_eq(mp_sign_message(s, "From: a@meldpunt.nl", 19, &o, &err), 0);
	ck_assert_uint_eq(o.n, 2);
	mp_sign_out_clear(&o);
	mp_signer_free(&s);
}
END_TEST

struct thr {
	const struct mp_signer *s;
	const char *want0, *want1;
	int bad;
};

static void *
worker(void *arg)
{
	struct thr *t = arg;
	struct mp_sign_out o;
	struct mp_error err;
	int i;

	for (i = 0; i < 40; i++) {
		if (mp_sign_message_at(t->s, MSG, strlen(MSG), 1700000000, &o, &err) != 0) {
			t->bad++;
			continue;
		}
		t->bad += strcmp(o.hdr[0].value, t->want0) != 0;
		t->bad += strcmp(o.hdr[1].value, t->want1) != 0;
		mp_sign_out_clear(&o);
	}
	return NULL;
}

START_TEST(threads_share_one_signer)
{
	struct mp_signer *s = load();
	struct mp_sign_out ref;
	struct mp_error err;
	pthread_t tid[4];
	struct thr t[4];
	int i;

	ck_assert_int_eq(mp_sign_message_at(s, MSG, strlen(MSG), 1700000000, &ref, &err), 0);
	for (i = 0; i < 4; i++) {
		t[i] = (struct thr){ s, ref.hdr[0].value, ref.hdr[1].value, 0 };
		ck_assert_int_eq(pthread_create(&tid[i], NULL, worker, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		ck_assert_int_eq(t[i].bad, 0);
	}
	mp_sign_out_clear(&ref);
	mp_signer_free(&s);
}
END_TEST

static enum mp_lookup
lookup_retry(void *arg, const char *name, char *txt, size_t n)
{
	(void)arg; (void)name; (void)txt; (void)n;
	return MP_RETRY;
}

static enum mp_lookup
lookup_none(void *arg, const char *name, char *txt, size_t n)
{
	(void)arg; (void)name; (void)txt; (void)n;
	return MP_NOTFOUND;
}

START_TEST(dns_trouble_is_retry)
{
	struct mp_signer *s = load();
	struct mp_sign_out o;
	struct mp_error err;
	struct mp_verify_result r;
	struct mp_verifier *v;
	struct mp_buf b;

	ck_assert_int_eq(mp_sign_message(s, MSG, strlen(MSG), &o, &err), 0);
	assemble(&b, &o, MSG);
	v = mp_verifier_new(lookup_retry, NULL, 0, &err);
	ck_assert_int_eq(mp_verify_message(v, b.data, b.len, &r, &err), 0);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_msg(r.sig[0].result == MP_DKIM_RETRY, "%s", r.sig[0].why);
	ck_assert(r.sig[1].result == MP_DKIM_RETRY);
	ck_assert_str_eq(mp_dkim_result_name(r.sig[0].result), "retry");
	mp_verifier_free(&v);
	v = mp_verifier_new(lookup_none, NULL, 0, &err);
	ck_assert_int_eq(mp_verify_message(v, b.data, b.len, &r, &err), 0);
	ck_assert(r.sig[0].result == MP_DKIM_FAIL && r.sig[1].result == MP_DKIM_FAIL);
	ck_assert_ptr_nonnull(strstr(r.sig[0].why, "no key record rsa1._domainkey.meldpunt.nl"));
	mp_verifier_free(&v);
	mp_buf_free(&b);
	mp_sign_out_clear(&o);
	mp_signer_free(&s);
}
END_TEST

START_TEST(wrong_key_fails)
{
	struct mp_error err;
	struct mp_signer *s = load();
	struct mp_signer *other = mp_signer_load("meldpunt.nl", "rsa1", rsa_key2, NULL, NULL, &err);
	struct mp_keyfile *k = records(other);
	struct mp_verifier *v = mp_verifier_new(mp_keyfile_lookup, k, 0, &err);
	struct mp_sign_out o;
	struct mp_verify_result r;
	struct mp_buf b;

	ck_assert_int_eq(mp_sign_message(s, MSG, strlen(MSG), &o, &err), 0);
	assemble(&b, &o, MSG);
	ck_assert_int_eq(mp_verify_message(v, b.data, b.len, &r, &err), 0);
	ck_assert(r.sig[0].result == MP_DKIM_FAIL);	/* other key */
	ck_assert(r.sig[1].result == MP_DKIM_FAIL);	/* no ed1 record */
	mp_buf_free(&b);
	mp_sign_out_clear(&o);
	mp_verifier_free(&v);
	mp_keyfile_free(&k);
	mp_signer_free(&other);
	mp_signer_free(&s);
}
END_TEST

START_TEST(unsigned_message)
{
	struct mp_signer *s = load();
	struct mp_verify_result r;

	verify_text(s, MSG, &r);
	ck_assert_uint_eq(r.n, 0);
	mp_signer_free(&s);
}
END_TEST

START_TEST(keyfile_format)
{
	struct mp_error err;
	struct mp_keyfile *k;
	char txt[256];
	const char *good =
	    "# published records\n"
	    "\n"
	    "a._domainkey.example.nl.  \"v=DKIM1; k=ed25519; \" \"p=AAAA\"\r\n"
	    "  B._domainkey.Example.NL v=DKIM1; p=BBBB  \n";

	k = mp_keyfile_parse("keys.txt", good, strlen(good), &err);
	ck_assert_msg(k != NULL, "%s", err.msg);
	ck_assert_uint_eq(mp_keyfile_count(k), 2);
	ck_assert_int_eq(mp_keyfile_lookup(k, "a._domainkey.example.nl", txt, sizeof(txt)), MP_FOUND);
	ck_assert_str_eq(txt, "v=DKIM1; k=ed25519; p=AAAA");
	ck_assert_int_eq(mp_keyfile_lookup(k, "b._domainkey.example.nl.", txt, sizeof(txt)), MP_FOUND);
	ck_assert_str_eq(txt, "v=DKIM1; p=BBBB");
	ck_assert_int_eq(mp_keyfile_lookup(k, "c._domainkey.example.nl", txt, sizeof(txt)), MP_NOTFOUND);
	mp_keyfile_free(&k);
	ck_assert_ptr_null(mp_keyfile_parse("k", "x\n", 2, &err));
	ck_assert_str_eq(err.msg, "k:1: expected \"selector._domainkey.domain TXT-record\"");
	ck_assert_ptr_null(mp_keyfile_parse("k", "\nfoo.example.nl v=DKIM1\n", 24, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "k:2:"));
	ck_assert_ptr_null(mp_keyfile_parse("k", "a._domainkey.x \"open\n", 21, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "quotes"));
	ck_assert_ptr_null(mp_keyfile_parse("k", "a._domainkey.x v\x01\n", 18, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "control"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("sign");
	int rc;

	make_keys();
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sign_and_verify_both);
	tcase_add_test(tc, tampered_body_fails);
	tcase_add_test(tc, tampered_header_fails);
	tcase_add_test(tc, added_from_fails);
	tcase_add_test(tc, unsigned_header_and_whitespace_survive);
	tcase_add_test(tc, crlf_and_lf_sign_alike);
	tcase_add_test(tc, header_list_and_folding);
	tcase_add_test(tc, meldpunt_headers_signed);
	tcase_add_test(tc, sign_edited_header);
	tcase_add_test(tc, txt_records);
	tcase_add_test(tc, key_refusals);
	tcase_add_test(tc, bad_names_refused);
	tcase_add_test(tc, one_algorithm_only);
	tcase_add_test(tc, canon_vectors);
	tcase_add_test(tc, malformed_messages);
	tcase_add_test(tc, threads_share_one_signer);
	tcase_add_test(tc, dns_trouble_is_retry);
	tcase_add_test(tc, wrong_key_fails);
	tcase_add_test(tc, unsigned_message);
	tcase_add_test(tc, keyfile_format);
	suite_add_tcase(s, tc);
	rc = mp_check_run(s);
	cleanup();
	return rc;
}
