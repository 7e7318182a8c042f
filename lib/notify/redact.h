/*
 * NAME
 *	redact - take passwords out of report values before anyone reads them
 * DESCRIPTION
 *	A notification must never carry a password, even when a reporter
 *	put one in a report (leaked-credentials reports often do).
 *	mp_redact() copies text and replaces with "[REDACTED]":
 *
 *	1. the password in URL user information: scheme://user:PASS@host;
 *	2. the value after a password-like key followed by "=" or ":",
 *	   quoted or not, as in query strings, key: value lines and JSON
 *	   ("password": "..."). The keys, case-insensitive, at the start of
 *	   a word: password, passwd, passphrase, pass, pwd, pw, wachtwoord,
 *	   secret, token, apikey, api_key, api-key;
 *	3. the field after an e-mail address followed by ":" and no space
 *	   (user@example.nl:hunter2). With `strict` (leaked-credentials
 *	   evidence) also after ";", ",", "|" or a tab, as in CSV dumps.
 *
 *	This is a heuristic: it errs on the side of removing too much. It
 *	works on bytes, so it may be given any text; binary data should not
 *	be passed (the caller leaves it out instead).
 *
 *	mp_redact_key() says whether a name (a CSV column's) is one of those
 *	keys: a key of five or more letters anywhere in it ("user_password",
 *	"auth_token"), a shorter one (pass, pwd, pw) as a whole word between
 *	non-letters ("pw", "smtp_pass"). Such a column's cells are secrets.
 * OWNERSHIP
 *	Appends to a caller-owned buffer; *changed is set to 1 when
 *	something was replaced (left alone otherwise).
 */
#ifndef MP_REDACT_H
#define MP_REDACT_H

#include <stddef.h>

#include "buf.h"

#define MP_REDACTED "[REDACTED]"

int mp_redact(const char *in, size_t len, int strict, struct mp_buf *out,
    int *changed);
int mp_redact_key(const char *name);

#endif
