"""Writes the CMS of the last signature in a PDF (the bytes between ByteRange's gap) as DER.
Usage: python3 extract-cms.py IN.pdf OUT.der   then: openssl cms -inform DER -in OUT.der -cmsout -print"""
import re, sys
pdf = open(sys.argv[1], 'rb').read()
a, b, c, d = map(int, re.findall(rb'/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)', pdf)[-1])
raw = bytes.fromhex(pdf[b + 1:c - 1].decode())
# The CMS is followed by zero padding: cut at the outer DER length (30 82 hi lo / 30 83 ...).
n = raw[1] & 0x7f if raw[1] & 0x80 else 0
length = int.from_bytes(raw[2:2 + n], 'big') + 2 + n if n else raw[1] + 2
open(sys.argv[2], 'wb').write(raw[:length])
