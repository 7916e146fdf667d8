#!/usr/bin/env bash
# The pipeline benchmark (issue 6): installs Azurite from package-lock.json if it is missing, builds Release, runs
# every scenario and its limits, and writes docs/performance.md. Extra arguments go to the benchmark (--quick, --no-micro).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/azurite/dist/src/azurite.js ]; then
  npm ci --no-audit --no-fund
fi
exec dotnet run -c Release --project bench/Pipeline -- "$@"
