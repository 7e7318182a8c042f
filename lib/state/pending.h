/*
 * NAME
 *	pending - rows of list reports waiting for their notification
 * DESCRIPTION
 *	A list report (feed.h) is split into rows; each row that is routed
 *	and new for a contact is recorded here, in the state DB (statedb.h,
 *	the same GDBM file as seen.h), for the sender to aggregate per group
 *	(contact, report type, language). Records, keys and numbers in
 *	network byte order:
 *
 *	  "p" contact NUL type NUL lang NUL msg(8) item(2) chunk(4)
 *	      -> rows: length(4) row(4) and the row's fields
 *	         (struct mp_pending_row; pending.c, row_append), repeated
 *	  "f" msg(8) item(2)  -> the feed: name, file name, report id, case
 *	                         reference, reporter, its column names
 *	  "m" msg(8)          -> received(8) rows(4): the report is recorded
 *
 *	`msg` is the caller's fingerprint of the message's bytes, `item` the
 *	feed's number in the message. A batch (mp_pending_batch_add) keeps
 *	each group's rows of a report and writes them as chunks of about
 *	MP_PENDING_CHUNK bytes, numbered from 0 per group (one GDBM store
 *	per chunk rather than per row: the stores are what a list report's
 *	intake costs). The same message again (the MTA's retry after a
 *	tempfail or a crash) gives the same rows in the same order, so the
 *	same chunks under the same keys: every row is pending once however
 *	often it comes.
 *	Rows are visible (mp_pending_groups, the sender) only once their
 *	message record is written: mp_pending_put_msg() is the last write of
 *	a report and mp_seen_sync() follows it, once per report. A report
 *	cut short (a DB error, kill -9) leaves rows without a message record:
 *	invisible, rewritten by the retry. mp_pending_undo_msg() hides a
 *	report again (the MTA did not take it); mp_pending_batch_undo() and
 *	mp_pending_undo_feed() then delete what it wrote, so a report that
 *	is not taken (quarantined after its first table was read, say)
 *	leaves nothing behind.
 * LIMITS
 *	contact, type, lang at most MP_PENDING_PART_MAX bytes; a row's value
 *	at most MP_PENDING_VALUE_MAX bytes (cells are cut, never the row), at
 *	most MP_PENDING_CELLS_MAX cells (feed.h allows 256 columns); a
 *	batch holds at most MP_PENDING_HELD bytes before it writes every
 *	group's chunk.
 * THREADS
 *	Every call takes the seen handle's lock (seen.h).
 */
#ifndef MP_PENDING_H
#define MP_PENDING_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

struct mp_seen;

#define MP_PENDING_PART_MAX	512
#define MP_PENDING_VALUE_MAX	(64u * 1024)
#define MP_PENDING_CELLS_MAX	1024	/* cells of a row kept */
#define MP_PENDING_CHUNK	(32u * 1024)	/* bytes of rows a chunk */
#define MP_PENDING_HELD		(8u * 1024 * 1024)	/* buffered, all groups */

struct mp_pending_row {
	/* the group and the key */
	const char *contact, *type, *lang;
	uint64_t msg;
	unsigned item, row;
	/* the row, normalised (feed.h; NULL/0 when not given) */
	time_t seen;		/* the row's own time */
	time_t received;	/* when the report was taken */
	const char *ip;
	unsigned port;
	const char *protocol, *hostname, *tags, *cves, *severity;
	uint32_t asn;
	/* the feed's own cells, in the order of the feed's columns: cells[]
	 * or, when set, `packed` (ncells cells, each NUL-terminated, in
	 * packed_len bytes: as feed.h keeps a row, copied in one piece) */
	const char *const *cells;
	size_t ncells;
	const char *packed;
	size_t packed_len;
};

struct mp_pending_feed {
	uint64_t msg;
	unsigned item;
	const char *name;	/* Shadowserver type or "list" */
	const char *filename, *report_id, *case_ref, *reporter;
	const char *const *columns;
	size_t ncolumns;
};

struct mp_pending_batch;

struct mp_pending_batch *mp_pending_batch_new(void);	/* NULL: no memory */
/* Add a row (the group and key from r); writes a chunk when one is full. */
int mp_pending_batch_add(struct mp_seen *s, struct mp_pending_batch *b,
    const struct mp_pending_row *r, struct mp_error *err);
/* Write what every group still holds. */
int mp_pending_batch_flush(struct mp_seen *s, struct mp_pending_batch *b,
    struct mp_error *err);
/* The rows' buffers go; what undo needs (keys, chunk counts) stays. */
void mp_pending_batch_release(struct mp_pending_batch *b);
/* Delete every chunk the batch wrote (a report not taken after all). */
int mp_pending_batch_undo(struct mp_seen *s, struct mp_pending_batch *b,
    struct mp_error *err);
void mp_pending_batch_free(struct mp_pending_batch **bp);
int mp_pending_put_feed(struct mp_seen *s, const struct mp_pending_feed *f,
    struct mp_error *err);
/* The report is recorded: its rows become visible. */
int mp_pending_put_msg(struct mp_seen *s, uint64_t msg, time_t received,
    unsigned rows, struct mp_error *err);
int mp_pending_undo_msg(struct mp_seen *s, uint64_t msg, struct mp_error *err);
/* Delete a feed's "f" record. */
int mp_pending_undo_feed(struct mp_seen *s, uint64_t msg, unsigned item,
    struct mp_error *err);

/* One chunk ("p" record) of a group: its key, how many rows, when the
 * newest of them arrived. */
struct mp_pending_chunk {
	unsigned char *key;
	size_t klen;
	size_t rows;
	time_t received;
	uint64_t msg;
	unsigned item;
};

/* One group of visible rows. */
struct mp_pending_group {
	char contact[MP_PENDING_PART_MAX + 1];
	char type[MP_PENDING_PART_MAX + 1];
	char lang[MP_PENDING_PART_MAX + 1];
	size_t rows;
	time_t oldest, newest;	/* the rows' own times (received when none) */
	time_t received;	/* when the newest row arrived */
	/* its chunks, oldest arrival first (the order they are sent in) */
	struct mp_pending_chunk *chunks;
	size_t nchunks;
};

/*
 * Every group with visible rows, sorted by contact, type, language:
 * *gp (mp_pending_groups_free) and *np. MP_OK, MP_ERETRY (DB), MP_ENOMEM.
 * A chunk that does not decode is left out (and left in the file).
 */
int mp_pending_groups(struct mp_seen *s, struct mp_pending_group **gp,
    size_t *np, struct mp_error *err);
void mp_pending_groups_free(struct mp_pending_group **gp, size_t n);

/* A chunk's value by its key: MP_FOUND with *valp (free()) and *vlenp,
 * MP_NOTFOUND, MP_RETRY (err). */
enum mp_lookup mp_pending_get(struct mp_seen *s, const void *key,
    size_t klen, void **valp, size_t *vlenp, struct mp_error *err);

/* A feed record, decoded: `feed` points into `buf`. */
struct mp_pending_feed_rec {
	struct mp_pending_feed feed;
	void *buf;
	const char **cols;
};
/* MP_FOUND, MP_NOTFOUND (also when damaged: err says so), MP_RETRY. */
enum mp_lookup mp_pending_feed_get(struct mp_seen *s, uint64_t msg,
    unsigned item, struct mp_pending_feed_rec *f, struct mp_error *err);
void mp_pending_feed_rec_free(struct mp_pending_feed_rec *f);

/*
 * The rows of a "p" record (for the sender and the tests), one a call:
 * `off` starts at 0. 1 with *r (strings point into key and val; cells in
 * `cells`, at most `maxcells`), 0 after the last, -1 damaged (err).
 */
int mp_pending_chunk_next(const void *key, size_t klen, const void *val,
    size_t vlen, size_t *off, struct mp_pending_row *r, const char **cells,
    size_t maxcells, struct mp_error *err);

#endif
