#!/usr/bin/env bash
# Runs the whole system on this machine through its Aspire AppHost (AppHost/): Azurite (from npm), two silos, the Api
# and the WebhookConsumer, with the Aspire dashboard showing each one's console, logs, traces and metrics. Prints the
# URLs and the admin token once every resource is healthy; Ctrl-C stops everything it started.
#
#   Webhook__Url=https://example.com/hook ./run.sh    the public Jetstream, default collections, your webhook
#   ./run.sh --offline                                the Jetstream emulator and a local receiver that prints each delivery
#
# Options: --offline, --no-build (run what is already built), --help. Settings pass through from the environment as
# the hosts read them (Webhook__Secret, Jetstream__WantedCollections__0, Api__AdminToken, ConnectionStrings__AzureStorage
# for a storage account instead of Azurite, ...). Ports and folders: docs/run.md (JETSTREAM_*_PORT, JETSTREAM_*_DIR).
set -euo pipefail
cd "$(dirname "$0")"

build=1
args=()
for arg in "$@"; do
  case "$arg" in
    --offline) args+=("$arg") ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option '$arg' (see ./run.sh --help)" >&2; exit 2 ;;
  esac
done

command -v dotnet >/dev/null || { echo "run.sh: the .NET 10 SDK (dotnet) is not on PATH: https://dot.net/download" >&2; exit 1; }
if [ -z "${ConnectionStrings__AzureStorage:-}" ] && [ ! -f node_modules/azurite/dist/src/azurite.js ]; then
  command -v npm >/dev/null || { echo "run.sh: Node.js (npm) is not on PATH; it runs Azurite, the storage emulator." >&2; exit 1; }
  echo "Installing Azurite (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

configuration=${JETSTREAM_CONFIGURATION:-Release}
if [ "$build" = 1 ]; then
  echo "Building ($configuration)..."
  dotnet build AppHost -c "$configuration" --nologo -v quiet -clp:ErrorsOnly
fi

# The dashboard on loopback over plain http (no development certificate needed), its OTLP receiver beside it.
export ASPNETCORE_URLS="http://127.0.0.1:${JETSTREAM_DASHBOARD_PORT:-18888}"
export ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="http://127.0.0.1:${JETSTREAM_OTLP_PORT:-18889}"
export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true

# The AppHost runs in its own session, so Ctrl-C reaches this script alone and is passed on once, as SIGTERM: a
# background job of a script starts with SIGINT ignored. The AppHost then stops every resource (Aspire's orchestrator
# ends their processes, Azurite included) and exits; this script waits for that.
setsid dotnet "AppHost/bin/$configuration/net10.0/AppHost.dll" --contentRoot "$PWD/AppHost" "${args[@]}" </dev/null &
apphost=$!
trap 'kill -TERM "$apphost" 2>/dev/null; wait "$apphost"; exit 130' INT
trap 'kill -TERM "$apphost" 2>/dev/null; wait "$apphost"; exit 143' TERM
wait "$apphost"
