#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs the Debian packages fieldscope needs. As root it runs apt-get;
# otherwise it prints the exact command to run and fails.
set -u
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/fieldscope-deps.log 2>&1 \
    || { echo "deps: apt-get failed, see /tmp/fieldscope-deps.log"; tail -5 /tmp/fieldscope-deps.log; exit 1; }
else
  echo "deps: missing Debian packages; run as root:"
  echo "  sudo $cmd"
  exit 1
fi
