#!/usr/bin/env python3
"""Changes one byte of the Ed25519 signature inside a bundle, in place, for format_bench.sh.

The byte is a digit of the base64 signature in the index.json.sig member (found with tarfile,
then by its "sig=" tag), replaced by another base64 digit, so that the bundle stays well formed
and `bundle verify` must refuse it as a signature that does not match (exit 10), not as a
malformed one. Prints the file offset of the changed byte.

Usage: flip_signature_byte.py BUNDLE
"""

import sys
import tarfile

SIG_MEMBER = "index.json.sig"
TAG = b" sig="


def signature_offset(path):
    with tarfile.open(path, "r:") as tar:
        for member in tar:
            if member.name == SIG_MEMBER:
                return member.offset_data, member.size
    sys.exit(f"{path}: no {SIG_MEMBER} member")


def main():
    path = sys.argv[1]
    start, size = signature_offset(path)
    with open(path, "r+b") as f:
        f.seek(start)
        text = f.read(size)
        if not text.startswith(b"bundle-signature-v1") or TAG not in text:
            sys.exit(f"{path}: {SIG_MEMBER} is not a bundle-signature-v1 line")
        offset = start + text.index(TAG) + len(TAG) + 20  # well inside the 88 base64 digits
        f.seek(offset)
        old = f.read(1)
        new = b"B" if old == b"A" else b"A"
        f.seek(offset)
        f.write(new)
    print(offset)


if __name__ == "__main__":
    main()
