#!/usr/bin/env bash
# The browser the dashboard's tests drive: Debian's chromium, from the system's package manager
# (Playwright is told to use it and never downloads a browser of its own).
set -euo pipefail

if command -v chromium >/dev/null; then
  echo "ok   $(chromium --version 2>/dev/null | head -1)"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "error: the browser tests need Chromium: install it with your system's package manager (package chromium)" >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "error: installing chromium needs root: run 'apt-get install -y chromium' as root" >&2; exit 1; }
  as_root=(sudo)
fi
echo "...  installing chromium with apt-get (about 100 MB, once)"
"${as_root[@]}" apt-get install -y --no-install-recommends chromium >/dev/null \
  || { "${as_root[@]}" apt-get update >/dev/null && "${as_root[@]}" apt-get install -y --no-install-recommends chromium >/dev/null; }
echo "ok   $(chromium --version 2>/dev/null | head -1)"
