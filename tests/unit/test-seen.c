/*
 * Unit tests for the state DB: dedup, flood control, undo, errors, threads.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gdbm.h>

#include "check_tap.h"
#include "listseen.h"
#include "outbox.h"
#include "pending.h"
#include "seen.h"

#define T0 1714564800

static char dir[64];
static char path[128];

static void
setup(void)
{
	mp_check_tmpdir(dir, sizeof(dir), "mp-seen");
	snprintf(path, sizeof(path), "%s/state.db", dir);
}

static void
teardown(void)
{
	mp_check_rmtree(dir);
}

static struct mp_seen *
open_db(void)
{
	struct mp_error err;
	struct mp_seen *s = mp_seen_open(path, &err);

	if (s == NULL)
		ck_abort_msg("%s", err.msg);
	return s;
}

static enum mp_seen_verdict
check(struct mp_seen *s, const char *type, const char *src, const char *to,
    time_t now, unsigned interval, unsigned max)
{
	enum mp_seen_verdict v;
	struct mp_error err;

	if (mp_seen_check_and_record(s, type, src, to, now, interval, max, &v,
	    &err) != MP_OK)
		ck_abort_msg("%s", err.msg);
	return v;
}

START_TEST(dedup_interval)
{
	struct mp_seen *s = open_db();

	ck_assert_int_eq(check(s, "spam", "192.0.2.1", "a@x.nl", T0, 3600, 0), MP_SEEN_NEW);
	ck_assert_int_eq(check(s, "spam", "192.0.2.1", "a@x.nl", T0 + 10, 3600, 0), MP_SEEN_DUPLICATE);
	ck_assert_int_eq(check(s, "spam", "192.0.2.1", "a@x.nl", T0 + 3599, 3600, 0), MP_SEEN_DUPLICATE);
	/* Another type, source or contact is not the same notification. */
	ck_assert_int_eq(check(s, "ddos", "192.0.2.1", "a@x.nl", T0 + 20, 3600, 0), MP_SEEN_NEW);
	ck_assert_int_eq(check(s, "spam", "192.0.2.2", "a@x.nl", T0 + 20, 3600, 0), MP_SEEN_NEW);
	ck_assert_int_eq(check(s, "spam", "192.0.2.1", "b@x.nl", T0 + 20, 3600, 0), MP_SEEN_NEW);
	/* After the interval it is news again, and the clock restarts. */
	ck_assert_int_eq(check(s, "spam", "192.0.2.1", "a@x.nl", T0 + 3600, 3600, 0), MP_SEEN_NEW);
	ck_assert_int_eq(check(s, "spam", "192.0.2.1", "a@x.nl", T0 + 7000, 3600, 0), MP_SEEN_DUPLICATE);
	/* Interval 0: no dedup. */
	ck_assert_int_eq(check(s, "x", "y", "z", T0, 0, 0), MP_SEEN_NEW);
	ck_assert_int_eq(check(s, "x", "y", "z", T0, 0, 0), MP_SEEN_NEW);
	/* Survives a reopen. */
	mp_seen_close(&s);
	ck_assert_ptr_null(s);
	s = open_db();
	ck_assert_int_eq(check(s, "spam", "192.0.2.1", "a@x.nl", T0 + 7001, 3600, 0), MP_SEEN_DUPLICATE);
	mp_seen_close(&s);
}
END_TEST

START_TEST(rate_limit)
{
	struct mp_seen *s = open_db();
	char src[32];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(src, sizeof(src), "192.0.2.%d", i);
		ck_assert_int_eq(check(s, "spam", src, "a@x.nl", T0 + i, 86400, 3), MP_SEEN_NEW);
	}
	ck_assert_int_eq(check(s, "spam", "192.0.2.9", "a@x.nl", T0 + 5, 86400, 3), MP_SEEN_RATE_LIMITED);
	/* A duplicate is a duplicate, not rate limited, and uses nothing. */
	ck_assert_int_eq(check(s, "spam", "192.0.2.0", "a@x.nl", T0 + 6, 86400, 3), MP_SEEN_DUPLICATE);
	/* Other contacts have their own allowance. */
	ck_assert_int_eq(check(s, "spam", "192.0.2.9", "b@x.nl", T0 + 7, 86400, 3), MP_SEEN_NEW);
	/* Rolling hour: the first slot frees at T0 + 3600. */
	ck_assert_int_eq(check(s, "spam", "192.0.2.9", "a@x.nl", T0 + 3599, 86400, 3), MP_SEEN_RATE_LIMITED);
	ck_assert_int_eq(check(s, "spam", "192.0.2.9", "a@x.nl", T0 + 3600, 86400, 3), MP_SEEN_NEW);
	ck_assert_int_eq(check(s, "spam", "192.0.2.10", "a@x.nl", T0 + 3600, 86400, 3), MP_SEEN_RATE_LIMITED);
	mp_seen_close(&s);
}
END_TEST

START_TEST(undo_record)
{
	struct mp_seen *s = open_db();
	struct mp_error err;

	ck_assert_int_eq(check(s, "spam", "a", "c@x.nl", T0, 3600, 2), MP_SEEN_NEW);
	ck_assert_int_eq(check(s, "spam", "b", "c@x.nl", T0 + 1, 3600, 2), MP_SEEN_NEW);
	ck_assert_int_eq(check(s, "spam", "c", "c@x.nl", T0 + 2, 3600, 2), MP_SEEN_RATE_LIMITED);
	/* The message with "b" tempfailed: take it back. */
	ck_assert_int_eq(mp_seen_undo(s, "spam", "b", "c@x.nl", T0 + 1, &err), MP_OK);
	ck_assert_int_eq(check(s, "spam", "c", "c@x.nl", T0 + 3, 3600, 2), MP_SEEN_NEW);
	ck_assert_int_eq(check(s, "spam", "b", "c@x.nl", T0 + 4, 3600, 2), MP_SEEN_RATE_LIMITED);
	ck_assert_int_eq(mp_seen_undo(s, "spam", "c", "c@x.nl", T0 + 3, &err), MP_OK);
	ck_assert_int_eq(check(s, "spam", "b", "c@x.nl", T0 + 5, 3600, 2), MP_SEEN_NEW);
	/* Undoing what was not recorded changes nothing. */
	ck_assert_int_eq(mp_seen_undo(s, "spam", "zz", "c@x.nl", T0 + 5, &err), MP_OK);
	ck_assert_int_eq(mp_seen_undo(s, "spam", "a", "c@x.nl", T0 + 99, &err), MP_OK);
	ck_assert_int_eq(check(s, "spam", "a", "c@x.nl", T0 + 6, 3600, 0), MP_SEEN_DUPLICATE);
	mp_seen_close(&s);
}
END_TEST

static enum mp_seen_verdict
check_msg(struct mp_seen *s, const char *src, uint64_t msg, time_t now,
    unsigned max)
{
	enum mp_seen_verdict v;
	struct mp_error err;

	if (mp_seen_check_and_record_msg(s, "spam", src, "c@x.nl", msg, now,
	    3600, max, &v, &err) != MP_OK)
		ck_abort_msg("%s", err.msg);
	return v;
}

/*
 * Regression (t-faults, kill -9 under load): the milter died between the
 * record and its reply, so the undo never ran; the MTA's retry of the same
 * message was taken for a duplicate and the contact was never told.
 */
START_TEST(retry_of_same_message)
{
	struct mp_seen *s = open_db();
	struct mp_error err;
	unsigned removed = 99;

	ck_assert_int_eq(check_msg(s, "a", 0x1111, T0, 2), MP_SEEN_NEW);
	/* ... killed here, no commit; the same message comes back: news */
	ck_assert_int_eq(check_msg(s, "a", 0x1111, T0 + 30, 2), MP_SEEN_NEW);
	ck_assert_int_eq(check_msg(s, "a", 0x1111, T0 + 60, 2), MP_SEEN_NEW);
	/* and its earlier notices did not use up the contact's hour */
	ck_assert_int_eq(check_msg(s, "b", 0x2222, T0 + 61, 2), MP_SEEN_NEW);
	ck_assert_int_eq(check_msg(s, "c", 0x3333, T0 + 62, 2), MP_SEEN_RATE_LIMITED);
	/* another message about the same thing is a duplicate, pending or not */
	ck_assert_int_eq(check_msg(s, "a", 0x4444, T0 + 63, 2), MP_SEEN_DUPLICATE);
	ck_assert_int_eq(check(s, "spam", "a", "c@x.nl", T0 + 64, 3600, 2), MP_SEEN_DUPLICATE);
	/* the MTA took it: final; the very same bytes again are a duplicate */
	ck_assert_int_eq(mp_seen_commit(s, "spam", "a", "c@x.nl", T0 + 60, &err), MP_OK);
	ck_assert_int_eq(check_msg(s, "a", 0x1111, T0 + 65, 2), MP_SEEN_DUPLICATE);
	/* a commit of another time (an older attempt) changes nothing */
	ck_assert_int_eq(mp_seen_commit(s, "spam", "b", "c@x.nl", T0, &err), MP_OK);
	ck_assert_int_eq(check_msg(s, "b", 0x2222, T0 + 66, 2), MP_SEEN_NEW);
	/* a final record from before (no fingerprint) is never "the same" */
	ck_assert_int_eq(check(s, "spam", "e", "c@x.nl", T0, 3600, 0), MP_SEEN_NEW);
	ck_assert_int_eq(check_msg(s, "e", 0x1111, T0 + 1, 0), MP_SEEN_DUPLICATE);
	/* a pending record is taken back like any other */
	ck_assert_int_eq(mp_seen_undo(s, "spam", "b", "c@x.nl", T0 + 66, &err), MP_OK);
	ck_assert_int_eq(check_msg(s, "b", 0x5555, T0 + 67, 0), MP_SEEN_NEW);
	/* survives a reopen; pending (16-byte) records are not pruned as damaged */
	mp_seen_close(&s);
	s = open_db();
	ck_assert_int_eq(mp_seen_prune(s, T0 + 100, 3600, &removed, &err), MP_OK);
	ck_assert_uint_eq(removed, 0);
	ck_assert_int_eq(check_msg(s, "b", 0x5555, T0 + 101, 0), MP_SEEN_NEW);
	ck_assert_int_eq(check_msg(s, "b", 0x6666, T0 + 102, 0), MP_SEEN_DUPLICATE);
	mp_seen_close(&s);
}
END_TEST

START_TEST(prune_expired)
{
	struct mp_seen *s = open_db();
	struct mp_error err;
	unsigned removed = 99;
	char src[32];
	int i;

	for (i = 0; i < 50; i++) {
		snprintf(src, sizeof(src), "s%d", i);
		ck_assert_int_eq(check(s, "spam", src, "c@x.nl", T0 + i, 600, 100), MP_SEEN_NEW);
	}
	ck_assert_int_eq(mp_seen_prune(s, T0 + 100, 600, &removed, &err), MP_OK);
	ck_assert_uint_eq(removed, 0);
	/* 50 dedup records and one rate record are all stale by now. */
	ck_assert_int_eq(mp_seen_prune(s, T0 + 4000, 600, &removed, &err), MP_OK);
	ck_assert_uint_eq(removed, 51);
	ck_assert_int_eq(mp_seen_prune(s, T0 + 4000, 600, &removed, &err), MP_OK);
	ck_assert_uint_eq(removed, 0);
	mp_seen_close(&s);
}
END_TEST

/* Pending rows (pending.h) share the file: prune leaves them, and they
 * are visible once their report's record is written. */
START_TEST(prune_keeps_pending)
{
	static const char *const cells[] = { "2024-01-02 00:00:00", "10.0.0.1" };
	struct mp_seen *s = open_db();
	struct mp_pending_batch *b;
	struct mp_pending_row r;
	struct mp_pending_group *g;
	struct mp_error err;
	unsigned removed = 99;
	size_t n;

	memset(&r, 0, sizeof(r));
	r.contact = "c@x.nl", r.type = "open-service:scan_ntp", r.lang = "nl";
	r.msg = 42, r.item = 0, r.row = 1, r.seen = T0, r.received = T0 + 5;
	r.ip = "10.0.0.1", r.port = 123, r.cells = cells, r.ncells = 2;
	ck_assert_ptr_nonnull(b = mp_pending_batch_new());
	ck_assert_int_eq(mp_pending_batch_add(s, b, &r, &err), MP_OK);
	r.row = 2, r.seen = T0 + 60;
	ck_assert_int_eq(mp_pending_batch_add(s, b, &r, &err), MP_OK);
	ck_assert_int_eq(mp_pending_batch_flush(s, b, &err), MP_OK);
	mp_pending_batch_free(&b);
	/* the same rows again (a retry): the same chunk, written over */
	r.row = 1, r.seen = T0;
	ck_assert_ptr_nonnull(b = mp_pending_batch_new());
	ck_assert_int_eq(mp_pending_batch_add(s, b, &r, &err), MP_OK);
	r.row = 2, r.seen = T0 + 60;
	ck_assert_int_eq(mp_pending_batch_add(s, b, &r, &err), MP_OK);
	ck_assert_int_eq(mp_pending_batch_flush(s, b, &err), MP_OK);
	mp_pending_batch_free(&b);
	ck_assert_int_eq(mp_pending_groups(s, &g, &n, &err), MP_OK);
	ck_assert_uint_eq(n, 0);	/* the report is not recorded yet */
	mp_pending_groups_free(&g, n);
	ck_assert_int_eq(mp_pending_put_msg(s, 42, T0 + 5, 2, &err), MP_OK);
	ck_assert_int_eq(check(s, "spam", "s", "c@x.nl", T0, 600, 100), MP_SEEN_NEW);
	ck_assert_int_eq(mp_seen_prune(s, T0 + 4000, 600, &removed, &err), MP_OK);
	ck_assert_uint_eq(removed, 2);	/* seen's own two, nothing else */
	ck_assert_int_eq(mp_pending_groups(s, &g, &n, &err), MP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(g[0].contact, "c@x.nl");
	ck_assert_uint_eq(g[0].rows, 2);
	ck_assert_int_eq(g[0].oldest, T0);
	ck_assert_int_eq(g[0].newest, T0 + 60);
	mp_pending_groups_free(&g, n);
	ck_assert_int_eq(mp_pending_undo_msg(s, 42, &err), MP_OK);
	ck_assert_int_eq(mp_pending_groups(s, &g, &n, &err), MP_OK);
	ck_assert_uint_eq(n, 0);
	mp_pending_groups_free(&g, n);
	mp_seen_close(&s);
}
END_TEST

/* Rows past one chunk: written in several, read back in full, and the
 * same batch again (a retry) leaves the same rows. */
START_TEST(pending_chunks)
{
	static const char *const cells[] = { "a cell of some length, to fill "
	    "the chunks a little faster than the fixed fields alone" };
	struct mp_seen *s = open_db();
	struct mp_pending_batch *b;
	struct mp_pending_row r;
	struct mp_pending_group *g;
	struct mp_error err;
	char ip[32];
	size_t n;
	int pass, i;

	for (pass = 0; pass < 2; pass++) {
		ck_assert_ptr_nonnull(b = mp_pending_batch_new());
		for (i = 1; i <= 3000; i++) {
			memset(&r, 0, sizeof(r));
			r.contact = i % 3 ? "a@x.nl" : "b@x.nl";
			r.type = "open-service:scan_ntp", r.lang = "en";
			r.msg = 7, r.item = 0, r.row = (unsigned)i;
			r.seen = T0 + i, r.received = T0;
			snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 256, i % 256);
			r.ip = ip, r.cells = cells, r.ncells = 1;
			ck_assert_int_eq(mp_pending_batch_add(s, b, &r, &err), MP_OK);
		}
		ck_assert_int_eq(mp_pending_batch_flush(s, b, &err), MP_OK);
		mp_pending_batch_free(&b);
		ck_assert_int_eq(mp_pending_put_msg(s, 7, T0, 3000, &err), MP_OK);
		ck_assert_int_eq(mp_pending_groups(s, &g, &n, &err), MP_OK);
		ck_assert_uint_eq(n, 2);
		ck_assert_str_eq(g[0].contact, "a@x.nl");
		ck_assert_uint_eq(g[0].rows, 2000);
		ck_assert_int_eq(g[0].oldest, T0 + 1);
		ck_assert_int_eq(g[0].newest, T0 + 2999);
		ck_assert_uint_eq(g[1].rows, 1000);
		mp_pending_groups_free(&g, n);
	}
	mp_seen_close(&s);
}
END_TEST


/* The value of the one "p" record of message msg (malloc'd), read from
 * the file. */
static char *
chunk_of(uint64_t msg, int *len)
{
	GDBM_FILE db = gdbm_open(path, 0, GDBM_READER | GDBM_NOLOCK, 0, NULL);
	datum k, next, v = { NULL, 0 };
	unsigned char m[8];
	int i;

	for (i = 7; i >= 0; i--, msg >>= 8)
		m[i] = (unsigned char)(msg & 0xff);
	ck_assert_ptr_nonnull(db);
	for (k = gdbm_firstkey(db); k.dptr != NULL; k = next) {
		if (k.dptr[0] == 'p' && k.dsize > 14 &&
		    memcmp(k.dptr + k.dsize - 14, m, 8) == 0)
			v = gdbm_fetch(db, k);
		next = gdbm_nextkey(db, k);
		free(k.dptr);
	}
	gdbm_close(db);
	*len = v.dsize;
	return v.dptr;
}

/* A row's cells given packed (as feed.h keeps them) are written byte for
 * byte as the same cells given one by one, cut the same when too long. */
START_TEST(pending_packed_cells)
{
	struct mp_seen *s = open_db();
	struct mp_pending_batch *b;
	struct mp_pending_row r;
	struct mp_error err;
	const char *cells[3];
	char *packed, *a, *c;
	size_t big = MP_PENDING_VALUE_MAX + 100, plen;
	int la, lc, pass, msg;

	packed = malloc(big + 64);
	for (pass = 0; pass < 2; pass++) {
		/* pass 1: a middle cell longer than a row may be */
		size_t mid = pass ? big : 5;

		memcpy(packed, "first", 6);
		memset(packed + 6, 'm', mid);
		packed[6 + mid] = '\0';
		memcpy(packed + 7 + mid, "", 1);	/* an empty cell */
		plen = 8 + mid;
		cells[0] = packed;
		cells[1] = packed + 6;
		cells[2] = packed + 7 + mid;
		for (msg = 1; msg <= 2; msg++) {
			memset(&r, 0, sizeof(r));
			r.contact = "c@x.nl", r.type = "t:x", r.lang = "en";
			r.msg = (uint64_t)(10 * pass + msg), r.row = 1;
			r.ip = "10.0.0.1", r.port = 123, r.protocol = "udp";
			r.ncells = 3;
			if (msg == 1)
				r.cells = cells;
			else
				r.packed = packed, r.packed_len = plen;
			ck_assert_ptr_nonnull(b = mp_pending_batch_new());
			ck_assert_int_eq(mp_pending_batch_add(s, b, &r, &err),
			    MP_OK);
			ck_assert_int_eq(mp_pending_batch_flush(s, b, &err),
			    MP_OK);
			mp_pending_batch_free(&b);
		}
		ck_assert_ptr_nonnull(a = chunk_of(10 * (uint64_t)pass + 1, &la));
		ck_assert_ptr_nonnull(c = chunk_of(10 * (uint64_t)pass + 2, &lc));
		ck_assert_int_eq(la, lc);
		ck_assert(memcmp(a, c, (size_t)la) == 0);
		ck_assert_int_le(la, 8 + MP_PENDING_VALUE_MAX);
		free(a);
		free(c);
	}
	free(packed);
	mp_seen_close(&s);
}
END_TEST

/* ---- list rows (listseen.h) ---- */

/* One list row check in a session. */
static enum mp_seen_verdict
lcheck(struct mp_listseen *ls, const char *type, const char *src,
    const char *to, uint64_t row)
{
	enum mp_seen_verdict v;
	struct mp_error err;

	if (mp_listseen_check(ls, type, src, to, row, &v, &err) != MP_OK)
		ck_abort_msg("%s", err.msg);
	return v;
}

static struct mp_listseen *
lbegin(struct mp_seen *s, uint64_t msg, time_t now, unsigned interval)
{
	struct mp_listseen *ls;
	struct mp_error err;

	if (mp_listseen_begin(s, msg, now, interval, &ls, &err) != MP_OK)
		ck_abort_msg("%s", err.msg);
	return ls;
}

static void
lflush(struct mp_listseen **ls)
{
	struct mp_error err;

	if (mp_listseen_flush(*ls, &err) != MP_OK)
		ck_abort_msg("%s", err.msg);
	mp_listseen_end(ls);
}

/* Records whose key starts with `tag` (and, for "b", has `bits`, or any
 * when bits < 0), read from the file. */
static size_t
count_keys(char tag, int bits)
{
	GDBM_FILE db = gdbm_open(path, 0, GDBM_READER | GDBM_NOLOCK, 0, NULL);
	datum k, next;
	size_t n = 0;

	ck_assert_ptr_nonnull(db);
	for (k = gdbm_firstkey(db); k.dptr != NULL; k = next) {
		if (k.dsize > 0 && k.dptr[0] == tag && (bits < 0 ||
		    (k.dsize > 5 && k.dptr[k.dsize - 5] == bits)))
			n++;
		next = gdbm_nextkey(db, k);
		free(k.dptr);
	}
	gdbm_close(db);
	return n;
}

START_TEST(list_rows_dedup)
{
	struct mp_seen *s = open_db();
	struct mp_listseen *ls;
	struct mp_error err;
	const char *t = "open-service:scan_ntp";

	ls = lbegin(s, 1, T0, 600);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.1 port 123", "a@x.nl", 1),
	    MP_SEEN_NEW);
	/* another contact, another port, another type: all new */
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.1 port 123", "b@x.nl", 1),
	    MP_SEEN_NEW);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.1 port 124", "a@x.nl", 2),
	    MP_SEEN_NEW);
	ck_assert_int_eq(lcheck(ls, "malware:x", "10.0.0.1 port 123",
	    "a@x.nl", 3), MP_SEEN_NEW);
	/* a later row of the same message: a duplicate of the first */
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.1 port 123", "a@x.nl", 4),
	    MP_SEEN_DUPLICATE);
	/* the same row asked again is still itself */
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.1 port 123", "a@x.nl", 1),
	    MP_SEEN_NEW);
	lflush(&ls);

	/* the MTA's retry of message 1 (never committed): its rows anew,
	 * its later duplicate still a duplicate */
	ls = lbegin(s, 1, T0 + 5, 600);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.1 port 123", "a@x.nl", 1),
	    MP_SEEN_NEW);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.1 port 123", "a@x.nl", 4),
	    MP_SEEN_DUPLICATE);
	lflush(&ls);

	/* another message: a duplicate within RenotifyInterval, new after */
	ls = lbegin(s, 2, T0 + 300, 600);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.1 port 123", "a@x.nl", 1),
	    MP_SEEN_DUPLICATE);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.2 port 123", "a@x.nl", 2),
	    MP_SEEN_NEW);
	lflush(&ls);
	ls = lbegin(s, 3, T0 + 5 + 600, 600);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.1 port 123", "a@x.nl", 1),
	    MP_SEEN_NEW);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.2 port 123", "a@x.nl", 1),
	    MP_SEEN_DUPLICATE);
	lflush(&ls);

	/* interval 0: no dedup, nothing recorded, no lock taken */
	ls = lbegin(s, 4, T0 + 700, 0);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.2 port 123", "a@x.nl", 1),
	    MP_SEEN_NEW);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.2 port 123", "a@x.nl", 2),
	    MP_SEEN_NEW);
	ck_assert_int_eq(mp_listseen_flush(ls, &err), MP_OK);
	mp_listseen_end(&ls);

	/* the records survive a reopen; the bucket count is in "B" */
	mp_seen_close(&s);
	ck_assert_uint_eq(count_keys('B', -1), 3);
	s = open_db();
	ls = lbegin(s, 5, T0 + 700, 600);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.1 port 123", "a@x.nl", 1),
	    MP_SEEN_DUPLICATE);
	mp_listseen_end(&ls);	/* without a flush: the lock is given back */
	ls = lbegin(s, 6, T0 + 700, 600);
	mp_listseen_end(&ls);
	mp_seen_close(&s);
}
END_TEST

/* Taken back, before and after the flush: the retry is not a duplicate
 * of it; what other messages recorded stays. */
START_TEST(list_rows_undo)
{
	struct mp_seen *s = open_db();
	struct mp_listseen *ls;
	struct mp_error err;
	const char *t = "open-service:scan_ntp";

	ls = lbegin(s, 1, T0, 600);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.1", "a@x.nl", 1), MP_SEEN_NEW);
	lflush(&ls);
	ls = lbegin(s, 2, T0 + 1, 600);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.1", "a@x.nl", 1),
	    MP_SEEN_DUPLICATE);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.2", "a@x.nl", 2), MP_SEEN_NEW);
	ck_assert_int_eq(mp_listseen_undo(ls, &err), MP_OK);	/* unflushed */
	mp_listseen_end(&ls);
	ls = lbegin(s, 2, T0 + 2, 600);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.2", "a@x.nl", 2), MP_SEEN_NEW);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.3", "b@x.nl", 3), MP_SEEN_NEW);
	ck_assert_int_eq(mp_listseen_flush(ls, &err), MP_OK);
	ck_assert_int_eq(mp_listseen_undo(ls, &err), MP_OK);	/* flushed */
	mp_listseen_end(&ls);
	ls = lbegin(s, 3, T0 + 3, 600);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.1", "a@x.nl", 1),
	    MP_SEEN_DUPLICATE);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.2", "a@x.nl", 2), MP_SEEN_NEW);
	ck_assert_int_eq(lcheck(ls, t, "10.0.0.3", "b@x.nl", 3), MP_SEEN_NEW);
	lflush(&ls);
	mp_seen_close(&s);
}
END_TEST

/* Many rows for one contact: spread over more buckets, the old ones
 * deleted, every row still found; and past MP_LISTSEEN_HELD in one
 * session, written out and read back. */
START_TEST(list_rows_buckets)
{
	struct mp_seen *s = open_db();
	struct mp_listseen *ls;
	const char *t = "vulnerable-service:scan_http";
	char src[64];
	uint64_t i;
	size_t dups;

	ls = lbegin(s, 1, T0, 3600);
	for (i = 0; i < 10000; i++) {
		snprintf(src, sizeof(src), "10.%u.%u.%u port 80",
		    (unsigned)(i >> 16), (unsigned)(i >> 8) & 255,
		    (unsigned)i & 255);
		ck_assert_int_eq(lcheck(ls, t, src, "a@x.nl", i + 1),
		    MP_SEEN_NEW);
	}
	lflush(&ls);
	mp_seen_close(&s);
	/* 10,000 entries, 64 a bucket: 2^8 buckets, none of 2^0 left */
	ck_assert_uint_eq(count_keys('b', 8), 256);
	ck_assert_uint_eq(count_keys('b', 0), 0);
	s = open_db();
	ls = lbegin(s, 2, T0 + 10, 3600);
	for (i = 0; i < 40000; i++) {
		snprintf(src, sizeof(src), "10.%u.%u.%u port 80",
		    (unsigned)(i >> 16), (unsigned)(i >> 8) & 255,
		    (unsigned)i & 255);
		ck_assert_int_eq(lcheck(ls, t, src, "a@x.nl", i + 1),
		    i < 10000 ? MP_SEEN_DUPLICATE : MP_SEEN_NEW);
	}
	lflush(&ls);
	mp_seen_close(&s);
	ck_assert_uint_eq(count_keys('b', 8), 0);
	ck_assert_uint_eq(count_keys('b', 10), 1024);

	/* a session past MP_LISTSEEN_HELD entries */
	s = open_db();
	ls = lbegin(s, 3, T0 + 20, 3600);
	for (i = 0; i < MP_LISTSEEN_HELD + 20000; i++) {
		snprintf(src, sizeof(src), "11.%u.%u.%u", (unsigned)(i >> 16),
		    (unsigned)(i >> 8) & 255, (unsigned)i & 255);
		ck_assert_int_eq(lcheck(ls, t, src, "b@x.nl", i + 1),
		    MP_SEEN_NEW);
	}
	lflush(&ls);
	ls = lbegin(s, 4, T0 + 30, 3600);
	for (i = dups = 0; i < MP_LISTSEEN_HELD + 20000; i += 7) {
		snprintf(src, sizeof(src), "11.%u.%u.%u", (unsigned)(i >> 16),
		    (unsigned)(i >> 8) & 255, (unsigned)i & 255);
		dups += lcheck(ls, t, src, "b@x.nl", i + 1) == MP_SEEN_DUPLICATE;
	}
	ck_assert_uint_eq(dups, (MP_LISTSEEN_HELD + 20000 + 6) / 7);
	mp_listseen_end(&ls);
	mp_seen_close(&s);
}
END_TEST

/* Buckets whose entries have all expired are pruned; others stay. */
START_TEST(list_rows_pruned)
{
	struct mp_seen *s = open_db();
	struct mp_listseen *ls;
	struct mp_error err;
	unsigned removed;

	ls = lbegin(s, 1, T0, 600);
	ck_assert_int_eq(lcheck(ls, "t:x", "10.0.0.1", "a@x.nl", 1),
	    MP_SEEN_NEW);
	lflush(&ls);
	ls = lbegin(s, 2, T0 + 500, 600);
	ck_assert_int_eq(lcheck(ls, "t:x", "10.0.0.1", "b@x.nl", 1),
	    MP_SEEN_NEW);
	lflush(&ls);
	ck_assert_int_eq(mp_seen_prune(s, T0 + 700, 600, &removed, &err),
	    MP_OK);
	ck_assert_uint_eq(removed, 1);
	ls = lbegin(s, 3, T0 + 700, 600);
	ck_assert_int_eq(lcheck(ls, "t:x", "10.0.0.1", "a@x.nl", 1),
	    MP_SEEN_NEW);
	ck_assert_int_eq(lcheck(ls, "t:x", "10.0.0.1", "b@x.nl", 1),
	    MP_SEEN_DUPLICATE);
	mp_listseen_end(&ls);
	mp_seen_close(&s);
	ck_assert_uint_eq(count_keys('B', -1), 2);
}
END_TEST

/* The sender's outbox: a notification covers chunks until the MTA has
 * it; the milter's mark lets one copy through and discards a repeat. */
START_TEST(outbox_once)
{
	static const char *const cells[] = { "x" };
	static const char *const cols[] = { "ip" };
	struct mp_seen *s = open_db();
	struct mp_pending_batch *b;
	struct mp_pending_row r;
	struct mp_pending_group *g;
	struct mp_pending_feed pf;
	struct mp_pending_feed_rec fr;
	struct mp_outbox_item it, got;
	enum mp_outbox_sign v;
	char (*ids)[MP_NOTICE_ID_MAX];
	struct mp_error err;
	char ip[32];
	size_t n, i, total = 0, nid;
	unsigned removed;
	time_t at;
	void *val;
	size_t vlen;

	ck_assert_ptr_nonnull(b = mp_pending_batch_new());
	for (i = 1; i <= 2000; i++) {
		memset(&r, 0, sizeof(r));
		r.contact = "a@x.nl", r.type = "open-service:scan_ntp", r.lang = "nl";
		r.msg = 9, r.item = 0, r.row = (unsigned)i;
		r.seen = T0, r.received = T0 + 10;
		snprintf(ip, sizeof(ip), "10.1.%zu.%zu", i / 256, i % 256);
		r.ip = ip, r.cells = cells, r.ncells = 1;
		ck_assert_int_eq(mp_pending_batch_add(s, b, &r, &err), MP_OK);
	}
	ck_assert_int_eq(mp_pending_batch_flush(s, b, &err), MP_OK);
	mp_pending_batch_free(&b);
	memset(&pf, 0, sizeof(pf));
	pf.msg = 9, pf.name = "scan_ntp", pf.filename = "f.csv";
	pf.columns = cols, pf.ncolumns = 1;
	ck_assert_int_eq(mp_pending_put_feed(s, &pf, &err), MP_OK);
	ck_assert_int_eq(mp_pending_put_msg(s, 9, T0 + 10, 2000, &err), MP_OK);
	ck_assert_int_eq(mp_pending_feed_get(s, 9, 0, &fr, &err), MP_FOUND);
	ck_assert_str_eq(fr.feed.name, "scan_ntp");
	ck_assert_ptr_null(fr.feed.report_id);
	ck_assert_uint_eq(fr.feed.ncolumns, 1);
	ck_assert_str_eq(fr.feed.columns[0], "ip");
	mp_pending_feed_rec_free(&fr);
	ck_assert_int_eq(mp_pending_feed_get(s, 9, 1, &fr, &err), MP_NOTFOUND);

	/* the group lists its chunks; each can be read by its key */
	ck_assert_int_eq(mp_pending_groups(s, &g, &n, &err), MP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(g[0].received, T0 + 10);
	ck_assert_uint_gt(g[0].nchunks, 1);
	memset(&it, 0, sizeof(it));
	for (i = 0; i < g[0].nchunks; i++) {
		total += g[0].chunks[i].rows;
		ck_assert_int_eq(mp_pending_get(s, g[0].chunks[i].key,
		    g[0].chunks[i].klen, &val, &vlen, &err), MP_FOUND);
		free(val);
		if (i == 0)
			ck_assert_int_eq(mp_outbox_add_key(&it, g[0].chunks[i].key,
			    g[0].chunks[i].klen), MP_OK);
	}
	ck_assert_uint_eq(total, 2000);

	/* an outbox record covering the first chunk */
	snprintf(it.id, sizeof(it.id), "MP-outbox1");
	snprintf(it.ticket, sizeof(it.ticket), "20240501-00000001");
	snprintf(it.contact, sizeof(it.contact), "a@x.nl");
	snprintf(it.type, sizeof(it.type), "open-service:scan_ntp");
	snprintf(it.lang, sizeof(it.lang), "nl");
	snprintf(it.sender, sizeof(it.sender), "bounce+MP-outbox1@m.nl");
	it.made = T0 + 100, it.rows = (unsigned)g[0].chunks[0].rows;
	it.message = "Subject: x\r\n\r\nbody\r\n", it.message_len = 21;
	ck_assert_int_eq(mp_outbox_put(s, &it, &err), MP_OK);
	ck_assert_int_eq(mp_outbox_ids(s, &ids, &nid, &err), MP_OK);
	ck_assert_uint_eq(nid, 1);
	ck_assert_str_eq(ids[0], "MP-outbox1");
	free(ids);
	ck_assert_int_eq(mp_outbox_get(s, "MP-outbox1", &got, &err), MP_FOUND);
	ck_assert_str_eq(got.ticket, "20240501-00000001");
	ck_assert_str_eq(got.sender, "bounce+MP-outbox1@m.nl");
	ck_assert_uint_eq(got.message_len, 21);
	ck_assert_str_eq(got.message, "Subject: x\r\n\r\nbody\r\n");
	ck_assert_uint_eq(got.keys_len, it.keys_len);
	ck_assert_int_eq(memcmp(got.keys, it.keys, it.keys_len), 0);

	/* the milter: first signing passes, the repeat is discarded, an
	 * id without an outbox record is not the sender's */
	ck_assert_int_eq(mp_outbox_sign_once(s, "MP-outbox1", T0, &v, &err), MP_OK);
	ck_assert_int_eq(v, MP_OUTBOX_FIRST);
	ck_assert_int_eq(mp_outbox_sign_once(s, "MP-outbox1", T0, &v, &err), MP_OK);
	ck_assert_int_eq(v, MP_OUTBOX_REPEAT);
	ck_assert_int_eq(mp_outbox_unsign(s, "MP-outbox1", &err), MP_OK);
	ck_assert_int_eq(mp_outbox_sign_once(s, "MP-outbox1", T0, &v, &err), MP_OK);
	ck_assert_int_eq(v, MP_OUTBOX_FIRST);
	ck_assert_int_eq(mp_outbox_sign_once(s, "MP-other", T0, &v, &err), MP_OK);
	ck_assert_int_eq(v, MP_OUTBOX_NOT_OURS);

	/* done: the chunk and the record go, the group's time is kept */
	ck_assert_int_eq(mp_outbox_last(s, "a@x.nl", "open-service:scan_ntp",
	    "nl", &at, &err), MP_NOTFOUND);
	ck_assert_int_eq(mp_outbox_done(s, &got, T0 + 200, &err), MP_OK);
	free(it.keys);		/* its message is a literal */
	ck_assert_int_eq(mp_outbox_get(s, "MP-outbox1", &it, &err), MP_NOTFOUND);
	ck_assert_int_eq(mp_outbox_last(s, "a@x.nl", "open-service:scan_ntp",
	    "nl", &at, &err), MP_FOUND);
	ck_assert_int_eq(at, T0 + 200);
	mp_pending_groups_free(&g, n);
	ck_assert_int_eq(mp_pending_groups(s, &g, &n, &err), MP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(g[0].rows, 2000 - got.rows);
	mp_pending_groups_free(&g, n);
	/* a done notification's repeat is still a repeat, until pruned */
	ck_assert_int_eq(mp_outbox_sign_once(s, "MP-outbox1", T0, &v, &err), MP_OK);
	ck_assert_int_eq(v, MP_OUTBOX_NOT_OURS);
	ck_assert_int_eq(mp_seen_prune(s, T0 + MP_OUTBOX_SIGNED_KEEP + 1, 600,
	    &removed, &err), MP_OK);
	ck_assert_int_eq(mp_outbox_last(s, "a@x.nl", "open-service:scan_ntp",
	    "nl", &at, &err), MP_FOUND);
	ck_assert_int_eq(mp_seen_prune(s, T0 + MP_OUTBOX_LAST_KEEP + 201, 600,
	    &removed, &err), MP_OK);
	ck_assert_int_eq(mp_outbox_last(s, "a@x.nl", "open-service:scan_ntp",
	    "nl", &at, &err), MP_NOTFOUND);
	mp_outbox_item_free(&got);
	mp_outbox_item_free(&it);
	mp_seen_close(&s);
}
END_TEST

START_TEST(retry_on_bad_db)
{
	struct mp_error err;
	struct mp_seen *s;
	char bad[200];
	FILE *f;

	mp_error_clear(&err);
	snprintf(bad, sizeof(bad), "%s/no/such/dir/state.db", dir);
	ck_assert_ptr_null(mp_seen_open(bad, &err));
	ck_assert_int_eq(err.code, MP_ERETRY);
	ck_assert_msg(strstr(err.msg, "state.db: cannot open the state DB") != NULL,
	    "%s", err.msg);
	/* A file that is not a GDBM database. */
	snprintf(bad, sizeof(bad), "%s/garbage.db", dir);
	f = fopen(bad, "w");
	fputs("this is not a gdbm file, not at all, not even close\n", f);
	fclose(f);
	ck_assert_ptr_null(mp_seen_open(bad, &err));
	ck_assert_int_eq(err.code, MP_ERETRY);
	unlink(bad);
	/* A directory. */
	ck_assert_ptr_null(mp_seen_open(dir, &err));
	ck_assert_int_eq(err.code, MP_ERETRY);
	s = open_db();
	ck_assert_int_eq(mp_seen_check_and_record(s, "t", "s", "c", T0, 60,
	    MP_SEEN_RATE_MAX + 1, &(enum mp_seen_verdict){ 0 }, &err), MP_ECONFIG);
	mp_seen_close(&s);
}
END_TEST

/* Writes fail half-way (the disk is full): RETRY, never "new". */
START_TEST(retry_on_write_failure)
{
	struct mp_seen *s = open_db();
	enum mp_seen_verdict v;
	struct mp_error err;
	struct rlimit rl;
	struct stat st;
	char src[64], big[500];
	int i, rc = MP_OK;

	signal(SIGXFSZ, SIG_IGN);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(stat(path, &st), 0);
	rl.rlim_cur = rl.rlim_max = (rlim_t)st.st_size;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	for (i = 0; i < 20000 && rc == MP_OK; i++) {
		snprintf(src, sizeof(src), "198.51.100.%d", i);
		rc = mp_seen_check_and_record(s, big, src, "c@x.nl", T0 + i,
		    3600, 0, &v, &err);
	}
	ck_assert_int_eq(rc, MP_ERETRY);
	ck_assert_msg(strstr(err.msg, "state DB") != NULL, "%s", err.msg);
	mp_seen_close(&s);
}
END_TEST

START_TEST(limits)
{
	struct mp_seen *s = open_db();
	enum mp_seen_verdict v;
	struct mp_error err;
	char *big = malloc(MP_SEEN_PART_MAX + 2);

	memset(big, 'a', MP_SEEN_PART_MAX + 1);
	big[MP_SEEN_PART_MAX + 1] = '\0';
	ck_assert_int_eq(mp_seen_check_and_record(s, "t", big, "c", T0, 60, 1,
	    &v, &err), MP_EINPUT);
	big[MP_SEEN_PART_MAX] = '\0';
	ck_assert_int_eq(mp_seen_check_and_record(s, "t", big, "c", T0, 60, 1,
	    &v, &err), MP_OK);
	ck_assert_int_eq(v, MP_SEEN_NEW);
	free(big);
	ck_assert_str_eq(mp_seen_verdict_name(MP_SEEN_RATE_LIMITED), "rate-limited");
	mp_seen_close(&s);
}
END_TEST

#define THREADS 8
#define ROUNDS 200
#define MAXH 50

struct worker {
	struct mp_seen *s;
	int id;
	int news_same, news_rate, errors;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	enum mp_seen_verdict v;
	struct mp_error err;
	char src[64];
	int i;

	for (i = 0; i < ROUNDS; i++) {
		/* Everyone reports the same thing: exactly one may be new. */
		if (mp_seen_check_and_record(w->s, "malware", "203.0.113.5",
		    "same@x.nl", T0, 3600, 0, &v, &err) != MP_OK)
			w->errors++;
		else if (v == MP_SEEN_NEW)
			w->news_same++;
		/* Distinct sources to one contact: MAXH may be new. */
		snprintf(src, sizeof(src), "t%d-%d", w->id, i);
		if (mp_seen_check_and_record(w->s, "malware", src, "rate@x.nl",
		    T0, 3600, MAXH, &v, &err) != MP_OK)
			w->errors++;
		else if (v == MP_SEEN_NEW)
			w->news_rate++;
	}
	return NULL;
}

START_TEST(threads_consistent)
{
	struct mp_seen *s = open_db();
	struct worker w[THREADS];
	pthread_t t[THREADS];
	int i, same = 0, rate = 0;

	for (i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].s = s;
		w[i].id = i;
		ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(w[i].errors, 0);
		same += w[i].news_same;
		rate += w[i].news_rate;
	}
	ck_assert_int_eq(same, 1);
	ck_assert_int_eq(rate, MAXH);
	mp_seen_close(&s);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("seen");
	TCase *tc = tcase_create("seen");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, dedup_interval);
	tcase_add_test(tc, rate_limit);
	tcase_add_test(tc, undo_record);
	tcase_add_test(tc, retry_of_same_message);
	tcase_add_test(tc, prune_expired);
	tcase_add_test(tc, prune_keeps_pending);
	tcase_add_test(tc, pending_chunks);
	tcase_add_test(tc, outbox_once);
	tcase_add_test(tc, pending_packed_cells);
	tcase_add_test(tc, list_rows_dedup);
	tcase_add_test(tc, list_rows_undo);
	tcase_add_test(tc, list_rows_buckets);
	tcase_add_test(tc, list_rows_pruned);
	tcase_add_test(tc, retry_on_bad_db);
	tcase_add_test(tc, retry_on_write_failure);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, threads_consistent);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return mp_check_run(suite());
}
