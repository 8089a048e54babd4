#!/usr/bin/env bash
# Rewrites src/Core/Database/schema.sql: migrates a throwaway database (a temp PostgreSQL cluster, as test.sh starts)
# and dumps its schema. Run it after adding a migration and commit the file with it; a test fails while it is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh

work=$(mktemp -d)
trap 'pg_stop "$work/postgres"; rm -rf "$work"' EXIT
pg_find_bin
[[ $(id -u) == 0 ]] && chown postgres: "$work"
pg_init "$work/postgres" --no-sync
port=$(free_port)
pg_start "$work/postgres" "$port" -c fsync=off
TASKFLOW_TEST_DATABASE_URL="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres" TASKFLOW_UPDATE_SCHEMA=1 \
  dotnet test tests/TaskFlow.Core.Tests -c Release --nologo -v quiet --filter "FullyQualifiedName~SchemaDumpTests"
git --no-pager diff --stat -- src/Core/Database/schema.sql
