/*
 * NAME
 *	tickets - hand out ticket numbers, and find a ticket's notification
 * DESCRIPTION
 *	A ticket (ticket.h in lib/core: "YYYYMMDD-NNNNNNNN") numbers the
 *	notifications of a UTC day from 1.
 *
 *	mp_ticket_next() takes the day's next number from a counter in the
 *	state DB ("T" YYYYMMDD -> count(8)); it is made durable by the
 *	caller's mp_seen_sync() along with the notification's other records,
 *	which comes before the notification leaves. mp_ticket_bind() records
 *	which notice id a ticket belongs to ("t" ticket -> time(8) id), and
 *	the way back ("u" lower-cased id -> time(8) ticket); mp_ticket_find()
 *	answers the first, mp_ticket_of() the second (a reply matched by its
 *	In-Reply-To names its ticket too). Counters are pruned after two
 *	days, both indexes with the notices (MP_NOTICE_KEEP). A binding
 *	whose notification was then taken back (mp_notice_forget) stays:
 *	it leads to no notice record, which is what a reader checks.
 * THREADS
 *	Every call that reads or writes the DB takes the seen handle's lock.
 */
#ifndef MP_TICKETS_H
#define MP_TICKETS_H

#include <stddef.h>
#include <time.h>

#include "error.h"
#include "ticket.h"

struct mp_seen;

/* The day's next ticket into out[MP_TICKET_MAX]. MP_OK, MP_ERETRY (DB),
 * MP_ELIMIT (a hundred million in one day). */
int mp_ticket_next(struct mp_seen *s, time_t at, char *out,
    struct mp_error *err);
int mp_ticket_bind(struct mp_seen *s, const char *ticket, const char *id,
    time_t at, struct mp_error *err);
/* MP_FOUND with the notice id in id[idsz], MP_NOTFOUND, MP_RETRY (err). */
enum mp_lookup mp_ticket_find(struct mp_seen *s, const char *ticket,
    char *id, size_t idsz, struct mp_error *err);
/* MP_FOUND with the ticket of notice `id` in ticket[MP_TICKET_MAX] (ids
 * compared without regard to case, as notices.h), MP_NOTFOUND, MP_RETRY. */
enum mp_lookup mp_ticket_of(struct mp_seen *s, const char *id, char *ticket,
    struct mp_error *err);
/* For seen.c's prune: whether a "T", "t" or "u" record is done with at now. */
int mp_ticket_expired_(const char *key, size_t klen, const char *val,
    size_t vlen, time_t now);

#endif
