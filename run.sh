#!/usr/bin/env bash
# Runs the whole system on this machine through its Aspire AppHost (AppHost/): Azurite (from npm), two silos, the Api
# and the WebhookConsumer, with the Aspire dashboard showing each one's console, logs, traces and metrics. Prints the
# URLs and the admin token once every resource is healthy; Ctrl-C stops everything it started.
#
#   Webhook__Url=https://example.com/hook ./run.sh    the public Jetstream, default collections, your webhook
#   ./run.sh --offline                                the Jetstream emulator and a local receiver that prints each delivery
#
# Options: --offline, --no-build (run what is already built and published), --help. Settings pass through from the environment as
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
# The hosts run published ReadyToRun (precompiled: less CPU in their first minute, docs/cold-start.md). The AppHost
# starts each with `dotnet run`, which runs the published build when JETSTREAM_HOSTS_DIR names it (Directory.Build.targets).
hosts_dir="${JETSTREAM_HOSTS_DIR:-$PWD/artifacts/hosts}"
if [ "$build" = 1 ]; then
  echo "Building ($configuration)..."
  dotnet build AppHost -c "$configuration" --nologo -v quiet -clp:ErrorsOnly
  for host in Silo WebhookConsumer Api; do
    dotnet publish "$host" -c "$configuration" -o "$hosts_dir/$host" --nologo -v quiet -clp:ErrorsOnly -p:UseAppHost=false
  done
fi
if [ -f "$hosts_dir/Silo/Silo.dll" ] && [ -f "$hosts_dir/WebhookConsumer/WebhookConsumer.dll" ] && [ -f "$hosts_dir/Api/Api.dll" ]; then
  export JETSTREAM_HOSTS_DIR="$hosts_dir"
else
  # --no-build before any publish: the build output, without the precompiled code.
  echo "run.sh: no published hosts in $hosts_dir; running the build output (run without --no-build to publish them)." >&2
  unset JETSTREAM_HOSTS_DIR
fi

# The dashboard on loopback over plain http (no development certificate needed), its OTLP receiver beside it.
export ASPNETCORE_URLS="http://127.0.0.1:${JETSTREAM_DASHBOARD_PORT:-18888}"
export ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="http://127.0.0.1:${JETSTREAM_OTLP_PORT:-18889}"
export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true

# Every process of this run inherits JETSTREAM_RUN: Aspire's orchestrator (DCP) runs detached from the AppHost and ends
# a few seconds after it, so this script waits for all of them before it returns (and kills what is left after 30 s).
export JETSTREAM_RUN="$$-$RANDOM$RANDOM"
# /proc/<pid>/environ of each live process of the run (grep runs without the variable, so it never finds itself).
run_processes() { env -u JETSTREAM_RUN grep -lsz "^JETSTREAM_RUN=$JETSTREAM_RUN\$" /proc/[0-9]*/environ; }
finish() {
  trap - INT TERM
  kill -TERM "$apphost" 2>/dev/null || true
  wait "$apphost" 2>/dev/null || true
  for _ in $(seq 1 150); do [ -z "$(run_processes)" ] && break; sleep 0.2; done
  for environ in $(run_processes); do environ=${environ#/proc/}; kill -KILL "${environ%/environ}" 2>/dev/null || true; done
  [ "$1" -lt 128 ] || echo "Stopped."
  exit "$1"
}

# The AppHost runs in its own session, so Ctrl-C reaches this script alone and is passed on once, as SIGTERM (a
# background job of a script starts with SIGINT ignored); the AppHost then stops every resource, Azurite included.
setsid dotnet "AppHost/bin/$configuration/net10.0/AppHost.dll" --contentRoot "$PWD/AppHost" "${args[@]}" </dev/null &
apphost=$!
trap 'echo; echo "Stopping..."; finish 130' INT
trap 'echo; echo "Stopping..."; finish 143' TERM
status=0
wait "$apphost" || status=$?
finish "$status"
