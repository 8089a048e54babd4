#!/usr/bin/env bash
# Fan-out throughput of a running TaskFlow Function App (the Functions host with TaskFlow's provider, or Azure):
# submits the fan-out sample (COUNT echo activities in parallel, then a sum) ROUNDS times, one after another, and reads
# each run back from its history (timestamps written by PostgreSQL as the host's Durable dispatchers commit).
#
#   bench/functions-fanout.sh BASE_URL KEY [COUNT=1000] [ROUNDS=5]
#
# Per round: activities/s (COUNT over ExecutionStarted → ExecutionCompleted), episodes, and the activities' latency
# percentiles (each activity's TaskScheduled → TaskCompleted). When the host runs on this machine, the resident memory of
# the host and of the isolated worker after the rounds. Method and figures: docs/benchmarks.md ("Functions fan-out").
set -uo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 BASE_URL KEY [COUNT] [ROUNDS]" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is needed (apt-get install jq)." >&2; exit 2; }
base=${1%/}
key=$2
count=${3:-1000}
rounds=${4:-5}
auth="Authorization: ApiKey $key"
source "$(dirname "$0")/functions-run.sh"

printf '%-6s %8s %14s %9s %9s %9s %9s\n' round seconds activities/s episodes p50_ms p95_ms p99_ms
for round in $(seq 1 "$rounds"); do
  id=bench-fanout-$(date +%s)-$RANDOM
  run_task "$base" "$auth" "$id" "{\"type\":\"fan-out\",\"input\":{\"count\":$count,\"activity\":\"echo\"}}" 0.1 1200 || exit 1

  # The history, a page of 1,000 events at a time.
  history='[]'
  after=0
  while :; do
    page=$(curl -sS -m 30 "$base/api/tasks/$id/history?after=$after&limit=1000" -H "$auth")
    history=$(jq -s 'add' <(echo "$history") <(echo "$page"))
    [[ $(jq length <<<"$page") -lt 1000 ]] && break
    after=$(jq '.[-1].sequence' <<<"$page")
  done
  jq -r --argjson count "$count" --arg round "$round" '
    def ms: (.[0:19] + "Z" | fromdateiso8601) * 1000 + ((capture("\\.(?<f>[0-9]+)").f // "0") | "0." + . | tonumber * 1000);
    def pct(p): sort | .[((length - 1) * p | floor)];
    (map(select(.type == "ExecutionStarted"))[0].timestamp | ms) as $start
    | (map(select(.type == "ExecutionCompleted"))[-1].timestamp | ms) as $finish
    | (map(select(.type == "TaskScheduled") | {key: (.taskId | tostring), value: (.timestamp | ms)}) | from_entries) as $scheduled
    | [ .[] | select(.type == "TaskCompleted") | (.timestamp | ms) - $scheduled[(.taskId | tostring)] ] as $latency
    | [ $round, (($finish - $start) / 1000 * 1000 | round / 1000), ($count / (($finish - $start) / 1000) | round),
        (map(select(.type == "OrchestratorStarted")) | length),
        ($latency | pct(0.5) | round), ($latency | pct(0.95) | round), ($latency | pct(0.99) | round) ]
    | @tsv' <<<"$history" | awk -F'\t' '{printf "%-6s %8s %14s %9s %9s %9s %9s\n", $1, $2, $3, $4, $5, $6, $7}'
done

host=$(pgrep -f 'Microsoft.Azure.WebJobs.Script.WebHost.dll' | head -1)
worker=$(pgrep -f 'TaskFlow.Functions.dll' | head -1)
if [[ -n $host && -n $worker ]]; then
  echo "resident memory after the rounds: host $(($(ps -o rss= -p "$host") / 1024)) MiB, isolated worker $(($(ps -o rss= -p "$worker") / 1024)) MiB"
fi
