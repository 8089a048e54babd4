# Shared by run.sh, test.sh and bench/: a private PostgreSQL cluster on 127.0.0.1, run as the
# 'postgres' user when we are root (initdb refuses root). Source it; it defines functions only.

pg_find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do [[ -x $dir/initdb ]] && PG_BIN=$dir; done
  if [[ -z ${PG_BIN:-} ]] && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "PostgreSQL server binaries not found; installing Debian's postgresql package" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    for dir in /usr/lib/postgresql/*/bin; do [[ -x $dir/initdb ]] && PG_BIN=$dir; done
  fi
  [[ -n ${PG_BIN:-} ]] || { echo "No PostgreSQL server binaries (initdb) under /usr/lib/postgresql/*/bin; install PostgreSQL 15 or newer." >&2; return 1; }
}

# Runs a command as the cluster's owner.
pg_as_owner() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_init DIR [initdb options...]: creates a cluster in DIR unless one is there.
pg_init() {
  local dir=$1; shift
  [[ -f $dir/PG_VERSION ]] && return 0
  mkdir -p "$dir"
  [[ $(id -u) == 0 ]] && chown postgres: "$dir"
  chmod 700 "$dir"
  pg_as_owner "$PG_BIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 "$@" >"$dir.initdb.log" 2>&1 \
    || { cat "$dir.initdb.log" >&2; return 1; }
}

# pg_start DIR PORT [server settings...]: starts the cluster on 127.0.0.1:PORT and waits until it answers.
pg_start() {
  # Absolute: the server runs in the cluster's folder, where a relative socket directory would not exist.
  local dir port=$2
  dir=$(realpath "$1"); shift 2
  local options="-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir $*"
  pg_as_owner "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -o "$options" -w -t 60 start >/dev/null \
    || { tail -n 20 "$dir/server.log" >&2; return 1; }
}

pg_stop() {
  local dir=$1
  [[ -f $dir/postmaster.pid ]] && pg_as_owner "$PG_BIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1
  return 0
}

# Prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}
