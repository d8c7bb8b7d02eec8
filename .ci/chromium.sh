#!/usr/bin/env bash
# Makes sure Debian's headless Chromium is installed for the browser test of
# examples/server; installs it with apt-get when /usr/bin/chromium is missing.
# Idempotent and quiet: it does nothing when Chromium is already there.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
	exit 0
fi
echo "Chromium is not installed; installing it"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
[ -x /usr/bin/chromium ] || { echo "chromium did not install /usr/bin/chromium" >&2; exit 1; }
echo "Chromium is installed: $(/usr/bin/chromium --version 2>/dev/null || echo unknown version)"
