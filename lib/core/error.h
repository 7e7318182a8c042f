/*
 * NAME
 *	error - error codes and the words a user reads
 * SYNOPSIS
 *	#include "error.h"
 * DESCRIPTION
 *	Library functions return 0 on success or a negative MP_E* code. When
 *	they take a struct mp_error, they also fill in a sentence for a mail
 *	admin: what was wrong, where (file:line, field, value) and the limit.
 *	The struct is caller-owned and fixed size: filling it never allocates.
 *
 *	Lookups are tri-state (enum mp_lookup). MP_RETRY means "cannot tell
 *	now" (a database or DNS error) and must never be read as "not found".
 */
#ifndef MP_ERROR_H
#define MP_ERROR_H

#include <stddef.h>

enum {
	MP_OK = 0,
	MP_EINPUT = -1,		/* the input is malformed or not what was expected */
	MP_ELIMIT = -2,		/* the input exceeds a named limit */
	MP_ENOMEM = -3,		/* out of memory */
	MP_EIO = -4,		/* a file or database could not be read or written */
	MP_ECONFIG = -5,	/* a configuration error */
	MP_ERETRY = -6,		/* a temporary failure: try again later */
	MP_EINTERNAL = -7,	/* a bug or an impossible state */
};

enum mp_lookup {
	MP_FOUND = 0,
	MP_NOTFOUND = 1,
	MP_RETRY = 2,
};

#define MP_ERROR_MAX 512

struct mp_error {
	int code;
	char msg[MP_ERROR_MAX];
};

/* Set code and message; returns code so callers can `return mp_error_set(...)`. */
int mp_error_set(struct mp_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend "prefix: " to an existing message (e.g. a file name). */
void mp_error_prefix(struct mp_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void mp_error_clear(struct mp_error *err);

/* A short fixed name for a code, for logs: "input", "limit", ... */
const char *mp_strerror(int code);

#endif
