#!/usr/bin/env bash
# Makes sure Debian's headless Chromium (the browser tests of
# examples/server) and node (the tests that run its page script) are
# installed; installs what is missing with apt-get. Those tests fail, not
# skip, without them when CI=true or BOXOFFICE_REQUIRE_SERVICES=1.
# Idempotent and quiet: it does nothing when both are already there.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ -x /usr/bin/chromium ] || { echo "chromium did not install /usr/bin/chromium" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "nodejs did not install node" >&2; exit 1; }
echo "Chromium: $(/usr/bin/chromium --version 2>/dev/null || echo unknown version); node: $(node --version)"
