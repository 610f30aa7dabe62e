#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL server on loopback, for the tests and the load benchmark.
#   scripts/pg.sh start DIR   -> prints the database URL (postgres://postgres@127.0.0.1:PORT/commonweal)
#   scripts/pg.sh stop DIR    -> stops the server and deletes DIR
# The port is COMMONWEAL_PG_PORT when set (it must be free), else the first free port from 54329 up.
# The server is tuned for throw-away data (no fsync): never point it at data you want to keep.
# initdb refuses to run as root, so as root the server runs as the `postgres` user that Debian's package
# creates (or one this script creates).
set -euo pipefail
cmd=${1:?usage: pg.sh start|stop DIR}
dir=${2:?usage: pg.sh start|stop DIR (a folder for the throw-away cluster)}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "PostgreSQL's server programs are not installed: run 'bash scripts/system_deps.sh' (or 'make system-deps')." >&2
  exit 1
fi

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

stop_cluster() {
  if [ -f "$dir/data/PG_VERSION" ]; then
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
}

case "$cmd" in
  start)
    # A left-over cluster in DIR (a run that was killed) is thrown away: the folder is ours by contract.
    stop_cluster
    if [ -n "${COMMONWEAL_PG_PORT:-}" ]; then
      port=$COMMONWEAL_PG_PORT
      if port_in_use "$port"; then
        echo "Port $port (COMMONWEAL_PG_PORT) is already taken on 127.0.0.1: stop what listens there or choose another port." >&2
        exit 1
      fi
    else
      port=54329
      while port_in_use "$port"; do
        port=$((port + 1))
        [ "$port" -lt 54429 ] || { echo "No free port between 54329 and 54428 for PostgreSQL." >&2; exit 1; }
      done
    fi
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
      useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
    fi
    rm -rf "${dir:?}/data"
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      chown postgres: "$dir" && chmod 700 "$dir"
      as_pg test -w "$dir" || {
        echo "The postgres user cannot reach $dir (a parent folder is private to root): use a folder such as /tmp/pg-NAME." >&2
        exit 1
      }
    fi
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { echo "initdb failed:" >&2; cat "$dir/initdb.log" >&2; exit 1; }
    # The Unix socket lives in DIR, so several throw-away servers never clash on /var/run/postgresql.
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=256MB" \
      start >/dev/null || { echo "PostgreSQL did not start:" >&2; cat "$dir/server.log" >&2; exit 1; }
    as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres commonweal
    echo "$port" >"$dir/port"
    echo "postgres://postgres@127.0.0.1:$port/commonweal"
    ;;
  stop)
    stop_cluster
    # Only ever delete a folder that holds a cluster this script made (never a path given by mistake).
    if [ -f "$dir/data/PG_VERSION" ] || [ -f "$dir/initdb.log" ]; then
      rm -rf "${dir:?}"
    fi
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
