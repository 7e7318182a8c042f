# Benchmark: the report layer against GMime alone (make bench-report).
noinst_PROGRAMS += tests/bench/bench-report
tests_bench_bench_report_SOURCES = tests/bench/bench-report.c
tests_bench_bench_report_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
tests_bench_bench_report_LDADD = $(REPORT_LIBS)
BENCH_TARGETS += bench-report
bench-report: tests/bench/bench-report$(EXEEXT)
	cd $(top_srcdir) && find tests/corpus -type f -name '*.eml' -print0 | \
		xargs -0 $(abs_top_builddir)/tests/bench/bench-report$(EXEEXT) 2
