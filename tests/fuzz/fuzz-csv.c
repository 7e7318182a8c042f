/*
 * fuzz-csv - libFuzzer target: bytes as a CSV table, through the generic
 * list reader (first byte even) or the Shadowserver column mapping (odd),
 * under small limits. Checks feed.h's promises: every row valid or
 * invalid with a reason, counts adding up, cells within max_field, model
 * strings free of control characters, and mp_feed_defang() output safe
 * for a notification or a CSV attachment. Seeds: tests/fuzz/csv.seeds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
safe(const char *s)
{
	const unsigned char *p;

	if (s == NULL)
		return;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			__builtin_trap();
}

static void
defanged(const char *cell)
{
	char out[2 * 512 + 8];

	mp_feed_defang(cell, out, sizeof(out));
	safe(out);
	if (out[0] == '=' || out[0] == '@' ||
	    ((out[0] == '+' || out[0] == '-') &&
	    strspn(out + 1, "0123456789.") != strlen(out + 1)))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_feed_limits lim;
	struct mp_feed *f = NULL;
	struct mp_error err;
	size_t i, c, valid = 0;
	int rc;

	if (size < 1)
		return 0;
	mp_feed_limits_default(&lim);
	lim.max_rows = 2000;
	lim.max_columns = 64;
	lim.max_field = 512;
	if (data[0] & 1)
		rc = mp_feed_parse_shadowserver(
		    "2024-01-02-event4_sinkhole-org-asn.csv", data + 1, size - 1,
		    &lim, &f, &err);
	else
		rc = mp_feed_parse_list("list.csv", data + 1, size - 1,
		    MP_TYPE_OTHER, "case", &lim, &f, &err);
	if (rc != MP_OK) {
		if (f != NULL || err.msg[0] == '\0')
			__builtin_trap();
		return 0;
	}
	if (f->nvalid + f->ninvalid != f->nrows || f->nrows > lim.max_rows ||
	    f->ncolumns > lim.max_columns)
		__builtin_trap();
	for (c = 0; c < f->ncolumns; c++) {
		safe(f->columns[c]);
		defanged(f->columns[c]);
	}
	for (i = 0; i < f->nrows; i++) {
		const struct mp_feed_row *row = &f->rows[i];

		if ((row->state == MP_ROW_VALID) != (row->reason == NULL))
			__builtin_trap();
		if (row->state == MP_ROW_VALID) {
			valid++;
			if (row->r.source_ip == NULL)
				__builtin_trap();
		}
		safe(row->reason);
		safe(row->r.source_ip);
		safe(row->r.domain);
		safe(row->r.type_detail);
		safe(row->tags);
		safe(row->protocol);
		for (c = 0; c < row->ncells; c++) {
			const char *v = mp_feed_cell(row, c);

			if (strlen(v) > lim.max_field)
				__builtin_trap();
			defanged(v);
		}
	}
	if (valid != f->nvalid)
		__builtin_trap();
	mp_feed_free(&f);
	return 0;
}
