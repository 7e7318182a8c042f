#!/bin/sh
# Golden test: meldpunt-parse --json over every sample in tests/corpus.
# A sample with expected/<path>.json must parse to exactly that line; one
# with expected/<path>.err must be refused (exit 2) with that reason.
# REGEN=1 rewrites the expected files from the current output instead.
# Prints TAP.
set -u

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
parse=$builddir/tools/meldpunt-parse
corpus=$srcdir/tests/corpus
exp=$corpus/expected
tmp=${TMPDIR:-/tmp}/report-corpus.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# Samples: everything but goldens, provenance, licences and schemas.
(cd "$corpus" && find . -type f ! -path './expected/*' ! -name SOURCES.md \
	! -name 'LICENSE*' ! -path '*/LICENSES/*' ! -path './xarf-schemata/*' \
	! -path '*/schemas/*' | sed 's|^\./||' | LC_ALL=C sort) >"$tmp/list"

n=$(wc -l <"$tmp/list")
echo "1..$((n + 3))"
i=0
fail=0
while IFS= read -r f; do
	i=$((i + 1))
	"$parse" --json "$corpus/$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	# The reason without the "FILE: " prefix, so goldens do not hold paths.
	awk -v p="$corpus/$f: " \
		'{ if (index($0, p) == 1) print substr($0, length(p) + 1); else print }' \
		"$tmp/err" >"$tmp/why"
	if [ "${REGEN:-0}" = 1 ]; then
		mkdir -p "$(dirname "$exp/$f")"
		rm -f "$exp/$f.json" "$exp/$f.err"
		if [ $rc -eq 0 ]; then cp "$tmp/out" "$exp/$f.json"; else cp "$tmp/why" "$exp/$f.err"; fi
	fi
	if [ -f "$exp/$f.json" ]; then
		if [ $rc -eq 0 ] && cmp -s "$tmp/out" "$exp/$f.json"; then
			echo "ok $i - $f parses as expected"
		else
			echo "not ok $i - $f (exit $rc)"
			diff "$exp/$f.json" "$tmp/out" | sed 's/^/# /'
			sed 's/^/# /' "$tmp/err"
			fail=1
		fi
	elif [ -f "$exp/$f.err" ]; then
		if [ $rc -eq 2 ] && cmp -s "$tmp/why" "$exp/$f.err"; then
			echo "ok $i - $f refused: $(cat "$tmp/why")"
		else
			echo "not ok $i - $f should be refused (exit $rc)"
			diff "$exp/$f.err" "$tmp/why" | sed 's/^/# /'
			fail=1
		fi
	else
		echo "not ok $i - $f has no expected/$f.json or .err"
		fail=1
	fi
done <"$tmp/list"

# Exit codes: usage, a mix of good and bad files, unreadable file.
"$parse" >/dev/null 2>&1
rc=$?
if [ $rc -eq 1 ]; then echo "ok $((n + 1)) - no FILE is a usage error (exit 1)"
else echo "not ok $((n + 1)) - no FILE gave exit $rc, not 1"; fi
"$parse" --json "$corpus/sisimai/maildir/bsd/arf-01.eml" \
	"$corpus/sisimai/maildir/bsd/arf-26.eml" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] &&
	grep -q 'arf-26.eml: not a report: ' "$tmp/err"; then
	echo "ok $((n + 2)) - one report and one refusal: exit 2, one line out"
else
	echo "not ok $((n + 2)) - mixed files gave exit $rc"
fi
"$parse" "$tmp/does-not-exist" >/dev/null 2>&1
rc=$?
if [ $rc -eq 1 ]; then echo "ok $((n + 3)) - unreadable FILE exits 1"
else echo "not ok $((n + 3)) - unreadable FILE gave exit $rc"; fi
exit 0
