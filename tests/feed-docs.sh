#!/bin/sh
# docs/feeds.md lists exactly the Shadowserver types of the code
# (meldpunt-parse --shadowserver-types), same legacy names and types. TAP.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
tmp=${TMPDIR:-/tmp}/feed-docs.$$
trap 'rm -f "$tmp".*' EXIT INT TERM
echo "1..1"
"$builddir/tools/meldpunt-parse" --shadowserver-types | LC_ALL=C sort >"$tmp.code"
sed -n 's/^| `\([a-z0-9_]*\)` | `\{0,1\}\([a-z0-9_]*\)`\{0,1\} | \([a-z-]*\) |$/\1	\2	\3/p' \
	"$srcdir/docs/feeds.md" | awk -F'\t' -v OFS='\t' '{ if ($2 == "") $2 = "-"; print }' |
	LC_ALL=C sort >"$tmp.doc"
if cmp -s "$tmp.code" "$tmp.doc"; then
	echo "ok 1 - docs/feeds.md lists the $(wc -l <"$tmp.code") Shadowserver types of the code"
else
	echo "not ok 1 - docs/feeds.md and meldpunt-parse --shadowserver-types differ"
	diff "$tmp.code" "$tmp.doc" | sed 's/^/# /'
fi
