/*
 * Unit tests for the notice records, ticket numbers and contact health in
 * the state DB.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_tap.h"
#include "health.h"
#include "notices.h"
#include "seen.h"
#include "ticket.h"
#include "tickets.h"

#define T0 1714564800
#define DAY 86400

static char dir[64];
static char path[128];

static void
setup(void)
{
	mp_check_tmpdir(dir, sizeof(dir), "mp-health");
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

START_TEST(notice_roundtrip)
{
	struct mp_seen *s = open_db();
	struct mp_notice_rec r, got;
	struct mp_error err;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "MP-abc234");
	snprintf(r.type, sizeof(r.type), "spam");
	snprintf(r.source, sizeof(r.source), "192.0.2.25");
	r.at = T0;
	r.ncontacts = 2;
	snprintf(r.contact[0].addr, sizeof(r.contact[0].addr), "abuse@a.example");
	snprintf(r.contact[0].rule, sizeof(r.contact[0].rule), "org");
	snprintf(r.contact[0].matched, sizeof(r.contact[0].matched), "192.0.2.0/24");
	snprintf(r.contact[1].addr, sizeof(r.contact[1].addr), "cert@b.example");
	snprintf(r.contact[1].rule, sizeof(r.contact[1].rule), "intermediary");
	ck_assert_int_eq(mp_notice_record(s, &r, &err), MP_OK);
	/* the return path comes back lower-cased */
	ck_assert_int_eq(mp_notice_get(s, "mp-ABC234", &got, &err), MP_FOUND);
	ck_assert_str_eq(got.type, "spam");
	ck_assert_str_eq(got.source, "192.0.2.25");
	ck_assert_int_eq(got.at, T0);
	ck_assert_uint_eq(got.ncontacts, 2);
	ck_assert_str_eq(got.contact[0].matched, "192.0.2.0/24");
	ck_assert_str_eq(got.contact[1].addr, "cert@b.example");
	ck_assert_str_eq(got.contact[1].matched, "");
	ck_assert_ptr_eq(mp_notice_contact_of(&got, "CERT@b.example"),
	    &got.contact[1]);
	ck_assert_ptr_null(mp_notice_contact_of(&got, "x@b.example"));
	ck_assert_int_eq(mp_notice_get(s, "MP-other", &got, &err), MP_NOTFOUND);
	ck_assert_int_eq(mp_notice_get(s, "", &got, &err), MP_NOTFOUND);
	ck_assert_int_eq(mp_notice_forget(s, "MP-abc234", &err), MP_OK);
	ck_assert_int_eq(mp_notice_get(s, "MP-abc234", &got, &err), MP_NOTFOUND);
	/* too many contacts, too long a field: refused */
	r.ncontacts = MP_NOTICE_CONTACTS + 1;
	ck_assert_int_eq(mp_notice_record(s, &r, &err), MP_EINPUT);
	mp_seen_close(&s);
}
END_TEST

/* Pruning keeps fresh notices and every health record; drops old notices. */
START_TEST(notice_prune)
{
	struct mp_seen *s = open_db();
	struct mp_notice_rec r, got;
	struct mp_health h;
	struct mp_error err;
	unsigned removed;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "MP-old");
	r.at = T0;
	ck_assert_int_eq(mp_notice_record(s, &r, &err), MP_OK);
	snprintf(r.id, sizeof(r.id), "MP-new");
	r.at = T0 + 80 * DAY;
	ck_assert_int_eq(mp_notice_record(s, &r, &err), MP_OK);
	ck_assert_int_eq(mp_health_add(s, "a@x.example", T0, "5.1.1", "MP-old",
	    &err), MP_OK);
	ck_assert_int_eq(mp_seen_prune(s, T0 + 91 * DAY, DAY, &removed, &err),
	    MP_OK);
	ck_assert_uint_eq(removed, 1);
	ck_assert_int_eq(mp_notice_get(s, "MP-old", &got, &err), MP_NOTFOUND);
	ck_assert_int_eq(mp_notice_get(s, "MP-new", &got, &err), MP_FOUND);
	ck_assert_int_eq(mp_health_get(s, "a@x.example", &h, &err), MP_FOUND);
	mp_seen_close(&s);
}
END_TEST

static int
count_fn(const struct mp_health *h, void *arg)
{
	unsigned *n = arg;

	(void)h;
	(*n)++;
	return 0;
}

START_TEST(health_rule)
{
	struct mp_seen *s = open_db();
	struct mp_health h;
	struct mp_error err;
	time_t since;
	unsigned n, listed = 0;

	ck_assert_int_eq(mp_health_get(s, "a@x.example", &h, &err), MP_NOTFOUND);
	ck_assert_int_eq(mp_health_judge(&h, T0, 2, 30 * DAY, &since, &n), 0);
	ck_assert_int_eq(mp_health_add(s, "A@X.example", T0, "5.1.1", "MP-1",
	    &err), MP_OK);
	ck_assert_int_eq(mp_health_get(s, "a@x.example", &h, &err), MP_FOUND);
	ck_assert_str_eq(h.addr, "a@x.example");
	ck_assert_uint_eq(h.n, 1);
	ck_assert_str_eq(h.b[0].status, "5.1.1");
	ck_assert_str_eq(h.b[0].notice, "MP-1");
	ck_assert_int_eq(mp_health_judge(&h, T0 + 1, 2, 30 * DAY, &since, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(mp_health_add(s, "a@x.example", T0 + 5 * DAY, "5.2.1",
	    "MP-2", &err), MP_OK);
	ck_assert_int_eq(mp_health_get(s, "a@x.example", &h, &err), MP_FOUND);
	ck_assert_int_eq(mp_health_judge(&h, T0 + 6 * DAY, 2, 30 * DAY, &since,
	    &n), 1);
	ck_assert_int_eq(since, T0 + 5 * DAY);
	ck_assert_uint_eq(n, 2);
	/* the first falls out of the window: reachable again */
	ck_assert_int_eq(mp_health_judge(&h, T0 + 31 * DAY, 2, 30 * DAY, &since,
	    &n), 0);
	ck_assert_uint_eq(n, 1);
	/* limit 0: never unreachable; limit 1: the first bounce */
	ck_assert_int_eq(mp_health_judge(&h, T0 + 6 * DAY, 0, 30 * DAY, NULL,
	    NULL), 0);
	ck_assert_int_eq(mp_health_judge(&h, T0 + 6 * DAY, 1, 30 * DAY, &since,
	    NULL), 1);
	ck_assert_int_eq(since, T0);
	ck_assert_int_eq(mp_health_add(s, "b@x.example", T0, "", "", &err), MP_OK);
	ck_assert_int_eq(mp_health_list(s, count_fn, &listed, &err), MP_OK);
	ck_assert_uint_eq(listed, 2);
	ck_assert_int_eq(mp_health_reset(s, "a@x.example", &h, &err), MP_FOUND);
	ck_assert_uint_eq(h.n, 2);
	ck_assert_int_eq(mp_health_reset(s, "a@x.example", &h, &err),
	    MP_NOTFOUND);
	ck_assert_int_eq(mp_health_get(s, "a@x.example", &h, &err), MP_NOTFOUND);
	mp_seen_close(&s);
}
END_TEST

/* Only the newest MP_HEALTH_KEEP are kept. */
START_TEST(health_keep)
{
	struct mp_seen *s = open_db();
	struct mp_health h;
	struct mp_error err;
	int i;

	for (i = 0; i < MP_HEALTH_KEEP + 3; i++)
		ck_assert_int_eq(mp_health_add(s, "a@x.example", T0 + i, "5.1.1",
		    "MP-x", &err), MP_OK);
	ck_assert_int_eq(mp_health_get(s, "a@x.example", &h, &err), MP_FOUND);
	ck_assert_uint_eq(h.n, MP_HEALTH_KEEP);
	ck_assert_int_eq(h.b[0].at, T0 + 3);
	ck_assert_int_eq(h.b[MP_HEALTH_KEEP - 1].at, T0 + MP_HEALTH_KEEP + 2);
	mp_seen_close(&s);
}
END_TEST

START_TEST(ticket_numbers)
{
	struct mp_seen *s = open_db();
	struct mp_error err;
	char t[MP_TICKET_MAX], t2[MP_TICKET_MAX], id[MP_NOTICE_ID_MAX], tag[64];
	unsigned removed = 0;

	/* T0 is 2024-05-01 12:00 UTC: numbers count per day, from 1 */
	ck_assert_int_eq(mp_ticket_next(s, T0, t, &err), MP_OK);
	ck_assert_str_eq(t, "20240501-00000001");
	ck_assert_int_eq(mp_ticket_next(s, T0 + 60, t2, &err), MP_OK);
	ck_assert_str_eq(t2, "20240501-00000002");
	ck_assert_int_eq(mp_ticket_next(s, T0 + DAY, t2, &err), MP_OK);
	ck_assert_str_eq(t2, "20240502-00000001");
	/* the index answers the notice id, and only for a bound ticket */
	ck_assert_int_eq(mp_ticket_bind(s, t, "MP-abc234", T0, &err), MP_OK);
	ck_assert_int_eq(mp_ticket_find(s, t, id, sizeof(id), &err), MP_FOUND);
	ck_assert_str_eq(id, "MP-abc234");
	ck_assert_int_eq(mp_ticket_find(s, t2, id, sizeof(id), &err), MP_NOTFOUND);
	/* and the way back, the id in any case */
	ck_assert_int_eq(mp_ticket_of(s, "mp-ABC234", tag, &err), MP_FOUND);
	ck_assert_str_eq(tag, t);
	ck_assert_int_eq(mp_ticket_of(s, "MP-abc235", tag, &err), MP_NOTFOUND);
	ck_assert_str_eq(tag, "");
	ck_assert_int_eq(mp_ticket_find(s, "2024-0501", id, sizeof(id), &err),
	    MP_NOTFOUND);
	ck_assert_int_eq(mp_ticket_bind(s, "20240501-1", "MP-x", T0, &err),
	    MP_EINPUT);
	/* found in a Subject whatever the case and the text around it */
	ck_assert_int_eq(mp_ticket_subject_tag(t, tag, sizeof(tag)), 0);
	ck_assert_int_eq(mp_ticket_subject_tag("2024", tag, sizeof(tag)), -1);
	ck_assert_str_eq(tag, "[Meldpunt #20240501-00000001] ");
	ck_assert_int_eq(mp_ticket_scan("Re: AW: [meldpunt #20240501-00000001] "
	    "Security notice", t2), 1);
	ck_assert_str_eq(t2, "20240501-00000001");
	ck_assert_int_eq(mp_ticket_scan("[Meldpunt #20240501-0000001]", t2), 0);
	ck_assert_int_eq(mp_ticket_scan("[Meldpunt #20240501-000000012]", t2), 0);
	ck_assert_int_eq(mp_ticket_scan("[Meldpunt #", t2), 0);
	/* pruned: the index with the notices, the day counters after two days */
	ck_assert_int_eq(mp_seen_prune(s, T0 + 3 * DAY, 3600, &removed, &err),
	    MP_OK);
	ck_assert_int_eq(mp_ticket_find(s, t, id, sizeof(id), &err), MP_FOUND);
	ck_assert_int_eq(mp_ticket_of(s, "MP-abc234", tag, &err), MP_FOUND);
	ck_assert_int_eq(mp_ticket_next(s, T0 + 3 * DAY, t2, &err), MP_OK);
	ck_assert_str_eq(t2, "20240504-00000001");
	ck_assert_int_eq(mp_seen_prune(s, T0 + MP_NOTICE_KEEP + DAY, 3600,
	    &removed, &err), MP_OK);
	ck_assert_int_eq(mp_ticket_find(s, t, id, sizeof(id), &err), MP_NOTFOUND);
	ck_assert_int_eq(mp_ticket_of(s, "MP-abc234", tag, &err), MP_NOTFOUND);
	mp_seen_close(&s);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("health");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, notice_roundtrip);
	tcase_add_test(tc, notice_prune);
	tcase_add_test(tc, health_rule);
	tcase_add_test(tc, health_keep);
	tcase_add_test(tc, ticket_numbers);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return mp_check_run(suite());
}
