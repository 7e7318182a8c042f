# bench-sign: lib/dkim vs libopendkim vs the raw OpenSSL sign rate.
noinst_PROGRAMS += tests/bench/bench-sign
tests_bench_bench_sign_SOURCES = tests/bench/bench-sign.c
tests_bench_bench_sign_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(OPENDKIM_CFLAGS)
tests_bench_bench_sign_LDADD = $(DKIM_LIBS)

BENCH_TARGETS += bench-sign
bench-sign: tests/bench/bench-sign
	$(top_builddir)/tests/bench/bench-sign
