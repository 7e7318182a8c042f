/*
 * NAME
 *	message - one raw mail message parsed with GMime, under limits
 * SYNOPSIS
 *	#include "message.h"
 * DESCRIPTION
 *	mp_message_parse() turns a raw message (RFC 5322, LF or CRLF line
 *	ends) into a GMime tree and a flat, depth-first list of its MIME
 *	parts, so report parsers can look for the part they want without
 *	walking GMime themselves. It refuses input that exceeds any of the
 *	limits below, naming the limit in the error:
 *
 *	max_size	bytes of raw message (default MP_MESSAGE_MAX_SIZE)
 *	max_depth	MIME nesting, multipart and message/rfc822 levels
 *	max_parts	MIME entities, the top one included
 *	max_header	bytes of one header field, name and folded value
 *	max_headers	header fields in one entity
 *
 *	A part inside an attached message (message/rfc822: the reported
 *	spam in an ARF report, say) is listed with `embedded` set: its
 *	headers are the reported message's, not the reporter's, and report
 *	parsers must not take markers from there.
 *
 *	Thread safety: g_mime_init() must have been called once before any
 *	thread calls this. Each struct mp_message and its GMime objects
 *	belong to one thread; nothing here is shared or global.
 * OWNERSHIP
 *	The message owns its GMime objects and a private copy of the raw
 *	bytes; mp_message_free(&m) releases them and sets m to NULL. Pointers
 *	from mp_message_part() and the GMime accessors live as long as the
 *	message.
 */
#ifndef MP_MESSAGE_H
#define MP_MESSAGE_H

#include <stddef.h>

#include <gmime/gmime.h>

#include "error.h"

#define MP_MESSAGE_MAX_SIZE	(16u * 1024 * 1024)
#define MP_MESSAGE_MAX_DEPTH	16
#define MP_MESSAGE_MAX_PARTS	64
#define MP_MESSAGE_MAX_HEADER	16384
#define MP_MESSAGE_MAX_HEADERS	1000

struct mp_message_limits {
	size_t max_size;
	unsigned max_depth;
	unsigned max_parts;
	size_t max_header;
	unsigned max_headers;
};

struct mp_part {
	GMimeObject *obj;	/* borrowed from the message's tree */
	unsigned depth;		/* 0 for the top entity */
	int embedded;		/* inside an attached message/rfc822 */
};

struct mp_message;

/* The defaults above. */
void mp_message_limits_default(struct mp_message_limits *lim);

/*
 * Parse `len` bytes at `data`. `lim` may be NULL for the defaults.
 * Returns MP_OK and sets *mp, or MP_ELIMIT / MP_EINPUT / MP_ENOMEM with
 * err filled in and *mp NULL.
 */
int mp_message_parse(const void *data, size_t len,
    const struct mp_message_limits *lim, struct mp_message **mp,
    struct mp_error *err);

void mp_message_free(struct mp_message **mp);

GMimeMessage *mp_message_mime(const struct mp_message *m);
size_t mp_message_nparts(const struct mp_message *m);
const struct mp_part *mp_message_part(const struct mp_message *m, size_t i);
size_t mp_message_size(const struct mp_message *m);

/*
 * The decoded content (transfer encoding undone, charset untouched) of
 * a leaf part, at most `max` bytes. Returns MP_OK with a GByteArray the
 * caller unrefs, MP_ELIMIT when the part decodes to more than `max`,
 * MP_EINPUT when `obj` is not a leaf part.
 */
int mp_message_part_content(GMimeObject *obj, size_t max, GByteArray **out,
    struct mp_error *err);

/*
 * A top-level header of the message (the reporter's own headers),
 * unfolded and decoded as GMime does, or NULL. Borrowed.
 */
const char *mp_message_header(const struct mp_message *m, const char *name);

#endif
