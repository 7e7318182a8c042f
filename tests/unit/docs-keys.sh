#!/bin/sh
# docs-keys.sh - the documentation keeps up with the code (TAP).
#
#  - every key in lib/daemon/conf.c's keys[] table is documented in
#    man/meldpunt.conf.5 (between the keys-begin and keys-end markers),
#    and every key documented there is in the table;
#  - every program in bin_PROGRAMS / sbin_PROGRAMS has a man page that
#    is listed in dist_man_MANS and exists.
# The lists are read from Makefile.am and the fragments it includes, so a
# new key or program without its page fails `make check`.

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
conf_c=$srcdir/lib/daemon/conf.c
man5=$srcdir/man/meldpunt.conf.5
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

# Key names: the first string of each entry of `keys[] = { ... };`.
awk '/^static const struct conf_key keys\[\] = \{/ { on = 1; next }
     on && /^\};/ { exit }
     on && match($0, /^[ \t]*\{ *"[A-Za-z0-9]+"/) {
	s = substr($0, RSTART, RLENGTH); sub(/^[ \t]*\{ *"/, "", s);
	sub(/"$/, "", s); print s }' "$conf_c" | sort >"$tmp/code"

# Documented keys: a ".B Key" line right after ".TP" between the markers.
awk '/^\.\\" keys-begin/ { on = 1; next } /^\.\\" keys-end/ { on = 0 }
     on && prev == ".TP" && /^\.B [A-Za-z0-9]+$/ { print $2 }
     { prev = $0 }' "$man5" | sort >"$tmp/man"

# Makefile.am and every fragment it includes, continuation lines joined.
{ cat "$srcdir/Makefile.am"
  sed -n 's/^include[ \t][ \t]*//p' "$srcdir/Makefile.am" | while read -r f; do
	cat "$srcdir/$f"
  done
} | awk '{ while (/\\$/) { sub(/\\$/, ""); line = line $0; if (getline <= 0) break }
	   print line $0; line = "" }' >"$tmp/make"
sed -n 's/^[ \t]*s*bin_PROGRAMS[ \t]*+*=//p' "$tmp/make" | tr ' \t' '\n\n' |
	sed '/^$/d; s|.*/||' | sort -u >"$tmp/progs"
sed -n 's/^[ \t]*dist_man_MANS[ \t]*+*=//p' "$tmp/make" | tr ' \t' '\n\n' |
	sed '/^$/d' | sort -u >"$tmp/mans"

echo "1..$(( $(wc -l <"$tmp/code") + $(wc -l <"$tmp/progs") + 3 ))"

if [ "$(wc -l <"$tmp/code")" -ge 30 ]; then
	ok "read $(wc -l <"$tmp/code") keys from lib/daemon/conf.c"
else
	not_ok "read only $(wc -l <"$tmp/code") keys from lib/daemon/conf.c (table not found?)"
fi

while read -r key; do
	if grep -qx "$key" "$tmp/man"; then
		ok "meldpunt.conf(5) documents $key"
	else
		not_ok "meldpunt.conf(5) does not document $key (add .TP/.B $key between the keys markers)"
	fi
done <"$tmp/code"

extra=$(comm -13 "$tmp/code" "$tmp/man" | tr '\n' ' ')
if [ -z "$extra" ]; then
	ok "meldpunt.conf(5) documents no key that lib/daemon/conf.c lacks"
else
	not_ok "meldpunt.conf(5) documents keys lib/daemon/conf.c does not know: $extra"
fi

missing=
for p in meldpunt-milter meldpunt-parse meldpunt-route meldpunt-verify meldpunt-testreport; do
	grep -qx "$p" "$tmp/progs" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	ok "found the programs in bin_PROGRAMS/sbin_PROGRAMS: $(tr '\n' ' ' <"$tmp/progs")"
else
	not_ok "programs not found in bin_PROGRAMS/sbin_PROGRAMS:$missing"
fi

while read -r prog; do
	page=$(grep -E "^man/$prog\.[18]$" "$tmp/mans" | head -1)
	if [ -n "$page" ] && [ -f "$srcdir/$page" ]; then
		ok "$prog has $page in dist_man_MANS"
	elif [ -n "$page" ]; then
		not_ok "$prog: $page is listed in dist_man_MANS but missing"
	else
		not_ok "$prog has no man/$prog.1 or .8 in dist_man_MANS"
	fi
done <"$tmp/progs"

exit $failed
