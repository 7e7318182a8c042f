#!/bin/bash
# End to end through Sendmail: Debian's Sendmail 8.17 (unpacked into a private
# prefix by scripts/sendmail-private.sh, never installed), configured with
# etc/sendmail/meldpunt.mc.snippet as shipped, relaying to smtp-sink. Reports
# to the intake address become dual-signed notifications; nobody sends as the
# clearinghouse except a trusted host through the submission daemon or an
# allowed SASL user; with the milter down Sendmail answers 4xx (F=T) and
# nothing is lost. See tests/e2e/sendmail-harness.sh for how it runs.
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"
. "$top_srcdir/tests/e2e/sendmail-harness.sh"

why=$(s_can_run) || skip_all "$why"
command -v saslpasswd2 >/dev/null || skip_all "saslpasswd2 missing (sasl2-bin)"
/usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null || skip_all "python3-dkim missing"
h_init
s_init || { echo "Bail out! Sendmail's namespace did not start"; exit 1; }
EX=$top_srcdir/examples
DATA=$top_srcdir/tests/e2e/data
PY="/usr/bin/python3 $top_srcdir/tests/dkimpy.py"
VERIFY=$top_builddir/tools/meldpunt-verify
CONF=$HD/meldpunt.conf
h_dkim_keys meldpunt.test || { echo "Bail out! signing keys"; exit 1; }
h_reporter_keys mailbox.example.com || { echo "Bail out! reporter keys"; exit 1; }
printf 'noc@meldpunt.test   noc@meldpunt.test\nother@meldpunt.test  other@meldpunt.test\n' >"$HD/identity.map"
h_milter_conf "$CONF" "$(h_dkim_conf meldpunt.test)
IdentityMap $HD/identity.map
BounceAddress bounces@meldpunt.test
QuarantineAddress review@meldpunt.test
ArchiveAddress archive@meldpunt.test"
h_start_milter "$CONF" || { echo "Bail out! milter did not start"; exit 1; }
s_sasl_user noc@meldpunt.test s3cret || { echo "Bail out! saslpasswd2"; exit 1; }
s_sasl_user other@meldpunt.test s3cret || { echo "Bail out! saslpasswd2"; exit 1; }
s_start_sendmail || { echo "Bail out! sendmail did not start"; exit 1; }

ok "the .cf has the snippet's filter as shipped" grep -q '^Xmeldpunt, S=local:/run/meldpunt/milter.sock, F=T' "$HD/sendmail/sendmail.cf"
like "$(grep '^O DaemonPortOptions' "$HD/sendmail/sendmail.cf")" "Name=ORIGINATING" "and its submission daemon, in place of Debian's MSP-v4"

# 1. a signed report to the intake address: a notification to the routed
#    contact, signed rsa-sha256 and ed25519-sha256
h_sign_report "$EX/arf-spam.eml" mailbox.example.com >"$HD/arf.eml"
f=$(s_send "$HD/arf.eml" meldingen@meldpunt.test); rc=$?
is "$rc" 0 "signed report: delivered"
is "$(h_rcpts "$f")" "meldingen@zorgcert.example.nl" "to the routed contact only"
is "$(h_header "$f" X-Meldpunt-Outcome)" "notified" "outcome notified"
like "$(h_header "$f" From)" "meldingen@meldpunt.test" "From is the clearinghouse identity"
is "$(sed -n 's/^X-Mail-Args: <\([^>]*\)>.*/\1/p' "$f")" "bounces@meldpunt.test" "envelope sender is BounceAddress"
sigs=$(h_header "$f" DKIM-Signature)
like "$sigs" "a=rsa-sha256" "an rsa-sha256 signature"
like "$sigs" "a=ed25519-sha256" "and an ed25519-sha256 signature"
h_message "$f" >"$HD/notice.eml"
ok "dkimpy verifies the rsa-sha256 signature" $PY "$HD/keys/records.txt" verify "$HD/notice.eml" 0
ok "dkimpy verifies the ed25519-sha256 signature" $PY "$HD/keys/records.txt" verify "$HD/notice.eml" 1
"$VERIFY" --key-file "$HD/keys/records.txt" --identity meldingen@meldpunt.test --lang nl \
	"$HD/notice.eml" >"$HD/verify.out" 2>&1
is "$?" 0 "meldpunt-verify says genuine"

# 2. the same report again
f=$(s_send "$HD/arf.eml" meldingen@meldpunt.test)
is "$(h_header "$f" X-Meldpunt-Outcome)" "duplicate" "the same report again: duplicate"
is "$(grep -l '^X-Rcpt-Args: <meldingen@zorgcert.example.nl>' "$HD"/sink/* | wc -l)" 1 "the contact got one notification"

# 3. a registered reporter's report without its signature
f=$(s_send "$EX/arf-spam.eml" meldingen@meldpunt.test)
is "$(h_header "$f" X-Meldpunt-Outcome)" "quarantined:unauthenticated" "an unsigned report is quarantined"
is "$(h_rcpts "$f")" "review@meldpunt.test" "to QuarantineAddress, never to a contact"

# 4. an outsider (port 25, daemon MTA-v4) with the clearinghouse's From
reply=$(s_send "$DATA/from-protected.eml" owner@example.org); rc=$?
is "$rc" 3 "an outsider with the clearinghouse's From is refused"
like "$reply" "550 5.7.1" "with 550 5.7.1"

# 5. a trusted host through the submission daemon (ORIGINATING), no login
f=$(S_PORT=587 s_send "$DATA/from-protected.eml" owner@example.org); rc=$?
is "$rc" 0 "a trusted host through the submission daemon is accepted"
h_message "$f" >"$HD/trusted.eml"
like "$(h_header "$f" DKIM-Signature)" "a=ed25519-sha256" "and signed"
ok "dkimpy verifies it (rsa-sha256)" $PY "$HD/keys/records.txt" verify "$HD/trusted.eml" 0
ok "dkimpy verifies it (ed25519-sha256)" $PY "$HD/keys/records.txt" verify "$HD/trusted.eml" 1

# 6. a SASL user allowed that address (IdentityMap)
f=$(S_PORT=587 S_SWAKS_EXTRA="--auth PLAIN --auth-user noc@meldpunt.test --auth-password s3cret" \
	s_send "$DATA/from-protected.eml" owner@example.org); rc=$?
is "$rc" 0 "an allowed SASL user is accepted"
like "$(s_log | grep 'AUTH=server')" "authid=noc@meldpunt.test" "Sendmail authenticated it"
h_message "$f" >"$HD/sasl.eml"
ok "its mail verifies (dkimpy, rsa-sha256)" $PY "$HD/keys/records.txt" verify "$HD/sasl.eml" 0
ok "its mail verifies (dkimpy, ed25519-sha256)" $PY "$HD/keys/records.txt" verify "$HD/sasl.eml" 1
"$VERIFY" --key-file "$HD/keys/records.txt" --identity noc@meldpunt.test --lang en "$HD/sasl.eml" >/dev/null 2>&1
is "$?" 0 "meldpunt-verify says genuine"

# 7. a SASL user not allowed that address
reply=$(S_PORT=587 S_SWAKS_EXTRA="--auth PLAIN --auth-user other@meldpunt.test --auth-password s3cret" \
	s_send "$DATA/from-protected.eml" owner@example.org); rc=$?
is "$rc" 3 "a SASL user not allowed that address is refused"
like "$reply" "550 5.7.1" "with 550 5.7.1"

# 8. the milter stopped: 4xx (F=T), nothing lost
h_stop_milter
sinks=$(find "$HD/sink" -type f | wc -l)
h_sign_report "$DATA/arf-second.eml" mailbox.example.com >"$HD/arf2.eml"
reply=$(s_send "$HD/arf2.eml" meldingen@meldpunt.test); rc=$?
is "$rc" 3 "milter down: SMTP not accepted"
like "$reply" "^ *<(-|\*\*) *451 4\.3\.2 " "with 451 4.3.2 (the sender retries)"
S_FROM=fbl@mailbox.example.com s_submit "$HD/arf2.eml" meldingen@meldpunt.test >"$HD/log/submit.out" 2>&1
is "$?" 0 "sendmail(1) takes the report"
s_wait_log "sm-msp\[[0-9]+\]: [0-9A-Za-z]+: to=<?meldingen@meldpunt.test>?,.*stat=Deferred: 451 4\.3\.2" 10
is "$(s_queue_count msp)" 1 "and keeps it queued (the MTA said 4xx)"
is "$(find "$HD/sink" -type f | wc -l)" "$sinks" "nothing was delivered unfiltered"
h_start_milter "$CONF" || { echo "Bail out! milter did not restart"; exit 1; }
s_queue_run msp >"$HD/log/queue-run.out" 2>&1
# The MSP logs the MTA's reply, with the MTA's queue id.
s_wait_log "sm-msp\[[0-9]+\]: .*stat=Sent \([0-9A-Za-z]+ Message accepted" 10
qid=$(sed -n 's/.*sm-msp\[[0-9]*\]: .*stat=Sent (\([0-9A-Za-z]*\) Message accepted.*/\1/p' "$SD/maillog" | tail -n 1)
f=$(s_wait_qid "${qid:-none}"); rc=$?
is "$rc" 0 "milter back: the queue run delivers it"
is "$(h_header "$f" X-Meldpunt-Outcome)" "notified" "as a notification"
is "$(h_rcpts "$f")" "meldingen@zorgcert.example.nl" "to the routed contact"
h_message "$f" >"$HD/queued.eml"
ok "dkimpy verifies it (ed25519-sha256)" $PY "$HD/keys/records.txt" verify "$HD/queued.eml" 1
is "$(s_queue_count)" 0 "both queues are empty"

done_testing
