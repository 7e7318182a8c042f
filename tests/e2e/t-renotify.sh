#!/bin/bash
# End to end, a bounced incident re-notified (issue 15): the milter runs
# its sender (SubmitAddress, SenderInterval 1s, AggregateDelay 0) while a
# report's notification bounces hard (Postfix's transport_maps send the
# contact's domain to error:5.1.1, as in t-bounce.sh). The bounce flow
# routes the incident again past the dead contact and records it as a
# pending row of the next tier's contact; the sender makes it into a
# notification and submits it to Postfix's submission listener, where the
# milter signs it (outcome sent); the next tier's contact receives it at
# the sink. Checked: it names the bounced incident (its text and its CSV
# attachment, the row's note naming the bounced notice, not the dead
# address), it carries its own ticket and notice id, it is signed with
# both keys, and nothing is lost or sent twice (counted at the sink and
# in Postfix's log).
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"

why=$(h_can_run) || skip_all "$why"
/usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null || skip_all "python3-dkim missing"
h_init || exit 1
EX=$top_srcdir/examples
CONF=$HD/meldpunt.conf
PY="/usr/bin/python3 $top_srcdir/tests/dkimpy.py"
PART="/usr/bin/python3 $top_srcdir/tests/e2e/mimepart.py"
QUEUE=$top_builddir/tools/meldpunt-queue
h_dkim_keys meldpunt.test || { echo "Bail out! signing keys"; exit 1; }
h_reporter_keys mailbox.example.com || { echo "Bail out! reporter keys"; exit 1; }
h_milter_conf "$CONF" "$(h_dkim_conf meldpunt.test)
BounceAddress bounces@meldpunt.test
BounceDelimiter +
BounceLimit 2
BounceWindow 30d
QuarantineAddress review@meldpunt.test
ArchiveAddress archive@meldpunt.test
StatsFile $HD/stats
SubmitAddress 127.0.0.1:$SUBMIT_PORT
SenderInterval 1s
AggregateDelay 0" || { echo "Bail out! config"; exit 1; }
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

count_at_sink() { grep -l -- "^$1: $2" "$HD"/sink/* 2>/dev/null | wc -l; }
to_next() { grep -l "^X-Rcpt-Args: <$NEXT>" "$HD"/sink/* 2>/dev/null; }
_renotified() { [ -n "$(to_next)" ]; }
report=$HD/report.eml
h_sign_report "$EX/arf-spam.eml" mailbox.example.com >"$report"

# The spam report about 192.0.2.25: its sector CERT is told, and bounces.
sed -e 's/\r$//' -e 's/^\./../' -e 's/$/\r/' "$report" >"$HD/log/send.data"
printf '.' >>"$HD/log/send.data"
# shellcheck disable=SC2086
swaks --server 127.0.0.1 --port "$SMTP_PORT" $H_SWAKS_EXTRA \
	--from fbl@mailbox.example.com --to "$INTAKE" \
	--data "@$HD/log/send.data" -ndf --timeout 30 >"$HD/log/last-send.log" 2>&1
like "$(grep -c 'queued as' "$HD/log/last-send.log")" '^[1-9]' "the report: queued by Postfix"
h_wait_for "$H_WAIT" "the bounce at the archive" \
	bash -c "[ \$(grep -l -- '^X-Meldpunt-Outcome: bounce:hard' '$HD'/sink/* 2>/dev/null | wc -l) -ge 1 ]"
id1=$(sed -n "s/.*flow=intake outcome=notified id=\(MP-[a-z2-7]*\).*/\1/p" "$HD/log/milter.log" | head -n 1)
like "$id1" "^MP-[a-z2-7]+$" "the report: notified, with a notice id"
grep -q "to=<$DEAD>.*status=bounced" "$HD/log/maillog"
is "$?" 0 "Postfix bounced the notification to $DEAD"
f=$(grep -l -- "^X-Meldpunt-Outcome: bounce:hard" "$HD"/sink/* | head -n 1)
h_stable "$f"
like "$(h_header "$f" X-Meldpunt-Reason)" "re-notified \(queued for the sender\) to $NEXT \[abuse-c 192\.0\.2\.0/24\]" "the bounce: its incident queued for the next tier"

# The sender's notification reaches the next tier.
h_wait_for 30 "the re-notification to $NEXT at the sink" _renotified
g=$(to_next | head -n 1)
ok "the next tier's contact $NEXT received a notification" test -n "$g"
h_stable "$g"
is "$(h_rcpts "$g")" "$NEXT" "to $NEXT alone"
is "$(h_header "$g" X-Meldpunt-Flow)" "outbound" "signed by the milter as outbound mail"
like "$(h_header "$g" Subject)" '^\[Meldpunt #[0-9]{8}-[0-9]{8}\] ' "its Subject starts with its own ticket"
id2=$(h_header "$g" X-Meldpunt-Id)
like "$id2" '^MP-[a-z2-7]{26}$' "it carries its own notice id"
unlike "$id2" "^$id1\$" "not the bounced notification's id"
like "$(sed -n 's/^X-Mail-Args: <\([^>]*\)>.*/\1/p' "$g")" "^bounces\+$(echo "$id2" | tr A-Z a-z)@meldpunt\.test\$|^bounces\+$id2@meldpunt\.test\$" "its return path is BounceAddress tagged with its own notice id"
like "$(grep "outcome=sent " "$HD/log/milter.log" | grep -ci "$id2")" '^1$' "the milter signed it once as the sender's (outcome=sent)"
like "$(grep "sender: notice=$id2 " "$HD/log/milter.log")" "to=<$NEXT> type=spam:report .*rows=1: sent \(250" "the sender logged it: one row, sent"
$PART "$g" text/plain >"$HD/renotify.txt"
ok "its text names the bounced incident's address 192.0.2.25" grep -q '192\.0\.2\.25' "$HD/renotify.txt"
$PART "$g" text/csv >"$HD/renotify.csv"
is "$?" 0 "it has a CSV attachment"
row=$(/usr/bin/python3 -c 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(len(rows))
for r in rows: print(r["ip"], r["type"], r["note"])' "$HD/renotify.csv")
is "$(printf '%s\n' "$row" | head -n 1)" 1 "the CSV holds one row"
# (the notice id as the bounce's return path gave it: lower case)
like "$(printf '%s\n' "$row" | sed -n 2p | tr A-Z a-z)" "^192\.0\.2\.25 spam re-notified: notice $(echo "$id1" | tr A-Z a-z) of .* could not be delivered to the contact before you" "the row is the bounced incident, its note names the bounced notice"
ok "the dead contact's address is not in it" bash -c "! grep -qiF '$DEAD' '$g'"
h_message "$g" >"$HD/renotify.eml"
ok "dkimpy verifies its rsa-sha256 signature" $PY "$HD/keys/records.txt" verify "$HD/renotify.eml" 0
ok "dkimpy verifies its ed25519-sha256 signature" $PY "$HD/keys/records.txt" verify "$HD/renotify.eml" 1
"$top_builddir/tools/meldpunt-verify" --key-file "$HD/keys/records.txt" \
	--identity "$INTAKE" "$HD/renotify.eml" >"$HD/log/verify.out" 2>&1
is "$?" 0 "meldpunt-verify says it is genuine"

# Nothing lost, nothing twice: the bounce archived and the re-notification
# at the sink, the first notification bounced; a few more sender passes
# later still the same; nothing pending, nothing in the outbox.
sleep 3
is "$(ls "$HD"/sink | wc -l)" 2 "nothing lost: two messages at the sink (the bounce archived, the re-notification)"
is "$(count_at_sink X-Meldpunt-Outcome bounce:hard)" 1 "one bounce archived"
is "$(to_next | wc -l)" 1 "the next tier was told once"
is "$(grep -c "to=<$DEAD>.*status=bounced" "$HD/log/maillog")" 1 "one notification bounced by Postfix"
is "$(grep -c "to=<$NEXT>.*status=sent" "$HD/log/maillog")" 1 "Postfix delivered one to $NEXT"
is "$(h_queue_count)" 0 "nothing left in Postfix's queue"
"$QUEUE" list -c "$CONF" >"$HD/log/queue.out" 2>&1
is "$(grep -c . "$HD/log/queue.out")" 2 "meldpunt-queue list: nothing pending, nothing in the outbox"
sleep 1.2	# StatsFile is written about once a second
like "$(cat "$HD/stats")" "bounce:hard 1" "counters: bounce:hard 1"
like "$(cat "$HD/stats")" "(^| )sent 1( |$)" "counters: sent 1"

h_stop
done_testing
