#!/bin/bash
# meldpunt-milter -n: configuration checks a mail admin relies on.
. "$top_srcdir/tests/e2e/tap.sh"
BIN=$top_builddir/milter/meldpunt-milter
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

"$BIN" -n -c "$top_srcdir/etc/meldpunt.conf" >"$T/out" 2>&1
is "$?" 0 "the shipped example etc/meldpunt.conf is valid"

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
