#!/bin/sh
# Cross-check lib/dkim/sign against an independent verifier: Debian's dkimpy
# (python3-dkim, run with /usr/bin/python3, not a python3 from PATH), with
# the key records given by a local dnsfunc. And the other way round:
# messages signed by dkimpy are verified by lib/dkim/verify. No network.
# Keys are made for this run by openssl(1). Prints TAP.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
TOOL=$top_builddir/tests/unit/mp-sign-tool
PY=${DKIMPY_PYTHON:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/sign-dkimpy.XXXXXX") || exit 99
trap "[ -n \"\$KEEP\" ] || rm -rf \"\$T\"" EXIT
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }
check() { # check "what" command...
	what=$1; shift
	if "$@" >"$T/out" 2>&1; then ok "$what"; else notok "$what"; sed 's/^/# /' "$T/out"; fi
}
refute() {
	what=$1; shift
	if "$@" >"$T/out" 2>&1; then notok "$what"; sed 's/^/# /' "$T/out"; else ok "$what"; fi
}

echo "1..13"

( umask 077
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.key" 2>/dev/null &&
  openssl genpkey -algorithm ed25519 -out "$T/ed.key" ) || { echo "Bail out! openssl genpkey failed"; exit 99; }
"$TOOL" txt meldpunt.nl rsa2026 "$T/rsa.key" ed2026 "$T/ed.key" >"$T/keys.txt" ||
	{ echo "Bail out! mp-sign-tool txt failed"; exit 99; }

# A notification-like message (LF) and a MIME one with CRLF, Cc, two To.
cat >"$T/m1.eml" <<'EOF'
From: Meldpunt <abuse@meldpunt.nl>
To: owner@example.org
Subject: Kwetsbare dienst op 192.0.2.7
Date: Mon, 01 Jan 2024 10:00:00 +0100
Message-ID: <n1@meldpunt.nl>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Geachte beheerder,

Op 192.0.2.7 draait een kwetsbare dienst.   Trailing spaces   
and	tabs	inside.


EOF
printf '%s\r\n' \
	'From: "Meldpunt, NL" <abuse@meldpunt.nl>' \
	'To: a@example.org' \
	'To: b@example.org' \
	'Cc: c@example.org' \
	'Subject: =?utf-8?q?Melding_=C3=A9=C3=A9n?=' \
	'  continued' \
	'Date: Mon, 01 Jan 2024 10:00:00 +0100' \
	'Message-ID: <n2@meldpunt.nl>' \
	'MIME-Version: 1.0' \
	'Content-Type: multipart/mixed; boundary="b1"' \
	'' \
	'--b1' \
	'Content-Type: text/plain' \
	'' \
	'part one' \
	'--b1--' >"$T/m2.eml"


if ! "$PY" -c 'import dkim, nacl' 2>/dev/null; then
	i=0
	while [ $i -lt 13 ]; do skip "$PY cannot import dkim and nacl (python3-dkim, python3-nacl)"; i=$((i + 1)); done
	exit 0
fi

for m in m1 m2; do
	check "$m: signed by lib/sign" sh -c "'$TOOL' sign meldpunt.nl rsa2026 '$T/rsa.key' ed2026 '$T/ed.key' '$T/$m.eml' >'$T/$m.signed'"
	check "$m: dkimpy accepts the rsa-sha256 signature" "$PY" "$top_srcdir/tests/dkimpy.py" "$T/keys.txt" verify "$T/$m.signed" 0
	check "$m: dkimpy accepts the ed25519-sha256 signature" "$PY" "$top_srcdir/tests/dkimpy.py" "$T/keys.txt" verify "$T/$m.signed" 1
done
grep -q '^DKIM-Signature: v=1; a=rsa-sha256;' "$T/m1.signed" && grep -q 'a=ed25519-sha256;' "$T/m1.signed" &&
	ok "m1: rsa first, ed25519 second" || notok "m1: rsa first, ed25519 second"

sed 's/kwetsbare dienst/veilige dienst/' "$T/m1.signed" >"$T/tb.eml"
refute "tampered body: dkimpy rejects rsa" "$PY" "$top_srcdir/tests/dkimpy.py" "$T/keys.txt" verify "$T/tb.eml" 0
refute "tampered body: dkimpy rejects ed25519" "$PY" "$top_srcdir/tests/dkimpy.py" "$T/keys.txt" verify "$T/tb.eml" 1
sed 's/^Subject: Kwetsbare/Subject: Dringend: kwetsbare/' "$T/m1.signed" >"$T/th.eml"
refute "tampered Subject: dkimpy rejects ed25519" "$PY" "$top_srcdir/tests/dkimpy.py" "$T/keys.txt" verify "$T/th.eml" 1

# The other way: dkimpy signs as a reporter, lib/dkim/verify checks.
( umask 077; openssl genpkey -algorithm ed25519 -out "$T/rep-ed.key" &&
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rep-rsa.key" 2>/dev/null )
"$TOOL" txt reporter.example r1 "$T/rep-rsa.key" e1 "$T/rep-ed.key" >"$T/rep-keys.txt"
# dkimpy wants the raw 32-byte Ed25519 seed, base64, as its key.
openssl pkey -in "$T/rep-ed.key" -outform DER | tail -c 32 | base64 >"$T/rep-ed.raw"
"$PY" "$top_srcdir/tests/dkimpy.py" "$T/rep-keys.txt" r1 "$T/m1.eml" "$T/rep-rsa.key" rsa-sha256 >"$T/r1.eml" 2>"$T/out" &&
"$PY" "$top_srcdir/tests/dkimpy.py" "$T/rep-keys.txt" e1 "$T/r1.eml" "$T/rep-ed.raw" ed25519-sha256 >"$T/r2.eml" 2>>"$T/out"
check "dkimpy-signed (rsa + ed25519): lib/verify passes both" "$TOOL" verify "$T/rep-keys.txt" "$T/r2.eml"
"$PY" "$top_srcdir/tests/dkimpy.py" "$T/rep-keys.txt" e1 "$T/m1.eml" "$T/rep-ed.raw" ed25519-sha256 length >"$T/l.eml" 2>/dev/null
printf 'Appended by someone else.\n' >>"$T/l.eml"
if "$TOOL" verify "$T/rep-keys.txt" "$T/l.eml" >"$T/out" 2>&1 && grep -q 'l=.*unsigned' "$T/out"; then
	ok "dkimpy l= signature with appended text: flagged as partial"
else
	notok "dkimpy l= signature with appended text: flagged as partial"; sed 's/^/# /' "$T/out"
fi

# Key file hygiene, seen from the command line.
cp "$T/rsa.key" "$T/open.key" && chmod 640 "$T/open.key"
if "$TOOL" txt meldpunt.nl s "$T/open.key" - - >"$T/out" 2>&1; then
	notok "group-readable key refused"
else
	grep -q "$T/open.key: group or others have access" "$T/out" &&
		ok "group-readable key refused, naming the file" ||
		{ notok "group-readable key refused, naming the file"; sed 's/^/# /' "$T/out"; }
fi

[ $n -eq 13 ] || echo "# planned 13, ran $n"
exit 0
