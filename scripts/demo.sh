#!/bin/bash
# The README prints this as `sh scripts/demo.sh`, and /bin/sh is dash on
# Debian: the harness needs bash (always installed: it is Essential).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
#
# The main job on the embedded defaults: install what is needed, build,
# start a private Postfix on 127.0.0.1 with meldpunt-milter configured from
# etc/ (etc/meldpunt.conf, the routes in etc/routes.conf plus the sample
# RIPE dump and security.txt files in examples/), send every sample message
# in examples/ through it and show what came out.
#
# The sample reporters sign their reports with DKIM keys made here and
# published in a test DNS zone (DNSZoneFile): there is no DNS in this
# sandbox, and meldpunt only turns authenticated reports into notifications.
# Everything started is stopped again at the end; H_KEEP=1 keeps the temp
# dir (Postfix log, milter log, every delivered message).
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
(cd build/main && make -j2 >../logs/demo-make.log 2>&1 &&
	make tests/unit/mp-sign-tool >>../logs/demo-make.log 2>&1) ||
	{ tail -20 build/logs/demo-make.log; exit 1; }

export top_srcdir=$top top_builddir=$top/build/main
. "$top/tests/e2e/harness.sh"
why=$(h_can_run) || { echo "demo: $why" >&2; exit 1; }
h_init || exit 1
CONF=$HD/meldpunt.conf
INTAKE=$(sed -n 's/^IntakeAddress[[:space:]]*\([^[:space:],]*\).*/\1/p' etc/meldpunt.conf | head -n 1)
DOMAIN=$(sed -n 's/^SigningDomain[[:space:]]*\([^[:space:]]*\).*/\1/p' etc/meldpunt.conf)
REPORTERS="mailbox.example.com honeypot.example.com research.example.org"

echo "== routing database from etc/routes.conf, examples/ripe-sample.db, examples/securitytxt/"
h_routes || exit 1
sed 's/^/   /' "$HD/log/routes.log"
echo "== keys: the clearinghouse's (rsa-sha256 + ed25519-sha256), and the sample reporters'"
h_dkim_keys "$DOMAIN" || exit 1
h_reporter_keys $REPORTERS || exit 1

# etc/meldpunt.conf as shipped, with its installed paths moved into the
# private temp dir and the source tree; the keys set below are taken out
# first (a key set twice is a configuration error).
sed -e "/^[[:space:]]*\(Socket\|UserID\|PidFile\|StatsFile\|LogFile\|Umask\|Syslog\|DNSZoneFile\)[[:space:]]/d" \
    -e "s|^RoutingDB.*|RoutingDB $HD/routes.db|" \
    -e "s|^TemplateDirectory.*|TemplateDirectory $top/templates|" \
    -e "s|^StateDB.*|StateDB $HD/state.db|" \
    -e "s|^RSAKeyFile.*|RSAKeyFile $HD/keys/rsa1.key|" \
    -e "s|^RSASelector.*|RSASelector rsa1|" \
    -e "s|^Ed25519KeyFile.*|Ed25519KeyFile $HD/keys/ed1.key|" \
    -e "s|^Ed25519Selector.*|Ed25519Selector ed1|" \
    -e "s|^IdentityMap.*|IdentityMap $top/etc/identity.map|" \
    etc/meldpunt.conf >"$CONF"
cat >>"$CONF" <<CONF
Socket		unix:$MILTER_SOCK
Umask		000
Syslog		no
StatsFile	$HD/stats
DNSZoneFile	$HD/dns.zone
CONF

echo "== starting meldpunt-milter and a private Postfix on 127.0.0.1:$SMTP_PORT"
h_start_milter "$CONF" || exit 1
# Postfix drops its own Received header of the intake hop (the reporter's
# address, HELO and the intake address) by etc/postfix/meldpunt_header_checks
# as shipped, with this private Postfix's host name.
sed -e 's/mx1\\\.meldpunt\\\.example\\\.nl/mx\\.meldpunt\\.test/' \
    etc/postfix/meldpunt_header_checks >"$HD/etc/meldpunt_header_checks"
POSTFIX_EXTRA="header_checks = regexp:$HD/etc/meldpunt_header_checks"
h_start_postfix || exit 1

show() {
	local f=$1 h v
	echo "   envelope: from <$(sed -n 's/^X-Mail-Args: <\([^>]*\)>.*/\1/p' "$f")> to $(h_rcpts "$f" | paste -sd' ')"
	for h in From To Subject X-Meldpunt-Outcome X-Meldpunt-Reason X-Meldpunt-Id; do
		v=$(h_header "$f" "$h" | paste -sd' ')
		[ -n "$v" ] && printf '   %-19s %s\n' "$h:" "$v" | tr '\t' ' '
	done
	v=$(h_header "$f" DKIM-Signature | grep -o 'a=[a-z0-9-]*' | paste -sd' ')
	[ -n "$v" ] && printf '   %-19s %s\n' "DKIM-Signature:" "$v"
	if [ "$(h_header "$f" X-Meldpunt-Outcome)" = notified ]; then
		# (the intake address is also the Identity here: From names it)
		echo "   header fields naming the reporter or its hop to the intake: $(h_message "$f" |
			sed '/^\r\{0,1\}$/q' | grep -vi '^From:' | grep -ciF -e "$INTAKE" -e "${from#*@}")"
		echo "   the notification (text part, first lines):"
		/usr/bin/python3 tests/e2e/mimepart.py "$f" text/plain | sed -n '1,14s/^/     | /p'
		h_message "$f" >"$HD/notice.eml"
		"$top_builddir/tools/meldpunt-verify" --key-file "$HD/keys/records.txt" \
			--lang en "$HD/notice.eml" | grep -E 'Verdict|\[(OK|FAIL)' | sed 's/^/   meldpunt-verify: /'
	fi
	# An independent verifier too (dkimpy), for every signature it carries.
	local i=0 n
	n=$(h_header "$f" DKIM-Signature | wc -l)
	h_message "$f" >"$HD/signed.eml"
	while [ "$i" -lt "$n" ]; do
		if /usr/bin/python3 tests/dkimpy.py "$HD/keys/records.txt" verify "$HD/signed.eml" "$i" >/dev/null; then
			echo "   dkimpy: signature $((i + 1)) of $n verifies"
		else
			echo "   dkimpy: signature $((i + 1)) of $n does NOT verify"
		fi
		i=$((i + 1))
	done
}

status=0
for msg in examples/*.eml; do
	from=$(sed -n 's/^From:.*<\([^>]*\)>.*/\1/p' "$msg" | head -n 1)
	to=$(sed -n 's/^To: *\(.*<\)\{0,1\}\([^<> ]*@[^<> ]*\).*/\2/p' "$msg" | head -n 1)
	echo
	case " $REPORTERS " in
	*" ${from#*@} "*)
		echo "== $msg: a report from ${from#*@}, DKIM-signed by its reporter, to $INTAKE"
		h_sign_report "$msg" "${from#*@}" >"$HD/send.eml"
		f=$(H_FROM=$from h_send "$HD/send.eml" "$INTAKE") ;;
	*)
		echo "== $msg: mail as the clearinghouse from a trusted host, via the submission service"
		f=$(H_PORT=$SUBMIT_PORT H_FROM=$from h_send "$msg" "$to") ;;
	esac
	if [ $? -eq 0 ]; then show "$f"; else echo "   not delivered: $f"; status=1; fi
done
# The counters are written once a second: wait until they hold every
# message sent above.
sent=$(ls examples/*.eml | wc -l)
counted() {
	"$top_builddir/milter/meldpunt-milter" -s -c "$CONF" >"$HD/stats.txt" 2>&1 &&
		[ "$(awk '$1 == "messages" { print $2 }' "$HD/stats.txt")" = "$sent" ]
}
h_wait_for 5 "meldpunt-milter -s to count $sent messages" counted || status=1
echo
echo "== meldpunt-milter -s"
grep -v ' 0$' "$HD/stats.txt" | sed 's/^/   /'
echo
echo "== milter log"
sed 's/^/   /' "$HD/log/milter.log"
exit $status
