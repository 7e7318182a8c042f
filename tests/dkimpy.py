#!/usr/bin/python3
# dkimpy.py - the independent DKIM verifier for the tests: Debian's dkimpy
# (python3-dkim), with DNS answers from a local file of
# "selector._domainkey.domain TXT-content" lines. Run with /usr/bin/python3.
#   dkimpy.py KEYS verify FILE IDX      exit 0 when signature IDX verifies
#   dkimpy.py KEYS SELECTOR KEYFILE MSG ALG [l]   print MSG signed by dkimpy
import sys
import dkim

keys = {}
for line in open(sys.argv[1], 'rb'):
    line = line.strip()
    if line and not line.startswith(b'#'):
        name, txt = line.split(None, 1)
        keys[name.rstrip(b'.').lower()] = txt

def dnsfunc(name, timeout=5):
    return keys.get(name.rstrip(b'.').lower())

def verify(path, idx):
    msg = open(path, 'rb').read()
    try:
        return dkim.DKIM(msg).verify(idx=idx, dnsfunc=dnsfunc)
    except dkim.DKIMException as e:
        print('dkimpy:', e)
        return False

def sign(path, selector, keyfile, length):
    msg = open(path, 'rb').read()
    sig = dkim.sign(msg, selector, b'reporter.example', open(keyfile, 'rb').read(),
                    canonicalize=(b'relaxed', b'relaxed'),
                    signature_algorithm=sys.argv[5].encode(),
                    include_headers=[b'from', b'to', b'subject'], length=length)
    sys.stdout.buffer.write(sig + msg)
    return True

if sys.argv[2] == 'verify':
    ok = verify(sys.argv[3], int(sys.argv[4]))
    print('dkimpy verify idx', sys.argv[4], '->', ok)
    sys.exit(0 if ok else 1)
else:
    sign(sys.argv[3], sys.argv[2].encode(), sys.argv[4], len(sys.argv) > 6)
