#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ini_set.py FILE SECTION.KEY=VALUE...: sets keys in an INI file in place,
replacing a key already there and adding a missing section at the end.
The firmware rejects repeated sections and keys (issue 12), so tests that
override a generated config must edit it rather than append to it."""
import re
import sys


def main():
    path = sys.argv[1]
    lines = open(path, encoding="utf-8", errors="surrogateescape").read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for kv in sys.argv[2:]:
        sk, value = kv.split("=", 1)
        section, key = sk.split(".", 1)
        cur, sec_end, done = None, None, False
        for i, line in enumerate(lines):
            m = re.match(r"\s*\[\s*([^\]]*?)\s*\]\s*$", line)
            if m:
                cur = m.group(1)
                continue
            if cur == section:
                sec_end = i + 1
                km = re.match(r"\s*([^=#;]+?)\s*=", line)
                if km and km.group(1) == key:
                    lines[i] = f"{key} = {value}"
                    done = True
                    break
        if done:
            continue
        if sec_end is None:
            hdr = [i for i, l in enumerate(lines) if re.match(r"\s*\[\s*" + re.escape(section) + r"\s*\]", l)]
            if hdr:
                lines.insert(hdr[0] + 1, f"{key} = {value}")
            else:
                lines += [f"[{section}]", f"{key} = {value}"]
        else:
            lines.insert(sec_end, f"{key} = {value}")
    open(path, "w", encoding="utf-8", errors="surrogateescape").write("\n".join(lines) + "\n")


main()
