# harness.sh - a private Postfix on 127.0.0.1 with meldpunt-milter and
# smtp-sink, for end-to-end tests and the demo (sourced by bash scripts:
# it uses local and BASH_SOURCE; scripts run as `sh x.sh` re-exec
# themselves under bash first).
#
#   h_init                    temp dir, free ports, cleanup trap, watchdog
#   h_milter_conf FILE EXTRA  write a milter config (Socket etc. filled in)
#   h_start_milter CONF       start meldpunt-milter -f in the background
#   h_stop_milter             SIGTERM by PID, then wait
#   h_start_postfix           start the private Postfix and the sink
#   h_send FILE RCPT...       send over SMTP; prints the sink file; rc 0/3/4
#                             (H_PORT=$SUBMIT_PORT: the submission service,
#                             whose {daemon_name} is ORIGINATING)
#   h_submit FILE RCPT...     submit through sendmail(1) (non_smtpd_milters)
#   h_wait_qid QID            wait for the complete sink file of queue id QID
#   h_wait_for SECS WHAT CMD  poll CMD until it succeeds; on giving up, say WHAT
#   h_stable FILE             wait until a sink file found by content is whole
#   h_rcpts SINKFILE          envelope recipients the sink received
#   h_header SINKFILE NAME    values of one header field of the message
#   h_no_trace F SENDER WHAT  TAP checks: no trace of the intake hop in F's header
#   h_stop                    stop everything this harness started, by PID
#
# Facts behind the choices: Postfix is started from a private config
# directory (no system Postfix is touched), master.cf services on loopback,
# smtp-sink as the next hop; each choice is commented where it is made.
# Everything listens on 127.0.0.1 or a unix socket in the temp dir.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${H_WAIT:=20}"		# seconds to wait for a delivery
: "${H_LIFETIME:=900}"		# the watchdog stops a forgotten harness
# H_MAILLOG: Postfix's log file when a test writes its own main.cf
# (default: the maillog_file of the harness's main.cf)

MILTER_BIN=${MILTER_BIN:-$top_builddir/milter/meldpunt-milter}

# h_free_port [PORT...]: a TCP port on 127.0.0.1 that nothing uses and
# that is not among PORT... (those already handed out). Random, so that
# harnesses running side by side rarely collide; bounded tries. Below the
# kernel's ephemeral range (ip_local_port_range), so that no outgoing
# connection of a test holds it when a server binds it.
h_free_port() {
	local p used try lo
	used=$(ss -Hatn 2>/dev/null | awk '{print $4}' | sed 's/.*://')
	lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ "${lo:-0}" -gt 12000 ] || lo=32768
	for try in $(shuf -i 10000-$((lo - 1)) -n 200); do
		p=$try
		case " $* " in *" $p "*) continue ;; esac
		printf '%s\n' "$used" | grep -qx "$p" && continue
		echo "$p"
		return 0
	done
	echo "h_free_port: no free TCP port on 127.0.0.1 after 200 tries" >&2
	return 1
}

h_can_run() {
	[ "$(id -u)" -eq 0 ] || { echo "needs root (Postfix runs its own master)"; return 1; }
	command -v postfix >/dev/null || [ -x /usr/sbin/postfix ] ||
		{ echo "postfix not installed (scripts/deps.sh)"; return 1; }
	command -v swaks >/dev/null || { echo "swaks not installed"; return 1; }
	[ -x "$MILTER_BIN" ] || { echo "no $MILTER_BIN: build first"; return 1; }
	return 0
}

h_init() {
	HD=$(mktemp -d /tmp/meldpunt-e2e.XXXXXX)
	chmod 755 "$HD"	# Postfix's own user must reach the milter socket
	mkdir -p "$HD/etc" "$HD/spool" "$HD/data" "$HD/log" "$HD/sink"
	chown postfix "$HD/data"
	chown nobody "$HD/sink"
	SMTP_PORT=$(h_free_port) &&
		SINK_PORT=$(h_free_port "$SMTP_PORT") &&
		SUBMIT_PORT=$(h_free_port "$SMTP_PORT" "$SINK_PORT") || return 1
	MILTER_SOCK="$HD/milter.sock"
	H_PIDS=""
	trap h_stop EXIT
	trap 'exit 130' INT TERM
	setsid bash -c "sleep $H_LIFETIME; kill \$(cat '$HD'/*.pid 2>/dev/null) 2>/dev/null;
		/usr/sbin/postfix -c '$HD/etc' abort 2>/dev/null" >/dev/null 2>&1 &
	H_WATCHDOG=$!
}

# h_routes: compile etc/routes.conf, the sample RPSL dump and the sample
# security.txt files into $HD/routes.db (once).
h_routes() {
	local args="" f d
	[ -f "$HD/routes.db" ] && return 0
	for f in "$top_srcdir"/examples/securitytxt/*.txt; do
		d=$(basename "$f" .txt)
		args="$args --securitytxt $d=$f"
	done
	# shellcheck disable=SC2086
	"$top_builddir/tools/meldpunt-route" compile -o "$HD/routes.db" \
		--rpsl "$top_srcdir/examples/ripe-sample.db" $args \
		"$top_srcdir/etc/routes.conf" >"$HD/log/routes.log" 2>&1 ||
		{ cat "$HD/log/routes.log" >&2; return 1; }
}

# h_reporter_keys DOMAIN...: an Ed25519 DKIM key (selector "rep") for each
# reporter domain, published in $HD/dns.zone (the milter's DNSZoneFile).
h_reporter_keys() {
	local d
	mkdir -p "$HD/reporters" && chmod 700 "$HD/reporters"
	: >>"$HD/dns.zone"
	for d in "$@"; do
		( umask 077; openssl genpkey -algorithm ed25519 \
			-out "$HD/reporters/$d.key" 2>/dev/null ) || return 1
		"$top_builddir/tests/unit/mp-sign-tool" txt "$d" - - rep \
			"$HD/reporters/$d.key" | sed 's/^\([^ ]*\) \(.*\)/\1 TXT "\2"/' >>"$HD/dns.zone"
	done
}

# h_sign_report FILE DOMAIN: FILE signed by the reporter DOMAIN, on stdout.
h_sign_report() {
	"$top_builddir/tests/unit/mp-sign-tool" sign "$2" - - rep \
		"$HD/reporters/$2.key" "$1"
}

# h_milter_conf FILE [EXTRA-LINES]: a config for this harness: intake
# with the sample routes, the source tree's templates, a state DB and a
# test DNS zone in the temp dir.
h_milter_conf() {
	h_routes || return 1
	: >>"$HD/dns.zone"
	cat >"$1" <<CONF
Socket			unix:$MILTER_SOCK
Umask			000
Syslog			no
IntakeAddress		meldingen@meldpunt.test
ProtectedDomains	meldpunt.test
MaximumMessageSize	64K
TrustedHosts		127.0.0.1
SubmissionDaemons	ORIGINATING
RoutingDB		$HD/routes.db
TemplateDirectory	$top_srcdir/templates
StateDB			$HD/state.db
Identity		meldingen@meldpunt.test Meldpunt Test
DNSZoneFile		$HD/dns.zone
CONF
	[ -z "${2:-}" ] || printf '%s\n' "$2" >>"$1"
}

h_start_milter() {
	local conf=$1
	rm -f "$MILTER_SOCK"
	"$MILTER_BIN" -f -c "$conf" >>"$HD/log/milter.log" 2>&1 &
	H_MILTER_PID=$!
	echo "$H_MILTER_PID" >"$HD/milter.pid"
	for _ in $(seq 1 100); do
		[ -S "$MILTER_SOCK" ] && return 0
		kill -0 "$(cat "$HD/milter.pid")" 2>/dev/null || break
		sleep 0.05
	done
	echo "meldpunt-milter did not start; log:" >&2
	cat "$HD/log/milter.log" >&2
	return 1
}

_h_wait_gone() {
	local pid=$1 state
	for _ in $(seq 1 150); do
		state=$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)
		[ -z "$state" ] || [ "$state" = Z ] && return 0
		sleep 0.1
	done
	echo "process $pid did not stop within 15s: killed with SIGKILL" >&2
	kill -9 "$pid" 2>/dev/null
}

h_stop_milter() {
	local pid=${H_MILTER_PID:-}
	[ -f "$HD/milter.pid" ] && pid=$(cat "$HD/milter.pid")
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null && _h_wait_gone "$pid"
	wait "$pid" 2>/dev/null
	rm -f "$HD/milter.pid"
	H_MILTER_PID=""
}

h_milter_pid() { cat "$HD/milter.pid"; }

_h_write_postfix_conf() {
	cat >"$HD/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $HD/spool
data_directory = $HD/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.meldpunt.test
mydomain = meldpunt.test
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
alias_maps =
alias_database =
local_transport = error:5.1.1 local delivery is disabled here
default_transport = smtp:[127.0.0.1]:$SINK_PORT
relay_transport = smtp:[127.0.0.1]:$SINK_PORT
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_milters = unix:$MILTER_SOCK
non_smtpd_milters = unix:$MILTER_SOCK
milter_default_action = tempfail
milter_protocol = 6
maillog_file = $HD/log/maillog
maillog_file_prefixes = $HD
smtpd_client_connection_count_limit = 0
enable_long_queue_ids = yes
biff = no
smtputf8_enable = no
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
message_size_limit = 20480000
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $HD/etc/sasl
smtpd_sasl_security_options = noanonymous
${POSTFIX_EXTRA:-}
CF
	cat >"$HD/etc/master.cf" <<CF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
127.0.0.1:$SUBMIT_PORT inet n - n - - smtpd
  -o milter_macro_daemon_name=ORIGINATING
  -o smtpd_sasl_auth_enable=$([ -n "${H_SASL:-}" ] && echo yes || echo no)
${POSTFIX_MASTER_EXTRA:-}
pickup    unix  n       -       n       2       1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CF
}

h_start_postfix() {
	_h_write_postfix_conf
	start-stop-daemon --start --background --make-pidfile \
		--pidfile "$HD/sink.pid" --exec /usr/sbin/smtp-sink -- \
		-4 -u nobody -h sink.meldpunt.test -m 64 \
		-d "$HD/sink/%Y%m%d%H%M%S." "127.0.0.1:$SINK_PORT" 64 ||
		return 1
	/usr/sbin/postfix -c "$HD/etc" check >>"$HD/log/postfix.log" 2>&1
	/usr/sbin/postfix -c "$HD/etc" start >>"$HD/log/postfix.log" 2>&1 || {
		cat "$HD/log/postfix.log" >&2
		return 1
	}
	# Kept in the shell too: h_stop must find them even if $HD is gone.
	H_SINK_PID=$(cat "$HD/sink.pid" 2>/dev/null)
	for _ in $(seq 1 100); do
		H_MASTER_PID=$(tr -d ' ' <"$HD/spool/pid/master.pid" 2>/dev/null)
		ss -Hltn "sport = :$SMTP_PORT" 2>/dev/null | grep -q . &&
			ss -Hltn "sport = :$SINK_PORT" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	echo "Postfix or smtp-sink did not start" >&2
	return 1
}

# h_sasl_user USER PASS: a SASL login for the submission service (Cyrus
# sasldb in the temp dir); call before h_start_postfix, with H_SASL=1.
h_sasl_user() {
	mkdir -p "$HD/etc/sasl"
	cat >"$HD/etc/sasl/smtpd.conf" <<SASL
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $HD/etc/sasldb2
SASL
	printf '%s' "$2" | saslpasswd2 -p -c -f "$HD/etc/sasldb2" -u "${1#*@}" "${1%@*}" &&
		chown postfix "$HD/etc/sasldb2"
}

# h_dkim_keys DOMAIN: RSA-2048 and Ed25519 keys in $HD/keys (mode 600),
# selectors rsa1 and ed1, their DNS records in $HD/keys/records.txt.
h_dkim_keys() {
	mkdir -p "$HD/keys" && chmod 700 "$HD/keys"
	( umask 077
	  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$HD/keys/rsa1.key" 2>/dev/null &&
	  openssl genpkey -algorithm ed25519 -out "$HD/keys/ed1.key" 2>/dev/null ) || return 1
	"$top_builddir/tests/unit/mp-sign-tool" txt "$1" rsa1 "$HD/keys/rsa1.key" \
		ed1 "$HD/keys/ed1.key" >"$HD/keys/records.txt"
}

# h_dkim_conf DOMAIN: the config lines that sign with h_dkim_keys' keys.
h_dkim_conf() {
	printf 'SigningDomain %s\nRSASelector rsa1\nRSAKeyFile %s\nEd25519Selector ed1\nEd25519KeyFile %s\n' \
		"$1" "$HD/keys/rsa1.key" "$HD/keys/ed1.key"
}

# h_wait_for SECONDS WHAT COMMAND...: run COMMAND every 0.1 s until it
# succeeds (rc 0) or SECONDS have passed; then say on stderr what was
# waited for (rc 1).
h_wait_for() {
	local secs=$1 what=$2 _
	shift 2
	for _ in $(seq 1 $((secs * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	echo "gave up after ${secs}s waiting for: $what" >&2
	return 1
}

# _h_sink_file QID: the sink file of queue id QID: the one whose Received
# header names it, or - when that header is gone (the intake hop removed
# by header_checks, docs/privacy.md) - the one with the notice id the
# milter logged for it, or else one not handed out before that holds the
# Message-ID Postfix logged for it.
# h_sink_by_ids QID: the sink file whose Received header names queue id
# QID, else the one with the notice id the milter logged for QID (any
# MTA's harness; empty when neither is there).
h_sink_by_ids() {
	local qid=$1 f id
	f=$(grep -l -- " id $qid" "$HD"/sink/* 2>/dev/null | head -n 1)
	if [ -z "$f" ]; then
		id=$(sed -n "s/.*$qid: .* id=\(MP-[a-z2-7]*\).*/\1/p" \
			"$HD/log/milter.log" 2>/dev/null | tail -n 1)
		[ -n "$id" ] && f=$(grep -l -- "^X-Meldpunt-Id: $id" \
			"$HD"/sink/* 2>/dev/null | head -n 1)
	fi
	echo "$f"
}

_h_sink_file() {
	local qid=$1 f mid g
	f=$(h_sink_by_ids "$qid")
	if [ -z "$f" ]; then
		mid=$(sed -n "s/.* $qid: message-id=\(.*\)\$/\1/p" \
			"${H_MAILLOG:-$HD/log/maillog}" 2>/dev/null | head -n 1)
		[ -n "$mid" ] || return 1
		for g in $(ls -t "$HD"/sink/* 2>/dev/null); do
			grep -qxF -- "$g" "$HD/log/sink-seen" && continue
			grep -qiF -- "Message-ID: $mid" "$g" && { f=$g; break; }
		done
	fi
	[ -n "$f" ] && echo "$f"
}

# _h_sink_complete QID: rc 0 and the file name on stdout once the sink
# holds the whole message of queue id QID. smtp-sink writes its file while
# the data arrives, so the file shows up long before its end: it is whole
# only after Postfix logged the delivery (the sink sends its 250 after the
# final dot) and its size has stopped changing.
_h_sink_complete() {
	local qid=$1 f s1 s2
	grep -q " $qid: to=<.*status=sent" "${H_MAILLOG:-$HD/log/maillog}" 2>/dev/null || return 1
	f=$(_h_sink_file "$qid") || return 1
	s1=$(stat -c %s "$f") && sleep 0.05 && s2=$(stat -c %s "$f") || return 1
	[ "$s1" = "$s2" ] || return 1
	echo "$f"
}

# h_stable FILE: wait (up to 5 s) until FILE's size stays the same for
# 0.3 s: for sink files found by their content rather than by a queue id
# whose delivery Postfix logged.
_h_same_size() {
	local s1 s2
	s1=$(stat -c %s "$1") && sleep 0.3 && s2=$(stat -c %s "$1") && [ "$s1" = "$s2" ]
}
h_stable() { h_wait_for 5 "$1 to stop growing" _h_same_size "$1"; }

# h_wait_qid QID: the sink file of queue id QID, once it is complete
# (rc 4 after H_WAIT seconds, saying so on stderr).
h_wait_qid() {
	local qid=$1 f
	touch "$HD/log/sink-seen"
	f=$(h_wait_for "$H_WAIT" "the sink to hold the whole message of queue id $qid" \
		_h_sink_complete "$qid") || return 4
	echo "$f" >>"$HD/log/sink-seen"
	echo "$f"
}

# h_send FILE RCPT... : rc 0 delivered (prints the sink file), 3 refused
# (prints the reply), 4 accepted but not delivered in time.
h_send() {
	local file=$1 from qid; shift
	local to; to=$(IFS=,; echo "$*")
	from=$(sed -n 's/^From:.*<\([^>]*\)>.*/\1/p; s/^From: *\([^ <]*@[^ >]*\) *$/\1/p' "$file" | head -n 1)
	# swaks would rewrite the data (tokens, "\n" escapes): hand it the
	# bytes ready for the wire, CRLF and dot-stuffed, with -ndf (swaks
	# adds the CRLF after the final dot itself).
	sed -e 's/\r$//' -e 's/^\./../' -e 's/$/\r/' "$file" >"$HD/log/send.data"
	printf '.' >>"$HD/log/send.data"
	swaks --server 127.0.0.1 --port "${H_PORT:-$SMTP_PORT}" ${H_SWAKS_EXTRA:-} --from "${H_FROM:-${from:-reporter@example.net}}" \
		--to "$to" --data "@$HD/log/send.data" -ndf --timeout 30 \
		>"$HD/log/last-send.log" 2>&1
	qid=$(sed -n 's/.*250 .*queued as \([0-9A-Za-z]*\).*/\1/p' "$HD/log/last-send.log" | tail -n 1)
	if [ -z "$qid" ]; then
		grep -E '^ *<\*\* |^ *<- *[45][0-9][0-9]' "$HD/log/last-send.log" | tail -n 1
		return 3
	fi
	h_wait_qid "$qid"
}

# h_submit FILE RCPT... : local submission via sendmail(1), as a cron job
# or a script would; goes through non_smtpd_milters.
h_submit() {
	local file=$1; shift
	/usr/sbin/sendmail -C "$HD/etc" -f "${H_FROM:-reporter@example.net}" -- "$@" <"$file"
}

h_queue_count() {
	find "$HD/spool/maildrop" "$HD/spool/incoming" "$HD/spool/active" \
		"$HD/spool/deferred" "$HD/spool/hold" -type f 2>/dev/null | wc -l
}

h_rcpts() {
	sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' "$1"
}

# Header field values of the delivered message (after the sink's own lines).
h_header() {
	awk -v name="$2" '
		BEGIN { lname = tolower(name) ":" }
		/^X-(Client|Helo|Mail|Rcpt)-/ && !started { next }
		{ started = 1 }
		/^\r?$/ { exit }
		/^[ \t]/ { if (cur) val = val $0; next }
		{ if (cur) print val; cur = 0
		  if (tolower(substr($0, 1, length(lname))) == lname) {
			cur = 1; val = substr($0, length(lname) + 1); sub(/^[ \t]+/, "", val) } }
		END { if (cur) print val }' "$1" | tr -d '\r'
}

# h_sent_header SINKFILE: the header as our MTA sent it, one field a line:
# without the sink's pseudo headers and the sink's own Received header
# (the contact's side).
h_sent_header() {
	awk '
		/^\r?$/ { flush(); exit }
		/^[ \t]/ { cur = cur $0; next }
		{ flush(); cur = $0 }
		function flush() {
			if (cur != "" && cur !~ /^X-(Client|Helo|Mail|Rcpt)-/ &&
			    cur !~ /\(smtp-sink\)/) print cur
			cur = ""
		}' "$1" | tr -d '\r'
}

# h_no_trace SINKFILE SENDER WHAT: TAP checks (tap.sh) that nothing of the
# intake hop is in a notification's header: not $REPORTER_IP, $REPORTER_HELO,
# SENDER or $INTAKE, no Received or other trace field of the reporter's, no
# DKIM-Signature but the clearinghouse's (d=meldpunt.test).
h_no_trace() {
	local h; h=$(h_sent_header "$1")
	ok "$3: no reporter client address in the header" bash -c "! printf '%s' \"\$1\" | grep -qF '$REPORTER_IP'" _ "$h"
	ok "$3: no reporter HELO name in the header" bash -c "! printf '%s' \"\$1\" | grep -qiF '$REPORTER_HELO'" _ "$h"
	ok "$3: no reporter envelope sender in the header" bash -c "! printf '%s' \"\$1\" | grep -qiF '$2'" _ "$h"
	ok "$3: no intake address in the header" bash -c "! printf '%s' \"\$1\" | grep -qiF '$INTAKE'" _ "$h"
	is "$(printf '%s\n' "$h" | grep -ci '^Received:')" 0 "$3: no Received header at all"
	is "$(printf '%s\n' "$h" | grep -ciE '^(Authentication-Results|Return-Path|X-Original-[A-Za-z-]*|Delivered-To|ARC-[A-Za-z-]*|Received-SPF):')" 0 "$3: no other reporter trace field"
	is "$(printf '%s\n' "$h" | grep -ci '^DKIM-Signature:.* d=meldpunt\.test' )" "$(printf '%s\n' "$h" | grep -ci '^DKIM-Signature:')" "$3: every DKIM-Signature is the clearinghouse's"
}

h_body() {
	awk 'body { print } /^\r?$/ && !body { body = 1 }' "$1" | tr -d '\r'
}

# The delivered message without the sink's pseudo headers, bytes as they
# came (for signature checks).
h_message() {
	awk '!started && /^X-(Client|Helo|Mail|Rcpt)-/ { next } { started = 1; print }' "$1"
}

h_stop() {
	local pid
	if [ -n "${HD:-}" ] && [ ! -d "$HD" ]; then
		# The temp dir went away under us: stop what we started by PID.
		for pid in ${H_MASTER_PID:-} ${H_MILTER_PID:-} ${H_SINK_PID:-}; do
			kill -TERM "$pid" 2>/dev/null && _h_wait_gone "$pid"
		done
		[ -n "${H_WATCHDOG:-}" ] && kill -- "-$H_WATCHDOG" 2>/dev/null
	fi
	if [ -n "${HD:-}" ] && [ -d "$HD" ]; then
		/usr/sbin/postfix -c "$HD/etc" stop >/dev/null 2>&1
		pid=$(cat "$HD/spool/pid/master.pid" 2>/dev/null | tr -d ' ')
		[ -n "$pid" ] && _h_wait_gone "$pid"
		/usr/sbin/postfix -c "$HD/etc" abort >/dev/null 2>&1
		h_stop_milter
		if [ -f "$HD/sink.pid" ]; then
			pid=$(cat "$HD/sink.pid")
			kill "$pid" 2>/dev/null && _h_wait_gone "$pid"
		fi
		[ -n "${H_WATCHDOG:-}" ] && kill -- "-$H_WATCHDOG" 2>/dev/null
		if [ -n "${H_KEEP:-}" ]; then
			echo "# harness kept in $HD" >&2
		else
			rm -rf "$HD"
		fi
	fi
	HD=""
}

# h_start_sink: smtp-sink alone, for a test that writes its own Postfix
# configuration into $HD/etc (t-install.sh); h_stop stops it by PID.
h_start_sink() {
	start-stop-daemon --start --background --make-pidfile \
		--pidfile "$HD/sink.pid" --exec /usr/sbin/smtp-sink -- \
		-4 -u nobody -h sink.meldpunt.test -m 64 \
		-d "$HD/sink/%Y%m%d%H%M%S." "127.0.0.1:$SINK_PORT" 64 || return 1
	H_SINK_PID=$(cat "$HD/sink.pid" 2>/dev/null)
}

# h_wait_listen PORT...: wait until something listens on each TCP port.
h_wait_listen() {
	local p
	for p in "$@"; do
		for _ in $(seq 1 100); do
			ss -Hltn "sport = :$p" 2>/dev/null | grep -q . && continue 2
			sleep 0.05
		done
		return 1
	done
}

# h_doc_block FILE NAME: the shell block that follows the marker line
# "<!-- t-install: NAME -->" in FILE (a Markdown document), without its
# fences: tests run the commands the documentation shows.
h_doc_block() {
	awk -v m="<!-- t-install: $2 -->" '
		$0 == m { want = 1; next }
		want && /^```/ { if (inb) exit; inb = 1; next }
		inb { print }' "$1"
}
