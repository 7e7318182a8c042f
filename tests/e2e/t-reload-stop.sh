#!/bin/bash
# A clean stop after a reload. The start-up snapshot is
# freed by the first reload; main() used to read the PidFile path from it
# after smfi_main() returned, so start -> SIGUSR1 -> SIGTERM left the pid
# file behind (valgrind: invalid read). Here, with no MTA (the milter
# protocol through tests/bench/milter-load): start; sign a message; reload
# by SIGUSR1 and again by a routing DB renamed into place; sign again;
# SIGTERM: exit status 0, the pid file gone, "stopped" in the log. Then
# the same under valgrind's memcheck: no invalid read or write, no other
# memcheck error (--error-exitcode), exit status 0.
# Bounded: every wait has a limit; about 15 s, 30 s more under valgrind.
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"

LOAD=$top_builddir/tests/bench/milter-load
ROUTE=$top_builddir/tools/meldpunt-route
NOTE=$top_srcdir/tests/bench/data/notification.eml
REAL_BIN=$MILTER_BIN
for f in "$MILTER_BIN" "$LOAD" "$ROUTE" "$top_builddir/tests/unit/mp-sign-tool"; do
	[ -x "$f" ] || skip_all "no $f: build first"
done
command -v openssl >/dev/null || skip_all "no openssl"

h_init 2>/dev/null	# (it makes Postfix's directories too; not used here)
CONF=$HD/meldpunt.conf
PIDFILE=$HD/run/meldpunt-milter.pid
mkdir -p "$HD/run"
h_dkim_keys meldpunt.test || { echo "Bail out! signing keys"; exit 1; }
h_milter_conf "$CONF" "$(h_dkim_conf meldpunt.test)
PidFile			$PIDFILE" || { echo "Bail out! config"; exit 1; }
LOG=$HD/log/milter.log

# wait_for SECONDS COMMAND...: until COMMAND succeeds
wait_for() {
	local n=$(($1 * 10)); shift
	for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
	return 1
}
log_has() { grep -Eq -- "$1" "$LOG"; }
log_count() { grep -Ec -- "$1" "$LOG"; }
sock_up() { [ -S "$MILTER_SOCK" ]; }
pidfile_there() { [ -s "$PIDFILE" ]; }
# gone PID: exited (a zombie until we wait for it counts as gone)
gone() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null | cut -c1); [ -z "$s" ] || [ "$s" = Z ]; }

# sign WHAT: 3 outbound messages through the milter, each dual-signed
sign() {
	"$LOAD" -s "unix:$MILTER_SOCK" -f "$NOTE" -F noc@meldpunt.test \
		-d ORIGINATING -n 3 -c 1 -e 2 -T 60 -q >"$HD/log/load.out" 2>&1
	ok "$1" test $? -eq 0 || diag "$(cat "$HD/log/load.out")"
}

# swap: the routing DB compiled again and renamed into place
swap() {
	"$ROUTE" compile -o "$HD/routes.db.new" "$top_srcdir/etc/routes.conf" \
		>/dev/null 2>&1 && mv "$HD/routes.db.new" "$HD/routes.db"
}

# run WHAT SLOW: the whole sequence; SLOW is how many times longer to wait
run() {
	local what=$1 slow=$2 pid rc n
	: >"$LOG"
	rm -f "$PIDFILE"
	h_start_milter "$CONF" 2>/dev/null || wait_for $((5 * slow)) sock_up
	pid=$(h_milter_pid)
	if ! sock_up || ! wait_for $((2 * slow)) pidfile_there; then
		ok "$what: the milter started and wrote its pid file" false
		diag "$(tail -n 20 "$LOG")"
		h_stop_milter
		return 1
	fi
	is "$(cat "$PIDFILE")" "$pid" "$what: the pid file names the milter"
	sign "$what: 3 messages dual-signed before the reload"

	n=$(log_count 'reloaded .*SIGUSR1')
	kill -USR1 "$pid"
	ok "$what: SIGUSR1 reloads (generation 2)" \
		wait_for $((5 * slow)) log_has 'reloaded .*\(SIGUSR1; configuration generation 2\)'
	sleep 1.1	# the reload thread notices a new file by its time stamp too
	swap
	ok "$what: a routing DB renamed into place reloads (generation 3)" \
		wait_for $((5 * slow)) log_has 'routing database changed; configuration generation 3'
	sign "$what: 3 messages dual-signed after the reloads"

	kill -TERM "$pid"
	wait_for $((15 * slow)) gone "$pid" || { diag "no exit after SIGTERM: kill -9"; kill -9 "$pid"; }
	wait "$pid"
	rc=$?
	rm -f "$HD/milter.pid"
	H_MILTER_PID=""
	is "$rc" 0 "$what: SIGTERM after the reloads: exit status 0"
	ok "$what: the pid file is removed" test ! -e "$PIDFILE"
	ok "$what: \"stopped\" is logged" log_has 'meldpunt-milter stopped'
	unlike "$(grep -E 'connections? still open' "$LOG")" . "$what: no connection was left open"
}

run "plain" 1

# The same under valgrind (memcheck): the invalid read was there.
if command -v valgrind >/dev/null; then
	VGLOG=$HD/log/valgrind.log
	cat >"$HD/vg-milter" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=no \
	--log-file=$VGLOG --suppressions=$top_srcdir/tests/valgrind.supp \
	$REAL_BIN "\$@"
EOF
	chmod 755 "$HD/vg-milter"
	MILTER_BIN=$HD/vg-milter
	run "valgrind" 6
	MILTER_BIN=$REAL_BIN
	is "$(grep -Ec 'Invalid (read|write)' "$VGLOG")" 0 "valgrind: no invalid read or write"
	like "$(grep 'ERROR SUMMARY' "$VGLOG" | tail -n 1)" "ERROR SUMMARY: 0 errors" "valgrind: no memcheck error at all"
	grep -E -A12 'Invalid|uninitialised|Mismatched' "$VGLOG" | head -n 40 | sed 's/^/# /'
else
	diag "no valgrind (scripts/deps.sh installs it): its checks are skipped"
fi

done_testing
