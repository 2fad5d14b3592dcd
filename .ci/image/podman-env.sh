#!/usr/bin/env bash
# Podman set-up shared by the image scripts (sourced, not run). No Docker engine and no registry here: Debian's
# podman with runc builds and runs the images (.ci/image/README.md, "Without Docker (this CI)"). Why each setting
# is needed: crun does not work in this sandbox, root podman's default nofile limit (1048576) is refused, and a
# store whose database recorded another storage driver makes every `podman run` wait 20 s.
#
# Functions: image_tools_install  installs podman, runc and debootstrap when missing
#            podman_setup         writes containers.conf and storage.conf (a store of Ferry CI's own, under
#                                 /var/lib/ferry-ci for root), exports CONTAINERS_CONF and CONTAINERS_STORAGE_CONF;
#                                 call it BEFORE the first podman call. To look at the images by hand:
#                                 source .ci/image/podman-env.sh; podman_setup; pod images
#            pod ARGS...          podman with the global flags that work here
#            pod_build ARGS...    podman build with the flags that work here
#            pod_run ARGS...      podman run --rm with the flags that work here; returns the container's status
#            die MESSAGE          prints to stderr, exits 1

FERRY_CI_CACHE="${FERRY_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry-ci}"
PODMAN_ULIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

die() { echo "error: $*" >&2; exit 1; }

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

image_tools_install() {
  local missing=() tool
  for tool in podman runc debootstrap; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}: install them (apt-get install -y podman runc debootstrap)"
  log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q podman runc debootstrap >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q podman runc debootstrap >/dev/null; } \
    || die "could not install podman, runc and debootstrap with apt-get"
}

podman_setup() {
  # Keep a caller's own configuration if it has one.
  if [[ -n "${CONTAINERS_CONF:-}" && -n "${CONTAINERS_STORAGE_CONF:-}" ]]; then
    return 0
  fi
  # A store of our own: podman records the storage driver in its database when the store is first created, and a
  # store first touched by a podman without this configuration (even `podman --version`) records none, after which
  # the cleanup process of every container refuses the mismatch and `podman run` waits 20 s for it.
  local dir="$FERRY_CI_CACHE/containers" graphroot runroot tmpdir
  if [[ $(id -u) -eq 0 ]]; then
    graphroot=/var/lib/ferry-ci/storage
    runroot=/run/ferry-ci/storage
    tmpdir=/run/ferry-ci/libpod
  else
    local run="${XDG_RUNTIME_DIR:-/tmp/ferry-ci-run-$(id -u)}/ferry-ci"
    graphroot="${XDG_DATA_HOME:-$HOME/.local/share}/ferry-ci/storage"
    runroot="$run/storage"
    tmpdir="$run/libpod"
  fi
  mkdir -p "$dir"
  # Written aside and renamed: another podman reading them while a second podman_setup writes sees the old file
  # or the new one, never a truncated one (a copier subprocess then fails on "runroot must be set").
  cat > "$dir/containers.conf.$$" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$tmpdir"
EOF
  cat > "$dir/storage.conf.$$" <<EOF
[storage]
driver = "overlay"
graphroot = "$graphroot"
runroot = "$runroot"
EOF
  mv -f "$dir/containers.conf.$$" "$dir/containers.conf"
  mv -f "$dir/storage.conf.$$" "$dir/storage.conf"
  export CONTAINERS_CONF="$dir/containers.conf"
  export CONTAINERS_STORAGE_CONF="$dir/storage.conf"
}

pod() {
  podman --runtime runc --cgroup-manager cgroupfs "$@"
}

pod_build() {
  pod build --network host "${PODMAN_ULIMITS[@]}" "$@"
}

pod_run() {
  pod run --rm --network host "${PODMAN_ULIMITS[@]}" "$@"
}
