#!/usr/bin/python3
"""list-check.py EXPECTED COLUMNS SINKFILE...

Checks list notifications (the sender's) row by row against the input.
EXPECTED holds one line per row that must be sent: "contact TAB ip TAB
port". COLUMNS is the feed's header line (comma-separated, as the CSV has
it). Each SINKFILE is a message as smtp-sink wrote it (its X-Rcpt-Args
pseudo header names the recipient). Every CSV attachment (text/csv, or
a .csv inside an application/zip) is read; its header must be COLUMNS,
its rows are counted per recipient.

Prints "notices=N rows=M missing=K extra=J repeated=R" and, per problem,
a line; exit 0 only when every expected row was sent exactly once, to its
contact, and nothing else was.
"""
import collections
import csv
import email
import email.policy
import io
import sys
import zipfile


def load(path):
    raw = open(path, "rb").read()
    lines = raw.split(b"\n")
    rcpts = []
    while lines and lines[0].startswith((b"X-Client-", b"X-Helo-", b"X-Mail-", b"X-Rcpt-")):
        line = lines.pop(0).decode("ascii", "replace")
        if line.startswith("X-Rcpt-Args: <"):
            rcpts.append(line[len("X-Rcpt-Args: <"):].split(">")[0])
    msg = email.message_from_bytes(b"\n".join(lines), policy=email.policy.compat32)
    return rcpts, msg


def tables(msg):
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        data = part.get_payload(decode=True) or b""
        if ctype == "text/csv":
            yield part.get_filename(), data
        elif ctype == "application/zip":
            z = zipfile.ZipFile(io.BytesIO(data))
            for name in z.namelist():
                if name.endswith(".csv"):
                    yield name, z.read(name)


def main():
    expected = collections.Counter()
    for line in open(sys.argv[1]):
        if line.strip():
            c, ip, port = line.rstrip("\n").split("\t")
            expected[(c.lower(), ip, port)] += 1
    columns = next(csv.reader([sys.argv[2]]))
    got = collections.Counter()
    problems = []
    notices = 0
    for path in sys.argv[3:]:
        rcpts, msg = load(path)
        notices += 1
        if len(rcpts) != 1:
            problems.append("%s: %d recipients, want 1" % (path, len(rcpts)))
            continue
        found = 0
        for name, data in tables(msg):
            found += 1
            rdr = csv.reader(io.StringIO(data.decode("utf-8")))
            head = next(rdr, [])
            if head != columns:
                problems.append("%s: %s has columns %s" % (path, name, head[:6]))
            for row in rdr:
                r = dict(zip(head, row))
                got[(rcpts[0].lower(), r.get("ip", r.get("src_ip", "")), r.get("port", ""))] += 1
        if found == 0:
            problems.append("%s: no CSV attachment" % path)
    missing = expected - got
    extra = got - expected
    repeated = sum(1 for k, v in got.items() if v > 1)
    for k in list(missing)[:5]:
        problems.append("missing: %s %s %s" % k)
    for k in list(extra)[:5]:
        problems.append("extra or repeated: %s %s %s" % k)
    print("notices=%d rows=%d missing=%d extra=%d repeated=%d"
          % (notices, sum(got.values()), sum(missing.values()),
             sum(extra.values()), repeated))
    for p in problems:
        print(p)
    sys.exit(0 if not problems else 1)


main()
