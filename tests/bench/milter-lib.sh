# milter-lib.sh - keys and private OpenDKIM / meldpunt-milter instances for
# the milter smoke test and bench-milter (sourced by bash scripts, after
# tests/e2e/harness.sh and h_init, so $HD is the temp dir).
#
#   ml_keys                     RSA-2048 and Ed25519 keys in $HD/keys
#   ml_opendkim_start NAME ALG SOCKET
#                               a private OpenDKIM signing for meldpunt.test
#                               with ALG rsa-sha256 or ed25519-sha256
#   ml_opendkim_stop NAME       by its pid file; waits (zombies count as gone)
#   ml_meldpunt_conf FILE SOCKET [EXTRA]
#                               h_milter_conf plus the signing keys
#   ml_reports DIR FIRST COUNT  distinct signed reports for the intake path
#   ml_meldpunt_start NAME CONF SOCKET
#                               meldpunt-milter -f; ml_meldpunt_stop NAME
#   ml_wait_sock SOCKET         wait until a unix: or inet: socket listens
#   ml_stop_all                 every milter this file started, at once
#
# OpenDKIM pitfalls, found setting it up for the comparison: keys in
# /tmp need RequireSafeKeys false; one SignatureAlgorithm per process;
# Background yes + PidFile; Syslog no (there is no /dev/log here).

ML_SIGN_HEADERS="From,To,Cc,Subject,Date,Message-ID,MIME-Version,Content-Type,Content-Transfer-Encoding"
ML_PIDS=""	# every milter started here

ml_keys() {
	mkdir -p "$HD/keys"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$HD/keys/rsa.pem" 2>/dev/null &&
	openssl genpkey -algorithm ED25519 -out "$HD/keys/ed.pem" 2>/dev/null &&
	chmod 600 "$HD/keys"/*.pem
}

# ml_opendkim_start NAME ALG SOCKET (unix:/path or inet:port@127.0.0.1)
ml_opendkim_start() {
	local name=$1 alg=$2 sock=$3 key sel conf path
	case $alg in
	rsa-sha256) key=$HD/keys/rsa.pem sel=rsa ;;
	ed25519-sha256) key=$HD/keys/ed.pem sel=ed ;;
	*) echo "ml_opendkim_start: algorithm $alg?" >&2; return 1 ;;
	esac
	conf=$HD/opendkim-$name.conf
	cat >"$conf" <<CONF
Syslog			no
Background		yes
PidFile			$HD/opendkim-$name.pid
Socket			${sock/#unix:/local:}
UMask			000
Mode			s
Domain			meldpunt.test
Selector		$sel
KeyFile			$key
SignatureAlgorithm	$alg
Canonicalization	relaxed/relaxed
SignHeaders		$ML_SIGN_HEADERS
OversignHeaders		From
RequireSafeKeys		false
InternalHosts		127.0.0.1
CONF
	rm -f "$HD/opendkim-$name.pid"
	case $sock in unix:*) path=${sock#unix:}; rm -f "$path" ;; esac
	opendkim -x "$conf" >>"$HD/log/opendkim-$name.log" 2>&1 || {
		cat "$HD/log/opendkim-$name.log" >&2
		return 1
	}
	ml_wait_sock "$sock" || {
		echo "opendkim $name did not start on $sock" >&2
		cat "$HD/log/opendkim-$name.log" >&2
		return 1
	}
	ML_PIDS="$ML_PIDS $(cat "$HD/opendkim-$name.pid" 2>/dev/null)"
}

# ml_wait_sock SOCKET: wait up to 5 s until a unix: or inet: socket listens.
ml_wait_sock() {
	local port
	for _ in $(seq 1 100); do
		case $1 in
		unix:*) [ -S "${1#unix:}" ] && return 0 ;;
		inet:*) port=${1#inet:}; port=${port%@*}
			ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0 ;;
		esac
		sleep 0.05
	done
	echo "ml_wait_sock: nothing listens on $1 after 5s" >&2
	return 1
}

# ml_meldpunt_start NAME CONF SOCKET: meldpunt-milter -f in the background,
# its pid in $HD/meldpunt-NAME.pid; ml_meldpunt_stop NAME or ml_stop_all.
ml_meldpunt_start() {
	local name=$1 conf=$2 sock=$3
	case $sock in unix:*) rm -f "${sock#unix:}" ;; esac
	"$MILTER_BIN" -f -c "$conf" >>"$HD/log/meldpunt-$name.log" 2>&1 &
	echo $! >"$HD/meldpunt-$name.pid"
	ML_PIDS="$ML_PIDS $!"
	ml_wait_sock "$sock" && return 0
	echo "meldpunt-milter did not start on $sock; log:" >&2
	cat "$HD/log/meldpunt-$name.log" >&2
	return 1
}

ml_meldpunt_stop() {
	local pidf=$HD/meldpunt-$1.pid pid
	[ -f "$pidf" ] || return 0
	pid=$(cat "$pidf")
	kill -TERM "$pid" 2>/dev/null && _h_wait_gone "$pid"
	wait "$pid" 2>/dev/null
	rm -f "$pidf"
}

# All at once: each takes up to libmilter's 5 s check interval to stop.
# The pids are kept in the shell too, so that a temp dir removed under us
# leaves no milter behind.
ml_stop_all() {
	local pid
	for pid in $ML_PIDS; do kill -TERM "$pid" 2>/dev/null; done
	for pid in $ML_PIDS; do _h_wait_gone "$pid"; done
	ML_PIDS=""
}

# ml_meldpunt_conf FILE SOCKET [EXTRA]: the harness config, another socket,
# its own state DB (FILE.state; GDBM lets one process write it), and dual
# signing with the keys of ml_keys.
ml_meldpunt_conf() {
	h_milter_conf "$1" "SigningDomain		meldpunt.test
RSASelector		rsa
RSAKeyFile		$HD/keys/rsa.pem
Ed25519Selector		ed
Ed25519KeyFile		$HD/keys/ed.pem
${3:-}"
	sed -i -e "s|^Socket.*|Socket			$2|" \
		-e "s|^StateDB.*|StateDB			$1.state|" "$1"
}

# ml_reports DIR FIRST COUNT: COUNT distinct signed reports in DIR, numbers
# FIRST to FIRST+COUNT-1, each about another source: report i is the ARF
# spam report (i mod 3 = 0), the X-ARF login attack (1) or the XARF v4
# vulnerable service (2) of examples/, about address k = i / 3 of a routed
# range: 192.0.2.k, 198.51.100.k, 203.0.113.k for k < 256, then
# 2001:db8:100::k (hex), 2001:db8::k, 2001:db8:200::k. Each is signed by
# its reporter with the keys of h_reporter_keys (their DNS records are in
# DNSZoneFile), so all of the intake path runs and dedup sees N new
# (type, source, contact) triples. Two signers at a time.
ml_reports() {
	local dir=$1 first=$2 count=$3 ex=$top_srcdir/examples
	mkdir -p "$dir"
	seq "$first" $((first + count - 1)) | xargs -P 2 -n 50 bash -c '
		ex=$1 dir=$2 tool=$3 keys=$4; shift 4
		for i in "$@"; do
			k=$((i / 3))
			case $((i % 3)) in
			0) f=arf-spam.eml d=mailbox.example.com old=192.0.2.25
			   [ $k -lt 256 ] && ip=192.0.2.$k || ip=$(printf "2001:db8:100::%x" $k) ;;
			1) f=xarf-login-attack.eml d=honeypot.example.com old=198.51.100.7
			   [ $k -lt 256 ] && ip=198.51.100.$k || ip=$(printf "2001:db8::%x" $k) ;;
			2) f=xarf4-vulnerable.eml d=research.example.org old=203.0.113.10
			   [ $k -lt 256 ] && ip=203.0.113.$k || ip=$(printf "2001:db8:200::%x" $k) ;;
			esac
			v6=""; case $ip in *:*) v6="/^Source-Type:/s/ipv4/ipv6/" ;; esac
			sed -e "s/${old//./\\.}/$ip/g" -e "/^Message-ID:/s/@/.$i@/" \
				-e "${v6:-}" "$ex/$f" >"$dir/$i.in"
			"$tool" sign "$d" - - rep "$keys/$d.key" "$dir/$i.in" \
				>"$(printf "%s/%07d.eml" "$dir" "$i")" || exit 1
			rm -f "$dir/$i.in"
		done' _ "$ex" "$dir" "$top_builddir/tests/unit/mp-sign-tool" "$HD/reporters"
}
