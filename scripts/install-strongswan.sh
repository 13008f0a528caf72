#!/usr/bin/env bash
# Install the Debian packages the vpn_rehearse module and its tests need, when any is missing:
# strongswan-charon, strongswan-swanctl, libcharon-extra-plugins (kernel-libipsec) and iproute2.
#
# As root on a Debian-based machine, runs apt-get update and installs them without prompting.
# Anywhere else it only prints what to do and exits 0, and the rehearsal tests then skip,
# saying that network namespaces or the packages are unavailable.
# Exits non-zero only when root tried to install the packages and apt-get failed.
set -euo pipefail

declare -A files=(
  [strongswan-charon]=/usr/lib/ipsec/charon
  [strongswan-swanctl]=/usr/sbin/swanctl
  [libcharon-extra-plugins]=/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so
  [iproute2]=/usr/bin/ip
)

missing=()
for package in strongswan-charon strongswan-swanctl libcharon-extra-plugins iproute2; do
  path=${files[$package]}
  if [ ! -e "$path" ] && [ ! -e "${path/#\/usr/}" ]; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "install-strongswan: ${missing[*]} missing and only root can install them;" \
    "run 'apt-get install ${missing[*]}' as root, or the rehearsal tests are skipped" >&2
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-strongswan: ${missing[*]} missing and apt-get was not found;" \
    "install strongSwan (charon, swanctl, kernel-libipsec) and iproute2 with this system's package manager" >&2
  exit 0
fi

echo "install-strongswan: installing ${missing[*]} with apt-get" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-strongswan: apt-get failed to install ${missing[*]} (output above)" >&2
  exit 1
fi
echo "install-strongswan: installed ${missing[*]}" >&2
