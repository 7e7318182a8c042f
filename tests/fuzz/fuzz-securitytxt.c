/*
 * fuzz-securitytxt - the security.txt reader on arbitrary bytes.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "route_build.h"
#include "route_sectxt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mp_sectxt st;
	struct mp_routec *c;
	struct mp_error err;

	(void)mp_sectxt_parse((const char *)data, size, 1767225600, &st, &err);
	if ((c = mp_routec_new(NULL, NULL)) != NULL) {
		mp_routec_add_securitytxt(c, "example.nl", "fuzz.txt", (const char *)data, size,
		    1767225600);
		mp_routec_free(&c);
	}
	return 0;
}
