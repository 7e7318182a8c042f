#!/bin/bash
# End to end: a message through a private Postfix and meldpunt-milter.
# Flow header per flow, forged meldpunt headers removed, too-large intake
# marked and delivered, reload on SIGUSR1 (good and broken config), and a
# stopped milter makes Postfix tempfail without losing the message.
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"

why=$(h_can_run) || skip_all "$why"
h_init
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
is "$(h_header "$f" X-Meldpunt-Outcome)" "" "a sender's forged outcome header is removed"
like "$(h_body "$f")" "plain test message" "body intact"

# 2. outbound: sender in a protected domain
f=$(H_FROM=noc@meldpunt.test h_send "$DATA/plain.eml" someone@example.org)
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

# 5. reload with a changed config
h_milter_conf "$CONF" "IntakeAddress second@meldpunt.test"
kill -USR1 "$(h_milter_pid)"
for _ in $(seq 1 50); do grep -q "generation 2" "$HD/log/milter.log" && break; sleep 0.1; done
like "$(cat "$HD/log/milter.log")" "reloaded .* \(configuration generation 2\)" "SIGUSR1 reloads"
f=$(h_send "$DATA/plain.eml" second@meldpunt.test)
is "$(h_header "$f" X-Meldpunt-Flow)" "intake" "new IntakeAddress used after reload"

# 6. reload with a broken config keeps the old one
echo "IntakeAdress typo@meldpunt.test" >>"$CONF"
kill -USR1 "$(h_milter_pid)"
for _ in $(seq 1 50); do grep -q "reload failed" "$HD/log/milter.log" && break; sleep 0.1; done
like "$(grep 'reload failed' "$HD/log/milter.log")" "meldpunt.conf:8: unknown key \"IntakeAdress\"" "broken reload logged with FILE:LINE"
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
for _ in $(seq 1 200); do [ "$(ls "$HD/sink" | wc -l)" -gt "$before" ] && [ "$(h_queue_count)" -eq 0 ] && break; sleep 0.1; done
is "$(ls "$HD/sink" | wc -l)" "$((before + 1))" "after restart the queued message arrives once"
is "$(h_queue_count)" 0 "queue empty"

done_testing
