/*
 * align - see align.h
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "addr.h"
#include "align.h"
#include "error.h"

#define DOM_MAX	254

/* Lower case, no final dot, by the one domain validator (addr.h); ""
 * when absent or not a domain name (no hostile bytes reach a sentence). */
static void
norm(const char *in, char out[DOM_MAX])
{
	if (in == NULL || mp_domain_norm(in, strlen(in), out, DOM_MAX) != MP_OK)
		out[0] = '\0';
}

static int
labels(const char *d)
{
	int n = 1;

	for (; *d != '\0'; d++)
		if (*d == '.')
			n++;
	return n;
}

/* `sub` is `top` or below it. */
static int
within(const char *sub, const char *top)
{
	size_t sl = strlen(sub), tl = strlen(top);

	return sl >= tl && strcmp(sub + sl - tl, top) == 0 &&
	    (sl == tl || sub[sl - tl - 1] == '.');
}

int
mp_dkim_aligned(const char *d, const char *domain)
{
	char a[DOM_MAX], b[DOM_MAX];

	norm(d, a);
	norm(domain, b);
	if (a[0] == '\0' || b[0] == '\0')
		return 0;
	if (strcmp(a, b) == 0)
		return 1;
	if (within(a, b))
		return labels(b) >= 2;
	if (within(b, a))
		return labels(a) >= 2;
	return 0;
}
