#!/bin/sh
# demo-check.sh LOG RC: what the README's main job (scripts/demo.sh) must
# show, checked on its output LOG and its exit status RC; TAP on stdout.
# scripts/test.sh runs the command exactly as the README prints it and
# hands the output here, so a README that drifts from the demo fails too.
#
# Each sample in examples/ is listed below with where it must end up; a
# new sample without a line here fails, so the table cannot go stale.
log=$1 rc=$2
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/e2e/tap.sh"

# sample            kind      envelope recipient (the routed contact)
expect='
arf-spam.eml           report    meldingen@zorgcert.example.nl
xarf-login-attack.eml  report    abuse@telecom.example.nl
xarf4-vulnerable.eml   report    cert@voorbeeldstad.example.nl
outbound-notice.eml    outbound  security@example.org
'

is "$rc" 0 "the main job exits 0"

# section NAME: the lines the demo printed for examples/NAME
section() {
	awk -v h="== examples/$1:" 'index($0, h) == 1 { on = 1; next }
		/^== / { on = 0 } on' "$log"
}

reports=0 outbound=0
for f in "$top"/examples/*.eml; do
	name=$(basename "$f")
	line=$(printf '%s\n' "$expect" | awk -v n="$name" '$1 == n')
	if [ -z "$line" ]; then
		ok "$name: listed in tests/demo-check.sh" false
		continue
	fi
	set -- $line
	kind=$2 rcpt=$3
	out=$(section "$name")
	like "$out" "envelope: from <[^>]*> to $rcpt\$" "$name: delivered to $rcpt"
	like "$out" "DKIM-Signature: +a=rsa-sha256 a=ed25519-sha256" "$name: signed rsa-sha256 and ed25519-sha256"
	like "$out" "dkimpy: signature 1 of 2 verifies" "$name: dkimpy verifies the rsa-sha256 signature"
	like "$out" "dkimpy: signature 2 of 2 verifies" "$name: dkimpy verifies the ed25519-sha256 signature"
	case $kind in
	report)
		reports=$((reports + 1))
		like "$out" "X-Meldpunt-Outcome: +notified" "$name: notified"
		like "$out" "From: +Meldpunt Cyberdreigingen <meldingen@meldpunt.example.nl>" \
			"$name: from the clearinghouse identity"
		like "$out" "meldpunt-verify: Verdict: GENUINE" "$name: meldpunt-verify calls it genuine"
		like "$out" "header fields naming the reporter or its hop to the intake: 0" \
			"$name: no header names the reporter or its hop to the intake address"
		like "$out" "the notification \\(text part" "$name: the notification text is shown" ;;
	outbound)
		outbound=$((outbound + 1)) ;;
	esac
done

stat() { awk -v k="$1" '$1 == k { print $2 }' "$log"; }
is "$(stat messages)" $((reports + outbound)) "meldpunt-milter -s counts every message"
is "$(stat notified)" "$reports" "meldpunt-milter -s counts every report as notified"
is "$(stat signed)" "$outbound" "meldpunt-milter -s counts the outbound sample as signed"
like "$(cat "$log")" "outcome=notified id=MP-" "the milter log line names the notification id"
done_testing
