#!/bin/sh
# docs-install.sh - every documentation block that tests/e2e/t-install.sh
# runs is still there (TAP). t-install.sh needs root and Postfix and skips
# without them; this check does not, so a renamed or removed
# "<!-- t-install: NAME -->" marker fails `make check` everywhere.
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
t=$srcdir/tests/e2e/t-install.sh
n=0
failed=0

block() {	# the same extraction as h_doc_block in tests/e2e/harness.sh
	awk -v m="<!-- t-install: $2 -->" '
		$0 == m { want = 1; next }
		want && /^```/ { if (inb) exit; inb = 1; next }
		inb { print }' "$1"
}

uses=$(sed -n 's/.*\(step\|run_block\) "\$\(OPS\|README\)" \([a-z0-9-]*\).*/\2 \3/p' "$t" | sort -u)
echo "1..$(( $(printf '%s\n' "$uses" | wc -l) + 1 ))"
n=$((n + 1))
if [ "$(printf '%s\n' "$uses" | wc -l)" -ge 10 ]; then
	echo "ok $n - t-install.sh runs $(printf '%s\n' "$uses" | wc -l) documented blocks"
else
	echo "not ok $n - found only $(printf '%s\n' "$uses" | wc -l) blocks in t-install.sh"; failed=1
fi
printf '%s\n' "$uses" | {
	while read -r doc name; do
		n=$((n + 1))
		case $doc in OPS) f=$srcdir/docs/OPERATIONS.md ;; *) f=$srcdir/README.md ;; esac
		if [ -n "$(block "$f" "$name")" ]; then
			echo "ok $n - ${f#"$srcdir"/} has the block t-install: $name"
		else
			echo "not ok $n - ${f#"$srcdir"/} lacks the block \"<!-- t-install: $name -->\" that t-install.sh runs"
			failed=1
		fi
	done
	exit $failed
}
