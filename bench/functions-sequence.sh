#!/usr/bin/env bash
# One-at-a-time latency of a running TaskFlow Function App (the Functions host with TaskFlow's provider, or Azure):
# submits the sequence sample (STEPS echo activities, one after another) ROUNDS times, each after the previous one
# ended, and reads each run back from its history (timestamps written by PostgreSQL as the host's Durable dispatchers
# commit), so the client's polling is not in the figures.
#
#   bench/functions-sequence.sh BASE_URL KEY [ROUNDS=200] [STEPS=3]
#
# Reports percentiles of submit → ExecutionCompleted (the Submitted event to the last one) and of the longest gap between
# two consecutive events of a run; a gap near the provider's poll interval is a missed wake-up (the work was ready, and
# no dispatcher was told). Method and figures: docs/benchmarks.md ("Functions sequence").
set -uo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 BASE_URL KEY [ROUNDS] [STEPS]" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is needed (apt-get install jq)." >&2; exit 2; }
base=${1%/}
key=$2
rounds=${3:-200}
steps=${4:-3}
auth="Authorization: ApiKey $key"
source "$(dirname "$0")/functions-run.sh"
runs=$(mktemp)
trap 'rm -f "$runs"' EXIT

for round in $(seq 1 "$rounds"); do
  id=bench-sequence-$(date +%s)-$RANDOM
  run_task "$base" "$auth" "$id" "{\"type\":\"sequence\",\"input\":{\"steps\":$steps}}" 0.02 600 || exit 1

  # Per run: total ms, and the longest gap between consecutive events with the event it ended at.
  curl -sS -m 30 "$base/api/tasks/$id/history" -H "$auth" | jq -r '
    def ms: (.[0:19] + "Z" | fromdateiso8601) * 1000 + ((capture("\\.(?<f>[0-9]+)").f // "0") | "0." + . | tonumber * 1000);
    map({type, at: (.timestamp | ms)}) as $events
    | [range(1; $events | length) | {gap: ($events[.].at - $events[. - 1].at), before: $events[.].type}] | max_by(.gap) as $longest
    | [($events[-1].at - $events[0].at), $longest.gap, $longest.before] | @tsv' >>"$runs"
done

# Percentiles (nearest rank) with jq, which the script needs anyway.
jq -R -s -r --arg rounds "$rounds" --arg steps "$steps" '
  [split("\n")[] | select(length > 0) | split("\t") | {total: (.[0] | tonumber), gap: (.[1] | tonumber), before: .[2]}] as $runs
  | def pct(p): sort | .[((length * p | ceil) - 1) | if . < 0 then 0 else . end] | . * 10 | round / 10;
  ($runs | map(select(.gap >= 500))) as $missed
  | "\($rounds) one-at-a-time \($steps)-step sequences",
    "submit -> completed ms: p50 \($runs | map(.total) | pct(.5))  p95 \($runs | map(.total) | pct(.95))  p99 \($runs | map(.total) | pct(.99))  max \($runs | map(.total) | pct(1))",
    "longest gap in a run ms: p50 \($runs | map(.gap) | pct(.5))  p99 \($runs | map(.gap) | pct(.99))  max \($runs | map(.gap) | pct(1))",
    "runs with a gap of 500 ms or more (missed wake-ups): \($missed | length) \($missed | group_by(.before) | map("[\(length) before \(.[0].before)]") | join(" "))"
' "$runs"
