/*
 * Unit tests for the outcome vocabulary (outcome.h) and what is made from
 * it: the counters (stats.h) and the plan's sign-into-plan and replaced
 * header bookkeeping (plan.h); the flow's end-of-header promotion (flow.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_tap.h"
#include "conf.h"
#include "envelope.h"
#include "flow.h"
#include "from.h"
#include "outcome.h"
#include "plan.h"
#include "stats.h"

/* The names that StatsFile, the header and the log used before the enum:
 * they must not change (readers of the file and of the header key on them). */
static const char *const known[] = {
	"notified", "duplicate", "queued",
	"quarantined:unauthenticated", "quarantined:not-a-report",
	"quarantined:parse-error", "quarantined:unrouted",
	"quarantined:too-large", "quarantined:mixed-recipients",
	"quarantined:render-error", "quarantined:link-only", "signed", "sent",
	"discarded:repeat",
	"rejected:identity",
	"rejected:too-large", "rejected:unsignable", "deferred:rate-limit",
	"tempfail", "passed",
	"bounce:hard", "bounce:soft", "bounce:auto-reply", "bounce:unmatched",
	"bounce:not-a-bounce",
	"reply:forwarded", "reply:auto-reply", "reply:unforwarded",
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

START_TEST(every_outcome_named)
{
	unsigned i;

	for (i = 0; i < MP_OUTCOME_COUNT; i++) {
		const char *n = mp_outcome_name((enum mp_outcome)i);

		ck_assert_msg(n != NULL && n[0] != '\0', "outcome %u has no name", i);
		/* a header value and one log word: no space, printable */
		ck_assert_msg(strspn(n, "abcdefghijklmnopqrstuvwxyz:-") == strlen(n),
		    "outcome %u: \"%s\" is not a plain word", i, n);
	}
	ck_assert_str_eq(mp_outcome_name(MP_OUTCOME_COUNT), "");
	ck_assert_str_eq(mp_outcome_name((enum mp_outcome)-1), "");
}
END_TEST

START_TEST(names_unique_and_read_back)
{
	enum mp_outcome o;
	unsigned i, j;

	for (i = 0; i < MP_OUTCOME_COUNT; i++) {
		for (j = i + 1; j < MP_OUTCOME_COUNT; j++)
			ck_assert_str_ne(mp_outcome_name((enum mp_outcome)i),
			    mp_outcome_name((enum mp_outcome)j));
		ck_assert_int_eq(mp_outcome_from_name(
		    mp_outcome_name((enum mp_outcome)i), &o), MP_OK);
		ck_assert_uint_eq(o, i);
	}
	ck_assert_int_eq(mp_outcome_from_name("rejected", &o), MP_EINPUT);
	ck_assert_int_eq(mp_outcome_from_name("quarantined:", &o), MP_EINPUT);
	ck_assert_int_eq(mp_outcome_from_name("", &o), MP_EINPUT);
	ck_assert_int_eq(mp_outcome_from_name("other", &o), MP_EINPUT);
}
END_TEST

START_TEST(names_as_before)
{
	unsigned i;

	ck_assert_uint_eq(MP_OUTCOME_COUNT, NKNOWN);
	for (i = 0; i < NKNOWN; i++)
		ck_assert_str_eq(mp_outcome_name((enum mp_outcome)i), known[i]);
	ck_assert_str_eq(mp_outcome_name(MP_OUTCOME_NOTIFIED), "notified");
	ck_assert_str_eq(mp_outcome_name(MP_OUTCOME_QUARANTINED_UNROUTED),
	    "quarantined:unrouted");
}
END_TEST

START_TEST(log_words)
{
	unsigned i;

	/* untouched mail: "-"; every other outcome logs its name */
	ck_assert_str_eq(mp_outcome_log_word(MP_OUTCOME_PASSED), "-");
	for (i = 0; i < MP_OUTCOME_COUNT; i++)
		if (i != MP_OUTCOME_PASSED)
			ck_assert_str_eq(mp_outcome_log_word((enum mp_outcome)i),
			    mp_outcome_name((enum mp_outcome)i));
}
END_TEST

START_TEST(plan_starts_passed)
{
	struct mp_plan p;

	mp_plan_init(&p);
	ck_assert_int_eq(p.outcome, MP_OUTCOME_PASSED);
	mp_plan_internal(&p, "db gone");
	ck_assert_int_eq(p.outcome, MP_OUTCOME_TEMPFAIL);
	ck_assert_str_eq(p.reason, "db gone");
	mp_plan_outcome(&p, MP_OUTCOME_DEFERRED_RATE_LIMIT, NULL);
	ck_assert_int_eq(p.outcome, MP_OUTCOME_DEFERRED_RATE_LIMIT);
	ck_assert_str_eq(p.reason, "");
	mp_plan_free(&p);
	ck_assert_int_eq(p.outcome, MP_OUTCOME_PASSED);
}
END_TEST

/* The StatsFile as name -> value; the names in file order. */
struct file {
	char name[64][64];
	unsigned long long v[64];
	unsigned n;
};

static void
read_stats(const char *path, struct file *f)
{
	char line[256];
	FILE *fp = fopen(path, "r");

	ck_assert_ptr_nonnull(fp);
	memset(f, 0, sizeof(*f));
	while (fgets(line, sizeof(line), fp) != NULL && f->n < 64)
		if (sscanf(line, "%63s %llu", f->name[f->n], &f->v[f->n]) == 2)
			f->n++;
	fclose(fp);
}

static unsigned long long
value(const struct file *f, const char *name)
{
	unsigned i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->v[i];
	ck_abort_msg("StatsFile has no line %s", name);
	return 0;
}

START_TEST(stats_slot_per_outcome)
{
	char dir[] = "/tmp/mp-outcome.XXXXXX", path[64];
	struct mp_stats st;
	struct mp_error err;
	struct file f;
	unsigned i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/stats", dir);
	mp_stats_init(&st);
	/* outcome i counted i + 1 times: every slot distinct */
	for (i = 0; i < MP_OUTCOME_COUNT; i++) {
		unsigned k;

		for (k = 0; k <= i; k++)
			mp_stats_count(&st, i % 2 ? MP_FLOW_INTAKE : MP_FLOW_OUTBOUND,
			    (enum mp_outcome)i);
	}
	mp_stats_count(&st, MP_FLOW_OTHER, MP_OUTCOME_PASSED);
	ck_assert_int_eq(mp_stats_write(&st, path, 7, &err), MP_OK);
	read_stats(path, &f);
	unlink(path);
	rmdir(dir);

	/* the lines of the file, in the order they always had */
	ck_assert_uint_eq(f.n, 3 + 6 + MP_OUTCOME_COUNT + 1);
	ck_assert_str_eq(f.name[0], "started");
	ck_assert_str_eq(f.name[1], "pid");
	ck_assert_str_eq(f.name[2], "generation");
	ck_assert_uint_eq(f.v[2], 7);
	ck_assert_str_eq(f.name[3], "messages");
	ck_assert_str_eq(f.name[4], "flow:intake");
	ck_assert_str_eq(f.name[5], "flow:outbound");
	ck_assert_str_eq(f.name[6], "flow:other");
	ck_assert_str_eq(f.name[7], "flow:bounce");
	ck_assert_str_eq(f.name[8], "flow:reply");
	for (i = 0; i < MP_OUTCOME_COUNT; i++)
		ck_assert_str_eq(f.name[9 + i], mp_outcome_name((enum mp_outcome)i));
	ck_assert_str_eq(f.name[9 + MP_OUTCOME_COUNT], "other");

	for (i = 0; i < MP_OUTCOME_COUNT; i++)
		ck_assert_uint_eq(value(&f, mp_outcome_name((enum mp_outcome)i)),
		    i + 1 + (i == MP_OUTCOME_PASSED));
	ck_assert_uint_eq(value(&f, "other"), 0);	/* nothing falls through */
	ck_assert_uint_eq(value(&f, "messages"),
	    MP_OUTCOME_COUNT * (MP_OUTCOME_COUNT + 1) / 2 + 1);
	ck_assert_uint_eq(value(&f, "flow:other"), 1);
	ck_assert_uint_eq(value(&f, "flow:intake") + value(&f, "flow:outbound") + 1,
	    value(&f, "messages"));
}
END_TEST

START_TEST(plan_headers_replaced)
{
	static const char msg[] = "Subject: x\r\nX-Meldpunt-Flow: forged\r\n\r\nb\r\n";
	struct mp_plan p;

	mp_plan_init(&p);
	ck_assert_int_eq(p.headers_replaced, 0);
	ck_assert_int_eq(mp_plan_delete_named(&p, msg, sizeof(msg) - 1,
	    "Subject"), MP_OK);
	ck_assert_int_eq(p.headers_replaced, 0);
	ck_assert_int_eq(mp_plan_delete_headers(&p, msg, sizeof(msg) - 1), MP_OK);
	ck_assert_int_eq(p.headers_replaced, 1);
	mp_plan_free(&p);
}
END_TEST

/* The fields read as the envelope reads them at EOH (from.h). */
static struct mp_from_read *
read_from(const char *const *v, size_t n)
{
	struct mp_from_read *r = calloc(n, sizeof(*r));
	size_t i;

	ck_assert_ptr_nonnull(r);
	for (i = 0; i < n; i++)
		ck_assert_int_ne(mp_from_read(v[i], &r[i]), MP_ENOMEM);
	return r;
}

static void
free_read(struct mp_from_read *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mp_from_read_clear(&r[i]);
	free(r);
}

START_TEST(flow_eoh_promotes)
{
	static const char *const protv[] = { "Staff <noc@meldpunt.nl>" };
	static const char *const twov[] = { "a@example.org", "b@sub.meldpunt.nl" };
	static const char *const plainv[] = { "a@example.org" };
	static const char *const badv[] = { "not an address" };
	static const char *const conf_text = "IntakeAddress meld@meldpunt.nl\n"
	    "ProtectedDomains meldpunt.nl\n";
	struct mp_from_read *prot = read_from(protv, 1), *two = read_from(twov, 2),
	    *plain = read_from(plainv, 1), *bad = read_from(badv, 1);
	struct mp_error err;
	struct mp_conf *c = mp_conf_parse("t.conf", conf_text, strlen(conf_text),
	    &err), *none;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(mp_flow_eoh(c, MP_FLOW_OTHER, prot, 1), MP_FLOW_OUTBOUND);
	ck_assert_int_eq(mp_flow_eoh(c, MP_FLOW_OTHER, two, 2), MP_FLOW_OUTBOUND);
	ck_assert_int_eq(mp_flow_eoh(c, MP_FLOW_OTHER, plain, 1), MP_FLOW_OTHER);
	ck_assert_int_eq(mp_flow_eoh(c, MP_FLOW_OTHER, bad, 1), MP_FLOW_OTHER);
	ck_assert_int_eq(mp_flow_eoh(c, MP_FLOW_OTHER, NULL, 0), MP_FLOW_OTHER);
	/* intake stays intake, whoever it is from */
	ck_assert_int_eq(mp_flow_eoh(c, MP_FLOW_INTAKE, prot, 1), MP_FLOW_INTAKE);
	ck_assert_int_eq(mp_flow_eoh(c, MP_FLOW_OUTBOUND, plain, 1), MP_FLOW_OUTBOUND);
	none = mp_conf_parse("t.conf", "IntakeAddress meld@meldpunt.nl\n", 31, &err);
	ck_assert_ptr_nonnull(none);
	ck_assert_int_eq(mp_flow_eoh(none, MP_FLOW_OTHER, prot, 1), MP_FLOW_OTHER);
	mp_conf_free(&none);
	mp_conf_free(&c);
	free_read(prot, 1);
	free_read(two, 2);
	free_read(plain, 1);
	free_read(bad, 1);
}
END_TEST

/* The envelope asks flow at end of header, before the body is kept. */
START_TEST(envelope_promotes_at_eoh)
{
	static const char *const conf_text = "IntakeAddress meld@meldpunt.nl\n"
	    "ProtectedDomains meldpunt.nl\n";
	static const unsigned char body[] = "hello\r\n";
	struct mp_error err;
	struct mp_conf *c = mp_conf_parse("t.conf", conf_text, strlen(conf_text),
	    &err);
	struct mp_envelope env;

	ck_assert_ptr_nonnull(c);
	mp_env_init(&env, c);
	ck_assert_int_eq(mp_env_sender(&env, "<cron@host.example>", NULL), MP_OK);
	ck_assert_int_eq(mp_env_rcpt(&env, "<x@example.org>"), MP_OK);
	ck_assert_int_eq(env.flow, MP_FLOW_OTHER);
	ck_assert_int_eq(mp_env_header(&env, "From", "noc@meldpunt.nl", 1), MP_OK);
	ck_assert_int_eq(env.flow, MP_FLOW_OTHER);
	ck_assert_int_eq(mp_env_eoh(&env), MP_OK);
	ck_assert_int_eq(env.flow, MP_FLOW_OUTBOUND);
	ck_assert_int_eq(mp_env_wants_body(&env), 1);
	ck_assert_int_eq(mp_env_body(&env, body, sizeof(body) - 1), MP_OK);
	ck_assert_ptr_nonnull(memmem(env.msg.data, env.msg.len, "hello", 5));
	mp_env_free(&env);
	mp_conf_free(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("outcome");
	TCase *tc = tcase_create("outcome");

	tcase_add_test(tc, every_outcome_named);
	tcase_add_test(tc, names_unique_and_read_back);
	tcase_add_test(tc, names_as_before);
	tcase_add_test(tc, log_words);
	tcase_add_test(tc, plan_starts_passed);
	tcase_add_test(tc, stats_slot_per_outcome);
	tcase_add_test(tc, plan_headers_replaced);
	tcase_add_test(tc, flow_eoh_promotes);
	tcase_add_test(tc, envelope_promotes_at_eoh);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
