# Tests for libmpdkim: Check unit tests and the dkimpy cross-check.
check_PROGRAMS += tests/unit/mp-sign-tool
tests_unit_mp_sign_tool_SOURCES = tests/unit/mp-sign-tool.c
tests_unit_mp_sign_tool_CFLAGS = $(AM_CFLAGS)
tests_unit_mp_sign_tool_LDADD = $(DKIM_LIBS)

if HAVE_CHECK
check_PROGRAMS += tests/unit/test-sign
tests_unit_test_sign_SOURCES = tests/unit/test-sign.c tests/unit/check_tap.h
tests_unit_test_sign_CFLAGS = $(UNIT_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_sign_LDADD = $(DKIM_LIBS) $(CHECK_LIBS)
UNIT_TESTS += tests/unit/test-sign
endif

TESTS += tests/unit/sign-dkimpy.sh
dist_check_SCRIPTS += tests/unit/sign-dkimpy.sh
EXTRA_DIST += tests/dkimpy.py

if HAVE_CHECK
check_PROGRAMS += tests/unit/test-identity
tests_unit_test_identity_SOURCES = tests/unit/test-identity.c tests/unit/check_tap.h
tests_unit_test_identity_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_identity_LDADD = $(AUTH_LIBS) $(CHECK_LIBS)
UNIT_TESTS += tests/unit/test-identity
endif

TESTS += tests/unit/verify-tool.sh
dist_check_SCRIPTS += tests/unit/verify-tool.sh
