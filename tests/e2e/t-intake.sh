#!/bin/bash
# End to end, intake to notification: reports mailed to the intake
# address of a private Postfix + meldpunt-milter arrive at the routed
# contact as a readable, signed notification in the contact's language with
# the original report attached byte-exact; every other case ends in one
# visible state (duplicate, quarantined:<reason>, a 4xx), nothing is lost,
# and hostile report values add no header and no recipient. A notification
# carries no trace of the intake hop (docs/privacy.md): not the reporter's client
# address, HELO name or envelope sender, not the intake address - the
# milter deletes the report's header and Postfix's own Received header of
# the intake hop goes by etc/postfix/meldpunt_header_checks - and it names
# the reporter as its record's "disclose" allows.
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"

why=$(h_can_run) || skip_all "$why"
/usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null || skip_all "python3-dkim missing"
h_init || exit 1
EX=$top_srcdir/examples
DATA=$top_srcdir/tests/e2e/data
PART="/usr/bin/python3 $top_srcdir/tests/e2e/mimepart.py"
PY="/usr/bin/python3 $top_srcdir/tests/dkimpy.py"
CONF=$HD/meldpunt.conf
h_dkim_keys meldpunt.test || { echo "Bail out! signing keys"; exit 1; }
h_reporter_keys mailbox.example.com honeypot.example.com research.example.org ||
	{ echo "Bail out! reporter keys"; exit 1; }
echo 'honeypot.example.org TXT "v=spf1 ip4:192.0.2.200 -all"' >>"$HD/dns.zone"
h_milter_conf "$CONF" "$(h_dkim_conf meldpunt.test)
BounceAddress bounces@meldpunt.test
QuarantineAddress review@meldpunt.test
ArchiveAddress archive@meldpunt.test
StatsFile $HD/stats"
# The intake address differs from the Identity here, so that a trace of
# it in a notification's header cannot hide behind the From.
INTAKE=intake@meldpunt.test
sed -i "s/^IntakeAddress.*/IntakeAddress $INTAKE/" "$CONF"
h_start_milter "$CONF" || { echo "Bail out! milter did not start"; exit 1; }
# The shipped header_checks rule, with this host's names.
sed -e 's/mx1\\\.meldpunt\\\.example\\\.nl/mx\\.meldpunt\\.test/' \
    -e 's/meldingen@meldpunt\\\.example\\\.nl/intake@meldpunt\\.test/' \
    "$top_srcdir/etc/postfix/meldpunt_header_checks" >"$HD/etc/meldpunt_header_checks"
POSTFIX_EXTRA="header_checks = regexp:$HD/etc/meldpunt_header_checks"
h_start_postfix || { echo "Bail out! postfix did not start"; exit 1; }
# The reporters connect from their own address with their own HELO name.
REPORTER_IP=127.0.0.2
REPORTER_HELO=reporter-helo.example.net
H_SWAKS_EXTRA="--local-interface $REPORTER_IP --helo $REPORTER_HELO"

signed() {	# signed FILE DOMAIN: the report as its reporter signs it
	h_sign_report "$1" "$2" >"$HD/$(basename "$1").signed" && echo "$HD/$(basename "$1").signed"
}
# The decoded part as it was on the wire (text travels with CRLF).
wire_part() { sed -e 's/\r$//' -e 's/$/\r/' "$1" >"$HD/wire.eml"; $PART "$HD/wire.eml" "$2"; }
envelope_sender() { sed -n 's/^X-Mail-Args: <\([^>]*\)>.*/\1/p' "$1"; }
# 1. ARF spam report about 192.0.2.25: the hospital does not want spam
#    reports, so its sector CERT (an intermediary, Dutch) is told.
arf=$(signed "$EX/arf-spam.eml" mailbox.example.com)
f=$(h_send "$arf" "$INTAKE"); rc=$?
is "$rc" 0 "ARF report: delivered"
is "$(h_rcpts "$f")" "meldingen@zorgcert.example.nl" "ARF: the routed contact is the only recipient (intake address gone)"
is "$(h_header "$f" X-Meldpunt-Outcome)" "notified" "ARF: outcome notified"
like "$(h_header "$f" X-Meldpunt-Id)" "^MP-[a-z2-7]{26}$" "ARF: one notification id"
like "$(h_header "$f" From)" "meldingen@meldpunt.test" "ARF: From is the clearinghouse identity"
is "$(envelope_sender "$f")" "bounces+$(h_header "$f" X-Meldpunt-Id | tr A-Z a-z)@meldpunt.test" "ARF: envelope sender is BounceAddress with the notice id (BounceDelimiter +)"
is "$(h_header "$f" Received | grep -c mailbox.example.com)" 0 "ARF: the report's own header is gone"
h_no_trace "$f" fbl@mailbox.example.com "ARF"
text=$($PART "$f" text/plain)
like "$text" "Goedendag|Geachte|Beste" "ARF: the text is Dutch"
like "$text" "192\.0\.2\.25" "ARF: the text names the address"
# mailbox.example.com: no disclose line, so its record's name, no address
like "$text" "Gemeld door: Example mailbox provider \(feedback loop\)" "ARF: the reporter by its record's name (disclose name, the default)"
unlike "$text" "fbl@mailbox\.example\.com" "ARF: and not by its address"
ok "ARF: 7-bit clean" bash -c "! LC_ALL=C grep -q '[^[:print:][:space:]]' '$f'"
wire_part "$arf" message/feedback-report >"$HD/arf.orig"
$PART "$f" message/feedback-report >"$HD/arf.att"
ok "ARF: the feedback report is attached byte-exact" cmp -s "$HD/arf.orig" "$HD/arf.att"
h_message "$f" >"$HD/notice1.eml"
ok "ARF: dkimpy verifies the rsa-sha256 signature" $PY "$HD/keys/records.txt" verify "$HD/notice1.eml" 0
ok "ARF: dkimpy verifies the ed25519-sha256 signature" $PY "$HD/keys/records.txt" verify "$HD/notice1.eml" 1
"$top_builddir/tools/meldpunt-verify" --key-file "$HD/keys/records.txt" \
	--identity meldingen@meldpunt.test --lang nl "$HD/notice1.eml" >"$HD/verify.out"
is "$?" 0 "ARF: meldpunt-verify says genuine"

# 2. X-ARF login attack on 198.51.100.7: only the network's abuse-c, whose
#    language is unknown: bilingual.
xarf=$(signed "$EX/xarf-login-attack.eml" honeypot.example.com)
f=$(h_send "$xarf" "$INTAKE")
is "$(h_rcpts "$f")" "abuse@telecom.example.nl" "X-ARF: routed to the network's abuse-c"
text=$($PART "$f" text/plain)
like "$text" "198\.51\.100\.7" "X-ARF: names the address"
h_no_trace "$f" reports@honeypot.example.com "X-ARF"
like "$text" "Reported by: Honeypot Netwerk <reports@honeypot\.example\.com>" "X-ARF: name and address (disclose name+address)"
ok "X-ARF: bilingual (Dutch and English)" bash -c "printf '%s' \"\$1\" | grep -Eq 'Goedendag|Geachte|Beste' && printf '%s' \"\$1\" | grep -Eq 'Dear|Hello'" _ "$text"
wire_part "$xarf" filename=report.txt >"$HD/xarf.orig"
$PART "$f" filename=report.txt >"$HD/xarf.att"
ok "X-ARF: report.txt attached byte-exact" cmp -s "$HD/xarf.orig" "$HD/xarf.att"

# 3. XARF v4 vulnerable RDP on 203.0.113.10: the municipality has no
#    contact of its own; its security.txt names one.
x4=$(signed "$EX/xarf4-vulnerable.eml" research.example.org)
f=$(h_send "$x4" "$INTAKE")
is "$(h_rcpts "$f")" "cert@voorbeeldstad.example.nl" "XARF v4: routed to the security.txt contact"
h_no_trace "$f" scan@research.example.org "XARF v4"
text=$($PART "$f" text/plain)
unlike "$text" "Reported by|Gemeld door|Example Research|research\.example\.org" "XARF v4: the reporter is not named (disclose none)"
wire_part "$x4" filename=xarf.json >"$HD/x4.orig"
$PART "$f" filename=xarf.json >"$HD/x4.att"
ok "XARF v4: xarf.json attached byte-exact" cmp -s "$HD/x4.orig" "$HD/x4.att"

# 4. the same report again: one notification only; the copy is archived
f=$(h_send "$arf" "$INTAKE")
is "$(h_header "$f" X-Meldpunt-Outcome)" "duplicate" "same report twice: duplicate"
is "$(h_rcpts "$f")" "archive@meldpunt.test" "the duplicate goes to ArchiveAddress"
is "$(grep -l '^X-Rcpt-Args: <meldingen@zorgcert.example.nl>' "$HD"/sink/* | wc -l)" 1 "the contact got one notification"

# 5. not a report, from a known reporter: quarantined, unchanged
nar=$(signed "$DATA/not-a-report.eml" mailbox.example.com)
f=$(h_send "$nar" "$INTAKE")
is "$(h_header "$f" X-Meldpunt-Outcome)" "quarantined:not-a-report" "a non-report is quarantined"
is "$(h_rcpts "$f")" "review@meldpunt.test" "to QuarantineAddress"
like "$(h_header "$f" X-Meldpunt-Reason)" "not a report" "with the reason"
is "$(h_body "$f" | sed '/^$/d' | head -n 1)" "Just a note, not a report. Please update our contact details." "body unchanged"

# 6. unrouted report
unr=$(signed "$DATA/unrouted-arf.eml" mailbox.example.com)
f=$(h_send "$unr" "$INTAKE")
is "$(h_header "$f" X-Meldpunt-Outcome)" "quarantined:unrouted" "an unrouted report is quarantined"
like "$(h_header "$f" X-Meldpunt-Reason)" "100\.64\.0\.1" "the reason names the address"
ok "unrouted: delivered unchanged (the report's own Message-ID kept)" grep -q '^Message-ID: <fbl-unrouted-1@mailbox.example.com>' "$f"

# 7. a registered reporter's report without its DKIM signature
f=$(h_send "$EX/xarf-login-attack.eml" "$INTAKE")
is "$(h_header "$f" X-Meldpunt-Outcome)" "quarantined:unauthenticated" "an unsigned report from a DKIM reporter is quarantined"
is "$(h_rcpts "$f")" "review@meldpunt.test" "and never forwarded to a contact"

# 8. a tampered signed report
sed 's/Occurrences: 412/Occurrences: 9999/' "$xarf" >"$HD/tampered.eml"
f=$(h_send "$HD/tampered.eml" "$INTAKE")
is "$(h_header "$f" X-Meldpunt-Outcome)" "quarantined:unauthenticated" "a tampered report is quarantined"

# 8b. a reporter registered for SPF whose domain does not designate the
#     client (the zone, loaded at start, lets only 192.0.2.200 send for it)
sed -e 's/honeypot\.example\.com/honeypot.example.org/g' "$EX/xarf-login-attack.eml" >"$HD/spf-report.eml"
f=$(H_FROM=reports@honeypot.example.org h_send "$HD/spf-report.eml" "$INTAKE")
is "$(h_header "$f" X-Meldpunt-Outcome)" "quarantined:unauthenticated" "a report failing SPF is quarantined"
like "$(h_header "$f" X-Meldpunt-Reason)" "SPF" "and the reason names SPF"

# 9. injection attempts in report values
inj=$(signed "$DATA/injection-xarf4.eml" research.example.org)
f=$(h_send "$inj" "$INTAKE")
is "$(h_header "$f" X-Meldpunt-Outcome)" "notified" "hostile values: still notified"
is "$(h_rcpts "$f")" "cert@voorbeeldstad.example.nl" "no recipient added"
is "$(h_header "$f" Bcc)" "" "no Bcc header"
is "$(h_header "$f" To)" "cert@voorbeeldstad.example.nl" "To is the contact only"
is "$(h_header "$f" Subject | grep -c pwned)" 0 "no injected Subject"
is "$(h_header "$f" Content-Type | grep -c text/html)" 0 "no injected Content-Type"
# The values may show up as text (here inside the Subject), never as a field.
ok "no header field of the attacker's" bash -c "! sed '/^\r\?$/q' '$f' | grep -v '^Subject:' | grep -Eq '^[A-Za-z-]+:.*attacker\.example'"
ok "no control characters in the text" bash -c "! $PART '$f' text/plain | LC_ALL=C grep -q \$'[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f]'"

# 10. a report sent to the intake address and someone else
f=$(h_send "$arf" "$INTAKE" someone@example.org)
is "$(h_header "$f" X-Meldpunt-Outcome)" "quarantined:mixed-recipients" "mixed recipients: quarantined"

# 10b. the intake address twice: Postfix's Received header then has no
#      "for" clause for header_checks to key on; never notified
f=$(h_send "$arf" "$INTAKE" "$INTAKE")
is "$(h_header "$f" X-Meldpunt-Outcome)" "quarantined:mixed-recipients" "intake address twice: quarantined"

# 11. flood control: MaxNoticesPerContact 1, and the sector CERT already
#     had one this hour: the next report waits (4xx), nothing is lost.
h_milter_conf "$CONF" "$(h_dkim_conf meldpunt.test)
QuarantineAddress review@meldpunt.test
MaxNoticesPerContact 1
StatsFile $HD/stats"
sed -i "s/^IntakeAddress.*/IntakeAddress $INTAKE/" "$CONF"
kill -USR1 "$(h_milter_pid)"
h_wait_for 5 "generation 2 in the milter log" grep -q "generation 2" "$HD/log/milter.log"
second=$(signed "$DATA/arf-second.eml" mailbox.example.com)
reply=$(h_send "$second" "$INTAKE"); rc=$?
is "$rc" 3 "over the hourly limit: not accepted now"
like "$reply" "4[0-9][0-9] 4\.7\.1" "with a 4xx (the sender retries)"
like "$(grep 'deferred:rate-limit' "$HD/log/milter.log")" "zorgcert" "logged with the contact"

# 11b. a fault while checking a reporter is a tempfail, not a verdict: the
#      reporter's DKIM key record answers SERVFAIL; the reporter is told
#      451 and the milter log says why
sed -i 's/^\(rep\._domainkey\.research\.example\.org\) TXT .*/\1 TXT TEMPFAIL/' "$HD/dns.zone"
kill -USR1 "$(h_milter_pid)"
h_wait_for 5 "generation 3 in the milter log" grep -q "generation 3" "$HD/log/milter.log"
reply=$(h_send "$x4" "$INTAKE"); rc=$?
is "$rc" 3 "DKIM key SERVFAIL: not accepted now"
like "$reply" "451 4\.3\.0" "with 451 4.3.0 (the reporter retries)"
like "$(grep 'flow=intake outcome=tempfail' "$HD/log/milter.log" | tail -n 1)" "reason=\"the DKIM key of d=research\.example\.org cannot be fetched now\"" "the milter log names the reason"
is "$(grep -c 'quarantined:unauthenticated' "$HD/log/milter.log")" 3 "and nothing more was quarantined as unauthenticated"

# 12. one log line per message, with queue id, flow, outcome and reason
like "$(grep -c 'flow=intake outcome=' "$HD/log/milter.log")" "^1[0-9]$" "one log line per intake message"

# 13. meldpunt-milter -s prints the counters since start
sleep 1.5
stats=$("$top_builddir/milter/meldpunt-milter" -s -c "$CONF")
is "$?" 0 "meldpunt-milter -s"
like "$stats" "notified +4" "counts the notifications"
like "$stats" "duplicate +1" "the duplicate"
like "$stats" "quarantined:unauthenticated +3" "the unauthenticated reports"
like "$stats" "deferred:rate-limit +1" "and the deferred one"

done_testing
