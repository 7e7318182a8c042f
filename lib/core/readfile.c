/*
 * readfile - see readfile.h
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "readfile.h"

int
mp_read_file(const char *path, size_t cap, struct mp_buf *b, struct mp_error *err)
{
	char chunk[8192];
	size_t r;
	int rc = 0;
	FILE *f;

	mp_buf_init(b, cap);
	if ((f = fopen(path, "rb")) == NULL)
		return mp_error_set(err, MP_EIO, "%s: cannot open: %s", path, strerror(errno));
	while (rc == 0 && (r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (mp_buf_append(b, chunk, r) != 0)
			rc = mp_error_set(err, MP_ELIMIT, "%s: larger than %zu bytes (limit)",
			    path, cap);
	if (rc == 0 && ferror(f))
		rc = mp_error_set(err, MP_EIO, "%s: read error", path);
	fclose(f);
	return rc;
}
