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

# List reports (lib/report/feed*): Check unit tests, every hostile CSV and
# zip case of feed.h. libzip also builds the test zips.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-feed
tests_unit_test_feed_SOURCES = tests/unit/test-feed.c tests/unit/check_tap.h
tests_unit_test_feed_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(GMIME_CFLAGS) \
	$(LIBZIP_CFLAGS)
tests_unit_test_feed_LDADD = $(REPORT_LIBS) $(CHECK_LIBS) $(PTHREAD_LIBS)
UNIT_TESTS += tests/unit/test-feed
endif
TESTS += tests/feed-docs.sh
dist_check_SCRIPTS += tests/feed-docs.sh
