#!/bin/bash
# End to end, a list report (issue 14, item 2): a signed Shadowserver
# report of 1,000 rows spread over three contacts, with unrouted rows,
# invalid rows and repeated rows, through a private Postfix and the
# milter: the original is archived with X-Meldpunt-Outcome: queued and
# the summary, and meldpunt-queue list shows exactly the groups and row
# counts computed from the input. A second report about the same hosts
# finds every row a duplicate. A 100,000-row report during which the
# milter is killed with kill -9: after the restart and the MTA's retry,
# every row is pending exactly once.
. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/harness.sh"
. "$top_srcdir/tests/e2e/feed-lib.sh"

why=$(h_can_run) || skip_all "$why"
h_init || exit 1
SENDER="/usr/bin/python3 $top_srcdir/tests/e2e/smtp-retry.py"
QUEUE=$top_builddir/tools/meldpunt-queue
CONF=$HD/meldpunt.conf

f_routes || { echo "Bail out! routes"; exit 1; }
h_reporter_keys research.example.org || { echo "Bail out! reporter keys"; exit 1; }
h_milter_conf "$CONF" "ArchiveAddress archive@meldpunt.test
QuarantineAddress review@meldpunt.test
UnknownReporters accept" || { echo "Bail out! config"; exit 1; }
sed -i 's/^MaximumMessageSize.*/MaximumMessageSize 16M/' "$CONF"
h_start_milter "$CONF" || { echo "Bail out! milter did not start"; exit 1; }
h_start_postfix || { echo "Bail out! postfix did not start"; exit 1; }

# expect ZIP: from the input alone, what intake must make of it: the
# summary line, then the groups as meldpunt-queue lists them (contact,
# type, language, rows); the pending state of STATE (a file of "ip port
# contact" lines already pending) makes duplicates.
expect() {
	/usr/bin/python3 - "$@" <<'PY'
import csv, io, ipaddress, sys, zipfile
zpath, state = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(zpath)
name = z.namelist()[0]
kind = name.split("-")[3]
mtype = {"scan_ntp": "open-service", "scan_http_vulnerable": "vulnerable-service"}[kind]
routes = [("10.0.0.0/24", "noc@a.example", "nl"), ("10.1.0.0/16", "noc@a.example", "nl"),
          ("10.0.1.0/24", "abuse@b.example", "en"), ("10.0.128.0/17", "abuse@b.example", "en"),
          ("10.0.2.0/24", "cert@c.example", "en"), ("10.0.64.0/18", "cert@c.example", "en")]
routes = [(ipaddress.ip_network(n), c, l) for n, c, l in routes]
done = set(l.strip() for l in open(state)) if state != "-" else set()
text = z.read(name).decode()
lines = text.splitlines()
rdr = csv.DictReader(io.StringIO(text))
rows = pend = dups = unrouted = invalid = 0
seen_lines = set()
groups = {}
contacts = set()
for i, r in enumerate(rdr):
    rows += 1
    line = lines[i + 1]
    try:
        ip = ipaddress.ip_address(r["ip"])
    except ValueError:
        invalid += 1
        continue
    if line in seen_lines:
        invalid += 1
        continue
    seen_lines.add(line)
    hit = [(c, l) for n, c, l in routes if ip in n]
    if not hit:
        unrouted += 1
        continue
    c, l = hit[0]
    key = "%s:%s %s %s" % (mtype, kind, r["ip"] + " port " + r["port"], c)
    if key in done:
        dups += 1
        continue
    done.add(key)
    pend += 1
    contacts.add(c)
    g = (c, "%s:%s" % (mtype, kind), l)
    groups[g] = groups.get(g, 0) + 1
print("%d rows in 1 list: %d pending for %d contact%s, %d duplicate%s, %d unrouted, %d invalid"
      % (rows, pend, len(contacts), "" if len(contacts) == 1 else "s", dups,
         "" if dups == 1 else "s", unrouted, invalid), end="")
reasons = []
if invalid:
    pass
print()
for g in sorted(groups):
    print("%s\t%s\t%s\t%d" % (g + (groups[g],)))
if state != "-":
    with open(state, "w") as f:
        f.write("\n".join(sorted(done)) + "\n")
PY
}
: >"$HD/pending.state"
queue_groups() { "$QUEUE" list -c "$CONF" 2>>"$HD/log/queue.err" | awk -F'\t' 'NR > 1 { print $1 "\t" $2 "\t" $3 "\t" $4 }'; }

# 1. 1,000 rows over three contacts, 20 repeated, 10 with a bad address
A=$(f_feed a --type scan_ntp --rows 1000 --dups 20 --invalid 10 --date 2026-11-28) ||
	{ echo "Bail out! feed-gen"; exit 1; }
exp=$(expect "$A" "$HD/pending.state")
f=$(h_send "$HD/feeds/a.eml" meldingen@meldpunt.test)
ok "1,000-row report: taken and delivered" test -n "$f"
is "$(h_rcpts "$f")" "archive@meldpunt.test" "1,000-row report: the original goes to ArchiveAddress"
is "$(h_header "$f" X-Meldpunt-Outcome)" "queued" "1,000-row report: X-Meldpunt-Outcome: queued"
summary=$(h_header "$f" X-Meldpunt-Summary)
is "${summary%% (*}" "$(printf '%s\n' "$exp" | head -n 1)" "1,000-row report: the summary counts as computed from the input"
ok "1,000-row report: invalid rows counted by reason" bash -c "printf '%s' \"\$1\" | grep -q 'duplicate of row N: 20'" _ "$summary"
ok "1,000-row report: the unrouted rows are listed" bash -c "printf '%s' \"\$1\" | grep -q '^10\.0\.3\.0 (row 768)'" _ "$(h_header "$f" X-Meldpunt-Unrouted)"
ok "1,000-row report: the invalid rows are listed" bash -c "printf '%s' \"\$1\" | grep -q '^row 1: '" _ "$(h_header "$f" X-Meldpunt-Invalid)"
ok "1,000-row report: the milter log has the summary" grep -qF "outcome=queued reason=\"$(printf '%s\n' "$exp" | head -n 1)" "$HD/log/milter.log"
is "$(queue_groups)" "$(printf '%s\n' "$exp" | tail -n +2)" "meldpunt-queue list: exactly the groups and row counts of the input"
is "$(queue_groups | wc -l)" 3 "meldpunt-queue list: three groups, one a contact"
h_message "$f" | sed -n '/^DKIM-Signature:/,/^[^ \t]/p' >"$HD/log/a-dkim"
ok "the reporter's original is archived with its DKIM signature" grep -q 'd=research.example.org' "$HD/log/a-dkim"

# 2. the same hosts again in another report: every routed row a duplicate
B=$(f_feed b --type scan_ntp --rows 300 --date 2026-11-29) || { echo "Bail out! feed-gen"; exit 1; }
exp=$(expect "$B" "$HD/pending.state")
f=$(h_send "$HD/feeds/b.eml" meldingen@meldpunt.test)
is "$(h_header "$f" X-Meldpunt-Outcome)" "queued" "second report: queued"
is "$(h_header "$f" X-Meldpunt-Summary)" "$(printf '%s\n' "$exp" | head -n 1)" "second report: its rows are duplicates, as computed"
# the first report's 10 rows with a bad address were not pending: now new
ok "second report: 290 duplicates, the 10 rows the first had invalid are new" bash -c "printf '%s' \"\$1\" | grep -q ': 10 pending for 1 contact, 290 duplicates'" _ "$(h_header "$f" X-Meldpunt-Summary)"
before=$(queue_groups)
is "$(printf '%s\n' "$before" | wc -l)" 3 "second report: still the three groups"

# 3. kill -9 during a 100,000-row report; the MTA retries
C=$(f_feed c --type scan_http_vulnerable --rows 100000 --date 2026-11-30) || { echo "Bail out! feed-gen"; exit 1; }
exp=$(expect "$C" "$HD/pending.state")
size0=$(stat -c %s "$HD/state.db")
$SENDER "$SMTP_PORT" 120 "$HD/feeds/c.eml" >"$HD/log/send-c.out" 2>&1 &
spid=$!
_grown() { [ "$(stat -c %s "$HD/state.db")" -gt $((size0 + 2000000)) ]; }
if h_wait_for 60 "the state DB to grow by the report's rows" _grown; then
	pid=$(h_milter_pid)
	kill -9 "$pid"; { wait "$pid"; } 2>/dev/null
	ok "kill -9 of the milter while it recorded the report" true
	h_start_milter "$CONF" || { echo "Bail out! milter did not restart"; exit 1; }
else
	ok "kill -9 of the milter while it recorded the report" false
fi
wait "$spid"
ok "100,000-row report: taken after the MTA's retry" grep -q '^sent ' "$HD/log/send-c.out"
ok "100,000-row report: the sender saw a 4xx for the killed attempt" grep -Eq 'tempfails=[1-9]' "$HD/log/send-c.out"
want=$( (printf '%s\n' "$before"; printf '%s\n' "$exp" | tail -n +2) | sort)
is "$(queue_groups | sort)" "$want" "after kill -9 and the retry: every row pending exactly once (groups and counts as computed)"
is "$(grep -c 'outcome=queued' "$HD/log/milter.log")" 3 "three reports queued in all"
diag "meldpunt-queue: $(tail -n 3 "$HD/log/queue.err")"
h_stop
done_testing
