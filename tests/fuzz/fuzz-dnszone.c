/*
 * fuzz-dnszone: the test DNS zone parser (DNSZoneFile), its DKIM key
 * lookup, and loading the parsed records into libspf2's zone layer.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnszone.h"
#include "spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_error err;
	struct mp_dnszone *z;
	char txt[1024];
	size_t i;

	z = mp_dnszone_parse("fuzz", (const char *)data, size, &err);
	if (z == NULL)
		return 0;
	for (i = 0; i < mp_dnszone_count(z) && i < 8; i++)
		(void)mp_dnszone_dkim_lookup(z, mp_dnszone_record(z, i)->name, txt,
		    sizeof(txt));
	if (mp_dnszone_count(z) <= 64) {
		/* libspf2 aborts on records it does not accept: the parser
		 * must never hand it one. */
		struct mp_spf_opts o = { 0, z, 0 };
		struct mp_spf *s = mp_spf_new(&o, &err);

		mp_spf_free(&s);
	}
	mp_dnszone_free(&z);
	return 0;
}
