#!/usr/bin/env bash
# The official base image every Dockerfile of the project starts from (BASE below). Where an
# image registry answers, it is pulled as usual. Where none does, the same Debian release is made
# here with debootstrap from the Debian mirror apt uses and imported under the official name, so
# the very same Dockerfiles build offline. Needs root (debootstrap); once per machine.
set -euo pipefail
cd "$(dirname "$0")"
export CONTAINERS_CONF="$PWD/containers.conf"

BASE=docker.io/library/debian:bookworm-slim
RELEASE=bookworm

if podman image exists "$BASE"; then
  echo "ok   $BASE"
  exit 0
fi
if timeout 60 podman pull --quiet "$BASE" >/dev/null 2>&1; then
  echo "ok   $BASE (pulled)"
  exit 0
fi
# The mirror of the system's own apt sources (deb822 or one-line format), else Debian's default.
mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
  | grep -oE 'https?://[^ ]+' | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
echo "...  no image registry answers: making $BASE with debootstrap from $mirror (about a minute)"
debootstrap --variant=minbase "$RELEASE" "$root" "$mirror" >"$root.log" 2>&1 \
  || { tail -5 "$root.log" >&2; echo "error: debootstrap of $RELEASE failed (log above)" >&2; exit 1; }
rm -f "$root.log"
# As slim as the official image: no apt lists or caches.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
tar -C "$root" -c . | podman import --change 'CMD ["bash"]' - "$BASE" >/dev/null
echo "ok   $BASE (made with debootstrap: $(podman image inspect --format '{{.Size}}' "$BASE" | numfmt --to=iec))"
