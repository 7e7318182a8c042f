# Benchmark: the report layer against GMime alone (make bench-report).
noinst_PROGRAMS += tests/bench/bench-report
tests_bench_bench_report_SOURCES = tests/bench/bench-report.c
tests_bench_bench_report_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
tests_bench_bench_report_LDADD = $(REPORT_LIBS)
BENCH_TARGETS += bench-report
bench-report: tests/bench/bench-report$(EXEEXT)
	cd $(top_srcdir) && find tests/corpus -type f -name '*.eml' -print0 | \
		xargs -0 $(abs_top_builddir)/tests/bench/bench-report$(EXEEXT) 2

# Benchmark: list reports of 1k, 10k and 100k rows (tests/feed-gen.py):
# the baseline (unzip + CSV parse), the split, the intake path (split +
# route + dedup + record) in process and in meldpunt-milter, against
# issue 14's targets (tests/bench/bench-feed.sh; BENCH_SECONDS).
noinst_PROGRAMS += tests/bench/bench-feed
tests_bench_bench_feed_SOURCES = tests/bench/bench-feed.c
tests_bench_bench_feed_CFLAGS = $(AM_CFLAGS) $(LIBZIP_CFLAGS) $(GMIME_CFLAGS)
tests_bench_bench_feed_LDADD = $(DAEMON_LIBS)
EXTRA_DIST += tests/feed-gen.py
dist_noinst_SCRIPTS += tests/bench/bench-feed.sh
BENCH_TARGETS += bench-feed
bench-feed: tests/bench/bench-feed$(EXEEXT) tools/meldpunt-route$(EXEEXT) \
		tests/bench/milter-load$(EXEEXT) milter/meldpunt-milter$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		bash $(top_srcdir)/tests/bench/bench-feed.sh
