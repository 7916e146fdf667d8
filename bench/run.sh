#!/usr/bin/env bash
# The pipeline benchmark (issue 6): installs Azurite from package-lock.json if it is missing, builds Release, runs
# every scenario and its limits on the hosts published ReadyToRun, and writes docs/performance.md. Extra arguments go to the benchmark (--quick, --no-micro).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/azurite/dist/src/azurite.js ]; then
  npm ci --no-audit --no-fund
fi
# The hosts as run.sh and the images run them: published ReadyToRun (docs/cold-start.md).
hosts=artifacts/hosts
for host in Silo WebhookConsumer Api; do
  dotnet publish "$host" -c Release -o "$hosts/$host" --nologo -v quiet -clp:ErrorsOnly -p:UseAppHost=false
done
exec dotnet run -c Release --project bench/Pipeline -- --hosts "$hosts" "$@"
