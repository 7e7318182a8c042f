/*
 * NAME
 *	lang - the languages a notification can be written in
 * SYNOPSIS
 *	#include "lang.h"
 * DESCRIPTION
 *	enum mp_lang is the one language type of the tree: what a routing
 *	source or security.txt says a contact reads (route), which template
 *	set renders (notify's templates) and which a notice is written in
 *	(notify, where MP_LANG_UNKNOWN means both, Dutch first: the
 *	language is unknown or the recipients disagree). It lives in route,
 *	the lowest layer that needs it. (Route, the templates and the
 *	notice had an enum each.)
 *
 *	mp_lang_parse() reads a language tag as RFC 5646 has it, case
 *	ignored: "nl" and "en" are known, anything else is MP_LANG_UNKNOWN
 *	(the DB reader used to compare case-sensitively, the others did
 *	not). mp_lang_name() is "nl", "en" or "unknown".
 * OWNERSHIP
 *	Names are static.
 * LIMITS
 *	MP_LANG_COUNT values, MP_LANG_UNKNOWN first: arrays indexed by
 *	language have MP_LANG_COUNT slots.
 */
#ifndef MP_LANG_H
#define MP_LANG_H

#include <stddef.h>

enum mp_lang {
	MP_LANG_UNKNOWN = 0,
	MP_LANG_NL,
	MP_LANG_EN,
};
#define MP_LANG_COUNT 3

enum mp_lang mp_lang_parse(const char *s, size_t n);
const char *mp_lang_name(enum mp_lang lang);

#endif
