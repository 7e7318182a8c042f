/*
 * buf - see buf.h
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"

void
mp_buf_init(struct mp_buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	b->cap = cap;
}

static int
buf_reserve(struct mp_buf *b, size_t n)
{
	size_t need, size;
	char *p;

	if (n > (size_t)-1 - b->len - 1)
		return MP_ELIMIT;
	if (b->cap != 0 && b->len + n > b->cap)
		return MP_ELIMIT;
	need = b->len + n + 1;
	if (need <= b->size)
		return MP_OK;
	size = b->size ? b->size : 256;
	while (size < need)
		size = size > ((size_t)-1) / 2 ? need : size * 2;
	if ((p = realloc(b->data, size)) == NULL)
		return MP_ENOMEM;
	b->data = p;
	b->size = size;
	return MP_OK;
}

int
mp_buf_append(struct mp_buf *b, const void *p, size_t n)
{
	int rc;

	if ((rc = buf_reserve(b, n)) != MP_OK)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return MP_OK;
}

int
mp_buf_puts(struct mp_buf *b, const char *s)
{
	return mp_buf_append(b, s, strlen(s));
}

int
mp_buf_printf(struct mp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MP_EINTERNAL;
	if ((rc = buf_reserve(b, (size_t)n)) != MP_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return MP_OK;
}

void
mp_buf_reset(struct mp_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
mp_strcpy_printable(char *dst, size_t size, const char *src, char repl)
{
	size_t i;

	if (size == 0)
		return;
	snprintf(dst, size, "%s", src ? src : "");
	for (i = 0; dst[i]; i++)
		if ((unsigned char)dst[i] < ' ' || dst[i] == 0x7f)
			dst[i] = repl;
}

void
mp_buf_free(struct mp_buf *b)
{
	free(b->data);
	mp_buf_init(b, b->cap);
}
