# Unit tests for lib/, one Check program per module, reporting TAP.
if HAVE_CHECK
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)

check_PROGRAMS += tests/unit/test-core
tests_unit_test_core_SOURCES = tests/unit/test-core.c tests/unit/check_tap.h
tests_unit_test_core_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_core_LDADD = $(DAEMON_LIBS) $(CHECK_LIBS)

UNIT_TESTS += tests/unit/test-core

# The concepts that exist once (issue 13, item 2), at their one place.
check_PROGRAMS += tests/unit/test-concepts
tests_unit_test_concepts_SOURCES = tests/unit/test-concepts.c tests/unit/check_tap.h
tests_unit_test_concepts_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_concepts_LDADD = $(DAEMON_LIBS) $(CHECK_LIBS)
UNIT_TESTS += tests/unit/test-concepts
endif

# The outcome vocabulary and what is made from it: counters, plan, flow.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-outcome
tests_unit_test_outcome_SOURCES = tests/unit/test-outcome.c tests/unit/check_tap.h
tests_unit_test_outcome_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_outcome_LDADD = $(DAEMON_LIBS) $(CHECK_LIBS)
UNIT_TESTS += tests/unit/test-outcome
endif

# The intake path without an MTA: eom.c and intake.c over a real snapshot.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-intake
tests_unit_test_intake_SOURCES = tests/unit/test-intake.c tests/unit/check_tap.h \
	tests/unit/daemon_fixture.h
tests_unit_test_intake_CFLAGS = $(UNIT_CFLAGS) $(GMIME_CFLAGS)
tests_unit_test_intake_LDADD = $(DAEMON_LIBS) $(CHECK_LIBS)
EXTRA_tests_unit_test_intake_DEPENDENCIES = tools/meldpunt-route$(EXEEXT)
UNIT_TESTS += tests/unit/test-intake
endif

# The layer order of lib/<concern>/ (and lib/ never including milter/):
# every #include "..." is checked, failures name file:line and the layers.
TESTS += tests/unit/layers.sh
dist_check_SCRIPTS += tests/unit/layers.sh

# Every end state of the intake path, the outbound path (signing and its
# rejects), the counters and the StateDB handle: one program each.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-intake-states tests/unit/test-outbound \
	tests/unit/test-stats tests/unit/test-statedb
tests_unit_test_intake_states_SOURCES = tests/unit/test-intake-states.c tests/unit/check_tap.h \
	tests/unit/daemon_fixture.h tests/unit/pending_rows.h
tests_unit_test_intake_states_CFLAGS = $(UNIT_CFLAGS) $(GMIME_CFLAGS)
tests_unit_test_intake_states_LDADD = $(DAEMON_LIBS) $(CHECK_LIBS)
EXTRA_tests_unit_test_intake_states_DEPENDENCIES = tools/meldpunt-route$(EXEEXT)
tests_unit_test_outbound_SOURCES = tests/unit/test-outbound.c tests/unit/check_tap.h \
	tests/unit/daemon_fixture.h
tests_unit_test_outbound_CFLAGS = $(UNIT_CFLAGS) $(GMIME_CFLAGS)
tests_unit_test_outbound_LDADD = $(DAEMON_LIBS) $(CHECK_LIBS)
tests_unit_test_stats_SOURCES = tests/unit/test-stats.c tests/unit/check_tap.h
tests_unit_test_stats_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_stats_LDADD = $(DAEMON_LIBS) $(CHECK_LIBS)
EXTRA_tests_unit_test_stats_DEPENDENCIES = milter/meldpunt-milter$(EXEEXT)
tests_unit_test_statedb_SOURCES = tests/unit/test-statedb.c tests/unit/check_tap.h
tests_unit_test_statedb_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_statedb_LDADD = $(STATE_LIBS) $(CHECK_LIBS)
UNIT_TESTS += tests/unit/test-intake-states tests/unit/test-outbound \
	tests/unit/test-stats tests/unit/test-statedb
# The sender's SMTP submission (submit.h) against a scripted server.
check_PROGRAMS += tests/unit/test-submit
tests_unit_test_submit_SOURCES = tests/unit/test-submit.c tests/unit/check_tap.h \
	tests/unit/smtp_stub.h
tests_unit_test_submit_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_submit_LDADD = $(DAEMON_LIBS) $(CHECK_LIBS)
UNIT_TESTS += tests/unit/test-submit
# The sender (sender.h) without an MTA: its passes against a stub MTA
# that runs the milter's end-of-message decision.
check_PROGRAMS += tests/unit/test-sender
tests_unit_test_sender_SOURCES = tests/unit/test-sender.c tests/unit/check_tap.h \
	tests/unit/daemon_fixture.h tests/unit/smtp_stub.h
tests_unit_test_sender_CFLAGS = $(UNIT_CFLAGS) $(GMIME_CFLAGS)
tests_unit_test_sender_LDADD = $(DAEMON_LIBS) $(CHECK_LIBS)
EXTRA_tests_unit_test_sender_DEPENDENCIES = tools/meldpunt-route$(EXEEXT)
UNIT_TESTS += tests/unit/test-sender
# The bounce flow (bounceflow.h) over sisimai corpus bounces.
check_PROGRAMS += tests/unit/test-bounceflow
tests_unit_test_bounceflow_SOURCES = tests/unit/test-bounceflow.c tests/unit/check_tap.h \
	tests/unit/daemon_fixture.h tests/unit/pending_rows.h
tests_unit_test_bounceflow_CFLAGS = $(UNIT_CFLAGS) $(GMIME_CFLAGS)
tests_unit_test_bounceflow_LDADD = $(DAEMON_LIBS) $(CHECK_LIBS)
UNIT_TESTS += tests/unit/test-bounceflow

# Replies to notifications (replyflow.h): a real notification through
# intake, then answers to it.
check_PROGRAMS += tests/unit/test-replyflow
tests_unit_test_replyflow_SOURCES = tests/unit/test-replyflow.c tests/unit/check_tap.h \
	tests/unit/daemon_fixture.h
tests_unit_test_replyflow_CFLAGS = $(UNIT_CFLAGS) $(GMIME_CFLAGS)
tests_unit_test_replyflow_LDADD = $(DAEMON_LIBS) $(CHECK_LIBS)
EXTRA_tests_unit_test_replyflow_DEPENDENCIES = tools/meldpunt-route$(EXEEXT)
UNIT_TESTS += tests/unit/test-replyflow
endif
