/*
 * NAME
 *	from - the RFC 5322 From: field, parsed
 * SYNOPSIS
 *	#include "from.h"
 * DESCRIPTION
 *	mp_from_parse() is a strict RFC 5322 (3.4, 3.6.2) mailbox-list
 *	parser: quoted strings, nested comments, folding; no group syntax, no
 *	empty list members, no bare CR or LF, no control characters. Display
 *	names and comments are collected (RFC 2047 encoded words decoded in
 *	their charset into UTF-8 with glib's iconv, any control character
 *	turned into '?') so the pretence check (identity.h) can see them; an
 *	encoded word that cannot be decoded or 8-bit text that is not UTF-8
 *	is a parse error. mp_from_read() keeps the answer, error included,
 *	in a struct mp_from_read: the milter reads a message's From fields
 *	once, at EOH, into the envelope (envelope.h), and the identity
 *	decision, the EOH flow promotion and intake use that.
 *
 *	mp_from_decode_text() decodes the encoded words of `n` bytes of
 *	header text into a new UTF-8 string (control characters as '?');
 *	when `lenient`, a word that cannot be decoded is left as it stands
 *	and 8-bit text is not checked, so a field the parser refused can
 *	still be read as a person would. mp_from_is_atext() is RFC 5322
 *	atext, with bytes >= 0x80 allowed (RFC 6532).
 * OWNERSHIP
 *	mp_from_parse() fills a caller-owned struct mp_from released by
 *	mp_from_clear(), and struct mp_from_read by mp_from_read_clear();
 *	mp_from_decode_text() returns a string the caller
 *	free()s. Pure and thread-safe (glib's g_convert is).
 * LIMITS
 *	From value MP_FROM_MAX bytes, MP_FROM_MAX_MAILBOXES mailboxes,
 *	comments nested MP_FROM_MAX_DEPTH deep.
 */
#ifndef MP_FROM_H
#define MP_FROM_H

#include <stddef.h>

#include "addr.h"
#include "error.h"

#define MP_FROM_MAX		8192
#define MP_FROM_MAX_MAILBOXES	64
#define MP_FROM_MAX_DEPTH	8

struct mp_mailbox {
	char addr[MP_ADDR_MAX + 1];	/* normalized (addr.h), lower case */
	char *display;			/* display name and comments, decoded; "" if none */
};

struct mp_from {
	size_t n;
	struct mp_mailbox *mbox;
};

/* 0, or MP_EINPUT / MP_ELIMIT with the reason; `out` is cleared first. */
int mp_from_parse(const char *value, size_t len, struct mp_from *out,
    struct mp_error *err);
void mp_from_clear(struct mp_from *f);

/*
 * One From field read once: the parser's answer kept with the field, so
 * the milter parses a message's From at EOH and the identity decision,
 * the flow and intake all read that answer.
 */
struct mp_from_read {
	int rc;			/* mp_from_parse()'s answer */
	struct mp_from f;	/* the mailboxes, when rc is 0 */
	struct mp_error err;	/* why not, when rc is not 0 */
};

/* Fill *r from `value`; returns r->rc (MP_ENOMEM: nothing was read). */
int mp_from_read(const char *value, struct mp_from_read *r);
void mp_from_read_clear(struct mp_from_read *r);

/* 0 with *outp set, or MP_EINPUT (not lenient) / MP_ENOMEM; err may be NULL. */
int mp_from_decode_text(const char *s, size_t n, int lenient, char **outp,
    struct mp_error *err);
int mp_from_is_atext(unsigned char c);

#endif
