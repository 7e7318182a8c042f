# bench-sender: the sender's aggregated notifications through Postfix
# beside the outbound dual-signing rate of the same run (issue 14);
# writes its section of BENCHMARKS.md. BENCH_SENDER_N (500) groups and
# baseline messages, BENCH_SENDER_SESSIONS (8) etc. scale it (see the
# script). submit-load is its baseline client: the sender's own SMTP
# code (lib/daemon/submit.c), K sessions, a Message-ID per message.
noinst_PROGRAMS += tests/bench/submit-load
tests_bench_submit_load_SOURCES = tests/bench/submit-load.c
tests_bench_submit_load_CFLAGS = $(AM_CFLAGS)
tests_bench_submit_load_LDADD = $(DAEMON_LIBS)

dist_noinst_SCRIPTS += tests/bench/bench-sender.sh
BENCH_TARGETS += bench-sender
bench-sender: tests/bench/submit-load$(EXEEXT) milter/meldpunt-milter$(EXEEXT) \
		tests/unit/mp-sign-tool$(EXEEXT) tools/meldpunt-route$(EXEEXT) \
		tools/meldpunt-queue$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		bash $(top_srcdir)/tests/bench/bench-sender.sh
