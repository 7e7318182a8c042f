# feed-lib.sh - what the list-report tests (t-feed.sh, t-sender.sh) share:
# three contacts over the addresses tests/feed-gen.py hands out, and
# generated Shadowserver reports as research.example.org signs them.
# Source after harness.sh, once h_init has made $HD.

# Three contacts over the generated addresses (10.0.0.1 upwards, one a
# row); 10.0.3.0/24 and what lies past the /16s is nobody's.
# f_routes: compiled into $HD/routes.db (rc 1, the log on stderr, when not).
f_routes() {
	cat >"$HD/feed-routes.conf" <<'ROUTES'
organisation a
    contact noc@a.example
    language nl
    network 10.0.0.0/24
    network 10.1.0.0/16
organisation b
    contact abuse@b.example
    language en
    network 10.0.1.0/24
    network 10.0.128.0/17
organisation c
    contact cert@c.example
    language en
    network 10.0.2.0/24
    network 10.0.64.0/18
ROUTES
	"$top_builddir/tools/meldpunt-route" compile -o "$HD/routes.db" \
		"$HD/feed-routes.conf" >"$HD/log/routes.log" 2>&1 ||
		{ cat "$HD/log/routes.log" >&2; return 1; }
}

# f_feed NAME FEED-GEN-ARGS...: a generated report (zipped, in a mail) in
# its own folder, as research.example.org signs it: $HD/feeds/NAME.eml.
# Prints the path of the zip.
f_feed() {
	local name=$1 p; shift
	mkdir -p "$HD/feeds" &&
	p=$(/usr/bin/python3 "$top_srcdir/tests/feed-gen.py" --zip --mail \
		--out "$HD/feeds/$name" "$@") || return 1
	p=${p%.eml}
	sed -e 's/^From: .*/From: Research Feeds <feeds@research.example.org>/' \
	    -e 's/^To: .*/To: meldingen@meldpunt.test/' "$p.eml" >"$HD/feeds/$name.plain"
	h_sign_report "$HD/feeds/$name.plain" research.example.org >"$HD/feeds/$name.eml" &&
		echo "$p"
}
