#!/usr/bin/env bash
# Runs TaskFlow (API + worker, role "all") on http://127.0.0.1:${TASKFLOW_PORT:-7071} against a private
# PostgreSQL cluster kept in .data/postgres (created on the first run, reused after).
# TASKFLOW_DISPATCH=azure-queue dispatches through Azure Queue Storage instead of LISTEN/NOTIFY: it installs
# Azurite (npm ci, pinned in package-lock.json) and runs its queue service on 127.0.0.1:${TASKFLOW_AZURITE_PORT:-10001}
# with its data in .data/azurite.
# Extra arguments go to TaskFlow, e.g. ./run.sh --TaskFlow:Worker:Concurrency=32
# Ctrl-C or SIGTERM stops TaskFlow, then Azurite and the database.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/postgres.sh
source scripts/azurite.sh

port=${TASKFLOW_PORT:-7071}
pg_port=${TASKFLOW_PG_PORT:-5433}
data=$PWD/.data/postgres
dispatch=${TASKFLOW_DISPATCH:-postgres}
[[ $dispatch == postgres || $dispatch == azure-queue ]] \
  || { echo "TASKFLOW_DISPATCH must be 'postgres' (the default) or 'azure-queue', not '$dispatch'." >&2; exit 2; }

pg_find_bin
pg_init "$data"
if [[ -f $data/postmaster.pid ]] && ! pg_as_owner "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  rm -f "$data/postmaster.pid"   # left by a crash; the server is not running
fi
pg_as_owner "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1 || pg_start "$data" "$pg_port"
"$PG_BIN/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'taskflow'" | grep -q 1 \
  || "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres taskflow
app=
stop() {
  trap - INT TERM EXIT
  [[ -n $app ]] && kill -TERM "$app" 2>/dev/null && wait "$app" 2>/dev/null
  azurite_stop
  pg_stop "$data"
  echo "TaskFlow stopped, and what it started with it."
}
trap stop INT TERM EXIT

# Azurite is installed even when this run does not use it: the Function App runs beside it (README, Functions section).
node_tools_install
if [[ $dispatch == azure-queue ]]; then
  azurite_port=${TASKFLOW_AZURITE_PORT:-10001}
  (exec 3<>"/dev/tcp/127.0.0.1/$azurite_port") 2>/dev/null \
    && { echo "Port $azurite_port is taken; set TASKFLOW_AZURITE_PORT to a free one." >&2; exit 1; }
  azurite_start "$PWD/.data/azurite" "$azurite_port"
  export TaskFlow__Dispatch__Mode=azure-queue
  export TaskFlow__Dispatch__QueueConnection="$(azurite_connection_string "$azurite_port")"
fi

echo "Building TaskFlow…"
dotnet build src/Server -c Release -nologo -v quiet >/dev/null

export ConnectionStrings__TaskFlow="Host=127.0.0.1;Port=$pg_port;Database=taskflow;Username=postgres"
# Authentication is on: the server keeps a development admin key in .data/dev-admin-key (reused while valid).
key_file=$PWD/.data/dev-admin-key
dotnet src/Server/bin/Release/net10.0/TaskFlow.Server.dll --urls "http://127.0.0.1:$port" \
  "--TaskFlow:Auth:DevelopmentKeyFile=$key_file" "$@" &
app=$!

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$app" 2>/dev/null || { echo "TaskFlow exited during start-up (see above)." >&2; exit 1; }
  sleep 0.2
done
for _ in $(seq 1 50); do [[ -s $key_file ]] && break; sleep 0.1; done
key=$(cat "$key_file" 2>/dev/null || echo "(authentication is off)")
cat <<TXT

TaskFlow is running on http://127.0.0.1:$port  (OpenAPI: /openapi.json, health: /healthz, /readyz, metrics: /metrics)
Dashboard:  http://127.0.0.1:$port/  (sign in with the key below)
PostgreSQL: $ConnectionStrings__TaskFlow
Dispatch:   $dispatch$([[ $dispatch == azure-queue ]] && echo " (Azurite queues on 127.0.0.1:$azurite_port)")

Development admin key (in $key_file; create others with POST /api/keys):
  $key

Submit a task:
  curl -sS -X POST http://127.0.0.1:$port/api/tasks -H "Authorization: ApiKey $key" -H 'Content-Type: application/json' -d '{"type":"echo","input":{"hello":"world"}}'
Then read it and its history (use the id from the answer):
  curl -sS http://127.0.0.1:$port/api/tasks/ID -H "Authorization: ApiKey $key"
  curl -sS http://127.0.0.1:$port/api/tasks/ID/history -H "Authorization: ApiKey $key"

Press Ctrl-C to stop.
TXT
wait "$app"
