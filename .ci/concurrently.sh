#!/usr/bin/env bash
# Runs checks at the same time: most of their time is spent waiting (the AWS provider's RDS waiters sleep for
# minutes against moto, which answers at once), while the other uses the CPU.
#
# usage: .ci/concurrently.sh LOG_DIR NAME COMMAND [NAME COMMAND]...
#   Starts each COMMAND (a bash command line, run from the current directory, stdin from /dev/null), the first at
#   once and each next one STAGGER seconds later (each check starts its own moto_server or PostgreSQL on a free
#   port; a pause keeps two of them from picking one port in the same instant), its output to LOG_DIR/N.log.
#   Says on stderr when each has ended; when all have, prints each one's output in the order given, framed by its
#   name, exit status and seconds, and appends "SECONDS<tab>NAME<tab>EXIT" per check to LOG_DIR/times.tsv.
# environment: FERRY_CONCURRENT_STAGGER (5) seconds between two starts
# exit codes: 0 every command exited 0, 1 one or more failed (all are still run to the end), 2 bad usage

usage() {
  sed -n '2,/^# exit codes/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  set -euo pipefail
  (($# >= 3 && $# % 2 == 1)) || usage
  local dir=$1
  shift
  mkdir -p "$dir"
  local stagger=${FERRY_CONCURRENT_STAGGER:-5}
  local -a names=() commands=() pids=() starts=() ends=() codes=()
  while (($# > 0)); do
    names+=("$1")
    commands+=("$2")
    shift 2
  done

  # Interrupted: the checks are stopped too (each cleans up after itself on SIGTERM or SIGINT).
  stop_all() {
    local f
    for f in "$dir"/*.pid; do
      [[ -f $f ]] && kill -TERM "$(cat "$f")" 2>/dev/null || true
    done
    wait || true
    exit 130
  }
  trap stop_all INT TERM

  local i t0=$SECONDS
  for i in "${!names[@]}"; do
    ((i == 0)) || sleep "$stagger"
    starts[i]=$(date +%s)
    # Its own end time: the check may end while this shell still sleeps between two starts.
    (
      rc=0
      bash -c "${commands[$i]}" </dev/null >"$dir/$i.log" 2>&1 &
      echo "$!" >"$dir/$i.pid"
      wait "$!" || rc=$?
      date +%s >"$dir/$i.end"
      exit "$rc"
    ) &
    pids[i]=$!
    echo "started: ${names[$i]}" >&2
  done

  local pid rc
  local -a running=("${pids[@]}")
  while ((${#running[@]} > 0)); do
    rc=0
    pid=
    wait -n -p pid "${running[@]}" || rc=$?
    [[ -n $pid ]] || { echo "concurrently: wait -n named no check (bash 5.1 or newer is needed)" >&2; exit 1; }
    running=()
    for i in "${!pids[@]}"; do
      if [[ ${pids[$i]} == "$pid" ]]; then
        codes[i]=$rc
        ends[i]=$(cat "$dir/$i.end" 2>/dev/null || date +%s)
        echo "ended ($((ends[i] - starts[i])) s, exit $rc): ${names[$i]}" >&2
      elif [[ -z ${codes[$i]:-} ]]; then
        running+=("${pids[$i]}")
      fi
    done
  done
  trap - INT TERM

  local failed=0
  for i in "${!names[@]}"; do
    echo "------ ${names[$i]}"
    cat "$dir/$i.log"
    echo "------ exit ${codes[$i]} after $((ends[i] - starts[i])) s: ${names[$i]}"
    printf '%s\t%s\t%s\n' "$((ends[i] - starts[i]))" "${names[$i]}" "${codes[$i]}" >>"$dir/times.tsv"
    ((codes[i] == 0)) || failed=1
  done
  echo "all ended in $((SECONDS - t0)) s" >&2
  return "$failed"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
