#!/bin/sh
# layers.sh - lib/ keeps its layer order (TAP).
#
# lib/<concern>/ folders are layers, lowest first:
#	core -> mail -> {report, route, dkim, state} -> {auth, notify} -> daemon
# A file in lib/ may include (#include "...") only headers of its own folder
# and of lower layers; folders of the same tier do not use each other unless
# the pair is listed in SIBLINGS below with a reason. Nothing in lib/
# includes a header of milter/ (lib never logs; the milter does). milter/
# may use any layer. Headers are included by bare name, so each name must
# exist once under lib/ and milter/. The build enforces the same through
# each library's include path (NAME_CPPFLAGS in lib/NAME/local.mk); this
# test names the file:line and the layer pair.

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$srcdir" || exit 99

# folder rank: a folder may use folders of lower rank.
LAYERS='core:0 mail:1 report:2 route:2 dkim:2 state:2 auth:3 notify:3 daemon:4 milter:5'
# "user:used" pairs of the same rank allowed to meet, each with its reason.
SIBLINGS=''

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

# Every folder under lib/ has a rank.
for d in lib/*/; do
	d=${d#lib/}; d=${d%/}
	case " $LAYERS " in
	*" $d:"*) ok "lib/$d has a layer" ;;
	*) not_ok "lib/$d is in no layer (add it to LAYERS in $0 and to Makefile.am)" ;;
	esac
done
for f in lib/*.c lib/*.h; do
	[ -e "$f" ] && not_ok "$f sits in no layer: move it into a lib/<concern>/ folder"
done

# Header name -> folder; a name defined twice is ambiguous.
find lib milter -name '*.h' | awk -F/ '{ d = ($1 == "milter") ? "milter" : $2; print $NF, d }' |
	sort >"$tmp/headers"
dups=$(awk '{ c[$1]++ } END { for (h in c) if (c[h] > 1) print h }' "$tmp/headers")
if [ -z "$dups" ]; then
	ok "every header name under lib/ and milter/ is unique"
else
	not_ok "header names defined in more than one folder:" $dups
fi

# file:line folder header for every #include "..." in lib/ and milter/.
find lib milter -name '*.[ch]' | sort | while read -r f; do
	case $f in milter/*) d=milter ;; *) d=${f#lib/}; d=${d%%/*} ;; esac
	awk -v f="$f" -v d="$d" '
	/^[ \t]*#[ \t]*include[ \t]*"/ {
		h = $0; sub(/^[^"]*"/, "", h); sub(/".*/, "", h)
		print f ":" FNR, d, h }' "$f"
done >"$tmp/includes"

bad=$(awk -v layers="$LAYERS" -v siblings="$SIBLINGS" -v hdrs="$tmp/headers" '
	BEGIN {
		nl = split(layers, l, " ")
		for (i = 1; i <= nl; i++) { split(l[i], p, ":"); rank[p[1]] = p[2] }
		ns = split(siblings, s, " ")
		for (i = 1; i <= ns; i++) ok[s[i]] = 1
		while ((getline line < hdrs) > 0) { split(line, p, " "); home[p[1]] = p[2] }
	}
	{
		where = $1; from = $2; h = $3; base = h; sub(/.*\//, "", base)
		if (!(base in home)) next		# config.h, system headers
		to = home[base]
		if (h != base) {
			print where ": includes \"" h "\" by path; include headers by bare name"
			next
		}
		if (to == from) next
		if (to == "milter") {
			print where ": " from " -> milter (" h "): lib/ never uses milter/"
			next
		}
		if (rank[to] < rank[from]) next
		if (rank[to] == rank[from] && ((from ":" to) in ok)) next
		print where ": " from " -> " to " (" h "): " \
			(rank[to] == rank[from] ? "same tier, not listed in SIBLINGS" : \
			"a layer uses only the layers below it")
	}' "$tmp/includes")

total=$(wc -l <"$tmp/includes")
if [ -z "$bad" ]; then
	ok "all $total #include \"...\" lines in lib/ and milter/ keep the layer order"
else
	echo "$bad" | while read -r line; do echo "# $line"; done
	not_ok "$(echo "$bad" | wc -l) #include lines break the layer order (see above)"
fi

echo "1..$n"
exit $failed
