/*
 * NAME
 *	text - UTF-8 decoding and text fit to show
 * SYNOPSIS
 *	#include "text.h"
 * DESCRIPTION
 *	mp_utf8_decode() is the one UTF-8 decoder of the tree: the length of
 *	the well-formed sequence at `p` (`avail` bytes left) and, when `cp`
 *	is not NULL, its code point; 0 when the bytes are not UTF-8. The
 *	rule is RFC 3629's: no overlong forms, no surrogates (U+D800 to
 *	U+DFFF), nothing past U+10FFFF, no sequence cut short by `avail`.
 *	mp_utf8_seq() is the same without the code point. (The report parser
 *	and the MIME encoder each had a copy; they agreed.)
 *
 *	mp_text_printable() makes hostile bytes into one line of text for a
 *	model field: bytes that are not UTF-8 become '?'; control characters
 *	(C0, DEL, C1, U+2028, U+2029) and all white space become one space;
 *	the result is trimmed and cut at `max` bytes on a character
 *	boundary, so CR and LF never survive. NULL when nothing is left, or
 *	when out of memory (then *oom is set). mp_text_printable_to() writes
 *	the same into out[size] (at most size - 1 bytes and a NUL) and
 *	returns its length, for callers with a buffer of their own.
 *
 *	mp_text_ascii() copies `src` (NULL: "") into dst[n] for a sentence a
 *	reply or log line carries: printable ASCII only, every other byte and
 *	'"' as '?', truncated.
 * OWNERSHIP
 *	mp_text_printable() returns a string the caller free()s.
 * LIMITS
 *	None beyond the arguments.
 */
#ifndef MP_TEXT_H
#define MP_TEXT_H

#include <stddef.h>

size_t mp_utf8_decode(const unsigned char *p, size_t avail, unsigned long *cp);
size_t mp_utf8_seq(const unsigned char *p, size_t avail);

char *mp_text_printable(const char *in, size_t n, size_t max, int *oom);
size_t mp_text_printable_to(const char *in, size_t n, char *out, size_t size);
void mp_text_ascii(char *dst, size_t n, const char *src);

/* 1 when `s` (NULL: no) ends with `suffix`, ASCII case ignored (file names). */
int mp_text_ends_with(const char *s, const char *suffix);

#endif
