#!/usr/bin/env bash
# Benchmarks TaskFlow's real code paths against a private PostgreSQL cluster with durable settings
# (fsync and synchronous_commit on, as in production). Usage: ./bench/run.sh [scenario ...]
# Scenarios: enqueue drain idle-latency fanout orchestrations steady scale (the default); on request: aged, queue-drain
# (starts Azurite), provider (the Durable Task Framework's dispatchers over TaskFlow's provider beside the server's own),
# auth, steady-1000, soak (30 minutes), overload (past saturation), provider-sequence and entities. Method: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
source scripts/azurite.sh

work=$(mktemp -d)
# TASKFLOW_BENCH_PG_OPTIONS adds server settings for a diagnosis (e.g. "-c log_checkpoints=on"); the server's log is
# then kept as bench/results/postgres-<UTC time>.log.
cleanup() {
  azurite_stop
  [[ -n ${cluster:-} ]] && pg_stop "$cluster"
  if [[ -n ${TASKFLOW_BENCH_PG_OPTIONS:-} && -f ${cluster:-}/server.log ]]; then
    mkdir -p bench/results && cp "$cluster/server.log" "bench/results/postgres-$(date -u +%Y%m%d-%H%M%S).log"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

pg_find_bin
cluster=$work/postgres
port=$(free_port)
[[ $(id -u) == 0 ]] && chown postgres: "$work"
pg_init "$cluster"
# shellcheck disable=SC2086 # the options are words on purpose
pg_start "$cluster" "$port" -c max_connections=200 -c shared_buffers=512MB ${TASKFLOW_BENCH_PG_OPTIONS:-}
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (fsync on, synchronous_commit on)" >&2

if [[ " $* " == *" queue-drain "* ]]; then
  node_tools_install
  azurite_port=$(free_port)
  azurite_start "$work/azurite" "$azurite_port"
  export TASKFLOW_BENCH_AZURITE=$(azurite_connection_string "$azurite_port")
fi

dotnet build bench/TaskFlow.Bench -c Release -nologo -v quiet >/dev/null
# The server as the image runs it (Dockerfile): published and compiled ahead of time (ReadyToRun), for this machine.
dotnet publish src/Server -c Release --use-current-runtime --no-self-contained -p:PublishReadyToRun=true -nologo -v quiet \
  -o "$work/server" >/dev/null
export TASKFLOW_BENCH_DURABLE_HOST=$PWD/tests/TaskFlow.DurableHost/bin/Release/net10.0/TaskFlow.DurableHost.dll
dotnet bench/TaskFlow.Bench/bin/Release/net10.0/TaskFlow.Bench.dll \
  "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Maximum Pool Size=50" \
  "$work/server/TaskFlow.Server.dll" \
  "$PWD/bench/results" "$@"
