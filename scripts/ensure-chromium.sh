#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the WebChat browser tests.
# Does nothing when it is already there; otherwise installs the `chromium` package with apt-get.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

fail() {
  echo "ensure-chromium: $*" >&2
  echo "ensure-chromium: install it yourself (as root: apt-get install -y chromium) so $CHROMIUM exists; the WebChat browser tests skip without it." >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "$CHROMIUM is missing and apt-get is not available on this machine."

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    fail "$CHROMIUM is missing and installing it needs root (no password-less sudo)."
  fi
fi

echo "ensure-chromium: $CHROMIUM is missing; installing Debian's chromium package..." >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || fail "apt-get update failed."
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium \
  || fail "apt-get install chromium failed."

[ -x "$CHROMIUM" ] || fail "the chromium package installed but $CHROMIUM is still missing."
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) installed." >&2
