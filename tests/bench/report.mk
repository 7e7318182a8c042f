# Benchmark: the report layer against GMime alone (make bench-report).
noinst_PROGRAMS += tests/bench/bench-report
tests_bench_bench_report_SOURCES = tests/bench/bench-report.c
tests_bench_bench_report_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
tests_bench_bench_report_LDADD = $(REPORT_LIBS)
BENCH_TARGETS += bench-report
bench-report: tests/bench/bench-report$(EXEEXT)
	cd $(top_srcdir) && find tests/corpus -type f -name '*.eml' -print0 | \
		xargs -0 $(abs_top_builddir)/tests/bench/bench-report$(EXEEXT) 2

# Benchmark: splitting zipped Shadowserver reports of 1k, 10k and 100k
# rows (tests/feed-gen.py) into rows, beside unzip + CSV parse alone,
# and the intake path (split + route + dedup + record) over three
# routed /17s (make bench-feed).
noinst_PROGRAMS += tests/bench/bench-feed
tests_bench_bench_feed_SOURCES = tests/bench/bench-feed.c
tests_bench_bench_feed_CFLAGS = $(AM_CFLAGS) $(LIBZIP_CFLAGS) $(GMIME_CFLAGS)
tests_bench_bench_feed_LDADD = $(DAEMON_LIBS)
EXTRA_DIST += tests/feed-gen.py
BENCH_TARGETS += bench-feed
FEED_BENCH_DIR = tests/bench/feed-data
bench-feed: tests/bench/bench-feed$(EXEEXT) tools/meldpunt-route$(EXEEXT)
	@mkdir -p $(FEED_BENCH_DIR)
	@for n in 1000 10000 100000; do \
		$(top_srcdir)/tests/feed-gen.py --type scan_ntp --rows $$n --zip --mail \
		    --date 2024-01-0$${#n} --out $(FEED_BENCH_DIR) >/dev/null || exit 1; \
	done
	@d=$$(cd $(FEED_BENCH_DIR) && pwd); \
	printf 'organisation a\n    contact noc@a.example\n    language nl\n    network 10.0.0.0/17\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n' \
	    'organisation b' '    contact abuse@b.example' '    language en' '    network 10.0.128.0/17' \
	    'organisation c' '    contact cert@c.example' '    language en' '    network 10.1.0.0/17' \
	    >$$d/routes.conf; \
	tools/meldpunt-route$(EXEEXT) compile -o $$d/routes.db $$d/routes.conf >/dev/null || exit 1; \
	: >$$d/dns.zone; \
	printf '%s\n' 'IntakeAddress abuse@meldpunt.test' "RoutingDB $$d/routes.db" \
	    "TemplateDirectory $(abs_top_srcdir)/templates" "StateDB $$d/state.db" \
	    'Identity meldpunt@meldpunt.test Meldpunt Bench' 'UnknownReporters accept' \
	    "DNSZoneFile $$d/dns.zone" 'ArchiveAddress archive@meldpunt.test' \
	    'MaximumMessageSize 64M' >$$d/meldpunt.conf
	tests/bench/bench-feed$(EXEEXT) $${BENCH_SECONDS:-4} -i $(FEED_BENCH_DIR)/meldpunt.conf \
		$(FEED_BENCH_DIR)/2024-01-04-scan_ntp-meldpunt-asn.csv.zip \
		$(FEED_BENCH_DIR)/2024-01-05-scan_ntp-meldpunt-asn.csv.zip \
		$(FEED_BENCH_DIR)/2024-01-06-scan_ntp-meldpunt-asn.csv.zip
