/*
 * NAME
 *	health - hard bounces per contact address, and whether it is reachable
 * DESCRIPTION
 *	mp_health_add() records one hard bounce of `addr` (lower-cased) at
 *	`at`, with the Status and the notice id it came back for; the
 *	newest MP_HEALTH_KEEP are kept. mp_health_get() reads the record:
 *	MP_FOUND, MP_NOTFOUND, or MP_RETRY (err set) when the DB cannot
 *	answer -- never "not found".
 *
 *	mp_health_judge() is the rule, a pure function: the address is
 *	unreachable at `now` when at least `limit` of its bounces are
 *	within `window` seconds before now (limit 0: never); *since is the
 *	time of the bounce that reached the limit, *count how many are in
 *	the window.
 *
 *	mp_health_reset() removes the record and returns what it held, for
 *	the operator's log; mp_health_list() calls `fn` for every record
 *	(stops and returns its value when not 0). A record is never pruned
 *	by age: only a reset removes it (a bounce outside the window simply
 *	no longer counts).
 * LIMITS
 *	MP_HEALTH_KEEP bounces per address; address at most
 *	MP_HEALTH_ADDR_MAX - 1 bytes.
 * OWNERSHIP
 *	struct mp_health is caller-owned, fixed size.
 */
#ifndef MP_HEALTH_H
#define MP_HEALTH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

#define MP_HEALTH_KEEP		32
#define MP_HEALTH_ADDR_MAX	336
#define MP_HEALTH_STATUS_MAX	16
#define MP_HEALTH_ID_MAX	64

struct mp_health_bounce {
	int64_t at;
	char status[MP_HEALTH_STATUS_MAX];	/* "5.1.1", "" if none */
	char notice[MP_HEALTH_ID_MAX];		/* the notice id, "" if none */
};

struct mp_health {
	char addr[MP_HEALTH_ADDR_MAX];
	size_t n;				/* oldest first */
	struct mp_health_bounce b[MP_HEALTH_KEEP];
};

struct mp_seen;

int mp_health_add(struct mp_seen *s, const char *addr, time_t at,
    const char *status, const char *notice, struct mp_error *err);
enum mp_lookup mp_health_get(struct mp_seen *s, const char *addr,
    struct mp_health *h, struct mp_error *err);
/* Take back the bounce recorded at `at` (a plan that was not carried out). */
int mp_health_undo(struct mp_seen *s, const char *addr, time_t at,
    struct mp_error *err);
/* 1 unreachable, 0 not; *since and *count as above (either may be NULL). */
int mp_health_judge(const struct mp_health *h, time_t now, unsigned limit,
    unsigned window, time_t *since, unsigned *count);
/*
 * The routing question for `addr` at `now` (route.h, mp_route_health_fn):
 * 0 reachable, 1 unreachable with why = "unreachable since
 * 2026-12-01T10:00:00Z (2 bounces)", -1 when the DB cannot answer (err).
 */
int mp_health_check(struct mp_seen *s, const char *addr, time_t now,
    unsigned limit, unsigned window, char *why, size_t whylen,
    struct mp_error *err);
/* MP_FOUND with *was (may be NULL) what was removed, MP_NOTFOUND, MP_RETRY. */
enum mp_lookup mp_health_reset(struct mp_seen *s, const char *addr,
    struct mp_health *was, struct mp_error *err);
int mp_health_list(struct mp_seen *s,
    int (*fn)(const struct mp_health *h, void *arg), void *arg,
    struct mp_error *err);

#endif
