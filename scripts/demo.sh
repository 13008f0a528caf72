#!/usr/bin/env bash
# make demo: start four simulated firewalls, build the hub-and-spoke VPN twice, show the result.
set -euo pipefail
cd "$(dirname "$0")/.."

workdir=build/demo
output_dir=demo-out
export ANSIBLE_COLLECTIONS_PATH="$PWD/build/collections"
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
if [ -z "${IPSEC_PSK:-}" ]; then
  IPSEC_PSK=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')
  echo "demo: IPSEC_PSK is not set; using a random pre-shared key for this run"
fi
export IPSEC_PSK

scripts/pansim-demo.sh "$workdir" "$output_dir"
# The simulators write their configurations here when they stop; drop the previous run's.
rm -f "$output_dir"/*.xml
# shellcheck source=/dev/null
. "$workdir/env"
trap 'kill "$PANSIM_PID" 2>/dev/null; wait "$PANSIM_PID" 2>/dev/null || true' EXIT

playbook=(.venv/bin/ansible-playbook -i playbooks/inventories/hub_and_spoke)

echo "== First run: build the VPN on the hub and three spokes"
"${playbook[@]}" playbooks/hub_and_spoke.yml

echo "== Second run: nothing should change"
"${playbook[@]}" playbooks/hub_and_spoke.yml | tee "$workdir/second-run.txt"
if ! .venv/bin/python scripts/check_recap.py --expect-unchanged hub branch1 branch2 branch3 <"$workdir/second-run.txt"; then
  echo "demo: the second run changed something; see above" >&2
  exit 1
fi

echo "== The hub's tunnels, as configured and as negotiated"
"${playbook[@]}" playbooks/show_tunnels.yml -e expect_up=true

kill "$PANSIM_PID"
wait "$PANSIM_PID" 2>/dev/null || true
trap - EXIT
echo "== Running configurations written to $output_dir/"
ls -1 "$output_dir"
