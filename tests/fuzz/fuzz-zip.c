/*
 * fuzz-zip - libFuzzer target: bytes as a zip file, through mp_zip_read()
 * under small limits and then as a zipped Shadowserver report. Checks
 * that an accepted zip held only plain *.csv names within the entry,
 * size and ratio limits. Seeds: tests/fuzz/zip.seeds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_feed_limits lim;
	struct mp_zip_entry *es = NULL;
	struct mp_feed *f = NULL;
	struct mp_error err;
	size_t ne = 0, i, total = 0;

	mp_feed_limits_default(&lim);
	lim.max_zip_entries = 4;
	lim.max_zip_size = 1024 * 1024;
	lim.max_rows = 2000;
	if (mp_zip_read(data, size, &lim, &es, &ne, &err) == MP_OK) {
		if (ne == 0 || ne > lim.max_zip_entries)
			__builtin_trap();
		for (i = 0; i < ne; i++) {
			const char *n = es[i].name;
			size_t len = strlen(n);

			if (strpbrk(n, "/\\:") != NULL || strstr(n, "..") ||
			    len < 4 || strcasecmp(n + len - 4, ".csv") != 0)
				__builtin_trap();
			total += es[i].len;
		}
		if (total > lim.max_zip_size)
			__builtin_trap();
		mp_zip_entries_free(es, ne);
	} else if (es != NULL || err.msg[0] == '\0')
		__builtin_trap();
	if (mp_feed_parse_shadowserver("2024-01-02-scan_ntp-org-asn.csv.zip",
	    data, size, &lim, &f, &err) == MP_OK) {
		if (f->nvalid + f->ninvalid != f->nrows)
			__builtin_trap();
		mp_feed_free(&f);
	}
	return 0;
}
