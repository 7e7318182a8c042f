#!/usr/bin/python3
# mimepart.py FILE WHAT: print the decoded content of the first MIME part of
# FILE (a message, the smtp-sink pseudo headers skipped) that matches WHAT:
# a content type ("text/plain") or "filename=NAME". Exit 1 when none.
import email
import email.policy
import sys

raw = open(sys.argv[1], 'rb').read()
lines = raw.split(b'\n')
while lines and lines[0].startswith((b'X-Client-', b'X-Helo-', b'X-Mail-', b'X-Rcpt-')):
    lines.pop(0)
msg = email.message_from_bytes(b'\n'.join(lines), policy=email.policy.compat32)
want = sys.argv[2]
for part in msg.walk():
    if part.is_multipart():
        continue
    if want.startswith('filename='):
        if part.get_filename() != want[len('filename='):]:
            continue
    elif part.get_content_type() != want:
        continue
    sys.stdout.buffer.write(part.get_payload(decode=True) or b'')
    sys.exit(0)
sys.exit(1)
