#!/bin/sh
# docs-arch.sh - the architecture page stays in the repository and true at
# folder level (TAP): the README links docs/ARCHITECTURE.md, every
# lib/<concern>/ folder has its row there, its layer order is the one
# tests/unit/layers.sh enforces, and no source or document cites notes that
# are not in the repository (the shared design and reference notes).
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$srcdir" || exit 99
page=docs/ARCHITECTURE.md
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }

if grep -q '(docs/ARCHITECTURE.md)' README.md; then
	ok "README.md links $page"
else
	not_ok "README.md does not link $page"
fi
for d in lib/*/; do
	d=${d%/}
	if grep -q "^| \`$d\` |" "$page"; then
		ok "$d has its row in $page"
	else
		not_ok "$d has no row \"| \`$d\` | owns | may use |\" in $page"
	fi
done
# The ranks of layers.sh, lowest first, as the page draws them.
want=$(sed -n "s/^LAYERS='\(.*\)'/\1/p" tests/unit/layers.sh)
if grep -q "core:0 mail:1 report/route/dkim/state:2 auth/notify:3 daemon:4 milter:5" "$page" &&
    [ "$want" = "core:0 mail:1 report:2 route:2 dkim:2 state:2 auth:3 notify:3 daemon:4 milter:5" ]; then
	ok "$page states the ranks of layers.sh"
else
	not_ok "$page and tests/unit/layers.sh (LAYERS='$want') disagree on the layers"
fi
# Comments and documents say what they mean, not where notes outside the
# repository say it.
cites=$(grep -rn -E 'DESIGN\.md|STYLE\.md|milter-notes|postfix-test-notes|\.\./shared/' \
    lib milter tools tests/unit tests/e2e tests/bench tests/fuzz docs man README.md \
    BENCHMARKS.md 2>/dev/null | grep -v '^tests/unit/docs-arch.sh:')
if [ -z "$cites" ]; then
	ok "no file cites notes outside the repository"
else
	not_ok "files cite notes outside the repository:"
	printf '%s\n' "$cites" | sed 's/^/#   /'
fi
echo "1..$n"
exit $failed
