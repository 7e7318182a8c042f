# Tests for the bounce classifier (lib/report/bounce.c): Check unit tests, the corpus table and its helper.
check_PROGRAMS += tests/unit/mp-bounce-tool
tests_unit_mp_bounce_tool_SOURCES = tests/unit/mp-bounce-tool.c
tests_unit_mp_bounce_tool_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
tests_unit_mp_bounce_tool_LDADD = $(REPORT_LIBS)

TESTS += tests/bounce-corpus.sh
dist_check_SCRIPTS += tests/bounce-corpus.sh

if HAVE_CHECK
check_PROGRAMS += tests/unit/test-bounce
tests_unit_test_bounce_SOURCES = tests/unit/test-bounce.c tests/unit/check_tap.h
tests_unit_test_bounce_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(GMIME_CFLAGS)
tests_unit_test_bounce_LDADD = $(REPORT_LIBS) $(CHECK_LIBS) $(PTHREAD_LIBS)
UNIT_TESTS += tests/unit/test-bounce
endif
