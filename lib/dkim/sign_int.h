/*
 * NAME
 *	sign_int - the signer's keys and the canonicalising sink, shared by
 *	the parts of sign
 * DESCRIPTION
 *	Private to lib/dkim/sign*.c and canon.c. The signer (sign.h) is one
 *	object in three files: relaxed canonicalisation into a staging
 *	buffer in front of a digest (canon.c), the signature itself
 *	(sign.c) and loading the keys (sign_key.c). Names here carry the
 *	sg_ prefix: they are extern only so the parts can meet.
 * OWNERSHIP
 *	struct mp_signer is sign.h's; mp_signer_free() releases it.
 * LIMITS
 *	Those of sign.h.
 */
#ifndef MP_SIGN_INT_H
#define MP_SIGN_INT_H

#include <openssl/evp.h>

#include "buf.h"
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

/* ---- canonicalisation (canon.c) ---- */

struct sink {
	EVP_MD_CTX *md;
	struct mp_buf *buf;
	int failed;
	size_t n;
	unsigned char tmp[4096];
};

void sg_canon_body(struct sink *k, const char *body, size_t len);
void sg_canon_header(struct sink *k, const char *f, size_t len, int crlf);
void sg_sink_flush(struct sink *k);

/* ---- the signature (sign.c) ---- */

/* Base64 of n bytes into out (4 * ((n + 2) / 3) + 1 bytes); its length. */
size_t sg_b64(char *out, const unsigned char *in, size_t n);

#endif
