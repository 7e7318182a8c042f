#!/bin/sh
# meldpunt-verify: genuine, tampered, wrong identity, spoofed display,
# unsigned, unreadable; keys from a file (no DNS). Prints TAP.
top_builddir=${top_builddir:-.}
TOOL=$top_builddir/tests/unit/mp-sign-tool
V=$top_builddir/tools/meldpunt-verify
T=$(mktemp -d "${TMPDIR:-/tmp}/verify-tool.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
n=0
t() { # t "what" expected-exit grep-pattern-or-empty command...
	what=$1 want=$2 pat=$3; shift 3
	n=$((n + 1))
	"$@" >"$T/out" 2>&1; got=$?
	if [ "$got" -eq "$want" ] && { [ -z "$pat" ] || grep -q "$pat" "$T/out"; }; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what (exit $got, want $want)"; sed 's/^/# /' "$T/out"
	fi
}
echo "1..10"
( umask 077
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.key" 2>/dev/null &&
  openssl genpkey -algorithm ed25519 -out "$T/ed.key" ) || { echo "Bail out! openssl"; exit 99; }
"$TOOL" txt meldpunt.nl rsa1 "$T/rsa.key" ed1 "$T/ed.key" >"$T/keys.txt"
cat >"$T/m.eml" <<'EOM'
From: Meldpunt <abuse@meldpunt.nl>
To: owner@example.org
Subject: Melding
Date: Mon, 01 Jan 2024 10:00:00 +0100
Message-ID: <v1@meldpunt.nl>

Geachte beheerder, er is iets mis.
EOM
"$TOOL" sign meldpunt.nl rsa1 "$T/rsa.key" ed1 "$T/ed.key" "$T/m.eml" >"$T/s.eml"
t "genuine (en)" 0 "Verdict: GENUINE" "$V" --key-file "$T/keys.txt" --identity abuse@meldpunt.nl --lang en "$T/s.eml"
t "genuine (nl)" 0 "Oordeel: ECHT" "$V" --key-file "$T/keys.txt" --lang nl "$T/s.eml"
sed 's/er is iets mis/alles is in orde/' "$T/s.eml" >"$T/tb.eml"
t "tampered body: not genuine, says why" 1 "body was changed" "$V" --key-file "$T/keys.txt" --lang en "$T/tb.eml"
t "other identity: not genuine" 1 "is not the clearinghouse identity" "$V" --key-file "$T/keys.txt" --identity info@meldpunt.nl --lang en "$T/s.eml"
t "unsigned: not genuine" 1 "no DKIM signature" "$V" --key-file "$T/keys.txt" --lang en "$T/m.eml"
sed 's/^From: Meldpunt <abuse@meldpunt.nl>/From: Meldpunt <abuse@meldpunt.nl>\nFrom: x@evil.example/' "$T/s.eml" >"$T/two.eml"
t "two From lines: not genuine" 1 "2 From: lines" "$V" --key-file "$T/keys.txt" --lang en "$T/two.eml"
grep -v '^ed1' "$T/keys.txt" >"$T/rsa-only.txt"
t "one key published: still genuine on the other" 0 "no key record ed1" "$V" --key-file "$T/rsa-only.txt" --lang en "$T/s.eml"
t "missing file: unreadable" 2 "" "$V" --key-file "$T/keys.txt" "$T/nope.eml"
printf '\001\002 binary junk' >"$T/junk"
t "not a message: unreadable" 2 "" "$V" --key-file "$T/keys.txt" "$T/junk"
t "bad usage" 2 "usage" "$V" --bogus "$T/s.eml"
