#!/usr/bin/env bash
# Makes Ferry's two base images locally, for machines that reach no container registry:
#   localhost/ferry-base-jdk:<major>  Debian bookworm (minbase) + the full JDK at /opt/java/openjdk: the build stage
#   localhost/ferry-base-jre:<major>  glibc from that Debian (libc6, libgcc-s1, no shell, no package manager) + a
#                                     jlink runtime of that very JDK build: training and runtime
# Both come from one JDK (default /usr/lib/jvm/temurin-25-jdk-amd64), so an AOT cache trained on the runtime image
# loads at run time. The runtime carries only what the JVM loads: Debian's other 70 MB (shell, apt, coreutils)
# was a quarter of the compressed image (issue 19).
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

# The packages of the Debian root a jlink runtime needs: the C library (the JVM links nothing else; zlib, libstdc++
# and the rest are inside the JDK) and libgcc_s, which glibc loads to unwind a thread that exits.
RUNTIME_PACKAGES=(libc6 libgcc-s1)

# DEBIAN_ROOT OUT: a root filesystem of RUNTIME_PACKAGES' files (directories resolved through Debian's merged /usr,
# gconv's character-set modules left out: the JVM converts character sets itself), ld.so's configuration, the
# merged-/usr links, the C.UTF-8 locale, /tmp, and the two accounts and the name-service file a JVM looks up.
glibc_rootfs() {
  local from=$1 out=$2 list
  # Files only (debian_rootfs has removed documentation but the copyright files, which dpkg still lists).
  list=$(chroot "$from" /bin/sh -c 'for p in $(dpkg -L "$@"); do
      if [ ! -d "$p" ] && { [ -e "$p" ] || [ -h "$p" ]; }; then echo "$(realpath -e "$(dirname "$p")")/${p##*/}"; fi
    done' sh "${RUNTIME_PACKAGES[@]}") || die "cannot list the files of ${RUNTIME_PACKAGES[*]} in the Debian root"
  mkdir -p "$out"
  { grep -v '/gconv/' <<<"$list" | sed 's|^/||'; echo etc/ld.so.conf; echo etc/ld.so.cache; } \
    | tar -C "$from" -c --no-recursion -T - | tar -C "$out" -x || die "cannot copy glibc out of the Debian root"
  # The C.UTF-8 locale (libc-bin's): with LANG=C.UTF-8 and no locale files the JVM decodes environment variables
  # and file names as ASCII.
  tar -C "$from" -c etc/ld.so.conf.d usr/lib/locale/C.utf8 | tar -C "$out" -x || die "no C.UTF-8 locale in the Debian root"
  local link
  for link in bin lib lib64 sbin; do
    [[ -L "$from/$link" ]] && cp -a "$from/$link" "$out/$link"
  done
  mkdir -p "$out/tmp" && chmod 1777 "$out/tmp"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' \
    > "$out/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$out/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$out/etc/nsswitch.conf"
  [[ -e "$out/lib64/ld-linux-x86-64.so.2" ]] || die "the glibc root has no /lib64/ld-linux-x86-64.so.2"
}

jlink_runtime() {
  local out=$1
  log "jlink runtime from $FERRY_JDK_HOME"
  "$FERRY_JDK_HOME/bin/jlink" --add-modules "$FERRY_JLINK_MODULES" --strip-debug --no-man-pages \
    --no-header-files --output "$out" >/dev/null || die "jlink failed"
  # No default CDS archive (classes.jsa, 14 MB): Ferry's image starts from its own AOT cache, which holds the JDK's
  # classes too. The native libraries of java.desktop that draw, play sound or decode images: a headless migration
  # runner never loads them (java.desktop stays for java.beans), and most need X11 or ALSA libraries not here anyway.
  rm -f "$out"/lib/lib{awt_xawt,jawt,splashscreen,jsound,fontmanager,freetype,lcms,mlib_image,javajpeg}.so
}

java_image() {
  local name=$1 from=$2 java=$3 description=$4 context="$WORK/ctx-${1//[^a-z0-9]/-}"
  mkdir -p "$context"
  mv "$java" "$context/openjdk"
  cat > "$context/Containerfile" <<EOF
FROM $from
COPY openjdk $JAVA_DIR
ENV JAVA_HOME=$JAVA_DIR PATH=$IMAGE_PATH LANG=C.UTF-8
LABEL dev.ferry.base-key=$KEY org.opencontainers.image.description="Ferry base: $description + $(basename "$FERRY_JDK_HOME")"
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

  log "building $JDK_IMAGE (full JDK)"
  cp -a "$FERRY_JDK_HOME" "$WORK/jdk"
  # Debian-packaged JDKs link files to the host (lib/security/cacerts -> /etc/ssl/certs/java/cacerts): copy them in.
  local link
  while IFS= read -r -d '' link; do
    cp --remove-destination "$(readlink -f "$link")" "$link" || die "cannot resolve $link"
  done < <(find "$WORK/jdk" -type l -lname '/*' -print0)
  java_image "$JDK_IMAGE" "$debian" "$WORK/jdk" "Debian $FERRY_DEBIAN_SUITE"
  log "building $JRE_IMAGE (glibc + jlink runtime)"
  local glibc="localhost/ferry-base-glibc:$FERRY_DEBIAN_SUITE-$KEY"
  glibc_rootfs "$WORK/rootfs" "$WORK/glibc"
  tar -C "$WORK/glibc" -c . | pod import -q --change "ENV LANG=C.UTF-8" - "$glibc" >/dev/null \
    || die "podman import of the glibc root failed"
  rm -rf "$WORK/rootfs" "$WORK/glibc"
  jlink_runtime "$WORK/jre"
  java_image "$JRE_IMAGE" "$glibc" "$WORK/jre" "glibc of Debian $FERRY_DEBIAN_SUITE"
  pod rmi "$debian" "$glibc" >/dev/null 2>&1 || true
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
