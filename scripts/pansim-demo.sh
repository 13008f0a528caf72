#!/usr/bin/env bash
# Start the four simulated firewalls of the hub-and-spoke example in the background.
#
# Usage: scripts/pansim-demo.sh WORKDIR OUTPUT_DIR
# Writes WORKDIR/env (PANOS_PASSWORD, PANOS_CA_PATH, PANSIM_PID) for the caller to source.
set -euo pipefail

workdir=$1
output_dir=$2
python=${PYTHON:-.venv/bin/python}
baseline=${HUB_BASELINE:-../shared/corpus/panos-configs/iron-skillet__sample-mgmt-static__iron_skillet_panos_full.xml}

for port in 18443 18444 18445 18446; do
  if "$python" -c 'import socket, sys; s = socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0)' "$port"; then
    echo "demo: port $port on 127.0.0.1 is already in use; stop what listens there (an earlier demo?) and retry" >&2
    exit 1
  fi
done

rm -rf "$workdir"
mkdir -p "$workdir" "$output_dir"
chmod 700 "$workdir"

password=$("$python" -c 'import secrets; print(secrets.token_urlsafe(18))')

hub_config=""
if [ -f "$baseline" ]; then
  hub_config="    config: $(realpath "$baseline")"
else
  echo "demo: $baseline not found; the hub starts from the factory-default configuration" >&2
fi

umask 077
cat > "$workdir/devices.yml" <<YAML
devices:
  - name: hub
    port: 18443
$hub_config
    admins: {admin: "$password"}
    interfaces: [{name: ethernet1/1, ip: 198.51.100.1/24, zone: untrust, virtual_router: default, gateway: 198.51.100.254}]
  - name: branch1
    port: 18444
    admins: {admin: "$password"}
    interfaces: [{name: ethernet1/1, ip: 203.0.113.11/24, zone: untrust, virtual_router: default, gateway: 203.0.113.254}]
  - name: branch2
    port: 18445
    admins: {admin: "$password"}
    interfaces: [{name: ethernet1/1, ip: 203.0.113.12/24, zone: untrust, virtual_router: default, gateway: 203.0.113.254}]
  - name: branch3
    port: 18446
    admins: {admin: "$password"}
    interfaces: [{name: ethernet1/1, ip: 203.0.113.13/24, zone: untrust, virtual_router: default, gateway: 203.0.113.254}]
YAML

"$python" -m pansim --tls-dir "$workdir/tls" --devices "$workdir/devices.yml" \
  --ready-file "$workdir/ready.json" --output-dir "$output_dir" \
  --log-file "$workdir/pansim.log" >"$workdir/pansim.out" 2>&1 &
pid=$!

for _ in $(seq 1 100); do
  [ -f "$workdir/ready.json" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "demo: pansim exited before it was ready:" >&2
    cat "$workdir/pansim.out" >&2
    exit 1
  fi
  sleep 0.1
done
[ -f "$workdir/ready.json" ] || { echo "demo: pansim was not ready after 10 seconds" >&2; kill "$pid"; exit 1; }

cat > "$workdir/env" <<ENV
export PANOS_PASSWORD='$password'
export PANOS_CA_PATH='$(realpath "$workdir/tls/ca.pem")'
export PANSIM_PID=$pid
ENV
