#!/usr/bin/env bash
# What the project in db/ holds, for the checks that run it (the jar, README's main command, the image): they
# derive their expectations from db/, never from the sample that first lived there, so a team that replaces db/
# with its own scripts keeps CI green.
#
# usage: .ci/db-migrations.sh count [--with-testdata] [DB_DIR]   migrations a first run applies: Flyway's versioned
#                                                                (V<version>__<description>.sql) and repeatable
#                                                                (R__<description>.sql) scripts under DB_DIR/migration,
#                                                                plus DB_DIR/testdata's with --with-testdata (an
#                                                                environment that gets test data: local, dev, test)
#        .ci/db-migrations.sh files [DB_DIR]                     every file under DB_DIR, as db/... paths, sorted
# DB_DIR defaults to db. exit codes: 0 ok, 2 bad usage

set -euo pipefail

scripts_in() { # DIR: the migration scripts Flyway finds under DIR (none if DIR does not exist)
  [[ -d "$1" ]] || return 0
  find "$1" -type f \( -name 'V*__*.sql' -o -name 'R__*.sql' \)
}

case "${1:-}" in
  count)
    shift
    testdata=false
    if [[ "${1:-}" == --with-testdata ]]; then testdata=true; shift; fi
    dir=${1:-db}
    {
      scripts_in "$dir/migration"
      if $testdata; then scripts_in "$dir/testdata"; fi
    } | wc -l
    ;;
  files)
    dir=${2:-db}
    (cd "$dir" && find . -type f | sed 's|^\./|db/|' | LC_ALL=C sort)
    ;;
  *)
    sed -n '2,/^# DB_DIR/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
