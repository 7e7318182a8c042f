/*
 * fuzz-rpsl - the RPSL reader and importer, and the reader of meldpunt's
 * own routing source, on arbitrary bytes.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "route_build.h"
#include "route_rpsl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mp_rpsl_obj obj;
	struct mp_rpsl_reader r;
	struct mp_routec *c;
	struct mp_error err;
	int rc, guard = 0;

	mp_rpsl_init(&r, (const char *)data, size);
	while ((rc = mp_rpsl_next(&r, &obj, &err)) != 0 && guard++ < 100000)
		if (rc > 0)
			(void)mp_rpsl_get(&obj, "abuse-c");
	mp_rsrc_init(&r, (const char *)data, size);
	while ((rc = mp_rpsl_next(&r, &obj, &err)) != 0 && guard++ < 200000)
		;
	/* Through the importers too: references, ranges, handles. */
	if ((c = mp_routec_new(NULL, NULL)) != NULL) {
		mp_routec_add_rpsl(c, "fuzz.db", (const char *)data, size);
		mp_routec_add_source(c, "fuzz.conf", (const char *)data, size);
		mp_routec_free(&c);
	}
	return 0;
}
