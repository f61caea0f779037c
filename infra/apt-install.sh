#!/usr/bin/env bash
# apt-install.sh WHY PACKAGE...: install the Debian packages (as root, or through sudo) that are
# not there yet; one line saying what to do where apt-get or root is missing.
set -euo pipefail
why=$1
shift
if ! command -v apt-get >/dev/null; then
  echo "error: $why needs $*: install them with your system's package manager" >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "error: installing $* needs root: run 'apt-get install -y $*' as root" >&2; exit 1; }
  as_root=(sudo)
fi
echo "...  installing $* with apt-get (once)"
"${as_root[@]}" apt-get install -y --no-install-recommends "$@" >/dev/null \
  || { "${as_root[@]}" apt-get update >/dev/null && "${as_root[@]}" apt-get install -y --no-install-recommends "$@" >/dev/null; }
