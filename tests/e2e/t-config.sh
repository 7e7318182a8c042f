#!/bin/bash
# meldpunt-milter -n: configuration checks a mail admin relies on.
. "$top_srcdir/tests/e2e/tap.sh"
BIN=$top_builddir/milter/meldpunt-milter
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# The shipped example with its installed paths pointed at this tree and
# keys made for the test (a key must be mode 600: the check refuses others).
( umask 077
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.key" 2>/dev/null
  openssl genpkey -algorithm ed25519 -out "$T/ed.key" 2>/dev/null )
"$top_builddir/tools/meldpunt-route" compile -o "$T/routes.db" "$top_srcdir/etc/routes.conf" >/dev/null 2>&1
sed -e "s|/var/lib/meldpunt/routes.db|$T/routes.db|" \
    -e "s|/usr/share/meldpunt/templates|$top_srcdir/templates|" \
    -e "s|/var/lib/meldpunt/state.db|$T/state.db|" \
    -e "s|/etc/meldpunt/keys/rsa2026.key|$T/rsa.key|" \
    -e "s|/etc/meldpunt/keys/ed2026.key|$T/ed.key|" \
    -e "s|/etc/meldpunt/identity.map|$top_srcdir/etc/identity.map|" \
    "$top_srcdir/etc/meldpunt.conf" >"$T/example.conf"
"$BIN" -n -c "$T/example.conf" >"$T/out" 2>&1
is "$?" 0 "the shipped example etc/meldpunt.conf is valid"
chmod 640 "$T/rsa.key"
out=$("$BIN" -n -c "$T/example.conf" 2>&1); rc=$?
is "$rc" 78 "a signing key readable by its group stops the daemon"
like "$out" "rsa.key.*group or others" "and says which file and why"
chmod 600 "$T/rsa.key"
printf 'Subject: {{sorce_ip}}\n\nx\n' >"$T/bad.tmpl"
mkdir -p "$T/tpl" && cp -r "$top_srcdir/templates/nl" "$top_srcdir/templates/en" "$T/tpl/" &&
	cp "$T/bad.tmpl" "$T/tpl/en/spam.tmpl"
sed "s|^TemplateDirectory.*|TemplateDirectory $T/tpl|" "$T/example.conf" >"$T/badtpl.conf"
out=$("$BIN" -n -c "$T/badtpl.conf" 2>&1); rc=$?
is "$rc" 78 "a template with an unknown field stops the daemon at start"
like "$out" "en/spam.tmpl:1:.*sorce_ip" "and says FILE:LINE and the field"

printf 'Socket unix:/tmp/x.sock\n# comment\nIntakeAdress a@b.nl\n' >"$T/typo.conf"
out=$("$BIN" -n -c "$T/typo.conf" 2>&1); rc=$?
is "$rc" 78 "a misspelt key exits 78 (EX_CONFIG)"
is "$out" "meldpunt-milter: $T/typo.conf:3: unknown key \"IntakeAdress\"" "and says FILE:LINE and the key"

printf 'MaximumMessageSize lots\n' >"$T/bad.conf"
out=$("$BIN" -n -c "$T/bad.conf" 2>&1); rc=$?
is "$rc" 78 "a bad value exits 78"
like "$out" "bad.conf:1: MaximumMessageSize: \"lots\" is not a size" "and names the value"

out=$("$BIN" -n -c "$T/missing.conf" 2>&1); rc=$?
is "$rc" 78 "a missing file exits 78"
like "$out" "missing.conf: cannot open: No such file or directory" "and says why"

"$BIN" -x >/dev/null 2>&1
is "$?" 64 "a bad option exits 64 (EX_USAGE)"
like "$("$BIN" -V)" "^meldpunt-milter [0-9]" "-V prints the version"

done_testing
