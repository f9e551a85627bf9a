# tests/store/pg_cluster.sh — a throwaway PostgreSQL server for tests, on a Unix socket in a
# temporary folder (no TCP port, nothing outside the folder). Source it, then:
#
#   pg_start "$tmp/pg"            # initdb + pg_ctl start; exits 77 (meson's SKIP) when the
#                                 # server binaries are absent (Debian: apt-get install postgresql)
#   pg_createdb NAME              # an empty database; its URL: "$(pg_url NAME)"
#   pg_sql NAME "SELECT ..."      # one value per line, fields separated by |
#   pg_stop                       # also run by the EXIT trap pg_start installs
#
# PostgreSQL refuses to run as root, so under root the cluster belongs to `nobody` (runuser);
# clients connect as the database user `xp` with trust authentication on the socket.
set -u
pg_bin=
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && pg_bin=$d; done
pg_dir=

pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

pg_start() {
  if [ -z "$pg_bin" ]; then
    echo "SKIP: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb); Debian: apt-get install postgresql"
    exit 77
  fi
  if [ "$(id -u)" = 0 ] && ! command -v runuser >/dev/null; then
    echo "SKIP: running as root and runuser is missing: PostgreSQL will not run as root"
    exit 77
  fi
  pg_dir=$1
  mkdir -p "$pg_dir"
  # The server's owner must reach the folder (mktemp makes its parents 0700).
  local p=$pg_dir
  while [ "$p" != / ] && [ "$(id -u)" = 0 ]; do chmod o+x "$p" 2>/dev/null; p=$(dirname "$p"); done
  [ "$(id -u)" = 0 ] && chown nobody "$pg_dir"
  if ! pg_as_owner "$pg_bin/initdb" -D "$pg_dir/data" -U xp --auth=trust -E UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log" 2>&1; then
    echo "FAIL: initdb failed:" >&2; tail -20 "$pg_dir/initdb.log" >&2; exit 1
  fi
  # No TCP (listen_addresses=''), the socket in the folder; fsync off: a test's data need not
  # survive a power cut, and the claims measured here are then bound by locks, not the disk.
  if ! pg_as_owner "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 30 \
        -o "-k $pg_dir -c listen_addresses= -c fsync=off -c max_connections=50" start >/dev/null; then
    echo "FAIL: the PostgreSQL server did not start:" >&2; tail -20 "$pg_dir/server.log" >&2; exit 1
  fi
  trap 'pg_stop; rm -rf "${tmp:-/nonexistent-xp}"' EXIT
}

pg_stop() {
  [ -n "$pg_dir" ] && [ -d "$pg_dir/data" ] && pg_as_owner "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1
  pg_dir_stopped=$pg_dir
}

pg_url() { echo "postgresql:///$1?host=$pg_dir&user=xp"; }

pg_createdb() { "$pg_bin/psql" -h "$pg_dir" -U xp -d postgres -qAt -c "CREATE DATABASE $1" >/dev/null; }

pg_sql() { "$pg_bin/psql" -h "$pg_dir" -U xp -d "$1" -qAt -v ON_ERROR_STOP=1 -c "$2"; }
