/*
 * NAME
 *	sign - DKIM signing with keys parsed once (rsa-sha256 + ed25519-sha256)
 * SYNOPSIS
 *	#include "sign.h"
 * DESCRIPTION
 *	mp_signer_load() reads the private keys of one signing domain at
 *	start or reload: an RSA key, an Ed25519 key (RFC 8463), or both.
 *	A key file must be a regular file that neither group nor others
 *	may read, write or execute, must hold one unencrypted private key
 *	(PEM or DER) of the expected type, and an RSA key must have at
 *	least MP_SIGN_RSA_MIN_BITS bits. Anything else is refused with a
 *	sentence naming the file and the reason; the daemon then does not
 *	start (or keeps its old snapshot on reload).
 *
 *	mp_sign_message() signs one message with every loaded key:
 *	relaxed/relaxed canonicalization, SHA-256, the header fields in
 *	MP_SIGN_HEADERS that are present (every instance, bottom-up as
 *	RFC 6376 5.4.2 says), those in MP_SIGN_OVERSIGN (From, Subject,
 *	Date, Message-ID, X-Meldpunt-Id, ...) listed once more than present
 *	(oversigned, so one added later breaks the signature). The body
 *	hash is computed once and shared by all signatures. The message is
 *	the header block, an empty line and the body, with LF or CRLF line
 *	ends (a lone LF is read as CRLF).
 *
 *	The private keys are parsed only by mp_signer_load(); signing uses
 *	the parsed EVP_PKEY. libopendkim was measured and not used for
 *	signing: dkim_sign() takes the key as a string and parses it again
 *	for every message (see docs/sign.md for the figures).
 * THREADS
 *	A loaded signer is immutable: any number of threads may call
 *	mp_sign_message() on it at once. Load and free are not concurrent
 *	with use: free a signer only when no thread uses it any more (the
 *	snapshot reference count takes care of that).
 * OUTPUT
 *	Each struct mp_sign_header holds a header name ("DKIM-Signature")
 *	and a value with no leading space, folded with "\n\t" so that no
 *	line reaches MP_SIGN_LINE_MAX (libmilter wants "\n" folds, the
 *	MTA writes CRLF). hdr[0] belongs on top: with libmilter, call
 *	smfi_insheader(ctx, 0, name, value) for hdr[n-1] first and hdr[0]
 *	last, or smfi_insheader(ctx, i, ...) for i = 0..n-1.
 * OWNERSHIP
 *	mp_signer_load() returns a signer owned by the caller, released by
 *	mp_signer_free(&s). mp_sign_message() fills a caller-owned struct
 *	mp_sign_out whose values it allocates; mp_sign_out_clear() frees
 *	them. The accessor strings belong to the signer.
 * LIMITS
 *	MP_SIGN_KEYFILE_MAX bytes per key file; MP_SIGN_MAX_FIELDS header
 *	fields per message; domain and selector at most 253 and 63 bytes of
 *	letters, digits, '-', '.' (and '_' in a selector).
 */
#ifndef MP_SIGN_H
#define MP_SIGN_H

#include <stddef.h>
#include <time.h>

#include "error.h"

#define MP_SIGN_KEYFILE_MAX	(64 * 1024)
#define MP_SIGN_MAX_FIELDS	1000
#define MP_SIGN_MAX_SIGS	2
#define MP_SIGN_LINE_MAX	78	/* folded lines stay below 2048 by far */
#define MP_SIGN_RSA_MIN_BITS	1024	/* RFC 8301 3.2 */

/*
 * The header fields signed when present, in this order in h=: every
 * field meldpunt sets on a notification or a signed outbound message,
 * and those a reader trusts (threading, lists, language).
 */
#define MP_SIGN_HEADERS \
	"From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date", \
	"Message-ID", "In-Reply-To", "References", \
	"MIME-Version", "Content-Type", "Content-Transfer-Encoding", \
	"Content-Language", "Content-Disposition", "Auto-Submitted", \
	"Precedence", "Organization", \
	"X-Meldpunt-Id", "X-Meldpunt-Flow", "X-Meldpunt-Outcome", \
	"X-Meldpunt-Reason", \
	"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Help", \
	"List-Post", "List-Owner", "List-Subscribe", "List-Archive"

/*
 * Oversigned: listed once more than present, so a copy with one more
 * (a second Subject, an X-Meldpunt-Id where there was none) fails. The
 * MTA must not add any of these after signing: a message to be signed
 * needs its own Date and Message-ID (eom refuses one without).
 */
#define MP_SIGN_OVERSIGN \
	"From", "Sender", "Reply-To", "Subject", "Date", "Message-ID", \
	"X-Meldpunt-Id"

#define MP_SIGN_MAX_ADDED	8	/* fields added after signing (mp_sign_edit) */

/*
 * What the MTA changes in the header after signing, on the plan's
 * orders: every field named in `drop` removed (NULL-terminated, or
 * NULL), `nadd` fields appended at the end. Signing hashes the header
 * as it will be delivered.
 */
struct mp_sign_edit {
	const char *const *drop;
	const char *const *add_name;
	const char *const *add_value;
	size_t nadd;
};

enum mp_sign_alg {
	MP_SIGN_RSA_SHA256 = 0,
	MP_SIGN_ED25519_SHA256 = 1,
};

struct mp_signer;

struct mp_sign_header {
	const char *name;	/* "DKIM-Signature", static */
	char *value;		/* folded with "\n\t", no leading space */
	enum mp_sign_alg alg;
};

struct mp_sign_out {
	size_t n;
	struct mp_sign_header hdr[MP_SIGN_MAX_SIGS];
};

/*
 * Either key may be left out (selector and file both NULL), not both.
 * Returns NULL with err filled (MP_ECONFIG, MP_EIO, MP_ENOMEM).
 */
struct mp_signer *mp_signer_load(const char *domain,
    const char *rsa_selector, const char *rsa_keyfile,
    const char *ed_selector, const char *ed_keyfile, struct mp_error *err);

void mp_signer_free(struct mp_signer **sp);

/* Sign with the current time as t=. */
int mp_sign_message(const struct mp_signer *s, const char *msg, size_t len,
    struct mp_sign_out *out, struct mp_error *err);

/* The same with an explicit t= (tests, reproducible output). */
int mp_sign_message_at(const struct mp_signer *s, const char *msg, size_t len,
    time_t now, struct mp_sign_out *out, struct mp_error *err);

/* The same, over the header as it will be after `ed` (NULL: as it is). */
int mp_sign_edited(const struct mp_signer *s, const char *msg, size_t len,
    const struct mp_sign_edit *ed, struct mp_sign_out *out, struct mp_error *err);
int mp_sign_edited_at(const struct mp_signer *s, const char *msg, size_t len,
    const struct mp_sign_edit *ed, time_t now, struct mp_sign_out *out,
    struct mp_error *err);

void mp_sign_out_clear(struct mp_sign_out *out);

/* The loaded keys, i < mp_signer_count(): for logs and for publishing. */
size_t mp_signer_count(const struct mp_signer *s);
const char *mp_signer_domain(const struct mp_signer *s);
enum mp_sign_alg mp_signer_alg(const struct mp_signer *s, size_t i);
const char *mp_signer_selector(const struct mp_signer *s, size_t i);
/* "selector._domainkey.domain" */
const char *mp_signer_record_name(const struct mp_signer *s, size_t i);
/* "v=DKIM1; k=rsa; p=..." or "v=DKIM1; k=ed25519; p=<32 raw bytes, base64>" */
const char *mp_signer_txt(const struct mp_signer *s, size_t i);

/* "rsa-sha256" / "ed25519-sha256" */
const char *mp_sign_alg_name(enum mp_sign_alg alg);

/*
 * The relaxed canonical forms (RFC 6376 3.4.2, 3.4.4), exposed for tests
 * and fuzzing: appends to `out` (an mp_buf). A header is given as the raw
 * field, name to the end of its last line.
 */
struct mp_buf;
int mp_dkim_canon_header(struct mp_buf *out, const char *field, size_t len);
int mp_dkim_canon_body(struct mp_buf *out, const char *body, size_t len);

#endif
