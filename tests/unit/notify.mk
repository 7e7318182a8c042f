# Unit tests for libmpnotify (templates, rendering, redaction) and
# libmpstate's dedup records (test-seen).
if HAVE_CHECK

check_PROGRAMS += tests/unit/test-notify tests/unit/test-seen
tests_unit_test_notify_SOURCES = tests/unit/test-notify.c tests/unit/check_tap.h \
	tests/unit/notify_fixture.h
tests_unit_test_notify_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_notify_LDADD = $(NOTIFY_LIBS) $(CHECK_LIBS)
tests_unit_test_seen_SOURCES = tests/unit/test-seen.c tests/unit/check_tap.h
tests_unit_test_seen_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_seen_LDADD = $(STATE_LIBS) $(CHECK_LIBS)
# libmpstate's notice and contact-health records.
check_PROGRAMS += tests/unit/test-health
tests_unit_test_health_SOURCES = tests/unit/test-health.c tests/unit/check_tap.h
tests_unit_test_health_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_health_LDADD = $(STATE_LIBS) $(CHECK_LIBS)

UNIT_TESTS += tests/unit/test-notify tests/unit/test-seen tests/unit/test-health

# List notifications (notify_list.h), read back with GMime, libcsv, libzip.
check_PROGRAMS += tests/unit/test-notify-list
tests_unit_test_notify_list_SOURCES = tests/unit/test-notify-list.c \
	tests/unit/check_tap.h tests/unit/notify_fixture.h
tests_unit_test_notify_list_CFLAGS = $(UNIT_CFLAGS) $(GMIME_CFLAGS) \
	$(LIBZIP_CFLAGS)
tests_unit_test_notify_list_LDADD = $(NOTIFY_LIBS) $(CHECK_LIBS)
UNIT_TESTS += tests/unit/test-notify-list
endif
