/*
 * Unit tests: lib/state/statedb.c, the one state DB handle of the process.
 * Opened lazily (nothing on disk until the first use), shared by
 * references (one handle for every snapshot), records made through it
 * marked and taken back, and a StateDB that cannot be opened answering
 * MP_ERETRY with the reason, retried at most once per MP_STATEDB_RETRY
 * seconds and recovering without a restart. The tests run as root too,
 * so "cannot be opened" is a missing directory, not a mode.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_tap.h"
#include "seen.h"
#include "statedb.h"

#define T0 1714564800

static char dir[64], path[160];

static void
setup(void)
{
	strcpy(dir, "/tmp/test-statedb.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.db", dir);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static struct mp_statedb *
new_db(const char *p)
{
	struct mp_error err;
	struct mp_statedb *sdb = mp_statedb_new(p, &err);

	ck_assert_msg(sdb != NULL, "%s", err.msg);
	return sdb;
}

static enum mp_seen_verdict
mark(struct mp_seen *s, const char *src, time_t now)
{
	enum mp_seen_verdict v;
	struct mp_error err;

	ck_assert_msg(mp_seen_check_and_record(s, "spam", src, "a@x.nl", now,
	    3600, 0, &v, &err) == MP_OK, "%s", err.msg);
	return v;
}

START_TEST(lazy_open_and_shared)
{
	struct mp_statedb *sdb = new_db(path), *other;
	struct mp_seen *s, *s2;
	struct mp_error err;

	ck_assert_str_eq(mp_statedb_path(sdb), path);
	ck_assert_int_ne(access(path, F_OK), 0);	/* not opened yet */
	ck_assert_ptr_nonnull(s = mp_statedb_get(sdb, &err));
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_ptr_eq(mp_statedb_get(sdb, &err), s);	/* opened once */

	/* a second snapshot takes a reference: the same handle */
	other = mp_statedb_ref(sdb);
	ck_assert_ptr_eq(other, sdb);
	mp_statedb_unref(&sdb);
	ck_assert_ptr_null(sdb);
	ck_assert_ptr_nonnull(s2 = mp_statedb_get(other, &err));
	ck_assert_ptr_eq(s2, s);		/* still open: one ref left */
	ck_assert_int_eq(mark(s2, "192.0.2.1", T0), MP_SEEN_NEW);
	mp_statedb_unref(&other);		/* the last: closes it */
	mp_statedb_unref(&other);		/* NULL-safe */

	/* the record is on disk: a new handle sees it */
	sdb = new_db(path);
	ck_assert_ptr_nonnull(s = mp_statedb_get(sdb, &err));
	ck_assert_int_eq(mark(s, "192.0.2.1", T0 + 1), MP_SEEN_DUPLICATE);
	mp_statedb_unref(&sdb);
}
END_TEST

/* Marked, taken back (a message the MTA did not take), marked again. */
START_TEST(mark_and_take_back)
{
	struct mp_statedb *sdb = new_db(path);
	struct mp_error err;
	struct mp_seen *s;

	ck_assert_ptr_nonnull(s = mp_statedb_get(sdb, &err));
	ck_assert_int_eq(mark(s, "192.0.2.7", T0), MP_SEEN_NEW);
	ck_assert_int_eq(mark(s, "192.0.2.7", T0 + 5), MP_SEEN_DUPLICATE);
	ck_assert_int_eq(mp_seen_undo(s, "spam", "192.0.2.7", "a@x.nl", T0,
	    &err), MP_OK);
	ck_assert_int_eq(mark(s, "192.0.2.7", T0 + 6), MP_SEEN_NEW);
	ck_assert_int_eq(mark(s, "192.0.2.7", T0 + 7), MP_SEEN_DUPLICATE);
	mp_statedb_unref(&sdb);
}
END_TEST

/*
 * The directory of StateDB is missing: MP_ERETRY naming the file, no
 * retry within MP_STATEDB_RETRY seconds (the fix is not seen yet), then
 * the next try after that opens it.
 */
START_TEST(retry_after_failure)
{
	char sub[160], p[200];
	struct mp_statedb *sdb;
	struct mp_error err;
	struct mp_seen *s;

	snprintf(sub, sizeof(sub), "%s/later", dir);
	snprintf(p, sizeof(p), "%s/state.db", sub);
	sdb = new_db(p);
	mp_error_clear(&err);
	ck_assert_ptr_null(mp_statedb_get(sdb, &err));
	ck_assert_int_eq(err.code, MP_ERETRY);
	ck_assert_msg(strstr(err.msg, "StateDB") && strstr(err.msg, p), "%s",
	    err.msg);

	ck_assert_int_eq(mkdir(sub, 0700), 0);	/* the operator fixes it */
	mp_error_clear(&err);
	ck_assert_ptr_null(mp_statedb_get(sdb, &err));	/* too soon */
	ck_assert_int_eq(err.code, MP_ERETRY);
	ck_assert_int_ne(access(p, F_OK), 0);

	sleep(MP_STATEDB_RETRY + 1);
	ck_assert_ptr_nonnull(s = mp_statedb_get(sdb, &err));
	ck_assert_int_eq(mark(s, "192.0.2.9", T0), MP_SEEN_NEW);
	ck_assert_int_eq(access(p, F_OK), 0);
	mp_statedb_unref(&sdb);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("statedb");
	TCase *tc = tcase_create("statedb");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, lazy_open_and_shared);
	tcase_add_test(tc, mark_and_take_back);
	tcase_add_test(tc, retry_after_failure);
	suite_add_tcase(su, tc);
	return mp_check_run(su);
}
