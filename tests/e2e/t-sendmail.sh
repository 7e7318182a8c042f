#!/bin/bash
# End to end through Sendmail: Debian's Sendmail 8.17 (unpacked into a private
# prefix by scripts/sendmail-private.sh, never installed), configured with
# etc/sendmail/meldpunt.mc.snippet as shipped (its intake address set),
# relaying to smtp-sink. Reports to the intake address become dual-signed
# notifications with no trace of the intake hop (docs/privacy.md: not the reporter's
# client address, HELO name or envelope sender, not the intake address - the
# milter deletes the report's header, and the snippet makes Sendmail drop its
# own Received header for intake-only mail, per envelope: other mail on the
# same connection keeps it, also across a queue run); nobody sends as the
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
h_reporter_keys mailbox.example.com honeypot.example.com || { echo "Bail out! reporter keys"; exit 1; }
printf 'noc@meldpunt.test   noc@meldpunt.test\nother@meldpunt.test  other@meldpunt.test\n' >"$HD/identity.map"
h_milter_conf "$CONF" "$(h_dkim_conf meldpunt.test)
IdentityMap $HD/identity.map
BounceAddress bounces@meldpunt.test
QuarantineAddress review@meldpunt.test
ArchiveAddress archive@meldpunt.test"
# The intake address differs from the Identity (meldingen@meldpunt.test), so
# that a trace of it in a notification's header cannot hide behind the From.
# The snippet is the shipped one with its one setting, the intake address.
INTAKE=intake@meldpunt.test
sed -i "s/^IntakeAddress.*/IntakeAddress $INTAKE/" "$CONF"
S_SNIPPET=$HD/meldpunt.mc.snippet
sed "s/^define(\`MELDPUNT_INTAKE_ADDRESS', .*/define(\`MELDPUNT_INTAKE_ADDRESS', \`$INTAKE')dnl/" \
	"$top_srcdir/etc/sendmail/meldpunt.mc.snippet" >"$S_SNIPPET"
h_start_milter "$CONF" || { echo "Bail out! milter did not start"; exit 1; }
# The reporters connect from their own address, with a name of their own
# (in the namespace's hosts file) and their own HELO name, from outside:
# the clearinghouse's domain is a relay domain, as the intake domain is on
# a real MX (or a local one).
REPORTER_IP=127.0.0.2
REPORTER_HELO=reporter-mx.example.com
REPORTER="--local-interface $REPORTER_IP --ehlo $REPORTER_HELO"
printf '%s\t%s\n' "$REPORTER_IP" "$REPORTER_HELO" >>"$SD/hosts"
S_MC_EXTRA="RELAY_DOMAIN(\`meldpunt.test')dnl"
s_sasl_user noc@meldpunt.test s3cret || { echo "Bail out! saslpasswd2"; exit 1; }
s_sasl_user other@meldpunt.test s3cret || { echo "Bail out! saslpasswd2"; exit 1; }
s_start_sendmail || { echo "Bail out! sendmail did not start"; exit 1; }

ok "the .cf has the snippet's filter as shipped" grep -q '^Xmeldpunt, S=local:/run/meldpunt/milter.sock, F=T' "$HD/sendmail/sendmail.cf"
like "$(grep '^O DaemonPortOptions' "$HD/sendmail/sendmail.cf")" "Name=ORIGINATING" "and its submission daemon, in place of Debian's MSP-v4"
is "$(diff "$top_srcdir/etc/sendmail/meldpunt.mc.snippet" "$S_SNIPPET" | grep -c '^[<>]')" 2 "the snippet differs from the shipped one in its intake address only"
ok "the .cf knows the intake address" grep -qx "C{MeldpuntIntake}$INTAKE" "$HD/sendmail/sendmail.cf"
ok "the stock Received line is empty" grep -qx 'HReceived:[[:space:]]*' "$HD/sendmail/sendmail.cf"
# shellcheck disable=SC2016 # sendmail.cf's own $ macros
ok "and Sendmail's Received header is written only with {MeldpuntKeep}" grep -q '^H?\${MeldpuntKeep}?Received: \$?{MeldpuntKeep}\$?sfrom ' "$HD/sendmail/sendmail.cf"

cat >"$HD/other.eml" <<'EOF'
From: Reporter <reporter@example.net>
To: staff@meldpunt.test
Subject: not a report
Date: Sun, 22 Nov 2026 12:00:00 +0000
Message-ID: <other-1@example.net>

Hello, this is mail for someone else.
EOF
sed 's/other-1@/other-2@/' "$HD/other.eml" >"$HD/other2.eml"
sed 's/other-1@/other-3@/' "$HD/other.eml" >"$HD/other3.eml"

# session SPEC...: one SMTP session of the reporter, a transaction per SPEC
# "FROM|RCPT[,RCPT...]|FILE" (FILE "rset": RSET after the RCPTs instead of
# DATA; a RCPT "!ADDR": ADDR, which Sendmail must refuse with 5xx); prints a
# queue id per transaction, "-" for a RSET one.
cat >"$HD/session.py" <<'EOF'
import smtplib, sys
ip, helo = sys.argv[1], sys.argv[2]
s = smtplib.SMTP(timeout=30, source_address=(ip, 0))
s.connect('127.0.0.1', 25)
code, msg = s.ehlo(helo)
assert code == 250, msg
for spec in sys.argv[3:]:
    sender, rcpts, path = spec.split('|')
    code, msg = s.mail(sender)
    assert code == 250, msg
    for r in rcpts.split(','):
        code, msg = s.rcpt(r.lstrip('!'))
        if r.startswith('!'):
            assert 500 <= code < 600, msg
        else:
            assert code in (250, 251), msg
    if path == 'rset':
        s.rset()
        print('-')
        continue
    data = open(path, 'rb').read().replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
    code, msg = s.data(data)
    assert code == 250, msg
    w = msg.decode().split()
    print(w[w.index('Message') - 1])
s.quit()
EOF
session() {
	s_ns /usr/bin/python3 "$HD/session.py" "$REPORTER_IP" "$REPORTER_HELO" "$@" 2>"$HD/log/session.err"
}
# hop FILE: Sendmail's own Received header of the reporter's hop, if any
hop() {
	h_sent_header "$1" | grep -iE "^Received: from $REPORTER_HELO .*\\[$REPORTER_IP\\].*[[:space:]]by mx\\.meldpunt\\.test "
}

# 1. one SMTP session of a reporter, eight transactions: a signed report to
#    the intake address; mail for someone else; one to the intake address
#    ended by RSET; mail for someone else; the report to someone else and
#    the intake address; the report again, to the intake address in
#    capitals; and twice more, to the intake address and a refused one
#    (relaying denied), after and before it.
#    The report becomes a notification to the routed contact, signed
#    rsa-sha256 and ed25519-sha256, with no trace of the intake hop; what
#    drops Sendmail's Received header belongs to the envelope, so every
#    other message keeps it.
h_sign_report "$EX/arf-spam.eml" mailbox.example.com >"$HD/arf.eml"
qids=$(session "fbl@mailbox.example.com|$INTAKE|$HD/arf.eml" \
	"reporter@example.net|staff@meldpunt.test|$HD/other.eml" \
	"fbl@mailbox.example.com|$INTAKE|rset" \
	"reporter@example.net|staff@meldpunt.test|$HD/other2.eml" \
	"fbl@mailbox.example.com|staff@meldpunt.test,$INTAKE|$HD/arf.eml" \
	"fbl@mailbox.example.com|$(printf '%s' "$INTAKE" | tr '[:lower:]' '[:upper:]')|$HD/arf.eml" \
	"fbl@mailbox.example.com|$INTAKE,!nobody@example.org|$HD/arf.eml" \
	"fbl@mailbox.example.com|!nobody@example.org,$INTAKE|$HD/arf.eml"); rc=$?
is "$rc" 0 "one session, eight transactions: as expected" || cat "$HD/log/session.err" >&2
# shellcheck disable=SC2086 # one queue id a word
set -- $qids
f=$(s_wait_qid "${1:-none}"); rc=$?
is "$rc" 0 "signed report: delivered"
is "$(h_rcpts "$f")" "meldingen@zorgcert.example.nl" "to the routed contact only"
is "$(h_header "$f" X-Meldpunt-Outcome)" "notified" "outcome notified"
like "$(h_header "$f" From)" "meldingen@meldpunt.test" "From is the clearinghouse identity"
is "$(sed -n 's/^X-Mail-Args: <\([^>]*\)>.*/\1/p' "$f")" "bounces+$(h_header "$f" X-Meldpunt-Id | tr A-Z a-z)@meldpunt.test" "envelope sender is BounceAddress with the notice id"
h_no_trace "$f" fbl@mailbox.example.com "notification"
sigs=$(h_header "$f" DKIM-Signature)
like "$sigs" "a=rsa-sha256" "an rsa-sha256 signature"
like "$sigs" "a=ed25519-sha256" "and an ed25519-sha256 signature"
is "$(printf '%s\n' "$sigs" | grep -c 'd=meldpunt\.test')" 2 "both the clearinghouse's"
h_message "$f" >"$HD/notice.eml"
ok "dkimpy verifies the rsa-sha256 signature" $PY "$HD/keys/records.txt" verify "$HD/notice.eml" 0
ok "dkimpy verifies the ed25519-sha256 signature" $PY "$HD/keys/records.txt" verify "$HD/notice.eml" 1
"$VERIFY" --key-file "$HD/keys/records.txt" --identity meldingen@meldpunt.test --lang nl \
	"$HD/notice.eml" >"$HD/verify.out" 2>&1
is "$?" 0 "meldpunt-verify says genuine"
f=$(s_wait_qid "${2:-none}")
is "$(h_rcpts "$f")" "staff@meldpunt.test" "same session, mail for someone else: delivered"
like "$(hop "$f")" "for <staff@meldpunt\.test>" "and it keeps Sendmail's Received header (HELO name, client address)"
is "${3:-}" "-" "same session, a transaction to the intake address ended by RSET"
f=$(s_wait_qid "${4:-none}")
like "$(hop "$f")" "for <staff@meldpunt\.test>" "mail for someone else after it keeps its Received header"
f=$(s_wait_qid "${5:-none}")
is "$(h_header "$f" X-Meldpunt-Outcome)" "quarantined:mixed-recipients" "someone else and the intake address: quarantined"
is "$(h_rcpts "$f")" "review@meldpunt.test" "to QuarantineAddress"
like "$(hop "$f")" "^Received: from $REPORTER_HELO " "and it keeps its Received header"
f=$(s_wait_qid "${6:-none}")
is "$(h_header "$f" X-Meldpunt-Outcome)" "duplicate" "the intake address in capitals: intake mail too (a duplicate)"
is "$(hop "$f")" "" "and without the Received header of the intake hop"
f=$(s_wait_qid "${7:-none}")
is "$(h_header "$f" X-Meldpunt-Outcome)" "duplicate" "the intake address and a refused one: intake mail"
is "$(hop "$f")" "" "without the Received header of the intake hop"
f=$(s_wait_qid "${8:-none}")
is "$(h_header "$f" X-Meldpunt-Outcome)" "duplicate" "a refused address and the intake address: intake mail"
is "$(hop "$f")" "" "without the Received header of the intake hop"

# 1b. the intake address and then someone else (swaks): the same
f=$(S_SWAKS_EXTRA="$REPORTER" s_send "$HD/arf.eml" "$INTAKE" staff@meldpunt.test)
is "$(h_header "$f" X-Meldpunt-Outcome)" "quarantined:mixed-recipients" "the intake address and someone else: quarantined"
like "$(hop "$f")" "^Received: from $REPORTER_HELO " "and it keeps its Received header"

# 2. the same report again: archived. Its copy (the report as it came)
#    has lost Sendmail's Received header of the intake hop too, as with
#    Postfix; the milter's log line keeps the client address.
f=$(S_SWAKS_EXTRA="$REPORTER" s_send "$HD/arf.eml" "$INTAKE")
is "$(h_header "$f" X-Meldpunt-Outcome)" "duplicate" "the same report again: duplicate"
is "$(h_rcpts "$f")" "archive@meldpunt.test" "to ArchiveAddress"
is "$(grep -l '^X-Rcpt-Args: <meldingen@zorgcert.example.nl>' "$HD"/sink/* | wc -l)" 1 "the contact got one notification"
is "$(hop "$f")" "" "the archived copy has no Received header of the intake hop"
like "$(grep 'outcome=duplicate' "$HD/log/milter.log")" "client=$REPORTER_IP " "the milter's log line names the client"

# 3. a registered reporter's report without its signature: the same
f=$(S_SWAKS_EXTRA="$REPORTER" s_send "$EX/arf-spam.eml" "$INTAKE")
is "$(h_header "$f" X-Meldpunt-Outcome)" "quarantined:unauthenticated" "an unsigned report is quarantined"
is "$(h_rcpts "$f")" "review@meldpunt.test" "to QuarantineAddress, never to a contact"
is "$(hop "$f")" "" "the quarantined copy has no Received header of the intake hop"

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

# 7b. the sink down: a report to the intake address and mail for someone
#     else, in one session, wait in the queue. Sendmail decides about its
#     Received header when it writes the queue file: the report's holds
#     none, the other's holds it, and a queue run delivers them so.
kill -TERM "$S_SINK_PID" && _h_wait_gone "$S_SINK_PID"
S_SINK_PID=""
h_sign_report "$EX/xarf-login-attack.eml" honeypot.example.com >"$HD/xarf.eml"
qids=$(session "reports@honeypot.example.com|$INTAKE|$HD/xarf.eml" \
	"reporter@example.net|staff@meldpunt.test|$HD/other3.eml")
# shellcheck disable=SC2086 # one queue id a word
set -- $qids
s_wait_log "sm-mta\[[0-9]+\]: ${1:-none}: to=.*stat=Deferred" 10
s_wait_log "sm-mta\[[0-9]+\]: ${2:-none}: to=.*stat=Deferred" 10
is "$(s_queue_count mta)" 2 "the sink down: both wait in the queue"
ok "the report's queue file has no Received header" bash -c "test -f '$SD/mqueue/qf${1:-none}' && ! grep -q '^H[^:]*Received:' '$SD/mqueue/qf${1:-none}'"
ok "the other's has it" grep -q "^H?\${MeldpuntKeep}?Received: from $REPORTER_HELO " "$SD/mqueue/qf${2:-none}"
s_stop_sendmail
s_start_sendmail || { echo "Bail out! sendmail did not restart"; exit 1; }
s_queue_run mta >"$HD/log/queue-run-mta.out" 2>&1
f=$(s_wait_qid "${1:-none}"); rc=$?
is "$rc" 0 "the queue run delivers the notification"
is "$(h_header "$f" X-Meldpunt-Outcome)" "notified" "notified"
h_no_trace "$f" reports@honeypot.example.com "queued notification"
f=$(s_wait_qid "${2:-none}")
like "$(hop "$f")" "for <staff@meldpunt\.test>" "and the other with its Received header"

# 8. the milter stopped: 4xx (F=T), nothing lost
h_stop_milter
sinks=$(find "$HD/sink" -type f | wc -l)
h_sign_report "$DATA/arf-second.eml" mailbox.example.com >"$HD/arf2.eml"
reply=$(S_SWAKS_EXTRA="$REPORTER" s_send "$HD/arf2.eml" "$INTAKE"); rc=$?
is "$rc" 3 "milter down: SMTP not accepted"
like "$reply" "^ *<(-|\*\*) *451 4\.3\.2 " "with 451 4.3.2 (the sender retries)"
S_FROM=fbl@mailbox.example.com s_submit "$HD/arf2.eml" "$INTAKE" >"$HD/log/submit.out" 2>&1
is "$?" 0 "sendmail(1) takes the report"
s_wait_log "sm-msp\[[0-9]+\]: [0-9A-Za-z]+: to=<?$INTAKE>?,.*stat=Deferred: 451 4\.3\.2" 10
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
h_no_trace "$f" fbl@mailbox.example.com "through sendmail(1)"
is "$(s_queue_count)" 0 "both queues are empty"

done_testing
