#!/usr/bin/env bash
# Runs README's container route ("From clone to a migrated environment", step 1: the fenced block that builds the
# base images) exactly as written, in a shell of its own in the repository root, against PostgreSQL. The one
# statement changed is the block's `export FERRY_DB_URL=...`, the database settings a reader fills in: it gets a
# fresh database's. The block is read from README.md at each run, so the test cannot drift from the text. Then:
#   a) the block's run applied every migration of db/ with its test data (FERRY_ENVIRONMENT=dev), as many as
#      .ci/db-migrations.sh counts, exit 0
#   b) the image it tagged, localhost/ferry, has real labels: revision = this commit, created a date, the db/
#      checksum; source is the origin's URL where the checkout has one
#   c) built as the block builds it (RDS_CA_BUNDLE=none), the image carries no CA bundle and refuses verify-full
#      against an RDS host name with exit 2, naming the build argument RDS_CA_BUNDLE; nothing connects (the name
#      is pointed at 127.0.0.1 in the container)
#   d) the Dockerfile refuses a target/ferry.jar whose db/ is not the build context's (a stale jar)
#   e) where db/ has test data: the database the block migrated (dev, baked test data), run again with db/migration
#      mounted as FERRY_LOCATIONS, exits 5 saying the missing scripts are the baked test data and what to set; with
#      what it says to set, the run is up to date
# No secret value may appear in any output.
#
# PostgreSQL: FERRY_TEST_JDBC_URL, FERRY_TEST_DB_USERNAME, FERRY_TEST_DB_PASSWORD when CI has one running; else a
# throwaway cluster of our own (.ci/postgres.sh) on a free port.
#
# usage: .ci/image/readme-route.sh
# exit codes: 0 all checks passed, 1 a check failed (the reason on stderr), 2 bad usage

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/podman-env.sh"

IMAGE=localhost/ferry
RDS_HOST=app.cluster-readme0route.eu-west-1.rds.amazonaws.com

usage() {
  sed -n '2,/^# exit codes/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok   $*"; }

SECRETS=()
PG_DIRS=()
DB_CLEANUP=""

# The fenced bash block of README.md that runs build-base-images.sh, without its fence and indentation.
readme_block() {
  awk '
    /^[[:space:]]*```bash[[:space:]]*$/ { inside = 1; block = ""; next }
    inside && /^[[:space:]]*```[[:space:]]*$/ { inside = 0; if (block ~ /build-base-images\.sh/) { printf "%s", block; exit } next }
    inside { sub(/^   /, ""); block = block $0 "\n" }
  ' README.md
}

# The block with its `export FERRY_DB_URL=...` statement (and its continuation lines) replaced by $1.
with_settings() {
  awk -v settings="$1" '
    continued { continued = /\\$/; next }
    /^export FERRY_DB_URL=/ { print settings; found++; continued = /\\$/; next }
    { print }
    END { if (found != 1) exit 3 }
  '
}

psql_admin() { # SQL
  PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=10 psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" \
    -U "$PG_USER" -d "$PG_ADMIN_DB" -c "$1" >/dev/null
}

setup_database() {
  if [[ -n "${FERRY_TEST_JDBC_URL:-}" ]]; then
    [[ "$FERRY_TEST_JDBC_URL" =~ ^jdbc:postgresql://([^/:?]+)(:([0-9]+))?/([^?]*) ]] \
      || fail "FERRY_TEST_JDBC_URL is not jdbc:postgresql://host[:port]/db: $FERRY_TEST_JDBC_URL"
    PG_HOST=${BASH_REMATCH[1]}; PG_PORT=${BASH_REMATCH[3]:-5432}; PG_ADMIN_DB=${BASH_REMATCH[4]:-postgres}
    PG_USER=${FERRY_TEST_DB_USERNAME:-postgres}; PG_PASSWORD=${FERRY_TEST_DB_PASSWORD:-}
  else
    source "$HERE/../postgres.sh"
    PG_HOST=127.0.0.1; PG_ADMIN_DB=postgres; PG_USER=postgres; PG_PASSWORD="ferry-readme-admin-$RANDOM$RANDOM"
    pg_start "$WORK/pg" auto "$PG_PASSWORD" || fail "a throwaway PostgreSQL did not start"
    PG_DIRS+=("$WORK/pg")
    PG_PORT=$PG_STARTED_PORT
  fi
  SECRETS+=("$PG_PASSWORD")
  local suffix; suffix="$(date +%s)_$RANDOM"
  DB_NAME="ferry_readme_$suffix"
  API_USER="ferry_readme_api_$suffix"
  API_PASSWORD="Api-Readme-$RANDOM$RANDOM-never-printed"
  SECRETS+=("$API_PASSWORD")
  psql_admin "CREATE DATABASE $DB_NAME" || fail "could not create database $DB_NAME on $PG_HOST:$PG_PORT"
  DB_CLEANUP=yes
  log "fresh database $DB_NAME on $PG_HOST:$PG_PORT"
}

cleanup() {
  if [[ -n "$DB_CLEANUP" ]]; then
    psql_admin "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" 2>/dev/null || true
    psql_admin "DROP ROLE IF EXISTS $API_USER" 2>/dev/null || true
  fi
  local dir
  for dir in "${PG_DIRS[@]}"; do pg_stop "$dir"; done
  [[ -n "${WORK:-}" ]] && rm -rf "$WORK"
}

check_no_secrets() { # FILE...
  local secret
  for secret in "${SECRETS[@]}"; do
    [[ -z "$secret" ]] && continue
    ! grep -qF -- "$secret" "$@" || fail "a secret value appeared in the output"
  done
}

run_block() {
  local block script
  block=$(readme_block)
  [[ -n "$block" ]] || fail "README.md has no bash block running .ci/image/build-base-images.sh"
  grep -q "podman run" <<< "$block" || fail "README's container block runs no podman run"
  # The values go in single quotes: the test's passwords hold no quote.
  local settings="export FERRY_DB_URL='jdbc:postgresql://$PG_HOST:$PG_PORT/$DB_NAME' FERRY_DB_USERNAME='$PG_USER'"
  settings+=" FERRY_DB_PASSWORD='$PG_PASSWORD' FERRY_ENVIRONMENT=dev FERRY_PLACEHOLDER_api_db_username='$API_USER'"
  settings+=" FERRY_PLACEHOLDER_api_db_password='$API_PASSWORD'"
  script=$(with_settings "$settings" <<< "$block") \
    || fail "README's container block must hold exactly one 'export FERRY_DB_URL=...' statement (its settings)"
  printf 'set -euo pipefail\n%s\n' "$script" > "$WORK/readme-block.sh"
  echo "--- README's block, as run (settings line replaced):"
  sed "s/^export FERRY_DB_URL=.*/export FERRY_DB_URL=... (CI's database)/" <<< "$script" | sed 's/^/    /'
  local t0=$SECONDS rc=0
  # A shell of its own, as a reader's; none of this script's podman settings leak into it.
  env -u CONTAINERS_CONF -u CONTAINERS_STORAGE_CONF bash "$WORK/readme-block.sh" > "$WORK/block.log" 2>&1 || rc=$?
  check_no_secrets "$WORK/block.log"
  if [[ $rc -ne 0 ]]; then
    tail -n 40 "$WORK/block.log" >&2
    fail "README's container block exited $rc (last lines above)"
  fi
  local expected; expected=$(bash "$HERE/../db-migrations.sh" count --with-testdata)
  grep -q "applied $expected migration" "$WORK/block.log" \
    || { tail -n 20 "$WORK/block.log" >&2; fail "a) the block's podman run did not apply the $expected migrations of db/"; }
  pass "a) README's container block ran as written in $((SECONDS - t0)) s: applied $expected migrations, exit 0"
}

check_labels() {
  local name value expected
  for name in org.opencontainers.image.revision org.opencontainers.image.created dev.ferry.db-checksum \
      org.opencontainers.image.source; do
    value=$(pod image inspect --format "{{index .Labels \"$name\"}}" "$IMAGE")
    [[ -n "$value" && "$value" != "<no value>" ]] || fail "b) label $name missing"
    expected=""
    case "$name" in
      org.opencontainers.image.revision) expected=$(git rev-parse HEAD) ;;
      dev.ferry.db-checksum) expected=$(find db -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1) ;;
      org.opencontainers.image.created) [[ "$value" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]] || fail "b) label $name is not a date: $value" ;;
      org.opencontainers.image.source)
        if git remote get-url origin >/dev/null 2>&1; then
          [[ "$value" != unknown ]] || fail "b) label $name is unknown though the checkout has an origin"
        fi ;;
    esac
    [[ -z "$expected" || "$value" == "$expected" ]] || fail "b) label $name is $value, expected $expected"
    pass "b) label $name=$value"
  done
}

check_no_ca() {
  local rc=0 out
  # The image's files as a list (it has no shell to ask): its root filesystem exported from a created container.
  local container files
  container=$(pod create "$IMAGE") || fail "c) podman create $IMAGE failed"
  files=$(pod export "$container" | tar -t) || { pod rm -f "$container" >/dev/null; fail "c) podman export failed"; }
  pod rm -f "$container" >/dev/null
  grep -q '^opt/ferry/app/ferry.jar$' <<<"$files" || fail "c) the exported file list lacks opt/ferry/app/ferry.jar"
  if grep -qE '^(opt/ferry/rds-ca/global-bundle.pem|home/ferry/.postgresql/root.crt)$' <<<"$files"; then
    fail "c) the image built with RDS_CA_BUNDLE=none carries a CA bundle"
  fi
  pass "c) no CA bundle in the image (RDS_CA_BUNDLE=none)"
  out=$(FERRY_DB_HOST=$RDS_HOST FERRY_DB_USERNAME=postgres FERRY_DB_PASSWORD=$PG_PASSWORD \
    FERRY_PLACEHOLDER_api_db_username=$API_USER FERRY_PLACEHOLDER_api_db_password=$API_PASSWORD \
    FERRY_CONNECT_TIMEOUT=0 pod_run --read-only --tmpfs /tmp --add-host "$RDS_HOST:127.0.0.1" -e FERRY_DB_HOST \
      -e FERRY_DB_USERNAME -e FERRY_DB_PASSWORD -e FERRY_PLACEHOLDER_api_db_username \
      -e FERRY_PLACEHOLDER_api_db_password -e FERRY_CONNECT_TIMEOUT "$IMAGE" 2>&1) || rc=$?
  printf '%s\n' "$out" > "$WORK/no-ca.log"
  check_no_secrets "$WORK/no-ca.log"
  if [[ $rc -ne 2 ]] || ! grep -q "needs the RDS CA bundle" <<< "$out" || ! grep -q "RDS_CA_BUNDLE" <<< "$out"; then
    tail -n 20 <<< "$out" >&2
    fail "c) verify-full against $RDS_HOST without a CA bundle exited $rc; expected 2, naming RDS_CA_BUNDLE"
  fi
  pass "c) verify-full against an RDS host without the bundle: exit 2, naming the build argument RDS_CA_BUNDLE"
}

# A context whose db/ has a script the jar lacks: the build must stop at the check, before the image is made.
check_stale_jar() {
  local context="$WORK/stale-context" rc=0
  mkdir -p "$context/target"
  git ls-files -z | tar --null -T - -cf - | tar -C "$context" -xf -
  cp target/ferry.jar "$context/target/"
  echo "SELECT 1;" > "$context/db/migration/V999999__added_after_the_jar.sql"
  podman_setup
  pod_build --pull=never --target extract --build-arg BUILD_IMAGE=localhost/ferry-base-jdk:25 \
    --build-arg RUNTIME_IMAGE=localhost/ferry-base-jre:25 -t localhost/ferry:readme-route-stale "$context" \
    > "$WORK/stale.log" 2>&1 || rc=$?
  pod rmi localhost/ferry:readme-route-stale >/dev/null 2>&1 || true
  # The message with the sums filled in: the RUN line podman echoes holds its text too.
  local stale='target/ferry.jar is stale: the db/ inside it \([0-9a-f]{64}\) is not the db/ of the build context'
  if [[ $rc -eq 0 ]] || ! grep -qE "$stale" "$WORK/stale.log"; then
    tail -n 20 "$WORK/stale.log" >&2
    fail "d) a build whose db/ has a script the jar lacks did not fail on the stale jar (exit $rc)"
  fi
  pass "d) a target/ferry.jar older than db/ fails the build: $(grep -m1 -oE "$stale \([0-9a-f]{64}\)" "$WORK/stale.log")"
}

# ferry_run [podman run options...] [-- args]: the block's settings, as the block passes them; sets OUT and RC.
ferry_run() {
  RC=0
  OUT=$(FERRY_DB_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB_NAME" FERRY_DB_USERNAME=$PG_USER \
    FERRY_DB_PASSWORD=$PG_PASSWORD FERRY_ENVIRONMENT=dev FERRY_PLACEHOLDER_api_db_username=$API_USER \
    FERRY_PLACEHOLDER_api_db_password=$API_PASSWORD pod_run --read-only --tmpfs /tmp -e FERRY_DB_URL \
      -e FERRY_DB_USERNAME -e FERRY_DB_PASSWORD -e FERRY_ENVIRONMENT -e FERRY_PLACEHOLDER_api_db_username \
      -e FERRY_PLACEHOLDER_api_db_password "$@" "$IMAGE" 2>&1) || RC=$?
  printf '%s\n' "$OUT" >> "$WORK/runs.log"
  check_no_secrets "$WORK/runs.log"
}

check_missing_test_data() {
  local with without
  with=$(bash "$HERE/../db-migrations.sh" count --with-testdata)
  without=$(bash "$HERE/../db-migrations.sh" count)
  if [[ "$with" == "$without" ]]; then
    echo "skip e) db/ has no test data"
    return 0
  fi
  local mount=(-v "$PWD/db/migration:/mnt/migration:ro" -e FERRY_LOCATIONS=filesystem:/mnt/migration)
  ferry_run "${mount[@]}"
  if [[ $RC -ne 5 ]] || ! grep -q "is test data of classpath:db/testdata" <<< "$OUT" \
      || ! grep -q "set FERRY_TESTDATA_LOCATIONS=classpath:db/testdata" <<< "$OUT"; then
    tail -n 10 <<< "$OUT" >&2
    fail "e) db/migration mounted on a database with the baked test data exited $RC; expected 5, saying what to set"
  fi
  pass "e) db/migration mounted where the baked test data was applied: exit 5, naming the test data and what to set"
  ferry_run "${mount[@]}" -e FERRY_TESTDATA_LOCATIONS=classpath:db/testdata
  if [[ $RC -ne 0 ]] || ! grep -q "up to date" <<< "$OUT"; then
    tail -n 10 <<< "$OUT" >&2
    fail "e) with FERRY_TESTDATA_LOCATIONS=classpath:db/testdata, as the message says, the run exited $RC"
  fi
  pass "e) with FERRY_TESTDATA_LOCATIONS=classpath:db/testdata, as the message says: up to date, exit 0"
}

main() {
  set -euo pipefail
  if [[ $# -gt 0 ]]; then
    [[ "$1" == -h || "$1" == --help ]] || echo "unknown argument: $1" >&2
    usage
  fi
  cd "$HERE/../.."
  local t0=$SECONDS
  command -v psql >/dev/null 2>&1 || fail "psql missing (apt-get install -y postgresql-client)"
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-readme-route.XXXXXX")
  chmod 755 "$WORK"
  trap cleanup EXIT

  setup_database
  run_block
  podman_setup
  check_labels
  check_no_ca
  check_stale_jar
  check_missing_test_data
  echo "== README's container route passed in $((SECONDS - t0)) s"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
