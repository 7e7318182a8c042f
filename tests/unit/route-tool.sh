#!/bin/sh
# meldpunt-route compile, lookup, reporter and dump on the example data
# in etc/ and examples/ (TAP).
: "${top_srcdir:=.}" "${top_builddir:=.}"
tool="$top_builddir/tools/meldpunt-route"
ex="$top_srcdir/examples"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/route-tool.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
db="$tmp/routes.db"
n=0
failed=0

ok() {	# ok DESCRIPTION COMMAND...
	n=$((n + 1)); what=$1; shift
	if "$@" >"$tmp/out" 2>"$tmp/err"; then echo "ok $n - $what"
	else echo "not ok $n - $what"; sed 's/^/# /' "$tmp/out" "$tmp/err"; failed=1; fi
}
has() { grep -q -- "$1" "${2:-$tmp/out}"; }
has_err() { grep -q -- "$1" "$tmp/err"; }
look() {	# look QUERY JSON-FRAGMENT...
	q=$1; shift
	"$tool" lookup "$db" "$q" --json >"$tmp/out" 2>"$tmp/err" || return 1
	for f in "$@"; do has "$f" || { echo "# missing $f"; return 1; }; done
	cp "$tmp/out" "$tmp/last.json"
}
compile() {
	"$tool" compile -o "$db" "$top_srcdir/etc/routes.conf" --rpsl "$ex/ripe-sample.db" \
	    --securitytxt "ziekenhuis.example.nl=$ex/securitytxt/ziekenhuis.example.nl.txt" \
	    --securitytxt "voorbeeldstad.example.nl=$ex/securitytxt/voorbeeldstad.example.nl.txt" \
	    --securitytxt "winkel.example.com=$ex/securitytxt/winkel.example.com.txt" \
	    --securitytxt "oud.example.nl=$ex/securitytxt/oud.example.nl.txt" "$@" \
	    >"$tmp/compile.out" 2>"$tmp/compile.err"
}

echo "1..19"
ok "compile the examples" compile
ok "counts per object kind" has "3 organisations, 1 intermediaries" "$tmp/compile.out"
ok "expired security.txt ignored with a warning" has "oud.example.nl.txt: expired" "$tmp/compile.err"
ok "step 1-4 in order for a hospital address" look 192.0.2.10 \
    '"rule": "org"' 'security@ziekenhuis.example.nl' '"matched": "192.0.2.0/26"' \
    'csirt@ziekenhuis.example.nl' 'meldingen@zorgcert.example.nl' 'abuse@hosting.example.nl'
ok "order: org before securitytxt before intermediary before abuse-c" sh -c \
    "grep -n '\"rule\"' '$tmp/last.json' | cut -d'\"' -f4 | tr '\n' ' ' | grep -q '^org securitytxt intermediary abuse-c \$'"
ok "security.txt of an organisation without contacts (signed file)" look 203.0.113.7 \
    'cert@voorbeeldstad.example.nl' '"rule": "securitytxt"'
ok "intermediary network" look 192.0.2.200 '"rule": "intermediary"' '"matched": "192.0.2.128/25"'
ok "inherited abuse-c" look 198.51.100.70 'abuse@telecom.example.nl' 'inherited'
ok "abuse-c through the organisation, split range" look 198.51.100.209 \
    'abuse@winkelcentrum.example.com' '"matched": "198.51.100.208/30"'
ok "IPv6 and URL" look 'http://[2001:db8:200::1]:8080/x' 'cert@webshop.example.com' '"lang": "en"'
ok "a contact's policy in the route (contact object)" look 198.51.100.209 \
    '"notify_interval": 86400' '"digest": true'
ok "an organisation's policy, in text" sh -c "'$tool' lookup '$db' 192.0.2.10 | \
    grep -A2 'security@ziekenhuis' | grep -q 'policy: notified at most every 1h\$'"
ok "a contact address: its policy" sh -c "'$tool' lookup '$db' \
    ABUSE@winkelcentrum.example.com | grep -q 'every 1d, single reports in a digest'"
ok "AS number" look AS64496 'abuse@telecom.example.nl' '"matched": "AS64496"'
ok "domain parent walk" look www.ziekenhuis.example.nl '"matched": "ziekenhuis.example.nl"'
n=$((n + 1))
"$tool" lookup "$db" 10.0.0.1 >"$tmp/out" 2>&1; rc=$?
if [ $rc -eq 1 ] && has unrouted; then echo "ok $n - unrouted exits 1"
else echo "not ok $n - unrouted exits 1 (got $rc)"; failed=1; fi
ok "known reporter with parent walk" sh -c "'$tool' reporter '$db' mx.scanner.example.nl | grep -q 'requires dkim'"
ok "dump shows intervals and routes" sh -c "'$tool' dump '$db' | grep -q '^interval4 192.0.2.0 route'"
n=$((n + 1))
printf 'organisation x\n    contact nope\n' >"$tmp/bad.conf"
"$tool" compile -o "$tmp/bad.db" "$tmp/bad.conf" >"$tmp/out" 2>"$tmp/err"; rc=$?
if [ $rc -eq 65 ] && has_err "bad.conf:2: contact" && [ ! -e "$tmp/bad.db" ]; then
	echo "ok $n - own-source error: FILE:LINE, exit 65, nothing written"
else echo "not ok $n - own-source error (rc $rc)"; sed 's/^/# /' "$tmp/err"; failed=1; fi
exit $failed
