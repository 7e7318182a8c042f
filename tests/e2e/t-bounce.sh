#!/bin/bash
# End to end, bounces and contact health: a contact whose mail server
# rejects (here Postfix's own transport_maps send its domain to
# error:5.1.1, so Postfix itself writes the DSN, as it does for a 550 at
# RCPT) gets the notification's DSN back on the notification's own return
# path (bounces+<notice id>@); the DSN goes through the milter as flow
# bounce (internal_mail_filter_classes = bounce), is counted as a hard
# bounce of that contact and archived; after BounceLimit hard bounces the
# next report about the same network goes to the next tier (abuse-c). The
# incident of each bounced notification is routed again past the dead
# contact and waits for the sender as a pending row of the next tier's
# contact (meldpunt-queue list). The tools show it; a reset makes the
# contact reachable again. Nothing is lost: every message is counted at
# the sink.
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"

why=$(h_can_run) || skip_all "$why"
h_init || exit 1
EX=$top_srcdir/examples
CONF=$HD/meldpunt.conf
h_dkim_keys meldpunt.test || { echo "Bail out! signing keys"; exit 1; }
h_reporter_keys mailbox.example.com || { echo "Bail out! reporter keys"; exit 1; }
h_milter_conf "$CONF" "$(h_dkim_conf meldpunt.test)
BounceAddress bounces@meldpunt.test
BounceDelimiter +
BounceLimit 2
BounceWindow 30d
RenotifyInterval 0
QuarantineAddress review@meldpunt.test
ArchiveAddress archive@meldpunt.test
StatsFile $HD/stats"
INTAKE=meldingen@meldpunt.test
DEAD=meldingen@zorgcert.example.nl
NEXT=abuse@hosting.example.nl
h_start_milter "$CONF" || { echo "Bail out! milter did not start"; exit 1; }
echo "zorgcert.example.nl error:5.1.1 mailbox unavailable" >"$HD/etc/transport"
POSTFIX_EXTRA="transport_maps = texthash:$HD/etc/transport
internal_mail_filter_classes = bounce
recipient_delimiter = +"
h_start_postfix || { echo "Bail out! postfix did not start"; exit 1; }
H_SWAKS_EXTRA="--local-interface 127.0.0.2 --helo reporter-helo.example.net"

# send FILE RCPT: queue it (rc 0, the queue id on stdout), no wait.
send() {
	sed -e 's/\r$//' -e 's/^\./../' -e 's/$/\r/' "$1" >"$HD/log/send.data"
	printf '.' >>"$HD/log/send.data"
	# shellcheck disable=SC2086
	swaks --server 127.0.0.1 --port "$SMTP_PORT" $H_SWAKS_EXTRA \
		--from fbl@mailbox.example.com --to "$2" \
		--data "@$HD/log/send.data" -ndf --timeout 30 >"$HD/log/last-send.log" 2>&1
	sed -n 's/.*250 .*queued as \([0-9A-Za-z]*\).*/\1/p' "$HD/log/last-send.log" | tail -n 1
}
# sink files whose header says NAME: VALUE (X-Meldpunt-Outcome ...)
count_at_sink() { grep -l -- "^$1: $2" "$HD"/sink/* 2>/dev/null | wc -l; }
at_least() { [ "$(count_at_sink "$1" "$2")" -ge "$3" ]; }
report=$HD/report.eml
h_sign_report "$EX/arf-spam.eml" mailbox.example.com >"$report"

# 1. A spam report about 192.0.2.25: the hospital does not want spam, so
#    its sector CERT (intermediary) is told; its domain rejects.
qid=$(send "$report" "$INTAKE")
like "$qid" "^[0-9A-Za-z]+$" "report 1: queued"
h_wait_for "$H_WAIT" "the first bounce at the archive" at_least X-Meldpunt-Outcome bounce:hard 1
is "$(count_at_sink X-Meldpunt-Outcome bounce:hard)" 1 "report 1: its DSN came back and was archived as bounce:hard"
f=$(grep -l -- "^X-Meldpunt-Outcome: bounce:hard" "$HD"/sink/* | head -n 1)
h_stable "$f"
is "$(h_rcpts "$f")" "archive@meldpunt.test" "bounce 1: delivered to ArchiveAddress only"
is "$(h_header "$f" X-Meldpunt-Flow)" "bounce" "bounce 1: flow bounce"
id1=$(sed -n "s/.*flow=intake outcome=notified id=\(MP-[a-z2-7]*\).*/\1/p" "$HD/log/milter.log" | head -n 1)
like "$id1" "^MP-[a-z2-7]+$" "report 1: notified, with a notice id"
is "$(h_header "$f" X-Meldpunt-Id)" "$(echo "$id1" | tr A-Z a-z)" "bounce 1: matched to the notice by its return path"
like "$(h_header "$f" X-Meldpunt-Reason)" "^hard 5\.1\.1 for $DEAD \[intermediary " "bounce 1: the reason names the status and the contact"
like "$(h_header "$f" X-Meldpunt-Reason)" "1 of BounceLimit 2" "bounce 1: one of two"
like "$(h_header "$f" X-Meldpunt-Reason)" "; re-notified \(queued for the sender\) to $NEXT \[abuse-c 192\.0\.2\.0/24\]; " "bounce 1: the incident re-notified to the next tier"
like "$(grep 'flow=bounce' "$HD/log/milter.log" | head -n 1)" "outcome=bounce:hard id=mp-" "bounce 1: the milter's log line"
grep -q "to=<$DEAD>.*status=bounced" "$HD/log/maillog"
is "$?" 0 "report 1: Postfix bounced the notification to $DEAD"
like "$(grep -m1 "from=<bounces+" "$HD/log/maillog")" "from=<bounces\+mp-[a-z2-7]+@meldpunt\.test>" "report 1: the notification's envelope sender carries its notice id"

# 2. The same again: the second hard bounce makes the contact unreachable.
qid=$(send "$report" "$INTAKE")
like "$qid" "^[0-9A-Za-z]+$" "report 2: queued"
h_wait_for "$H_WAIT" "the second bounce at the archive" at_least X-Meldpunt-Outcome bounce:hard 2
is "$(count_at_sink X-Meldpunt-Outcome bounce:hard)" 2 "report 2: its DSN archived as bounce:hard"
f=$(grep -l -- "unreachable since" "$HD"/sink/* | head -n 1)
like "$(h_header "$f" X-Meldpunt-Reason)" "unreachable since [0-9T:-]+Z \(2 bounces\)" "bounce 2: the contact is now unreachable"

# The tools show it (read while the milter runs).
out=$("$top_builddir/tools/meldpunt-route" lookup "$HD/routes.db" 192.0.2.25 --state "$HD/state.db")
like "$(printf '%s\n' "$out" | grep -A2 "$DEAD  \[intermediary" | grep 'skipped:')" "skipped: unreachable since [0-9T:-]+Z \(2 bounces\)" "meldpunt-route lookup --state: the contact is marked skipped: unreachable since ... (2 bounces)"
out=$("$top_builddir/tools/meldpunt-health" -c "$CONF" list)
like "$out" "^$DEAD	2 bounces, last .*unreachable since" "meldpunt-health list: the contact, unreachable"
out=$("$top_builddir/tools/meldpunt-health" -c "$CONF" show "$DEAD")
like "$out" "hard 5\.1\.1  notice mp-" "meldpunt-health show: each bounce with its status and notice"
# Two notifications bounced: each one's incident waits for the next tier
# (RenotifyInterval 0 here: no dedup between them).
out=$("$top_builddir/tools/meldpunt-queue" list -c "$CONF")
like "$out" "^$NEXT	spam:report	unknown	2	" "meldpunt-queue list: both bounced incidents pending for $NEXT"
unlike "$out" "$DEAD" "meldpunt-queue list: nothing for the dead contact"

# 3. The next report about that network: the next tier (abuse-c).
qid=$(send "$report" "$INTAKE")
f=$(h_wait_qid "$qid"); rc=$?
is "$rc" 0 "report 3: delivered"
is "$(h_rcpts "$f")" "$NEXT" "report 3: to the next tier, the network's abuse-c"
is "$(h_header "$f" X-Meldpunt-Outcome)" "notified" "report 3: notified"
like "$(grep "$qid: .*flow=intake" "$HD/log/milter.log")" "skipped: $DEAD \[intermediary\] unreachable since [0-9T:-]+Z \(2 bounces\)" "report 3: the log says why the intermediary was skipped"

# Nothing lost: 3 reports in; 2 bounces archived + 1 notification at the
# sink, the 2 notifications to the dead contact bounced (in the maillog).
is "$(ls "$HD"/sink | wc -l)" 3 "nothing lost: three messages at the sink"
is "$(grep -c "to=<$DEAD>.*status=bounced" "$HD/log/maillog")" 2 "nothing lost: two notifications bounced by Postfix"
is "$(h_queue_count)" 0 "nothing left in the queue"
sleep 1.2	# StatsFile is written about once a second
like "$(cat "$HD/stats")" "flow:bounce 2" "counters: flow:bounce 2"
like "$(cat "$HD/stats")" "bounce:hard 2" "counters: bounce:hard 2"

# A reset (the state DB's writer: the milter stopped first) is printed.
h_stop_milter
out=$("$top_builddir/tools/meldpunt-health" -c "$CONF" reset "$DEAD")
like "$out" "^reset $DEAD: removed 2 hard bounces \(was: unreachable since" "meldpunt-health reset: says what it removed"
"$top_builddir/tools/meldpunt-health" -c "$CONF" show "$DEAD" >/dev/null
is "$?" 1 "after the reset: no health record"
out=$("$top_builddir/tools/meldpunt-route" lookup "$HD/routes.db" 192.0.2.25 --state "$HD/state.db")
unlike "$out" "skipped" "after the reset: nobody skipped"

done_testing
