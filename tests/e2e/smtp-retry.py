#!/usr/bin/python3
# smtp-retry.py - send files over SMTP as an MTA would: a 4xx reply, a
# dropped or refused connection is retried (bounded), a 5xx is final.
#
#   smtp-retry.py PORT DEADLINE FILE...
#
# Each FILE goes in its own SMTP transaction to the intake address, the
# envelope sender taken from its From: field. Lines printed, one a file:
#   sent FILE QID ATTEMPTS | refused FILE REPLY | gaveup FILE LAST-REPLY
# and at the end "summary sent=N refused=N gaveup=N tempfails=N".
# DEADLINE (seconds from start) bounds the whole run; exit 0 when every
# file was sent. SEND_GAP (environment, seconds) spaces the messages out.
import os
import re
import smtplib
import socket
import sys
import time

INTAKE = "meldingen@meldpunt.test"
PAUSE = 0.3		# between attempts of one message


def sender_of(data):
    m = re.search(rb"^From:.*?<([^>]+)>", data, re.M)
    return m.group(1).decode() if m else "reporter@example.net"


def attempt(port, sender, data):
    """One SMTP transaction: ('sent', qid) | ('temp', why) | ('perm', why)."""
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=30)
    except OSError as e:
        return "temp", "connect: %s" % e
    try:
        s.ehlo("retry.example.net")
        for step in (lambda: s.mail(sender), lambda: s.rcpt(INTAKE),
                     lambda: s.data(data)):
            code, text = step()
            text = text.decode(errors="replace")
            if code >= 500:
                return "perm", "%d %s" % (code, text)
            if code >= 400:
                return "temp", "%d %s" % (code, text)
        m = re.search(r"queued as (\w+)", text)
        return "sent", m.group(1) if m else "?"
    except (smtplib.SMTPException, OSError, socket.timeout) as e:
        return "temp", "%s: %s" % (type(e).__name__, e)
    finally:
        try:
            s.quit()
        except (smtplib.SMTPException, OSError):
            s.close()


def main():
    port, deadline = int(sys.argv[1]), time.time() + float(sys.argv[2])
    counts = dict(sent=0, refused=0, gaveup=0, tempfails=0)
    gap = float(os.environ.get("SEND_GAP", "0"))
    for path in sys.argv[3:]:
        time.sleep(gap)
        with open(path, "rb") as f:
            data = f.read()
        sender, tries = sender_of(data), 0
        while True:
            tries += 1
            what, info = attempt(port, sender, data)
            if what == "sent":
                counts["sent"] += 1
                print("sent %s %s %d" % (path, info, tries), flush=True)
                break
            if what == "perm":
                counts["refused"] += 1
                print("refused %s %s" % (path, info), flush=True)
                break
            counts["tempfails"] += 1
            if time.time() + PAUSE > deadline:
                counts["gaveup"] += 1
                print("gaveup %s %s" % (path, info), flush=True)
                break
            time.sleep(PAUSE)
    print("summary " + " ".join("%s=%d" % kv for kv in counts.items()),
          flush=True)
    return 0 if counts["sent"] == len(sys.argv) - 3 else 1


if __name__ == "__main__":
    sys.exit(main())
