# libFuzzer targets for libmpdaemon's parsers of outside bytes: the
# configuration file, and a message fed to the envelope and the plan
# (configure --enable-fuzzing, clang; run by scripts/fuzz.sh).
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-conf tests/fuzz/fuzz-envelope
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz-conf.c
tests_fuzz_fuzz_conf_LDADD = $(DAEMON_LIBS)
tests_fuzz_fuzz_conf_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_envelope_SOURCES = tests/fuzz/fuzz-envelope.c
tests_fuzz_fuzz_envelope_LDADD = $(DAEMON_LIBS)
tests_fuzz_fuzz_envelope_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
EXTRA_DIST += tests/fuzz/fuzz-conf.c tests/fuzz/fuzz-envelope.c \
	tests/fuzz/conf.seeds tests/fuzz/envelope.seeds tests/fuzz/conf-corpus
