"""vpn_info against the hub-and-spoke example: tunnels up, then broken one way at a time."""

import json
import os
import secrets
import ssl
import sys
import urllib.parse
import urllib.request

import pytest

from conftest import REPO, make_inventory, run_playbook, start_demo_devices

BUILD = os.path.join(REPO, "playbooks", "hub_and_spoke.yml")
INFO = os.path.join(REPO, "tests", "integration", "playbooks", "vpn_info.yml")
PEER_CHECK = os.path.join(REPO, "tests", "integration", "playbooks", "peer_check.yml")
DEVICE_ROOT = "/config/devices/entry[@name='localhost.localdomain']"


@pytest.fixture(scope="module")
def marker():
    return "PSKMARKER-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def built(tmp_path_factory, password, marker):
    sim = start_demo_devices(tmp_path_factory, password, "vpninfo")
    inventory = make_inventory(tmp_path_factory.mktemp("inventory"), sim)
    run = run_playbook(BUILD, inventory, sim, marker)
    assert run.returncode == 0, run.output
    yield sim, inventory
    sim.stop()


def info(built, marker, tmp_path, target, *extra, **variables):
    sim, inventory = built
    result_file = os.path.join(str(tmp_path), "%s.json" % target)
    variables.update(target=target, result_file=result_file)
    run = run_playbook(INFO, inventory, sim, marker, "-e", json.dumps(variables), *extra)
    result = None
    if os.path.exists(result_file):
        with open(result_file, encoding="utf-8") as handle:
            result = json.load(handle)
    return run, result


def tunnel(result, name):
    return next(entry for entry in result["tunnels"] if entry["name"] == name)


def commit(sim, name):
    reply = sim.api(name, type="commit", cmd="<commit></commit>")
    assert 'status="success"' in reply, reply


def set_link(sim, name, interface, state):
    context = ssl.create_default_context(cafile=sim.ca_path)
    url = "https://127.0.0.1:%d/_pansim/link" % sim.devices[name]["port"]
    body = urllib.parse.urlencode({"interface": interface, "state": state, "key": sim.key(name)}).encode()
    with urllib.request.urlopen(url, data=body, context=context, timeout=30) as reply:
        return reply.read().decode()


def test_built_tunnels_up(built, marker, tmp_path):
    run, result = info(built, marker, tmp_path, "hub")
    assert run.returncode == 0, run.output
    assert result["summary"] == {"up": 3, "partial": 0, "down": 0}
    entry = tunnel(result, "vpn-branch1")
    assert entry["phase1"]["state"] == "up"
    assert "DH20" in entry["phase1"]["algorithm"]
    assert entry["phase2"]["sas"][0]["dh_group"] == "DH20"
    assert entry["diagnosis"] is None
    assert entry["monitor"] == "off"
    assert "encap_packets" in entry["counters"]
    assert result["system"]["memory_total_kib"] > 0
    assert marker not in run.output


def test_key_mismatch_diagnosed(built, marker, tmp_path):
    sim, _inventory = built
    gateway = DEVICE_ROOT + "/network/ike/gateway/entry[@name='gw-hub']/authentication/pre-shared-key"
    sim.set("branch2", gateway, "<key>%s-other</key>" % marker)
    commit(sim, "branch2")

    run, result = info(built, marker, tmp_path, "branch2", initiate=True)

    assert run.returncode == 0, run.output
    entry = tunnel(result, "vpn-hub")
    assert entry["state"] == "down"
    assert entry["diagnosis"]["cause"] == "psk_mismatch"
    assert entry["diagnosis"]["evidence"]
    assert result["initiated"] == ["vpn-hub"]
    hub_run, hub = info(built, marker, tmp_path, "hub", tunnels=["vpn-branch2"])
    assert tunnel(hub, "vpn-branch2")["diagnosis"]["cause"] == "psk_mismatch"
    assert marker not in run.output + hub_run.output

    # vpn_peer_check flags the same tunnel from the configurations alone.
    check_file = os.path.join(str(tmp_path), "peer.json")
    peer = {"provider": {"host": "127.0.0.1", "port": sim.devices["branch2"]["port"], "password": sim.password, "ca_path": sim.ca_path}}
    variables = {"local_port": sim.devices["hub"]["port"], "peer": peer, "result_file": check_file, "tunnels": ["vpn-branch2"]}
    check_run = run_playbook(
        PEER_CHECK, "localhost,", sim, marker, "-e", json.dumps(variables),
        "-e", "ansible_connection=local", "-e", "ansible_python_interpreter=" + sys.executable,
    )
    assert check_run.returncode == 0, check_run.output
    with open(check_file, encoding="utf-8") as handle:
        checked = json.load(handle)
    assert checked["tunnels"][0]["mismatches"] == ["pre_shared_key"]
    assert marker not in check_run.output


def test_unreachable_peer_diagnosed(built, marker, tmp_path):
    sim, _inventory = built
    set_link(sim, "hub", "ethernet1/1", "down")
    try:
        run, result = info(built, marker, tmp_path, "branch1", initiate=True)
    finally:
        set_link(sim, "hub", "ethernet1/1", "up")
    assert run.returncode == 0, run.output
    entry = tunnel(result, "vpn-hub")
    assert entry["state"] == "down"
    assert entry["diagnosis"]["cause"] == "peer_unreachable"


def test_proxy_id_mismatch_diagnosed(built, marker, tmp_path):
    sim, _inventory = built
    # Proxy IDs on branch1's end only: the hub proposes 0.0.0.0/0, which they do not mirror.
    proxy = "<entry name='lan'><local>10.11.0.0/24</local><remote>10.0.0.0/16</remote><protocol><any/></protocol></entry>"
    sim.set("branch1", DEVICE_ROOT + "/network/tunnel/ipsec/entry[@name='vpn-hub']/auto-key/proxy-id", proxy)
    commit(sim, "branch1")

    run, result = info(built, marker, tmp_path, "branch1", initiate=True)

    assert run.returncode == 0, run.output
    entry = tunnel(result, "vpn-hub")
    assert entry["state"] != "up"
    assert entry["diagnosis"]["cause"] == "proxy_id_mismatch"
    assert entry["diagnosis"]["phase"] == 2


def test_passive_both_ends_diagnosed(built, marker, tmp_path):
    sim, _inventory = built
    sim.set("branch3", DEVICE_ROOT + "/network/ike/gateway/entry[@name='gw-hub']/protocol-common", "<passive-mode>yes</passive-mode>")
    commit(sim, "branch3")
    sim.api("branch3", type="op", cmd="<clear><vpn><ike-sa><gateway>gw-hub</gateway></ike-sa></vpn></clear>")

    run, result = info(built, marker, tmp_path, "branch3", initiate=True)

    assert run.returncode == 0, run.output
    entry = tunnel(result, "vpn-hub")
    assert entry["state"] == "down"
    assert entry["diagnosis"]["cause"] == "passive_waiting"


def test_check_mode_never_initiates(built, marker, tmp_path):
    run, result = info(built, marker, tmp_path, "branch3", "--check", initiate=True)
    assert run.returncode == 0, run.output
    assert result["initiated"] == []
    assert result["skipped"] == "check mode: no negotiation was started"
    assert tunnel(result, "vpn-hub")["state"] == "down"


def test_unknown_tunnel_rejected(built, marker, tmp_path):
    run, _result = info(built, marker, tmp_path, "hub", tunnels=["vpn-nowhere"])
    assert run.returncode != 0
    assert "tunnels: vpn-nowhere not found in the running configuration" in run.output
