/*
 * NAME
 *	seen_int - the state DB handle's insides, for the modules that keep
 *	their own records in the same GDBM file (notices.c, health.c)
 * DESCRIPTION
 *	Not for use outside lib/state. Every access to `db` holds `lock`.
 *	Keys begin with one letter naming the record kind: "d" and "r"
 *	(seen.c), "n" (notices.c), "h" (health.c), "p" "f" "m" (pending.c),
 *	"T" "t" "u" (tickets.c), "o" "s" "l" (outbox.c), "b" "B" (listseen.c).
 *	Integers are in network byte order: mp_seen_putn_/mp_seen_getn_
 *	(n bytes), mp_seen_put64_/mp_seen_get64_ (8, signed).
 */
#ifndef MP_SEEN_INT_H
#define MP_SEEN_INT_H

#include <gdbm.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

struct mp_seen {
	GDBM_FILE db;
	pthread_mutex_t lock;
	pthread_mutex_t list_lock;	/* a list report's session (listseen.h);
					   taken before `lock`, never inside it */
	time_t last_prune;
	char *path;
};

/*
 * Called with the lock held, before each use: a write that failed (disk
 * full) can leave GDBM wanting recovery, and the recovery tried then may
 * have failed too; once there is room again the next use recovers first
 * instead of failing one more message.
 */
static inline void
mp_seen_recover_(struct mp_seen *s)
{
	if (gdbm_needs_recovery(s->db))
		(void)gdbm_recover(s->db, NULL, 0);
}

/*
 * The other record kinds of the same file (pending.c) share the handle:
 * mp_seen_lock() takes the handle's lock, recovers GDBM when a failed
 * write left it wanting that (mp_seen_recover_), and returns the
 * GDBM_FILE (as void *); mp_seen_unlock() gives the lock back.
 */
void *mp_seen_lock(struct mp_seen *s);
void mp_seen_unlock(struct mp_seen *s);

/*
 * One record by its key, under the lock: MP_FOUND with *val (free()
 * val->dptr), MP_NOTFOUND, or MP_RETRY with err saying it could not
 * `what` ("read a pending record of") the file -- never "not found".
 */
enum mp_lookup mp_seen_get_(struct mp_seen *s, const void *key, size_t klen,
    datum *val, const char *what, struct mp_error *err);

/* MP_ERETRY naming the file and GDBM's error; recovers GDBM if it asks. */
int mp_seen_db_error_(struct mp_seen *s, const char *what, struct mp_error *err);
void mp_seen_putn_(unsigned char *p, uint64_t u, int n);
uint64_t mp_seen_getn_(const unsigned char *p, int n);
void mp_seen_put64_(unsigned char *p, int64_t v);
int64_t mp_seen_get64_(const unsigned char *p);
/* Whether a notice record (notices.c) is old enough to prune. */
int mp_notice_expired_(datum val, time_t now);
/* Whether every entry of a list row bucket (listseen.c) is older than
 * `interval`. */
int mp_listseen_expired_(const char *key, size_t klen, const char *val,
    size_t vlen, time_t now, unsigned interval);

#endif
