#!/usr/bin/env bash
# Builds pf-bash's local base image (Debian bookworm minbase + bash + the pinned Node 24) for machines where no
# registry can supply node:24-bookworm-slim. See images/base/README.md.
# Usage: scripts/base-image.sh [--force]
#
#   PF_BASE_IMAGE     image name, default pf-bash/base:bookworm-node24
#   PF_DEBIAN_MIRROR  default http://deb.debian.org/debian (only the cold build downloads)
#
# Needs a running engine (scripts/docker-engine.sh ensure) and root (debootstrap, chroot).
# Idempotent: the image carries a label hashing this script and the Node version; when it matches, nothing is
# done. --force rebuilds. The debootstrap output is kept as a tarball under .cache/base-image/, so rebuilding
# after an engine data wipe or an edit of this script downloads no .debs again.
#
# Users are left to the per-function Dockerfile: the production base has no pf-bash user either, so both bases
# behave alike. Anything here runs as any numeric uid (e.g. --user 10001:10001).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

IMAGE=${PF_BASE_IMAGE:-pf-bash/base:bookworm-node24}
MIRROR=${PF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
# libstdc++6: the official Node binary links it and minbase lacks it. tini: a small init, in case the runtime
# wants one as PID 1 (node:24-bookworm-slim has none; docker's --init brings its own).
INCLUDE=ca-certificates,libstdc++6,tini
WORK=$PF_CACHE/base-image
INPUTS_LABEL=org.pf-bash.base.inputs
SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")

force=
case "${1:-}" in
  '') ;;
  --force) force=1 ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

[ "$(id -u)" = 0 ] || pf_die "building the base image needs root (debootstrap, chroot)"
timeout 10 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1 ||
  pf_die "no Docker engine answers; run scripts/docker-engine.sh ensure first"

node_bin=$(pf_node24_dir)/node
node_version=$("$node_bin" --version)
inputs=$({ sha256sum <"$SCRIPT"; echo "$node_version"; } | sha256sum | cut -d' ' -f1)

image_size() {
  docker image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%.1f MB", $1 / 1e6 }'
}

current=$(docker image inspect --format "{{ index .Config.Labels \"$INPUTS_LABEL\" }}" "$IMAGE" 2>/dev/null || true)
if [ -z "$force" ] && [ "$current" = "$inputs" ]; then
  pf_log "$IMAGE is up to date (Node $node_version), $(image_size)"
  exit 0
fi

mkdir -p "$WORK"
exec 9>"$WORK/.lock"
flock 9 # two builds at once would share the rootfs cache

build=$(mktemp -d "$WORK/build.XXXXXX")
rootfs=$build/rootfs
cleanup() {
  # debootstrap mounts /proc and /sys in the target; never rm -rf through a live mount.
  awk -v p="$rootfs/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r |
    while IFS= read -r m; do umount -l "$m" || true; done
  rm -rf "$build"
}
trap cleanup EXIT

started=$SECONDS
# Keyed by what debootstrap is asked for, not by this script: edits below the rootfs stage reuse it.
rootfs_key=$(echo "$SUITE minbase $INCLUDE $(dpkg --print-architecture)" | sha256sum | cut -c1-12)
rootfs_tar=$WORK/rootfs-$SUITE-minbase-$rootfs_key.tar
if [ -f "$rootfs_tar" ]; then
  pf_log "unpacking the cached debootstrap rootfs $rootfs_tar"
  mkdir "$rootfs"
  tar -C "$rootfs" --numeric-owner -xpf "$rootfs_tar"
else
  if ! command -v debootstrap >/dev/null; then
    pf_log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  fi
  pf_log "debootstrap $SUITE minbase (+$INCLUDE) from $MIRROR; log in $WORK/debootstrap.log"
  if ! debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
    tail -n 20 "$WORK/debootstrap.log" >&2
    [ ! -f "$rootfs/debootstrap/debootstrap.log" ] || tail -n 20 "$rootfs/debootstrap/debootstrap.log" >&2
    pf_die "debootstrap failed; see above and $WORK/debootstrap.log"
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" --numeric-owner -cf "$rootfs_tar.tmp" . && mv "$rootfs_tar.tmp" "$rootfs_tar"
  pf_log "debootstrap done in $((SECONDS - started))s; rootfs cached as $rootfs_tar ($(du -h "$rootfs_tar" | cut -f1))"
fi

! awk -v p="$rootfs/" 'index($2, p) == 1 { found = 1 } END { exit !found }' /proc/mounts ||
  pf_die "something is still mounted under $rootfs; refusing to go on"
install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
got=$(chroot "$rootfs" /usr/local/bin/node --version) ||
  pf_die "$node_bin does not run inside the rootfs (a distribution build needing shared libraries?)"
[ "$got" = "$node_version" ] || pf_die "node in the rootfs reports $got, expected $node_version"
[ "$(chroot "$rootfs" /bin/bash -c 'echo ok')" = ok ] || pf_die "bash does not run inside the rootfs"
chroot "$rootfs" /usr/bin/tini --version >/dev/null || pf_die "tini does not run inside the rootfs"

# Slim it like Debian's -slim images: no docs (copyright files stay, as Debian asks), man pages, locales, apt
# lists or logs; dpkg is told to skip the same paths so later apt-get installs stay small too.
(
  cd "$rootfs"
  find usr/share/doc -depth -mindepth 1 ! -name copyright ! -type d -delete
  find usr/share/doc -depth -mindepth 1 -type d -empty -delete
  find usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  rm -rf usr/share/man/* usr/share/info/* usr/share/lintian usr/share/linda
  rm -rf var/lib/apt/lists/* var/cache/apt/*.bin var/cache/debconf/*-old var/lib/dpkg/*-old
  find var/log -type f -delete
  # The engine provides /dev and bind-mounts hosts, hostname and resolv.conf; keep the build host's out.
  rm -rf dev/* tmp/* var/tmp/* root/.bash_history
  : >etc/resolv.conf
  : >etc/hostname
  [ ! -e etc/machine-id ] || : >etc/machine-id
)
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/pf-bash-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
cat >"$rootfs/etc/apt/apt.conf.d/pf-bash-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Acquire::Languages "none";
EOF

old_id=$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
pf_log "importing $IMAGE"
tar -C "$rootfs" --numeric-owner -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${node_version#v}" \
  --change "LABEL $INPUTS_LABEL=$inputs" \
  --change 'WORKDIR /' \
  --change 'CMD ["bash"]' \
  --message "pf-bash base: Debian $SUITE minbase, Node $node_version" \
  - "$IMAGE" >/dev/null
new_id=$(docker image inspect --format '{{.Id}}' "$IMAGE")
# The image the tag left behind is now dangling; drop it unless a container still holds it.
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then docker image rm "$old_id" >/dev/null 2>&1 || true; fi
pf_log "built $IMAGE in $((SECONDS - started))s: $(image_size) (Node $node_version)"
