#!/bin/bash
# profile-milter.sh - CPU per message of meldpunt-milter, in instructions
# (valgrind --tool=callgrind: repeatable, unlike time on a shared machine),
# for (a) outbound dual-signing and (b) the full intake path; the top
# costs are written into BENCHMARKS.md between markers. Issue 7 item 2.
#
# The milter runs under callgrind with instrumentation off; after it is up
# and has had a warm-up (keys, routing DB, templates, state DB opened,
# first-use costs paid), `callgrind_control -i on` starts counting, the
# load client (tests/bench/milter-load, unix socket, 2 connections) sends
# a bounded number of messages, and `callgrind_control -d` dumps. So the
# figures are instructions of the milter process per message: libmilter,
# meldpunt, GMime, OpenSSL, GDBM, libc, everything but the load client.
#
# Environment:
#   PROFILE_N=200        messages per profile
#   PROFILE_TOP=15       functions per table
#   PROFILE_OUT=$top_srcdir/BENCHMARKS.md  ("-" prints only)
#   PROFILE_KEEP=DIR     keep the callgrind files there
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
PN=${PROFILE_N:-200}
TOP=${PROFILE_TOP:-15}
OUT=${PROFILE_OUT:-$top_srcdir/BENCHMARKS.md}
LOAD=$top_builddir/tests/bench/milter-load
NOTE=$top_srcdir/tests/bench/data/notification.eml

. "$top_srcdir/tests/e2e/harness.sh"
. "$top_srcdir/tests/bench/milter-lib.sh"

[ -x "$MILTER_BIN" ] || { echo "profile-milter: no $MILTER_BIN: run make first"; exit 1; }
[ -x "$LOAD" ] || { echo "profile-milter: no $LOAD: run make first"; exit 1; }
for t in valgrind callgrind_control callgrind_annotate; do
	command -v $t >/dev/null || { echo "profile-milter: skipped: no $t"; exit 0; }
done
H_LIFETIME=900
h_init || exit 1
CG_PIDS=""
stop_cg() {
	local pid
	for pid in $CG_PIDS; do kill -TERM "$pid" 2>/dev/null; done
	for pid in $CG_PIDS; do _h_wait_gone "$pid"; done
	CG_PIDS=""
}
trap 'stop_cg; h_stop' EXIT
ml_keys || exit 1
h_reporter_keys mailbox.example.com honeypot.example.com research.example.org || exit 1

say() { printf '%s\n' "$*" >&2; }
field() { printf '%s\n' "$2" | sed -n "s/^RESULT.* $1=\([^ ]*\).*/\1/p"; }

# profile NAME CONF SOCKET EXPECT WARM-FILE RUN-FILE [load options]:
# callgrind output in $HD/cg-NAME.out, the message count in $HD/cg-NAME.n
profile() {
	local name=$1 conf=$2 sock=$3 expect=$4 warm=$5 run=$6 pid out n
	shift 6
	rm -f "${sock#unix:}"
	valgrind --tool=callgrind --instr-atstart=no \
		--callgrind-out-file="$HD/cg-$name.out" \
		"$MILTER_BIN" -f -c "$conf" >>"$HD/log/cg-$name.log" 2>&1 &
	pid=$!
	CG_PIDS="$CG_PIDS $pid"
	for _ in $(seq 1 600); do [ -S "${sock#unix:}" ] && break; sleep 0.1; done
	[ -S "${sock#unix:}" ] || { say "profile-milter: $name did not start"; cat "$HD/log/cg-$name.log" >&2; return 1; }
	"$LOAD" -s "$sock" -f "$warm" -n 20 -c 2 -T 120 -q "$@" >/dev/null 2>&1
	callgrind_control -z "$pid" >/dev/null 2>&1
	callgrind_control -i on "$pid" >/dev/null || { say "callgrind_control failed"; return 1; }
	out=$("$LOAD" -s "$sock" -f "$run" -n "$PN" -t 600 -c 2 -T 120 -e "$expect" -q "$@" 2>&1)
	rc=$?
	callgrind_control -i off "$pid" >/dev/null
	callgrind_control -d "$pid" >/dev/null
	n=$(field n "$out")
	say "  $name: $n messages, $(field expect_bad "$out") without $expect signatures, rc $rc"
	[ "$rc" -eq 0 ] || { say "  $out"; return 1; }
	echo "$n" >"$HD/cg-$name.n"
	kill -TERM "$pid"
	_h_wait_gone "$pid"
	CG_PIDS=""
}

say "profile-milter: meldpunt-milter under callgrind, $PN messages each"
ml_meldpunt_conf "$HD/m-sign.conf" "unix:$HD/ms.sock"
profile sign "$HD/m-sign.conf" "unix:$HD/ms.sock" 2 "$NOTE" "$NOTE" \
	-F noc@meldpunt.test -d ORIGINATING || exit 1
ml_reports "$HD/reports/warm" 0 20 || exit 1
ml_reports "$HD/reports/run" 20 "$PN" || exit 1
ml_meldpunt_conf "$HD/m-intake.conf" "unix:$HD/mi.sock" "MaxNoticesPerContact	0
RenotifyInterval	1d"
profile intake "$HD/m-intake.conf" "unix:$HD/mi.sock" 2 "$HD/reports/warm" \
	"$HD/reports/run" -r meldingen@meldpunt.test || exit 1
[ -n "${PROFILE_KEEP:-}" ] && mkdir -p "$PROFILE_KEEP" && cp "$HD"/cg-*.out* "$PROFILE_KEEP"/

# The dump of callgrind_control -d is cg-NAME.out.1 (the final one on exit
# would hold nothing: instrumentation was off).
dumpfile() { ls "$HD/cg-$1.out".* 2>/dev/null | head -n 1; }

# fn_name: "file:function [object]" -> "function (file)" or, without
# symbols, "address (object)"
FN_AWK='
function fname(line,   fn, obj, file, f) {
	fn = line; sub(/^ *[0-9,]+ *(\([^)]*\))? */, "", fn)
	obj = ""
	if (match(fn, / \[[^]]*\]$/)) {
		obj = substr(fn, RSTART + 2, RLENGTH - 3); sub(/.*\//, "", obj)
		fn = substr(fn, 1, RSTART - 1)
	}
	if (match(fn, /:[^:\/]+$/)) {
		file = substr(fn, 1, RSTART - 1); f = substr(fn, RSTART + 1)
		sub(/.*\//, "", file)
		if (file == "???") file = obj
		sub(/\.part\.[0-9]+$|\.isra\.[0-9]+$|\.constprop\.[0-9]+$/, "", f)
		sub(/^0x0*/, "0x", f)
		fn = f " (" file ")"
	}
	return fn
}
function cost(line,   c) { c = line; sub(/^ */, "", c); sub(/ .*/, "", c); gsub(",", "", c); return c }
'

# table NAME TITLE: self costs, and the stages of a message inclusive
table() {
	local f n total
	f=$(dumpfile "$1"); n=$(cat "$HD/cg-$1.n")
	callgrind_annotate --threshold=100 "$f" >"$HD/self-$1.txt" 2>/dev/null
	callgrind_annotate --inclusive=yes --threshold=100 "$f" >"$HD/incl-$1.txt" 2>/dev/null
	total=$(sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' "$HD/self-$1.txt" | tr -d ,)
	echo "### $2"
	echo
	echo "$n messages: $(awk -v t="$total" -v n="$n" 'BEGIN { printf "%.2f M", t / n / 1e6 }') instructions a message in the milter process."
	echo
	echo "| function (self; object when it has no symbols) | % of instructions | instructions a message |"
	echo "|---|---|---|"
	awk -v n="$n" -v t="$total" -v top="$TOP" "$FN_AWK"'
		/^ *[0-9,]+ .*[^ ]:[^ ]/ && !/PROGRAM TOTALS/ && k < top {
			printf "| %s | %.1f %% | %.0f |\n", fname($0), 100 * cost($0) / t, cost($0) / n
			k++
		}' "$HD/self-$1.txt"
	echo
	echo "| stage (inclusive) | % of instructions | instructions a message |"
	echo "|---|---|---|"
	awk -v n="$n" -v t="$total" "$FN_AWK"'
		BEGIN {
			split("mp_eom_decide mp_verify_message mp_spf_check mp_report_parse_buffer " \
			    "mp_route_lookup mp_seen_check_and_record mp_notify_render " \
			    "mp_plan_delete_headers mp_sign_message EVP_PKEY_sign " \
			    "mp_apply mp_env_header mp_env_body worker", want, " ")
			for (i in want) w[want[i]] = i
		}
		/^ *[0-9,]+ .*[^ ]:[^ ]/ && !/PROGRAM TOTALS/ {
			f = fname($0); name = f; sub(/ .*/, "", name)
			if (name == "worker" && f != "worker (spf.c)") next
			if ((name in w) && !(name in seen)) { seen[name] = 1; row[w[name]] = f; c[w[name]] = cost($0) }
		}
		END {
			for (i = 1; i <= length(want); i++)
				if (i in row)
					printf "| %s | %.1f %% | %.0f |\n", row[i], 100 * c[i] / t, c[i] / n
		}' "$HD/incl-$1.txt"
	echo
}

{
	echo "<!-- profile-milter begin: written by tests/bench/profile-milter.sh -->"
	echo "## profile-milter: instructions per message (make profile-milter)"
	echo
	echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), valgrind $(valgrind --version | sed 's/valgrind-//'),"
	echo "$(openssl version | cut -d' ' -f1-2). meldpunt-milter under callgrind, counted after a"
	echo "warm-up of 20 messages, driven by tests/bench/milter-load over a unix socket"
	echo "(2 connections). Instructions are of the milter process only: libmilter,"
	echo "meldpunt, GMime, OpenSSL, GDBM, libc. Self = the function's own"
	echo "instructions; inclusive = with everything it calls. The RSA-2048"
	echo "signature (EVP_PKEY_sign) is OpenSSL's and the floor; the rest is the"
	echo "room meldpunt has. Addresses in libcrypto.so.3 (no symbols in Debian's"
	echo "build) are, by the inclusive tree, RSA's modular exponentiation under"
	echo "EVP_PKEY_sign and Ed25519's field arithmetic. worker (spf.c) is the SPF"
	echo "check's own thread (mp_spf_check waits for it)."
	echo
	table sign "(a) outbound dual-signing (RSA-2048 + Ed25519), $(basename "$NOTE")"
	table intake "(b) full intake path: SPF+DKIM, parse, route, dedup, render, dual-sign (distinct signed ARF/X-ARF/XARF v4 reports)"
	echo "<!-- profile-milter end -->"
} >"$HD/profile.md"
cat "$HD/profile.md"

[ "$OUT" = "-" ] && exit 0
if [ -f "$OUT" ] && grep -q '^<!-- profile-milter begin' "$OUT"; then
	awk -v t="$HD/profile.md" '
		/^<!-- profile-milter begin/ { while ((getline l < t) > 0) print l; skip = 1; next }
		/^<!-- profile-milter end/ { skip = 0; next }
		!skip' "$OUT" >"$HD/out.md" && cat "$HD/out.md" >"$OUT"
else
	{ [ -s "$OUT" ] || printf '# Benchmarks\n\n'; echo; cat "$HD/profile.md"; } >>"$OUT"
fi
echo "profile-milter: written to $OUT" >&2
