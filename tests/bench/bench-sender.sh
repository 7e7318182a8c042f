#!/bin/bash
# bench-sender.sh - the sender's aggregated notifications through Postfix
# beside the outbound dual-signing rate of the same run (issue 14: the
# sender at >= 80 % of that rate). One private Postfix, smtp-sink and
# meldpunt-milter (RSA-2048 + Ed25519 signing keys, the e2e harness):
#
#  1. the baseline: N copies of tests/bench/data/notification.eml, From
#     the Identity, each with a Message-ID of its own, submitted to the
#     submission listener by tests/bench/submit-load (K sessions, one
#     connection per message, the sender's own SMTP code); timed from the
#     first submission until all N are at smtp-sink -> messages/s;
#  2. the sender: N contacts, each an organisation with one /32; one
#     list report (tests/feed-gen.py, N rows, one per contact) taken at
#     intake (outcome queued), so N groups are pending. SenderInterval is
#     a day, so the sender does not run by itself; the clock starts,
#     `meldpunt-queue send` wakes it (SIGUSR2), and stops when all N
#     notifications are at smtp-sink -> notifications/s;
#  3. for comparison (not the target's): the baseline again with one of
#     the sender's notifications as plain outbound mail, so that the cost
#     of a notification's bytes is told from the sender's own.
# Checked: every baseline message and every notification carries two
# DKIM-Signature fields; the milter logged N outcome=sent; every row
# reached its own contact exactly once (tests/e2e/list-check.py); nothing
# is left pending or in the outbox.
# The two run back to back in each of BENCH_SENDER_ROUNDS rounds (a new
# report each round; RenotifyInterval 0 makes the same addresses news
# again); the median of the rounds' ratios is the result, printed and
# written into BENCHMARKS.md between markers (other sections are left as
# they are).
#
# Environment:
#   BENCH_SENDER_N=500          contacts (notifications) and baseline messages
#   BENCH_SENDER_ROUNDS=5       rounds (baseline, then the sender); the median
#                               of their ratios is the result
#   BENCH_SENDER_SESSIONS=8     baseline SMTP sessions at once (bench-milter's
#                               Postfix runs use 8 too)
#   BENCH_SENDER_CONNECTIONS    the sender's SubmitConnections (unset: its default)
#   BENCH_SENDER_WAIT=300       seconds each phase may take before it fails
#   BENCH_OUT=$top_srcdir/BENCHMARKS.md
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
N=${BENCH_SENDER_N:-500}
ROUNDS=${BENCH_SENDER_ROUNDS:-5}
SESSIONS=${BENCH_SENDER_SESSIONS:-8}
WAIT=${BENCH_SENDER_WAIT:-300}
OUT=${BENCH_OUT:-$top_srcdir/BENCHMARKS.md}
LOAD=$top_builddir/tests/bench/submit-load
QUEUE=$top_builddir/tools/meldpunt-queue
NOTE=$top_srcdir/tests/bench/data/notification.eml
GEN="/usr/bin/python3 $top_srcdir/tests/feed-gen.py"
CHECK="/usr/bin/python3 $top_srcdir/tests/e2e/list-check.py"
TARGET=80	# per cent of the baseline

. "$top_srcdir/tests/e2e/harness.sh"

say() { printf '%s\n' "$*" >&2; }

why=$(h_can_run) || { echo "bench-sender: skipped: $why"; exit 0; }
[ -x "$LOAD" ] && [ -x "$QUEUE" ] ||
	{ echo "bench-sender: no $LOAD or $QUEUE: run make first"; exit 1; }
[ "$N" -ge 1 ] && [ "$N" -le 60000 ] ||
	{ echo "bench-sender: BENCH_SENDER_N=$N: 1 to 60000 (one /32 each in 10.0.0.0/16)"; exit 1; }
H_LIFETIME=$(( (4 * WAIT + 60) * ROUNDS + 300))
h_init || exit 1
CONF=$HD/meldpunt.conf
R=$HD/results		# lines: key round value
: >"$R"
FAILED=""
fail() { say "bench-sender: FAILED: $*"; FAILED="$FAILED; $*"; }

# ---- set-up --------------------------------------------------------------
# N organisations, each one contact and one /32: the address of row i of
# feed-gen's report (10.0.0.1 for i = 0, as its address() counts).
say "bench-sender: $N organisations, keys, Postfix, meldpunt-milter"
awk -v n="$N" 'BEGIN {
	for (i = 0; i < n; i++) {
		a = i + 1
		printf "organisation o%d\n    contact noc@o%d.example\n", i, i
		printf "    language %s\n", i % 2 ? "en" : "nl"
		printf "    network 10.%d.%d.%d/32\n", int(a / 65536) % 256,
		    int(a / 256) % 256, a % 256
	}
}' >"$HD/bench-routes.conf"
"$top_builddir/tools/meldpunt-route" compile -o "$HD/routes.db" \
	"$HD/bench-routes.conf" >"$HD/log/routes.log" 2>&1 ||
	{ cat "$HD/log/routes.log" >&2; exit 1; }
h_dkim_keys meldpunt.test || { say "bench-sender: signing keys"; exit 1; }
h_reporter_keys research.example.org || { say "bench-sender: reporter keys"; exit 1; }
# SenderInterval a day: the sender's first pass at start finds nothing;
# after that it runs only when meldpunt-queue send wakes it.
h_milter_conf "$CONF" "$(h_dkim_conf meldpunt.test)
ArchiveAddress archive@meldpunt.test
QuarantineAddress review@meldpunt.test
UnknownReporters accept
BounceAddress bounces@meldpunt.test
PidFile $HD/milter.pid
SubmitAddress 127.0.0.1:$SUBMIT_PORT
SenderInterval 1d
AggregateDelay 1h
NotifyInterval 1d
MaxRowsPerNotice 5000
RenotifyInterval 0${BENCH_SENDER_CONNECTIONS:+
SubmitConnections $BENCH_SENDER_CONNECTIONS}" || { say "bench-sender: config"; exit 1; }
sed -i 's/^MaximumMessageSize.*/MaximumMessageSize 16M/' "$CONF"
h_start_milter "$CONF" || exit 1
h_start_postfix || exit 1

sink_count() { find "$HD/sink" -type f | wc -l; }
_sink_has() { [ "$(sink_count)" -ge "$1" ]; }
_queue_empty() { [ "$(h_queue_count)" = 0 ]; }
# every file at the sink whole: Postfix's queue is empty (the sink
# answered each final dot), then no file grows for 0.3 s
_sink_sizes() { find "$HD/sink" -type f -printf '%p %s\n' | sort; }
_sink_same() {
	local a; a=$(_sink_sizes); sleep 0.3; [ "$a" = "$(_sink_sizes)" ]
}
settle() {
	h_wait_for 60 "Postfix's queue to empty" _queue_empty &&
		h_wait_for 10 "the sink's files to stop growing" _sink_same
}
# sigs_ok: each sink file has exactly two DKIM-Signature fields
sigs_ok() {
	local bad
	bad=$(grep -c '^DKIM-Signature:' "$HD"/sink/* 2>/dev/null | grep -vc ':2$')
	[ "$bad" = 0 ]
}
now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f\n", n / (b - a) }'; }
mean_size() { cat "$HD"/sink/* | wc -c | awk -v n="$(sink_count)" '{ printf "%d\n", $1 / n }'; }

# ---- the rounds ---------------------------------------------------------------
# Each round measures the baseline and then the sender, back to back, so
# that the two figures of a round share the machine's mood; the ratio of
# each round counts, and the median of them is the result.
sed -e 's/^From: .*/From: Meldpunt Test <meldingen@meldpunt.test>/' "$NOTE" >"$HD/baseline.eml"
base_run() {	# base_run COUNT [FILE]
	"$LOAD" -a "127.0.0.1:$SUBMIT_PORT" -f "${2:-$HD/baseline.eml}" -n "$1" \
		-c "$SESSIONS" -F meldingen@meldpunt.test -r abuse@example.net \
		>"$HD/log/submit-load.out" 2>&1 &&
		h_wait_for "$WAIT" "$1 messages at smtp-sink" _sink_has "$1"
}

# 1. the baseline of round $1 (KEY $2, message $3: notification.eml, or
# one of the sender's notifications of round 1 as plain outbound mail)
baseline() {
	local t0 t1 b key=${2:-base}
	rm -f "$HD"/sink/*
	t0=$(now)
	base_run "$N" "${3:-}" || fail "baseline $1: $(tail -n 2 "$HD/log/submit-load.out")"
	t1=$(now)
	b=$(rate "$(sink_count)" "$t0" "$t1")
	settle || fail "baseline $1: the sink did not settle"
	[ "$(sink_count)" -eq "$N" ] || fail "baseline $1: $(sink_count) of $N delivered"
	sigs_ok || fail "baseline $1: not every message has two DKIM-Signature fields"
	[ "$key" = base ] && BASE_SIZE=$(h_message "$(ls "$HD"/sink/* | head -n 1)" | wc -c)
	say "  round $1: $key $b msg/s end to end ($(sed -n \
		's/^RESULT.* rate=\([^ ]*\).*/\1/p' "$HD/log/submit-load.out") msg/s taken)"
	echo "$key $1 $b" >>"$R"
}

# notice_copy FILE: a delivered notification as plain outbound mail of
# the same bytes: without the sink's lines, the signatures, the trace and
# the X-Meldpunt-* fields (so it is not the sender's: no outbox record).
notice_copy() {
	h_message "$1" | awk '
		!body && /^\r?$/ { body = 1 }
		body { print; next }
		/^[ \t]/ { if (!skip) print; next }
		{ skip = ($0 ~ /^(DKIM-Signature|Received|X-Meldpunt-[A-Za-z-]*):/) }
		!skip { print }'
}

# The list report of round $1: N rows, one per contact (RenotifyInterval 0:
# the same addresses are news again in every round), taken at intake.
report() {
	local p f out groups
	mkdir -p "$HD/feed/$1"
	p=$($GEN --type scan_ntp --rows "$N" --seed "$1" --zip --mail \
		--date "2026-11-$((10 + $1))" --out "$HD/feed/$1") || return 1
	p=${p%.eml}
	sed -e 's/^From: .*/From: Research Feeds <feeds@research.example.org>/' \
	    -e 's/^To: .*/To: meldingen@meldpunt.test/' "$p.eml" >"$HD/feed/$1/plain.eml"
	h_sign_report "$HD/feed/$1/plain.eml" research.example.org \
		>"$HD/feed/$1/report.eml" || return 1
	# the rows each contact must get, "contact TAB ip TAB port", and
	# the feed's header line (list-check.py's input)
	/usr/bin/python3 - "$p" "$HD/feed/$1/expect" "$HD/feed/$1/columns" <<'PY' || return 1
import csv, io, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
text = z.read(z.namelist()[0]).decode()
with open(sys.argv[3], "w") as f:
    f.write(text.splitlines()[0].replace('"', "") + "\n")
with open(sys.argv[2], "w") as f:
    for r in csv.DictReader(io.StringIO(text)):
        a = [int(x) for x in r["ip"].split(".")]
        n = (a[1] << 16 | a[2] << 8 | a[3]) - 1
        f.write("noc@o%d.example\t%s\t%s\n" % (n, r["ip"], r["port"]))
PY
	rm -f "$HD"/sink/*
	f=$(H_WAIT=$WAIT h_send "$HD/feed/$1/report.eml" meldingen@meldpunt.test)
	out=$(h_header "$f" X-Meldpunt-Outcome)
	[ "$out" = queued ] || { fail "round $1: the report's outcome is \"$out\", not queued"; return 1; }
	groups=$("$QUEUE" list -c "$CONF" 2>/dev/null | sed -n '2,$p' | grep -c .)
	[ "$groups" -eq "$N" ] || fail "round $1: $groups groups pending, not $N"
	settle
}

# 2. the sender of round $1
sender() {
	local t0 t1 s sent0 sent chk left
	rm -f "$HD"/sink/*
	sent0=$(grep -c 'outcome=sent ' "$HD/log/milter.log")
	t0=$(now)
	"$QUEUE" send -c "$CONF" >"$HD/log/queue-send.out" 2>&1 ||
		{ fail "meldpunt-queue send: $(cat "$HD/log/queue-send.out")"; return 1; }
	h_wait_for "$WAIT" "$N notifications at smtp-sink" _sink_has "$N" ||
		fail "round $1: the sender: $(sink_count) of $N notifications in ${WAIT}s"
	t1=$(now)
	s=$(rate "$(sink_count)" "$t0" "$t1")
	settle || fail "round $1: the sender: the sink did not settle"
	[ "$(sink_count)" -eq "$N" ] || fail "round $1: $(sink_count) notifications, not $N"
	sigs_ok || fail "round $1: not every notification has two DKIM-Signature fields"
	sent=$(( $(grep -c 'outcome=sent ' "$HD/log/milter.log") - sent0 ))
	[ "$sent" -eq "$N" ] || fail "round $1: the milter logged $sent outcome=sent, not $N"
	chk=$($CHECK "$HD/feed/$1/expect" "$(cat "$HD/feed/$1/columns")" "$HD"/sink/* 2>&1) ||
		fail "round $1: the rows: $(printf '%s\n' "$chk" | head -n 3 | tr '\n' ' ')"
	left=$("$QUEUE" list -c "$CONF" 2>/dev/null | sed -n '2,$p' | grep -c .)
	[ "$left" -eq 0 ] || fail "round $1: $left lines left in meldpunt-queue list"
	SEND_SIZE=$(mean_size)
	[ -f "$HD/notice.eml" ] || notice_copy "$(ls "$HD"/sink/* | head -n 1)" >"$HD/notice.eml"
	CHK=$(printf '%s' "$chk" | head -n 1)
	say "  round $1: the sender $s notifications/s end to end ($CHK)"
	echo "send $1 $s" >>"$R"
}

say "bench-sender: $ROUNDS rounds of $N baseline messages ($SESSIONS sessions) and $N notifications"
base_run 50 || fail "baseline warm-up: $(tail -n 2 "$HD/log/submit-load.out")"
settle
for r in $(seq 1 "$ROUNDS"); do
	baseline "$r"
	[ -s "$HD/notice.eml" ] && baseline "$r" base2 "$HD/notice.eml"
	report "$r" || { fail "round $r: the list report"; break; }
	sender "$r"
done

# ---- the result ------------------------------------------------------------------
get() { awk -v k="$1" -v r="$2" '$1 == k && $2 == r { print $3 }' "$R"; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0;
	else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
pct() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.0f\n", 100 * a / b; else print 0 }'; }
rows=""
for r in $(seq 1 "$ROUNDS"); do
	b=$(get base "$r") s=$(get send "$r") b2=$(get base2 "$r")
	[ -n "$b" ] && [ -n "$s" ] || continue
	echo "$(pct "$s" "$b")" >>"$HD/ratios"
	[ -n "$b2" ] && echo "$(pct "$s" "$b2")" >>"$HD/ratios2"
	rows="$rows| $r | $b | $s | $(pct "$s" "$b") % | ${b2:--} | $([ -n "$b2" ] && echo "$(pct "$s" "$b2") %" || echo -) |
"
done
PCT2=$( [ -s "$HD/ratios2" ] && median <"$HD/ratios2" || echo "-")
BASE2=$(awk '$1 == "base2" { print $3 }' "$R" | median)
PCT=$( [ -s "$HD/ratios" ] && median <"$HD/ratios" || echo 0)
PCT=${PCT%.*}
BASE=$(awk '$1 == "base" { print $3 }' "$R" | median)
SEND=$(awk '$1 == "send" { print $3 }' "$R" | median)
verdict=$([ "$PCT" -ge "$TARGET" ] && echo "met" || echo "not met")
[ -z "$FAILED" ] || verdict="checks FAILED${FAILED}"
say "bench-sender: sender / baseline, median of $ROUNDS rounds: $PCT % (target >= $TARGET %: $verdict)"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
conns=$(sed -n 's/^SubmitConnections[[:space:]]*//p' "$CONF")
{
	echo "<!-- bench-sender begin: written by tests/bench/bench-sender.sh -->"
	echo "## bench-sender: the sender's notifications vs outbound signing (make bench-sender)"
	echo
	echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs ($cpu), Linux $(uname -r),"
	echo "Postfix $(/usr/sbin/postconf -d -h mail_version 2>/dev/null); one private Postfix, smtp-sink and"
	echo "meldpunt-milter signing with RSA-2048 + Ed25519, state DB on $(df -T "$HD" | awk 'NR == 2 { print $2 }')."
	echo "$ROUNDS rounds, each the baseline and then the sender, back to back:"
	echo
	echo "- baseline: $N copies of notification.eml (From the Identity, a"
	echo "  Message-ID each, ${BASE_SIZE:-?} bytes as delivered) submitted by"
	echo "  tests/bench/submit-load, $SESSIONS sessions, one connection a message;"
	echo "- the sender: $N pending groups (one row each, of one list report taken"
	echo "  at intake), \`meldpunt-queue send\`, one notification each (mean"
	echo "  ${SEND_SIZE:-?} bytes at the sink), SubmitConnections ${conns:-as its default (meldpunt.conf(5))};"
	echo "- for comparison, from round 2 on: the same baseline with one of the"
	echo "  sender's notifications of round 1 as the message (signatures, trace"
	echo "  and X-Meldpunt-* fields taken out), to tell the cost of its bytes"
	echo "  from the sender's own."
	echo
	echo "Each rate runs from the first submission (or the send) until the last"
	echo "message is at smtp-sink. Absolute figures on a shared machine are"
	echo "noise; the ratio of each round counts, the result is their median"
	echo "(the target is on notification.eml's baseline)."
	echo
	echo "| round | baseline msg/s | sender notifications/s | sender / baseline | baseline, a notification's bytes, msg/s | sender / that |"
	echo "|---|---|---|---|---|---|"
	printf '%s' "$rows"
	echo "| median | $BASE | $SEND | **$PCT %** (target ≥ $TARGET %: $verdict) | $BASE2 | ${PCT2%.*} % |"
	echo
	echo "Checked in every round: two DKIM-Signature fields on every message and"
	echo "notification, $N outcome=sent in the milter's log, every row at its own"
	echo "contact exactly once (list-check: ${CHK:-not run}), nothing left"
	echo "pending or in the outbox."
	echo "<!-- bench-sender end -->"
} >"$HD/table.md"
cat "$HD/table.md"

if [ -f "$OUT" ] && grep -q '^<!-- bench-sender begin' "$OUT"; then
	awk -v t="$HD/table.md" '
		/^<!-- bench-sender begin/ { while ((getline l < t) > 0) print l; skip = 1; next }
		/^<!-- bench-sender end/ { skip = 0; next }
		!skip' "$OUT" >"$HD/out.md" && cat "$HD/out.md" >"$OUT"
else
	{ [ -s "$OUT" ] || printf '# Benchmarks\n\n'; printf '\n'; cat "$HD/table.md"; } >>"$OUT"
fi
say "bench-sender: written to $OUT"
[ -z "$FAILED" ]
