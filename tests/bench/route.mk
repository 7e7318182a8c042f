# bench-route: see tests/bench/bench-route.c
