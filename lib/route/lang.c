/*
 * lang - see lang.h
 */
#include "config.h"

#include <strings.h>

#include "lang.h"

enum mp_lang
mp_lang_parse(const char *s, size_t n)
{
	if (n == 2 && strncasecmp(s, "nl", 2) == 0)
		return MP_LANG_NL;
	if (n == 2 && strncasecmp(s, "en", 2) == 0)
		return MP_LANG_EN;
	return MP_LANG_UNKNOWN;
}

const char *
mp_lang_name(enum mp_lang lang)
{
	switch (lang) {
	case MP_LANG_NL:	return "nl";
	case MP_LANG_EN:	return "en";
	default:		return "unknown";
	}
}
