/*
 * text - see text.h
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"

size_t
mp_utf8_decode(const unsigned char *p, size_t avail, unsigned long *cp)
{
	unsigned long c;
	size_t n, i;

	if (avail == 0)
		return 0;
	if (p[0] < 0x80) {
		if (cp != NULL)
			*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07;
	else
		return 0;
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	if (cp != NULL)
		*cp = c;
	return n;
}

size_t
mp_utf8_seq(const unsigned char *p, size_t avail)
{
	return mp_utf8_decode(p, avail, NULL);
}

size_t
mp_text_printable_to(const char *in, size_t n, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, len, cap;
	unsigned long cp;
	int space = 1;		/* drops leading blanks */

	if (size == 0)
		return 0;
	cap = size - 1;
	while (i < n) {
		len = mp_utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			cp = '?';
			len = 1;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
		    cp == 0x2028 || cp == 0x2029 || cp == ' ') {
			if (!space && o < cap)
				out[o++] = ' ';
			space = 1;
			i += len;
			continue;
		}
		if (o + (cp == '?' ? 1 : len) > cap)
			break;
		if (len == 1 || cp == '?')
			out[o++] = (char)cp;
		else {
			memcpy(out + o, s + i, len);
			o += len;
		}
		space = 0;
		i += len;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o;
}

char *
mp_text_printable(const char *in, size_t n, size_t max, int *oom)
{
	size_t cap = n < max ? n : max;
	char *out;

	*oom = 0;
	if ((out = malloc(cap + 1)) == NULL) {
		*oom = 1;
		return NULL;
	}
	if (mp_text_printable_to(in, n, out, cap + 1) == 0) {
		free(out);
		return NULL;
	}
	return out;
}

void
mp_text_ascii(char *dst, size_t n, const char *src)
{
	size_t i;

	if (n == 0)
		return;
	if (src == NULL)
		src = "";
	for (i = 0; i + 1 < n && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f && src[i] != '"') ? src[i] : '?';
	dst[i] = '\0';
}

int
mp_text_ends_with(const char *s, const char *suffix)
{
	size_t n, m;

	if (s == NULL)
		return 0;
	n = strlen(s);
	m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}
