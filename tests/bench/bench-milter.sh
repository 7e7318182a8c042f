#!/bin/bash
# bench-milter.sh - meldpunt-milter side by side with Debian's OpenDKIM, in
# one run, same message, same keys (RSA-2048 + Ed25519 made now), same
# socket type; ratios first. Issue 7 item 2.
#
#  1. direct milter protocol (tests/bench/milter-load, 2 connections,
#     unix sockets): OpenDKIM RSA-only, OpenDKIM Ed25519-only, meldpunt
#     dual-signing, meldpunt's full intake path (N distinct signed reports,
#     see below); and over TCP (inet:) the same signers;
#  2. the ceiling: `openssl speed -multi 2 rsa2048 ed25519` (best of a run
#     before and after the direct runs), dual-sign rate 1/(1/rsa + 1/ed);
#  3. through a private Postfix (smtp-source -> Postfix -> smtp-sink, the
#     e2e harness): no milter, OpenDKIM RSA, OpenDKIM RSA then Ed25519
#     chained, meldpunt; over unix sockets and over TCP.
# Every signing configuration is checked: each message got the expected
# number of DKIM-Signature fields (load client -e; grep at the sink).
#
# The intake path: each run sends N distinct reports (ml_reports: ARF,
# X-ARF and XARF v4 from examples/, each about another address of a routed
# range, DKIM-signed by its reporter, keys in DNSZoneFile), so every one
# is authenticated (SPF + DKIM), parsed, routed, checked and recorded in
# the state DB (dedup on, RenotifyInterval 1d) and becomes a dual-signed
# notification: -e 2, and an ADDRCPT per message. MaxNoticesPerContact 0
# (no flood limit): a handful of sample contacts would otherwise be at
# their hourly limit after 20 notices. Every run, warm-up included, has
# reports of its own, never seen before.
# The table is printed and written into BENCHMARKS.md between markers.
#
# Environment (scale down for a quick look):
#   BENCH_N=2000          messages per direct run
#   BENCH_SECONDS=15      time cap per run
#   BENCH_REPEAT=2        direct runs per configuration (best one counts)
#   BENCH_INTAKE_N=$BENCH_N  distinct reports per intake run
#   BENCH_TCP_N=300       messages per direct TCP run
#   BENCH_POSTFIX_N=500   messages per Postfix run (0 skips Postfix)
#   BENCH_SPEED_SECONDS=3 seconds per openssl speed test (4 tests)
#   BENCH_OUT=$top_srcdir/BENCHMARKS.md
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
N=${BENCH_N:-2000}
SECS=${BENCH_SECONDS:-15}
REPEAT=${BENCH_REPEAT:-2}
TCP_N=${BENCH_TCP_N:-300}
PF_N=${BENCH_POSTFIX_N:-500}
SPEED_SECS=${BENCH_SPEED_SECONDS:-3}
OUT=${BENCH_OUT:-$top_srcdir/BENCHMARKS.md}
LOAD=$top_builddir/tests/bench/milter-load
NOTE=$top_srcdir/tests/bench/data/notification.eml
INTAKE_N=${BENCH_INTAKE_N:-$N}

. "$top_srcdir/tests/e2e/harness.sh"
. "$top_srcdir/tests/bench/milter-lib.sh"

why=$(h_can_run) || { echo "bench-milter: skipped: $why"; exit 0; }
command -v opendkim >/dev/null || { echo "bench-milter: skipped: no opendkim"; exit 0; }
[ -x "$LOAD" ] || { echo "bench-milter: no $LOAD: run make first"; exit 1; }
H_LIFETIME=1200
h_init || exit 1
trap 'ml_stop_all; h_stop' EXIT
ml_keys || exit 1
h_reporter_keys mailbox.example.com honeypot.example.com research.example.org || exit 1
R=$HD/results	# lines: key rate p50 p99 max check
: >"$R"

say() { printf '%s\n' "$*" >&2; }

# field NAME "RESULT ...": one value of the load client's RESULT line
field() { printf '%s\n' "$2" | sed -n "s/^RESULT.* $1=\([^ ]*\).*/\1/p"; }

# direct KEY SOCKET EXPECT COUNT FILE [load options]: best of $REPEAT
direct() {
	local key=$1 sock=$2 expect=$3 count=$4 file=$5 i out best="" rate brate=0 check=ok
	shift 5
	# warm-up; FILE may be a directory with subdirectories warm, 1, 2, ...
	# of distinct messages, one for each run
	"$LOAD" -s "$sock" -f "$(runfile "$file" warm)" -n 50 -c 2 -q "$@" >/dev/null 2>&1
	for i in $(seq 1 "$REPEAT"); do
		out=$("$LOAD" -s "$sock" -f "$(runfile "$file" "$i")" -n "$count" \
			-t "$SECS" -c 2 -e "$expect" -q "$@" 2>&1)
		[ $? -eq 0 ] || check="FAILED($(field errors "$out") errors, $(field expect_bad "$out") unsigned)"
		if [ -n "${MIN_ADDRCPT:-}" ] && [ "$(field addrcpt "$out")" -lt "$(field n "$out")" ]; then
			check="FAILED($(field addrcpt "$out") recipients added for $(field n "$out") messages)"
		fi
		rate=$(field rate "$out")
		if awk -v a="${rate:-0}" -v b="$brate" 'BEGIN { exit !(a > b) }'; then
			brate=$rate best=$out
		fi
	done
	[ -n "$best" ] || best=$out
	echo "$key ${brate} $(field p50_ms "$best") $(field p99_ms "$best") $(field max_ms "$best") $(field n "$best") $check" >>"$R"
	say "  $key: $brate msg/s, p50 $(field p50_ms "$best") ms, p99 $(field p99_ms "$best") ms ($check)"
}

runfile() { [ -d "$1/$2" ] && echo "$1/$2" || echo "$1"; }

get() { awk -v k="$1" -v c="${2:-2}" '$1 == k { print $c; exit }' "$R"; }

ratio() {	# ratio A B [percent]: A/B as 2.31x or 64 %
	awk -v a="${1:-}" -v b="${2:-}" -v pct="${3:-}" 'BEGIN {
		if (a == "" || b == "" || b + 0 == 0 || a == "n/a") { print "not available"; exit }
		if (pct) printf "%.0f %%\n", 100 * a / b; else printf "%.2f×\n", a / b }'
}

# ---- 2. the OpenSSL ceiling ---------------------------------------------
# OpenSSL 3.0 prints "rsa 2048 bits <sign s> <verify s> <sign/s> <verify/s>"
# and "253 bits EdDSA (Ed25519) ... <sign/s> <verify/s>"; take sign/s. The
# machine is shared, so the best of a run before and one after the direct
# runs counts (a ceiling measured low would flatter meldpunt).
speed() {
	openssl speed -multi 2 -seconds "$SPEED_SECS" rsa2048 ed25519 2>/dev/null |
		awk '/^rsa 2048 bits/ { r = $(NF-1) } /EdDSA \(Ed25519\)/ { e = $(NF-1) }
		END { print r + 0, e + 0 }'
}
max() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { print (a > b ? a : b) }'; }
ceiling() {
	local r e
	say "bench-milter: openssl speed -multi 2 -seconds $SPEED_SECS rsa2048 ed25519"
	read -r r e < <(speed)
	SP_RSA=$(max "$r" "${SP_RSA:-0}") SP_ED=$(max "$e" "${SP_ED:-0}")
	say "  RSA-2048 sign $r/s, Ed25519 sign $e/s (best so far $SP_RSA, $SP_ED)"
}

# ---- 1. direct protocol, unix sockets -----------------------------------
ceiling
say "bench-milter: direct milter protocol, unix sockets, 2 connections"
ml_opendkim_start rsa rsa-sha256 "unix:$HD/dkim-rsa.sock" || exit 1
ml_opendkim_start ed ed25519-sha256 "unix:$HD/dkim-ed.sock" || exit 1
ml_meldpunt_conf "$HD/m-unix.conf" "unix:$HD/m.sock"
ml_meldpunt_start unix "$HD/m-unix.conf" "unix:$HD/m.sock" || exit 1
# Is signing wired into this meldpunt-milter? One message tells.
if "$LOAD" -s "unix:$HD/m.sock" -f "$NOTE" -F noc@meldpunt.test -d ORIGINATING \
	-n 1 -c 1 -e 2 -q >/dev/null 2>&1; then
	MP_SIGNS=1
else
	MP_SIGNS=0
	say "  meldpunt-milter does not dual-sign here: its rows are marked not available"
fi
direct d-dkim-rsa "unix:$HD/dkim-rsa.sock" 1 "$N" "$NOTE" -F noc@meldpunt.test
direct d-dkim-ed "unix:$HD/dkim-ed.sock" 1 "$N" "$NOTE" -F noc@meldpunt.test
[ "$MP_SIGNS" = 1 ] && direct d-mp-dual "unix:$HD/m.sock" 2 "$N" "$NOTE" \
	-F noc@meldpunt.test -d ORIGINATING

# The full intake path: its own instance (no flood limit), fresh reports
# for the warm-up and for each run.
say "bench-milter: $((INTAKE_N * REPEAT + 50)) distinct signed reports for the intake path"
ml_reports "$HD/reports/warm" 0 50 || exit 1
for i in $(seq 1 "$REPEAT"); do
	ml_reports "$HD/reports/$i" $((50 + (i - 1) * INTAKE_N)) "$INTAKE_N" || exit 1
done
ml_meldpunt_conf "$HD/m-intake.conf" "unix:$HD/mi.sock" "MaxNoticesPerContact	0
RenotifyInterval	1d"
ml_meldpunt_start intake "$HD/m-intake.conf" "unix:$HD/mi.sock" || exit 1
[ "$MP_SIGNS" = 1 ] && MIN_ADDRCPT=1 direct d-mp-intake "unix:$HD/mi.sock" 2 \
	"$INTAKE_N" "$HD/reports" -r meldingen@meldpunt.test

# ---- 1b. direct protocol over TCP ---------------------------------------
say "bench-milter: direct milter protocol, TCP (inet:), 2 connections"
P_RSA=$(h_free_port); P_MP=$(h_free_port)
ml_opendkim_start rsa-tcp rsa-sha256 "inet:$P_RSA@127.0.0.1" || exit 1
ml_meldpunt_conf "$HD/m-inet.conf" "inet:$P_MP@127.0.0.1"
ml_meldpunt_start inet "$HD/m-inet.conf" "inet:$P_MP@127.0.0.1" || exit 1
direct t-dkim-rsa "inet:$P_RSA@127.0.0.1" 1 "$TCP_N" "$NOTE" -F noc@meldpunt.test
[ "$MP_SIGNS" = 1 ] && direct t-mp-dual "inet:$P_MP@127.0.0.1" 2 "$TCP_N" "$NOTE" \
	-F noc@meldpunt.test -d ORIGINATING

# ---- 2b. the ceiling again, after the direct runs -----------------------
ceiling
SP_DUAL=$(awk -v r="$SP_RSA" -v e="$SP_ED" \
	'BEGIN { if (r > 0 && e > 0) printf "%.1f\n", 1 / (1 / r + 1 / e) }')

# ---- 3. through Postfix -------------------------------------------------
pf_run() {	# pf_run KEY EXPECT MILTERS: N messages, rate until all delivered
	local key=$1 expect=$2 milters=$3 t0 t1 got sigs rate check=ok
	/usr/sbin/postconf -c "$HD/etc" -e "smtpd_milters = $milters" \
		"non_smtpd_milters = $milters"
	/usr/sbin/postfix -c "$HD/etc" reload >/dev/null 2>&1
	sleep 1
	pf_send 50 || return 1		# warm-up; new smtpd processes
	rm -f "$HD"/sink/*
	t0=$(date +%s.%N)
	pf_send "$PF_N" || check="FAILED(smtp-source)"
	t1=$(date +%s.%N)
	got=$(find "$HD/sink" -type f | wc -l)
	sigs=$(cat "$HD"/sink/* 2>/dev/null | grep -c '^DKIM-Signature:')
	[ "$got" -eq "$PF_N" ] || check="FAILED($got of $PF_N delivered)"
	[ "$sigs" -eq $((PF_N * expect)) ] || check="FAILED($sigs signatures, want $((PF_N * expect)))"
	rate=$(awk -v n="$got" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", n / (b - a) }')
	echo "$key $rate - - - $got $check" >>"$R"
	say "  $key: $rate msg/s end to end ($check)"
}

# pf_send COUNT: smtp-source into the submission service; wait for the sink
pf_send() {
	local n=$1 before
	before=$(find "$HD/sink" -type f | wc -l)
	timeout 300 /usr/sbin/smtp-source -s 8 -m "$n" -f noc@meldpunt.test \
		-t abuse@example.net -F "$NOTE" "127.0.0.1:$SUBMIT_PORT" >/dev/null 2>&1 || return 1
	_pf_all_in() { [ "$(find "$HD/sink" -type f | wc -l)" -ge "$1" ]; }
	h_wait_for 60 "$n messages at smtp-sink" _pf_all_in $((before + n))
}

if [ "$PF_N" -gt 0 ]; then
	say "bench-milter: through Postfix, $PF_N messages, 8 SMTP sessions"
	ml_opendkim_start ed-tcp ed25519-sha256 "inet:$(h_free_port)@127.0.0.1" || exit 1
	P_ED=$(sed -n 's/^Socket.*inet:\([0-9]*\)@.*/\1/p' "$HD/opendkim-ed-tcp.conf")
	h_start_postfix || exit 1
	pf_run p-none 0 ""
	pf_run p-dkim-rsa 1 "unix:$HD/dkim-rsa.sock"
	pf_run p-dkim-chain 2 "unix:$HD/dkim-rsa.sock, unix:$HD/dkim-ed.sock"
	[ "$MP_SIGNS" = 1 ] && pf_run p-mp 2 "unix:$HD/m.sock"
	pf_run pt-dkim-rsa 1 "inet:127.0.0.1:$P_RSA"
	pf_run pt-dkim-chain 2 "inet:127.0.0.1:$P_RSA, inet:127.0.0.1:$P_ED"
	[ "$MP_SIGNS" = 1 ] && pf_run pt-mp 2 "inet:127.0.0.1:$P_MP"
fi

# ---- the table ----------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
machine="$(nproc) CPUs ($cpu), Linux $(uname -r), $(openssl version | cut -d' ' -f1-2), \
OpenDKIM $(opendkim -V | sed -n 's/.*Filter v//p'), Postfix $(/usr/sbin/postconf -d -h mail_version 2>/dev/null)"
na() { [ "$MP_SIGNS" = 1 ] && echo "$1" || echo "not available (meldpunt-milter does not sign yet)"; }
row() {	# row KEY LABEL
	local k=$1
	if grep -q "^$k " "$R"; then
		awk -v k="$k" -v l="$2" '$1 == k { printf "| %s | %s | %s | %s | %s | %s | %s |\n", l, $2, $3, $4, $5, $6, $7 }' "$R"
	else
		echo "| $2 | not available | | | | | |"
	fi
}
{
	echo "<!-- bench-milter begin: written by tests/bench/bench-milter.sh -->"
	echo "## bench-milter: meldpunt-milter vs OpenDKIM (make bench-milter)"
	echo
	echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $machine."
	echo "Same message ($(basename "$NOTE"), $(wc -c <"$NOTE") bytes), same keys (RSA-2048 +"
	echo "Ed25519 made for this run), same socket type per comparison. Direct runs:"
	echo "tests/bench/milter-load, 2 connections, 10 messages a connection, best of $REPEAT,"
	echo "N=$N (TCP: $TCP_N), at most ${SECS} s. Postfix runs: smtp-source, 8 sessions,"
	echo "$PF_N messages, rate until the last one is at smtp-sink. Absolute figures on a"
	echo "shared machine are noise; read the ratios."
	echo
	echo "| ratio | value | target |"
	echo "|---|---|---|"
	echo "| direct, unix: meldpunt dual-sign / OpenDKIM RSA-only | $(na "$(ratio "$(get d-mp-dual)" "$(get d-dkim-rsa)")") | ≥ 2× |"
	echo "| direct, unix: meldpunt dual-sign / dual-sign ceiling (openssl speed -multi 2) | $(na "$(ratio "$(get d-mp-dual)" "$SP_DUAL" pct)") | ≥ 40 % |"
	echo "| direct, unix: OpenDKIM Ed25519-only / OpenDKIM RSA-only | $(ratio "$(get d-dkim-ed)" "$(get d-dkim-rsa)") | |"
	echo "| direct, unix: meldpunt full intake path / OpenDKIM RSA-only | $(na "$(ratio "$(get d-mp-intake)" "$(get d-dkim-rsa)")") ($INTAKE_N distinct signed reports a run, dedup on, no flood limit) | ≥ 1× |"
	echo "| direct, TCP: meldpunt dual-sign / OpenDKIM RSA-only | $(na "$(ratio "$(get t-mp-dual)" "$(get t-dkim-rsa)")") | |"
	if [ "$PF_N" -gt 0 ]; then
		echo "| Postfix, unix: meldpunt dual-sign / chained OpenDKIM pair | $(na "$(ratio "$(get p-mp)" "$(get p-dkim-chain)")") | ≥ 1.3× |"
		echo "| Postfix, TCP: meldpunt dual-sign / OpenDKIM RSA-only | $(na "$(ratio "$(get pt-mp)" "$(get pt-dkim-rsa)")") | ≥ 2.5× |"
		echo "| Postfix, unix: OpenDKIM RSA-only / no milter | $(ratio "$(get p-dkim-rsa)" "$(get p-none)") | |"
	fi
	echo
	echo "| configuration | msg/s | p50 ms | p99 ms | max ms | messages | signatures |"
	echo "|---|---|---|---|---|---|---|"
	row d-dkim-rsa "direct, unix: OpenDKIM RSA-2048"
	row d-dkim-ed "direct, unix: OpenDKIM Ed25519"
	row d-mp-dual "direct, unix: meldpunt RSA-2048 + Ed25519"
	row d-mp-intake "direct, unix: meldpunt full intake: SPF+DKIM, parse, route, dedup, render, dual-sign (distinct ARF/X-ARF/XARF v4 reports)"
	row t-dkim-rsa "direct, TCP: OpenDKIM RSA-2048"
	row t-mp-dual "direct, TCP: meldpunt RSA-2048 + Ed25519"
	echo "| ceiling: openssl speed -multi 2 -seconds $SPEED_SECS, RSA-2048 sign | ${SP_RSA:-?} | | | | | |"
	echo "| ceiling: openssl speed -multi 2, Ed25519 sign | ${SP_ED:-?} | | | | | |"
	echo "| ceiling: dual sign, 1/(1/rsa + 1/ed) | ${SP_DUAL:-?} | | | | | |"
	if [ "$PF_N" -gt 0 ]; then
		row p-none "Postfix: no milter"
		row p-dkim-rsa "Postfix, unix: OpenDKIM RSA"
		row p-dkim-chain "Postfix, unix: OpenDKIM RSA then OpenDKIM Ed25519"
		row p-mp "Postfix, unix: meldpunt dual-sign"
		row pt-dkim-rsa "Postfix, TCP: OpenDKIM RSA"
		row pt-dkim-chain "Postfix, TCP: OpenDKIM RSA then OpenDKIM Ed25519"
		row pt-mp "Postfix, TCP: meldpunt dual-sign"
	fi
	echo "<!-- bench-milter end -->"
} >"$HD/table.md"
cat "$HD/table.md"

# Replace our section of BENCHMARKS.md (other benches may own others).
if [ -f "$OUT" ] && grep -q '^<!-- bench-milter begin' "$OUT"; then
	awk -v t="$HD/table.md" '
		/^<!-- bench-milter begin/ { while ((getline l < t) > 0) print l; skip = 1; next }
		/^<!-- bench-milter end/ { skip = 0; next }
		!skip' "$OUT" >"$HD/out.md" && cat "$HD/out.md" >"$OUT"
else
	{ [ -s "$OUT" ] || printf '# Benchmarks\n\n'; cat "$HD/table.md"; } >>"$OUT"
fi
echo "bench-milter: written to $OUT" >&2
! grep -q FAILED "$R"
