/*
 * NAME
 *	buf - a growable byte buffer with a hard cap
 * DESCRIPTION
 *	Holds bytes from the wire (a message being buffered, a rendered
 *	notice). Appending past `cap` fails with MP_ELIMIT and leaves the
 *	buffer as it was, so a caller can tell "too large" from "no memory".
 *	The data is always NUL-terminated one past `len` for convenience;
 *	it may contain NUL bytes itself.
 * OWNERSHIP
 *	The buffer owns `data`; mp_buf_free() releases it.
 */
#ifndef MP_BUF_H
#define MP_BUF_H

#include <stddef.h>

struct mp_buf {
	char *data;
	size_t len;
	size_t size;	/* allocated, > len */
	size_t cap;	/* maximum len; 0 = no cap */
};

void mp_buf_init(struct mp_buf *b, size_t cap);
int mp_buf_append(struct mp_buf *b, const void *p, size_t n);
int mp_buf_puts(struct mp_buf *b, const char *s);
int mp_buf_printf(struct mp_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mp_buf_reset(struct mp_buf *b);

/*
 * Copy `src` (NULL: "") into dst[size], truncating, with every control
 * character replaced by `repl`: for values bound for a log line, a
 * header or a reply.
 */
void mp_strcpy_printable(char *dst, size_t size, const char *src, char repl);
void mp_buf_free(struct mp_buf *b);

#endif
