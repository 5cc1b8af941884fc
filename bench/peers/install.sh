#!/bin/sh
# Installs the peer implementations at the versions package-lock.json pins
# (ts-mls and what it imports) into bench/peers/node_modules. `cgkalab
# bench peers` runs the same when node_modules is missing.
set -eu
cd "$(dirname "$0")"
command -v npm >/dev/null 2>&1 || { echo "install.sh: npm not found (Node.js 20 or later with npm is needed)" >&2; exit 1; }
exec npm ci --no-audit --no-fund
