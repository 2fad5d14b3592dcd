#!/usr/bin/env bash
# Builds Ferry's image from the Dockerfile with every build argument CI sets: the OCI labels (revision = the
# commit, created, source) and dev.ferry.db-checksum (sha256 over db/, checked against the db/ inside the jar).
# Builds target/ferry.jar first when it is missing.
#
# usage: .ci/image/build-image.sh [-t TAG] [--builder podman|docker] [-- EXTRA BUILD OPTIONS...]
#   -t TAG       image name (default ferry:<short commit>, or ferry:dev outside git)
#   --builder    docker (default where a Docker engine answers) or podman (else; with the flags that work here)
# environment (each passed on as the build argument of the same name when set):
#   BUILD_IMAGE, RUNTIME_IMAGE   base images (Dockerfile defaults: eclipse-temurin:25-jdk / :25-jre)
#   RDS_CA_BUNDLE, RDS_CA_SHA256 the CA bundle (URL or build-context path) and its pinned sha256 (unpinned: a warning);
#                                RDS_CA_BUNDLE=none bakes no bundle (no internet needed; such an image refuses
#                                verify-full against AWS)
#   AOT_TRAINING, TRAINING_DB_URL, TRAINING_DB_USERNAME, TRAINING_DB_PASSWORD   how the AOT cache is trained (Dockerfile)
#   GIT_SHA, CREATED, SOURCE_URL override what is read from git and the clock
# prints: the image name on stdout
# exit codes: 0 built, 1 build failed, 2 bad usage

source "$(dirname "${BASH_SOURCE[0]}")/podman-env.sh"

usage() {
  sed -n '2,/^# exit codes/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# sha256 over db/: every file's sha256 and path (db/..., sorted bytewise), hashed again; the workflows compute the
# same, and the Dockerfile checks it against the db/ baked in the jar.
db_checksum() {
  find db -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}

git_sha() {
  git rev-parse HEAD 2>/dev/null || echo unknown
}

source_url() {
  if [[ -n "${GITHUB_SERVER_URL:-}" && -n "${GITHUB_REPOSITORY:-}" ]]; then
    echo "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY"
    return
  fi
  local url
  url=$(git remote get-url origin 2>/dev/null) || { echo unknown; return; }
  # git@github.com:owner/repo.git -> https://github.com/owner/repo
  url=${url%.git}
  [[ "$url" =~ ^git@([^:]+):(.*)$ ]] && url="https://${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
  echo "$url"
}

ensure_jar() {
  [[ -f target/ferry.jar ]] && return 0
  log "target/ferry.jar missing: ./mvnw -q -B package -DskipTests"
  ./mvnw -q -B package -DskipTests >&2 || die "the jar did not build"
}

main() {
  set -euo pipefail
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  local tag="" builder="" extra=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      -t) [[ $# -ge 2 ]] || usage; tag=$2; shift ;;
      --builder) [[ $# -ge 2 ]] || usage; builder=$2; shift ;;
      --) shift; extra=("$@"); break ;;
      -h|--help) usage ;;
      *) echo "unknown argument: $1" >&2; usage ;;
    esac
    shift
  done
  if [[ -z "$builder" ]]; then
    # docker only where a Docker engine answers (the CLI alone may be installed)
    if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then builder=docker; else builder=podman; fi
  fi
  [[ "$builder" == podman || "$builder" == docker ]] || usage
  local sha; sha=${GIT_SHA:-$(git_sha)}
  [[ -n "$tag" ]] || tag="ferry:$([[ "$sha" == unknown ]] && echo dev || echo "${sha:0:12}")"

  ensure_jar
  local created=${CREATED:-$(date -u +%Y-%m-%dT%H:%M:%SZ)} source=${SOURCE_URL:-$(source_url)} checksum
  checksum=$(db_checksum)
  local args=(
    --build-arg "GIT_SHA=$sha" --build-arg "CREATED=$created" --build-arg "SOURCE_URL=$source"
    --build-arg "DB_CHECKSUM=$checksum"
    # The same as --label too: podman's (buildah 1.28) layer cache ignores a changed build argument in LABEL and
    # would hand back the previous image with the previous commit's labels.
    --label "org.opencontainers.image.revision=$sha" --label "org.opencontainers.image.created=$created"
    --label "org.opencontainers.image.source=$source" --label "dev.ferry.db-checksum=$checksum"
  )
  local name
  for name in BUILD_IMAGE RUNTIME_IMAGE RDS_CA_BUNDLE RDS_CA_SHA256 AOT_TRAINING TRAINING_DB_URL TRAINING_DB_USERNAME \
      TRAINING_DB_PASSWORD; do
    if [[ "$name" == RDS_CA_BUNDLE && "${RDS_CA_BUNDLE:-}" == none ]]; then
      args+=(--build-arg "RDS_CA_BUNDLE=") # the Dockerfile's word for no bundle
    elif [[ -n "${!name:-}" ]]; then
      args+=(--build-arg "$name=${!name}")
    fi
  done

  log "building $tag with $builder"
  if [[ "$builder" == podman ]]; then
    podman_setup
    # Base images are local (build-base-images.sh): never pull.
    pod_build --pull=never -t "$tag" "${args[@]}" "${extra[@]}" . >&2 || die "podman build failed"
  else
    docker build -t "$tag" "${args[@]}" "${extra[@]}" . >&2 || die "docker build failed"
  fi
  echo "$tag"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
