#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs the oracle's one dependency (@litertjs/core, pinned in
# package.json / package-lock.json) into tools/oracle/node_modules.
# Needs Node 20 + npm and network access to the npm registry. Developer-only:
# make test does not use the oracle.
set -euo pipefail
cd "$(dirname "$0")"
command -v node >/dev/null || { echo "setup.sh: node not found (need Node 20: apt-get install nodejs npm)" >&2; exit 1; }
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
node -e "import('@litertjs/core').then(() => console.log('oracle ready: @litertjs/core ' + require('./node_modules/@litertjs/core/package.json').version))"
