/*
 * sign - see sign.h
 *
 * The signature itself: the message hashed through the canonicaliser
 * (canon.c), the DKIM-Signature value folded as it is built. Keys are
 * loaded by sign_key.c; the parts share sign_int.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "buf.h"
#include "msgsplit.h"
#include "sign_int.h"

static const char *const sign_headers[] = { MP_SIGN_HEADERS };
#define NSIGN_HEADERS (sizeof(sign_headers) / sizeof(sign_headers[0]))
static const char *const oversign_headers[] = { MP_SIGN_OVERSIGN };
#define NOVERSIGN (sizeof(oversign_headers) / sizeof(oversign_headers[0]))

const char *
mp_sign_alg_name(enum mp_sign_alg alg)
{
	return alg == MP_SIGN_ED25519_SHA256 ? "ed25519-sha256" : "rsa-sha256";
}

/* ---------------------------------------------------------------- */
/* The DKIM-Signature value, folded as it is built.                 */

struct fold {
	struct mp_buf *b;
	size_t col;
};

static int
fold_put(struct fold *F, const char *s, size_t n, int sep)
{
	int rc = 0;

	if (sep) {
		if (F->col + 1 + n > MP_SIGN_LINE_MAX) {
			rc = mp_buf_puts(F->b, "\n\t");
			F->col = 8;
		} else {
			rc = mp_buf_puts(F->b, " ");
			F->col++;
		}
	}
	if (rc == 0)
		rc = mp_buf_append(F->b, s, n);
	F->col += n;
	return rc;
}

/* One "tag=value;" kept on one line. */
static int
fold_tag(struct fold *F, const char *tag, const char *v)
{
	char tmp[512];
	int n = snprintf(tmp, sizeof(tmp), "%s=%s;", tag, v);

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return MP_EINTERNAL;
	return fold_put(F, tmp, (size_t)n, F->b->len > 0);
}

/* h= may be long: fold between names, where RFC 6376 allows FWS. */
static int
fold_hlist(struct fold *F, const char *const *names, size_t n)
{
	int rc = fold_put(F, "h=", 2, 1);
	size_t i, l;

	for (i = 0; rc == 0 && i < n; i++) {
		l = strlen(names[i]) + 1;	/* with ':' or ';' */
		if (F->col + l > MP_SIGN_LINE_MAX && i > 0) {
			rc = mp_buf_puts(F->b, "\n\t");
			F->col = 8;
		}
		if (rc == 0)
			rc = mp_buf_puts(F->b, names[i]);
		if (rc == 0)
			rc = mp_buf_puts(F->b, i + 1 < n ? ":" : ";");
		F->col += l;
	}
	return rc;
}

/* b= comes last; the verifier deletes its value, folds included. */
static int
fold_b64(struct fold *F, const char *s, size_t n)
{
	size_t room, k;
	int rc = 0;

	while (rc == 0 && n > 0) {
		room = F->col < MP_SIGN_LINE_MAX ? MP_SIGN_LINE_MAX - F->col : 0;
		if (room < 8) {
			rc = mp_buf_puts(F->b, "\n\t");
			F->col = 8;
			continue;
		}
		k = n < room ? n : room;
		rc = mp_buf_append(F->b, s, k);
		F->col += k;
		s += k;
		n -= k;
	}
	return rc;
}

size_t
sg_b64(char *out, const unsigned char *in, size_t n)
{
	return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* ---------------------------------------------------------------- */
/* Signing                                                          */

static int
raw_sign(const struct key *k, const unsigned char *dig, unsigned char *sig,
    size_t *siglen)
{
	int ok = 0;

	if (k->alg == MP_SIGN_RSA_SHA256) {
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);

		ok = pc != NULL && EVP_PKEY_sign_init(pc) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1 &&
		    EVP_PKEY_sign(pc, sig, siglen, dig, 32) == 1;
		EVP_PKEY_CTX_free(pc);
	} else {
		/* RFC 8463: PureEd25519 over the SHA-256 of the header data. */
		EVP_MD_CTX *mc = EVP_MD_CTX_new();

		ok = mc != NULL &&
		    EVP_DigestSignInit_ex(mc, NULL, NULL, NULL, NULL, k->pkey, NULL) == 1 &&
		    EVP_DigestSign(mc, sig, siglen, dig, 32) == 1;
		EVP_MD_CTX_free(mc);
	}
	return ok ? 0 : MP_EINTERNAL;
}

struct job {
	const struct mp_signer *s;
	/* every field once, the added ones, one more per oversigned name */
	const char *hnames[MP_SIGN_MAX_FIELDS + MP_SIGN_MAX_ADDED + NOVERSIGN];
	size_t nh;
	char bh[64];
	char t[32];
	EVP_MD_CTX *common;	/* SHA-256 over the signed header fields */
};

static int
sign_one(struct job *J, const struct key *k, struct mp_sign_header *out,
    struct mp_error *err)
{
	struct mp_buf b;
	struct fold F;
	struct sink snk = { 0 };
	unsigned char dig[EVP_MAX_MD_SIZE], sig[SIG_MAX_BYTES];
	char sig64[SIG_MAX_BYTES * 4 / 3 + 8];
	unsigned dlen = 0;
	size_t siglen = sizeof(sig), n;
	int rc;

	mp_buf_init(&b, 16384);
	F.b = &b;
	F.col = sizeof("DKIM-Signature: ") - 1;
	rc = fold_tag(&F, "v", "1");
	if (rc == 0)
		rc = fold_tag(&F, "a", mp_sign_alg_name(k->alg));
	if (rc == 0)
		rc = fold_tag(&F, "c", "relaxed/relaxed");
	if (rc == 0)
		rc = fold_tag(&F, "d", J->s->domain);
	if (rc == 0)
		rc = fold_tag(&F, "s", k->selector);
	if (rc == 0)
		rc = fold_tag(&F, "t", J->t);
	if (rc == 0)
		rc = fold_hlist(&F, J->hnames, J->nh);
	if (rc == 0)
		rc = fold_tag(&F, "bh", J->bh);
	if (rc == 0)
		rc = fold_put(&F, "b=", 2, 1);
	if (rc != 0)
		goto fail;

	snk.md = EVP_MD_CTX_new();
	if (snk.md == NULL || EVP_MD_CTX_copy_ex(snk.md, J->common) != 1) {
		rc = MP_EINTERNAL;
		goto fail;
	}
	/* Hash the signature header exactly as a verifier will see it. */
	{
		struct mp_buf hf;

		mp_buf_init(&hf, 0);
		rc = mp_buf_puts(&hf, "DKIM-Signature:");
		if (rc == 0)
			rc = mp_buf_append(&hf, b.data, b.len);
		if (rc == 0) {
			sg_canon_header(&snk, hf.data, hf.len, 0);
			sg_sink_flush(&snk);
			rc = snk.failed;
		}
		mp_buf_free(&hf);
	}
	if (rc == 0 && EVP_DigestFinal_ex(snk.md, dig, &dlen) != 1)
		rc = MP_EINTERNAL;
	EVP_MD_CTX_free(snk.md);
	if (rc == 0)
		rc = raw_sign(k, dig, sig, &siglen);
	if (rc != 0)
		goto fail;
	n = sg_b64(sig64, sig, siglen);
	rc = fold_b64(&F, sig64, n);
	if (rc != 0)
		goto fail;
	out->name = "DKIM-Signature";
	out->alg = k->alg;
	out->value = b.data;	/* the buffer's bytes become the caller's */
	return 0;
fail:
	mp_buf_free(&b);
	if (rc == MP_ENOMEM)
		return mp_error_set(err, rc, "out of memory building the %s signature",
		    mp_sign_alg_name(k->alg));
	return mp_error_set(err, rc == 0 ? MP_EINTERNAL : rc,
	    "OpenSSL could not make the %s signature with selector %s",
	    mp_sign_alg_name(k->alg), k->selector);
}

static int
oversigned(const char *name)
{
	size_t i;

	for (i = 0; i < NOVERSIGN; i++)
		if (strcasecmp(oversign_headers[i], name) == 0)
			return 1;
	return 0;
}

static int
dropped(const struct mp_sign_edit *ed, const struct mp_msg_field *f)
{
	const char *const *d;

	for (d = ed != NULL ? ed->drop : NULL; d != NULL && *d != NULL; d++)
		if (mp_msg_field_is(f, *d))
			return 1;
	return 0;
}

/* The fields the MTA will append (the plan's additions) named `name`,
 * bottom-up: the last added is the lowest in the header. */
static int
hash_added(struct job *J, struct sink *snk, const struct mp_sign_edit *ed,
    const char *name)
{
	struct mp_buf f;
	size_t i;

	for (i = ed != NULL ? ed->nadd : 0; i-- > 0;) {
		if (strcasecmp(ed->add_name[i], name) != 0)
			continue;
		mp_buf_init(&f, 0);
		if (mp_buf_printf(&f, "%s: %s", ed->add_name[i], ed->add_value[i]) != 0)
			return MP_ENOMEM;
		sg_canon_header(snk, f.data, f.len, 1);
		mp_buf_free(&f);
		J->hnames[J->nh++] = name;
	}
	return 0;
}

/*
 * Hash the body into J->bh and the chosen header fields into J->common,
 * the header as it will be delivered: `ed` (may be NULL) says which
 * fields the MTA removes and appends after signing.
 */
static int
hash_message(struct job *J, const struct mp_msg *L, const struct mp_sign_edit *ed,
    struct mp_error *err)
{
	struct sink snk = { 0 };
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	size_t i, j;

	snk.md = EVP_MD_CTX_new();
	if (snk.md == NULL || EVP_DigestInit_ex(snk.md, J->s->sha256, NULL) != 1)
		goto fail;
	sg_canon_body(&snk, L->body, L->bodylen);
	sg_sink_flush(&snk);
	if (snk.failed || EVP_DigestFinal_ex(snk.md, dig, &dlen) != 1)
		goto fail;
	sg_b64(J->bh, dig, dlen);

	if (EVP_DigestInit_ex(snk.md, J->s->sha256, NULL) != 1)
		goto fail;
	J->nh = 0;
	for (i = 0; i < NSIGN_HEADERS; i++) {
		if (hash_added(J, &snk, ed, sign_headers[i]) != 0)
			goto fail;
		for (j = L->n; j-- > 0;) {	/* bottom-up, RFC 6376 5.4.2 */
			if (!mp_msg_field_is(&L->f[j], sign_headers[i]) ||
			    dropped(ed, &L->f[j]))
				continue;
			sg_canon_header(&snk, L->f[j].p, L->f[j].len, 1);
			J->hnames[J->nh++] = sign_headers[i];
		}
		/* Oversigned: one more than present, so none can be added. */
		if (oversigned(sign_headers[i]))
			J->hnames[J->nh++] = sign_headers[i];
	}
	sg_sink_flush(&snk);
	if (snk.failed)
		goto fail;
	J->common = snk.md;
	return 0;
fail:
	EVP_MD_CTX_free(snk.md);
	return mp_error_set(err, MP_EINTERNAL, "OpenSSL could not hash the message");
}

int
mp_sign_message_at(const struct mp_signer *s, const char *msg, size_t len,
    time_t now, struct mp_sign_out *out, struct mp_error *err)
{
	return mp_sign_edited_at(s, msg, len, NULL, now, out, err);
}

int
mp_sign_edited(const struct mp_signer *s, const char *msg, size_t len,
    const struct mp_sign_edit *ed, struct mp_sign_out *out, struct mp_error *err)
{
	return mp_sign_edited_at(s, msg, len, ed, time(NULL), out, err);
}

int
mp_sign_edited_at(const struct mp_signer *s, const char *msg, size_t len,
    const struct mp_sign_edit *ed, time_t now, struct mp_sign_out *out,
    struct mp_error *err)
{
	struct mp_msg L = { 0 };
	struct job *J;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (ed != NULL && ed->nadd > MP_SIGN_MAX_ADDED)
		return mp_error_set(err, MP_ELIMIT, "more than %d header fields to add "
		    "while signing (limit)", MP_SIGN_MAX_ADDED);
	J = calloc(1, sizeof(*J));
	if (J == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory signing a message");
	J->s = s;
	snprintf(J->t, sizeof(J->t), "%lld", (long long)now);
	rc = mp_msg_split(msg, len, MP_SIGN_MAX_FIELDS, &L, err);
	if (rc == 0)
		rc = hash_message(J, &L, ed, err);
	for (i = 0; rc == 0 && i < s->n; i++) {
		rc = sign_one(J, &s->key[i], &out->hdr[i], err);
		if (rc == 0)
			out->n++;
	}
	EVP_MD_CTX_free(J->common);
	free(J);
	mp_msg_clear(&L);
	if (rc != 0)
		mp_sign_out_clear(out);
	return rc;
}

int
mp_sign_message(const struct mp_signer *s, const char *msg, size_t len,
    struct mp_sign_out *out, struct mp_error *err)
{
	return mp_sign_message_at(s, msg, len, time(NULL), out, err);
}

void
mp_sign_out_clear(struct mp_sign_out *out)
{
	size_t i;

	for (i = 0; i < out->n; i++) {
		free(out->hdr[i].value);
		out->hdr[i].value = NULL;
	}
	out->n = 0;
}
