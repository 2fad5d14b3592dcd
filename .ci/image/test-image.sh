#!/usr/bin/env bash
# Builds Ferry's image with podman (no Docker engine, no registry: the base images are made locally) and runs it
# for real, the way ECS does (read-only root filesystem, /tmp a tmpfs, uid 10001), against PostgreSQL:
#   a) migrate into a fresh database applies every migration of db/ with its test data (FERRY_ENVIRONMENT=dev),
#      as many as .ci/db-migrations.sh counts, exit 0
#   b) a rerun is "up to date", exit 0, and the AOT cache loads (-XX:AOTMode=on)
#   c) FERRY_COMMAND=bogus exits 2
#   d) it runs as a non-root user: the image's User, `id -u` inside, and the running JVM's /proc/PID/status
#   e) the OCI labels are there, with this commit and the db/ checksum
#   f) TLS with verify-full against a server whose certificate the baked CA bundle (here a test CA) signed
#   g) prints the image size and the start-up time of the no-op rerun with and without the AOT cache
# No secret value may appear in any output.
#
# PostgreSQL: FERRY_TEST_JDBC_URL (jdbc:postgresql://127.0.0.1:PORT/postgres), FERRY_TEST_DB_USERNAME and
# FERRY_TEST_DB_PASSWORD when CI has one running; else a throwaway cluster of our own (.ci/postgres.sh) on a free
# port. The TLS check gets a cluster of its own on another free port when CI's is used.
#
# The image (localhost/ferry:image-test) and podman's layer cache stay for the next run; the base images are
# reused from podman's store or ~/.cache/ferry-ci (see build-base-images.sh).
#
# usage: .ci/image/test-image.sh
# environment: FERRY_IMAGE_TEST_TIMING_RUNS (3) runs per start-up figure, FERRY_CI_CACHE (~/.cache/ferry-ci)
# exit codes: 0 all checks passed, 1 a check failed (the reason on stderr), 2 bad usage

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/podman-env.sh"

IMAGE=localhost/ferry:image-test
EXPECTED_USER=10001:10001

usage() {
  sed -n '2,/^# exit codes/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok   $*"; }

# Secrets of this run: no output may contain them.
SECRETS=()

# ---------------------------------------------------------------------------------------------------------------
# Test CA: a CA (the image's "RDS CA bundle" in this test) and a server certificate for 127.0.0.1 it signed.
# Kept in the cache so that the image's layers stay cached between runs; copied into the build context.

test_ca() {
  local dir="$FERRY_CI_CACHE/test-ca"
  if ! { [[ -f "$dir/ca.pem" && -f "$dir/server.crt" ]] && openssl x509 -checkend 86400 -noout -in "$dir/ca.pem" >/dev/null 2>&1 \
      && openssl x509 -checkend 86400 -noout -in "$dir/server.crt" >/dev/null 2>&1; }; then
    log "making a test CA and a server certificate for 127.0.0.1"
    rm -rf "$dir"; mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Ferry image test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1 || fail "openssl could not make the test CA"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/server.key" -out "$dir/server.csr" \
      >/dev/null 2>&1 || fail "openssl could not make the server key"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
      -extfile "$dir/server.ext" -out "$dir/server.crt" >/dev/null 2>&1 || fail "openssl could not sign the server certificate"
  fi
  CA_DIR=$dir
  mkdir -p target/image-ca
  cp "$dir/ca.pem" target/image-ca/test-ca.pem
}

# ---------------------------------------------------------------------------------------------------------------
# PostgreSQL

PG_DIRS=()
DB_CLEANUP=()

psql_admin() { # HOST PORT USER PASSWORD DB SQL
  PGPASSWORD=$4 PGCONNECT_TIMEOUT=10 psql -X -q -v ON_ERROR_STOP=1 -h "$1" -p "$2" -U "$3" -d "$5" -c "$6" >/dev/null
}

own_cluster() { # DIR PASSWORD: a throwaway cluster with TLS on (the test CA's server certificate); sets OWN_PORT
  source "$HERE/../postgres.sh"
  pg_start "$1" auto "$2" ssl "$CA_DIR/server.crt" "$CA_DIR/server.key" || fail "a throwaway PostgreSQL did not start"
  PG_DIRS+=("$1")
  OWN_PORT=$PG_STARTED_PORT
  log "a throwaway PostgreSQL on 127.0.0.1:$OWN_PORT"
}

setup_database() {
  local suffix; suffix="$(date +%s)_$RANDOM"
  if [[ -n "${FERRY_TEST_JDBC_URL:-}" ]]; then
    [[ "$FERRY_TEST_JDBC_URL" =~ ^jdbc:postgresql://([^/:?]+)(:([0-9]+))?/([^?]*) ]] \
      || fail "FERRY_TEST_JDBC_URL is not jdbc:postgresql://host[:port]/db: $FERRY_TEST_JDBC_URL"
    PG_HOST=${BASH_REMATCH[1]}; PG_PORT=${BASH_REMATCH[3]:-5432}; PG_ADMIN_DB=${BASH_REMATCH[4]:-postgres}
    PG_USER=${FERRY_TEST_DB_USERNAME:-postgres}; PG_PASSWORD=${FERRY_TEST_DB_PASSWORD:-}
    TLS_OWN=false
  else
    PG_HOST=127.0.0.1; PG_ADMIN_DB=postgres
    PG_USER=postgres; PG_PASSWORD="ferry-image-admin-$RANDOM$RANDOM"
    own_cluster "$WORK/pg" "$PG_PASSWORD"
    PG_PORT=$OWN_PORT
    TLS_OWN=true
  fi
  SECRETS+=("$PG_PASSWORD")
  DB_NAME="ferry_image_$suffix"
  API_USER="ferry_image_api_$suffix"
  API_PASSWORD="Api-Image-$RANDOM$RANDOM-never-printed"
  SECRETS+=("$API_PASSWORD")
  psql_admin "$PG_HOST" "$PG_PORT" "$PG_USER" "$PG_PASSWORD" "$PG_ADMIN_DB" "CREATE DATABASE $DB_NAME" \
    || fail "could not create database $DB_NAME on $PG_HOST:$PG_PORT"
  DB_CLEANUP+=("$PG_HOST|$PG_PORT|$PG_USER|$PG_PASSWORD|$PG_ADMIN_DB|$DB_NAME|$API_USER")
  log "fresh database $DB_NAME on $PG_HOST:$PG_PORT"
}

cleanup() {
  local entry host port user password admin db role
  for entry in "${DB_CLEANUP[@]}"; do
    IFS='|' read -r host port user password admin db role <<< "$entry"
    psql_admin "$host" "$port" "$user" "$password" "$admin" "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null || true
    psql_admin "$host" "$port" "$user" "$password" "$admin" "DROP ROLE IF EXISTS $role" 2>/dev/null || true
  done
  local dir
  for dir in "${PG_DIRS[@]}"; do pg_stop "$dir"; done
  [[ -n "${WORK:-}" ]] && rm -rf "$WORK"
  rm -rf target/image-ca
}

# ---------------------------------------------------------------------------------------------------------------
# Running the image

# run_image [VAR=VALUE...] -- [podman run options...] IMAGE [args...]
# Runs like ECS: read-only root, /tmp a tmpfs. The values reach the container through podman's environment
# (-e NAME), never its command line. Sets RUN_OUT (stdout and stderr), RUN_RC and RUN_MS (wall time).
run_image() {
  local envs=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do envs+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  local start; start=$(date +%s%N)
  RUN_RC=0
  RUN_OUT=$(
    names=()
    for kv in "${envs[@]}"; do export "${kv?}"; names+=(-e "${kv%%=*}"); done
    pod_run --read-only --tmpfs /tmp "${names[@]}" "$@" 2>&1
  ) || RUN_RC=$?
  RUN_MS=$(( ($(date +%s%N) - start) / 1000000 ))
  ALL_OUTPUT+="$RUN_OUT"$'\n'
}

db_env() { # DB_URL: the settings of a run against the test database
  echo "FERRY_DB_URL=$1"
  echo "FERRY_DB_USERNAME=$PG_USER"
  echo "FERRY_DB_PASSWORD=$PG_PASSWORD"
  echo "FERRY_PLACEHOLDER_api_db_username=$API_USER"
  echo "FERRY_PLACEHOLDER_api_db_password=$API_PASSWORD"
  echo "FERRY_ENVIRONMENT=dev"
}

expect() { # WHAT EXPECTED_RC [PATTERN]
  local what=$1 rc=$2 pattern=${3:-}
  if [[ "$RUN_RC" != "$rc" ]] || { [[ -n "$pattern" ]] && ! grep -q -- "$pattern" <<< "$RUN_OUT"; }; then
    echo "--- output of: $what" >&2
    echo "$RUN_OUT" | tail -n 30 >&2
    fail "$what: exit $RUN_RC (expected $rc)${pattern:+, output should contain '$pattern'}"
  fi
  pass "$what (exit $RUN_RC, $RUN_MS ms)"
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# ---------------------------------------------------------------------------------------------------------------

build() {
  local bases
  bases=$("$HERE/build-base-images.sh") || fail "the base images could not be made"
  BUILD_IMAGE=$(sed -n 's/^BUILD_IMAGE=//p' <<< "$bases")
  RUNTIME_IMAGE=$(sed -n 's/^RUNTIME_IMAGE=//p' <<< "$bases")
  test_ca
  local t0; t0=$(date +%s)
  BUILD_IMAGE=$BUILD_IMAGE RUNTIME_IMAGE=$RUNTIME_IMAGE RDS_CA_BUNDLE=target/image-ca/test-ca.pem \
    RDS_CA_SHA256=$(sha256sum target/image-ca/test-ca.pem | cut -c1-64) \
    "$HERE/build-image.sh" --builder podman -t "$IMAGE" > "$WORK/build.log" 2>&1 \
    || { tail -n 40 "$WORK/build.log" >&2; fail "the image did not build (log above)"; }
  pass "image $IMAGE built in $(( $(date +%s) - t0 )) s on $RUNTIME_IMAGE"
}

check_migrations() {
  local url="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB_NAME" env
  mapfile -t env < <(db_env "$url")
  run_image "${env[@]}" FERRY_REPORT_FILE=/tmp/ferry-report.json -- "$IMAGE"
  expect "a) migrate a fresh database" 0 "applied $(bash "$HERE/../db-migrations.sh" count --with-testdata) migration"
  run_image "${env[@]}" JDK_JAVA_OPTIONS=-XX:AOTMode=on -- "$IMAGE"
  expect "b) rerun, with the AOT cache required to load" 0 "up to date"
  run_image "${env[@]}" FERRY_COMMAND=bogus -- "$IMAGE"
  expect "c) FERRY_COMMAND=bogus" 2
}

check_user() {
  local user
  user=$(pod image inspect --format '{{.Config.User}}' "$IMAGE")
  [[ "$user" == "$EXPECTED_USER" ]] || fail "d) the image's User is '$user', expected $EXPECTED_USER"
  pass "d) image User $user"

  # The JVM itself, seen from the host (the image has no shell or `id` to ask): Ferry waiting for a database that
  # does not answer.
  local id pid uid
  id=$(FERRY_DB_URL=jdbc:postgresql://127.0.0.1:9/none FERRY_DB_USERNAME=x FERRY_DB_PASSWORD=x \
       FERRY_PLACEHOLDER_api_db_username=x FERRY_PLACEHOLDER_api_db_password=x FERRY_CONNECT_TIMEOUT=30s \
       pod run -d --rm --network host "${PODMAN_ULIMITS[@]}" --read-only --tmpfs /tmp -e FERRY_DB_URL \
         -e FERRY_DB_USERNAME -e FERRY_DB_PASSWORD -e FERRY_PLACEHOLDER_api_db_username \
         -e FERRY_PLACEHOLDER_api_db_password -e FERRY_CONNECT_TIMEOUT "$IMAGE") \
    || fail "d) could not start the container detached"
  pid=$(pod inspect --format '{{.State.Pid}}' "$id" 2>/dev/null || true)
  uid=""
  if [[ -n "$pid" && "$pid" != 0 ]]; then
    uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  fi
  pod stop -t 2 "$id" >/dev/null 2>&1 || true
  [[ -n "$uid" ]] || fail "d) could not read the container's /proc/$pid/status"
  [[ "$uid" == 10001 ]] || fail "d) the JVM runs as uid $uid"
  pass "d) the running JVM's uid (/proc/$pid/status): $uid"
}

check_labels() {
  local name value expected
  for name in org.opencontainers.image.source org.opencontainers.image.revision org.opencontainers.image.created \
      dev.ferry.db-checksum; do
    value=$(pod image inspect --format "{{index .Labels \"$name\"}}" "$IMAGE")
    [[ -n "$value" && "$value" != "<no value>" ]] || fail "e) label $name missing"
    expected=""
    case "$name" in
      org.opencontainers.image.revision) expected=$(git rev-parse HEAD 2>/dev/null || echo unknown) ;;
      dev.ferry.db-checksum) expected=$(find db -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1) ;;
      org.opencontainers.image.created) [[ "$value" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]] || fail "e) label $name is not a date: $value" ;;
    esac
    [[ -z "$expected" || "$value" == "$expected" ]] || fail "e) label $name is $value, expected $expected"
    pass "e) label $name=$value"
  done
}

check_tls() {
  local host=$PG_HOST port=$PG_PORT user=$PG_USER password=$PG_PASSWORD db=$DB_NAME
  if ! $TLS_OWN; then
    if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
      echo "skip f) no PostgreSQL server binaries here for a TLS server of our own"
      return 0
    fi
    host=127.0.0.1; user=postgres
    password="ferry-image-tls-$RANDOM$RANDOM"; SECRETS+=("$password")
    own_cluster "$WORK/pg-tls" "$password"
    port=$OWN_PORT
    db="ferry_image_tls_$RANDOM"
    psql_admin "$host" "$port" "$user" "$password" postgres "CREATE DATABASE $db" || fail "f) could not create $db"
  fi
  local env
  mapfile -t env < <(PG_USER=$user PG_PASSWORD=$password db_env "jdbc:postgresql://$host:$port/$db")
  run_image "${env[@]}" FERRY_DB_SSL_MODE=verify-full FERRY_COMMAND=info -- "$IMAGE"
  expect "f) verify-full TLS with the baked CA bundle (info)" 0
}

timings() {
  local runs=${FERRY_IMAGE_TEST_TIMING_RUNS:-3} url="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB_NAME" env i
  local aot="" off="" empty=""
  mapfile -t env < <(db_env "$url")
  for ((i = 0; i < runs; i++)); do
    run_image "${env[@]}" -- "$IMAGE"
    [[ $RUN_RC -eq 0 ]] || fail "g) timing rerun exited $RUN_RC"
    aot+=" $RUN_MS"
    run_image "${env[@]}" JDK_JAVA_OPTIONS=-XX:AOTMode=off -- "$IMAGE"
    [[ $RUN_RC -eq 0 ]] || fail "g) timing rerun without the AOT cache exited $RUN_RC"
    off+=" $RUN_MS"
    run_image -- --entrypoint /opt/java/openjdk/bin/java "$IMAGE" -Xshare:auto -version
    empty+=" $RUN_MS"
  done
  local size base
  size=$(pod image inspect --format '{{.Size}}' "$IMAGE")
  base=$(pod image inspect --format '{{.Size}}' "$RUNTIME_IMAGE")
  echo "g) image size: $(( size / 1000000 )) MB ($size bytes; base $RUNTIME_IMAGE $(( base / 1000000 )) MB)"
  echo "g) no-op rerun, podman run wall time, median of $runs: with the AOT cache $(median <<< "$aot") ms," \
       "without $(median <<< "$off") ms (java -version alone: $(median <<< "$empty") ms)"
  echo "     with:$aot | without:$off | java -version:$empty"
}

check_no_secrets() {
  local secret
  for secret in "${SECRETS[@]}"; do
    [[ -z "$secret" ]] && continue
    if grep -qF -- "$secret" <<< "$ALL_OUTPUT"; then
      fail "a secret value appeared in the container output"
    fi
  done
  pass "no secret value in any container output"
}

main() {
  set -euo pipefail
  if [[ $# -gt 0 ]]; then
    [[ "$1" == -h || "$1" == --help ]] || echo "unknown argument: $1" >&2
    usage
  fi
  cd "$HERE/../.."
  local t0; t0=$(date +%s)
  ALL_OUTPUT=""
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-image-test.XXXXXX")
  chmod 755 "$WORK"
  trap cleanup EXIT

  image_tools_install
  podman_setup
  command -v psql >/dev/null 2>&1 || fail "psql missing (apt-get install -y postgresql-client)"
  command -v openssl >/dev/null 2>&1 || fail "openssl missing"

  build
  setup_database
  check_migrations
  check_user
  check_labels
  check_tls
  timings
  check_no_secrets
  echo "== image checks passed in $(( $(date +%s) - t0 )) s"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
