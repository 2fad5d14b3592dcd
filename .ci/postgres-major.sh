#!/usr/bin/env bash
# Did the last test run really run on the PostgreSQL major it asked for? Every test JVM appends the server_version
# it ran on to target/ferry-test-output/postgres-server-versions.txt (PostgresServer); this checks that there is at
# least one line and that every line names MAJOR, prints them, and removes the file for the next run.
#
# usage: .ci/postgres-major.sh MAJOR WHAT    (WHAT names the run in the messages)
# exit codes: 0 every test JVM ran on MAJOR, 1 none recorded or another major, 2 bad usage
set -euo pipefail
[[ $# -eq 2 && "$1" =~ ^[0-9]+$ ]] || { sed -n '2,/^# exit codes/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
major=$1 what=$2
versions=target/ferry-test-output/postgres-server-versions.txt
[[ -s "$versions" ]] || { echo "FAIL: $what: no test recorded the PostgreSQL it ran on ($versions)" >&2; exit 1; }
if grep -v "server_version $major\." "$versions" >&2; then
  echo "FAIL: $what ran on another PostgreSQL major than $major (above)" >&2
  exit 1
fi
echo "$what ran on: $(sed 's/^PostgreSQL for the tests: //' "$versions" | sort | uniq -c | tr -s ' ')"
rm -f "$versions"
