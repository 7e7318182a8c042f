# libFuzzer targets for the From and IdentityMap/TrustedHosts parsers.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-from tests/fuzz/fuzz-identitymap
tests_fuzz_fuzz_from_SOURCES = tests/fuzz/fuzz-from.c
tests_fuzz_fuzz_from_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
tests_fuzz_fuzz_from_LDADD = $(AUTH_LIBS)
tests_fuzz_fuzz_from_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_identitymap_SOURCES = tests/fuzz/fuzz-identitymap.c
tests_fuzz_fuzz_identitymap_LDADD = $(AUTH_LIBS)
tests_fuzz_fuzz_identitymap_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/from.seeds tests/fuzz/identitymap.seeds \
	tests/fuzz/from-corpus tests/fuzz/identitymap-corpus tests/fuzz/regress/from
