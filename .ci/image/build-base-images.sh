#!/usr/bin/env bash
# Makes Ferry's two base images locally, for machines that reach no container registry:
#   localhost/ferry-base-jdk:<major>  Debian bookworm (minbase) + the full JDK at /opt/java/openjdk: the build stage
#   localhost/ferry-base-jre:<major>  the same Debian + a jlink runtime of that very JDK build: training and runtime
# Both come from one JDK (default /usr/lib/jvm/temurin-25-jdk-amd64), so an AOT cache trained on the runtime image
# loads at run time. They share their Debian layer.
#
# Reuse, cheapest first: images already in podman's storage with the same key (a hash of this script, the JDK's
# release file, the module list and the Debian suite), else the archive in $FERRY_CI_CACHE (podman save), else a
# build (debootstrap, about 45 s), which is then saved there. The images are then tagged as named below.
#
# usage: .ci/image/build-base-images.sh [--force]     --force rebuilds even when cached
# prints: BUILD_IMAGE=... and RUNTIME_IMAGE=... lines (for --build-arg) on stdout
# environment: FERRY_JDK_HOME (JDK to use), FERRY_JLINK_MODULES (comma-separated; default: the modules listed in
#   .ci/image/jlink-modules.txt, jdeps' findings plus what is loaded by name), FERRY_DEBIAN_SUITE (bookworm),
#   FERRY_DEBIAN_MIRROR (http://deb.debian.org/debian), FERRY_CI_CACHE (~/.cache/ferry-ci),
#   FERRY_BASE_JDK_IMAGE, FERRY_BASE_JRE_IMAGE (image names)
# exit codes: 0 images ready, 1 failure (message on stderr), 2 bad usage

source "$(dirname "${BASH_SOURCE[0]}")/podman-env.sh"

FERRY_JDK_HOME="${FERRY_JDK_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
FERRY_DEBIAN_SUITE="${FERRY_DEBIAN_SUITE:-bookworm}"
FERRY_DEBIAN_MIRROR="${FERRY_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# What Ferry needs: jdeps over the jar and its dependencies, plus the modules loaded by name (jlink-modules.txt).
FERRY_JLINK_MODULES="${FERRY_JLINK_MODULES:-$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$(dirname "${BASH_SOURCE[0]}")/jlink-modules.txt" | paste -sd, -)}"
JAVA_DIR=/opt/java/openjdk
IMAGE_PATH="$JAVA_DIR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

usage() {
  sed -n '2,/^# exit codes/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

jdk_major() {
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$FERRY_JDK_HOME/release"
}

# A short hash of everything the images are made from.
base_key() {
  { cat "${BASH_SOURCE[0]}" "$FERRY_JDK_HOME/release"; echo "$FERRY_JLINK_MODULES $FERRY_DEBIAN_SUITE"; } \
    | sha256sum | cut -c1-16
}

image_key() {
  pod image inspect --format '{{index .Labels "dev.ferry.base-key"}}' "$1" 2>/dev/null || true
}

images_current() {
  [[ "$(image_key "$JDK_IMAGE")" == "$KEY" && "$(image_key "$JRE_IMAGE")" == "$KEY" ]]
}

debian_rootfs() {
  local rootfs=$1
  log "debootstrap --variant=minbase $FERRY_DEBIAN_SUITE from $FERRY_DEBIAN_MIRROR"
  debootstrap --variant=minbase "$FERRY_DEBIAN_SUITE" "$rootfs" "$FERRY_DEBIAN_MIRROR" > "$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  # What an image never needs: package caches and lists, documentation (copyright files stay), locales, logs.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*
  find "$rootfs/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
}

jlink_runtime() {
  local out=$1
  log "jlink runtime from $FERRY_JDK_HOME"
  "$FERRY_JDK_HOME/bin/jlink" --add-modules "$FERRY_JLINK_MODULES" --strip-debug --no-man-pages \
    --no-header-files --generate-cds-archive --output "$out" >/dev/null || die "jlink failed"
  # Heaps beyond 32 GB (no compressed oops) are not a migration runner's case.
  rm -f "$out/lib/server/classes_nocoops.jsa"
}

java_image() {
  local name=$1 from=$2 java=$3 context="$WORK/ctx-${1//[^a-z0-9]/-}"
  mkdir -p "$context"
  mv "$java" "$context/openjdk"
  cat > "$context/Containerfile" <<EOF
FROM $from
COPY openjdk $JAVA_DIR
ENV JAVA_HOME=$JAVA_DIR PATH=$IMAGE_PATH LANG=C.UTF-8
LABEL dev.ferry.base-key=$KEY org.opencontainers.image.description="Ferry base: Debian $FERRY_DEBIAN_SUITE + $(basename "$FERRY_JDK_HOME")"
CMD ["java", "-version"]
EOF
  pod_build --pull=never -q -t "$name" "$context" >/dev/null || die "podman build of $name failed"
}

build_images() {
  local debian="localhost/ferry-base-debian:$FERRY_DEBIAN_SUITE-$KEY"
  debian_rootfs "$WORK/rootfs"
  log "importing $debian"
  tar -C "$WORK/rootfs" -c . | pod import -q --change "ENV LANG=C.UTF-8" --change 'CMD ["/bin/bash"]' - "$debian" >/dev/null \
    || die "podman import failed"
  rm -rf "$WORK/rootfs"

  log "building $JDK_IMAGE (full JDK)"
  cp -a "$FERRY_JDK_HOME" "$WORK/jdk"
  # Debian-packaged JDKs link files to the host (lib/security/cacerts -> /etc/ssl/certs/java/cacerts): copy them in.
  local link
  while IFS= read -r -d '' link; do
    cp --remove-destination "$(readlink -f "$link")" "$link" || die "cannot resolve $link"
  done < <(find "$WORK/jdk" -type l -lname '/*' -print0)
  java_image "$JDK_IMAGE" "$debian" "$WORK/jdk"
  log "building $JRE_IMAGE (jlink runtime)"
  jlink_runtime "$WORK/jre"
  java_image "$JRE_IMAGE" "$debian" "$WORK/jre"
  pod rmi "$debian" >/dev/null 2>&1 || true
}

save_images() {
  local archive="$FERRY_CI_CACHE/base-images-$KEY.tar"
  mkdir -p "$FERRY_CI_CACHE"
  rm -f "$FERRY_CI_CACHE"/base-images-*.tar
  log "saving both images to $archive"
  if pod save -q -m -o "$archive.part" "$JDK_IMAGE" "$JRE_IMAGE"; then
    mv "$archive.part" "$archive"
  else
    rm -f "$archive.part"
    log "warning: could not save the base images (a run with an empty podman store rebuilds them)"
  fi
}

main() {
  set -euo pipefail
  local force=false
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --force) force=true ;;
      -h|--help) usage ;;
      *) echo "unknown argument: $1" >&2; usage ;;
    esac
    shift
  done
  [[ -x "$FERRY_JDK_HOME/bin/jlink" ]] || die "no JDK with jlink at $FERRY_JDK_HOME (set FERRY_JDK_HOME; see: ls /usr/lib/jvm)"

  image_tools_install
  podman_setup

  local major; major=$(jdk_major)
  JDK_IMAGE="${FERRY_BASE_JDK_IMAGE:-localhost/ferry-base-jdk:$major}"
  JRE_IMAGE="${FERRY_BASE_JRE_IMAGE:-localhost/ferry-base-jre:$major}"
  KEY=$(base_key)
  local archive="$FERRY_CI_CACHE/base-images-$KEY.tar"

  if ! $force && images_current; then
    log "base images up to date in podman's storage (key $KEY)"
  elif ! $force && [[ -f "$archive" ]] && pod load -q -i "$archive" >/dev/null && images_current; then
    log "base images loaded from $archive"
  else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-base.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
    build_images
    images_current || die "the built images do not carry key $KEY"
    save_images
    # The previous base images and every build cache made on them are of no use now.
    pod image prune -f >/dev/null 2>&1 || true
  fi
  echo "BUILD_IMAGE=$JDK_IMAGE"
  echo "RUNTIME_IMAGE=$JRE_IMAGE"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
