#!/usr/bin/env python3
"""Re-make id-words.txt, kunci's Indonesian word list, from the Sastrawi package on PyPI.

Usage (standard library only; see README.md in this folder):

    pip download --no-deps Sastrawi==1.0.1          # the wheel; the sdist works too
    python3 make-id-words.py Sastrawi-1.0.1-py2.py3-none-any.whl > id-words.txt

The script reads Sastrawi/Stemmer/data/kata-dasar.txt out of the downloaded wheel or sdist
(both are zip files holding the same bytes), checks that file's SHA-256 so that a different
upstream list is noticed instead of silently committed, and prints the processed list:

1. each line is lower-cased and stripped;
2. a line that is a hyphenated compound ("basa-basi") gives its parts and the parts joined
   without the hyphen ("basabasi"), since passwords seldom keep the hyphen;
3. any other line gives each of its runs of letters a-z (the one damaged line,
   'oper "v,"', gives "oper");
4. words shorter than 3 letters are dropped;
5. the words are deduplicated and sorted by code point (plain alphabetical for a-z),
   one a line, each line ending in "\\n".

The order is alphabetical because kunci binary-searches the list; the zxcvbn rank of a word
comes from its length, not from its line (see README.md).
"""

import hashlib
import re
import sys
import zipfile

MEMBER_SUFFIX = "Sastrawi/Stemmer/data/kata-dasar.txt"
MEMBER_SHA256 = "4dcef937328702073de33361127626399ddc7da8e45a03cde6e3b609a1e11076"
MIN_LETTERS = 3

COMPOUND = re.compile(r"^[a-z]+(-[a-z]+)+$")
LETTERS = re.compile(r"[a-z]+")


def read_member(archive_path):
    with zipfile.ZipFile(archive_path) as archive:
        names = [n for n in archive.namelist() if n.endswith(MEMBER_SUFFIX)]
        if len(names) != 1:
            sys.exit(f"{archive_path}: expected one {MEMBER_SUFFIX}, found {names}")
        data = archive.read(names[0])
    digest = hashlib.sha256(data).hexdigest()
    if digest != MEMBER_SHA256:
        sys.exit(f"{names[0]} has SHA-256 {digest}, expected {MEMBER_SHA256}: "
                 "not the list README.md describes")
    return data.decode("utf-8")


def words(text):
    out = set()
    for line in text.splitlines():
        line = line.strip().lower()
        if COMPOUND.match(line):
            parts = line.split("-")
            candidates = parts + ["".join(parts)]
        else:
            candidates = LETTERS.findall(line)
        out.update(w for w in candidates if len(w) >= MIN_LETTERS)
    return sorted(out)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.stdout.buffer
    for word in words(read_member(sys.argv[1])):
        out.write(word.encode("ascii") + b"\n")


if __name__ == "__main__":
    main()
