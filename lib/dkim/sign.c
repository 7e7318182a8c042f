/*
 * sign - see sign.h
 *
 * The relaxed canonicalizer writes into a small staging buffer that is
 * flushed into a SHA-256 context (or, for tests, into an mp_buf), so a
 * message is hashed in one pass without a canonical copy of it.
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
#include "sign.h"

#define SIG_MAX_BYTES	1024	/* an 8192-bit RSA signature */

struct key {
	enum mp_sign_alg alg;
	char *selector;
	char *record;		/* selector._domainkey.domain */
	char *txt;		/* the DNS TXT record to publish */
	EVP_PKEY *pkey;
};

struct mp_signer {
	char *domain;
	size_t n;
	struct key key[MP_SIGN_MAX_SIGS];
	EVP_MD *sha256;		/* fetched once: implicit fetches cost per use */
};

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
/* Output sink: staging buffer in front of a digest or an mp_buf.    */

struct sink {
	EVP_MD_CTX *md;
	struct mp_buf *buf;
	int failed;
	size_t n;
	unsigned char tmp[4096];
};

static void
sink_flush(struct sink *k)
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
		sink_flush(k);
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
static void
canon_header(struct sink *k, const char *f, size_t len, int crlf)
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
static void
canon_body(struct sink *k, const char *body, size_t len)
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

	canon_header(&k, field, len, 1);
	sink_flush(&k);
	return k.failed;
}

int
mp_dkim_canon_body(struct mp_buf *out, const char *body, size_t len)
{
	struct sink k = { .buf = out };

	canon_body(&k, body, len);
	sink_flush(&k);
	return k.failed;
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

static size_t
b64(char *out, const unsigned char *in, size_t n)
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
			canon_header(&snk, hf.data, hf.len, 0);
			sink_flush(&snk);
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
	n = b64(sig64, sig, siglen);
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
		canon_header(snk, f.data, f.len, 1);
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
	canon_body(&snk, L->body, L->bodylen);
	sink_flush(&snk);
	if (snk.failed || EVP_DigestFinal_ex(snk.md, dig, &dlen) != 1)
		goto fail;
	b64(J->bh, dig, dlen);

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
			canon_header(&snk, L->f[j].p, L->f[j].len, 1);
			J->hnames[J->nh++] = sign_headers[i];
		}
		/* Oversigned: one more than present, so none can be added. */
		if (oversigned(sign_headers[i]))
			J->hnames[J->nh++] = sign_headers[i];
	}
	sink_flush(&snk);
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

/* ---------------------------------------------------------------- */
/* Loading keys                                                     */

static int
valid_label_chars(const char *s, size_t max, int underscore)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max || s[0] == '.' || s[n - 1] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    (underscore && c == '_')))
			return 0;
		if (c == '.' && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

/* Read a key file after checking what it is and who may read it. */
static int
read_keyfile(const char *path, unsigned char **datap, size_t *lenp,
    struct mp_error *err)
{
	struct stat st;
	unsigned char *data;
	ssize_t r;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return mp_error_set(err, MP_EIO, "key file %s: cannot open: %s",
		    path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return mp_error_set(err, MP_ECONFIG, "key file %s: not a regular file", path);
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		close(fd);
		return mp_error_set(err, MP_ECONFIG,
		    "key file %s: group or others have access (mode %04o); "
		    "a private key must be mode 0600 or 0400: chmod 600 %s",
		    path, (unsigned)(st.st_mode & 07777), path);
	}
	if (st.st_size <= 0 || st.st_size > MP_SIGN_KEYFILE_MAX) {
		close(fd);
		return mp_error_set(err, MP_ECONFIG,
		    "key file %s: size %lld bytes, expected 1 to %d (limit)",
		    path, (long long)st.st_size, MP_SIGN_KEYFILE_MAX);
	}
	data = malloc((size_t)st.st_size + 1);
	if (data == NULL) {
		close(fd);
		return mp_error_set(err, MP_ENOMEM, "key file %s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, data + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		OPENSSL_cleanse(data, got);
		free(data);
		return mp_error_set(err, MP_EIO, "key file %s: short read", path);
	}
	data[got] = '\0';
	*datap = data;
	*lenp = got;
	return 0;
}

static void
ssl_reason(char *out, size_t n)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(out, n, "no key found");
	else
		ERR_error_string_n(e, out, n);
	ERR_clear_error();
}

static int
parse_key(const char *path, enum mp_sign_alg alg, EVP_PKEY **pkeyp,
    struct mp_error *err)
{
	unsigned char *data = NULL;
	const unsigned char *dp;
	size_t len = 0;
	EVP_PKEY *pkey = NULL;
	BIO *bio;
	char why[256];
	int rc, bits;

	rc = read_keyfile(path, &data, &len, err);
	if (rc != 0)
		return rc;
	if (strstr((char *)data, "ENCRYPTED") != NULL) {
		rc = mp_error_set(err, MP_ECONFIG,
		    "key file %s: the key is encrypted; the daemon cannot ask for a "
		    "passphrase, store it unencrypted (mode 0600)", path);
		goto out;
	}
	ERR_clear_error();
	if (len > 5 && memcmp(data, "-----", 5) == 0) {
		bio = BIO_new_mem_buf(data, (int)len);
		if (bio != NULL)
			pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else {
		dp = data;
		pkey = d2i_AutoPrivateKey(NULL, &dp, (long)len);
	}
	if (pkey == NULL) {
		ssl_reason(why, sizeof(why));
		rc = mp_error_set(err, MP_ECONFIG,
		    "key file %s: does not parse as a PEM or DER private key (%s)",
		    path, why);
		goto out;
	}
	if (alg == MP_SIGN_RSA_SHA256 && !EVP_PKEY_is_a(pkey, "RSA")) {
		rc = mp_error_set(err, MP_ECONFIG,
		    "key file %s: holds a %s key where an RSA key was expected",
		    path, EVP_PKEY_get0_type_name(pkey));
		goto out;
	}
	if (alg == MP_SIGN_ED25519_SHA256 && !EVP_PKEY_is_a(pkey, "ED25519")) {
		rc = mp_error_set(err, MP_ECONFIG,
		    "key file %s: holds a %s key where an Ed25519 key was expected",
		    path, EVP_PKEY_get0_type_name(pkey));
		goto out;
	}
	bits = EVP_PKEY_get_bits(pkey);
	if (alg == MP_SIGN_RSA_SHA256 && bits < MP_SIGN_RSA_MIN_BITS) {
		rc = mp_error_set(err, MP_ECONFIG,
		    "key file %s: RSA key of %d bits, at least %d needed (RFC 8301); "
		    "2048 recommended", path, bits, MP_SIGN_RSA_MIN_BITS);
		goto out;
	}
	if (EVP_PKEY_get_size(pkey) > SIG_MAX_BYTES) {
		rc = mp_error_set(err, MP_ECONFIG,
		    "key file %s: key of %d bits is larger than %d (limit)",
		    path, bits, SIG_MAX_BYTES * 8);
		goto out;
	}
	*pkeyp = pkey;
	pkey = NULL;
out:
	EVP_PKEY_free(pkey);
	OPENSSL_cleanse(data, len);
	free(data);
	return rc;
}

static int
make_txt(struct key *k, struct mp_error *err)
{
	unsigned char raw[64], *der = NULL;
	char *p64 = NULL;
	size_t rawlen = sizeof(raw);
	int derlen, rc = 0;
	const char *kt = k->alg == MP_SIGN_RSA_SHA256 ? "rsa" : "ed25519";
	struct mp_buf b;

	if (k->alg == MP_SIGN_RSA_SHA256) {
		derlen = i2d_PUBKEY(k->pkey, &der);
		if (derlen <= 0)
			return mp_error_set(err, MP_EINTERNAL, "cannot encode the RSA public key");
		p64 = malloc((size_t)derlen * 4 / 3 + 8);
		if (p64 != NULL)
			b64(p64, der, (size_t)derlen);
		OPENSSL_free(der);
	} else {
		if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &rawlen) != 1)
			return mp_error_set(err, MP_EINTERNAL, "cannot encode the Ed25519 public key");
		p64 = malloc(rawlen * 4 / 3 + 8);
		if (p64 != NULL)
			b64(p64, raw, rawlen);
	}
	if (p64 == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	mp_buf_init(&b, 0);
	rc = mp_buf_printf(&b, "v=DKIM1; k=%s; p=%s", kt, p64);
	free(p64);
	if (rc != 0) {
		mp_buf_free(&b);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	k->txt = b.data;
	return 0;
}

static int
add_key(struct mp_signer *s, enum mp_sign_alg alg, const char *selector,
    const char *path, struct mp_error *err)
{
	struct key *k = &s->key[s->n];
	const char *what = alg == MP_SIGN_RSA_SHA256 ? "RSA" : "Ed25519";
	struct mp_buf rec;
	int rc;

	if (selector == NULL || path == NULL)
		return mp_error_set(err, MP_ECONFIG,
		    "the %s key needs both a selector and a key file", what);
	if (!valid_label_chars(selector, 63, 1))
		return mp_error_set(err, MP_ECONFIG,
		    "%s selector \"%.64s\" is not a DNS label (letters, digits, '-', '_', '.'; "
		    "at most 63 bytes)", what, selector);
	k->alg = alg;
	rc = parse_key(path, alg, &k->pkey, err);
	if (rc != 0)
		return rc;
	s->n++;
	k->selector = strdup(selector);
	mp_buf_init(&rec, 0);
	if (k->selector == NULL ||
	    mp_buf_printf(&rec, "%s._domainkey.%s", selector, s->domain) != 0) {
		mp_buf_free(&rec);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	k->record = rec.data;
	return make_txt(k, err);
}

struct mp_signer *
mp_signer_load(const char *domain, const char *rsa_selector,
    const char *rsa_keyfile, const char *ed_selector, const char *ed_keyfile,
    struct mp_error *err)
{
	struct mp_signer *s;
	size_t i;
	int rc = 0;

	if (domain == NULL || !valid_label_chars(domain, 253, 0))
		return mp_error_set(err, MP_ECONFIG,
		    "signing domain \"%.64s\" is not a domain name", domain ? domain : ""),
		    NULL;
	if (rsa_selector == NULL && rsa_keyfile == NULL &&
	    ed_selector == NULL && ed_keyfile == NULL)
		return mp_error_set(err, MP_ECONFIG,
		    "no signing key configured for %s", domain), NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->domain = strdup(domain)) == NULL) {
		free(s);
		return mp_error_set(err, MP_ENOMEM, "out of memory"), NULL;
	}
	for (i = 0; s->domain[i]; i++)
		if (s->domain[i] >= 'A' && s->domain[i] <= 'Z')
			s->domain[i] += 32;
	s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (s->sha256 == NULL)
		rc = mp_error_set(err, MP_EINTERNAL, "OpenSSL has no SHA-256");
	if (rc == 0 && (rsa_selector != NULL || rsa_keyfile != NULL))
		rc = add_key(s, MP_SIGN_RSA_SHA256, rsa_selector, rsa_keyfile, err);
	if (rc == 0 && (ed_selector != NULL || ed_keyfile != NULL))
		rc = add_key(s, MP_SIGN_ED25519_SHA256, ed_selector, ed_keyfile, err);
	if (rc != 0) {
		mp_signer_free(&s);
		return NULL;
	}
	return s;
}

void
mp_signer_free(struct mp_signer **sp)
{
	struct mp_signer *s = *sp;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < MP_SIGN_MAX_SIGS; i++) {
		EVP_PKEY_free(s->key[i].pkey);
		free(s->key[i].selector);
		free(s->key[i].record);
		free(s->key[i].txt);
	}
	EVP_MD_free(s->sha256);
	free(s->domain);
	free(s);
	*sp = NULL;
}

size_t
mp_signer_count(const struct mp_signer *s)
{
	return s->n;
}

const char *
mp_signer_domain(const struct mp_signer *s)
{
	return s->domain;
}

enum mp_sign_alg
mp_signer_alg(const struct mp_signer *s, size_t i)
{
	return s->key[i].alg;
}

const char *
mp_signer_selector(const struct mp_signer *s, size_t i)
{
	return i < s->n ? s->key[i].selector : NULL;
}

const char *
mp_signer_record_name(const struct mp_signer *s, size_t i)
{
	return i < s->n ? s->key[i].record : NULL;
}

const char *
mp_signer_txt(const struct mp_signer *s, size_t i)
{
	return i < s->n ? s->key[i].txt : NULL;
}
