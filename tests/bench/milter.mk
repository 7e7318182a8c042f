# The milter-protocol load client, its codec tests, smoke tests against
# meldpunt-milter and OpenDKIM, and bench-milter (BENCHMARKS.md).
noinst_PROGRAMS += tests/bench/milter-load
tests_bench_milter_load_SOURCES = tests/bench/milter-load.c \
	tests/bench/milterproto.c tests/bench/milterproto.h
tests_bench_milter_load_CFLAGS = $(AM_CFLAGS)
tests_bench_milter_load_LDADD = $(CORE_LIBS) $(PTHREAD_LIBS)

if HAVE_CHECK
check_PROGRAMS += tests/unit/test-milterproto
tests_unit_test_milterproto_SOURCES = tests/unit/test-milterproto.c \
	tests/bench/milterproto.c tests/bench/milterproto.h tests/unit/check_tap.h
tests_unit_test_milterproto_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/bench
tests_unit_test_milterproto_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_milterproto_LDADD = $(CORE_LIBS) $(CHECK_LIBS) $(PTHREAD_LIBS)
UNIT_TESTS += tests/unit/test-milterproto
endif

# Smoke test: the load client against meldpunt-milter and OpenDKIM.
TESTS += tests/bench/t-milter-load.sh
dist_check_SCRIPTS += tests/bench/t-milter-load.sh
EXTRA_DIST += tests/bench/milter-lib.sh tests/bench/data/notification.eml

# bench-milter: meldpunt-milter vs OpenDKIM, direct and through Postfix;
# writes its section of BENCHMARKS.md. BENCH_N, BENCH_SECONDS,
# BENCH_POSTFIX_N etc. scale it (see the script).
dist_noinst_SCRIPTS += tests/bench/bench-milter.sh
BENCH_TARGETS += bench-milter
bench-milter: tests/bench/milter-load$(EXEEXT) milter/meldpunt-milter$(EXEEXT) \
		tests/unit/mp-sign-tool$(EXEEXT) tools/meldpunt-route$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		bash $(top_srcdir)/tests/bench/bench-milter.sh
EXTRA_DIST += BENCHMARKS.md

# profile-milter: instructions per message under callgrind, dual-signing and
# the full intake path; writes its section of BENCHMARKS.md (PROFILE_N=200
# messages each, ~1 minute).
dist_noinst_SCRIPTS += tests/bench/profile-milter.sh
BENCH_TARGETS += profile-milter
profile-milter: tests/bench/milter-load$(EXEEXT) milter/meldpunt-milter$(EXEEXT) \
		tests/unit/mp-sign-tool$(EXEEXT) tools/meldpunt-route$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		bash $(top_srcdir)/tests/bench/profile-milter.sh
