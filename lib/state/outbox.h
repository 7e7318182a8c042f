/*
 * NAME
 *	outbox - notifications the sender made, until the MTA has them
 * DESCRIPTION
 *	The sender (sender.h in lib/daemon) turns a group of pending rows
 *	(pending.h) into one notification. Before it submits it, it records
 *	the notification whole in the outbox, with the keys of the pending
 *	chunks it covers; once the MTA has answered 250, mp_outbox_done()
 *	deletes those chunks and the outbox record and notes when the group
 *	was last notified. A sender that stops between the two (killed, the
 *	MTA unreachable) finds the record at its next pass and submits the
 *	same bytes again.
 *
 *	Exactly once. The milter marks each outbox notification it signs
 *	(mp_outbox_sign_once): the first time it is signed and sent on; a
 *	second time -- the sender died after the MTA took the first copy but
 *	before mp_outbox_done -- it is a repeat, and the milter discards it
 *	(the MTA still answers 250, and the sender completes). A message
 *	whose id has no outbox record is not the sender's: the milter treats
 *	it as any other mail. The one gap left: the milter killed between
 *	writing the mark and answering the MTA leaves a mark for a copy the
 *	MTA then tempfailed; the retry is discarded and the log says
 *	"discarded as a repeat". The mark is the milter's last step before
 *	its answer (eom.c, mp_plan_last) and is written without a sync (the
 *	page cache keeps it when the process dies), so the gap is the
 *	microseconds to the answer; a power cut can take an unsynced mark,
 *	and then a copy goes twice, never none.
 *	docs/feeds.md says how to check.
 *
 *	Records (integers network byte order):
 *	  "o" id -> made(8) rows(4) attempts(4) failed(1) ticket NUL contact
 *	            NUL type NUL lang NUL sender NUL reply NUL nkeys(4)
 *	            (klen(2) key)... message
 *	  "s" id -> when the milter signed it(8)
 *	  "l" contact NUL type NUL lang -> when the group was last notified(8)
 *	Ids are compared as given (the sender's own, "MP-" + lower case).
 *	"s" records are pruned after MP_OUTBOX_SIGNED_KEEP, "l" records
 *	after MP_OUTBOX_LAST_KEEP.
 * THREADS
 *	Every call takes the seen handle's lock (seen.h).
 * OWNERSHIP
 *	mp_outbox_get() fills a caller's struct whose `keys` and `message`
 *	it allocates; mp_outbox_item_free() releases them.
 */
#ifndef MP_OUTBOX_H
#define MP_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "notices.h"
#include "pending.h"
#include "ticket.h"

#define MP_OUTBOX_SIGNED_KEEP	(7L * 86400)
#define MP_OUTBOX_LAST_KEEP	(400L * 86400)
#define MP_OUTBOX_REPLY_MAX	512

struct mp_outbox_item {
	char id[MP_NOTICE_ID_MAX];
	char ticket[MP_TICKET_MAX];
	char contact[MP_PENDING_PART_MAX + 1];
	char type[MP_PENDING_PART_MAX + 1];
	char lang[MP_PENDING_PART_MAX + 1];
	char sender[MP_NOTICE_ADDR_MAX];	/* the envelope sender */
	time_t made;
	unsigned rows, attempts;
	int failed;		/* the MTA refused it for good (reply says) */
	char reply[MP_OUTBOX_REPLY_MAX];	/* the MTA's last answer */
	/* the chunks it covers: klen(2) key, repeated */
	unsigned char *keys;
	size_t keys_len;
	char *message;		/* CRLF, as submitted */
	size_t message_len;
};

struct mp_seen;

int mp_outbox_put(struct mp_seen *s, const struct mp_outbox_item *it,
    struct mp_error *err);
/* The ids of every outbox record, oldest first: *idsp (free()), *np. */
int mp_outbox_ids(struct mp_seen *s, char (**idsp)[MP_NOTICE_ID_MAX],
    size_t *np, struct mp_error *err);
enum mp_lookup mp_outbox_get(struct mp_seen *s, const char *id,
    struct mp_outbox_item *it, struct mp_error *err);
void mp_outbox_item_free(struct mp_outbox_item *it);
/* Append a chunk's key to it->keys. MP_OK or MP_ENOMEM. */
int mp_outbox_add_key(struct mp_outbox_item *it, const void *key,
    size_t klen);

/*
 * The MTA took it: delete the chunks it covers and its record, note `at`
 * as the group's last notification.
 */
int mp_outbox_done(struct mp_seen *s, const struct mp_outbox_item *it,
    time_t at, struct mp_error *err);

/*
 * The MTA refused it for good (it->failed, it->reply): the record is
 * kept with the rows inside its message, and the chunks are deleted, so
 * that the rows are not made into a second notification while the first
 * waits for an operator (meldpunt-queue send submits it again).
 */
int mp_outbox_refused(struct mp_seen *s, const struct mp_outbox_item *it,
    struct mp_error *err);

/* When the group was last notified: MP_FOUND with *at, MP_NOTFOUND,
 * MP_RETRY. */
enum mp_lookup mp_outbox_last(struct mp_seen *s, const char *contact,
    const char *type, const char *lang, time_t *at, struct mp_error *err);

/*
 * The milter's side: is this signing of `id` the first? MP_OUTBOX_FIRST
 * only once the mark is synced (what was written before it is synced
 * first, so that the mark's own sync is short: see the gap above); a
 * mark that could not be synced is taken back and the call fails.
 */
enum mp_outbox_sign {
	MP_OUTBOX_NOT_OURS = 0,	/* no outbox record: not the sender's */
	MP_OUTBOX_FIRST,	/* marked now: sign and send */
	MP_OUTBOX_REPEAT,	/* marked before: discard */
};
int mp_outbox_sign_once(struct mp_seen *s, const char *id, time_t now,
    enum mp_outbox_sign *v, struct mp_error *err);
/* What mp_outbox_sign_once would say now, without marking: the milter
 * asks first, signs, and marks last (eom.c: the mark is the step before
 * its answer, so that the gap above is as small as it can be). */
int mp_outbox_sign_peek(struct mp_seen *s, const char *id,
    enum mp_outbox_sign *v, struct mp_error *err);
/* Take a mark back: the MTA did not keep the message after all. */
int mp_outbox_unsign(struct mp_seen *s, const char *id, struct mp_error *err);

/* For seen.c's prune: whether an "s" or "l" record is done with. */
int mp_outbox_expired_(const char *key, size_t klen, const char *val,
    size_t vlen, time_t now);

#endif
