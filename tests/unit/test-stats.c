/*
 * Unit tests: the counters of lib/daemon/stats.c. Counting by flow and
 * outcome (every outcome the code can reach has its own counter, "-" is
 * "passed", anything else "other"), the StatsFile written only when
 * something changed and replaced by rename (a reader holding the old file
 * sees it whole), write errors, and what `meldpunt-milter -s FILE`
 * prints (through mp_stats_print() and through the program itself).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_tap.h"
#include "error.h"
#include "outcome.h"
#include "stats.h"

static char dir[64], path[128];

static void
setup(void)
{
	mp_check_tmpdir(dir, sizeof(dir), "test-stats");
	snprintf(path, sizeof(path), "%s/stats", dir);
}

static void
teardown(void)
{
	mp_check_rmtree(dir);
}

/* The value of counter `name` in the StatsFile; -1 when it is not there. */
static long long
value(const char *name)
{
	char line[256], n[128];
	unsigned long long v;
	long long found = -1;
	FILE *fp;

	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "%127s %llu", n, &v) == 2 && strcmp(n, name) == 0)
			found = (long long)v;
	fclose(fp);
	return found;
}

static void
write_ok(struct mp_stats *st, unsigned generation)
{
	struct mp_error err;

	ck_assert_msg(mp_stats_write(st, path, generation, &err) == MP_OK, "%s",
	    err.msg);
}

/* Count by names, as the log line and the StatsFile spell them. */
static void
count(struct mp_stats *st, const char *flow, const char *outcome)
{
	enum mp_flow f = strcmp(flow, "intake") == 0 ? MP_FLOW_INTAKE :
	    strcmp(flow, "outbound") == 0 ? MP_FLOW_OUTBOUND :
	    strcmp(flow, "reply") == 0 ? MP_FLOW_REPLY : MP_FLOW_OTHER;
	enum mp_outcome o;

	ck_assert_msg(mp_outcome_from_name(outcome, &o) == MP_OK, "%s", outcome);
	mp_stats_count(st, f, o);
}

START_TEST(counting)
{
	struct mp_stats st;

	mp_stats_init(&st);
	count(&st, "intake", "notified");
	count(&st, "intake", "notified");
	count(&st, "intake", "quarantined:unrouted");
	count(&st, "outbound", "signed");
	count(&st, "other", "passed");
	count(&st, "reply", "reply:forwarded");
	write_ok(&st, 3);
	ck_assert_int_eq(value("messages"), 6);
	ck_assert_int_eq(value("flow:reply"), 1);
	ck_assert_int_eq(value("reply:forwarded"), 1);
	ck_assert_int_eq(value("flow:intake"), 3);
	ck_assert_int_eq(value("flow:outbound"), 1);
	ck_assert_int_eq(value("flow:other"), 1);
	ck_assert_int_eq(value("notified"), 2);
	ck_assert_int_eq(value("quarantined:unrouted"), 1);
	ck_assert_int_eq(value("signed"), 1);
	ck_assert_int_eq(value("passed"), 1);	/* passed on untouched */
	ck_assert_int_eq(value("duplicate"), 0);
	ck_assert_int_eq(value("other"), 0);
	ck_assert_int_eq(value("generation"), 3);
	ck_assert_int_eq(value("pid"), (long long)getpid());
	ck_assert_int_eq(value("started"), (long long)st.started);
}
END_TEST

/*
 * Every outcome that plan, intake and eom can give (intake.h, eom.h,
 * stats.h) has its own counter: none of them counts as "other".
 */
START_TEST(every_outcome_has_a_counter)
{
	static const char *const outcomes[] = {
		"notified", "duplicate", "quarantined:unauthenticated",
		"quarantined:not-a-report", "quarantined:parse-error",
		"quarantined:unrouted", "quarantined:too-large",
		"quarantined:mixed-recipients", "quarantined:render-error",
		"signed", "rejected:identity", "rejected:too-large",
		"rejected:unsignable", "deferred:rate-limit", "tempfail",
	};
	struct mp_stats st;
	size_t i;

	mp_stats_init(&st);
	for (i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		count(&st, "intake", outcomes[i]);
	write_ok(&st, 1);
	for (i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		ck_assert_msg(value(outcomes[i]) == 1, "%s: %lld", outcomes[i],
		    value(outcomes[i]));
	ck_assert_int_eq(value("other"), 0);
	ck_assert_int_eq(value("messages"),
	    (long long)(sizeof(outcomes) / sizeof(outcomes[0])));
}
END_TEST

/*
 * A name without an outcome cannot be counted at all: the counters are
 * indexed by enum mp_outcome (outcome.h), so "other" stays 0.
 */
START_TEST(unknown_names)
{
	enum mp_outcome o;
	struct mp_stats st;

	ck_assert_int_ne(mp_outcome_from_name("quarantined:no-such-reason", &o), MP_OK);
	ck_assert_int_ne(mp_outcome_from_name("", &o), MP_OK);
	mp_stats_init(&st);
	count(&st, "intake", "notified");
	write_ok(&st, 1);
	ck_assert_int_eq(value("other"), 0);
	ck_assert_int_eq(value("quarantined:no-such-reason"), -1);
	ck_assert_int_eq(value("flow:sideways"), -1);
}
END_TEST

/*
 * Written when something changed (the first write always), replaced by
 * rename: a reader that opened the old file reads it whole, no .tmp is
 * left behind.
 */
START_TEST(written_atomically)
{
	char tmp[160], line[256];
	struct stat a, b;
	struct mp_stats st;
	FILE *old;
	int sawmsg = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	mp_stats_init(&st);
	write_ok(&st, 1);		/* nothing counted: written anyway */
	ck_assert_int_eq(value("messages"), 0);
	ck_assert_int_eq(stat(path, &a), 0);
	ck_assert_ptr_nonnull(old = fopen(path, "r"));

	write_ok(&st, 1);		/* nothing changed: not written again */
	ck_assert_int_eq(stat(path, &b), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino);
	ck_assert_int_eq(unlink(path), 0);
	write_ok(&st, 1);
	ck_assert_int_ne(access(path, F_OK), 0);

	count(&st, "intake", "duplicate");
	write_ok(&st, 2);
	ck_assert_int_eq(value("duplicate"), 1);
	ck_assert_int_eq(value("generation"), 2);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	/* the old file, still open, is the whole old text */
	while (fgets(line, sizeof(line), old) != NULL)
		if (strcmp(line, "messages 0\n") == 0)
			sawmsg = 1;
	fclose(old);
	ck_assert(sawmsg);
}
END_TEST

START_TEST(write_error)
{
	char bad[160];
	struct mp_error err;
	struct mp_stats st;

	snprintf(bad, sizeof(bad), "%s/no-such-dir/stats", dir);
	mp_stats_init(&st);
	count(&st, "intake", "notified");
	ck_assert_int_eq(mp_stats_write(&st, bad, 1, &err), MP_EIO);
	ck_assert_msg(strstr(err.msg, "no-such-dir") != NULL, "%s", err.msg);
	/* not marked as written: the next write to a good path happens */
	snprintf(path, sizeof(path), "%s/stats", dir);
	write_ok(&st, 1);
	ck_assert_int_eq(value("notified"), 1);
}
END_TEST

/* What -s prints: the start time in UTC, then each counter. */
START_TEST(print)
{
	struct mp_error err;
	struct mp_stats st;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	mp_stats_init(&st);
	st.started = 1795338600;	/* 2026-11-22T09:10:00Z */
	count(&st, "intake", "deferred:rate-limit");
	write_ok(&st, 1);
	ck_assert_ptr_nonnull(out = open_memstream(&text, &len));
	ck_assert_int_eq(mp_stats_print(path, out, &err), MP_OK);
	fclose(out);
	ck_assert_msg(strncmp(text, "since 2026-11-22T09:10:00Z\n", 27) == 0,
	    "%s", text);
	ck_assert_msg(strstr(text, "\ndeferred:rate-limit            1\n") != NULL,
	    "%s", text);
	ck_assert_msg(strstr(text, "\nmessages                       1\n") != NULL,
	    "%s", text);
	free(text);
}
END_TEST

START_TEST(print_errors)
{
	struct mp_error err;
	FILE *fp;

	ck_assert_ptr_nonnull(fp = fopen("/dev/null", "w"));
	ck_assert_int_eq(mp_stats_print(path, fp, &err), MP_EIO);
	ck_assert_msg(strstr(err.msg, "is meldpunt-milter running?") != NULL,
	    "%s", err.msg);
	ck_assert_ptr_nonnull(freopen(path, "w", fp));
	fputs("hello world\nnotified 3\n", fp);
	fclose(fp);
	ck_assert_ptr_nonnull(fp = fopen("/dev/null", "w"));
	ck_assert_int_eq(mp_stats_print(path, fp, &err), MP_EINPUT);
	ck_assert_msg(strstr(err.msg, "not a meldpunt statistics file") != NULL,
	    "%s", err.msg);
	fclose(fp);
}
END_TEST

/* The program: meldpunt-milter -s FILE needs no running daemon. */
START_TEST(milter_s)
{
	const char *builddir = mp_check_dir("top_builddir", ".");
	char cmd[512], out[160], line[256];
	struct mp_stats st;
	FILE *fp;
	int found = 0;

	mp_stats_init(&st);
	count(&st, "outbound", "rejected:identity");
	write_ok(&st, 1);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(cmd, sizeof(cmd), "'%s/milter/meldpunt-milter' -s '%s' >'%s'",
	    builddir, path, out);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_ptr_nonnull(fp = fopen(out, "r"));
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strcmp(line, "rejected:identity              1\n") == 0)
			found = 1;
	fclose(fp);
	ck_assert(found);
	snprintf(cmd, sizeof(cmd), "'%s/milter/meldpunt-milter' -s '%s/none' "
	    ">/dev/null 2>&1", builddir, dir);
	ck_assert_int_ne(system(cmd), 0);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("stats");
	TCase *tc = tcase_create("stats");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, counting);
	tcase_add_test(tc, every_outcome_has_a_counter);
	tcase_add_test(tc, unknown_names);
	tcase_add_test(tc, written_atomically);
	tcase_add_test(tc, write_error);
	tcase_add_test(tc, print);
	tcase_add_test(tc, print_errors);
	tcase_add_test(tc, milter_s);
	suite_add_tcase(su, tc);
	return mp_check_run(su);
}
