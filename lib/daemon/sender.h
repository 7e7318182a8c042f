/*
 * NAME
 *	sender - one notification per group of pending rows
 * DESCRIPTION
 *	A milter cannot make new messages, and a list report holds rows for
 *	many contacts, each of whom may see only its own. Intake records the
 *	rows as pending per group (contact, report type, language;
 *	pending.h); the sender, a thread of meldpunt-milter (docs/
 *	ARCHITECTURE.md says why a thread), makes one notification per group
 *	and submits it to the MTA (submit.h), where the milter signs it as
 *	outbound.
 *
 *	mp_sender_pass() is one look, at time `now`:
 *	 1. the outbox first (outbox.h): what was made but not yet taken by
 *	    the MTA is submitted again, the same bytes. While the MTA cannot
 *	    be reached nothing new is made. One refused for good (5xx) is
 *	    submitted again only when a request names its group; until it
 *	    goes, its rows stay its own (step 2 leaves the chunks of every
 *	    outbox record out: no second notification of the same rows).
 *	 2. every group that is due: its newest row arrived AggregateDelay
 *	    ago or longer and the contact's notifyinterval (meldpunt-
 *	    routes(5); else NotifyInterval) has passed since the group's
 *	    last notification -- or it holds MaxRowsPerNotice rows, or a
 *	    request names it (mp_sender_request: meldpunt-queue send). Its
 *	    chunks are taken in arrival order up to MaxRowsPerNotice rows
 *	    (at least one chunk; a chunk is never split; fewer when the
 *	    message would pass MaximumMessageSize), rendered
 *	    (notify_list.h) with a ticket (tickets.h), recorded in the
 *	    outbox with a notice record (notices.h, for bounces and
 *	    replies), synced, submitted, and done. While the rest still
 *	    holds MaxRowsPerNotice rows (or a request names the group) the
 *	    next notification follows in the same pass.
 *	The return path is BounceAddress tagged with the notice id, as for
 *	every notification. What happens is told through `note` (the milter
 *	logs it) and counted in *tally.
 *
 *	A backlog goes out at the rate the MTA takes mail, not one chain of
 *	steps at a time: notifications are made in batches of up to
 *	BATCH_MAX (sender.c), whose records get one sync before any of them
 *	is submitted; they are submitted over SubmitConnections connections
 *	at once (submit_pool.h), each kept open for the pass, while the next
 *	batch is made; a notification the MTA took is done at once, its
 *	done mark synced with the next batch or at the end of the pass (a
 *	stop before that makes the next pass submit it again, and the milter
 *	discards the repeat: outbox.h). Nothing is made once the MTA could
 *	not take a message; what was queued goes back to the outbox untried.
 * RETURNS
 *	MP_OK, also when some notifications could not be sent (tally and
 *	notes say which); MP_ERETRY when the state DB cannot be used.
 * THREADS
 *	One pass at a time (the milter runs one sender thread). A pass runs
 *	threads of its own while it submits (submit_pool.h) and ends them
 *	before it returns; `note` is called from them too, one call at a
 *	time.
 * LIMITS
 *	In memory at once: the batch being made (BATCH_MAX notifications or
 *	BATCH_BYTES, whichever comes first, and the one that passed it) and
 *	at most 2 x SubmitConnections on their way to the MTA.
 */
#ifndef MP_SENDER_H
#define MP_SENDER_H

#include <stddef.h>
#include <time.h>

#include "error.h"
#include "route.h"
#include "snapshot.h"

/* A group to send now, whatever its times: NULL/"" fields match any. */
struct mp_sender_request {
	const char *contact, *type, *lang;
};

struct mp_sender_tally {
	unsigned due;		/* groups due in this pass */
	unsigned sent;		/* notifications the MTA took */
	unsigned rows;		/* rows in them */
	unsigned deferred;	/* not taken now, kept for the next pass */
	unsigned refused;	/* refused for good (5xx): kept, not retried */
};

typedef void (*mp_sender_note_fn)(void *arg, int problem, const char *line);

int mp_sender_pass(const struct mp_snapshot *snap, time_t now,
    const struct mp_sender_request *req, size_t nreq, mp_sender_note_fn note,
    void *arg, struct mp_sender_tally *tally, struct mp_error *err);

/*
 * The time a group becomes due (0: now), from its facts: its rows, when
 * the newest arrived, its last notification (0: none) and the contact's
 * notification interval (0: NotifyInterval). For meldpunt-queue list too.
 */
time_t mp_sender_due(const struct mp_conf *conf, unsigned interval,
    size_t rows, time_t received, time_t last);

/* The contact's notification interval from the routing DB (its
 * notifyinterval), else 0; MP_RETRY when the DB cannot answer. */
enum mp_lookup mp_sender_interval(struct mp_routedb *db, const char *contact,
    unsigned *interval, struct mp_error *err);

#endif
