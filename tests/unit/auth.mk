# Unit tests for libmpauth: SPF through libspf2's zone DNS layer (no
# network), the test zone parser, the reporter decision table.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-auth
tests_unit_test_auth_SOURCES = tests/unit/test-auth.c tests/unit/check_tap.h
tests_unit_test_auth_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_auth_LDADD = $(AUTH_LIBS) $(CHECK_LIBS)
UNIT_TESTS += tests/unit/test-auth
endif
