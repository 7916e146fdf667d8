#!/usr/bin/env bash
# Runs the whole system on this machine: Azurite (from npm), the Silo, the Api and the WebhookConsumer, built once in
# Release. Waits until each is healthy, prints the URLs and the admin token, and stops everything it started on Ctrl-C.
#
#   Webhook__Url=https://example.com/hook ./run.sh    the public Jetstream, default collections, your webhook
#   ./run.sh --offline                                the Jetstream emulator and a local receiver that prints each delivery
#
# Options: --offline, --no-build (run what is already built), --help. Every other setting passes through from the
# environment as the hosts read it (Webhook__Secret, Jetstream__WantedCollections__0, Queue__Name, Api__AdminToken,
# ConnectionStrings__AzureStorage to use a storage account instead of Azurite, OTEL_EXPORTER_OTLP_ENDPOINT, ...).
# Ports and folders (environment, defaults in brackets): JETSTREAM_API_PORT [8080], JETSTREAM_SILO_PORT [8081],
# JETSTREAM_CONSUMER_PORT [8082], JETSTREAM_EMULATOR_PORT [6008], JETSTREAM_RECEIVER_PORT [9090],
# JETSTREAM_AZURITE_BLOB_PORT/_QUEUE_PORT/_TABLE_PORT [10000/10001/10002], Orleans__SiloPort [11111],
# Orleans__GatewayPort [30000], JETSTREAM_AZURITE_DIR [.azurite], JETSTREAM_LOG_DIR [.run/logs],
# JETSTREAM_CONFIGURATION [Release], JETSTREAM_EMULATOR_RATE [20 events/s], JETSTREAM_START_TIMEOUT [180 s].
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }

offline=0
build=1
for arg in "$@"; do
  case "$arg" in
    --offline) offline=1 ;;
    --no-build) build=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option '$arg' (see ./run.sh --help)" >&2; exit 2 ;;
  esac
done

api_port=${JETSTREAM_API_PORT:-8080}
silo_port=${JETSTREAM_SILO_PORT:-8081}
consumer_port=${JETSTREAM_CONSUMER_PORT:-8082}
emulator_port=${JETSTREAM_EMULATOR_PORT:-6008}
receiver_port=${JETSTREAM_RECEIVER_PORT:-9090}
blob_port=${JETSTREAM_AZURITE_BLOB_PORT:-10000}
queue_port=${JETSTREAM_AZURITE_QUEUE_PORT:-10001}
table_port=${JETSTREAM_AZURITE_TABLE_PORT:-10002}
azurite_dir=${JETSTREAM_AZURITE_DIR:-$root/.azurite}
log_dir=${JETSTREAM_LOG_DIR:-$root/.run/logs}
configuration=${JETSTREAM_CONFIGURATION:-Release}
emulator_rate=${JETSTREAM_EMULATOR_RATE:-20}
start_timeout=${JETSTREAM_START_TIMEOUT:-180}

fail() { echo "run.sh: $*" >&2; exit 1; }

if [ "$offline" = 0 ] && [ -z "${Webhook__Url:-}" ]; then
  cat >&2 <<EOF
run.sh: Webhook__Url is not set: the consumer needs the URL every event is POSTed to.
  Webhook__Url=https://your.host/hook ./run.sh     deliver the public Jetstream's events to your webhook
  ./run.sh --offline                               no network: the emulator feeds a local receiver that prints each delivery
EOF
  exit 2
fi

command -v dotnet >/dev/null || fail "the .NET 10 SDK (dotnet) is not on PATH: https://dot.net/download"
use_azurite=0
if [ -z "${ConnectionStrings__AzureStorage:-}" ]; then
  use_azurite=1
  command -v node >/dev/null || fail "Node.js is not on PATH; it runs Azurite, the storage emulator (or set ConnectionStrings__AzureStorage)."
fi

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# HTTP status of GET http://127.0.0.1:$1$2 (000 when nothing answers), without depending on curl.
http_status() {
  local status=000 line=""
  if { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null; then
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$2" "$1" >&3 2>/dev/null || true
    if IFS= read -r -t 5 line <&3 2>/dev/null; then
      status=$(echo "$line" | cut -d' ' -f2)
    fi
    exec 3<&- 3>&-
  fi
  echo "$status"
}

ports=("$api_port" "$silo_port" "$consumer_port" "${Orleans__SiloPort:-11111}" "${Orleans__GatewayPort:-30000}")
port_names=(JETSTREAM_API_PORT JETSTREAM_SILO_PORT JETSTREAM_CONSUMER_PORT Orleans__SiloPort Orleans__GatewayPort)
if [ "$use_azurite" = 1 ]; then
  ports+=("$blob_port" "$queue_port" "$table_port")
  port_names+=(JETSTREAM_AZURITE_BLOB_PORT JETSTREAM_AZURITE_QUEUE_PORT JETSTREAM_AZURITE_TABLE_PORT)
fi
if [ "$offline" = 1 ]; then
  ports+=("$emulator_port" "$receiver_port")
  port_names+=(JETSTREAM_EMULATOR_PORT JETSTREAM_RECEIVER_PORT)
fi
for i in "${!ports[@]}"; do
  if listening "${ports[$i]}"; then
    fail "port ${ports[$i]} is in use (is another run.sh running?); choose another with ${port_names[$i]}=<port>."
  fi
done

if [ "$use_azurite" = 1 ] && [ ! -f node_modules/azurite/dist/src/azurite.js ]; then
  echo "Installing Azurite (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

projects=(Silo/Silo.csproj Api/Api.csproj WebhookConsumer/WebhookConsumer.csproj)
if [ "$offline" = 1 ]; then
  projects+=(tools/Jetstream.Emulator/Jetstream.Emulator.csproj tools/WebhookReceiver/WebhookReceiver.csproj)
fi
mkdir -p "$log_dir"
log_dir=$(cd "$log_dir" && pwd)

if [ "$build" = 1 ]; then
  echo "Building ($configuration)..."
  : >"$log_dir/build.log"
  for project in "${projects[@]}"; do
    dotnet build "$project" -c "$configuration" --nologo >>"$log_dir/build.log" 2>&1 \
      || { grep -E "error|Error" "$log_dir/build.log" | tail -n 30 >&2; fail "the build of $project failed (full output: $log_dir/build.log)."; }
  done
fi

output_dir() { echo "$root/$(dirname "$1")/bin/$configuration/net10.0"; }
for project in "${projects[@]}"; do
  dll="$(output_dir "$project")/$(basename "$project" .csproj).dll"
  [ -f "$dll" ] || fail "$dll is missing: run without --no-build."
done

# Each service runs in its own session (setsid), so Ctrl-C reaches only this script, which then stops each process group
# in order; stdin is /dev/null so no .NET process touches the terminal.
pids=()
names=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ "${#pids[@]}" -gt 0 ]; then
    echo
    echo "Stopping..."
    # Keeps bash's "Killed" job notices off the terminal.
    exec 2>/dev/null
    local azurite_pid="" hosts=()
    for i in "${!pids[@]}"; do
      if [ "${names[$i]}" = azurite ]; then azurite_pid=${pids[$i]}; else hosts+=("${pids[$i]}"); fi
    done
    # The hosts first, while storage still answers, so the silo writes its last checkpoint; SIGKILL after 20 s.
    stop_groups TERM 200 "${hosts[@]}"
    stop_groups KILL 50 "${hosts[@]}"
    # Azurite takes minutes to exit on SIGTERM once it has served requests.
    [ -z "$azurite_pid" ] || stop_groups KILL 50 "$azurite_pid"
    wait
    echo "Stopped."
  fi
  exit "$status"
}

# stop_groups SIGNAL TENTHS PID...: signals each process group, then waits up to TENTHS/10 s for all of them to end.
stop_groups() {
  local signal=$1 tenths=$2
  shift 2
  [ "$#" -gt 0 ] || return 0
  for pid in "$@"; do kill "-$signal" -- "-$pid" || true; done
  for _ in $(seq 1 "$tenths"); do
    local alive=0
    for pid in "$@"; do
      if kill -0 -- "-$pid"; then alive=1; fi
    done
    [ "$alive" = 0 ] && return 0
    sleep 0.1
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME COMMAND...: runs COMMAND with its output in $log_dir/NAME.log.
start() {
  local name=$1
  shift
  setsid "$@" </dev/null >"$log_dir/$name.log" 2>&1 &
  pids+=("$!")
  names+=("$name")
}

# image_runtime_env PROJECT: the DOTNET_ runtime settings the project's container image sets (ENV lines of the
# Dockerfile beside it) as NAME=VALUE words, so the host runs here as in its image (some GC settings are read only from
# the environment, e.g. the Silo's DOTNET_GCGen1MaxBudget).
image_runtime_env() {
  local dockerfile
  dockerfile="$(dirname "$1")/Dockerfile"
  if [ -f "$dockerfile" ]; then sed -n 's/^ENV \(DOTNET_[A-Za-z0-9_]*=[^ ]*\)$/\1/p' "$dockerfile"; fi
}

# dotnet_host NAME PROJECT ARGS...: the built host, with its own folder as content root (for its appsettings.json) and
# its image's runtime settings.
dotnet_host() {
  local name=$1 project=$2
  shift 2
  local dir
  dir=$(output_dir "$project")
  # shellcheck disable=SC2046 # one word per NAME=VALUE
  start "$name" env $(image_runtime_env "$project") dotnet "$dir/$(basename "$project" .csproj).dll" --contentRoot "$dir" "$@"
}

pid_of() {
  for i in "${!names[@]}"; do
    if [ "${names[$i]}" = "$1" ]; then echo "${pids[$i]}"; fi
  done
}

# wait_healthy NAME PORT PATH: until GET answers 200; stops the run if the process exits or the time is up.
wait_healthy() {
  local name=$1 port=$2 path=$3 pid deadline
  pid=$(pid_of "$name")
  deadline=$((SECONDS + start_timeout))
  until [ "$(http_status "$port" "$path")" = 200 ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "run.sh: $name exited while starting; the end of $log_dir/$name.log:" >&2
      tail -n 30 "$log_dir/$name.log" >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "run.sh: $name was not healthy at http://127.0.0.1:$port$path within ${start_timeout} s; the end of $log_dir/$name.log:" >&2
      tail -n 30 "$log_dir/$name.log" >&2
      exit 1
    fi
    sleep 0.5
  done
}

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

if [ "$use_azurite" = 1 ]; then
  mkdir -p "$azurite_dir"
  start azurite node "$root/node_modules/azurite/dist/src/azurite.js" --silent --loose --skipApiVersionCheck --disableTelemetry \
    --disableProductStyleUrl --location "$azurite_dir" \
    --blobHost 127.0.0.1 --blobPort "$blob_port" --queueHost 127.0.0.1 --queuePort "$queue_port" \
    --tableHost 127.0.0.1 --tablePort "$table_port"
  export ConnectionStrings__AzureStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue_port/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1;"
  for _ in $(seq 1 150); do
    listening "$blob_port" && listening "$queue_port" && listening "$table_port" && break
    kill -0 "$(pid_of azurite)" 2>/dev/null || { tail -n 20 "$log_dir/azurite.log" >&2; fail "Azurite did not start."; }
    sleep 0.2
  done
fi

token_source="generated for this run"
if [ -n "${Api__AdminToken:-}" ]; then
  token_source="from Api__AdminToken"
else
  export Api__AdminToken="$(random_hex 24)"
fi

if [ "$offline" = 1 ]; then
  export Webhook__Secret="${Webhook__Secret:-whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')}"
  export Jetstream__Endpoints__0="ws://127.0.0.1:$emulator_port/subscribe"
  export Webhook__Url="http://127.0.0.1:$receiver_port/"
  dotnet_host emulator tools/Jetstream.Emulator/Jetstream.Emulator.csproj --urls "http://127.0.0.1:$emulator_port" \
    "--Emulator:EventsPerSecond=$emulator_rate" --Emulator:CommitShare=0.9 \
    --Emulator:Collections:0=work.doing.activity --Emulator:Collections:1=blue.2048.game
  start receiver dotnet "$(output_dir tools/WebhookReceiver/WebhookReceiver.csproj)/WebhookReceiver.dll" \
    --port "$receiver_port" --secret "$Webhook__Secret"
fi

echo "Starting the Silo, the Api and the WebhookConsumer (logs in $log_dir)..."
dotnet_host silo Silo/Silo.csproj --urls "http://127.0.0.1:$silo_port"
dotnet_host api Api/Api.csproj --urls "http://127.0.0.1:$api_port"
dotnet_host consumer WebhookConsumer/WebhookConsumer.csproj --urls "http://127.0.0.1:$consumer_port"

if [ "$offline" = 1 ]; then
  wait_healthy emulator "$emulator_port" /health
  until grep -q "listening on" "$log_dir/receiver.log" 2>/dev/null; do
    kill -0 "$(pid_of receiver)" 2>/dev/null || { tail -n 20 "$log_dir/receiver.log" >&2; fail "the webhook receiver did not start."; }
    sleep 0.2
  done
fi
wait_healthy silo "$silo_port" /health/ready
wait_healthy api "$api_port" /health/ready
wait_healthy consumer "$consumer_port" /health

api="http://127.0.0.1:$api_port"
cat <<EOF

Jetstream.Orleans is running$([ "$offline" = 1 ] && echo " offline (Jetstream emulator, printing webhook receiver)").
  Stats dashboard     $api/stats/html
  Stats (JSON)        $api/stats
  Orleans Dashboard   $api/dashboard/  (user: any, password: the admin token)
  Metrics             $api/metrics  http://127.0.0.1:$silo_port/metrics  http://127.0.0.1:$consumer_port/metrics
  Admin token         $Api__AdminToken  ($token_source)
                      curl -X POST -H "Authorization: Bearer $Api__AdminToken" $api/reconnect
  Jetstream           ${Jetstream__Endpoints__0:-the public Jetstream}$([ "$offline" = 1 ] && echo " (emulator, $emulator_rate events/s)")
  Webhook             $Webhook__Url
  Logs                $log_dir
Press Ctrl-C to stop everything.
EOF

if [ "$offline" = 1 ]; then
  echo
  echo "Deliveries (printed by the webhook receiver):"
  setsid tail -n +2 -f "$log_dir/receiver.log" </dev/null &
  pids+=("$!")
  names+=("tail")
fi

# Ends when a service exits on its own (the EXIT trap then stops the rest) or at Ctrl-C.
set +e
service_pids=()
for i in "${!names[@]}"; do
  [ "${names[$i]}" = tail ] || service_pids+=("${pids[$i]}")
done
wait -n "${service_pids[@]}"
for i in "${!names[@]}"; do
  if [ "${names[$i]}" != tail ] && ! kill -0 "${pids[$i]}" 2>/dev/null; then
    echo "run.sh: ${names[$i]} exited; the end of $log_dir/${names[$i]}.log:" >&2
    tail -n 30 "$log_dir/${names[$i]}.log" >&2
  fi
done
exit 1
