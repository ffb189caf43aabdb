#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The udev rules cover both USB identities of the stick (boot ROM and
# runtime), give group fieldscope access, and parse as udev rules
# (udevadm's own checker when this udev has it).
set -u
top=${FS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
rules="$top/drivers/edgetpu/99-fieldscope-edgetpu.rules"
[ -f "$rules" ] || { echo "FAIL udev_rules: $rules missing"; exit 1; }
for id in '"1a6e".*"089a"' '"18d1".*"9302"'; do
  if grep -v '^#' "$rules" | grep -E "idVendor\}==$id" | grep -q 'GROUP="fieldscope"'; then
    echo "PASS udev_rules/$(echo "$id" | tr -d '".*' | sed 's/^\(....\)/\1:/')"
  else
    echo "FAIL udev_rules: no rule with $id and GROUP=\"fieldscope\""
  fi
done
if udevadm verify --help >/dev/null 2>&1; then
  if udevadm verify "$rules" >/dev/null 2>&1; then echo "PASS udev_rules/verify"
  else echo "FAIL udev_rules/verify: $(udevadm verify "$rules" 2>&1 | head -n 3 | tr '\n' ' ')"; fi
fi
