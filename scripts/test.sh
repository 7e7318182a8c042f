#!/bin/sh
# The whole meldpunt test suite, from a clean clone on Debian 12:
#   1. install what is missing (scripts/deps.sh)
#   2. build with -Werror and run `make check` (unit tests, e2e through a
#      private Postfix, golden corpus tests)
#   3. build again with ASan+UBSan and run the unit tests under them, and
#      the milter under load with reloads (scripts/tsan.sh); the same
#      scenario again in a ThreadSanitizer build
#   4. build the libFuzzer targets with clang and run each for a bounded time
#   5. the main job: the README's demo command, run exactly as the README
#      prints it, its output checked by tests/demo-check.sh
#   6. `make distcheck`: the tarball builds and passes its tests
# Ends with "N passed, N failed, N skipped" and exits non-zero on a failure.
# With CI=true a skipped test fails the run, unless tests/skips-allowed
# names it (each with its reason, printed).
#
# Environment: FUZZ_SECONDS (per target, default 20), SKIP_DISTCHECK=1,
# JOBS (default 2), CI.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
JOBS=${JOBS:-2}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
passed=0 failed=0 skipped=0
logdir=$top/build/logs
mkdir -p "$logdir"

note() { printf '== %s\n' "$*"; }

# count LOGFILE: add automake's test-suite.log totals to ours
count() {
	p=$(sed -n 's/^# PASS: *//p' "$1" | head -n 1)
	x=$(sed -n 's/^# XFAIL: *//p' "$1" | head -n 1)
	s=$(sed -n 's/^# SKIP: *//p' "$1" | head -n 1)
	f=$(sed -n 's/^# FAIL: *//p' "$1" | head -n 1)
	xp=$(sed -n 's/^# XPASS: *//p' "$1" | head -n 1)
	e=$(sed -n 's/^# ERROR: *//p' "$1" | head -n 1)
	passed=$((passed + ${p:-0} + ${x:-0}))
	skipped=$((skipped + ${s:-0}))
	failed=$((failed + ${f:-0} + ${xp:-0} + ${e:-0}))
}

step_failed() { failed=$((failed + 1)); note "FAILED: $*"; }

# tap LOG: add the ok / not ok lines of a TAP stream to ours
tap() {
	passed=$((passed + $(grep -c '^ok ' "$1")))
	failed=$((failed + $(grep -c '^not ok ' "$1")))
	grep '^not ok ' "$1"
}

# skips LOG...: the tests that skipped in automake logs. A skip on a fresh
# machine protects nothing: under CI it fails unless tests/skips-allowed
# lists the test with its reason.
skips() {
	for t in $(sed -n 's/^SKIP: \([^ ]*\).*/\1/p' "$@" 2>/dev/null | sort -u); do
		why=$(awk -v t="$t" '!/^#/ && $1 == t { $1 = ""; sub(/^ /, ""); print }' tests/skips-allowed)
		if [ -n "$why" ]; then
			note "skipped, allowed by tests/skips-allowed: $t: $why"
		elif [ "${CI:-}" = true ]; then
			step_failed "$t skipped under CI and is not in tests/skips-allowed"
		fi
	done
}

# build DIR CONFIGURE-ARGS...: configure and build out of tree
build() {
	dir=$1; shift
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" "$@" >"$logdir/$(basename "$dir")-configure.log" 2>&1 &&
		make -j"$JOBS" >"$logdir/$(basename "$dir")-make.log" 2>&1)
}

note "dependencies"
sh scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

note "autoreconf"
autoreconf -fi >"$logdir/autoreconf.log" 2>&1 || { cat "$logdir/autoreconf.log"; echo "0 passed, 1 failed"; exit 1; }

note "build with -Werror, make check"
if build build/main --enable-werror; then
	(cd build/main && make -j"$JOBS" check >"$logdir/check.log" 2>&1)
	grep -E '^(FAIL|ERROR|XPASS|SKIP):' "$logdir/check.log"
	if [ -f build/main/test-suite.log ]; then count build/main/test-suite.log
	else step_failed "make check produced no test-suite.log"; tail -30 "$logdir/check.log"; fi
else
	step_failed "build"; tail -30 "$logdir/main-make.log" "$logdir/main-configure.log"
fi

note "unit tests under ASan and UBSan"
if build build/asan --enable-werror --enable-sanitizers; then
	(cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		make -j"$JOBS" check TESTS='$(UNIT_TESTS)' >"$logdir/asan-check.log" 2>&1)
	grep -E '^(FAIL|ERROR|XPASS):' "$logdir/asan-check.log"
	if [ -f build/asan/test-suite.log ]; then count build/asan/test-suite.log
	else step_failed "ASan make check"; tail -30 "$logdir/asan-check.log"; fi
	# the milter itself under ASan: the load, reload and swap scenario below
	bash scripts/tsan.sh build/asan >"$logdir/asan-load.log" 2>&1
	grep -E '^(PASS|FAIL) ' "$logdir/asan-load.log"
	passed=$((passed + $(grep -c '^PASS ' "$logdir/asan-load.log")))
	failed=$((failed + $(grep -c '^FAIL ' "$logdir/asan-load.log")))
	grep -q '^PASS \|^FAIL ' "$logdir/asan-load.log" || step_failed "tsan.sh on the ASan build printed nothing"
else
	step_failed "ASan build"; tail -30 "$logdir/asan-make.log"
fi

note "the milter under ThreadSanitizer: load, reloads, routing DB swaps, stop"
if build build/tsan --enable-werror --enable-tsan; then
	bash scripts/tsan.sh build/tsan >"$logdir/tsan.log" 2>&1
	grep -E '^(PASS|FAIL) ' "$logdir/tsan.log"
	passed=$((passed + $(grep -c '^PASS ' "$logdir/tsan.log")))
	failed=$((failed + $(grep -c '^FAIL ' "$logdir/tsan.log")))
	grep -q '^PASS \|^FAIL ' "$logdir/tsan.log" || step_failed "tsan.sh printed nothing"
else
	step_failed "TSan build"; tail -30 "$logdir/tsan-make.log"
fi

note "fuzz targets, ${FUZZ_SECONDS}s each"
if build build/fuzz CC=clang --enable-fuzzing; then
	if FUZZ_SECONDS=$FUZZ_SECONDS sh scripts/fuzz.sh build/fuzz >"$logdir/fuzz.log" 2>&1; then :; fi
	grep -E '^(PASS|FAIL|SKIP) ' "$logdir/fuzz.log"
	passed=$((passed + $(grep -c '^PASS ' "$logdir/fuzz.log")))
	failed=$((failed + $(grep -c '^FAIL ' "$logdir/fuzz.log")))
	n=$(grep -c '^SKIP ' "$logdir/fuzz.log")
	skipped=$((skipped + n))
	[ "$n" -eq 0 ] || [ "${CI:-}" != true ] || step_failed "fuzz targets skipped under CI"
else
	step_failed "fuzz build"; tail -30 "$logdir/fuzz-make.log"
fi

skips "$logdir/check.log" "$logdir/asan-check.log"

# The README's main-job command, exactly as printed there (the first
# indented line after "(a) The main job"), so the two cannot drift apart.
note "the main job, as the README prints it"
main_job=$(awk '/^\*\*\(a\) The main job\*\*/ { on = 1 }
	on && /^    [^ ]/ { sub(/^    /, ""); print; exit }' README.md)
if [ -z "$main_job" ]; then
	step_failed "no main-job command found in README.md under **(a) The main job**"
else
	note "$main_job"
	timeout 600 sh -c "$main_job" >"$logdir/demo.log" 2>&1
	sh tests/demo-check.sh "$logdir/demo.log" $? >"$logdir/demo-check.log" 2>&1
	tap "$logdir/demo-check.log"
fi

if [ -z "${SKIP_DISTCHECK:-}" ]; then
	note "make distcheck"
	if (cd build/main && make -j"$JOBS" distcheck >"$logdir/distcheck.log" 2>&1); then
		passed=$((passed + 1))
	else
		step_failed "make distcheck"; tail -30 "$logdir/distcheck.log"
	fi
fi

echo "logs: $logdir"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
