# Unit tests of the routing database, and the meldpunt-route shell test.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-route
tests_unit_test_route_SOURCES = tests/unit/test-route.c tests/unit/check_tap.h
tests_unit_test_route_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_route_LDADD = $(ROUTE_LIBS) $(CHECK_LIBS)
UNIT_TESTS += tests/unit/test-route
endif
TESTS += tests/unit/route-tool.sh
dist_check_SCRIPTS += tests/unit/route-tool.sh
