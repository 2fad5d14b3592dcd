#!/usr/bin/env bash
# Throwaway PostgreSQL clusters for the tests: a data directory of our own on a port of our own, so the tests
# never depend on (or disturb) a system cluster. Sourced by .ci/run; executable for a manual start/stop.
#
# usage: .ci/postgres.sh start DIR PORT|auto PASSWORD [ssl CERT KEY]   start a cluster, print its port, exit 0
#        .ci/postgres.sh stop DIR                                      stop it
# PORT auto picks a free port below the kernel's ephemeral range (ip_local_port_range), so that no client socket
# of another process can hold it, and tries another one if it is taken anyway. pg_start sets PG_STARTED_PORT.
# exit codes: 0 ok, 1 PostgreSQL could not be installed or started, 2 bad usage

# shellcheck source=free-port.sh
source "$(dirname "${BASH_SOURCE[0]}")/free-port.sh"

pg_bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -z "$dir" ]]; then
    echo "PostgreSQL server binaries missing: installing Debian's postgresql" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  fi
  [[ -n "$dir" ]] || { echo "no PostgreSQL server binaries" >&2; return 1; }
  echo "$dir"
}

# PostgreSQL refuses to run as root; root runs it as the postgres user.
as_pg_user() {
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_start() {
  local dir=$1 port=$2
  shift 2
  if [[ "$port" != auto ]]; then
    pg_start_on "$dir" "$port" "$@"; return
  fi
  for _ in 1 2 3 4 5; do
    port=$(free_port) || return 1
    if pg_start_on "$dir" "$port" "$@" 2>"$dir.err"; then rm -f "$dir.err"; return 0; fi
    grep -q "Address already in use" "$dir.err" || { cat "$dir.err" >&2; rm -f "$dir.err"; return 1; }
    echo "port $port was taken; trying another" >&2
  done
  cat "$dir.err" >&2; rm -f "$dir.err"; return 1
}

pg_start_on() {
  local dir=$1 port=$2 password=$3 ssl=${4:-} cert=${5:-} key=${6:-}
  local bin; bin=$(pg_bin_dir) || return 1
  rm -rf "$dir"; mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && { id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres; chown postgres "$dir"; }
  local pwfile="$dir.pw"
  printf '%s\n' "$password" > "$pwfile"; chmod 644 "$pwfile"
  as_pg_user "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$pwfile" -A scram-sha-256 -E UTF8 >/dev/null
  rm -f "$pwfile"
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$dir'"
    echo "max_connections = 200"
    echo "fsync = off"
  } >> "$dir/data/postgresql.conf"
  if [[ "$ssl" == "ssl" ]]; then
    cp "$cert" "$dir/data/server.crt"; cp "$key" "$dir/data/server.key"
    [[ $(id -u) -eq 0 ]] && chown postgres "$dir/data/server.crt" "$dir/data/server.key"
    chmod 600 "$dir/data/server.key"
    echo "ssl = on" >> "$dir/data/postgresql.conf"
  fi
  as_pg_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { echo "PostgreSQL did not start; its log:" >&2; cat "$dir/server.log" >&2; return 1; }
  PG_STARTED_PORT=$port
}

pg_stop() {
  local dir=$1
  local bin; bin=$(pg_bin_dir) || return 1
  [[ -d "$dir/data" ]] && as_pg_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

main() {
  set -euo pipefail
  case "${1:-}" in
    start) shift; [[ $# -ge 3 ]] || { echo "usage: $0 start DIR PORT|auto PASSWORD [ssl CERT KEY]" >&2; exit 2; }
      pg_start "$@"; echo "$PG_STARTED_PORT" ;;
    stop) shift; [[ $# -eq 1 ]] || { echo "usage: $0 stop DIR" >&2; exit 2; }; pg_stop "$1" ;;
    *) echo "usage: $0 start DIR PORT|auto PASSWORD [ssl CERT KEY] | stop DIR" >&2; exit 2 ;;
  esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
