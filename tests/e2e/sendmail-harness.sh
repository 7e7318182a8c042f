# sendmail-harness.sh - a private Sendmail 8.17 (Debian's, unpacked by
# scripts/sendmail-private.sh, never installed) with meldpunt-milter and
# smtp-sink, for end-to-end tests. Source it after harness.sh:
#
#   . "$top_srcdir/tests/e2e/harness.sh"
#   . "$top_srcdir/tests/e2e/sendmail-harness.sh"
#   why=$(s_can_run) || skip_all "$why"
#   h_init; s_init
#   h_milter_conf "$CONF" ...; h_start_milter "$CONF"
#   s_start_sendmail
#   f=$(s_send FILE RCPT...)
#
#   s_can_run                 prints why not and fails when this cannot run
#                             (unpacks the private Sendmail when it is missing)
#   s_init                    after h_init: namespace, syslog catcher, dirs;
#                             sets MILTER_SOCK (seen as /run/meldpunt/milter.sock)
#   s_ns CMD...               run CMD inside Sendmail's namespaces (net, mount, uts)
#   s_sasl_user USER PASS     a SASL login (sasldb) for AUTH PLAIN/LOGIN;
#                             before s_start_sendmail
#   s_write_cf                write $SD/sendmail.cf and $SD/submit.cf (m4)
#   s_start_sendmail          s_write_cf, start smtp-sink and the daemon;
#                             fails when Sendmail logged a SYSERR
#   s_stop_sendmail           stop the daemon by PID (the queue stays)
#   s_send FILE RCPT...       SMTP to port 25 (S_PORT=587: the submission
#                             daemon, {daemon_name} ORIGINATING); prints the
#                             sink file; rc 0 delivered, 3 refused (prints
#                             the reply), 4 accepted but not delivered in time
#   s_submit FILE RCPT...     sendmail(1) through the MSP (submit.cf), which
#                             relays to port 25 as Debian's does, and queues
#                             in $SD/clientmqueue what port 25 does not take
#                             (it logs as sm-msp, the daemon as sm-mta)
#   s_queue_run [mta|msp]     one queue run in the foreground (default msp
#                             then mta)
#   s_queue_count [mta|msp]   messages in the queue(s)
#   s_wait_qid QID            wait until Sendmail logged QID as sent and the
#                             sink has it; prints the sink file (found by
#                             Sendmail's Received header, else - intake
#                             mail has none - by the milter's log or the
#                             Message-ID; _s_sink_file)
#   s_wait_log REGEX [SECS]   wait for a line of Sendmail's log
#   s_log                     Sendmail's log so far (syslog, caught in $SD/maillog)
#   s_stop                    stop everything this file started, by PID
#
# Sink files are read with harness.sh's h_rcpts, h_header, h_body, h_message.
#
# How it runs, and why:
# - Sendmail sleeps 60 s before reading its .cf when it cannot qualify the host
#   name, and uses DNS for the rest: it runs in a net+UTS+mount namespace of its
#   own (unshare -n -u -m) with host name mx.meldpunt.test, a private
#   /etc/hosts, and only loopback. Its daemon, smtp-sink and every SMTP client
#   (s_send) run inside it (s_ns), so the ports are fixed: 25 (MTA), 587
#   (submission) and S_SINK_PORT for the sink, all on 127.0.0.1. The milter
#   runs outside, on a unix socket, reachable from any namespace.
# - Inside, /run is a private tmpfs and $HD/run is bound on /run/meldpunt: the
#   snippet's socket path is used as shipped, and Sendmail does not refuse it
#   as unsafe (it does under /tmp without DontBlameSendmail).
# - Sendmail logs only through syslog(3): inside, /dev is a small tmpfs whose
#   /dev/log points to a unix datagram socket read by a python3 catcher that
#   appends to $SD/maillog (stopped by PID, and by itself after H_LIFETIME).
# - Cyrus SASL reads Sendmail.conf only from fixed directories: $SD/sasl is
#   bound on /usr/lib/sasl2 inside.
# - The private binary is not setgid (scripts/sendmail-private.sh), so the
#   loader honours LD_LIBRARY_PATH for libwrap0 and liblockfile1.
# - QueueLA/RefuseLA are raised: other work on a 2-core machine must not make
#   Sendmail queue or refuse.
# - The .cf is Debian's layout: its MTA-v4 line on port 25, its MSP-v4 line
#   replaced by etc/sendmail/meldpunt.mc.snippet read from the source tree
#   unchanged, and FEATURE(`no_default_msa'). S_MC_EXTRA adds m4 lines.

: "${S_PREFIX:=${MELDPUNT_SENDMAIL_DIR:-/var/cache/meldpunt-test/sendmail}}"
: "${S_SINK_PORT:=10025}"
: "${S_WAIT:=${H_WAIT:-20}}"	# seconds to wait for a delivery
S_SM=$S_PREFIX/usr/libexec/sendmail/sendmail
S_SNIPPET=${S_SNIPPET:-$top_srcdir/etc/sendmail/meldpunt.mc.snippet}

s_can_run() {
	local t
	[ "$(id -u)" -eq 0 ] || { echo "needs root (namespaces, Sendmail's daemon)"; return 1; }
	for t in unshare nsenter m4 swaks ip; do
		command -v "$t" >/dev/null || { echo "$t not installed (scripts/deps.sh)"; return 1; }
	done
	[ -x /usr/sbin/smtp-sink ] || { echo "smtp-sink missing (postfix)"; return 1; }
	[ -x /usr/bin/python3 ] || { echo "/usr/bin/python3 missing"; return 1; }
	[ -x "$MILTER_BIN" ] || { echo "no $MILTER_BIN: build first"; return 1; }
	if [ ! -f "$S_PREFIX/.complete" ]; then
		"$top_srcdir/scripts/sendmail-private.sh" "$S_PREFIX" >/dev/null 2>&1 ||
			{ echo "no private Sendmail in $S_PREFIX (scripts/sendmail-private.sh failed)"; return 1; }
	fi
	unshare -n -u -m true 2>/dev/null || { echo "cannot create namespaces (unshare -n -u -m)"; return 1; }
	return 0
}

s_ns() {
	nsenter -t "$S_NS_PID" -n -m -u -- "$@"
}

# Sendmail and its tools with the private libraries and a clean environment.
_s_sm() {
	s_ns env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LD_LIBRARY_PATH="$S_LIBDIR" "$S_SM" "$@"
}

_s_bounded_wait() {	# _s_bounded_wait WHAT SECS CMD...: poll CMD every 0.1 s
	local what=$1 secs=$2 end=$((SECONDS + $2 + 1)); shift 2
	for _ in $(seq 1 $((secs * 10))); do
		"$@" && return 0
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	echo "sendmail-harness: gave up after ${secs} s waiting for $what" >&2
	return 1
}

s_init() {
	SD=$HD/sendmail
	mkdir -p "$SD/mqueue" "$SD/clientmqueue" "$SD/sasl" "$HD/run" "$HD/sink"
	chmod 700 "$SD/mqueue"
	# The MSP runs as a user of its own (Debian: smmsp; here nobody).
	chown nobody:nogroup "$SD/clientmqueue"
	chmod 770 "$SD/clientmqueue"
	chown nobody "$HD/sink"
	# shellcheck disable=SC2034 # harness.sh's h_milter_conf and h_start_milter
	MILTER_SOCK=$HD/run/milter.sock
	S_LIBDIR=$(dirname "$(find "$S_PREFIX/usr/lib" -name 'libwrap.so.0' | head -n 1)")
	printf '127.0.0.1\tmx.meldpunt.test mx localhost\n' >"$SD/hosts"
	printf 'hosts files\naliases files\n' >"$SD/service.switch"
	trap 's_stop; h_stop' EXIT

	# The syslog catcher.
	cat >"$SD/syslogd.py" <<'PY'
import os, re, signal, socket, sys
path, out, life = sys.argv[1], sys.argv[2], int(sys.argv[3])
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
signal.alarm(life)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, 'ab', buffering=0) as f:
    while True:
        d = s.recv(65536)
        f.write(re.sub(rb'^<[0-9]+>', b'', d).rstrip(b'\0\n') + b'\n')
PY
	: >"$SD/maillog"
	/usr/bin/python3 "$SD/syslogd.py" "$SD/log.sock" "$SD/maillog" "$H_LIFETIME" \
		>>"$HD/log/syslogd.log" 2>&1 &
	S_SYSLOG_PID=$!
	echo "$S_SYSLOG_PID" >"$HD/sm-syslog.pid"
	_s_bounded_wait "the syslog catcher's socket $SD/log.sock" 5 test -S "$SD/log.sock" || return 1

	# The namespace, held by a sleep (its PID is the handle for nsenter).
	cat >"$SD/ns-setup.sh" <<NS
set -e
ip link set dev lo up
hostname mx.meldpunt.test
mount -t tmpfs -o mode=755 meldpunt-run /run
mkdir /run/meldpunt
mount --bind '$HD/run' /run/meldpunt
mount --bind '$SD/hosts' /etc/hosts
mount --bind '$SD/sasl' /usr/lib/sasl2
mount -t tmpfs -o mode=755 meldpunt-dev /dev
mknod -m 666 /dev/null c 1 3
mknod -m 666 /dev/zero c 1 5
mknod -m 666 /dev/full c 1 7
mknod -m 666 /dev/random c 1 8
mknod -m 666 /dev/urandom c 1 9
mknod -m 666 /dev/tty c 5 0
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
ln -s '$SD/log.sock' /dev/log
touch '$SD/ns.ready'
exec sleep $H_LIFETIME
NS
	unshare -n -u -m --propagation private bash "$SD/ns-setup.sh" \
		>>"$HD/log/ns.log" 2>&1 </dev/null &
	S_NS_PID=$!
	echo "$S_NS_PID" >"$HD/sm-ns.pid"
	_s_bounded_wait "the namespace (log: $HD/log/ns.log)" 10 test -f "$SD/ns.ready" || {
		cat "$HD/log/ns.log" >&2
		return 1
	}
}

# s_sasl_user USER PASS: USER (user@realm) may AUTH PLAIN or LOGIN with PASS.
s_sasl_user() {
	cat >"$SD/sasl/Sendmail.conf" <<SASL
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $SD/sasldb2
SASL
	printf '%s' "$2" | saslpasswd2 -p -c -f "$SD/sasldb2" -u "${1#*@}" "${1%@*}" &&
		chmod 600 "$SD/sasldb2"
}

s_write_cf() {
	local cf=$S_PREFIX/usr/share/sendmail/cf
	[ -r "$S_SNIPPET" ] || { echo "no $S_SNIPPET" >&2; return 1; }
	cat >"$SD/sendmail.mc" <<MC
divert(-1)dnl
Written by tests/e2e/sendmail-harness.sh: Debian's stock sendmail.mc
reduced to what a test needs, with etc/sendmail/meldpunt.mc.snippet in
place of its MSP-v4 line.
divert(0)dnl
include(\`$cf/m4/cf.m4')dnl
VERSIONID(\`meldpunt e2e')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.meldpunt.test')dnl
define(\`QUEUE_DIR', \`$SD/mqueue')dnl
define(\`STATUS_FILE', \`$SD/sendmail.st')dnl
define(\`confPID_FILE', \`$SD/sendmail.pid')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confHELP_FILE', \`')dnl
define(\`confDEAD_LETTER_DROP', \`$SD/dead.letter')dnl
undefine(\`ALIAS_FILE')dnl
define(\`confSERVICE_SWITCH_FILE', \`$SD/service.switch')dnl
define(\`confHOSTS_FILE', \`$SD/hosts')dnl
define(\`confQUEUE_LA', \`100')dnl
define(\`confREFUSE_LA', \`200')dnl
define(\`confDELAY_LA', \`0')dnl
define(\`confMIN_QUEUE_AGE', \`0')dnl
define(\`confTO_CONNECT', \`10s')dnl
define(\`confTO_ICONNECT', \`10s')dnl
define(\`confLOG_LEVEL', \`10')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $S_SINK_PORT')dnl
define(\`confAUTH_MECHANISMS', \`PLAIN LOGIN')dnl
TRUST_AUTH_MECH(\`PLAIN LOGIN')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`no_default_msa')dnl
DAEMON_OPTIONS(\`Family=inet,  Name=MTA-v4, Port=smtp, Addr=127.0.0.1')dnl
dnl ---- etc/sendmail/meldpunt.mc.snippet ----
$(cat "$S_SNIPPET")
dnl ---- end of the snippet ----
${S_MC_EXTRA:-}
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MC
	cat >"$SD/submit.mc" <<MC
divert(-1)dnl
Debian's submit.mc: the MSP relays to port 25 of the local MTA.
divert(0)dnl
include(\`$cf/m4/cf.m4')dnl
VERSIONID(\`meldpunt e2e submit')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.meldpunt.test')dnl
define(\`confRUN_AS_USER', \`nobody:nogroup')dnl
define(\`MSP_QUEUE_DIR', \`$SD/clientmqueue')dnl
define(\`STATUS_FILE', \`$SD/clientmqueue/sm-client.st')dnl
define(\`confPID_FILE', \`$SD/clientmqueue/sm-client.pid')dnl
define(\`confSERVICE_SWITCH_FILE', \`$SD/service.switch')dnl
define(\`confHOSTS_FILE', \`$SD/hosts')dnl
define(\`confQUEUE_LA', \`100')dnl
define(\`confREFUSE_LA', \`200')dnl
define(\`confMIN_QUEUE_AGE', \`0')dnl
define(\`confLOG_LEVEL', \`10')dnl
FEATURE(\`msp', \`[127.0.0.1]', \`25')dnl
MC
	m4 "$SD/sendmail.mc" >"$SD/sendmail.cf" 2>"$HD/log/m4.log" &&
		m4 "$SD/submit.mc" >"$SD/submit.cf" 2>>"$HD/log/m4.log" || {
		cat "$HD/log/m4.log" >&2
		return 1
	}
}

_s_listening() {	# _s_listening PORT...: all of them, inside the namespace
	local p
	for p in "$@"; do
		s_ns ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || return 1
	done
}

s_start_sendmail() {
	s_write_cf || return 1
	if [ -z "${S_SINK_PID:-}" ]; then
		s_ns start-stop-daemon --start --background --make-pidfile \
			--pidfile "$HD/sm-sink.pid" --exec /usr/sbin/smtp-sink -- \
			-4 -u nobody -h sink.meldpunt.test -m 64 \
			-d "$HD/sink/%Y%m%d%H%M%S." "127.0.0.1:$S_SINK_PORT" 64 || return 1
		S_SINK_PID=$(cat "$HD/sm-sink.pid")
	fi
	rm -f "$SD/sendmail.pid"
	_s_sm -C "$SD/sendmail.cf" -bd -L sm-mta >>"$HD/log/sendmail.out" 2>&1 || {
		echo "sendmail -bd failed:" >&2
		cat "$HD/log/sendmail.out" "$SD/maillog" >&2
		return 1
	}
	if ! _s_bounded_wait "Sendmail's pid file and ports 25, 587, $S_SINK_PORT" 20 \
		eval 'test -s "$SD/sendmail.pid" && _s_listening 25 587 "$S_SINK_PORT"'; then
		S_DAEMON_PID=$(head -n 1 "$SD/sendmail.pid" 2>/dev/null)	# for s_stop
		cat "$HD/log/sendmail.out" "$SD/maillog" >&2
		return 1
	fi
	S_DAEMON_PID=$(head -n 1 "$SD/sendmail.pid")
	echo "$S_DAEMON_PID" >"$HD/sm-daemon.pid"
	# It keeps running when a daemon socket fails ("cannot listen: Address
	# already in use", e.g. two daemons on the submission port): fail here.
	if grep -q 'SYSERR' "$SD/maillog"; then
		grep 'SYSERR' "$SD/maillog" >&2
		return 1
	fi
}

s_stop_sendmail() {
	local pid=${S_DAEMON_PID:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null && _h_wait_gone "$pid"
	rm -f "$HD/sm-daemon.pid"
	S_DAEMON_PID=""
}

s_log() { cat "$SD/maillog"; }

s_wait_log() {
	_s_bounded_wait "/$1/ in Sendmail's log" "${2:-$S_WAIT}" grep -Eq -- "$1" "$SD/maillog"
}

# _s_sink_file QID: the sink file of queue id QID. By Sendmail's own
# Received header (" id QID"); intake-only mail has none (the snippet drops
# it): then by the notification id the milter logged for QID
# (X-Meldpunt-Id), else by the Message-ID and the recipient Sendmail logged
# for QID, the newest such file not returned before (quarantined and
# archived copies keep the report's Message-ID).
_s_sink_file() {
	local qid=$1 f mid rcpt g
	f=$(h_sink_by_ids "$qid")
	if [ -z "$f" ]; then
		mid=$(sed -n "s/.*sm-mta\[[0-9]*\]: $qid: from=.*, msgid=\(<[^>]*>\),.*/\1/p" \
			"$SD/maillog" | head -n 1)
		rcpt=$(sed -n "s/.*sm-mta\[[0-9]*\]: $qid: to=<\{0,1\}\([^,>]*\)>\{0,1\},.*stat=Sent.*/\1/p" \
			"$SD/maillog" | head -n 1)
		[ -n "$mid" ] && [ -n "$rcpt" ] || return 1
		for g in $(ls -t "$HD"/sink/* 2>/dev/null); do
			grep -qxF -- "$g" "$HD/log/sink-seen" 2>/dev/null && continue
			grep -qiF -- "Message-ID: $mid" "$g" &&
				grep -qF -- "X-Rcpt-Args: <$rcpt>" "$g" && { f=$g; break; }
		done
	fi
	[ -n "$f" ] && echo "$f"
}

# The sink file of queue id $1, once Sendmail logged it as sent (then the
# sink has the whole message: it answers only after the final dot).
s_wait_qid() {
	local qid=$1 f=""
	s_wait_log "sm-mta\[[0-9]+\]: $qid: to=.*stat=Sent" "$S_WAIT" || return 4
	f=$(_s_sink_file "$qid")
	[ -n "$f" ] || { echo "sendmail-harness: $qid logged as sent, not in the sink" >&2; return 4; }
	echo "$f" >>"$HD/log/sink-seen"
	echo "$f"
}

# s_send FILE RCPT...: as h_send, through Sendmail (S_PORT, S_FROM,
# S_SWAKS_EXTRA as H_PORT, H_FROM, H_SWAKS_EXTRA there).
s_send() {
	local file=$1 from qid to; shift
	to=$(IFS=,; echo "$*")
	from=$(sed -n 's/^From:.*<\([^>]*\)>.*/\1/p; s/^From: *\([^ <]*@[^ >]*\) *$/\1/p' "$file" | head -n 1)
	sed -e 's/\r$//' -e 's/^\./../' -e 's/$/\r/' "$file" >"$HD/log/send.data"
	printf '.' >>"$HD/log/send.data"
	# shellcheck disable=SC2086
	s_ns swaks --server 127.0.0.1 --port "${S_PORT:-25}" ${S_SWAKS_EXTRA:-} \
		--from "${S_FROM:-${from:-reporter@example.net}}" --to "$to" \
		--data "@$HD/log/send.data" -ndf --timeout 30 >"$HD/log/last-send.log" 2>&1
	qid=$(sed -n 's/.*<- *250 [0-9.]* \([0-9A-Za-z]*\) Message accepted.*/\1/p' "$HD/log/last-send.log" | tail -n 1)
	if [ -z "$qid" ]; then
		grep -E '^ *<\*\* |^ *<- *[45][0-9][0-9]' "$HD/log/last-send.log" | tail -n 1
		return 3
	fi
	s_wait_qid "$qid"
}

# s_submit FILE RCPT...: sendmail(1) as a script would call it (S_FROM is
# the envelope sender); the exit status of sendmail(1).
s_submit() {
	local file=$1; shift
	_s_sm -C "$SD/submit.cf" -L sm-msp -oi -f "${S_FROM:-reporter@example.net}" -- "$@" <"$file"
}

s_queue_run() {
	case ${1:-all} in
	msp) _s_sm -C "$SD/submit.cf" -q -L sm-msp ;;
	mta) _s_sm -C "$SD/sendmail.cf" -q -L sm-mta ;;
	*) _s_sm -C "$SD/submit.cf" -q -L sm-msp; _s_sm -C "$SD/sendmail.cf" -q -L sm-mta ;;
	esac
}

s_queue_count() {
	local dirs
	case ${1:-all} in
	msp) dirs=$SD/clientmqueue ;;
	mta) dirs=$SD/mqueue ;;
	*) dirs="$SD/clientmqueue $SD/mqueue" ;;
	esac
	# shellcheck disable=SC2086
	find $dirs -name 'qf*' -type f 2>/dev/null | wc -l
}

s_stop() {
	local pid
	s_stop_sendmail
	for pid in ${S_SINK_PID:-} ${S_SYSLOG_PID:-} ${S_NS_PID:-}; do
		kill -TERM "$pid" 2>/dev/null && _h_wait_gone "$pid"
	done
	[ -n "${HD:-}" ] && rm -f "$HD/sm-sink.pid" "$HD/sm-syslog.pid" "$HD/sm-ns.pid"
	S_SINK_PID="" S_SYSLOG_PID="" S_NS_PID=""
}
