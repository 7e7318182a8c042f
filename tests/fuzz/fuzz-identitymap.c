/*
 * fuzz-identitymap: the IdentityMap parser (first half of the input) and
 * the TrustedHosts parser (the same bytes as a string).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_error err;
	struct mp_identity_map *m;
	struct mp_netlist *n;
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	m = mp_identity_map_parse("fuzz", s, size, &err);
	if (m != NULL) {
		(void)mp_identity_map_allows(m, "alice", "a@meldpunt.nl");
		mp_identity_map_free(&m);
	}
	n = mp_netlist_parse("fuzz", s, &err);
	if (n != NULL) {
		(void)mp_netlist_match(n, "10.1.2.3");
		(void)mp_netlist_match(n, "2001:db8::1");
		mp_netlist_free(&n);
	}
	free(s);
	return 0;
}
