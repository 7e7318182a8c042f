/*
 * pending_rows - a test helper: the visible pending rows of a state DB
 * (pending.h) as text, for test-intake-states.c and test-bounceflow.c.
 *
 * One line a row, sorted: "contact type lang row: cell|cell|...", only
 * rows whose message record exists (what the sender would see). Reads
 * the GDBM file through the state handle's own lock (seen_int.h).
 */
#ifndef MP_TEST_PENDING_ROWS_H
#define MP_TEST_PENDING_ROWS_H

#include <gdbm.h>
#include <stdlib.h>
#include <string.h>

#include "pending.h"
#include "seen_int.h"

static int
pending_rows_cmp_(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t
pending_rows(struct mp_seen *seen, char *out, size_t size)
{
	char *line[256], buf[4096];
	const char *cells[64];
	struct mp_pending_row r;
	struct mp_error err;
	size_t n = 0, i, len, off;
	unsigned char mk[9];
	GDBM_FILE db = mp_seen_lock(seen);
	datum key, next, val, m;
	int k;

	for (key = gdbm_firstkey(db); key.dptr != NULL; next = gdbm_nextkey(db,
	    key), free(key.dptr), key = next) {
		if (key.dptr[0] != 'p' || (val = gdbm_fetch(db, key)).dptr == NULL)
			continue;
		off = 0;
		while (n < 256 && mp_pending_chunk_next(key.dptr, (size_t)key.dsize,
		    val.dptr, (size_t)val.dsize, &off, &r, cells, 64, &err) == 1) {
			mk[0] = 'm';
			for (k = 0; k < 8; k++)
				mk[1 + k] = (unsigned char)(r.msg >> (56 - 8 * k));
			m.dptr = (char *)mk;
			m.dsize = 9;
			if (!gdbm_exists(db, m))
				continue;
			len = (size_t)snprintf(buf, sizeof(buf), "%s %s %s %u:",
			    r.contact, r.type, r.lang, r.row);
			for (i = 0; i < r.ncells && len < sizeof(buf); i++)
				len += (size_t)snprintf(buf + len, sizeof(buf) - len,
				    "%s%s", i ? "|" : " ", cells[i]);
			line[n++] = strdup(buf);
		}
		free(val.dptr);
	}
	mp_seen_unlock(seen);
	qsort(line, n, sizeof(line[0]), pending_rows_cmp_);
	out[0] = '\0';
	for (i = 0, len = 0; i < n; i++) {
		if (len < size)
			len += (size_t)snprintf(out + len, size - len, "%s\n",
			    line[i]);
		free(line[i]);
	}
	return n;
}

#endif
