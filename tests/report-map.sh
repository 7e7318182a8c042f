#!/bin/sh
# The type-mapping table in man/meldpunt-parse.1 must be the one in code
# (lib/report/report.c), as printed by meldpunt-parse --mapping. Prints TAP.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
tmp=${TMPDIR:-/tmp}/report-map.$$
trap 'rm -f "$tmp".*' EXIT INT TERM

echo "1..2"
"$builddir/tools/meldpunt-parse" --mapping >"$tmp.code"
awk '/^\.TS/ { t = 1; next } /^\.TE/ { t = 0 } t && seen { print } t && /^_$/ { seen = 1 }' \
	"$srcdir/man/meldpunt-parse.1" | sed 's/\\(\*\*/*/g' >"$tmp.man"
if [ -s "$tmp.code" ] && cmp -s "$tmp.code" "$tmp.man"; then
	echo "ok 1 - man page mapping table matches the code ($(wc -l <"$tmp.code") rows)"
else
	echo "not ok 1 - man/meldpunt-parse.1 mapping table differs from the code"
	diff "$tmp.code" "$tmp.man" | sed 's/^/# /'
fi
# Every meldpunt type a table row can produce is one of the ten of
# lib/report/report.h (enum mp_report_type).
bad=$(cut -f4 "$tmp.code" | sort -u | grep -v -x -E \
	'malware|vulnerable-service|open-service|login-attack|spam|phishing|leaked-credentials|compromised-website|ddos|other')
if [ -z "$bad" ]; then echo "ok 2 - every mapped type is a meldpunt type"
else echo "not ok 2 - unknown types: $bad"; fi
