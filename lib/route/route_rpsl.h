/*
 * NAME
 *	route_rpsl - readers for RPSL objects (RIPE database dumps) and for
 *	the stanzas of meldpunt's own routing source (meldpunt-routes(5))
 * DESCRIPTION
 *	Both readers walk a text held in memory and return one object at a
 *	time as a list of (name, value, line) attributes; the first
 *	attribute names the object's class and key.
 *
 *	RPSL (RFC 2622 as RIPE dumps it): objects are separated by blank
 *	lines; "name: value" attributes; a line starting with a space, a tab
 *	or '+' continues the previous value (joined by one space; a '+' line
 *	is an empty continuation); lines starting with '%' or '#' are
 *	comments, and "#..." ends a value. Names are lower-cased.
 *
 *	Own source: an object starts with "kind id" at the start of a line;
 *	the indented "name value" lines below it are its attributes; '#'
 *	starts a comment at the start of a line or after white space.
 *
 *	A value never holds control characters: CR before LF is dropped, a
 *	TAB becomes a space, any other control byte makes the object bad.
 *	A bad object is skipped whole: the reader returns MP_EINPUT or
 *	MP_ELIMIT with "line N: what is wrong" in err and goes on with the
 *	next object on the next call.
 *
 *	Pure functions of their input: no I/O, no allocation, no globals.
 * OWNERSHIP
 *	The caller owns the reader, the text (which must outlive the reader)
 *	and the object; attribute pointers point into obj->buf and are valid
 *	until the next call with the same object.
 * LIMITS
 *	MP_RPSL_ATTRS attributes per object, MP_RPSL_BUF bytes of names and
 *	values per object, MP_RPSL_VALUE bytes per value.
 */
#ifndef MP_ROUTE_RPSL_H
#define MP_ROUTE_RPSL_H

#include <stddef.h>

#include "error.h"

#define MP_RPSL_ATTRS 512
#define MP_RPSL_BUF 65536
#define MP_RPSL_VALUE 8192

struct mp_rpsl_attr {
	const char *name;	/* lower case */
	const char *value;	/* trimmed, NUL-terminated */
	size_t vlen;
	unsigned line;
};

struct mp_rpsl_obj {
	unsigned line;		/* of the first attribute */
	size_t nattr;
	struct mp_rpsl_attr attr[MP_RPSL_ATTRS];
	size_t used;
	char buf[MP_RPSL_BUF];
};

struct mp_rpsl_reader {
	const char *p, *end;
	unsigned line;		/* of the next line to read, from 1 */
	int own;		/* own source format rather than RPSL */
};

void mp_rpsl_init(struct mp_rpsl_reader *r, const char *text, size_t len);
void mp_rsrc_init(struct mp_rpsl_reader *r, const char *text, size_t len);

/* 1: an object; 0: end of text; MP_EINPUT/MP_ELIMIT: a bad object was skipped. */
int mp_rpsl_next(struct mp_rpsl_reader *r, struct mp_rpsl_obj *obj, struct mp_error *err);

/* The first value of attribute `name`, or NULL. */
const struct mp_rpsl_attr *mp_rpsl_get(const struct mp_rpsl_obj *obj, const char *name);

#endif
