#!/bin/bash
# The main job on the embedded defaults: install what is needed, build,
# start a private Postfix on 127.0.0.1 with meldpunt-milter configured from
# etc/, send every message in examples/ through it and show what came out.
# Everything it starts is stopped again when it ends (H_KEEP=1 keeps the
# temp dir with the Postfix log, the milter log and the delivered files).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

sh scripts/deps.sh || exit 1
echo "== building (logs in build/logs)"
mkdir -p build/main build/logs
[ -x configure ] || autoreconf -fi >build/logs/autoreconf.log 2>&1 || exit 1
if [ ! -f build/main/Makefile ]; then
	(cd build/main && ../../configure >../logs/demo-configure.log 2>&1) ||
		{ tail -20 build/logs/demo-configure.log; exit 1; }
fi
(cd build/main && make -j2 >../logs/demo-make.log 2>&1) ||
	{ tail -20 build/logs/demo-make.log; exit 1; }

export top_srcdir=$top top_builddir=$top/build/main
. "$top/tests/e2e/harness.sh"
why=$(h_can_run) || { echo "demo: $why" >&2; exit 1; }
h_init
CONF=$HD/meldpunt.conf

# etc/meldpunt.conf as shipped, with the socket, user and logging moved
# into the private temp dir.
grep -viE '^[[:space:]]*(Socket|UserID|PidFile|Umask|Syslog)[[:space:]]' etc/meldpunt.conf >"$CONF"
cat >>"$CONF" <<CONF
Socket		unix:$MILTER_SOCK
Umask		000
Syslog		no
CONF

echo "== starting meldpunt-milter and a private Postfix on 127.0.0.1:$SMTP_PORT"
h_start_milter "$CONF" || exit 1
h_start_postfix || exit 1

show() {
	local f=$1
	echo "   envelope recipients: $(h_rcpts "$f" | paste -sd' ')"
	for h in From To Subject X-Meldpunt-Flow X-Meldpunt-Outcome X-Meldpunt-Reason X-Meldpunt-Id; do
		v=$(h_header "$f" "$h" | paste -sd' ')
		[ -n "$v" ] && printf '   %-19s %s\n' "$h:" "$v"
	done
	echo "   body (first lines):"
	h_body "$f" | sed -n '1,8s/^/     | /p'
}

status=0
for msg in examples/*.eml; do
	to=$(sed -n 's/^To: *\(.*<\)\{0,1\}\([^<> ]*@[^<> ]*\).*/\2/p' "$msg" | head -n 1)
	from=$(sed -n 's/^From:.*<\([^>]*\)>.*/\1/p' "$msg" | head -n 1)
	echo
	echo "== $msg: from $from to $to"
	if f=$(H_FROM=$from h_send "$msg" "$to"); then
		show "$f"
	else
		echo "   not delivered: $f"
		status=1
	fi
done
echo
echo "== milter log"
sed 's/^/   /' "$HD/log/milter.log"
exit $status
