# libFuzzer target for the bounce classifier (configure --enable-fuzzing,
# clang; run by scripts/fuzz.sh, seeded from tests/fuzz/bounce.seeds).
EXTRA_DIST += tests/fuzz/bounce.seeds tests/fuzz/fuzz-bounce.c
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-bounce
tests_fuzz_fuzz_bounce_SOURCES = tests/fuzz/fuzz-bounce.c
tests_fuzz_fuzz_bounce_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
tests_fuzz_fuzz_bounce_LDADD = $(REPORT_LIBS)
tests_fuzz_fuzz_bounce_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
