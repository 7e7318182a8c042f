#!/bin/bash
# Fault tests: the intake path through a private Postfix
# under load while things break. Internal trouble must end in a tempfail:
# Postfix keeps the message (or the SMTP client retries it), nothing is
# lost, nobody is told twice, nobody wrong is told.
#
#   1. kill -9 the milter under load (SMTP clients and sendmail(1)), restart
#   2. the routing DB recompiled (renamed into place) under load
#   3. state DB directory gone, state DB disk full (64K tmpfs), routing DB
#      missing: tempfail, a log line naming the problem; repaired: each
#      message delivered exactly once
#   4. a bounded soak through the milter protocol (milter-load) on the full
#      intake path: resident memory at start and end
#
# Every report is about an address of its own, so each has one expected
# notification; the sink is counted by the address in its Subject.
# Bounded: 200 + 120 + 3x12 reports through Postfix, 10000 messages or 30 s of
# soak; every wait has a limit; every process is stopped by its PID.
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"
. "$top_srcdir/tests/bench/milter-lib.sh"

why=$(h_can_run) || skip_all "$why"
[ -x /usr/bin/python3 ] || skip_all "no /usr/bin/python3"
LOAD=$top_builddir/tests/bench/milter-load
ROUTE=$top_builddir/tools/meldpunt-route
SENDER="/usr/bin/python3 $top_srcdir/tests/e2e/smtp-retry.py"
EX=$top_srcdir/examples
: "${FAULT_N:=200}"		# reports in the kill -9 run
: "${SOAK_N:=10000}"		# soak: messages ...
: "${SOAK_T:=30}"		# ... or seconds, whichever first
: "${RSS_SLACK_KB:=8192}"	# soak: allowed growth of VmRSS

h_init || exit 1
MNT=""
BG_PIDS=""
KEEP_PIDS=""	# milters, Postfix master, sink: also held here, so that a
		# temp dir removed under us leaves nothing running
cleanup() {
	local p
	for p in $BG_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	ml_stop_all
	h_stop_milter
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	[ -n "${HD:-}" ] && chattr -i "$HD/sdir" 2>/dev/null
	h_stop
	for p in $KEEP_PIDS; do kill "$p" 2>/dev/null && _h_wait_gone "$p"; done
}
trap cleanup EXIT
start_milter() { h_start_milter "$CONF" && KEEP_PIDS="$KEEP_PIDS $(h_milter_pid)"; }

CONF=$HD/meldpunt.conf
h_dkim_keys meldpunt.test || { echo "Bail out! signing keys"; exit 1; }
h_reporter_keys mailbox.example.com || { echo "Bail out! reporter keys"; exit 1; }
h_routes || { echo "Bail out! routing DB"; exit 1; }
mkdir -p "$HD/state" "$HD/reports"
# conf [STATEDB]: the intake config; flood control off (hundreds of
# notices go to one contact), duplicates archived so that a report that
# is wrongly taken for a duplicate is seen at the sink.
conf() {
	h_milter_conf "$CONF" "$(h_dkim_conf meldpunt.test)
QuarantineAddress review@meldpunt.test
ArchiveAddress archive@meldpunt.test
MaxNoticesPerContact 0"
	sed -i "s|^StateDB.*|StateDB			${1:-$HD/state/state.db}|" "$CONF"
}
conf
start_milter || { echo "Bail out! milter did not start"; exit 1; }
h_start_postfix || { echo "Bail out! postfix did not start"; exit 1; }
KEEP_PIDS="$KEEP_PIDS $(cat "$HD/sink.pid") $(tr -d ' ' <"$HD/spool/pid/master.pid")"

# report IP TAG: a signed ARF spam report about IP, its own Message-ID;
# prints the file. The webshop (2001:db8:200::/48) is its only contact.
report() {
	local f=$HD/reports/$2.eml
	sed -e "s/192\.0\.2\.25/$1/g" \
	    -e "s/^Message-ID: .*/Message-ID: <fault-$2@mailbox.example.com>/" \
	    "$EX/arf-spam.eml" >"$f.in"
	h_sign_report "$f.in" mailbox.example.com >"$f" && rm -f "$f.in" && echo "$f"
}

# sink_table: "outcome<TAB>recipients<TAB>subject" for every sink file
# (the Subject unfolded: the ticket before it makes it fold).
sink_table() {
	awk 'FNR == 1 { if (f) print o "\t" r "\t" s; f = FILENAME; o = "-"; r = ""; s = ""; hdr = 1; insub = 0 }
		/^\r?$/ { hdr = 0 }
		!hdr { next }
		/^[ \t]/ && insub { x = $0; sub(/\r$/, "", x); sub(/^[ \t]+/, " ", x); s = s x; next }
		{ insub = 0 }
		/^X-Rcpt-Args: / { x = $2; gsub(/[<>]/, "", x); r = r (r ? "," : "") x }
		/^X-Meldpunt-Outcome: / { o = $2; sub(/\r$/, "", o) }
		/^Subject: / && s == "" { s = $0; sub(/\r$/, "", s); insub = 1 }
		END { if (f) print o "\t" r "\t" s }' "$HD"/sink/* 2>/dev/null
}

# wait_sink N SECONDS: until N sink files exist and the queue is empty.
_sink_has() { [ "$(ls "$HD/sink" | wc -l)" -ge "$1" ] && [ "$(h_queue_count)" -eq 0 ]; }
wait_sink() {
	h_wait_for "$2" "$1 messages at the sink and an empty queue" _sink_has "$1"
}

# check_once PREFIX N CONTACTS WHAT: each of the N reports about
# PREFIX1..PREFIXN reached exactly one contact of CONTACTS (a regex) once,
# as "notified"; nothing was archived, quarantined or sent twice.
check_once() {
	local prefix=$1 n=$2 contacts=$3 what=$4 table bad
	table=$(sink_table | grep -F "$prefix")
	bad=$(printf '%s\n' "$table" | awk -F'\t' -v p="$prefix" -v n="$n" -v c="^($contacts)\$" '
		{ ip = $3; sub(/.* /, "", ip) }
		$1 != "notified" { print "not notified: " $0; next }
		$2 !~ c { print "wrong contact: " $0; next }
		{ seen[ip]++ }
		END { for (i = 1; i <= n; i++) {
			k = 0; for (ip in seen) if (ip == p i) k = seen[ip]
			if (k != 1) print p i " notified " k " times" } }')
	is "$bad" "" "$what: each of $n reports notified exactly once to its contact"
	[ -z "$bad" ] || diag "$(printf '%s\n' "$bad" | head -n 5)"
}

# send TAG FIRST LAST WORKERS NSUB DEADLINE: reports TAG$FIRST..TAG$LAST in
# the background, the first NSUB through sendmail(1), the rest by WORKERS
# SMTP clients that retry on 4xx for at most DEADLINE seconds.
send() {
	local tag=$1 first=$2 last=$3 nw=$4 nsub=$5 dl=$6 w files
	for w in $(seq 0 $((nw - 1))); do
		files=$(for i in $(seq $((first + nsub + w)) "$nw" "$last"); do echo "$HD/reports/$tag$i.eml"; done)
		# shellcheck disable=SC2086
		SEND_GAP=${SEND_GAP:-0} $SENDER "$SMTP_PORT" "$dl" $files >"$HD/log/send-$tag-$w.out" 2>&1 &
		BG_PIDS="$BG_PIDS $!"
	done
	( for i in $(seq "$first" $((first + nsub - 1))); do
		H_FROM=fbl@mailbox.example.com h_submit "$HD/reports/$tag$i.eml" \
			meldingen@meldpunt.test || echo "submit $tag$i failed"
		sleep 0.05
	  done ) >"$HD/log/submit-$tag.out" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
}
wait_senders() { local p; for p in $BG_PIDS; do wait "$p"; done; BG_PIDS=""; }
# sent_ok TAG N NSUB WHAT: the SMTP clients got every report taken
sent_ok() {
	is "$(cat "$HD"/log/send-"$1"-*.out | grep -c '^sent ')" $(($2 - $3)) "$4: every SMTP report was taken in the end"
	is "$(grep -c . "$HD/log/submit-$1.out")" 0 "$4: every sendmail(1) submission was taken"
}
tempfails() { cat "$HD"/log/send-"$1"-*.out | sed -n 's/^summary.*tempfails=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'; }
sink_n() { ls "$HD/sink" | wc -l; }
_sink_n_ge() { [ "$(sink_n)" -ge "$1" ]; }
kill9_milter() {
	local pid; pid=$(h_milter_pid)
	kill -9 "$pid" || return 1
	{ wait "$pid"; } 2>/dev/null
	rm -f "$HD/milter.pid"
}
# wait_log REGEX SECONDS: until the milter log has a line matching REGEX
wait_log() {
	h_wait_for "$2" "a milter log line matching /$1/" grep -Eq -- "$1" "$HD/log/milter.log"
}
reload_milter() {
	local n; n=$(grep -c 'reloaded' "$HD/log/milter.log")
	kill -USR1 "$(h_milter_pid)"
	h_wait_for 5 "reload number $((n + 1)) in the milter log" _log_count_gt reloaded "$n"
}
# _log_count_gt WORD N: the milter log has more than N lines with WORD
_log_count_gt() { [ "$(grep -c -- "$1" "$HD/log/milter.log")" -gt "$2" ]; }
for i in $(seq 1 "$FAULT_N"); do report "2001:db8:200::1:$i" "k$i" >/dev/null || break; done
for i in $(seq 1 120); do report "2001:db8:200::2:$i" "r$i" >/dev/null || break; done
for t in d f c; do for i in $(seq 1 12); do report "2001:db8:200::3:$t$i" "$t$i" >/dev/null || break; done; done
ok "$FAULT_N + 120 + 36 distinct signed reports made" test "$(ls "$HD"/reports/*.eml | wc -l)" -eq $((FAULT_N + 156))

# ---------------------------------------------------------------------
# 1. kill -9 under load: 4 SMTP clients that retry on 4xx, a fifth of the
#    reports through sendmail(1); the milter dies twice mid-flow.
start=$(date +%s)
nsub=$((FAULT_N / 5))
send k 1 "$FAULT_N" 4 "$nsub" 90
kills=0
for round in 1 2; do
	h_wait_for 10 "$((round * FAULT_N / 4)) deliveries before kill -9 #$round" \
		_sink_n_ge $((round * FAULT_N / 4))
	kill9_milter && kills=$((kills + 1))
	diag "kill -9 #$round with $(sink_n) delivered, $(h_queue_count) queued"
	sleep 1.5
	start_milter || echo "Bail out! milter did not restart"
done
wait_senders
is "$kills" 2 "kill -9: the milter was killed twice under load"
wait_sink "$FAULT_N" 60
diag "kill -9: $(sink_n) sink files after $(($(date +%s) - start)) s; SMTP 4xx replies retried: $(tempfails k)"
ok "kill -9: SMTP clients got 4xx replies and retried" test "$(tempfails k)" -gt 0
sent_ok k "$FAULT_N" "$nsub" "kill -9"
like "$(grep -c 'milter.*\(4\.[0-9]\.[0-9]\|temporar\|connect\)' "$HD/log/maillog")" "^[1-9]" "kill -9: Postfix logged the milter failures"
grep -m2 -i 'milter.*\(4\.[0-9]\.[0-9]\|refused\|read\)' "$HD/log/maillog" | cut -c1-200 | sed 's/^/# maillog: /'
is "$(h_queue_count)" 0 "kill -9: the queue drained"
check_once 2001:db8:200::1: "$FAULT_N" "cert@webshop\\.example\\.com" "kill -9"

# ---------------------------------------------------------------------
# 2. The routing DB recompiled to the same path (renamed into place) 7
#    times while 120 reports flow; the two versions name different
#    contacts for the webshop's network.
compile() {	# compile SRC: the sample routes from SRC into routes.db
	local args="" f
	for f in "$EX"/securitytxt/*.txt; do args="$args --securitytxt $(basename "$f" .txt)=$f"; done
	# shellcheck disable=SC2086
	"$ROUTE" compile -o "$HD/routes.db" --rpsl "$EX/ripe-sample.db" $args "$1" >/dev/null 2>&1
}
sed 's/cert@webshop\.example\.com/cert-b@webshop.example.com/' "$top_srcdir/etc/routes.conf" >"$HD/routes-b.conf"
cp "$top_srcdir/etc/routes.conf" "$HD/routes-a.conf"
start=$(date +%s)
before=$(sink_n)
reloads=$(grep -c 'routing database changed' "$HD/log/milter.log")
SEND_GAP=0.12 send r 1 120 4 10 60	# spread over the swaps
swaps=0
for v in b a b a b a b; do
	sleep 0.6
	compile "$HD/routes-$v.conf" && swaps=$((swaps + 1))
done
last=$(grep -c 'routing database changed' "$HD/log/milter.log")
wait_senders
wait_sink $((before + 120)) 60
diag "swap: $swaps recompiles, $(( $(grep -c 'routing database changed' "$HD/log/milter.log") - reloads )) reloads seen, $(($(sink_n) - before)) delivered in $(($(date +%s) - start)) s"
is "$swaps" 7 "swap: the routing DB was recompiled 7 times under load"
like "$(( $(grep -c 'routing database changed' "$HD/log/milter.log") - reloads ))" "^[2-9]" "swap: the milter reloaded it (at least twice)"
sent_ok r 120 10 "swap"
check_once 2001:db8:200::2: 120 "cert@webshop\\.example\\.com|cert-b@webshop\\.example\\.com" "swap"
na=$(sink_table | grep -F 2001:db8:200::2: | grep -c '	cert@')
nb=$(sink_table | grep -F 2001:db8:200::2: | grep -c '	cert-b@')
diag "swap: $na notices by the old routes, $nb by the new"
ok "swap: both versions were used ($na old, $nb new)" test "$na" -gt 0 -a "$nb" -gt 0
# the reload thread looks once a second: wait for a reload after the last
# compile, and a second more in case that one had opened the file before
h_wait_for 5 "a reload after the last routing DB compile" \
	_log_count_gt 'routing database changed' "$last"
sleep 1.2
report 2001:db8:200::2:999 r999 >/dev/null
f=$(h_send "$HD/reports/r999.eml" meldingen@meldpunt.test)
is "$(h_rcpts "$f")" "cert-b@webshop.example.com" "swap: after the last swap the new routes are in use"
BOTH="cert@webshop\\.example\\.com|cert-b@webshop\\.example\\.com"

# side_milter NAME STATEDB EXTRA: a second milter on unix:$HD/NAME.sock,
# for milter-load; intake with dedup off (every message notified).
side_milter() {
	h_milter_conf "$HD/$1.conf" "$(h_dkim_conf meldpunt.test)
RenotifyInterval 0
$3"
	sed -i -e "s|^Socket.*|Socket			unix:$HD/$1.sock|" \
		-e "s|^StateDB.*|StateDB			$2|" "$HD/$1.conf"
	ml_meldpunt_start "$1" "$HD/$1.conf" "unix:$HD/$1.sock" &&
		KEEP_PIDS="$KEEP_PIDS $(cat "$HD/meldpunt-$1.pid")"
}

# ---------------------------------------------------------------------
# 3a. The state DB directory is not writable (immutable; or gone where
#     chattr is not supported): tempfail, a log line; repaired, delivered.
# fault_case TAG WHAT LOGREGEX REPAIR...: 12 reports (2 by sendmail) sent
# while the fault is on; they must all wait; REPAIR; all delivered once.
fault_case() {
	local tag=$1 what=$2 re=$3 before t0; shift 3
	before=$(sink_n)
	t0=$(date +%s)
	send "$tag" 1 12 2 2 60
	ok "$what: a log line names the problem" wait_log "$re" 10
	sleep 1
	is "$(sink_table | grep -F "2001:db8:200::3:$tag" | grep -c .)" 0 "$what: nothing delivered while it lasts"
	ok "$what: SMTP clients get a 4xx" test "$(cat "$HD"/log/send-"$tag"-*.out | grep -c '^sent ')" -eq 0
	"$@"
	wait_senders
	wait_sink $((before + 12)) 40
	diag "$what: repaired; $(($(sink_n) - before)) delivered $(($(date +%s) - t0)) s after the fault began, $(tempfails "$tag") 4xx replies retried"
	sent_ok "$tag" 12 2 "$what"
	check_once "2001:db8:200::3:$tag" 12 "$BOTH" "$what"
}
mkdir -p "$HD/sdir"
conf "$HD/sdir/state.db"
if chattr +i "$HD/sdir" 2>/dev/null; then
	repair_sdir() { chattr -i "$HD/sdir"; }
	sdir_what="state DB directory immutable"
else
	rmdir "$HD/sdir"
	repair_sdir() { mkdir -p "$HD/sdir"; }
	sdir_what="state DB directory missing"
fi
reload_milter || echo "Bail out! no reload"
fault_case d "$sdir_what" "outcome=tempfail reason=.*$HD/sdir/state.db" repair_sdir
grep -m1 "outcome=tempfail reason=.*$HD/sdir/state.db" "$HD/log/milter.log" | sed 's/^/# log: /'

# 3b. Disk full: the state DB on a 64K tmpfs. Through Postfix: the disk
#     filled up before the state DB is opened; space freed, the lazy reopen
#     (every 5 s) lets the waiting reports through. Then, straight through
#     the milter protocol, a state DB that fills the disk while open: every
#     message gets 8 more bytes (flood-control times), until GDBM cannot
#     grow the file; the tmpfs made larger, the open handle works again.
mkdir -p "$HD/statefs"
if mount -t tmpfs -o size=64k,mode=0700 tmpfs "$HD/statefs" 2>"$HD/log/mount.err"; then
	MNT=$HD/statefs
	dd if=/dev/zero of="$MNT/fill" bs=1k count=1024 2>/dev/null
	diag "disk full: $(df -k "$MNT" | awk 'NR == 2 { print $3 " KB used, " $4 " KB free" }')"
	conf "$MNT/state.db"
	reload_milter || echo "Bail out! no reload"
	fault_case f "disk full" "outcome=tempfail reason=.*$MNT/state.db.*(No space|space left)" rm -f "$MNT/fill"
	grep -m1 "outcome=tempfail reason=.*$MNT/state.db" "$HD/log/milter.log" | sed 's/^/# log: /'
	if [ -x "$LOAD" ]; then
		side_milter full "$MNT/full.db" "MaxNoticesPerContact 10000" || echo "Bail out! full milter"
		report 2001:db8:200::5:1 full >/dev/null
		LFULL="-s unix:$HD/full.sock -f $HD/reports/full.eml -F fbl@mailbox.example.com -r meldingen@meldpunt.test -c 1 -p 50 -q"
		# shellcheck disable=SC2086
		out=$("$LOAD" $LFULL -n 2000 -t 30)
		diag "disk full (open DB): $out"
		like "$out" "tempfail=[1-9]" "disk full (open DB): tempfail once the file cannot grow"
		like "$out" "other=0 errors=0" "disk full (open DB): no other reply, no error"
		ok "disk full (open DB): the log names the full disk" grep -Eq "outcome=tempfail reason=.*$MNT/full.db.*(No space|space left)" "$HD/log/meldpunt-full.log"
		grep -E -m1 "outcome=tempfail reason=.*$MNT/full.db" "$HD/log/meldpunt-full.log" | sed 's/^/# log: /'
		mount -o remount,size=512k "$MNT"
		# shellcheck disable=SC2086
		out=$("$LOAD" $LFULL -n 50 -t 20 -e 2)
		is "$?" 0 "disk full (open DB): with room again the same handle notifies all 50"
		ml_meldpunt_stop full
	fi
else
	diag "disk full: cannot mount a tmpfs ($(cat "$HD/log/mount.err")): case skipped"
fi

# 3c. The routing DB missing (renamed away) at a reload: tempfail and a
#     log line; renamed back, picked up within a second and delivered.
conf
reload_milter || echo "Bail out! no reload"
mv "$HD/routes.db" "$HD/routes.db.away"
reload_milter || echo "Bail out! no reload"
ok "routing DB missing: the reload says intake mail waits" grep -q "intake mail will be tempfailed until the routing database can be read: .*routes.db" "$HD/log/milter.log"
fault_case c "routing DB missing" "outcome=tempfail reason=.*routes.db.*No such file" mv "$HD/routes.db.away" "$HD/routes.db"
grep -m1 "outcome=tempfail reason=.*routes.db.*No such file" "$HD/log/milter.log" | sed 's/^/# log: /'

# ---------------------------------------------------------------------
# 4. Soak: milter-load straight to a second milter on the full intake path
#    (dedup off, so every message is authenticated, parsed, routed,
#    recorded, rendered and dual-signed); VmRSS after warm-up and at the end.
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
if [ -x "$LOAD" ]; then
	side_milter soak "$HD/soak-state.db" "MaxNoticesPerContact 0" || echo "Bail out! soak milter"
	spid=$(cat "$HD/meldpunt-soak.pid")
	report 2001:db8:200::4:1 soak >/dev/null
	LARGS="-s unix:$HD/soak.sock -f $HD/reports/soak.eml -F fbl@mailbox.example.com -r meldingen@meldpunt.test -c 2 -p 50 -e 2 -q"
	# shellcheck disable=SC2086
	out=$("$LOAD" $LARGS -n 300 -t 20)
	is "$?" 0 "soak: warm-up of 300 messages, each notified and dual-signed"
	r0=$(rss "$spid")
	# shellcheck disable=SC2086
	out=$("$LOAD" $LARGS -n "$SOAK_N" -t "$SOAK_T")
	rc=$?
	r1=$(rss "$spid")
	n=$(printf '%s\n' "$out" | sed -n 's/^RESULT.* n=\([0-9]*\).*/\1/p')
	diag "soak: $out"
	diag "soak: $n messages; VmRSS ${r0} KB after warm-up, ${r1} KB at the end ($(( r1 - r0 )) KB)"
	is "$rc" 0 "soak: every message answered, notified and dual-signed"
	ok "soak: at least 500 messages ran ($n)" test "${n:-0}" -ge 500
	ok "soak: VmRSS grew less than $RSS_SLACK_KB KB (${r0} -> ${r1} KB)" test $(( r1 - r0 )) -lt "$RSS_SLACK_KB"
	ml_meldpunt_stop soak
else
	diag "no $LOAD: soak skipped (build tests/bench/milter-load)"
fi

done_testing
