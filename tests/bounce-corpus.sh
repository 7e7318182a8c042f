#!/bin/sh
# Corpus test for the bounce classifier: every sample listed in
# tests/corpus/expected/bounce.tsv is run through tests/unit/mp-bounce-tool
# and its kind, status and first recipient compared with the table.
#
# The table's kind/status/recipient are the answers read from each
# sample itself (its Status fields, SMTP replies, headers), not from the
# classifier. Where the classifier answers differently the last column,
# "explained", holds "KIND STATUS RECIPIENT: why" and the test checks
# that the classifier gives exactly that (so a fix or a regression both
# show). Every .eml under tests/corpus/sisimai must be in the table.
# Prints TAP.
set -u

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
tool=$builddir/tests/unit/mp-bounce-tool
corpus=$srcdir/tests/corpus
table=$corpus/expected/bounce.tsv
tmp=${TMPDIR:-/tmp}/bounce-corpus.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

grep -v '^#' "$table" >"$tmp/table"
(cd "$corpus" && find sisimai -name '*.eml' | LC_ALL=C sort) >"$tmp/files"
cut -f1 "$tmp/table" | LC_ALL=C sort >"$tmp/listed"

n=$(wc -l <"$tmp/table")
echo "1..$((n + 2))"
i=0
matched=0
explained=0
tab=$(printf '\t')
while IFS="$tab" read -r file kind status rcpt why; do
	i=$((i + 1))
	out=$("$tool" "$corpus/$file" 2>"$tmp/err")
	rc=$?
	got=$(printf '%s\n' "$out" | cut -f2-4 | tr '\t' ' ')
	want="$kind $status $rcpt"
	if [ $rc -ne 0 ]; then
		echo "not ok $i - $file: tool exit $rc: $(cat "$tmp/err")"
	elif [ "$why" = "-" ]; then
		if [ "$got" = "$want" ]; then
			echo "ok $i - $file: $got"
			matched=$((matched + 1))
		else
			echo "not ok $i - $file: got \"$got\", expected \"$want\""
		fi
	else
		# "KIND STATUS RECIPIENT: reason"
		exp_got=${why%%:*}
		if [ "$got" = "$exp_got" ]; then
			echo "ok $i - $file: expected \"$want\", explained: $why"
			explained=$((explained + 1))
		else
			echo "not ok $i - $file: got \"$got\", explained as \"$exp_got\" (expected \"$want\")"
		fi
	fi
done <"$tmp/table"

if cmp -s "$tmp/files" "$tmp/listed"; then
	echo "ok $((n + 1)) - every sample under tests/corpus/sisimai is in bounce.tsv"
else
	echo "not ok $((n + 1)) - bounce.tsv and tests/corpus/sisimai differ:"
	diff "$tmp/listed" "$tmp/files" | sed 's/^/# /'
fi
# The VERP tag as the wiring will read it.
if [ "$("$tool" -t 'bounce+MP-abc234@notify.example' bounce +)" = "found MP-abc234" ] &&
	[ "$("$tool" -t 'other+MP-abc@notify.example' bounce +)" = "notfound" ]; then
	echo "ok $((n + 2)) - VERP tag from the envelope recipient"
else
	echo "not ok $((n + 2)) - VERP tag"
fi
echo "# $n samples: $matched matched, $explained explained"
exit 0
