#!/usr/bin/env bash
# The browser the dashboard's tests drive: Debian's chromium, from the system's package manager
# (Playwright is told to use it and never downloads a browser of its own).
set -euo pipefail

if ! command -v chromium >/dev/null; then
  bash "$(dirname "$0")/../apt-install.sh" "the browser tests" chromium
fi
echo "ok   $(chromium --version 2>/dev/null | head -1)"
