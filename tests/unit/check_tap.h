/*
 * check_tap - run a Check suite and report each test case as TAP on stdout
 *
 * Automake's tap-driver then counts test cases one by one. Check's own
 * progress output is silenced so that only TAP reaches stdout.
 */
#ifndef MP_CHECK_TAP_H
#define MP_CHECK_TAP_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

static inline int
mp_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	fflush(stdout);
	srunner_set_tap(sr, "/dev/stdout");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* A directory from the environment (set by make check), or a default. */
static inline const char *
mp_check_dir(const char *var, const char *dflt)
{
	const char *v = getenv(var);

	return v != NULL && *v != '\0' ? v : dflt;
}

#endif
