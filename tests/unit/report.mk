# Report parsing tests: Check unit tests and the corpus golden test.
# The corpus (samples, goldens, provenance) ships with the tarball; main no
# longer lists tests/corpus at the top level, so it is listed here.
EXTRA_DIST += tests/corpus
TESTS += tests/report-corpus.sh tests/report-map.sh
dist_check_SCRIPTS += tests/report-corpus.sh tests/report-map.sh
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-report
tests_unit_test_report_SOURCES = tests/unit/test-report.c tests/unit/check_tap.h
tests_unit_test_report_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(GMIME_CFLAGS)
tests_unit_test_report_LDADD = $(REPORT_LIBS) $(CHECK_LIBS) $(PTHREAD_LIBS)
UNIT_TESTS += tests/unit/test-report
endif
