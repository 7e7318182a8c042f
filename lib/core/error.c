/*
 * error - see error.h
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int
mp_error_set(struct mp_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void
mp_error_prefix(struct mp_error *err, const char *fmt, ...)
{
	char out[MP_ERROR_MAX];
	size_t n, rest;
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(out, sizeof(out) - 2, fmt, ap);
	va_end(ap);
	n = strlen(out);
	memcpy(out + n, ": ", 3);
	n += 2;
	/* Truncate the old message, never the prefix: it says where. */
	rest = strnlen(err->msg, sizeof(err->msg) - 1);
	if (rest > sizeof(out) - 1 - n)
		rest = sizeof(out) - 1 - n;
	memcpy(out + n, err->msg, rest);
	out[n + rest] = '\0';
	memcpy(err->msg, out, sizeof(out));
}

void
mp_error_clear(struct mp_error *err)
{
	if (err == NULL)
		return;
	err->code = MP_OK;
	err->msg[0] = '\0';
}

const char *
mp_strerror(int code)
{
	switch (code) {
	case MP_OK:		return "ok";
	case MP_EINPUT:		return "input";
	case MP_ELIMIT:		return "limit";
	case MP_ENOMEM:		return "memory";
	case MP_EIO:		return "io";
	case MP_ECONFIG:	return "config";
	case MP_ERETRY:		return "retry";
	case MP_EINTERNAL:	return "internal";
	default:		return "unknown";
	}
}
