/*
 * sign_key - part of the signer (sign.h): loading the keys (PEM files
 *	that only the owner may read), the published TXT records, and the
 *	signer's accessors. Shared with sign.c through sign_int.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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

#include "addr.h"
#include "buf.h"
#include "sign_int.h"

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
			sg_b64(p64, der, (size_t)derlen);
		OPENSSL_free(der);
	} else {
		if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &rawlen) != 1)
			return mp_error_set(err, MP_EINTERNAL, "cannot encode the Ed25519 public key");
		p64 = malloc(rawlen * 4 / 3 + 8);
		if (p64 != NULL)
			sg_b64(p64, raw, rawlen);
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

	if (domain == NULL || !mp_domain_valid(domain))
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
