#!/bin/bash
# t-install.sh - the documented installation beside a system Postfix,
# walked as written (README, docs/OPERATIONS.md).
#
# The commands are not copied here: each step runs the shell block that
# follows a "<!-- t-install: NAME -->" marker in docs/OPERATIONS.md or
# README.md, so the documents and this test cannot drift apart. What the
# test changes, and only that:
#   - paths: everything the documents put in /etc/meldpunt, /etc/postfix,
#     /usr/share/meldpunt, /var/lib/meldpunt, /run/meldpunt, /var/log,
#     /root moves into a staging directory ($R, and $HD/etc for Postfix's
#     configuration), and the documented --prefix=/usr --sysconfdir=/etc
#     paths become those of the build under test (`make install
#     DESTDIR=$R` of it; configure and make are not run again);
#   - systemctl is played from the installed unit file: User/Group,
#     UMask, RuntimeDirectory, ExecStartPre/ExecStart/ExecReload, PIDFile;
#   - Postfix: Debian's stock master.cf and main.cf (as the postinst
#     writes them for an "Internet Site" mx1.meldpunt.example.nl), then
#     the documented edits, then test-only settings (own queue directory,
#     loopback ports, everything relayed to smtp-sink, chroot off for the
#     services the snippet leaves alone); MAIL_CONFIG points the Postfix
#     commands of the blocks at it;
#   - apt-get is not run (no network): the packages must be there.
# Outside the staging directory it creates only the user and group
# "meldpunt" when missing (and adds postfix to that group), and removes
# them again at the end.
# shellcheck disable=SC2154,SC2034 # the build's paths come from eval; harness.sh reads H_*
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"

why=$(h_can_run) || skip_all "$why"
for c in runuser adduser saslpasswd2 postmap postkick start-stop-daemon; do
	command -v "$c" >/dev/null || skip_all "$c not installed"
done
[ -e /usr/lib/x86_64-linux-gnu/sasl2/libplain.so ] || ls /usr/lib/*/sasl2/libplain.so >/dev/null 2>&1 ||
	skip_all "libsasl2-modules not installed"

OPS=$top_srcdir/docs/OPERATIONS.md
README=$top_srcdir/README.md
H_WAIT=${H_WAIT:-30}
h_init
R=$HD/sys
mkdir -p "$R" && chmod 755 "$R"
LOG=$HD/log/install.log

# --- the user is the one thing outside $HD; put it back as it was ----------
had_user=0; had_member=0
id meldpunt >/dev/null 2>&1 && had_user=1
id -nG postfix 2>/dev/null | tr ' ' '\n' | grep -qx meldpunt && had_member=1
t_cleanup() {
	local pid
	pid=$(cat "${PIDFILE:-/nonexistent}" 2>/dev/null)
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && _h_wait_gone "$pid"
	h_stop
	[ "$had_member" = 0 ] && gpasswd -d postfix meldpunt >/dev/null 2>&1
	if [ "$had_user" = 0 ] && id meldpunt >/dev/null 2>&1; then
		userdel meldpunt >/dev/null 2>&1
		getent group meldpunt >/dev/null && groupdel meldpunt >/dev/null 2>&1
	fi
	return 0
}
trap t_cleanup EXIT

# --- the build's paths, and the mapping of documented paths onto them ------
# shellcheck disable=SC2016
eval "$(printf 'mp-print-paths:\n\t@echo "prefix=$(prefix) sysconfdir=$(sysconfdir) bindir=$(bindir) sbindir=$(sbindir) pkgdatadir=$(pkgdatadir) mandir=$(mandir)"\n' |
	make -s -C "$top_builddir" -f Makefile -f - mp-print-paths)"
[ -n "${sbindir:-}" ] || { echo "Bail out! cannot read the build's paths"; exit 1; }
UNIT=$R$prefix/lib/systemd/system/meldpunt-milter.service
PIDFILE=$R/run/meldpunt/meldpunt-milter.pid
# A documented or built-in path, not already part of a longer one.
B='(^|[^[:alnum:]/._-])'
map_paths() {
	sed -E -e "s#$B/usr/sbin/meldpunt-#\\1$R$sbindir/meldpunt-#g" \
	    -e "s#$B/usr/bin/meldpunt-#\\1$R$bindir/meldpunt-#g" \
	    -e "s#$B$sbindir/meldpunt-#\\1$R$sbindir/meldpunt-#g" \
	    -e "s#$B/usr/share/meldpunt#\\1$R$pkgdatadir#g" \
	    -e "s#$B$pkgdatadir#\\1$R$pkgdatadir#g" \
	    -e "s#$B/etc/meldpunt#\\1$R$sysconfdir/meldpunt#g" \
	    -e "s#$B$sysconfdir/meldpunt#\\1$R$sysconfdir/meldpunt#g" \
	    -e "s#$B/etc/postfix#\\1$HD/etc#g" \
	    -e "s#$B/etc/mailname#\\1$R/etc/mailname#g" \
	    -e "s#$B/var/lib/meldpunt#\\1$R/var/lib/meldpunt#g" \
	    -e "s#$B/run/meldpunt#\\1$R/run/meldpunt#g" \
	    -e "s#$B/var/log/#\\1$R/var/log/#g" \
	    -e "s#$B/root/#\\1$R/root/#g"
}
CONF=$R$sysconfdir/meldpunt/meldpunt.conf
export PATH="$R$bindir:$R$sbindir:$PATH" MAIL_CONFIG="$HD/etc"
mkdir -p "$R/root" "$R/var/log" "$R/etc" && chmod 700 "$R/root"

# --- systemctl, played from the installed unit ----------------------------
unit_key() { sed -n "s/^$1=//p" "$UNIT" | map_paths; }
as_unit() {	# run one Exec line as the unit does: its user, group, umask
	runuser -u "$(unit_key User)" -g "$(unit_key Group)" -- \
		sh -c "umask $(unit_key UMask); exec $1"
}
unit_start() {
	local d line
	for d in $(unit_key RuntimeDirectory); do
		install -d -o "$(unit_key User)" -g "$(unit_key Group)" \
			-m "$(unit_key RuntimeDirectoryMode)" "$R/run/$d"
	done
	for d in $(unit_key StateDirectory); do
		install -d -o "$(unit_key User)" -g "$(unit_key Group)" \
			-m "$(unit_key StateDirectoryMode)" "$R/var/lib/$d"
	done
	for d in $(unit_key LogsDirectory); do
		install -d -o "$(unit_key User)" -g "$(unit_key Group)" \
			-m "$(unit_key LogsDirectoryMode)" "$R/var/log/$d"
	done
	while read -r line; do
		as_unit "$line" || return 1
	done < <(unit_key ExecStartPre)
	as_unit "$(unit_key ExecStart)" || return 1
	wait_pidfile
}
wait_pidfile() {	# as systemd waits for PIDFile= after the start command
	h_wait_for 5 "the pid file $PIDFILE" test -s "$PIDFILE" || return 1
	cp "$PIDFILE" "$HD/milter.pid"
	H_MILTER_PID=$(cat "$PIDFILE")
}
unit_reload() {
	local line pid
	pid=$(cat "$PIDFILE") || return 1
	while read -r line; do
		as_unit "${line//\$MAINPID/$pid}" || return 1
	done < <(unit_key ExecReload)
}
unit_stop() {
	local pid
	pid=$(cat "$PIDFILE" 2>/dev/null) || return 0
	kill -TERM "$pid" && _h_wait_gone "$pid"
	rm -rf "$R/run/$(unit_key RuntimeDirectory)"	# as systemd does at stop
	rm -f "$HD/milter.pid"
}
systemctl() {
	local verb=$1 u
	shift
	[ "${1:-}" = --now ] && shift
	u=${1:-}
	case "$verb $u" in
	"daemon-reload "*|"status "*) return 0 ;;
	"enable meldpunt-milter"|"start meldpunt-milter") unit_start ;;
	"reload meldpunt-milter") unit_reload ;;
	"stop meldpunt-milter") unit_stop ;;
	"restart meldpunt-milter") unit_stop; unit_start ;;
	"restart postfix"|"start postfix")
		/usr/sbin/postfix stop >/dev/null 2>&1 || true
		/usr/sbin/postfix start && h_wait_listen "$SMTP_PORT" "$SUBMIT_PORT" &&
			H_MASTER_PID=$(tr -d ' ' <"$HD/spool/pid/master.pid") ;;
	"reload postfix") /usr/sbin/postfix reload ;;
	*) echo "t-install: systemctl $verb $u is not played here" >&2; return 1 ;;
	esac
}
apt-get() { return 0; }	# no network: the packages are checked above

# run_block FILE NAME [STDIN]: the documented block, paths moved, in bash -e.
run_block() {
	local code
	code=$(h_doc_block "$1" "$2" | map_paths)
	[ -n "$code" ] || { echo "no block $2 in $1" >>"$LOG"; return 99; }
	{ echo "### $2"; printf '%s\n' "$code"; } >>"$LOG"
	( set -e; eval "$code" ) <<<"${3:-}" >>"$LOG.out" 2>&1
}
step() {	# step FILE NAME "what" [STDIN]
	run_block "$1" "$2" "${4:-}"
	ok "$3" [ $? -eq 0 ] || { diag "block $2 failed; output:"; tail -n 15 "$LOG.out" | sed 's/^/#   /'; }
}

# === 1.1 make install into the staging directory ===========================
t0=$(date +%s)
make -s -C "$top_builddir" install DESTDIR="$R" >"$HD/log/make-install.log" 2>&1
ok "make install DESTDIR=… of the build" [ $? -eq 0 ]
ok "the programs are installed" test -x "$R$sbindir/meldpunt-milter" -a -x "$R$bindir/meldpunt-testreport" \
	-a -x "$R$bindir/meldpunt-route" -a -x "$R$bindir/meldpunt-verify"
ok "meldpunt-testreport(1) is installed" test -f "$R$mandir/man1/meldpunt-testreport.1"
like "$(grep '^TemplateDirectory' "$R$pkgdatadir/examples/meldpunt.conf")" "[[:space:]]$pkgdatadir/templates\$" \
	"the installed example configuration names the configured template directory"
ok "... which make install filled" test -f "$R$pkgdatadir/templates/nl/spam.tmpl"
like "$(grep '^ExecStart=' "$UNIT")" "^ExecStart=$sbindir/meldpunt-milter -c $sysconfdir/meldpunt/meldpunt.conf\$" \
	"the installed unit names the configured paths"
ok "the Postfix snippets are installed" test -f "$R$pkgdatadir/examples/postfix/main.cf.snippet" \
	-a -f "$R$pkgdatadir/examples/postfix/master.cf.snippet"
ok "make install wrote nothing into sysconfdir" [ ! -e "$R$sysconfdir/meldpunt" ]

# === 1.2 - 1.6 user, keys, routes, configuration ============================
umask 022
step "$OPS" user "1.2: user and directories"
like "$(id -nG postfix)" "(^| )meldpunt( |$)" "postfix is in group meldpunt"
step "$OPS" keys "1.3: signing keys"
is "$(stat -c '%U %a' "$R$sysconfdir/meldpunt/keys/ed2026.key")" "meldpunt 600" "the key is meldpunt's, mode 600"
is "$(umask)" 0022 "the key block leaves the umask alone"
step "$OPS" routes "1.4: routing source installed and compiled as meldpunt"
is "$(stat -c '%U %a' "$R/var/lib/meldpunt/routes.db")" "meldpunt 644" "routes.db is meldpunt's, mode 0644"
step "$OPS" config "1.6: configuration and identity map installed"
# The admin's adaptation: the installed paths of the build, moved into $R.
map_paths <"$CONF" >"$CONF.new" && cat "$CONF.new" >"$CONF" && rm -f "$CONF.new"
step "$OPS" check "1.6: meldpunt-milter -n as meldpunt says OK"
like "$(tail -n 1 "$LOG.out")" "meldpunt.conf: configuration OK" "... and prints 'configuration OK'"

step "$OPS" logfile "1.7: LogFile, for a host without syslog daemon"
MLOG=$R/var/log/meldpunt/meldpunt-milter.log

# -n warns when the host name is in ProtectedDomains (Postfix's myorigin
# would then make local mail look like the clearinghouse's).
if unshare -u true 2>/dev/null; then
	out=$(unshare -u sh -c "hostname mx1.meldpunt.example.nl &&
		runuser -u meldpunt -- '$R$sbindir/meldpunt-milter' -n -c '$CONF'" 2>&1)
	like "$out" "warning: this host's host name mx1.meldpunt.example.nl is in ProtectedDomains: unless Postfix's myorigin" \
		"-n on mx1.meldpunt.example.nl warns about local mail and myorigin"
fi
# TemplateDirectory errors name the key and FILE:LINE (item 6).
sed "s|^TemplateDirectory.*|TemplateDirectory /nonexistent/templates|" "$CONF" >"$HD/badtpl.conf"
line=$(grep -n '^TemplateDirectory' "$HD/badtpl.conf" | cut -d: -f1)
like "$("$R$sbindir/meldpunt-milter" -n -c "$HD/badtpl.conf" 2>&1)" \
	"badtpl.conf:$line: TemplateDirectory /nonexistent/templates: .*cannot open" \
	"a missing TemplateDirectory is reported with FILE:LINE and the key"

# === 1.8 Postfix: Debian's stock files, then the documented edits =========
if [ -f /etc/postfix/master.cf ]; then cp /etc/postfix/master.cf "$HD/etc/master.cf"
else cp /usr/share/postfix/master.cf.dist "$HD/etc/master.cf"; fi
echo mx1.meldpunt.example.nl >"$R/etc/mailname"
{ cat /usr/share/postfix/main.cf.debian /usr/share/postfix/main.cf.tls
  cat <<'CF'
# as Debian's postinst writes it for an Internet Site
myhostname = mx1.meldpunt.example.nl
myorigin = /etc/mailname
mydestination = $myhostname, localhost
relayhost =
mynetworks = 127.0.0.0/8
inet_interfaces = all
CF
} | map_paths >"$HD/etc/main.cf"
step "$OPS" postfix "1.8: snippets into main.cf and master.cf"
for f in main.cf master.cf; do	# the snippets' paths, moved like the blocks'
	map_paths <"$HD/etc/$f" >"$HD/etc/$f.new" && cat "$HD/etc/$f.new" >"$HD/etc/$f" && rm -f "$HD/etc/$f.new"
done
is "$(grep -c '^smtp[[:space:]]*inet' "$HD/etc/master.cf")" 1 "master.cf has one smtp inet service"
is "$(grep -c '^cleanup[[:space:]]*unix' "$HD/etc/master.cf")" 1 "master.cf has one cleanup service"
step "$OPS" submission "1.8: TLS, submission_hosts.cidr, sender_login, Cyrus SASL" "secret-noc"
step "$OPS" maillog "1.8: Postfix's own log file"
# Test-only: own queue, loopback ports, everything to the sink, no chroot.
postconf -e "queue_directory = $HD/spool" "data_directory = $HD/data" \
	"inet_interfaces = 127.0.0.1" "inet_protocols = ipv4" "mydestination =" \
	"alias_maps =" "alias_database =" "local_transport = error:5.1.1 local delivery is disabled here" \
	"default_transport = smtp:[127.0.0.1]:$SINK_PORT" "relay_transport = smtp:[127.0.0.1]:$SINK_PORT" \
	"smtp_dns_support_level = disabled" "smtpd_peername_lookup = no" \
	"maillog_file_prefixes = $R/var/log" "smtpd_client_connection_count_limit = 0" \
	"queue_run_delay = 2s" "minimal_backoff_time = 2s" "maximal_backoff_time = 4s" \
	"smtp_tls_security_level = none"
# The sender's listener (127.0.0.1:10587 in the snippet and in
# SubmitAddress) on a free port too.
SENDER_PORT=$(h_free_port "$SMTP_PORT" "$SINK_PORT" "$SUBMIT_PORT")
sed -i -e "s/^smtp\([[:space:]]\+inet\)/127.0.0.1:$SMTP_PORT\1/" \
    -e "s/^submission\([[:space:]]\+inet\)/127.0.0.1:$SUBMIT_PORT\1/" \
    -e "s/^127\.0\.0\.1:10587\([[:space:]]\+inet\)/127.0.0.1:$SENDER_PORT\1/" "$HD/etc/master.cf"
sed -i "s/^SubmitAddress.*/SubmitAddress 127.0.0.1:$SENDER_PORT/" "$CONF"
postconf -F '*/*/chroot = n'
h_start_sink || echo "Bail out! smtp-sink did not start"
step "$OPS" postfix-check "1.8: postfix check and (re)start"
H_MAILLOG=$R/var/log/postfix.log	# h_send waits for the delivery in it
grep -E 'fatal|error' "$R/var/log/postfix.log" 2>/dev/null | grep -v 'is not running' | sed 's/^/# postfix: /'

# === 1.9 start as the unit does ===========================================
step "$OPS" start "1.9: systemctl enable --now meldpunt-milter (played from the unit)"
is "$(stat -c '%U %G %A' "$R/run/meldpunt/milter.sock" 2>&1)" "meldpunt meldpunt srwxrwx---" \
	"the socket is srwxrwx--- meldpunt meldpunt"
is "$(ps -o user= -p "$(cat "$PIDFILE")" 2>&1)" meldpunt "the daemon runs as meldpunt"
like "$(cat "$MLOG" 2>&1)" "notice: meldpunt-milter [0-9.]+ starting on unix:$R/run/meldpunt/milter.sock" \
	"LogFile has the start line"

# === local mail before and after myorigin (item 2) ========================
cron_mail() {	# what cron does: sendmail as root, to root, unqualified
	printf 'Subject: Cron <root@mx1> %s\n\n%s\n' "$1" "$1" |
		/usr/sbin/sendmail -FCronDaemon -i -B8BITMIME -oem root
}
# Sink files found by their content, not by a queue id: handed out once
# their size has stopped changing (h_stable), never half written.
_newest_notified() {
	local n
	n=$(grep -l '^X-Meldpunt-Outcome: notified' "$HD"/sink/* 2>/dev/null | wc -l)
	[ "$n" -ge "$1" ] || return 1
	# shellcheck disable=SC2046
	ls -t $(grep -l '^X-Meldpunt-Outcome: notified' "$HD"/sink/*) | head -n 1
}
wait_notified() {	# wait_notified N: the newest of N notifications at the sink
	local f
	f=$(h_wait_for "$H_WAIT" "notification number $1 at the sink" _newest_notified "$1") &&
		h_stable "$f" && echo "$f"
}
_subject_file() { grep -l "^Subject: .*$1" "$HD"/sink/* 2>/dev/null | head -n 1 | grep .; }
wait_subject() {	# wait_subject TEXT: the sink file with that Subject
	local f
	f=$(h_wait_for "$H_WAIT" "a message with Subject $1 at the sink" _subject_file "$1") &&
		h_stable "$f" && echo "$f"
}
cron_mail before-myorigin
h_wait_for 10 "milter-reject in Postfix's log" grep -q 'milter-reject.*5.7.1' "$R/var/log/postfix.log"
like "$(grep 'milter-reject' "$R/var/log/postfix.log")" "5\.7\.1 .*from=<root@mx1\.meldpunt\.example\.nl>" \
	"with Debian's myorigin (the host name) cron mail is refused as a spoof"
step "$OPS" myorigin "1.8: myorigin outside ProtectedDomains"
postfix reload >/dev/null 2>&1; sleep 1
cron_mail after-myorigin
f=$(wait_subject after-myorigin)
ok "after it, cron mail is delivered" [ -n "$f" ]
[ -n "$f" ] && like "$(sed -n 's/^X-Mail-Args: //p' "$f")" "^<root@beheer.example.nl>" "... with sender root@beheer.example.nl"

# === 1.10 the first test report ===========================================
step "$OPS" firsttest-setup "1.10: test reporter key and route"
like "$(meldpunt-testreport -p -f abuse@test-reporter.invalid -k "$R/root/testreporter.key")" \
	'^test\._domainkey\.test-reporter\.invalid TXT "v=DKIM1; k=ed25519; p=' "meldpunt-testreport -p prints the DKIM record"
step "$OPS" firsttest-dryrun "1.10: dry-run zone file and reload"
step "$OPS" firsttest-send "1.10: the test report, through sendmail(1)"
f=$(wait_notified 1)
outcome=$([ -n "$f" ] && h_header "$f" X-Meldpunt-Outcome)
is "$outcome" notified "the test report became a notification"
[ -n "$f" ] || grep -E 'milter|reject|warning' "$R/var/log/postfix.log" | tail -n 5 | sed 's/^/# /'
if [ "$outcome" = notified ]; then
	is "$(h_rcpts "$f")" "meldingen@zorgcert.example.nl" "... to the example's contact for 192.0.2.25"
	like "$(grep 'flow=intake' "$MLOG")" "client=127\.0\.0\.1 flow=intake outcome=notified id=MP-[a-z0-9]+ reason=\"spam 192\.0\.2\.25 .*zorgcert" \
		"the log line says notified, and to whom"
	h_message "$f" >"$HD/notification.eml"
	run_block "$OPS" dkim-records && tail -n 2 "$LOG.out" >"$HD/published.txt"
	"$R$bindir/meldpunt-verify" --key-file "$HD/published.txt" --identity meldingen@meldpunt.example.nl \
		"$HD/notification.eml" >"$HD/log/verify.log" 2>&1
	is "$?" 0 "meldpunt-verify with the records of 2.1 calls it genuine"
fi

# === a spoof from the network, staff mail through submission ==============
printf 'From: Meldpunt <meldingen@meldpunt.example.nl>\nTo: victim@example.com\nSubject: spoof\n\nPay now.\n' >"$HD/spoof.eml"
out=$(h_send "$HD/spoof.eml" victim@example.com); rc=$?
is "$rc" 3 "a spoof as the clearinghouse on port 25 is refused"
like "$out" "550 5\.7\.1" "... with 550 5.7.1"
printf 'From: NOC <noc@meldpunt.example.nl>\nTo: someone@example.com\nSubject: staff mail\n\nHello.\n' >"$HD/staff.eml"
f=$(H_PORT=$SUBMIT_PORT H_SWAKS_EXTRA="-tls -a PLAIN -au noc@meldpunt.example.nl -ap secret-noc" \
	h_send "$HD/staff.eml" someone@example.com); rc=$?
is "$rc" 0 "staff mail through submission (STARTTLS, SASL login) is accepted"
[ "$rc" = 0 ] && like "$(h_header "$f" DKIM-Signature | grep -o 'a=[a-z0-9-]*' | sort | paste -sd' ')" \
	"a=ed25519-sha256 a=rsa-sha256" "... and signed with both keys" ||
	grep -E '^ *<\*\*|^ *<- *[45]' "$HD/log/last-send.log" | tail -n 3 | sed 's/^/# /'
printf 'From: NOC <noc@meldpunt.example.nl>\nTo: someone@example.com\nSubject: staff mail\n\nHello.\n' >"$HD/staff.eml"
out=$(H_PORT=$SUBMIT_PORT H_SWAKS_EXTRA="-tls" h_send "$HD/staff.eml" someone@example.com); rc=$?
is "$rc" 3 "without a login, submission refuses to relay"

# === reload =================================================================
pid=$(cat "$PIDFILE")
sed -i 's/^MaxNoticesPerContact.*/MaxNoticesPerContact	30/' "$CONF"
systemctl reload meldpunt-milter >>"$LOG.out" 2>&1
is "$?" 0 "systemctl reload meldpunt-milter"
echo "IntakeAdress x@y.nl" >>"$CONF"
out=$(systemctl reload meldpunt-milter 2>&1); rc=$?
ok "a broken file fails the reload" [ "$rc" -ne 0 ]
like "$out" "meldpunt.conf:$(wc -l <"$CONF"): unknown key \"IntakeAdress\"" "... with FILE:LINE"
sed -i '$d' "$CONF"
is "$(cat "$PIDFILE")" "$pid" "the daemon kept running"
# The reload thread logs it once it has the new snapshot: wait for it.
_reloads() { [ "$(grep -c 'reloaded .*SIGUSR1' "$MLOG")" -ge 2 ]; }
h_wait_for 10 "the second reload in LogFile" _reloads
like "$(grep -c 'reloaded .*SIGUSR1' "$MLOG")" "^[2-9]" "LogFile has both reloads (dry run, MaxNoticesPerContact)"
sleep 1.2	# the counters are written once a second
like "$(runuser -u meldpunt -- meldpunt-milter -s "$R/run/meldpunt/meldpunt-milter.stats" 2>&1)" \
	"notified[^0-9]+1" "meldpunt-milter -s STATSFILE, without the configuration"

# === stop, mail queued while down, start the README way =====================
systemctl stop meldpunt-milter
ok "systemctl stop: the daemon is gone" [ ! -S "$R/run/meldpunt/milter.sock" ]
meldpunt-testreport -c "$CONF" -f abuse@test-reporter.invalid -k "$R/root/testreporter.key" \
	-a 192.0.2.200 | /usr/sbin/sendmail -oi -t -f abuse@test-reporter.invalid
out=$(h_send "$HD/staff.eml" someone@example.com); rc=$?
like "$rc $out" "^3 .*4[0-9][0-9] " "while it is down, SMTP is answered 4xx"
sleep 2
ok "while it is down, the local submission stays queued" [ "$(h_queue_count)" -ge 1 ]
step "$README" readme-start "README step 4: started as root with UserID meldpunt"
wait_pidfile
is "$(stat -c '%U %G %A' "$R/run/meldpunt/milter.sock" 2>&1)" "meldpunt meldpunt srwxrwx---" \
	"started as root, the socket still belongs to meldpunt:meldpunt"
is "$(ps -o user= -p "$H_MILTER_PID" 2>&1)" meldpunt "... and the daemon runs as meldpunt"
postkick -c "$HD/etc" public pickup W
f=$(wait_notified 2)
ok "the report queued while it was down is notified after the start" [ -n "$f" ]
is "$(stat -c %U "$MLOG")" meldpunt "the LogFile still belongs to meldpunt"
like "$(grep 'flow=intake' "$MLOG" | tail -n 1)" "outcome=notified .*192\.0\.2\.200" \
	"the README-started daemon logs to the same file"

diag "runtime $(( $(date +%s) - t0 ))s"
done_testing
