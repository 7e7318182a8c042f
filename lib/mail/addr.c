/*
 * addr - see addr.h
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "error.h"

int
mp_addr_normalize(const char *in, char *out, size_t outsz)
{
	const char *s = in, *e;
	size_t n, i, ats = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e - s >= 2 && *s == '<' && e[-1] == '>') {
		s++;
		e--;
	}
	n = (size_t)(e - s);
	if (n >= outsz || n >= MP_ADDR_MAX)
		return MP_EINPUT;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',')
			return MP_EINPUT;
		if (c == '@')
			ats++;
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	if (n == 0)
		return MP_OK;	/* the null sender */
	if (ats != 1 || out[0] == '@' || out[n - 1] == '@')
		return MP_EINPUT;
	return MP_OK;
}

const char *
mp_addr_domain(const char *norm)
{
	const char *at = strrchr(norm, '@');

	return at ? at + 1 : "";
}

int
mp_domain_in(const char *domain, char *const *list)
{
	size_t dl = strlen(domain), el;

	/* "meldpunt.nl." is the same domain, written absolute. */
	while (dl > 0 && domain[dl - 1] == '.')
		dl--;
	if (dl == 0 || list == NULL)
		return 0;
	for (; *list != NULL; list++) {
		el = strlen(*list);
		if (el == 0 || el > dl)
			continue;
		if (strncasecmp(domain + dl - el, *list, el) != 0)
			continue;
		if (el == dl || domain[dl - el - 1] == '.')
			return 1;
	}
	return 0;
}

int
mp_addr_in(const char *addr, char *const *list)
{
	if (*addr == '\0' || list == NULL)
		return 0;
	for (; *list != NULL; list++)
		if (strcasecmp(addr, *list) == 0)
			return 1;
	return 0;
}
