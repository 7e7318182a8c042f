# Unit tests for lib/libmpnotify.a: templates, rendering, redaction, state DB.
if HAVE_CHECK
NOTIFY_TEST_LDADD = lib/libmpnotify.a lib/libmpreport.a lib/libmpcore.a $(GDBM_LIBS) \
	$(CHECK_LIBS) $(PTHREAD_LIBS)

check_PROGRAMS += tests/unit/test-notify tests/unit/test-seen
tests_unit_test_notify_SOURCES = tests/unit/test-notify.c tests/unit/check_tap.h
tests_unit_test_notify_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_notify_LDADD = $(NOTIFY_TEST_LDADD)
tests_unit_test_seen_SOURCES = tests/unit/test-seen.c tests/unit/check_tap.h
tests_unit_test_seen_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_seen_LDADD = $(NOTIFY_TEST_LDADD)

UNIT_TESTS += tests/unit/test-notify tests/unit/test-seen
endif
