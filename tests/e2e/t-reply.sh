#!/bin/bash
# End to end, replies to notifications: a report to the intake address
# becomes a notification (its Subject starts with the ticket, its Reply-To
# is the helpdesk, its Message-ID carries the notice id). Answers that
# come back to a clearinghouse address anyway are told apart before any
# report parser runs: one with In-Reply-To to the intake address, and one
# that names only the ticket in its Subject to the Identity address, reach
# the helpdesk with X-Meldpunt-Notice, -Ticket, -Contact and -Report; an
# out-of-office answer is archived; answers naming an unknown notification
# are ordinary mail to their address (a report that is none: the review
# mailbox; the Identity address: passed on). Nothing is lost: every
# message is counted at the sink, at exactly one address.
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"

why=$(h_can_run) || skip_all "$why"
h_init || exit 1
EX=$top_srcdir/examples
CONF=$HD/meldpunt.conf
h_dkim_keys meldpunt.test || { echo "Bail out! signing keys"; exit 1; }
h_reporter_keys mailbox.example.com || { echo "Bail out! reporter keys"; exit 1; }
INTAKE=meldingen@meldpunt.test
IDENTITY=noreply@meldpunt.test
HELPDESK=helpdesk@meldpunt.test
ARCHIVE=archive@meldpunt.test
REVIEW=review@meldpunt.test
CONTACT=meldingen@zorgcert.example.nl
h_milter_conf "$CONF" "$(h_dkim_conf meldpunt.test)
BounceAddress bounces@meldpunt.test
ReplyAddress $HELPDESK
RenotifyInterval 0
QuarantineAddress $REVIEW
ArchiveAddress $ARCHIVE
StatsFile $HD/stats" || { echo "Bail out! milter config"; exit 1; }
# The Identity address apart from the intake address: mail to it is flow
# "other", whose body the milter does not keep.
sed -i "s/^Identity[ \t].*/Identity $IDENTITY Meldpunt Test/" "$CONF"
h_start_milter "$CONF" || { echo "Bail out! milter did not start"; exit 1; }
POSTFIX_EXTRA="recipient_delimiter = +"
h_start_postfix || { echo "Bail out! postfix did not start"; exit 1; }
H_SWAKS_EXTRA="--local-interface 127.0.0.2 --helo reporter-helo.example.net"

# 1. The report: a notification to the contact.
report=$HD/report.eml
h_sign_report "$EX/arf-spam.eml" mailbox.example.com >"$report"
f=$(h_send "$report" "$INTAKE"); rc=$?
is "$rc" 0 "report: delivered"
is "$(h_rcpts "$f")" "$CONTACT" "report: notified to the contact"
is "$(h_header "$f" X-Meldpunt-Outcome)" "notified" "report: notified"
id=$(h_header "$f" X-Meldpunt-Id)
mid=$(h_header "$f" Message-ID)
subject=$(h_header "$f" Subject)
ticket=$(printf '%s\n' "$subject" | sed -n 's/^\[Meldpunt #\([0-9]\{8\}-[0-9]\{8\}\)\] .*/\1/p')
like "$id" "^MP-[a-z2-7]{26}$" "notification: its notice id"
is "$mid" "<$id@meldpunt.test>" "notification: its Message-ID carries the notice id"
like "$ticket" "^[0-9]{8}-[0-9]{8}$" "notification: its Subject starts with [Meldpunt #ticket]"
is "$(h_header "$f" Reply-To)" "<$HELPDESK>" "notification: Reply-To is the helpdesk"
like "$(h_body "$f" | tr -d '\r')" "(Ticketnummer|Ticket number): $ticket" "notification: the footer names the ticket"
like "$(grep "flow=intake outcome=notified id=$id" "$HD/log/milter.log")" "; ticket $ticket\"" "notification: the log line names the ticket"

# reply NAME RCPT HEADER-LINES BODY: an answer of the contact's, sent to RCPT
reply() {
	local file=$HD/$1.eml
	printf 'From: Zorg CERT <%s>\nTo: %s\nDate: %s\nMessage-ID: <%s-%s@zorgcert.example.nl>\n%s\n\n%s\n' \
		"$CONTACT" "$2" "$(date -R)" "$1" "$$" "$3" "$4" >"$file"
	H_FROM=$CONTACT h_send "$file" "$2"
}

# 2. A reply with In-Reply-To, to the intake address: to the helpdesk.
f=$(reply in-reply-to "$INTAKE" "Subject: Re: the notice
In-Reply-To: $mid
X-Meldpunt-Notice: MP-forged" "Fixed: the account's password is changed."); rc=$?
is "$rc" 0 "In-Reply-To: delivered"
is "$(h_rcpts "$f")" "$HELPDESK" "In-Reply-To: to the helpdesk alone"
is "$(h_header "$f" X-Meldpunt-Flow)" "reply" "In-Reply-To: flow reply"
is "$(h_header "$f" X-Meldpunt-Outcome)" "reply:forwarded" "In-Reply-To: forwarded"
is "$(h_header "$f" X-Meldpunt-Notice)" "$id" "In-Reply-To: X-Meldpunt-Notice is the notice id (the sender's own removed)"
is "$(h_header "$f" X-Meldpunt-Ticket)" "$ticket" "In-Reply-To: X-Meldpunt-Ticket is its ticket"
like "$(h_header "$f" X-Meldpunt-Contact)" "^$CONTACT \[intermediary " "In-Reply-To: X-Meldpunt-Contact names the contact and its rule"
is "$(h_header "$f" X-Meldpunt-Report)" "spam 192.0.2.25" "In-Reply-To: X-Meldpunt-Report names the report"
like "$(h_body "$f")" "password is changed" "In-Reply-To: the answer itself, unchanged"
like "$(grep 'flow=reply outcome=reply:forwarded' "$HD/log/milter.log" | head -n 1)" "id=$id reason=\"reply to notice $id \[ticket $ticket\] \(spam 192\.0\.2\.25\), matched by In-Reply-To\"" "In-Reply-To: the log line"

# 3. Only the ticket, in the Subject, to the Identity address.
f=$(reply ticket "$IDENTITY" "Subject: Re: [Meldpunt #$ticket] question" "Is this message real?"); rc=$?
is "$rc" 0 "ticket: delivered"
is "$(h_rcpts "$f")" "$HELPDESK" "ticket: to the helpdesk alone"
is "$(h_header "$f" X-Meldpunt-Notice)" "$id" "ticket: X-Meldpunt-Notice is the notice id"
like "$(grep "flow=reply outcome=reply:forwarded" "$HD/log/milter.log" | tail -n 1)" "matched by ticket" "ticket: matched by its ticket"

# 4. An out-of-office answer: archived, not forwarded.
f=$(reply ooo "$INTAKE" "Subject: Automatic reply: the notice
In-Reply-To: $mid
Auto-Submitted: auto-replied" "I am out of the office until Monday."); rc=$?
is "$rc" 0 "out of office: delivered"
is "$(h_rcpts "$f")" "$ARCHIVE" "out of office: to ArchiveAddress, not the helpdesk"
is "$(h_header "$f" X-Meldpunt-Outcome)" "reply:auto-reply" "out of office: reply:auto-reply"
is "$(h_header "$f" X-Meldpunt-Notice)" "$id" "out of office: names its notice"
like "$(h_header "$f" X-Meldpunt-Reason)" "^automatic answer \(auto-submitted\) to notice $id " "out of office: the reason says why"

# 5. Ids that match nothing: ordinary mail to their address.
f=$(reply unknown "$INTAKE" "Subject: Re: [Meldpunt #20200101-00000001] old
In-Reply-To: <MP-aaaaaaaaaaaaaaaaaaaaaaaaaa@meldpunt.test>" "About an old notice."); rc=$?
is "$rc" 0 "unknown id to intake: delivered"
is "$(h_header "$f" X-Meldpunt-Flow)" "intake" "unknown id to intake: flow intake"
like "$(h_header "$f" X-Meldpunt-Outcome)" "^quarantined:" "unknown id to intake: a report that is none, quarantined"
is "$(h_rcpts "$f")" "$REVIEW" "unknown id to intake: in the review mailbox"
is "$(h_header "$f" X-Meldpunt-Notice)" "" "unknown id to intake: no notice named"
f=$(reply unknown2 "$IDENTITY" "Subject: Re: old
In-Reply-To: <MP-aaaaaaaaaaaaaaaaaaaaaaaaaa@meldpunt.test>" "About an old notice."); rc=$?
is "$rc" 0 "unknown id to Identity: delivered"
is "$(h_rcpts "$f")" "$IDENTITY" "unknown id to Identity: to its own recipient"
is "$(h_header "$f" X-Meldpunt-Flow)" "other" "unknown id to Identity: flow other, passed on"

# Nothing lost: six messages in, six at the sink, each at one address.
is "$(ls "$HD"/sink | wc -l)" 6 "nothing lost: six messages at the sink"
count_rcpt() { grep -l -- "^X-Rcpt-Args: <$1>" "$HD"/sink/* 2>/dev/null | wc -l; }
is "$(count_rcpt "$CONTACT")" 1 "at the sink: the notification, once"
is "$(count_rcpt "$HELPDESK")" 2 "at the sink: two replies at the helpdesk"
is "$(count_rcpt "$ARCHIVE")" 1 "at the sink: the out-of-office answer, archived once"
is "$(count_rcpt "$REVIEW")" 1 "at the sink: the unknown id to intake, in review once"
is "$(count_rcpt "$IDENTITY")" 1 "at the sink: the unknown id to the Identity address, once"
is "$(grep -c '^X-Rcpt-Args:' "$HD"/sink/* | awk -F: '{ s += $2 } END { print s }')" 6 "at the sink: one recipient per message"
is "$(h_queue_count)" 0 "nothing left in the queue"
sleep 1.2	# StatsFile is written about once a second
like "$(cat "$HD/stats")" "flow:reply 3" "counters: flow:reply 3"
like "$(cat "$HD/stats")" "reply:forwarded 2" "counters: reply:forwarded 2"
like "$(cat "$HD/stats")" "reply:auto-reply 1" "counters: reply:auto-reply 1"

done_testing
