# libFuzzer target for the test DNS zone parser (DNSZoneFile).
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-dnszone
tests_fuzz_fuzz_dnszone_SOURCES = tests/fuzz/fuzz-dnszone.c
tests_fuzz_fuzz_dnszone_LDADD = $(AUTH_LIBS)
tests_fuzz_fuzz_dnszone_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/dnszone.seeds tests/fuzz/dnszone-corpus
