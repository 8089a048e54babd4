#!/usr/bin/env bash
# Runs every test against a throwaway PostgreSQL cluster and Azurite queue service (a temp folder, free ports on 127.0.0.1),
# stopped and removed afterwards, and the dashboard's tests in headless Chromium (Debian's, installed if missing).
# TRX files and the dashboard's screenshots are kept in TestResults/. Set TASKFLOW_TEST_DATABASE_URL / TASKFLOW_TEST_AZURITE to use others instead.
# Ends by naming each test that did not pass, then "N passed, N failed" (totals over all test projects, from
# their TRX files; a test that did not run counts as failed; scripts/trx-summary.js), and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/postgres.sh
source scripts/azurite.sh
source scripts/chromium.sh
source scripts/helm.sh

work=$(mktemp -d)
cleanup() {
  azurite_stop
  [[ -n ${cluster:-} ]] && pg_stop "$cluster"
  rm -rf "$work"
}
trap cleanup EXIT

if [[ -z ${TASKFLOW_TEST_DATABASE_URL:-} ]]; then
  pg_find_bin
  cluster=$work/postgres
  port=$(free_port)
  [[ $(id -u) == 0 ]] && chown postgres: "$work"
  pg_init "$cluster" --no-sync
  # fsync off: this cluster is thrown away after the run, and the tests kill workers, not PostgreSQL.
  pg_start "$cluster" "$port" -c fsync=off -c max_connections=300
  export TASKFLOW_TEST_DATABASE_URL="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
fi
node_tools_install
helm_install   # the Helm chart's tests render it with Helm itself
chromium_install
if [[ -z ${TASKFLOW_TEST_AZURITE:-} ]]; then
  azurite_port=$(free_port)
  azurite_start "$work/azurite" "$azurite_port"
  export TASKFLOW_TEST_AZURITE=$(azurite_connection_string "$azurite_port")
fi

dotnet build TaskFlow.Functions.sln -c Release -nologo -v quiet
results=TestResults/run
rm -rf "$results" TestResults/screenshots
status=0
dotnet test TaskFlow.Functions.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" || status=$?

[[ -d TestResults/screenshots ]] && echo "Dashboard screenshots: $(ls TestResults/screenshots | sed 's|^|TestResults/screenshots/|' | paste -sd' ')"
summary=0
node scripts/trx-summary.js "$results" || summary=$?
((status == 0 && summary == 0))
