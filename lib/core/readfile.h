/*
 * NAME
 *	readfile - read a whole small file into a buffer, with a cap
 * DESCRIPTION
 *	mp_read_file() reads `path` into `b` (initialised here with `cap`
 *	as its limit). A file larger than `cap` is MP_ELIMIT, a file that
 *	cannot be opened or read MP_EIO; the message names the file.
 * OWNERSHIP
 *	The caller frees the buffer with mp_buf_free(), also after an error.
 */
#ifndef MP_READFILE_H
#define MP_READFILE_H

#include <stddef.h>

#include "buf.h"
#include "error.h"

int mp_read_file(const char *path, size_t cap, struct mp_buf *b, struct mp_error *err);

#endif
