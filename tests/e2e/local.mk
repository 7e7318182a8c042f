# End-to-end tests: a private Postfix on 127.0.0.1, smtp-sink, the milter.
# They need root and Postfix; without them they report SKIP.
E2E_TESTS = tests/e2e/t-config.sh tests/e2e/t-foundation.sh tests/e2e/t-identity.sh tests/e2e/t-intake.sh tests/e2e/t-feed.sh tests/e2e/t-faults.sh \
	tests/e2e/t-bounce.sh tests/e2e/t-reply.sh tests/e2e/t-sender.sh tests/e2e/t-renotify.sh \
	tests/e2e/t-install.sh tests/e2e/t-reload-stop.sh
# Through a private Sendmail (tests/e2e/sendmail-harness.sh, scripts/sendmail-private.sh).
E2E_TESTS += tests/e2e/t-sendmail.sh tests/e2e/t-spoof-sendmail.sh
TESTS += $(E2E_TESTS)
dist_check_SCRIPTS += $(E2E_TESTS)
EXTRA_DIST += tests/valgrind.supp tests/tsan.supp tests/e2e/harness.sh tests/e2e/tap.sh tests/e2e/data tests/e2e/mimepart.py tests/e2e/smtp-retry.py tests/e2e/list-check.py tests/e2e/feed-lib.sh
EXTRA_DIST += tests/e2e/sendmail-harness.sh
EXTRA_DIST += tests/e2e/spoof.sh tests/mail-dkim.pl
