#!/bin/bash
# End to end, the sender of list notifications: list reports through a
# private Postfix and the milter; the milter's sender thread groups the
# pending rows per contact, type and language and submits one
# notification per group to Postfix's submission listener, where the
# milter signs it. Checked row by row against the input (list-check.py):
# each contact gets exactly its own rows, once; rows of two reports
# arriving within AggregateDelay go out together; NotifyInterval holds a
# group back until `meldpunt-queue send` asks for it; and with the milter
# (and so the sender) killed with kill -9 while it sends, every row still
# reaches its contact exactly once after the restart.
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"
. "$top_srcdir/tests/e2e/feed-lib.sh"

why=$(h_can_run) || skip_all "$why"
/usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null || skip_all "python3-dkim missing"
h_init || exit 1
CHECK="/usr/bin/python3 $top_srcdir/tests/e2e/list-check.py"
PY="/usr/bin/python3 $top_srcdir/tests/dkimpy.py"
QUEUE=$top_builddir/tools/meldpunt-queue
CONF=$HD/meldpunt.conf

f_routes || { echo "Bail out! routes"; exit 1; }
h_dkim_keys meldpunt.test || { echo "Bail out! signing keys"; exit 1; }
h_reporter_keys research.example.org || { echo "Bail out! reporter keys"; exit 1; }
h_milter_conf "$CONF" "$(h_dkim_conf meldpunt.test)
ArchiveAddress archive@meldpunt.test
QuarantineAddress review@meldpunt.test
UnknownReporters accept
BounceAddress bounces@meldpunt.test
PidFile $HD/milter.pid
SubmitAddress 127.0.0.1:$SUBMIT_PORT
SenderInterval 1s
AggregateDelay 4s
NotifyInterval 1h
MaxRowsPerNotice 5000" || { echo "Bail out! config"; exit 1; }
sed -i 's/^MaximumMessageSize.*/MaximumMessageSize 16M/' "$CONF"
h_start_milter "$CONF" || { echo "Bail out! milter did not start"; exit 1; }
h_start_postfix || { echo "Bail out! postfix did not start"; exit 1; }

# rows ZIP: the rows intake must make pending, "contact TAB ip TAB port",
# from the input and the routes alone (duplicate and invalid lines out,
# unrouted out, and rows sent before, in $HD/sent.state, out).
rows() {
	/usr/bin/python3 - "$1" "$HD/sent.state" <<'PY'
import csv, io, ipaddress, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
name = z.namelist()[0]
kind = name.split("-")[3]
routes = [("10.0.0.0/24", "noc@a.example"), ("10.1.0.0/16", "noc@a.example"),
          ("10.0.1.0/24", "abuse@b.example"), ("10.0.128.0/17", "abuse@b.example"),
          ("10.0.2.0/24", "cert@c.example"), ("10.0.64.0/18", "cert@c.example")]
routes = [(ipaddress.ip_network(n), c) for n, c in routes]
try:
    done = set(l.rstrip("\n") for l in open(sys.argv[2]))
except FileNotFoundError:
    done = set()
text = z.read(name).decode()
lines = text.splitlines()
seen = set()
out = []
for i, r in enumerate(csv.DictReader(io.StringIO(text))):
    line = lines[i + 1]
    try:
        ip = ipaddress.ip_address(r["ip"])
    except ValueError:
        continue
    if line in seen:
        continue
    seen.add(line)
    hit = [c for n, c in routes if ip in n]
    if not hit:
        continue
    key = "%s\t%s\t%s\t%s" % (kind, hit[0], r["ip"], r["port"])
    if key in done:
        continue
    done.add(key)
    out.append("%s\t%s\t%s" % (hit[0], r["ip"], r["port"]))
with open(sys.argv[2], "w") as f:
    f.write("\n".join(sorted(done)) + "\n")
print("\n".join(out))
PY
}

columns() {
	/usr/bin/python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(z.read(z.namelist()[0]).decode().splitlines()[0].replace("\"", ""))' "$1"
}
sent_files() { grep -l '^X-Meldpunt-Flow: outbound' "$HD"/sink/* 2>/dev/null; }
sent_count() { sent_files | wc -l; }
sent_to() { grep -l "^X-Rcpt-Args: <$1>" $(sent_files) /dev/null 2>/dev/null | grep -v '^/dev/null$'; }
# all sent: nothing pending, nothing in the outbox, Postfix's queue empty,
# and every notification the sender logged is at the sink
_drained() {
	local out
	out=$("$QUEUE" list -c "$CONF" 2>/dev/null) || return 1
	[ "$(printf '%s\n' "$out" | sed -n '2,$p' | grep -c .)" = 0 ] || return 1
	[ "$(h_queue_count)" = 0 ] || return 1
	[ "$(grep -c ': sent (250' "$HD/log/milter.log")" = "$(sent_count)" ]
}
drained() { h_wait_for "${1:-60}" "the sender to send everything" _drained; }
stable_all() { local f; for f in $(sent_files); do h_stable "$f" || return 1; done; }

# 1. Two reports within AggregateDelay: report a (1,000 rows over three
#    contacts, duplicate and invalid lines, unrouted rows), then report
#    b (200 rows about c's 10.0.64.0/18): one notification per contact,
#    c's holding the rows of both.
A=$(f_feed a --type scan_ntp --rows 1000 --dups 20 --invalid 10 --date 2026-11-28) &&
B=$(f_feed b --type scan_ntp --rows 200 --first 16383 --date 2026-11-28) ||
	{ echo "Bail out! feed-gen"; exit 1; }
COLS=$(columns "$A")
rows "$A" >"$HD/expect.1"
rows "$B" >>"$HD/expect.1"
f=$(h_send "$HD/feeds/a.eml" meldingen@meldpunt.test)
is "$(h_header "$f" X-Meldpunt-Outcome)" "queued" "report a: queued"
f=$(h_send "$HD/feeds/b.eml" meldingen@meldpunt.test)
is "$(h_header "$f" X-Meldpunt-Outcome)" "queued" "report b: queued"
drained 60
stable_all
is "$(sent_count)" 3 "three notifications: one per contact"
for c in noc@a.example abuse@b.example cert@c.example; do
	is "$(sent_to "$c" | wc -l)" 1 "$c: exactly one notification"
done
out=$($CHECK "$HD/expect.1" "$COLS" $(sent_files))
ok "every pending row of both reports reached its contact exactly once ($out)" test $? = 0
diag "$out"
fc=$(sent_to cert@c.example)
ok "c's notification holds the rows of both reports" bash -c \
	"[ \$(grep -c '^Content-Disposition: attachment' '$fc') -ge 2 ] || grep -q 'application/zip' '$fc'"
fa=$(sent_to noc@a.example)
like "$(h_header "$fa" Subject)" '^\[Meldpunt #[0-9]{8}-[0-9]{8}\] ' "the Subject starts with the ticket"
like "$(h_header "$fa" X-Meldpunt-Id)" '^MP-[a-z2-7]{26}$' "it carries its notice id"
is "$(h_header "$fa" Content-Language)" "nl" "a's notification is in Dutch (its contact's language)"
is "$(h_header "$(sent_to abuse@b.example)" Content-Language)" "en" "b's in English"
like "$(sed -n 's/^X-Mail-Args: <\([^>]*\)>.*/\1/p' "$fa")" '^bounces\+mp-[a-z2-7]{26}@meldpunt\.test$|^bounces\+MP-[a-z2-7]{26}@meldpunt\.test$' "its envelope sender is BounceAddress tagged with the notice id"
h_message "$fa" >"$HD/sent-a.eml"
ok "dkimpy verifies its rsa-sha256 signature" $PY "$HD/keys/records.txt" verify "$HD/sent-a.eml" 0
ok "dkimpy verifies its ed25519-sha256 signature" $PY "$HD/keys/records.txt" verify "$HD/sent-a.eml" 1
"$top_builddir/tools/meldpunt-verify" --key-file "$HD/keys/records.txt" \
	--identity meldingen@meldpunt.test "$HD/sent-a.eml" >"$HD/log/verify.out" 2>&1
is "$?" 0 "meldpunt-verify says it is genuine"
is "$(grep -c 'outcome=sent ' "$HD/log/milter.log")" 3 "the milter signed three as the sender's (outcome=sent)"
like "$(grep -m1 'sender: notice=' "$HD/log/milter.log")" 'rows=[0-9]+: sent \(250' "the sender logs each notification with its rows"

# 2. NotifyInterval: a third report about a's 10.1.0.0/16 waits (a was
#    told less than an hour ago) until meldpunt-queue send asks for it.
C=$(f_feed c --type scan_ntp --rows 50 --first 65535 --date 2026-11-29) ||
	{ echo "Bail out! feed-gen"; exit 1; }
rows "$C" >"$HD/expect.2"
f=$(h_send "$HD/feeds/c.eml" meldingen@meldpunt.test)
is "$(h_header "$f" X-Meldpunt-Outcome)" "queued" "report c: queued"
sleep 6		# past AggregateDelay (4s) and several sender passes
is "$(sent_count)" 3 "report c: held back by NotifyInterval"
line=$("$QUEUE" list -c "$CONF" 2>/dev/null | grep '^noc@a.example')
like "$line" $'\t50\t' "meldpunt-queue list: a's group with its 50 rows"
due=$(printf '%s' "$line" | cut -f7)
ok "meldpunt-queue list: due an hour after a's last notification ($due)" bash -c \
	"[ \$(( \$(date -d '$due' +%s) - \$(date +%s) )) -gt 3000 ]"
"$QUEUE" send -c "$CONF" noc@a.example >"$HD/log/queue-send.out" 2>&1
is "$?" 0 "meldpunt-queue send noc@a.example"
drained 30
stable_all
is "$(sent_to noc@a.example | wc -l)" 2 "a got its second notification at once"
f2=$(ls -t $(sent_to noc@a.example) | head -n 1)
out=$($CHECK "$HD/expect.2" "$COLS" "$f2")
ok "and it holds exactly report c's rows ($out)" test $? = 0
ok "the milter logged the request" grep -q 'sender: asked to send now: contact=noc@a.example' "$HD/log/milter.log"

# 3. kill -9 while the sender sends: MaxRowsPerNotice 150 splits a
#    3,000-row report about a's 10.1.0.0/16 into some 30 notifications,
#    made one after the other in one pass; the milter is killed once
#    the first few reach the sink, then started again, and asked to send
#    what is left below MaxRowsPerNotice too.
h_stop_milter
sed -i 's/^MaxRowsPerNotice.*/MaxRowsPerNotice 150/' "$CONF"
h_start_milter "$CONF" || { echo "Bail out! milter did not restart"; exit 1; }
D=$(f_feed d --type scan_http_vulnerable --rows 3000 --first 65535 --date 2026-11-30) ||
	{ echo "Bail out! feed-gen"; exit 1; }
DCOLS=$(columns "$D")
rows "$D" >"$HD/expect.3"
before=$(sent_count)
f=$(h_send "$HD/feeds/d.eml" meldingen@meldpunt.test)
is "$(h_header "$f" X-Meldpunt-Outcome)" "queued" "report d: queued"
_some() { [ "$(sent_count)" -ge $((before + 3)) ]; }
if h_wait_for 60 "the first notifications of report d" _some; then
	pid=$(h_milter_pid)
	kill -9 "$pid"; { wait "$pid"; } 2>/dev/null
	ok "kill -9 of the milter while its sender sent report d's rows ($(( $(sent_count) - before )) at the sink)" true
	sleep 1
	h_start_milter "$CONF" || { echo "Bail out! milter did not restart"; exit 1; }
else
	ok "kill -9 of the milter while its sender sent report d's rows" false
fi
"$QUEUE" send -c "$CONF" >>"$HD/log/queue-send.out" 2>&1
drained 120
stable_all
dfiles=$(for f in $(sent_files); do grep -q 'scan_http_vulnerable' "$f" && echo "$f"; done)
ok "report d went out in many notifications ($(echo "$dfiles" | wc -l))" test "$(echo "$dfiles" | wc -l)" -gt 15
out=$($CHECK "$HD/expect.3" "$DCOLS" $dfiles)
ok "after kill -9 and restart every row of report d reached its contact exactly once ($out)" test $? = 0
diag "$out"
diag "repeats the milter discarded: $(grep -c 'outcome=discarded:repeat' "$HD/log/milter.log")"
"$QUEUE" list -c "$CONF" >"$HD/log/queue-final.out" 2>&1
is "$(grep -c . "$HD/log/queue-final.out")" 2 "nothing left pending, nothing in the outbox"
h_stop
done_testing
