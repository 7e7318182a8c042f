# libFuzzer targets for the routing importers (see tests/fuzz/*.seeds).
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-rpsl tests/fuzz/fuzz-securitytxt
tests_fuzz_fuzz_rpsl_SOURCES = tests/fuzz/fuzz-rpsl.c
tests_fuzz_fuzz_rpsl_LDADD = $(ROUTE_LIBS)
tests_fuzz_fuzz_rpsl_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_securitytxt_SOURCES = tests/fuzz/fuzz-securitytxt.c
tests_fuzz_fuzz_securitytxt_LDADD = $(ROUTE_LIBS)
tests_fuzz_fuzz_securitytxt_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/rpsl.seeds tests/fuzz/securitytxt.seeds tests/fuzz/rpsl
