#!/bin/bash
# End to end: nobody sends as the clearinghouse unless allowed, and what
# the clearinghouse sends carries two DKIM signatures (rsa-sha256 and
# ed25519-sha256) that an independent verifier (dkimpy) and meldpunt-verify
# accept; a tampered copy fails both.
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"

why=$(h_can_run) || skip_all "$why"
command -v saslpasswd2 >/dev/null || skip_all "saslpasswd2 missing (sasl2-bin)"
/usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null || skip_all "python3-dkim missing"
h_init || exit 1
DATA=$top_srcdir/tests/e2e/data
PY="/usr/bin/python3 $top_srcdir/tests/dkimpy.py"
VERIFY=$top_builddir/tools/meldpunt-verify
CONF=$HD/meldpunt.conf
h_dkim_keys meldpunt.test || { echo "Bail out! key generation failed"; exit 1; }
printf 'noc@meldpunt.test   noc@meldpunt.test\nother@meldpunt.test  other@meldpunt.test\n' >"$HD/identity.map"
h_milter_conf "$CONF" "$(h_dkim_conf meldpunt.test)
IdentityMap $HD/identity.map"
h_start_milter "$CONF" || { echo "Bail out! milter did not start"; exit 1; }
H_SASL=1
h_sasl_user noc@meldpunt.test s3cret
h_sasl_user other@meldpunt.test s3cret
h_start_postfix || { echo "Bail out! postfix did not start"; exit 1; }

# 1. spoofed From from an unauthenticated client on the public port
reply=$(h_send "$DATA/from-protected.eml" owner@example.org); rc=$?
is "$rc" 3 "spoofed From from an outsider is refused"
like "$reply" "550 5.7.1" "with 550 5.7.1"
like "$(grep -h 'outcome=rejected:identity' "$HD/log/milter.log")" "rejected:identity" "and logged"

# 2. envelope sender in the protected domain, From elsewhere
reply=$(H_FROM=noc@meldpunt.test h_send "$DATA/plain.eml" owner@example.org); rc=$?
is "$rc" 3 "protected envelope sender from an outsider is refused"

# 3. display name pretending to be the clearinghouse
sed 's/^From: .*/From: "noc@meldpunt.test" <crook@example.net>/' "$DATA/from-protected.eml" >"$HD/pretend.eml"
reply=$(H_FROM=crook@example.net h_send "$HD/pretend.eml" owner@example.org); rc=$?
is "$rc" 3 "a display name pretending to be a protected address is refused"

# 4. two From fields
{ echo "From: crook@example.net"; cat "$DATA/from-protected.eml"; } >"$HD/twofrom.eml"
reply=$(H_FROM=crook@example.net h_send "$HD/twofrom.eml" owner@example.org); rc=$?
is "$rc" 3 "two From fields speaking for the clearinghouse are refused"

# 5. SASL user allowed that address: accepted and signed twice
f=$(H_PORT=$SUBMIT_PORT H_SWAKS_EXTRA="--auth PLAIN --auth-user noc@meldpunt.test --auth-password s3cret" \
	h_send "$DATA/from-protected.eml" owner@example.org); rc=$?
is "$rc" 0 "authenticated, allowed submitter is accepted"
sigs=$(h_header "$f" DKIM-Signature)
like "$sigs" "a=rsa-sha256" "it carries an rsa-sha256 signature"
like "$sigs" "a=ed25519-sha256" "and an ed25519-sha256 signature"
h_message "$f" >"$HD/signed.eml"
ok "dkimpy verifies the rsa-sha256 signature" $PY "$HD/keys/records.txt" verify "$HD/signed.eml" 0
ok "dkimpy verifies the ed25519-sha256 signature" $PY "$HD/keys/records.txt" verify "$HD/signed.eml" 1
out=$("$VERIFY" --key-file "$HD/keys/records.txt" --identity noc@meldpunt.test --lang en "$HD/signed.eml"); rc=$?
is "$rc" 0 "meldpunt-verify says genuine"
sed 's/speaks as the clearinghouse/speaks as someone else/' "$HD/signed.eml" >"$HD/tampered.eml"
"$VERIFY" --key-file "$HD/keys/records.txt" --lang en "$HD/tampered.eml" >/dev/null; rc=$?
is "$rc" 1 "meldpunt-verify says a tampered copy is not genuine"
ok "dkimpy rejects the tampered copy" bash -c "! $PY '$HD/keys/records.txt' verify '$HD/tampered.eml' 0 >/dev/null"

# 6. SASL user not allowed that address
reply=$(H_PORT=$SUBMIT_PORT H_SWAKS_EXTRA="--auth PLAIN --auth-user other@meldpunt.test --auth-password s3cret" \
	h_send "$DATA/from-protected.eml" owner@example.org); rc=$?
is "$rc" 3 "an authenticated user not allowed that address is refused"
like "$reply" "550 5.7.1" "with 550 5.7.1"

# 7. trusted host through the submission service (no login): signed
f=$(H_PORT=$SUBMIT_PORT h_send "$DATA/from-protected.eml" owner@example.org); rc=$?
is "$rc" 0 "trusted host through the submission service is accepted"
h_message "$f" >"$HD/signed2.eml"
ok "and its mail verifies (dkimpy, rsa)" $PY "$HD/keys/records.txt" verify "$HD/signed2.eml" 0

# 8. local sendmail(1): 127.0.0.1 alone is not proof
sed 's/^Message-ID: .*/Message-ID: <local-submission@meldpunt.test>/' "$DATA/from-protected.eml" >"$HD/local.eml"
H_FROM=noc@meldpunt.test h_submit "$HD/local.eml" owner@example.org 2>/dev/null
h_wait_for 5 "milter-reject in Postfix's log" grep -q 'milter-reject' "$HD/log/maillog"
sleep 1
is "$(grep -l '^Message-ID: <local-submission@meldpunt.test>' "$HD"/sink/* 2>/dev/null |
	xargs -r grep -l '^X-Rcpt-Args: <owner@example.org>' | wc -l)" 0 \
	"a local submission as the clearinghouse does not reach its recipient"
like "$(grep -h 'postfix/cleanup' "$HD/log/maillog" | grep 'milter-reject')" "5.7.1" "Postfix logs the milter's 5.7.1 refusal"

# 9. unrelated mail is untouched and unsigned
f=$(h_send "$DATA/plain.eml" someone@example.org)
is "$(h_header "$f" DKIM-Signature)" "" "unrelated mail is not signed"

done_testing
