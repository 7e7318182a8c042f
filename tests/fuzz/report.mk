# libFuzzer target for the report parsers (configure --enable-fuzzing, clang).
EXTRA_DIST += tests/fuzz/report.seeds
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-report
tests_fuzz_fuzz_report_SOURCES = tests/fuzz/fuzz-report.c
tests_fuzz_fuzz_report_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
tests_fuzz_fuzz_report_LDADD = $(REPORT_LIBS)
tests_fuzz_fuzz_report_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
