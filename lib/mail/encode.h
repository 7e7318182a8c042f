/*
 * NAME
 *	encode - the MIME encoders a notification needs (7-bit output only)
 * DESCRIPTION
 *	mp_enc_qp() writes UTF-8 text as quoted-printable (RFC 2045 6.7):
 *	LF or CRLF in the input become CRLF hard line breaks, soft breaks
 *	keep every output line at most 76 characters, trailing white space,
 *	a leading "." and a leading "From " are encoded so that no transport
 *	can change them.
 *
 *	mp_enc_base64() writes bytes as base64 in 76-column CRLF lines.
 *
 *	mp_enc_header_text() turns a one-line UTF-8 value into header text:
 *	unchanged when it is printable ASCII without "=?" and without words
 *	longer than 75 characters, otherwise RFC 2047 "B" encoded words of
 *	at most 75 characters that never split a UTF-8 sequence, separated by
 *	spaces. Control characters must have been removed before.
 *
 *	mp_enc_fold() writes "Name: value" folded at spaces so that lines
 *	stay within 78 characters where a space allows it, never over 998.
 *	`fold` is the folding break, a line end followed by white space
 *	("\r\n " in a message, "\n\t" for libmilter). No line end is
 *	written after the value. With `value_only` set, only the value is
 *	written (for smfi_chgheader), laid out as if "Name: " preceded it.
 *	Runs of spaces collapse into one.
 * OWNERSHIP
 *	All functions append to a caller-owned struct mp_buf and return 0 or
 *	a negative MP_E* code (MP_ELIMIT when the buffer cap is reached).
 */
#ifndef MP_ENCODE_H
#define MP_ENCODE_H

#include <stddef.h>

#include "buf.h"

#define MP_ENC_LINE_MAX	76	/* quoted-printable and base64 line length */
#define MP_ENC_WORD_MAX	75	/* RFC 2047 encoded-word length */
#define MP_ENC_FOLD_AT	78	/* preferred header line length */

int mp_enc_qp(const char *text, size_t len, struct mp_buf *out);
int mp_enc_base64(const unsigned char *p, size_t len, struct mp_buf *out);
int mp_enc_header_text(const char *utf8, struct mp_buf *out);
int mp_enc_fold(const char *name, const char *value, const char *fold,
    int value_only, struct mp_buf *out);

/* mp_utf8_seq(), the UTF-8 decoder the encoders use, is core's (text.h). */
#include "text.h"

#endif
