#!/bin/bash
# End to end: nobody sends as the clearinghouse unless allowed, and what
# the clearinghouse sends carries two DKIM signatures (rsa-sha256 and
# ed25519-sha256) that independent verifiers (dkimpy, Perl Mail::DKIM) and
# meldpunt-verify (libopendkim) accept; a tampered copy fails them all.
# The known attempts to pass as the clearinghouse are a table (data/spoof-attempts,
# spoof.sh) that any MTA harness can run; here it runs through Postfix.
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"
. "$top_srcdir/tests/e2e/spoof.sh"

why=$(h_can_run) || skip_all "$why"
command -v saslpasswd2 >/dev/null || skip_all "saslpasswd2 missing (sasl2-bin)"
/usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null || skip_all "python3-dkim missing"
perl -MMail::DKIM::Verifier -MNet::DNS -e1 2>/dev/null || skip_all "libmail-dkim-perl missing"
h_init || exit 1
DATA=$top_srcdir/tests/e2e/data
PY="/usr/bin/python3 $top_srcdir/tests/dkimpy.py"
PL="perl $top_srcdir/tests/mail-dkim.pl"
VERIFY=$top_builddir/tools/meldpunt-verify
CONF=$HD/meldpunt.conf
h_dkim_keys meldpunt.test || { echo "Bail out! key generation failed"; exit 1; }
h_reporter_keys mailbox.example.com || { echo "Bail out! reporter keys"; exit 1; }
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

# 10. Every header the clearinghouse sets is signed (sign.h: MP_SIGN_HEADERS).
#     The outbound message of 5: X-Meldpunt-Flow is signed too, From,
#     Subject, Date and Message-ID are oversigned.
h=$(h_header "$HD/signed.eml" DKIM-Signature | head -n 1 | tr -d ' \t' | sed -n 's/.*;h=\([^;]*\);.*/\1/p')
like "$h" "^From:From:" "outbound: From oversigned in h="
like "$h" "Subject:Subject:Date:Date:Message-ID:Message-ID:" "outbound: Subject, Date and Message-ID oversigned"
like "$h" "X-Meldpunt-Flow" "outbound: X-Meldpunt-Flow is signed"
ok "outbound: Perl Mail::DKIM verifies the rsa-sha256 signature" $PL "$HD/keys/records.txt" "$HD/signed.eml" rsa-sha256

#     A notification: a signed ARF report through the intake.
arf=$HD/arf.signed
h_sign_report "$top_srcdir/examples/arf-spam.eml" mailbox.example.com >"$arf"
f=$(h_send "$arf" meldingen@meldpunt.test); rc=$?
is "$rc" 0 "notification: delivered"
h_message "$f" >"$HD/notice.eml"
id=$(h_header "$f" X-Meldpunt-Id)
like "$id" "^MP-" "notification: it has an X-Meldpunt-Id"
h=$(h_header "$f" DKIM-Signature | head -n 1 | tr -d ' \t' | sed -n 's/.*;h=\([^;]*\);.*/\1/p')
for name in From To Subject Date Message-ID MIME-Version Content-Type \
	Content-Transfer-Encoding Content-Language Auto-Submitted X-Meldpunt-Id \
	X-Meldpunt-Flow X-Meldpunt-Outcome; do
	like ":$h:" ":$name:" "notification: $name is in h="
done
like ":$h:" ":X-Meldpunt-Id:X-Meldpunt-Id:" "notification: X-Meldpunt-Id is oversigned"
# every header field of the notification is signed: none is left out of h=
unsigned=""
for name in $(h_message "$f" | sed '/^\r\{0,1\}$/q' | sed -n 's/^\([^ \t:]*\):.*/\1/p' | sort -u); do
	case $name in DKIM-Signature|Received|Return-Path) continue ;; esac
	printf '%s' ":$h:" | grep -qi ":$name:" || unsigned="$unsigned $name"
done
is "$unsigned" "" "notification: every header field meldpunt sets is in h="
verifiers() {	# verifiers FILE: "rsa-dkimpy ed-dkimpy rsa-perl libopendkim", 1 = passes
	local r=""
	$PY "$HD/keys/records.txt" verify "$1" 0 >/dev/null 2>&1 && r="${r}1 " || r="${r}0 "
	$PY "$HD/keys/records.txt" verify "$1" 1 >/dev/null 2>&1 && r="${r}1 " || r="${r}0 "
	$PL "$HD/keys/records.txt" "$1" rsa-sha256 >/dev/null 2>&1 && r="${r}1 " || r="${r}0 "
	"$VERIFY" --key-file "$HD/keys/records.txt" --lang en "$1" >/dev/null 2>&1 && r="${r}1" || r="${r}0"
	echo "$r"
}
is "$(verifiers "$HD/notice.eml")" "1 1 1 1" "notification: dkimpy (rsa, ed25519), Mail::DKIM and libopendkim verify it"
sed "s/^X-Meldpunt-Id: .*/X-Meldpunt-Id: MP-aaaaaaaaaaaaaaaaaaaaaaaaaa/" "$HD/notice.eml" >"$HD/notice-id.eml"
is "$(verifiers "$HD/notice-id.eml")" "0 0 0 0" "notification: a changed X-Meldpunt-Id fails every verifier"
sed "0,/^Subject:/s//Subject: Urgent: pay here\nSubject:/" "$HD/notice.eml" >"$HD/notice-subj.eml"
is "$(verifiers "$HD/notice-subj.eml")" "0 0 0 0" "notification: a second Subject fails every verifier"
sed "0,/^X-Meldpunt-Id:/s//X-Meldpunt-Id: MP-aaaaaaaaaaaaaaaaaaaaaaaaaa\nX-Meldpunt-Id:/" "$HD/notice.eml" >"$HD/notice-id2.eml"
is "$(verifiers "$HD/notice-id2.eml")" "0 0 0 0" "notification: a second X-Meldpunt-Id fails every verifier"

# 11. The table of attempts (data/spoof-attempts): each is refused with
#     550 5.7.1, or never leaves signed.
_local_qid() {	# _local_qid NAME: the queue id of a refused local submission
	local qid
	qid=$(sed -n "s/.*postfix\/cleanup\[[0-9]*\]: \([0-9A-Za-z]*\): message-id=$(spoof_msgid "$1").*/\1/p" \
		"$HD/log/maillog" | tail -n 1)
	[ -n "$qid" ] && grep -q "$qid: milter-reject" "$HD/log/maillog" && echo "$qid"
}
local_result() {	# local_result NAME: the cleanup's verdict on that submission
	local qid
	qid=$(h_wait_for 10 "the milter's verdict on local submission $1" _local_qid "$1") &&
		grep "$qid: milter-reject" "$HD/log/maillog" | tail -n 1
}
delivered() {	# delivered NAME: the sink file holding that message (not a bounce of it)
	local f
	for f in $(grep -l "^Message-ID: $(spoof_msgid "$1")" "$HD"/sink/* 2>/dev/null); do
		[ "$(h_header "$f" Message-ID)" = "$(spoof_msgid "$1")" ] && { echo "$f"; return; }
	done
}
try_attempt() {	# try_attempt NAME VIA SENDER EXPECT FROM
	local name=$1 via=$2 sender=$3 expect=$4 from=$5 reply rc f msg=$HD/spoof-$1.eml
	spoof_message "$name" "$from" "$DATA/from-protected.eml" >"$msg"
	case $via in
	smtp)	reply=$(H_FROM=$sender h_send "$msg" owner@example.org); rc=$? ;;
	sasl)	reply=$(H_FROM=$sender H_PORT=$SUBMIT_PORT H_SWAKS_EXTRA="--auth PLAIN \
			--auth-user other@meldpunt.test --auth-password s3cret" \
			h_send "$msg" owner@example.org); rc=$? ;;
	local)	H_FROM=$sender h_submit "$msg" owner@example.org 2>/dev/null
		reply=$(local_result "$name")
		sleep 0.5
		[ -n "$(delivered "$name")" ] && rc=0 || rc=3 ;;
	esac
	f=$(delivered "$name")
	case $expect in
	reject)	like "$rc ${reply:-delivered}" "^3 .*5\.7\.1" "attempt $name ($via): refused with 5.7.1" ;;
	nosign)	is "$([ -n "$f" ] && h_header "$f" DKIM-Signature)" "" \
			"attempt $name ($via): never leaves signed (${reply:-delivered unsigned})" ;;
	esac
}
while IFS=$'\t' read -r -u 3 name via sender expect from; do
	try_attempt "$name" "$via" "$sender" "$expect" "$from"
done 3< <(spoof_attempts)

done_testing
