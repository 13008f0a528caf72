#!/usr/bin/env bash
# Install Debian's chromium package for the vpn_report screenshot test, when it is missing.
#
# As root on a Debian-based machine, runs apt-get update and installs chromium without
# prompting. Anywhere else it only prints what to do and exits 0, and the screenshot test
# then skips, saying that chromium is missing and could not be installed.
# Exits non-zero only when root tried to install chromium and apt-get failed.
set -euo pipefail

chromium=/usr/bin/chromium

if [ -x "$chromium" ]; then
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "install-chromium: $chromium is missing and only root can install it;" \
    "run 'apt-get install chromium' as root, or the vpn_report screenshot test is skipped" >&2
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: $chromium is missing and apt-get was not found;" \
    "install Chromium with this system's package manager, or the vpn_report screenshot test fails" >&2
  exit 0
fi

echo "install-chromium: installing Debian's chromium package with apt-get" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-chromium: apt-get failed to install chromium (output above)" >&2
  exit 1
fi

if [ ! -x "$chromium" ]; then
  echo "install-chromium: apt-get installed chromium but $chromium is still missing" >&2
  exit 1
fi
echo "install-chromium: installed $("$chromium" --version 2>/dev/null || echo chromium)" >&2
