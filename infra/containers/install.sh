#!/usr/bin/env bash
# What `make images` needs where no Docker engine runs: podman (builds and runs the images, and
# serves the Docker API to the docker CLI), runc, and debootstrap (makes the Debian base image
# where no image registry answers). From the system's package manager, once.
set -euo pipefail

missing=()
for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  bash "$(dirname "$0")/../apt-install.sh" "building the images without Docker" "${missing[@]}"
fi
echo "ok   $(podman --version), $(runc --version | head -1)"
