#!/usr/bin/env bash
# Install the Debian packages the suite uses (.ci/debian-packages) that are missing, when this
# can: as root on a machine with apt-get. Otherwise it does nothing; scripts/system_check.py then
# names what is missing and what skips without it. `make test` and .ci/run both run this.
# NEWSDESK_NO_APT=1 leaves the system alone.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${NEWSDESK_NO_APT:-}" = 1 ] && exit 0
[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && command -v dpkg >/dev/null || exit 0
missing=""
for pkg in $(cat .ci/debian-packages); do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
echo "Installing Debian packages the tests use:$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
