/*
 * NAME
 *	msgsplit - find the header fields and the body of a raw message
 * DESCRIPTION
 *	mp_msg_split() indexes a message held in memory (LF or CRLF line
 *	ends): one entry per header field, from its name to the end of its
 *	last continuation line (line end excluded), and where the body
 *	starts (after the first empty line; no empty line means no body).
 *	It copies nothing: the entries point into the caller's bytes.
 *	A first line that starts with white space, or a line in the header
 *	block with no "name:" is MP_EINPUT; more than `max_fields` fields
 *	is MP_ELIMIT. Used by the DKIM signer and verifier.
 * OWNERSHIP
 *	The caller owns struct mp_msg; mp_msg_clear() frees the index (not
 *	the message).
 */
#ifndef MP_MSGSPLIT_H
#define MP_MSGSPLIT_H

#include <stddef.h>

#include "error.h"

struct mp_msg_field {
	const char *p;		/* the name, colon, value, folds */
	size_t len;
	size_t namelen;		/* without white space before the colon */
};

struct mp_msg {
	struct mp_msg_field *f;
	size_t n;
	const char *body;
	size_t bodylen;
};

int mp_msg_split(const char *msg, size_t len, size_t max_fields,
    struct mp_msg *m, struct mp_error *err);
void mp_msg_clear(struct mp_msg *m);

/* 1 when the field's name is `name` (case-insensitive). */
int mp_msg_field_is(const struct mp_msg_field *f, const char *name);

#endif
