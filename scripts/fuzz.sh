#!/bin/sh
# Run every libFuzzer target built in BUILDDIR for FUZZ_SECONDS each, seeded
# from the directories listed in tests/fuzz/NAME.seeds. Prints one line per
# target: "PASS fuzz-NAME (runs, seconds)" or "FAIL fuzz-NAME: why".
# A crash leaves its input in BUILDDIR/tests/fuzz/crash-NAME-*; make it a
# regression case in tests/fuzz/regress/NAME/.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bdir=$(cd "${1:-$top/build/fuzz}" && pwd)
secs=${FUZZ_SECONDS:-20}
status=0
found=0
for bin in "$bdir"/tests/fuzz/fuzz-*; do
	[ -x "$bin" ] || continue
	case $bin in *.o|*.c) continue;; esac
	found=1
	name=$(basename "$bin"); short=${name#fuzz-}
	work=$(mktemp -d)
	seeds=""
	if [ -f "$top/tests/fuzz/$short.seeds" ]; then
		while IFS= read -r d; do
			case $d in ''|'#'*) continue;; esac
			[ -d "$top/$d" ] && seeds="$seeds $top/$d"
		done <"$top/tests/fuzz/$short.seeds"
	fi
	[ -d "$top/tests/fuzz/regress/$short" ] && seeds="$seeds $top/tests/fuzz/regress/$short"
	# shellcheck disable=SC2086
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$bdir/tests/fuzz/crash-$short-" "$work" $seeds \
		>"$bdir/tests/fuzz/$short.log" 2>&1; then
		runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$bdir/tests/fuzz/$short.log")
		echo "PASS $name (${runs:-?} runs, ${secs}s)"
	else
		echo "FAIL $name: see $bdir/tests/fuzz/$short.log"
		tail -20 "$bdir/tests/fuzz/$short.log"
		status=1
	fi
	rm -rf "$work"
done
[ "$found" -eq 1 ] || echo "SKIP no fuzz targets built in $bdir"
exit $status
