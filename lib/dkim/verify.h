/*
 * NAME
 *	verify - DKIM verification with libopendkim, per signature
 * SYNOPSIS
 *	#include "verify.h"
 * DESCRIPTION
 *	mp_verifier_new() makes one libopendkim library handle, shared by
 *	all threads; mp_verify_message() verifies every DKIM-Signature of
 *	one message (LF or CRLF line ends) and reports each: domain,
 *	selector, algorithm, result and why.
 *
 *	Key records come from DNS (libopendkim's resolver) or, when a key
 *	lookup function is given, from that function only: tests and
 *	meldpunt-verify --key-file never touch the network. The function
 *	answers FOUND (the TXT text copied out), NOTFOUND or RETRY.
 *
 *	Results are tri-state. MP_DKIM_RETRY means the key could not be
 *	fetched now (DNS trouble, a RETRY from the lookup): it is never a
 *	pass and never a fail; the milter turns it into a tempfail.
 *	A signature whose l= leaves part of the body unsigned passes by
 *	RFC 6376 but is marked `partial`: text can be appended to it, so
 *	meldpunt never counts it as proof.
 *
 *	mp_keyfile parses published TXT records from a text file, one per
 *	line: "selector._domainkey.domain TXT-content", '#' comments and
 *	empty lines allowed; the TXT content may be split in "quoted"
 *	strings as in a zone file, which are joined. It is the test DNS
 *	zone's format (dnszone.h, MP_DNSZONE_KEYFILE), read by its parser:
 *	a zone line "name TXT value" is a key file line too.
 * THREADS
 *	A verifier and a keyfile are immutable after creation; any number of
 *	threads may verify with them at once.
 * OWNERSHIP
 *	mp_verifier_new() and mp_keyfile_load()/_parse() return objects the
 *	caller frees with mp_verifier_free(&v) / mp_keyfile_free(&k); the
 *	verifier does not own the lookup argument. struct mp_verify_result
 *	is caller-owned, fixed size.
 * LIMITS
 *	MP_VERIFY_MAX_SIGS signatures reported per message (more are
 *	ignored, counted in `more`); MP_VERIFY_MAX_FIELDS header fields;
 *	keyfile: those of the zone (dnszone.h).
 */
#ifndef MP_VERIFY_H
#define MP_VERIFY_H

#include <stddef.h>

#include "error.h"

#define MP_VERIFY_MAX_SIGS	16
#define MP_VERIFY_MAX_FIELDS	1000

enum mp_dkim_result {
	MP_DKIM_PASS = 0,
	MP_DKIM_FAIL = 1,
	MP_DKIM_RETRY = 2,
};

/* Why a signature did not pass, for callers that word it themselves. */
enum mp_dkim_why {
	MP_DKIM_WHY_OK = 0,	/* verified */
	MP_DKIM_WHY_BODY,	/* body hash mismatch */
	MP_DKIM_WHY_SIG,	/* signature mismatch (headers or key) */
	MP_DKIM_WHY_NOKEY,	/* no key record published */
	MP_DKIM_WHY_DNS,	/* the key record could not be fetched now */
	MP_DKIM_WHY_OTHER,	/* syntax, expiry, key type, ...: see why */
};

struct mp_dkim_sig {
	char domain[256];	/* d=, lower case */
	char selector[64];	/* s= */
	char alg[24];		/* "rsa-sha256", "ed25519-sha256", ... */
	enum mp_dkim_result result;
	int partial;		/* l= leaves body bytes unsigned */
	enum mp_dkim_why code;
	char why[200];		/* "verified", "body hash mismatch: ..." */
};

struct mp_verify_result {
	size_t n;
	size_t more;		/* signatures beyond MP_VERIFY_MAX_SIGS */
	struct mp_dkim_sig sig[MP_VERIFY_MAX_SIGS];
};

typedef enum mp_lookup (*mp_dkim_key_fn)(void *arg, const char *name,
    char *txt, size_t txtsz);

struct mp_verifier;

/* lookup NULL: DNS. `dns_timeout` seconds per query (0: 10). */
struct mp_verifier *mp_verifier_new(mp_dkim_key_fn lookup, void *arg,
    unsigned dns_timeout, struct mp_error *err);
void mp_verifier_free(struct mp_verifier **vp);

/*
 * 0 with every signature in `out` (n == 0: the message is unsigned), or
 * MP_EINPUT/MP_ELIMIT (the message cannot be read as a message),
 * MP_ENOMEM, MP_EINTERNAL.
 */
int mp_verify_message(const struct mp_verifier *v, const char *msg, size_t len,
    struct mp_verify_result *out, struct mp_error *err);

const char *mp_dkim_result_name(enum mp_dkim_result r);	/* pass/fail/retry */

struct mp_keyfile;

struct mp_keyfile *mp_keyfile_load(const char *path, struct mp_error *err);
struct mp_keyfile *mp_keyfile_parse(const char *name, const char *text,
    size_t len, struct mp_error *err);
void mp_keyfile_free(struct mp_keyfile **kp);
size_t mp_keyfile_count(const struct mp_keyfile *k);

/* An mp_dkim_key_fn over a keyfile (arg is the struct mp_keyfile *). */
enum mp_lookup mp_keyfile_lookup(void *arg, const char *name, char *txt,
    size_t txtsz);

#endif
