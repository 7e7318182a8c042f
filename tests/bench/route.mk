# bench-route: the routing database at RIPE size (see tests/bench/bench-route.c).
# BENCH_ROUTE_V4 / BENCH_ROUTE_V6 scale it down, e.g.
#   make bench-route BENCH_ROUTE_V4=500000 BENCH_ROUTE_V6=100000
noinst_PROGRAMS += tests/bench/bench-route
tests_bench_bench_route_SOURCES = tests/bench/bench-route.c
tests_bench_bench_route_LDADD = $(ROUTE_LIBS)
BENCH_TARGETS += bench-route
bench-route: tests/bench/bench-route$(EXEEXT)
	$(AM_V_at)BENCH_ROUTE_V4='$(BENCH_ROUTE_V4)' BENCH_ROUTE_V6='$(BENCH_ROUTE_V6)' \
	  tests/bench/bench-route
