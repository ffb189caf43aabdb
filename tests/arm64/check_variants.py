#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Reads `fsnn info --json` on stdin; checks each CONV_2D op got kernel
variant WANT_CONV and each DEPTHWISE_CONV_2D op "neon".

Usage: check_variants.py CPU_NAME WANT_CONV   (CPU_NAME only names the case)
Prints SKIP while fsnn info shows no variants.
"""
import json
import sys

cpu, want_conv = sys.argv[1], sys.argv[2]
ops = json.load(sys.stdin)["ops"]
if not any("variant" in o for o in ops):
    print(f"SKIP info_variants_{cpu}: fsnn info --json shows no kernel variants yet")
    sys.exit(0)
want = {"CONV_2D": want_conv, "DEPTHWISE_CONV_2D": "neon"}
bad = [f"op {o['index']} {o['name']}: {o.get('variant')}" for o in ops
       if o["name"] in want and o.get("variant") != want[o["name"]]]
if bad:
    print(f"FAIL info_variants_{cpu}: expected CONV_2D {want_conv} and DEPTHWISE_CONV_2D neon; "
          f"{len(bad)} ops differ, e.g. {'; '.join(bad[:3])}")
    sys.exit(1)
print(f"PASS info_variants_{cpu} (CONV_2D: {want_conv}, DEPTHWISE_CONV_2D: neon)")
