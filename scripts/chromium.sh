#!/usr/bin/env bash
# Prints the path of the Chromium the browser tests drive (web/e2e), installing
# Debian's chromium package first when it is missing (as root, with apt-get;
# `apt-get update` first when the package lists are stale). No browser is
# downloaded from anywhere else. CHROMIUM overrides the binary.
#
#   scripts/chromium.sh          install when missing, print the path
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$bin" ]; then
  if [ -n "${CHROMIUM:-}" ]; then
    echo "chromium.sh: CHROMIUM=$bin is not an executable file" >&2
    exit 1
  fi
  scripts/debian-packages.sh chromium
fi
if [ ! -x "$bin" ]; then
  echo "chromium.sh: $bin is still missing after installing Debian's chromium package" >&2
  exit 1
fi
echo "$bin"
