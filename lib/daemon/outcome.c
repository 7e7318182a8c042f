/*
 * outcome - see outcome.h
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "outcome.h"

static const char *const names[] = {
#define MP_OUTCOME_NAME_(id, name) [MP_OUTCOME_##id] = name,
	MP_OUTCOMES(MP_OUTCOME_NAME_)
#undef MP_OUTCOME_NAME_
};

_Static_assert(sizeof(names) / sizeof(names[0]) == MP_OUTCOME_COUNT,
    "every outcome has a name");

const char *
mp_outcome_name(enum mp_outcome o)
{
	return (unsigned)o < MP_OUTCOME_COUNT ? names[o] : "";
}

const char *
mp_outcome_log_word(enum mp_outcome o)
{
	/* Untouched mail has no outcome to speak of. */
	return o == MP_OUTCOME_PASSED ? "-" : mp_outcome_name(o);
}

int
mp_outcome_from_name(const char *name, enum mp_outcome *o_r)
{
	unsigned i;

	for (i = 0; i < MP_OUTCOME_COUNT; i++)
		if (strcmp(names[i], name) == 0) {
			*o_r = (enum mp_outcome)i;
			return MP_OK;
		}
	return MP_EINPUT;
}
