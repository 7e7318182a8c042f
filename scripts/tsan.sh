#!/bin/bash
# tsan.sh BUILDDIR: meldpunt-milter built with a sanitizer (configure
# --enable-tsan, or --enable-sanitizers for ASan+UBSan) under load, with
# reloads and routing-DB swaps, then stopped; no MTA: the milter protocol
# through tests/bench/milter-load. Issue 10, item 6.
#
#   load:   SAN_SECONDS (default 20) of two clients at once: 3 connections
#           of intake reports (distinct ARF / X-ARF / XARF v4 reports,
#           DKIM-signed by their reporters, keys in DNSZoneFile: SPF, DKIM,
#           parse, route, state DB, dual-signed notification) and 2 of
#           outbound messages from the submission service (dual-signed);
#           meanwhile, every 3.5 s, two SIGUSR1 0.7 s apart, then the
#           routing DB recompiled and renamed into place (two versions
#           naming other contacts) and 2 s quiet, so the reload thread
#           picks the new file up by itself.
#   stop:   SIGTERM: exit status 0 and the pid file removed.
#   report: no sanitizer report with a frame of meldpunt's code (lib/,
#           milter/, tests/). tests/tsan.supp silences libraries only, each
#           entry says why; any other library-only report is listed, not
#           failed. (The sanitizers' own exit codes are off: the exit status
#           is the milter's, the reports are judged from their logs.)
#
# Prints one line per check, "PASS SAN-NAME (numbers)" or "FAIL SAN-NAME:
# why" (SAN is tsan or asan), 4 lines when all goes well; exits non-zero on
# a FAIL. Bounded: about 60 s under TSan on 2 cores, every wait limited.
# The helpers it needs are built in BUILDDIR first (make targets).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bdir=$(cd "${1:-$top/build/tsan}" 2>/dev/null && pwd) || { echo "FAIL tsan: no build directory ${1:-$top/build/tsan}"; exit 1; }
SECS=${SAN_SECONDS:-20}
export top_srcdir=$top top_builddir=$bdir
status=0
say() { printf '%s\n' "$*"; }
fail() { say "FAIL $SAN-$1: $2"; status=1; }

BIN=$bdir/milter/meldpunt-milter
LOAD=$bdir/tests/bench/milter-load
ROUTE=$bdir/tools/meldpunt-route
make -C "$bdir" milter/meldpunt-milter tests/bench/milter-load \
	tools/meldpunt-route tests/unit/mp-sign-tool >"$bdir/tsan-make.log" 2>&1 ||
	{ say "FAIL tsan-build: see $bdir/tsan-make.log"; exit 1; }
if nm "$BIN" | grep -q '__tsan_init'; then SAN=tsan
elif nm "$BIN" | grep -q '__asan_init'; then SAN=asan
else say "FAIL tsan: $BIN is built without a sanitizer (configure --enable-tsan)"; exit 1
fi

# 1. milter/tcpsock.c replaces read/accept/close for the whole process; in a
#    sanitizer build its wrappers must go on to the runtime's interceptors:
#    defined in the program (clang's static runtime), or bound at load time
#    to the runtime library (GCC's libtsan/libasan). TSan intercepts all
#    three; ASan has no close interceptor (nothing to check), so close goes
#    to libc there. A runtime that renamed them would fail this check.
case $SAN in tsan) want="read accept close" ;; *) want="read accept" ;; esac
#    Static runtime: tcpsock's object refers to the name, the program
#    defines it. Shared runtime: the dynamic linker binds the program's
#    reference to the runtime library.
rtlib=$(ldd "$BIN" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*lib[at]san[^ ]*\) .*/\1/p' | head -n 1)
tcpo=$(ls "$bdir"/milter/*tcpsock.o 2>/dev/null | head -n 1)
seen="" missing=""
for f in $want; do
	if { [ -n "$tcpo" ] && nm "$tcpo" | grep -Eq " [wU] __interceptor_$f\$" &&
		nm "$BIN" | grep -Eq " T __interceptor_$f\$"; } ||
		{ [ -n "$rtlib" ] && LD_DEBUG=bindings "$BIN" -V 2>&1 >/dev/null |
			grep -Eq "binding file $BIN .* to $rtlib .*symbol \`__interceptor_$f'"; }; then
		seen="$seen $f"
	else
		missing="$missing $f"
	fi
done
if [ -z "$missing" ]; then
	say "PASS $SAN-interceptors (tcpsock.c wrappers call the $SAN runtime interceptors for$seen)"
else
	fail interceptors "tcpsock.c wrappers do not reach the $SAN interceptors for$missing"
fi

# 2. the scenario
. "$top/tests/e2e/harness.sh"
. "$top/tests/bench/milter-lib.sh"
H_LIFETIME=600
h_init 2>/dev/null
trap 'ml_stop_all; h_stop' EXIT
SLOG=$HD/log/san
# GSlice's per-thread free lists would hide allocations from the sanitizer
export G_SLICE=always-malloc
export TSAN_OPTIONS="log_path=$SLOG halt_on_error=0 exitcode=0 second_deadlock_stack=1 print_suppressions=1 suppressions=$top/tests/tsan.supp"
export ASAN_OPTIONS="log_path=$SLOG detect_leaks=1 abort_on_error=0 exitcode=0"
export UBSAN_OPTIONS="log_path=$SLOG print_stacktrace=1"
export LSAN_OPTIONS="print_suppressions=1"
MILTER_BIN=$BIN
CONF=$HD/meldpunt.conf
PIDFILE=$HD/run/meldpunt-milter.pid
mkdir -p "$HD/run"
t0=$(date +%s)
{ ml_keys && h_reporter_keys mailbox.example.com honeypot.example.com research.example.org &&
	ml_reports "$HD/reports" 0 60; } >"$HD/log/setup.log" 2>&1 ||
	{ fail setup "keys or reports: $(tail -n 3 "$HD/log/setup.log")"; exit 1; }
h_routes || { fail setup "routing DB"; exit 1; }
for v in a b; do
	sed "s/cert@webshop\.example\.com/cert-$v@webshop.example.com/" \
		"$top/etc/routes.conf" >"$HD/routes-$v.conf"
done
ml_meldpunt_conf "$CONF" "unix:$HD/m.sock" "MaxNoticesPerContact	0
RenotifyInterval	0
PidFile			$PIDFILE"
LOG=$HD/log/meldpunt-san.log
ml_meldpunt_start san "$CONF" "unix:$HD/m.sock" 2>/dev/null ||
	for _ in $(seq 1 100); do [ -S "$HD/m.sock" ] && break; sleep 0.1; done
pid=$(cat "$HD/meldpunt-san.pid")
[ -S "$HD/m.sock" ] || { fail load "the milter did not start: $(tail -n 5 "$LOG")"; exit 1; }

# swap V: the routing DB, version V, compiled beside and renamed into place
swap() {
	local args="" f
	for f in "$top"/examples/securitytxt/*.txt; do args="$args --securitytxt $(basename "$f" .txt)=$f"; done
	# shellcheck disable=SC2086
	"$ROUTE" compile -o "$HD/routes.db.new" --rpsl "$top/examples/ripe-sample.db" $args \
		"$HD/routes-$1.conf" >/dev/null 2>&1 && mv "$HD/routes.db.new" "$HD/routes.db"
}

tl=$(date +%s)
"$LOAD" -s "unix:$HD/m.sock" -f "$HD/reports" -r meldingen@meldpunt.test \
	-c 3 -p 5 -n 1000000 -t "$SECS" -e 2 -T 60 -q >"$HD/log/intake.out" 2>&1 &
lin=$!
"$LOAD" -s "unix:$HD/m.sock" -f "$top/tests/bench/data/notification.eml" \
	-F noc@meldpunt.test -d ORIGINATING -c 2 -p 10 -n 1000000 -t "$SECS" -e 2 -T 60 -q \
	>"$HD/log/outbound.out" 2>&1 &
lout=$!
usr1=0 swaps=0 i=0
while kill -0 "$lin" 2>/dev/null || kill -0 "$lout" 2>/dev/null; do
	sleep 0.7
	i=$((i + 1))
	# two SIGUSR1, a swap, then 2 s quiet: the reload thread looks for a
	# new routing DB only when a second passes without SIGUSR1
	case $((i % 5)) in
	0|1) kill -USR1 "$pid" 2>/dev/null && usr1=$((usr1 + 1)) ;;
	2) swap "$([ $((i % 2)) -eq 0 ] && echo a || echo b)" && swaps=$((swaps + 1)) ;;
	esac
	[ $(($(date +%s) - tl)) -gt $((SECS + 90)) ] && break
done
wait "$lin"; rin=$?
wait "$lout"; rout=$?
tload=$(($(date +%s) - tl))
field() { sed -n "s/^RESULT.* $1=\([^ ]*\).*/\1/p" "$2"; }
nin=$(field n "$HD/log/intake.out") nout=$(field n "$HD/log/outbound.out")
r_usr1=$(grep -c 'reloaded .*(SIGUSR1;' "$LOG")
r_swap=$(grep -c 'reloaded .*(the routing database changed;' "$LOG")
nums="$((${nin:-0} + ${nout:-0})) messages in ${tload} s: ${nin:-0} intake reports notified, ${nout:-0} outbound signed, all dual-signed; $r_usr1 reloads by SIGUSR1 (of $usr1 sent), $r_swap by $swaps routing DB swaps"
if [ "$rin" -eq 0 ] && [ "$rout" -eq 0 ] && [ "${nin:-0}" -gt 0 ] && [ "${nout:-0}" -gt 0 ] &&
	[ "$r_usr1" -gt 0 ] && [ "$r_swap" -gt 0 ]; then
	say "PASS $SAN-load ($nums)"
else
	fail load "$nums; intake: $(tail -n 2 "$HD/log/intake.out" | tr '\n' ' ') outbound: $(tail -n 2 "$HD/log/outbound.out" | tr '\n' ' ')"
fi

# 3. stop after all those reloads
ts=$(date +%s)
kill -TERM "$pid"
for _ in $(seq 1 600); do
	s=$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)
	[ -z "$s" ] || [ "$s" = Z ] && break
	sleep 0.1
done
s=$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)
[ -n "$s" ] && [ "$s" != Z ] && kill -9 "$pid" && say "# no exit 60 s after SIGTERM: killed"
wait "$pid"; rc=$?
ML_PIDS=""
if [ "$rc" -eq 0 ] && [ ! -e "$PIDFILE" ] && grep -q 'meldpunt-milter stopped' "$LOG"; then
	say "PASS $SAN-stop (SIGTERM after $((r_usr1 + r_swap + 1)) configuration generations: exit status 0 in $(($(date +%s) - ts)) s, pid file removed)"
else
	fail stop "exit status $rc, pid file $([ -e "$PIDFILE" ] && echo left behind || echo removed)"
fi

# 4. sanitizer reports, from the milter and from the load clients. A
#    report with a frame of ours (a source file of lib/*/, milter/ or tests/)
#    fails; one made of library frames only (not matched by
#    tests/tsan.supp) is listed, and does not.
cat "$SLOG".* >"$bdir/$SAN-reports.log" 2>/dev/null || : >"$bdir/$SAN-reports.log"
classify() {	# one line per report: "ours|lib<TAB>summary"
	awk -v top="$top" '
		function flush() {
			if (inrep) print (ours ? "ours" : "lib") "\t" (summ != "" ? summ : first)
			inrep = 0; ours = 0; summ = ""; first = ""
		}
		/^(WARNING: ThreadSanitizer|==[0-9]+==ERROR: (Address|Leak)Sanitizer)|runtime error:/ {
			flush(); inrep = 1; first = $0
			if ($0 ~ /(^|[^A-Za-z0-9_])(lib\/[a-z]+|milter|tests\/[a-z]+)\/[A-Za-z0-9_.-]+\.[ch]:[0-9]+:[0-9]+: runtime error:/) ours = 1
			next
		}
		inrep && /^ *#[0-9]+ / {
			# by source file (built with -g, the default CFLAGS): with
			# clang the runtime is inside the program, so the module
			# alone does not tell our frames from the interceptors
			if ($0 ~ /(^|[^A-Za-z0-9_])(lib\/[a-z]+|milter|tests\/[a-z]+)\/[A-Za-z0-9_.-]+\.[ch]:[0-9]/)
				ours = 1
		}
		inrep && /^SUMMARY: / { summ = $0; flush() }
		END { flush() }' "$bdir/$SAN-reports.log"
}
reps=$(classify)
nours=$(printf '%s\n' "$reps" | grep -c '^ours')
nlib=$(printf '%s\n' "$reps" | grep -c '^lib')
nsup=$(sed -n 's/^ *\([0-9][0-9]*\) \(race\|thread\|mutex\|signal\|deadlock\|called_from_lib\|leak\):.*/\1/p' \
	"$bdir/$SAN-reports.log" | awk '{ s += $1 } END { print s + 0 }')
if [ "$nours" -eq 0 ]; then
	say "PASS $SAN-reports (none from meldpunt's code; $nsup suppressed in libraries by tests/tsan.supp, $nlib other library-only)"
else
	fail reports "$nours reports with meldpunt frames; see $bdir/$SAN-reports.log"
fi
[ -n "$reps" ] && printf '%s\n' "$reps" | sort | uniq -c | sort -rn | head -n 20 | sed 's/^/# /'
[ -n "${SAN_KEEP:-}" ] && { cp -r "$HD/log" "$bdir/tsan-logs"; say "# logs kept in $bdir/tsan-logs"; }
say "# $SAN: $(($(date +%s) - t0)) s in all"
exit $status
