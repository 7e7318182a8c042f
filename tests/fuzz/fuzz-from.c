/*
 * fuzz-from: the strict From parser and the identity decision over it.
 * Input: one or more From values separated by NUL bytes.
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
	static char *pd[] = { "meldpunt.nl", NULL };
	static char *daemons[] = { "ORIGINATING", NULL };
	struct mp_identity_policy pol = { pd, NULL, NULL, daemons };
	struct mp_identity_decision d;
	struct mp_from f;
	struct mp_error err;
	const char *from[4];
	char *copy = malloc(size + 1);
	size_t n = 0, i;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (mp_from_parse(copy, size, &f, &err) == 0) {
		for (i = 0; i < f.n; i++)
			if (strlen(f.mbox[i].addr) > MP_ADDR_MAX || strchr(f.mbox[i].addr, '\n'))
				abort();
		mp_from_clear(&f);
	}
	for (i = 0; i <= size && n < 4; i += strlen(copy + i) + 1)
		from[n++] = copy + i;
	{
		struct mp_identity_input in = { "user", "smtpd", "127.0.0.1",
		    "x@example.org", from, n };

		(void)mp_identity_decide(&pol, &in, &d);
		if (strchr(d.reason, '\n') != NULL || strchr(d.reason, '\r') != NULL)
			abort();
	}
	free(copy);
	return 0;
}
