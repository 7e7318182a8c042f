/*
 * notify_fixture - test helpers for the unit tests of lib/notify
 * (test-notify.c, test-notify-list.c)
 *
 *	notify_fx_templates() loads the source tree's template set (found
 *	through top_srcdir) once for a test program; a set that does not
 *	load stops the program, for no test can run without it.
 *	notify_fx_conf() is the clearinghouse the notifications speak for:
 *	the sender, its website, one contact, a fixed time; each test adds
 *	what it checks (a phone number, a ticket, a Reply-To).
 *	notify_fx_assert_7bit() checks a rendered message is what goes on
 *	the wire unencoded: 7-bit, no NUL, CRLF only, lines of at most 998
 *	bytes.
 * OWNERSHIP
 *	The template set is the caller's, to mp_templates_free(). The
 *	configuration points at static strings.
 */
#ifndef MP_TEST_NOTIFY_FIXTURE_H
#define MP_TEST_NOTIFY_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_tap.h"
#include "notify.h"
#include "template.h"

static inline struct mp_template_set *
notify_fx_templates(void)
{
	struct mp_template_set *set = NULL;
	struct mp_error err;
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s/templates",
	    mp_check_dir("top_srcdir", "."));
	mp_error_clear(&err);
	if (mp_templates_load(dir, &set, &err) != MP_OK) {
		fprintf(stderr, "%s\n", err.msg);
		abort();
	}
	return set;
}

static inline struct mp_notify_conf
notify_fx_conf(void)
{
	static const char *const contacts[] = { "abuse@example.nl" };
	struct mp_notify_conf c;

	memset(&c, 0, sizeof(c));
	c.from_addr = "meldingen@meldpunt.example";
	c.from_name = "Meldpunt Cyberdreigingen";
	c.website = "www.meldpunt.example";
	c.to = contacts;
	c.nto = 1;
	c.now = 1714564800;	/* 2024-05-01 12:00:00 UTC */
	return c;
}

static inline void
notify_fx_assert_7bit(const char *m, size_t len)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		ck_assert_int_lt((unsigned char)m[i], 0x80);
		ck_assert_int_ne(m[i], '\0');
		if (m[i] == '\n')
			ck_assert(i > 0 && m[i - 1] == '\r');
		if (m[i] == '\r')
			ck_assert(i + 1 < len && m[i + 1] == '\n');
		col = m[i] == '\n' ? 0 : col + 1;
		ck_assert_uint_le(col, 999);	/* 998 + the CR */
	}
}

#endif
