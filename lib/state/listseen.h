/*
 * NAME
 *	listseen - dedup of the rows of list reports, a bucket of rows per
 *	GDBM record
 * DESCRIPTION
 *	What seen.h does for a single report -- per (type, source, contact),
 *	the time a notice was last due and the message that made it -- for
 *	the rows of list reports (feed.h; intake's list path), of which one
 *	report brings up to a million. One GDBM record per row made each row
 *	cost a fetch and a store (three writes: record, bucket, header), most
 *	of a report's time; here the rows of a (type, contact) share records:
 *
 *	  "B" type NUL contact                       -> bits(1) count(4)
 *	  "b" type NUL contact NUL bits(1) bucket(4) -> entries, each
 *	      time(8) msg(8) row(8) source NUL
 *
 *	(network byte order). A source goes to bucket hash(source) >> (64 -
 *	bits) of 2^bits; `count` is about how many entries the buckets hold
 *	and sets bits, so that a bucket holds about MP_LISTSEEN_BUCKET of
 *	them: a (type, contact) with 30,000 live rows has 512 records of 64.
 *
 *	A session is one report: mp_listseen_begin(), then
 *	mp_listseen_check() for each row and contact, then
 *	mp_listseen_flush(). A check fetches the row's bucket the first time
 *	the session needs it and answers from memory; flush writes each
 *	bucket the session changed, once. The verdicts are those of
 *	mp_seen_check_and_record_msg() without a rate (max_per_hour 0):
 *	  MP_SEEN_DUPLICATE  the same (type, source, contact) was recorded
 *	                     less than `interval` seconds before `now` by
 *	                     another row or another message;
 *	  MP_SEEN_NEW        otherwise, and it is recorded (now, msg, row).
 *	So the same row of the same message again (the MTA's retry after a
 *	tempfail, or after kill -9 before the report was recorded) is
 *	MP_SEEN_NEW, and its records are written over, not added to; a later
 *	row of the same message with the same (type, source, contact) is a
 *	duplicate of the first. interval 0 turns dedup off: every check is
 *	new and nothing is recorded. Entries older than `interval` are
 *	dropped when their bucket is read.
 *
 *	When count outgrows the buckets (more than twice the target), flush
 *	reads all of them, counts exactly and writes the entries over
 *	2^bits' buckets under keys with the new bits, then the "B" record,
 *	then deletes the old ones: a crash in between leaves the old
 *	generation in force (the new one is written over by the next
 *	resize); leftovers of an old generation are never read, and
 *	mp_seen_prune() removes them with every bucket whose entries have all
 *	expired.
 *
 *	mp_listseen_undo() takes back what the session recorded (the entries
 *	of its msg made at its now) -- before or after its flush -- when the
 *	report is not taken after all. Any GDBM error is MP_ERETRY.
 * THREADS
 *	A session holds the state DB's list lock from begin to flush (and
 *	undo takes it again): list reports are recorded one at a time, so two
 *	sessions never hold copies of one bucket. begin waits at most
 *	MP_LISTSEEN_WAIT seconds for it, then fails with MP_ERETRY. Single
 *	reports (seen.h) do not wait for it.
 * LIMITS
 *	type, source and contact at most MP_SEEN_PART_MAX bytes each; a
 *	session holding more than MP_LISTSEEN_HELD entries in memory writes
 *	them out (as flush does) and reads again what it needs. A (type,
 *	contact) is spread over more buckets only while it has at most
 *	MP_LISTSEEN_HELD entries (so at most 2^12 buckets): past that its
 *	buckets grow instead, rather than a session reading it whole.
 * OWNERSHIP
 *	mp_listseen_end(&ls) frees a session (and gives back the lock if it
 *	still holds it), setting the pointer to NULL.
 */
#ifndef MP_LISTSEEN_H
#define MP_LISTSEEN_H

#include <stdint.h>
#include <time.h>

#include "error.h"
#include "seen.h"

#define MP_LISTSEEN_BUCKET	64	/* entries a bucket, the target */
#define MP_LISTSEEN_MAXBITS	20
#define MP_LISTSEEN_HELD	262144	/* entries in memory */
#define MP_LISTSEEN_WAIT	60	/* seconds, for the list lock */

struct mp_listseen;

int mp_listseen_begin(struct mp_seen *s, uint64_t msg, time_t now,
    unsigned interval, struct mp_listseen **out, struct mp_error *err);
/* `row` names the row in its message (not 0): the retry's same row. */
int mp_listseen_check(struct mp_listseen *ls, const char *type,
    const char *source, const char *contact, uint64_t row,
    enum mp_seen_verdict *verdict, struct mp_error *err);
/* Write what the session changed; gives the lock back. */
int mp_listseen_flush(struct mp_listseen *ls, struct mp_error *err);
int mp_listseen_undo(struct mp_listseen *ls, struct mp_error *err);
void mp_listseen_end(struct mp_listseen **lsp);

#endif
