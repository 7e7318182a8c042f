/*
 * check_tap - run a Check suite and report each test case as TAP on stdout
 *
 * Automake's tap-driver then counts test cases one by one. Check's own
 * progress output is silenced so that only TAP reaches stdout.
 *
 * Also what every test program needs around that, whatever layer it
 * tests: the source and build trees (mp_check_dir) and a temp dir of
 * its own per test case (mp_check_tmpdir, mp_check_rmtree).
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

/* A new directory /tmp/<name>.XXXXXX in dir[size]; the test fails without. */
static inline void
mp_check_tmpdir(char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "/tmp/%s.XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/*
 * Remove `dir` and all in it (a teardown: a test that failed half-way
 * leaves anything there). Not 0, and said on stderr, when it could not.
 */
static inline int
mp_check_rmtree(const char *dir)
{
	char cmd[256];
	int rc;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if ((rc = system(cmd)) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return rc;
}

#endif
