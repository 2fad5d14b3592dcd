#!/usr/bin/env bash
# Ferry's benchmark: Ferry (fat jar, and extracted with an AOT/CDS cache), Flyway's own command line, dbmate and
# psql side by side on one throwaway PostgreSQL; prints the machine and a Markdown table of medians and writes it
# to bench/results.md. See bench/README.md.
#
# usage: bench/run.sh [--quick] [--reps N] [--port PORT] [--no-build] [--keep] [--out FILE]
#                     [--image IMAGE] [--no-containers | --containers-only]
#   --quick      1 repetition per row (CI smoke run: 2-4 minutes on 2 cores)
#   --reps N     repetitions per row (default 5: 5-9 minutes on 2 cores, more on a busy machine)
#   --image IMAGE      Ferry's image for the container section (default: build localhost/ferry:bench from the
#                      Dockerfile on the local base images, .ci/image/build-base-images.sh)
#   --no-containers    skip the container section (Ferry's image and Flyway's CLI under Fargate-like limits)
#   --containers-only  only the container section
#   --port PORT  port of the throwaway PostgreSQL (default: a free one)
#   --no-build   use target/ferry.jar as it is instead of running ./mvnw package
#   --keep       keep the scratch directory (logs of every run, generated migrations)
#   --out FILE   where to write the results (default bench/results.md)
# exit codes: 0 done, 1 a run or the set-up failed, 2 bad usage or a missing prerequisite

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
JAVA25_HOME=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}

usage() {
  sed -n '/^# usage:/,/^# exit codes/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

die() { echo "bench: $*" >&2; exit "${2:-1}"; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is missing: $2" 2
}

main() {
  set -euo pipefail
  local reps=5 port=auto build=true keep=false out="$BENCH_DIR/results.md" label="bench/run.sh"
  local image="" containers=true host=true
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --quick) reps=1; label="bench/run.sh --quick"; shift ;;
      --reps) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; reps=$2; label="bench/run.sh --reps $2"; shift 2 ;;
      --port) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || { usage >&2; exit 2; }; port=$2; shift 2 ;;
      --no-build) build=false; shift ;;
      --keep) keep=true; shift ;;
      --image) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; image=$2; shift 2 ;;
      --no-containers) containers=false; shift ;;
      --containers-only) host=false; shift ;;
      --out) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; out=$(realpath -m "$2"); shift 2 ;;
      -h|--help) usage; exit 0 ;;
      *) echo "bench: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
  done
  [[ "$host" == true || "$containers" == true ]] || { echo "bench: nothing to run" >&2; usage >&2; exit 2; }

  need java "a JDK 17+ on the PATH"
  need python3 "Python 3.11+"
  need psql "PostgreSQL's client (apt-get install postgresql-client)"
  need npm "Node.js and npm (for dbmate)"
  [[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: apt-get install time" 2
  local java25=""
  if [[ -x "$JAVA25_HOME/bin/java" ]]; then
    java25="$JAVA25_HOME/bin/java"
  else
    echo "bench: no JDK 25 at $JAVA25_HOME: Ferry's second row uses JDK 17 CDS instead of the AOT cache" >&2
  fi
  # shellcheck disable=SC1091  # pg_start / pg_stop, the throwaway clusters CI uses too
  source "$ROOT/.ci/postgres.sh"
  if [[ "$port" != auto ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is in use; pick another with --port" 2
  fi

  local started=$SECONDS t0
  t0=$(date +%s)
  if [[ "$build" == true ]]; then
    echo "bench: building Ferry (./mvnw -q -B package -DskipTests)" >&2
    (cd "$ROOT" && ./mvnw -q -B package -DskipTests) >&2 || die "Ferry's build failed"
  fi
  [[ -f "$ROOT/target/ferry.jar" ]] || die "no target/ferry.jar: run without --no-build" 2

  # dbmate's Go binary comes in the npm package for this platform; run it directly, not through the Node wrapper.
  local dbmate
  dbmate=$(dbmate_binary)
  if [[ -z "$dbmate" ]]; then
    echo "bench: installing dbmate" >&2
    # The lock file holds only the platform it was made on (the registry mirror here lists no other platform's
    # binary), so npm ci refuses it elsewhere; package.json pins dbmate exactly, which pins its binary too.
    (cd "$BENCH_DIR" && { npm ci --no-audit --no-fund --loglevel=error 2>/dev/null \
      || npm install --no-audit --no-fund --no-save --loglevel=error; }) >&2 || die "installing dbmate failed"
    dbmate=$(dbmate_binary)
  fi
  [[ -n "$dbmate" ]] || die "dbmate's binary for this platform is not in bench/node_modules/@dbmate" 2

  local work
  work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench.XXXXXX")
  chmod 755 "$work"
  # shellcheck disable=SC2064  # expand now: the trap must stop this run's cluster even if work changes
  trap "cleanup '$work' '$keep' '$started'" EXIT

  # Flyway's command line: its runtime classpath, resolved once and kept until the pom changes.
  local cp_file="$BENCH_DIR/flyway-cli/target/classpath.txt"
  if [[ ! -s "$cp_file" || "$BENCH_DIR/flyway-cli/pom.xml" -nt "$cp_file" ]] \
      || ! tr ':' '\n' < "$cp_file" | while read -r jar; do [[ -f "$jar" ]] || exit 1; done; then
    echo "bench: resolving Flyway's command line (bench/flyway-cli/pom.xml)" >&2
    mkdir -p "$(dirname "$cp_file")"
    (cd "$ROOT" && ./mvnw -q -B -f bench/flyway-cli/pom.xml dependency:build-classpath \
        -Dmdep.outputFile="$cp_file") >&2 || die "could not resolve flyway-commandline"
  fi

  echo "bench: extracting the jar for the AOT/CDS row" >&2
  java -Djarmode=tools -jar "$ROOT/target/ferry.jar" extract --destination "$work/ferry" >&2 \
    || die "jar extraction failed"

  local password="bench-$RANDOM$RANDOM"
  pg_start "$work/pg" "$port" "$password" || die "PostgreSQL did not start"
  port=$PG_STARTED_PORT
  echo "bench: PostgreSQL on 127.0.0.1:$port" >&2

  local images=()
  if [[ "$containers" == true ]]; then
    # podman's configuration of the image scripts (.ci/image/podman-env.sh), for bench.py's podman runs too
    local conf
    conf=$(source "$ROOT/.ci/image/podman-env.sh" && podman_setup && echo "$CONTAINERS_CONF:$CONTAINERS_STORAGE_CONF") \
      || die "podman's set-up failed"
    export CONTAINERS_CONF=${conf%%:*} CONTAINERS_STORAGE_CONF=${conf#*:}
    mapfile -t images < <(container_images "$image" "$cp_file" "$port" "$password")
    [[ ${#images[@]} -eq 3 ]] || die "the container section's images could not be made (--no-containers skips it)"
  fi

  local section=()
  [[ "$host" == true ]] || section+=(--no-host)
  [[ "$containers" == true ]] && section+=(--ferry-image "${images[0]}" --flyway-image "${images[1]}" \
    --ferry-training "${images[2]}")
  python3 "$BENCH_DIR/bench.py" --reps "$reps" --port "$port" --password "$password" --work "$work" \
    --jar "$ROOT/target/ferry.jar" --extracted "$work/ferry" --java "$(command -v java)" --java25 "$java25" \
    --flyway-cp "$cp_file" --dbmate "$dbmate" --out "$out" --label="$label" --t0 "$t0" "${section[@]}" \
    || die "the benchmark failed (run with --keep to keep the logs)"
  echo "bench: results in $out" >&2
}

dbmate_binary() {
  local candidate
  for candidate in "$BENCH_DIR"/node_modules/@dbmate/*/bin/dbmate; do
    if [[ -x "$candidate" ]]; then
      echo "$candidate"
      return
    fi
  done
}

# The two images of the container section, printed one a line (Ferry's, then Flyway's), both on the local base
# runtime image: Ferry's from the Dockerfile (or the image given), Flyway's command line as that runtime image plus
# the CLI's jars (rebuilt only when the classpath or the base image changes; its label says which).
container_images() {
  local given=$1 cp_file=$2 port=$3 password=$4
  (
    local training="as the given image was built"
    # shellcheck source=../.ci/image/podman-env.sh
    source "$ROOT/.ci/image/podman-env.sh"
    image_tools_install
    podman_setup
    local bases runtime build_image
    bases=$("$ROOT/.ci/image/build-base-images.sh") || die "the base images could not be made"
    runtime=$(sed -n 's/^RUNTIME_IMAGE=//p' <<< "$bases")
    build_image=$(sed -n 's/^BUILD_IMAGE=//p' <<< "$bases")
    local ferry=$given
    if [[ -z "$ferry" ]]; then
      ferry=localhost/ferry:bench
      echo "bench: building $ferry (.ci/image/build-image.sh on $runtime, the AOT cache trained on a migrate)" >&2
      # The cache trained as a pipeline's image should be: on a real migrate (Dockerfile, AOT_TRAINING), here of
      # the baked db/ into a throwaway database of the bench's PostgreSQL.
      PGPASSWORD=$password psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "DROP DATABASE IF EXISTS aot_training WITH (FORCE)" -c "CREATE DATABASE aot_training" >&2 \
        || die "could not create the training database"
      # The bench makes no TLS connection: the system's CA bundle stands in for the RDS one (in a context path
      # that .dockerignore lets in).
      mkdir -p "$ROOT/target/image-ca"
      cp /etc/ssl/certs/ca-certificates.crt "$ROOT/target/image-ca/bench-bundle.pem" || die "no CA bundle to bake"
      training="on a migrate of db/ (AOT_TRAINING=migrate)"
      if ! build_ferry_image "$ferry" "$build_image" "$runtime" migrate "$port" "$password"; then
        # A db/ of a team's own may need placeholders or roles the training run does not have.
        echo "bench: the image did not build with its cache trained on a migrate of db/; training on the start only" >&2
        training="on Spring's start only (AOT_TRAINING=onRefresh)"
        build_ferry_image "$ferry" "$build_image" "$runtime" onRefresh "$port" "$password" \
          || die "Ferry's image did not build"
      fi
    fi
    pod image exists "$ferry" || die "no image $ferry"
    local flyway=localhost/ferry-bench-flyway-cli:11.14.1 key
    key=$({ cat "$cp_file"; pod image inspect --format '{{.Id}}' "$runtime"; echo cds; } | sha256sum | cut -c1-16)
    if [[ "$(pod image inspect --format '{{index .Labels "dev.ferry.bench-key"}}' "$flyway" 2>/dev/null)" != "$key" ]]; then
      echo "bench: building $flyway on $runtime" >&2
      local ctx
      ctx=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-flyway.XXXXXX")
      mkdir "$ctx/lib"
      tr ':' '\n' < "$cp_file" | xargs -I{} cp {} "$ctx/lib/"
      cat > "$ctx/Containerfile" <<CONTAINERFILE
FROM $runtime
COPY lib /opt/flyway/lib
# The JDK's default CDS archive, which a stock JRE (and Flyway's own distribution) starts with; Ferry's runtime
# image leaves it out because Ferry starts from its own AOT cache.
RUN ["java", "-Xshare:dump", "-Xlog:cds=off"]
USER 10001:10001
ENTRYPOINT ["java", "-cp", "/opt/flyway/lib/*", "org.flywaydb.commandline.Main"]
LABEL dev.ferry.bench-key=$key
CONTAINERFILE
      pod_build --pull=never -q -t "$flyway" "$ctx" >/dev/null || { rm -rf "$ctx"; die "Flyway's image did not build"; }
      rm -rf "$ctx"
    fi
    echo "$ferry"
    echo "$flyway"
    echo "$training"
  )
}

# IMAGE BUILD_IMAGE RUNTIME_IMAGE AOT_TRAINING PORT PASSWORD: Ferry's image as CI builds it, on the local base
# images, with the system's CA bundle in place of the RDS one (the bench makes no TLS connection).
build_ferry_image() {
  local ferry=$1 build_image=$2 runtime=$3 training=$4 port=$5 password=$6
  cd "$ROOT" || return 1
  BUILD_IMAGE=$build_image RUNTIME_IMAGE=$runtime RDS_CA_BUNDLE=target/image-ca/bench-bundle.pem \
    RDS_CA_SHA256=$(sha256sum target/image-ca/bench-bundle.pem | cut -c1-64) AOT_TRAINING=$training \
    TRAINING_DB_URL="jdbc:postgresql://127.0.0.1:$port/aot_training" TRAINING_DB_USERNAME=postgres \
    TRAINING_DB_PASSWORD=$password .ci/image/build-image.sh --builder podman -t "$ferry" >/dev/null
}

# Stops this run's PostgreSQL and removes (or keeps) its scratch directory; the EXIT trap.
cleanup() {
  local work=$1 keep=$2 started=$3
  pg_stop "$work/pg"
  if [[ "$keep" == true ]]; then
    echo "bench: scratch kept in $work" >&2
  else
    rm -rf "$work"
  fi
  echo "bench: $((SECONDS - started)) s in all" >&2
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
