#!/usr/bin/env python3
"""Writes the write_files of a #cloud-config user-data under a root folder, as cloud-init's
write_files module would on the node (content decoded from gz+b64 where so marked; the mode
applied; owners left out, since tests do not run as the node's users). A test's stand-in for the
part of cloud-init that runs before the node agent, not cloud-init itself.

Usage: apply_user_data.py USER_DATA ROOT
"""
import base64
import gzip
import os
import sys

import yaml


def main() -> int:
    user_data, root = sys.argv[1], sys.argv[2]
    with open(user_data, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    for entry in doc.get("write_files", []):
        content = entry.get("content", "")
        encoding = entry.get("encoding", "")
        if encoding in ("gz+b64", "gzip+base64"):
            data = gzip.decompress(base64.b64decode(content))
        elif encoding in ("b64", "base64"):
            data = base64.b64decode(content)
        else:
            data = content.encode("utf-8")
        path = root + entry["path"]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, int(entry.get("permissions", "0644"), 8))
    return 0


if __name__ == "__main__":
    sys.exit(main())
