/*
 * NAME
 *	seen - what was already notified: dedup and flood control (GDBM)
 * DESCRIPTION
 *	The state DB (StateDB) remembers, per (type, source, contact), when
 *	a notification was last sent, and per contact the times of the
 *	notifications of the last hour.
 *
 *	mp_seen_check_and_record() answers, in one locked step:
 *	  MP_SEEN_DUPLICATE     the same (type, source, contact) was notified
 *	                        less than `interval` seconds ago
 *	                        (RenotifyInterval); nothing is recorded;
 *	  MP_SEEN_RATE_LIMITED  the contact already had `max_per_hour`
 *	                        notifications in the last 3600 seconds
 *	                        (MaxNoticesPerContact); nothing is recorded;
 *	  MP_SEEN_NEW           neither: the notification is recorded.
 *	A duplicate is checked before the rate, so it never uses up the
 *	contact's allowance. interval 0 turns dedup off; max_per_hour 0
 *	turns flood control off.
 *
 *	When the message then fails (tempfail, another contact rate
 *	limited), mp_seen_undo() with the same arguments and `now` takes the
 *	record back, so a retried message is not a duplicate of itself.
 *
 *	The undo cannot run when the process dies between the record and
 *	the MTA's reply (kill -9, a crash, a power cut): the MTA tempfails,
 *	the sender retries, and the record would turn the retry into a
 *	duplicate -- the contact never told. So
 *	mp_seen_check_and_record_msg() keeps a fingerprint of the message
 *	(`msg`, not 0; the caller's hash of its bytes) in the record: it is
 *	pending. The same message again while its record is pending is
 *	MP_SEEN_NEW, recorded anew, its notice in the contact's hour
 *	replacing the old one. Once the MTA has taken the message (the
 *	milter saw the next command after its reply), mp_seen_commit() with
 *	the same arguments and `now` makes the record final: from then on the
 *	same bytes again are a duplicate like any other copy. (A process that
 *	dies after its reply and before the commit leaves the record
 *	pending: an identical copy sent later is told once more -- told twice
 *	beats never told.) mp_seen_check_and_record() records final at once.
 *
 *	The rows of list reports keep theirs in buckets, a record for many
 *	rows, with the same verdicts (listseen.h).
 *
 *	Any GDBM error is MP_ERETRY, never "not seen": the milter answers
 *	tempfail and the MTA retries. A record of the wrong size (damage) is
 *	treated as absent and rewritten.
 *
 *	One process writes the file (GDBM locks it; a second opener gets
 *	MP_ERETRY naming the lock). Within the process all calls are
 *	serialised by a mutex, so one handle serves every thread.
 *	Expired records are pruned at most once an hour during
 *	check_and_record, or on demand with mp_seen_prune().
 * LIMITS
 *	type, source and contact at most MP_SEEN_PART_MAX bytes each;
 *	max_per_hour at most MP_SEEN_RATE_MAX (a record holds one 8-byte
 *	time per notification of the hour); MP_SEEN_PRUNE_MAX records
 *	removed per prune pass.
 * OWNERSHIP
 *	mp_seen_open() returns a handle owned by the caller, closed and
 *	freed by mp_seen_close(&s), which sets the pointer to NULL.
 */
#ifndef MP_SEEN_H
#define MP_SEEN_H

#include <stdint.h>
#include <time.h>

#include "error.h"

#define MP_SEEN_PART_MAX	512
#define MP_SEEN_RATE_MAX	10000
#define MP_SEEN_PRUNE_MAX	100000
#define MP_SEEN_HOUR		3600

enum mp_seen_verdict {
	MP_SEEN_NEW = 0,
	MP_SEEN_DUPLICATE,
	MP_SEEN_RATE_LIMITED,
};

struct mp_seen;

/* Open or create the state DB; NULL with err (MP_ERETRY) on failure. */
struct mp_seen *mp_seen_open(const char *path, struct mp_error *err);
/*
 * Open an existing state DB to read only, without taking GDBM's lock, so
 * that a tool can read it while the milter holds it (meldpunt-health
 * list, meldpunt-route lookup --state, meldpunt-queue list). A record
 * being written at that moment may read as damaged (absent), and what the
 * milter wrote since its last sync is not seen; writes through this
 * handle fail.
 */
struct mp_seen *mp_seen_open_read(const char *path, struct mp_error *err);

int mp_seen_check_and_record(struct mp_seen *s, const char *type,
    const char *source, const char *contact, time_t now, unsigned interval,
    unsigned max_per_hour, enum mp_seen_verdict *verdict,
    struct mp_error *err);

int mp_seen_check_and_record_msg(struct mp_seen *s, const char *type,
    const char *source, const char *contact, uint64_t msg, time_t now,
    unsigned interval, unsigned max_per_hour, enum mp_seen_verdict *verdict,
    struct mp_error *err);

/* The MTA took the message: make a pending record made at `now` final. */
int mp_seen_commit(struct mp_seen *s, const char *type, const char *source,
    const char *contact, time_t now, struct mp_error *err);

/* Take back a record made at `now` by mp_seen_check_and_record(). */
int mp_seen_undo(struct mp_seen *s, const char *type, const char *source,
    const char *contact, time_t now, struct mp_error *err);

/* Remove dedup records older than `interval` and stale rate records;
 * *removed (may be NULL) says how many. */
int mp_seen_prune(struct mp_seen *s, time_t now, unsigned interval,
    unsigned *removed, struct mp_error *err);

const char *mp_seen_verdict_name(enum mp_seen_verdict v); /* new, ... */

void mp_seen_close(struct mp_seen **sp);

/* Flush the file to disk (gdbm_sync): MP_OK or MP_ERETRY. */
int mp_seen_sync(struct mp_seen *s, struct mp_error *err);

#endif
