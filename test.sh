#!/usr/bin/env bash
# The test command: installs the pinned Azurite and atproto devnet (npm) if needed, starts it on its default ports unless one is already
# listening, runs every test project with TRX output, stops what it started and prints the totals on the last line.
set -uo pipefail
cd "$(dirname "$0")"

if [ ! -f node_modules/azurite/dist/src/azurite.js ]; then
  npm ci --no-audit --no-fund >/dev/null
fi
# The reference atproto PDS + PLC for Backfill.Tests; returns at once when already installed.
bash tools/atproto-devnet/install.sh || echo "warning: the atproto devnet could not be installed; Backfill.Tests will fail" >&2

azurite_pid=""
cleanup() {
  # Azurite takes minutes to exit on SIGTERM once it has served requests: kill it outright.
  if [ -n "$azurite_pid" ]; then kill -9 "$azurite_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT INT TERM

if ! (exec 3<>/dev/tcp/127.0.0.1/10001) 2>/dev/null; then
  data=$(mktemp -d -t azurite-XXXXXX)
  node node_modules/azurite/dist/src/azurite.js --silent --loose --skipApiVersionCheck --disableTelemetry \
    --location "$data" --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 &
  azurite_pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null && break
    sleep 0.2
  done
fi

rm -rf TestResults
dotnet test Jetstream.Orleans.sln -c Release --logger trx --results-directory TestResults \
  --blame-hang-timeout 10m "$@"
status=$?
bash tools/ci/trx-totals.sh TestResults
exit $status
