#!/bin/bash
# The table of attempts to send as the clearinghouse (tests/e2e/data/
# spoof-attempts), through Sendmail: the same table t-identity.sh
# runs through Postfix, with the private Debian Sendmail of
# tests/e2e/sendmail-harness.sh and etc/sendmail/meldpunt.mc.snippet as
# shipped. Each attempt is refused with 550 5.7.1, or never leaves signed.
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"
. "$top_srcdir/tests/e2e/sendmail-harness.sh"
. "$top_srcdir/tests/e2e/spoof.sh"

why=$(s_can_run) || skip_all "$why"
command -v saslpasswd2 >/dev/null || skip_all "saslpasswd2 missing (sasl2-bin)"
h_init || exit 1
s_init || { echo "Bail out! Sendmail's namespace did not start"; exit 1; }
DATA=$top_srcdir/tests/e2e/data
CONF=$HD/meldpunt.conf
h_dkim_keys meldpunt.test || { echo "Bail out! signing keys"; exit 1; }
printf 'noc@meldpunt.test   noc@meldpunt.test\nother@meldpunt.test  other@meldpunt.test\n' >"$HD/identity.map"
h_milter_conf "$CONF" "$(h_dkim_conf meldpunt.test)
IdentityMap $HD/identity.map"
h_start_milter "$CONF" || { echo "Bail out! milter did not start"; exit 1; }
s_sasl_user other@meldpunt.test s3cret || { echo "Bail out! saslpasswd2"; exit 1; }
s_start_sendmail || { echo "Bail out! sendmail did not start"; exit 1; }

# delivered NAME: the sink file holding that message (not a bounce of it)
delivered() {
	local f
	for f in $(grep -l "^Message-I[Dd]: $(spoof_msgid "$1")" "$HD"/sink/* 2>/dev/null); do
		[ "$(h_header "$f" Message-ID)$(h_header "$f" Message-Id)" = "$(spoof_msgid "$1")" ] &&
			{ echo "$f"; return; }
	done
}
# _local_reply NAME: the daemon's 550 to the MSP for that submission
# (sm-msp logs the reply of the port-25 daemon it relays to)
_local_reply() {
	local qid
	qid=$(sed -n "s/.*sm-msp.*: \([0-9A-Za-z]*\): from=.*msgid=$(spoof_msgid "$1").*/\1/p" \
		"$SD/maillog" | tail -n 1)
	[ -n "$qid" ] && grep -m 1 "$qid: .*\(stat=\|reply=\|dsn=\).*5\.7\.1" "$SD/maillog"
}

# try_attempt NAME VIA SENDER EXPECT FROM
try_attempt() {
	local name=$1 via=$2 sender=$3 expect=$4 from=$5 reply rc f msg=$HD/spoof-$1.eml
	spoof_message "$name" "$from" "$DATA/from-protected.eml" >"$msg"
	case $via in
	smtp)	reply=$(S_FROM=$sender s_send "$msg" owner@example.org); rc=$? ;;
	sasl)	reply=$(S_FROM=$sender S_PORT=587 S_SWAKS_EXTRA="--auth PLAIN \
			--auth-user other@meldpunt.test --auth-password s3cret" \
			s_send "$msg" owner@example.org); rc=$? ;;
	local)	S_FROM=$sender s_submit "$msg" owner@example.org 2>/dev/null
		reply=$(h_wait_for 10 "Sendmail's verdict on local submission $name" \
			_local_reply "$name")
		[ -n "$(delivered "$name")" ] && rc=0 || rc=3 ;;
	esac
	f=$(delivered "$name")
	case $expect in
	reject)	like "$rc ${reply:-delivered}" "^3 .*5\.7\.1" "attempt $name ($via): refused with 5.7.1" ;;
	nosign)	is "$([ -n "$f" ] && h_header "$f" DKIM-Signature)" "" \
			"attempt $name ($via): never leaves signed (${reply:-delivered unsigned})" ;;
	esac
	[ -z "$f" ] || [ -z "$(h_header "$f" DKIM-Signature)" ] ||
		_tap_result 1 "attempt $name ($via): left signed"
}
while IFS=$'\t' read -r -u 3 name via sender expect from; do
	try_attempt "$name" "$via" "$sender" "$expect" "$from"
done 3< <(spoof_attempts)

done_testing
