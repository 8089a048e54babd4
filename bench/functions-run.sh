# Sourced by bench/functions-*.sh: runs one task on a TaskFlow Function App and waits for its end.
# run_task BASE_URL AUTH_HEADER ID BODY_JSON POLL_SECONDS TRIES: submits BODY_JSON (with "id" set to ID), polls
# GET /api/tasks/ID every POLL_SECONDS up to TRIES times, and returns non-zero (saying why) unless it succeeded.
run_task() {
  local base=$1 auth=$2 id=$3 body=$4 poll=$5 tries=$6 status state=unknown
  status=$(curl -sS -m 30 -o /dev/null -w '%{http_code}' -X POST "$base/api/tasks" -H "$auth" -H 'Content-Type: application/json' \
    -d "$(jq -c --arg id "$id" '. + {id: $id}' <<<"$body")")
  [[ $status == 202 ]] || { echo "submit answered $status" >&2; return 1; }
  for _ in $(seq 1 "$tries"); do
    state=$(curl -sS -m 10 "$base/api/tasks/$id" -H "$auth" | jq -r .status)
    [[ $state == succeeded || $state == failed || $state == cancelled ]] && break
    sleep "$poll"
  done
  [[ $state == succeeded ]] || { echo "task $id ended $state" >&2; return 1; }
}
