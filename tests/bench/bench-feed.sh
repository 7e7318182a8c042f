#!/bin/bash
# bench-feed.sh - make bench-feed: list reports of 1k, 10k and 100k rows
# (tests/feed-gen.py, zipped scan_ntp, Shadowserver's columns) against
# issue 14's targets, every figure beside a baseline from the same run.
#
#  1. in process (tests/bench/bench-feed): the baseline (unzip + CSV
#     parse alone, libzip + libcsv counting fields), the split alone
#     (mp_feed_parse_shadowserver) and the intake path as the milter runs
#     it at end of message (mp_eom_decide: MIME, split, route, dedup,
#     record, one sync; a fresh state DB per run; best of the runs within
#     BENCH_SECONDS), then the same report again as duplicates;
#  2. in the milter process: meldpunt-milter started on a fresh state DB
#     for each report, sent a first message (not a report: it opens the
#     state DB), then the report once over its unix socket by
#     tests/bench/milter-load (connect, MAIL, RCPT, headers, the body in
#     64 KiB chunks, end of body, the reply): the time from MAIL to the
#     final reply (the milter's share of the SMTP transaction, body
#     transfer included) and the growth of the milter's RSS while it ran
#     (VmHWM after, reset just before, minus VmRSS before);
#  3. the targets, each with its figure.
#
# Environment: BENCH_SECONDS (default 4) per in-process figure.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
SECS=${BENCH_SECONDS:-4}
D=$top_builddir/tests/bench/feed-data
BENCH=$top_builddir/tests/bench/bench-feed
LOAD=$top_builddir/tests/bench/milter-load
MILTER=$top_builddir/milter/meldpunt-milter
ROUTE=$top_builddir/tools/meldpunt-route
SIZES="1000 10000 100000"
MPID=""

die() { echo "bench-feed: $*" >&2; exit 1; }
stop_milter() {
	[ -n "$MPID" ] || return 0
	kill -TERM "$MPID" 2>/dev/null
	# libmilter looks at its stop flag every 5 s or so
	for _ in $(seq 1 200); do
		kill -0 "$MPID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$MPID" 2>/dev/null && kill -KILL "$MPID" 2>/dev/null
	wait "$MPID" 2>/dev/null
	MPID=""
}
trap stop_milter EXIT

for p in "$BENCH" "$LOAD" "$MILTER" "$ROUTE"; do
	[ -x "$p" ] || die "no $p: run make first"
done
mkdir -p "$D" || die "cannot make $D"
D=$(cd "$D" && pwd)
files=""
for n in $SIZES; do
	f=$("$top_srcdir/tests/feed-gen.py" --type scan_ntp --rows "$n" --zip \
	    --mail --date "2024-01-0${#n}" --out "$D") || die "feed-gen.py"
	files="$files ${f%.eml}"
done
printf 'organisation a\n    contact noc@a.example\n    language nl\n    network 10.0.0.0/17\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n' \
    'organisation b' '    contact abuse@b.example' '    language en' '    network 10.0.128.0/17' \
    'organisation c' '    contact cert@c.example' '    language en' '    network 10.1.0.0/17' \
    >"$D/routes.conf"
"$ROUTE" compile -o "$D/routes.db" "$D/routes.conf" >/dev/null || die "routes"
: >"$D/dns.zone"
printf '%s\n' 'IntakeAddress abuse@meldpunt.test' "RoutingDB $D/routes.db" \
    "TemplateDirectory $top_srcdir/templates" "StateDB $D/state.db" \
    'Identity meldpunt@meldpunt.test Meldpunt Bench' 'UnknownReporters accept' \
    "DNSZoneFile $D/dns.zone" 'ArchiveAddress archive@meldpunt.test' \
    'MaximumMessageSize 64M' >"$D/meldpunt.conf"

echo "== 1. in process: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
"$BENCH" "$SECS" -i "$D/meldpunt.conf" $files | tee "$D/inproc.out" ||
	die "bench-feed failed"

echo
echo "== 2. in the milter process (meldpunt-milter, unix socket, one message, fresh state DB)"
{ cat "$D/meldpunt.conf"; printf '%s\n' "Socket unix:$D/milter.sock" \
    'Umask 000' 'Syslog no'; } >"$D/milter.conf"
printf '%-8s %18s %14s %12s  %s\n' rows "MAIL->reply (s)" "RSS +MB" \
    "RSS before" outcome
: >"$D/milter.out"
mapfile -t nrows < <(sed -n 's/^RESULT rows=\([0-9]*\).*/\1/p' "$D/inproc.out")
i=0
for f in $files; do
	rows=${nrows[$i]}; i=$((i + 1))
	rm -f "$D/state.db" "$D/milter.sock"
	"$MILTER" -f -c "$D/milter.conf" >>"$D/milter.log" 2>&1 &
	MPID=$!
	for _ in $(seq 1 100); do
		[ -S "$D/milter.sock" ] && break
		sleep 0.05
	done
	[ -S "$D/milter.sock" ] || die "meldpunt-milter did not start (see $D/milter.log)"
	# a running milter: one message first (not a report), so the state
	# DB is open and the libraries are set up, as they are after start
	"$LOAD" -s "unix:$D/milter.sock" -f "$top_srcdir/tests/e2e/data/plain.eml" \
	    -r abuse@meldpunt.test -n 1 -c 1 -q >/dev/null ||
		die "milter-load: the first message failed"
	rss0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$MPID/status")
	echo 5 >"/proc/$MPID/clear_refs"	# VmHWM = VmRSS
	out=$("$LOAD" -s "unix:$D/milter.sock" -f "$f.eml" -F \
	    autoreports@shadowserver.org -r abuse@meldpunt.test -n 1 -c 1 \
	    -T 120 -E X-Meldpunt-Outcome -e 1 -q) || die "milter-load: $out"
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$MPID/status")
	stop_milter
	ms=$(printf '%s\n' "$out" | sed -n 's/^RESULT.* max_ms=\([^ ]*\).*/\1/p')
	outcome=$(grep -o 'outcome=[a-z:-]*' "$D/milter.log" | tail -n 1)
	awk -v r="$rows" -v ms="$ms" -v h="$hwm" -v r0="$rss0" -v o="$outcome" \
	    -v out="$D/milter.out" 'BEGIN {
		printf "%-8s %18.3f %14.1f %9.1f MB  %s\n", r, ms / 1000, (h - r0) / 1024, r0 / 1024, o
		printf "MILTER rows=%s s=%.4f rss_mb=%.1f\n", r, ms / 1000, (h - r0) / 1024 >>out
	}'
done

echo
echo "== 3. issue 14's targets (100,000 rows unless said otherwise)"
awk '
function v(line, key,   i, n, a, kv) {
	n = split(line, a, " ")
	for (i = 2; i <= n; i++) { split(a[i], kv, "="); if (kv[1] == key) return kv[2] + 0 }
	return -1
}
/^RESULT / { r = v($0, "rows"); res[r] = $0; order[++n] = r; if (first == "") first = r; last = r }
/^MILTER / { r = v($0, "rows"); mil[r] = $0 }
END {
	L = res[last]; F = res[first]
	row("split + route + dedup + record, rows/s (one core)", sprintf("%.0f", 1e9 / v(L, "path_ns")), ">= 100000", 1e9 / v(L, "path_ns") >= 100000)
	row("whole path / baseline (unzip + CSV parse), same run", sprintf("%.2fx", v(L, "path_ns") / v(L, "base_ns")), "<= 3x", v(L, "path_ns") / v(L, "base_ns") <= 3)
	row("split alone / baseline", sprintf("%.2fx", v(L, "split_ns") / v(L, "base_ns")), "", -1)
	for (k = 1; k < n; k++) if ((r = order[k]) != last)
		row(sprintf("whole path / baseline, %d rows", r), sprintf("%.2fx", v(res[r], "path_ns") / v(res[r], "base_ns")), "<= 3x", v(res[r], "path_ns") / v(res[r], "base_ns") <= 3)
	row("time inside the SMTP transaction (milter, MAIL to reply)", sprintf("%.3f s", v(mil[last], "s")), "< 2 s", v(mil[last], "s") < 2)
	row("  in process (mp_eom_decide alone)", sprintf("%.3f s", v(L, "path_s")), "", -1)
	row("RSS growth of the milter process", sprintf("%.1f MB", v(mil[last], "rss_mb")), "< 64 MB", v(mil[last], "rss_mb") < 64)
	row("  in process (peak while deciding)", sprintf("%.1f MB", v(L, "rss_mb")), "", -1)
	row(sprintf("cost per row, %d -> %d rows (whole path)", first, last), sprintf("%+.1f%%", 100 * (v(L, "path_ns") / v(F, "path_ns") - 1)), "< +20%", v(L, "path_ns") / v(F, "path_ns") < 1.2)
	row(sprintf("  baseline, %d -> %d rows", first, last), sprintf("%+.1f%%", 100 * (v(L, "base_ns") / v(F, "base_ns") - 1)), "", -1)
	row("the same rows again (all duplicates), s per message", sprintf("%.3f s", v(L, "again_s")), "", -1)
}
function row(name, val, target, met) {
	printf "%-60s %12s  %-10s %s\n", name, val, target, met < 0 ? "" : met ? "met" : "NOT MET"
}' "$D/inproc.out" "$D/milter.out"
