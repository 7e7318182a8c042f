#!/bin/bash
# Smoke test of the load client tests/bench/milter-load against
# meldpunt-milter (unix and inet sockets) and a private Debian OpenDKIM
# (RSA and Ed25519): counts bounded, replies counted, signatures checked,
# bodies larger than one 64 KiB chunk, errors reported. Small counts only.
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"
. "$top_srcdir/tests/bench/milter-lib.sh"

LOAD=$top_builddir/tests/bench/milter-load
NOTE=$top_srcdir/tests/bench/data/notification.eml
PLAIN=$top_srcdir/tests/e2e/data/plain.eml

why=$(h_can_run) || skip_all "$why"
[ -x "$LOAD" ] || skip_all "no $LOAD: build first"
h_init || exit 1
trap 'ml_stop_all; h_stop' EXIT
ml_keys || { echo "Bail out! cannot make keys"; exit 1; }
CONF=$HD/meldpunt.conf
ml_meldpunt_conf "$CONF" "unix:$HD/m.sock"
ml_meldpunt_start unix "$CONF" "unix:$HD/m.sock" || { echo "Bail out! milter did not start"; exit 1; }

field() {	# field NAME OUTPUT: the value of NAME= on the RESULT line
	printf '%s\n' "$2" | sed -n "s/^RESULT.* $1=\([^ ]*\).*/\1/p"
}

# meldpunt: intake flow, one flow header per message, count bound exact
out=$("$LOAD" -s "unix:$HD/m.sock" -f "$PLAIN" -r meldingen@meldpunt.test \
	-n 50 -c 2 -p 5 -E X-Meldpunt-Flow -e 1)
is "$?" 0 "meldpunt intake: every message got one X-Meldpunt-Flow"
is "$(field n "$out")" 50 "-n 50 answers exactly 50 messages"
is "$(field continue "$out")" 50 "meldpunt ends each message with continue"
like "$out" "chgheader 100" "forged flow and outcome headers are counted as changes"
out=$("$LOAD" -s "unix:$HD/m.sock" -f "$PLAIN" -n 20 -c 1 -p 5)
like "$out" "\(4 connections\)" "-p 5 opens a new connection every 5 messages"

# meldpunt: outbound from the submission service, dual-signed
out=$("$LOAD" -s "unix:$HD/m.sock" -f "$NOTE" -F noc@meldpunt.test \
	-d ORIGINATING -n 100 -e 2 -v)
is "$?" 0 "meldpunt outbound: 2 DKIM-Signature fields on each of 100 messages"
like "$out" "reply insheader \[0\] DKIM-Signature: +v=1; a=rsa-sha256" "an RSA signature inserted at the top"
like "$out" "reply insheader \[0\] DKIM-Signature: +v=1; a=ed25519-sha256" "an Ed25519 signature inserted at the top"

# a refused identity is counted as a reject, and -e notices the missing signatures
out=$("$LOAD" -s "unix:$HD/m.sock" -f "$NOTE" -F noc@meldpunt.test -n 10 -e 2)
is "$?" 1 "rejected messages make the run fail"
is "$(field reject "$out")" 10 "a 550 reply code counts as reject"
is "$(field expect_bad "$out")" 10 "messages without the expected signatures are counted"

# the time bound stops an unbounded count
start=$(date +%s)
out=$("$LOAD" -s "unix:$HD/m.sock" -f "$PLAIN" -n 100000000 -t 0.5 -q)
is "$?" 0 "-t 0.5 with a huge -n ends cleanly"
ok "-t 0.5 stops within 5 seconds" test $(($(date +%s) - start)) -le 5

# I/O errors are reported, not hidden
out=$("$LOAD" -s "unix:$HD/nothing.sock" -f "$PLAIN" -n 5 2>&1)
is "$?" 1 "no milter at the socket: exit 1"
like "$out" "errors=[1-9].*" "the error is counted"
like "$out" "nothing.sock: No such file" "and named"

# meldpunt over TCP (inet:), with the load client's TCP_NODELAY
port=$(h_free_port)
ml_meldpunt_conf "$HD/inet.conf" "inet:$port@127.0.0.1"
if ml_meldpunt_start inet "$HD/inet.conf" "inet:$port@127.0.0.1"; then
	out=$("$LOAD" -s "inet:$port@127.0.0.1" -f "$NOTE" -F noc@meldpunt.test \
		-d ORIGINATING -n 20 -e 2 -q)
	is "$?" 0 "meldpunt over inet: 20 messages dual-signed"
	# TCP_NODELAY on the listener: no ~40 ms Nagle/delayed-ACK wait per
	# message (a stall is 40+ ms; the bound is far from both)
	like "$(field p50_ms "$out")" "^([0-9]|1[0-9])\." "meldpunt over inet: median under 20 ms (no Nagle stall)"
else
	ok "meldpunt over inet: started" false
fi

# OpenDKIM, one instance per algorithm
if ! command -v opendkim >/dev/null; then
	diag "opendkim not installed: its checks are skipped"
	done_testing
	exit
fi
ml_opendkim_start rsa rsa-sha256 "unix:$HD/dkim-rsa.sock" || echo "Bail out! opendkim rsa"
ml_opendkim_start ed ed25519-sha256 "unix:$HD/dkim-ed.sock" || echo "Bail out! opendkim ed"
out=$("$LOAD" -s "unix:$HD/dkim-rsa.sock" -f "$NOTE" -F noc@meldpunt.test -n 40 -e 1 -v)
is "$?" 0 "OpenDKIM RSA: one DKIM-Signature on each of 40 messages"
is "$(field accept "$out")" 40 "OpenDKIM ends each message with accept"
like "$out" "DKIM-Signature: +v=1; a=rsa-sha256; c=relaxed/relaxed; d=meldpunt.test" "OpenDKIM signed with RSA"
out=$("$LOAD" -s "unix:$HD/dkim-ed.sock" -f "$NOTE" -F noc@meldpunt.test -n 40 -e 1 -v)
is "$?" 0 "OpenDKIM Ed25519: one DKIM-Signature on each of 40 messages"
like "$out" "DKIM-Signature: +v=1; a=ed25519-sha256" "OpenDKIM signed with Ed25519"
out=$("$LOAD" -s "unix:$HD/dkim-rsa.sock" -f "$NOTE" -F noc@meldpunt.test -n 5 -e 2)
is "$(field expect_bad "$out")" 5 "-e 2 against a single signer fails every message"

# a body of three 64 KiB chunks still gets one signature per message
big=$HD/big.eml
{ sed '/^$/q' "$NOTE"; for i in $(seq 1 3000); do
	echo "line $i: padding padding padding padding padding padding"; done; } >"$big"
out=$("$LOAD" -s "unix:$HD/dkim-rsa.sock" -f "$big" -F noc@meldpunt.test -n 4 -e 1)
is "$?" 0 "a 180 KB body in 64 KiB chunks is signed"
ml_stop_all
done_testing
