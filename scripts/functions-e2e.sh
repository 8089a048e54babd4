#!/usr/bin/env bash
# A user's smoke test of a running TaskFlow Function App (func start, the Functions host, or Azure): runs every example of
# the README's Functions section and checks the documented answers, Durable's own HTTP API included.
#
#   scripts/functions-e2e.sh BASE_URL KEY        e.g. scripts/functions-e2e.sh http://localhost:7071 "$(cat .data/dev-admin-key)"
#
# KEY is a TaskFlow API key with the admin role. Durable's HTTP API (/runtime/webhooks/durabletask/…) is guarded by the
# host's keys: set DURABLE_KEY to the host's master key or its durabletask_extension system key (func start needs none).
# Needs curl and jq. Prints one line per check and exits non-zero if any failed.
set -uo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 BASE_URL KEY" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is needed (apt-get install jq)." >&2; exit 2; }
base=${1%/}
key=$2
durable_code=${DURABLE_KEY:+code=$DURABLE_KEY}
run=$(date +%s)-$RANDOM
passed=0
failed=0

check() { # check NAME CONDITION-RESULT DETAIL
  if [[ $2 == true ]]; then
    passed=$((passed + 1)); echo "ok    $1"
  else
    failed=$((failed + 1)); echo "FAIL  $1: $3"
  fi
}

# call METHOD PATH [BODY]: sets $status and $body.
call() {
  local method=$1 path=$2 data=${3:-}
  local args=(-sS -m 30 -X "$method" -H "Authorization: ApiKey $key" -w '\n%{http_code}')
  [[ -n $data ]] && args+=(-H 'Content-Type: application/json' -d "$data")
  local out
  out=$(curl "${args[@]}" "$base$path" 2>&1)
  status=${out##*$'\n'}
  body=${out%$'\n'*}
}

durable() { # durable METHOD PATH-UNDER-WEBHOOK [QUERY]: Durable's HTTP API, with the host key when given.
  local method=$1 path=$2 query=${3:-}
  query=$(printf '%s' "$query${query:+${durable_code:+&}}$durable_code")
  local out
  out=$(curl -sS -m 30 -X "$method" -w '\n%{http_code}' "$base/runtime/webhooks/durabletask$path${query:+?$query}" 2>&1)
  status=${out##*$'\n'}
  body=${out%$'\n'*}
}

# wait_for ID STATUS...: polls the task until its status is one of STATUS (60 s); leaves it in $body.
wait_for() {
  local id=$1; shift
  for _ in $(seq 1 120); do
    call GET "/api/tasks/$id"
    local now
    now=$(jq -r '.status // empty' <<<"$body" 2>/dev/null)
    for wanted in "$@"; do [[ $now == "$wanted" ]] && return 0; done
    sleep 0.5
  done
  return 1
}

json() { jq -r "$1" <<<"$body" 2>/dev/null; }

# Health, with no key.
status=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' "$base/healthz")
check "GET /healthz answers 200" "$([[ $status == 200 ]] && echo true)" "status $status"
status=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' "$base/readyz")
check "GET /readyz answers 200 (database reachable, migrations applied)" "$([[ $status == 200 ]] && echo true)" "status $status"

# Who may call it.
status=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' "$base/api/tasks")
check "no key: 401" "$([[ $status == 401 ]] && echo true)" "status $status"
call GET /api/statuses
check "GET /api/statuses: seven statuses, the last three finished" \
  "$([[ $status == 200 && $(json '[.[].name] | join(",")') == scheduled,pending,running,suspended,succeeded,failed,cancelled && $(json '[.[] | select(.finished) | .name] | join(",")') == succeeded,failed,cancelled ]] && echo true)" "status $status: $body"
call POST /api/tasks '{"type":"no-such-type"}'
check "an unknown type: 400 problem+json naming the field" "$([[ $status == 400 && $(json '.errors | keys | join(",")') == *type* ]] && echo true)" "status $status: $body"

# The README's fan-out: 100 activities, summed.
order=order-$run
call POST /api/tasks "{\"id\":\"$order\",\"type\":\"fan-out\",\"input\":{\"count\":100,\"activity\":\"echo\"}}"
check "POST fan-out: 202" "$([[ $status == 202 ]] && echo true)" "status $status: $body"
wait_for "$order" succeeded failed cancelled
check "fan-out succeeds with {\"count\":100,\"sum\":4950}" "$([[ $(json .status) == succeeded && $(json .output.sum) == 4950 && $(json .output.count) == 100 ]] && echo true)" "$body"
call GET "/api/tasks/$order/history"
check "its history: ExecutionStarted, 100 TaskScheduled, 100 TaskCompleted, ExecutionCompleted" \
  "$([[ $(json '[.[] | select(.type == "TaskScheduled")] | length') == 100 && $(json '[.[] | select(.type == "TaskCompleted")] | length') == 100 && $(json '[.[] | .type] | index("ExecutionStarted") != null and index("ExecutionCompleted") != null') == true ]] && echo true)" \
  "$(json '[.[] | .type] | group_by(.) | map("\(.[0])×\(length)") | join(" ")')"
check "an activity's input in the history is the one it was given (0, not the framework's [0])" \
  "$([[ $(json '[.[] | select(.type == "TaskScheduled")][0].payload.input') == 0 ]] && echo true)" "$(json '[.[] | select(.type == "TaskScheduled")][0]')"

# A single-activity task reads as submitted.
echo_id=echo-$run
call POST /api/tasks "{\"id\":\"$echo_id\",\"type\":\"echo\",\"input\":{\"hello\":\"world\"}}"
wait_for "$echo_id" succeeded failed cancelled
check "echo succeeds with its input as output, type echo, kind activity" \
  "$([[ $(json .status) == succeeded && $(json .output.hello) == world && $(json .type) == echo && $(json .kind) == activity ]] && echo true)" "$body"

# The README's flaky task: fails twice, succeeds on its third attempt.
flaky=flaky-$run
call POST /api/tasks "{\"id\":\"$flaky\",\"type\":\"flaky\",\"input\":{\"failures\":2},\"retry\":{\"maxAttempts\":3,\"initialInterval\":\"PT1S\",\"backoffCoefficient\":2}}"
wait_for "$flaky" succeeded failed cancelled
check "flaky {failures:2} succeeds on attempt 3 of 3" \
  "$([[ $(json .status) == succeeded && $(json .output.succeededOnAttempt) == 3 && $(json .attempt) == 3 && $(json .maxAttempts) == 3 ]] && echo true)" "$body"

# An id whose instance has not finished is taken: 409.
sleeper=sleep-$run
call POST /api/tasks "{\"id\":\"$sleeper\",\"type\":\"sleep\",\"input\":{\"ms\":60000}}"
wait_for "$sleeper" running
call POST /api/tasks "{\"id\":\"$sleeper\",\"type\":\"echo\"}"
check "starting an unfinished id again: 409" "$([[ $status == 409 ]] && echo true)" "status $status: $body"

# Cancel: the running activity's token fires and the task ends cancelled.
call POST "/api/tasks/$sleeper/cancel"
check "cancel a running task: 200" "$([[ $status == 200 ]] && echo true)" "status $status: $body"
wait_for "$sleeper" cancelled
check "it ends cancelled" "$([[ $(json .status) == cancelled ]] && echo true)" "$body"

# Human interaction: the approval sample waits for the event "approved" with a JSON boolean.
approval=approval-$run
call POST /api/tasks "{\"id\":\"$approval\",\"type\":\"approval\",\"input\":{\"timeout\":\"PT5M\"}}"
wait_for "$approval" running
for _ in $(seq 1 40); do call GET "/api/tasks/$approval"; [[ $(json .customStatus) == "waiting for approval" ]] && break; sleep 0.5; done
call POST "/api/tasks/$approval/events/approved" 'true'
check "raise approved=true: 202" "$([[ $status == 202 ]] && echo true)" "status $status: $body"
wait_for "$approval" succeeded failed cancelled
check "approval succeeds, approved" "$([[ $(json .status) == succeeded && $(json .customStatus) == approved ]] && echo true)" "$body"

# Durable Functions' own HTTP API, over the same store.
durable_id=durable-$run
durable POST "/orchestrators/sequence/$durable_id" && true
check "Durable API: start sequence: 202" "$([[ $status == 202 ]] && echo true)" "status $status: $body"
for _ in $(seq 1 60); do
  durable GET "/instances/$durable_id" "showHistory=true"
  [[ $(json .runtimeStatus) == Completed ]] && break
  sleep 0.5
done
check "Durable API: its status, Completed, with history" \
  "$([[ $(json .runtimeStatus) == Completed && $(json '.historyEvents | length') -gt 2 ]] && echo true)" "$(head -c 300 <<<"$body")"
durable GET "/instances" "instanceIdPrefix=durable-$run&runtimeStatus=Completed"
check "Durable API: list with instanceIdPrefix and runtimeStatus finds it" \
  "$([[ $status == 200 && $(json "[.[] | select(.instanceId == \"$durable_id\")] | length") == 1 ]] && echo true)" "status $status: $(head -c 300 <<<"$body")"
durable GET "/instances" "createdTimeFrom=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)&top=500"
check "Durable API: list with createdTimeFrom is not empty" "$([[ $status == 200 && $(json 'length') -gt 0 ]] && echo true)" "status $status: $(head -c 300 <<<"$body")"

waiting=durable-wait-$run
durable POST "/orchestrators/approval/$waiting"
for _ in $(seq 1 40); do durable GET "/instances/$waiting"; [[ $(json .customStatus) == "waiting for approval" ]] && break; sleep 0.5; done
curl -sS -m 10 -o /dev/null -X POST -H 'Content-Type: application/json' -d 'false' \
  "$base/runtime/webhooks/durabletask/instances/$waiting/raiseEvent/approved${durable_code:+?$durable_code}"
for _ in $(seq 1 40); do durable GET "/instances/$waiting"; [[ $(json .runtimeStatus) == Completed ]] && break; sleep 0.5; done
check "Durable API: raiseEvent approved=false completes it, rejected" \
  "$([[ $(json .runtimeStatus) == Completed && $(json .customStatus) == rejected ]] && echo true)" "$(head -c 300 <<<"$body")"

doomed=durable-terminate-$run
durable POST "/orchestrators/approval/$doomed"
for _ in $(seq 1 40); do durable GET "/instances/$doomed"; [[ $(json .runtimeStatus) == Running ]] && break; sleep 0.5; done
durable POST "/instances/$doomed/terminate" "reason=e2e"
for _ in $(seq 1 40); do durable GET "/instances/$doomed"; [[ $(json .runtimeStatus) == Terminated ]] && break; sleep 0.5; done
check "Durable API: terminate" "$([[ $(json .runtimeStatus) == Terminated ]] && echo true)" "$(head -c 300 <<<"$body")"
durable DELETE "/instances/$doomed"
check "Durable API: purge a finished instance" "$([[ $status == 200 && $(json .instancesDeleted) == 1 ]] && echo true)" "status $status: $body"
call GET "/api/tasks/$doomed"
check "the purged instance is gone from TaskFlow's API too: 404" "$([[ $status == 404 ]] && echo true)" "status $status"

# Durable entities (README, "Durable entities"): signals through the Durable client, the counter's state in TaskFlow's view,
# an orchestration that signals and calls it, and a transfer inside a critical section over two accounts.
counter=visits-$run
call POST "/api/entities/counter/$counter/signals" '{"operation":"add","input":5}'
check "signal counter add 5: 202" "$([[ $status == 202 ]] && echo true)" "status $status: $body"
call POST "/api/entities/counter/$counter/signals" '{"input":5}'
check "a signal without an operation: 400 naming the field" "$([[ $status == 400 && $(json '.errors | keys | join(",")') == operation ]] && echo true)" "status $status: $body"
for _ in $(seq 1 60); do call GET "/api/entities/counter/$counter"; [[ $(json .state) == 5 ]] && break; sleep 0.5; done
check "GET the counter: state 5, unlocked, nothing queued" \
  "$([[ $status == 200 && $(json .state) == 5 && $(json .lockedBy) == null && $(json .queuedOperations) == 0 ]] && echo true)" "status $status: $body"
count=count-$run
call POST /api/tasks "{\"id\":\"$count\",\"type\":\"count\",\"input\":{\"counter\":\"$counter\",\"times\":3}}"
wait_for "$count" succeeded failed cancelled
check "count: three signals, then a call that reads them all: 8" "$([[ $(json .status) == succeeded && $(json .output) == 8 ]] && echo true)" "$body"
alice=alice-$run bob=bob-$run
call POST "/api/entities/account/$alice/signals" '{"operation":"deposit","input":100}'
for _ in $(seq 1 60); do call GET "/api/entities/account/$alice"; [[ $(json .state) == 100 ]] && break; sleep 0.5; done
transfer=transfer-$run
call POST /api/tasks "{\"id\":\"$transfer\",\"type\":\"transfer\",\"input\":{\"from\":\"$alice\",\"to\":\"$bob\",\"amount\":30}}"
wait_for "$transfer" succeeded failed cancelled
check "transfer 30 in a critical section: alice 70, bob 30" \
  "$([[ $(json .status) == succeeded && $(json .output.transferred) == true && $(json .output.fromBalance) == 70 && $(json .output.toBalance) == 30 ]] && echo true)" "$body"
# The transfer's release reaches the accounts just after the transfer completed.
for _ in $(seq 1 60); do
  call GET "/api/entities?name=account"
  [[ $(json "[.items[] | select(.key == \"$alice\" or .key == \"$bob\") | select(.lockedBy == null)] | length") == 2 ]] && break
  sleep 0.5
done
check "GET /api/entities?name=account lists both accounts, unlocked" \
  "$([[ $status == 200 && $(json "[.items[] | select(.key == \"$alice\" or .key == \"$bob\") | select(.lockedBy == null)] | length") == 2 ]] && echo true)" "status $status: $(head -c 300 <<<"$body")"
later=$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%SZ)
call POST "/api/entities/counter/$counter/signals" "{\"operation\":\"add\",\"input\":100,\"at\":\"$later\"}"
call GET "/api/entities/counter/$counter"
check "a signal for later waits: state 8, one scheduled" "$([[ $(json .state) == 8 && $(json .scheduledOperations) == 1 ]] && echo true)" "$body"
for _ in $(seq 1 60); do call GET "/api/entities/counter/$counter"; [[ $(json .state) == 108 ]] && break; sleep 0.5; done
check "at its time it runs: state 108" "$([[ $(json .state) == 108 && $(json .scheduledOperations) == 0 ]] && echo true)" "$body"

# Global limits (README, "Global limits"): set over the app's API, held by the host's provider for every instance.
call PUT /api/limits/sleep '{"maxConcurrent":2,"rate":{"perSecond":20,"burst":2}}'
check "PUT /api/limits/sleep: 200, 2 at once, 20 a second" \
  "$([[ $status == 200 && $(json .maxConcurrent) == 2 && $(json .rate.perSecond) == 20 ]] && echo true)" "status $status: $body"
call PUT /api/limits/sleep '{"maxConcurrent":0}'
check "a limit of 0: 400 naming the field" "$([[ $status == 400 && $(json '.errors | keys | join(",")') == maxConcurrent ]] && echo true)" "status $status: $body"
limited=limited-$run
call POST /api/tasks "{\"id\":\"$limited\",\"type\":\"fan-out\",\"input\":{\"count\":40,\"activity\":\"sleep\",\"input\":{\"ms\":100}}}"
wait_for "$limited" succeeded failed cancelled
check "a fan-out of 40 sleeps under the limit succeeds" "$([[ $(json .status) == succeeded && $(json .output.count) == 40 ]] && echo true)" "$body"
call GET "/api/tasks/$limited/history?limit=1000"
# Each attempt holds its slot from its lease (payload.startedAt) to its outcome (timestamp); seconds as numbers.
overlap=$(json 'def t: capture("^(?<s>[^.+Z]+)(\\.(?<f>[0-9]+))?") | ((.s + "Z") | fromdateiso8601) + (("0." + (.f // "0")) | tonumber);
  [.[] | select(.type == "TaskCompleted" or .type == "TaskFailed") | ([(.payload.startedAt | t), 1], [(.timestamp | t), -1])]
  | sort | reduce .[] as $e ({now: 0, max: 0}; .now += $e[1] | .max = ([.max, .now] | max)) | .max')
starts=$(json 'def t: capture("^(?<s>[^.+Z]+)(\\.(?<f>[0-9]+))?") | ((.s + "Z") | fromdateiso8601) + (("0." + (.f // "0")) | tonumber);
  [.[] | select(.type == "TaskCompleted") | .payload.startedAt | t] | sort | (.[-1] - .[0])')
check "never more than 2 ran at once, from its history (max $overlap)" "$([[ $overlap == 2 ]] && echo true)" "max $overlap"
check "40 starts at 20 a second took about 2 s ($starts s)" "$(awk -v s="$starts" 'BEGIN { print (s >= 1.8 ? "true" : "false") }')" "$starts s"
call GET /api/limits/changes
check "the audit trail has the change, by this key" "$([[ $status == 200 && $(json '[.changes[] | select(.name == "sleep")][0].after.maxConcurrent') == 2 ]] && echo true)" "status $status: $(head -c 300 <<<"$body")"
call DELETE /api/limits/sleep
check "DELETE /api/limits/sleep: 204" "$([[ $status == 204 ]] && echo true)" "status $status: $body"

echo "$passed passed, $failed failed"
((failed == 0))
