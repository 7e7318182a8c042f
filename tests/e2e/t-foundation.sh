#!/bin/bash
# End to end: a message through a private Postfix and meldpunt-milter.
# Flow header per flow, forged meldpunt headers removed, too-large intake
# marked and delivered, reload on SIGUSR1 (good and broken config), and a
# stopped milter makes Postfix tempfail without losing the message.
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"

why=$(h_can_run) || skip_all "$why"
h_init || exit 1
DATA=$top_srcdir/tests/e2e/data
CONF=$HD/meldpunt.conf
h_milter_conf "$CONF"
h_start_milter "$CONF" || { echo "Bail out! milter did not start"; exit 1; }
h_start_postfix || { echo "Bail out! postfix did not start"; exit 1; }

# 1. intake
f=$(h_send "$DATA/plain.eml" meldingen@meldpunt.test)
is "$?" 0 "intake message delivered"
is "$(h_header "$f" X-Meldpunt-Flow)" "intake" "intake message has one flow header: intake"
is "$(h_rcpts "$f")" "meldingen@meldpunt.test" "recipient unchanged"
is "$(h_header "$f" X-Meldpunt-Outcome)" "quarantined:unauthenticated" \
	"a sender's forged outcome header is replaced by the real outcome"
like "$(h_body "$f")" "plain test message" "body intact"

# 2. outbound: sender in a protected domain, through the submission
# service from a trusted host (the identity rules are tested in t-identity)
f=$(H_PORT=$SUBMIT_PORT H_FROM=noc@meldpunt.test h_send "$DATA/plain.eml" someone@example.org)
is "$(h_header "$f" X-Meldpunt-Flow)" "outbound" "protected sender is outbound"

# 3. other
f=$(h_send "$DATA/plain.eml" someone@example.org)
is "$(h_header "$f" X-Meldpunt-Flow)" "other" "unrelated mail is other"

# 4. too large (limit 64K in the harness config): delivered, marked
big=$HD/big.eml
{ sed '/^$/q' "$DATA/plain.eml"; for i in $(seq 1 1500); do echo "line $i of a large report padding padding padding"; done; } >"$big"
f=$(h_send "$big" meldingen@meldpunt.test)
is "$?" 0 "too-large intake message is still delivered"
is "$(h_header "$f" X-Meldpunt-Outcome)" "quarantined:too-large" "too-large outcome header"
like "$(h_header "$f" X-Meldpunt-Reason)" "larger than MaximumMessageSize 65536" "reason names the limit"

# 5. reload with a changed config. A session opened before the reload
# keeps the configuration it started with; new sessions get the new one.
exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT"
smtp() {	# send one command (or none), print the last reply line
	[ -n "$1" ] && printf '%s\r\n' "$1" >&3
	while IFS= read -r -t 20 line <&3; do
		case $line in [0-9][0-9][0-9]-*) continue;; esac
		printf '%s\n' "${line%$'\r'}"; return 0
	done
	echo "no reply"
}
smtp "" >/dev/null
smtp "EHLO old.session.test" >/dev/null
h_milter_conf "$CONF" "IntakeAddress second@meldpunt.test"
kill -USR1 "$(h_milter_pid)"
h_wait_for 5 "generation 2 in the milter log" grep -q "generation 2" "$HD/log/milter.log"
like "$(cat "$HD/log/milter.log")" "reloaded .* \(SIGUSR1; configuration generation 2\)" "SIGUSR1 reloads"
smtp "MAIL FROM:<reporter@example.net>" >/dev/null
smtp "RCPT TO:<second@meldpunt.test>" >/dev/null
smtp "DATA" >/dev/null
printf 'Subject: old session\r\nMessage-ID: <old-session@example.net>\r\n\r\nopened before the reload\r\n.\r\n' >&3
reply=$(smtp "")
smtp "QUIT" >/dev/null
exec 3<&-
like "$reply" "^250 " "a session open across the reload is not dropped"
qid=$(printf '%s' "$reply" | sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p')
f=$(h_wait_qid "$qid")
is "$(h_header "$f" X-Meldpunt-Flow)" "other" "it keeps the configuration it started with"
f=$(h_send "$DATA/plain.eml" second@meldpunt.test)
is "$(h_header "$f" X-Meldpunt-Flow)" "intake" "a new session uses the new IntakeAddress"

# 6. reload with a broken config keeps the old one
typo_line=$(($(wc -l <"$CONF") + 1))
echo "IntakeAdress typo@meldpunt.test" >>"$CONF"
kill -USR1 "$(h_milter_pid)"
h_wait_for 5 "a failed reload in the milter log" grep -q "reload failed" "$HD/log/milter.log"
like "$(grep 'reload failed' "$HD/log/milter.log")" "meldpunt.conf:$typo_line: unknown key \"IntakeAdress\"" "broken reload logged with FILE:LINE"
f=$(h_send "$DATA/plain.eml" second@meldpunt.test)
is "$(h_header "$f" X-Meldpunt-Flow)" "intake" "old configuration kept after a broken reload"
ok "milter still running" kill -0 "$(h_milter_pid)"

# 7. milter stopped: SMTP gets a 4xx, local submission stays queued
h_stop_milter
reply=$(h_send "$DATA/plain.eml" meldingen@meldpunt.test); rc=$?
is "$rc" 3 "SMTP not accepted while the milter is down"
like "$reply" "4[0-9][0-9]" "the refusal is temporary (4xx)"
before=$(ls "$HD/sink" | wc -l)
h_submit "$DATA/plain.eml" meldingen@meldpunt.test
sleep 3
is "$(ls "$HD/sink" | wc -l)" "$before" "nothing delivered without the milter"
ok "the submitted message stays in the queue" test "$(h_queue_count)" -ge 1
h_milter_conf "$CONF"
h_start_milter "$CONF"
/usr/sbin/postkick -c "$HD/etc" public pickup W 2>/dev/null
_delivered() { [ "$(ls "$HD/sink" | wc -l)" -gt "$before" ] && [ "$(h_queue_count)" -eq 0 ]; }
h_wait_for 20 "the queued message at the sink and an empty queue" _delivered
is "$(ls "$HD/sink" | wc -l)" "$((before + 1))" "after restart the queued message arrives once"
is "$(h_queue_count)" 0 "queue empty"

done_testing
