# Shared by run.sh and test.sh: Azurite's queue service (local Azure Queue Storage) on 127.0.0.1, from
# the version pinned in package-lock.json. Source it; it defines functions only.

# Installs the pinned Node tools (Azurite, the Bicep syntax check) unless package-lock.json is already installed.
node_tools_install() {
  command -v npm >/dev/null || { echo "npm not found: install Node.js 20 or newer (it runs Azurite)." >&2; return 1; }
  if [[ ! -x node_modules/.bin/azurite-queue ]] || ! cmp -s package-lock.json node_modules/.package-lock.copy; then
    echo "Installing Azurite and the Bicep parser (npm ci)…" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
    cp package-lock.json node_modules/.package-lock.copy
  fi
}

# azurite_start DIR PORT: starts the queue service with its data in DIR and waits until it listens.
# Data goes to disk, not --inMemoryPersistence: the in-memory store freezes the whole server during its
# periodic clean-up once a few thousand messages have passed through. --skipApiVersionCheck: the Azure Storage SDK
# (Azure.Storage.Queues 12.28) speaks a newer service version than the pinned Azurite knows; the queue operations
# TaskFlow uses are the same in both.
azurite_start() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  node_modules/.bin/azurite-queue --queueHost 127.0.0.1 --queuePort "$port" --location "$dir" \
    --silent --disableTelemetry --skipApiVersionCheck >"$dir/azurite.log" 2>&1 &
  AZURITE_PID=$!
  for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 "$AZURITE_PID" 2>/dev/null || { tail -n 20 "$dir/azurite.log" >&2; return 1; }
    sleep 0.1
  done
  echo "Azurite did not start listening on port $port." >&2
  return 1
}

azurite_stop() {
  [[ -n ${AZURITE_PID:-} ]] && kill "$AZURITE_PID" 2>/dev/null && wait "$AZURITE_PID" 2>/dev/null
  AZURITE_PID=
  return 0
}

# The connection string for Azurite's well-known development account on PORT (the key is public: it is
# the emulator's documented key, not a secret).
azurite_connection_string() {
  local port=$1
  echo "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;QueueEndpoint=http://127.0.0.1:$port/devstoreaccount1;"
}
