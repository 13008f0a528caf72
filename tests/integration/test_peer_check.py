"""vpn_peer_check against the hub-and-spoke example: agreeing ends, then one mismatch at a time."""

import json
import os
import secrets
import sys

import pytest

from conftest import REPO, make_inventory, run_playbook, start_demo_devices

BUILD = os.path.join(REPO, "playbooks", "hub_and_spoke.yml")
CHECK = os.path.join(REPO, "tests", "integration", "playbooks", "peer_check.yml")
DEVICE_ROOT = "/config/devices/entry[@name='localhost.localdomain']"
BRANCH1_GATEWAY = DEVICE_ROOT + "/network/ike/gateway/entry[@name='gw-hub']"
BRANCH1_TUNNEL = DEVICE_ROOT + "/network/tunnel/ipsec/entry[@name='vpn-hub']"


@pytest.fixture(scope="module")
def marker():
    return "PSKMARKER-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def sim(tmp_path_factory, password, marker):
    devices = start_demo_devices(tmp_path_factory, password, "peercheck")
    inventory = make_inventory(tmp_path_factory.mktemp("inventory"), devices)
    run = run_playbook(BUILD, inventory, devices, marker)
    assert run.returncode == 0, run.output
    yield devices
    devices.stop()


def peer_provider(sim, name):
    return {"host": "127.0.0.1", "port": sim.devices[name]["port"], "password": sim.password, "ca_path": sim.ca_path}


def check(sim, tmp_path, marker, peer, **variables):
    result_file = os.path.join(str(tmp_path), "result.json")
    variables.update(local_port=sim.devices["hub"]["port"], peer=peer, result_file=result_file)
    run = run_playbook(
        CHECK, "localhost,", sim, marker, "-e", json.dumps(variables),
        "-e", "ansible_connection=local", "-e", "ansible_python_interpreter=" + sys.executable,
    )
    result = None
    if os.path.exists(result_file):
        with open(result_file, encoding="utf-8") as handle:
            result = json.load(handle)
    return run, result


def pair(result, tunnel):
    return next(entry for entry in result["tunnels"] if entry["local"]["tunnel"] == tunnel)


def test_built_ends_agree(sim, tmp_path, marker):
    run, result = check(sim, tmp_path, marker, {"provider": peer_provider(sim, "branch1")})
    assert run.returncode == 0, run.output
    assert result["consistent"] is True
    entry = pair(result, "vpn-branch1")
    assert entry["peer"]["tunnel"] == "vpn-hub"
    assert entry["mismatches"] == []
    statuses = {c["check"]: c["status"] for c in entry["checks"]}
    assert statuses["pre_shared_key"] == "match"
    assert statuses["ike_proposals"] == "match"
    assert statuses["proxy_ids"] == "match"
    assert sorted(result["unpaired"]["local"]) == ["vpn-branch2", "vpn-branch3"]
    assert marker not in run.output


def test_candidate_proxy_id_mismatch(sim, tmp_path, marker):
    proxy = "<entry name='only-here'><local>10.11.0.0/24</local><remote>10.0.0.0/16</remote><protocol><any/></protocol></entry>"
    sim.set("branch1", BRANCH1_TUNNEL + "/auto-key/proxy-id", proxy)

    _run, running = check(sim, tmp_path, marker, {"provider": peer_provider(sim, "branch1")})
    _run, candidate = check(sim, tmp_path, marker, {"provider": peer_provider(sim, "branch1")}, source="candidate")

    assert pair(running, "vpn-branch1")["consistent"] is True
    assert pair(candidate, "vpn-branch1")["mismatches"] == ["proxy_ids"]
    sim.api("branch1", type="config", action="delete", xpath=BRANCH1_TUNNEL + "/auto-key/proxy-id")


def test_key_mismatch_found_without_showing_keys(sim, tmp_path, marker):
    other = marker + "-other"
    sim.set("branch1", BRANCH1_GATEWAY + "/authentication/pre-shared-key", "<key>%s</key>" % other)

    run, result = check(sim, tmp_path, marker, {"provider": peer_provider(sim, "branch1")}, source="candidate", fail_on_mismatch=True)

    assert run.returncode != 0
    assert "vpn-branch1: pre_shared_key" in run.output
    assert marker not in run.output
    entry = pair(result, "vpn-branch1") if result else None
    assert entry is None  # the task failed, so the save step did not run
    sim.set("branch1", BRANCH1_GATEWAY + "/authentication/pre-shared-key", "<key>%s</key>" % marker)


def test_declared_peer_proposal_mismatch(sim, tmp_path, marker):
    declared = {
        "name": "third-party",
        "local_address": "203.0.113.12",
        "peer_address": "198.51.100.1",
        "version": "ikev2",
        "pre_shared_key": marker,
        "ike": {"encryption": ["aes-128-cbc"], "hash": ["sha1"], "dh_group": ["group14"], "lifetime": "8h"},
        "esp": {"encryption": ["aes-256-gcm"], "authentication": ["none"], "dh_group": "group20", "lifetime": 3600},
    }
    run, result = check(sim, tmp_path, marker, {"declared": declared}, tunnels=["vpn-branch2"])

    assert run.returncode == 0, run.output
    entry = pair(result, "vpn-branch2")
    assert entry["peer"]["tunnel"] == "third-party"
    assert entry["mismatches"] == ["ike_proposals"]
    ike = next(c for c in entry["checks"] if c["check"] == "ike_proposals")
    assert "no common IKE encryption or hash or dh group" in ike["message"]
    statuses = {c["check"]: c["status"] for c in entry["checks"]}
    assert statuses["pre_shared_key"] == "match"
    assert marker not in run.output


def test_unknown_tunnel_rejected(sim, tmp_path, marker):
    run, _result = check(sim, tmp_path, marker, {"provider": peer_provider(sim, "branch1")}, tunnels=["vpn-nowhere"])
    assert run.returncode != 0
    assert "tunnels: vpn-nowhere not found on the local end" in run.output


def test_two_peer_sources_rejected(sim, tmp_path, marker):
    run, _result = check(sim, tmp_path, marker, {"provider": peer_provider(sim, "branch1"), "running_config": "<config/>"})
    assert run.returncode != 0
    assert "peer: give exactly one of provider, running_config and declared; got provider, running_config" in run.output


def test_requested_tunnel_without_partner_fails(sim, tmp_path, marker):
    declared = {
        "name": "typo-peer",
        "local_address": "203.0.113.99",
        "peer_address": "198.51.100.1",
        "pre_shared_key": marker + "-wrong",
        "ike": {"encryption": ["aes-256-cbc"], "hash": ["sha256"], "dh_group": ["group20"]},
        "esp": {"encryption": ["aes-256-gcm"], "authentication": ["none"], "dh_group": "group20"},
    }
    run, result = check(sim, tmp_path, marker, {"declared": declared}, tunnels=["vpn-branch1"])
    assert run.returncode == 0, run.output
    assert result["consistent"] is False
    assert result["tunnels"] == []
    assert result["unpaired"]["local"] == ["vpn-branch1"]

    failed, _result = check(sim, tmp_path, marker, {"declared": declared}, tunnels=["vpn-branch1"], fail_on_mismatch=True)
    assert failed.returncode != 0
    assert "vpn-branch1: no tunnel of the far end points at it" in failed.output


def test_empty_far_end_is_not_consistent(sim, tmp_path, marker):
    run, result = check(sim, tmp_path, marker, {"running_config": "<config/>"})
    assert run.returncode == 0, run.output
    assert result["consistent"] is False
    assert sorted(result["unpaired"]["local"]) == ["vpn-branch1", "vpn-branch2", "vpn-branch3"]


def test_peer_without_password_named_as_peer(sim, tmp_path, marker):
    provider = {"host": "127.0.0.1", "port": sim.devices["branch1"]["port"], "ca_path": sim.ca_path}
    run, _result = check(sim, tmp_path, marker, {"provider": provider})
    assert run.returncode != 0
    assert "peer.provider.password or peer.provider.api_key is required" in run.output
    assert "PANOS_PASSWORD" not in run.output


@pytest.mark.parametrize(
    "change, message",
    [
        ({"ike": {"encryption": ["aes-999"], "hash": ["sha256"], "dh_group": ["group20"]}}, "aes-999"),
        ({"local_address": "not-an-ip"}, "peer.declared.local_address: 'not-an-ip' is not a valid IPv4 or IPv6 address"),
        ({"ike": {"encryption": ["aes-256-cbc"], "hash": ["sha256"], "dh_group": ["group20"], "lifetime": "forever"}},
         "peer.declared.ike.lifetime: 'forever' is not a duration"),
        ({"proxy_ids": [{"local": "10.12.0.0/33", "remote": "10.0.0.0/16"}]}, "peer.declared.proxy_ids[0].local"),
    ],
)
def test_declared_values_checked(sim, tmp_path, marker, change, message):
    declared = {
        "local_address": "203.0.113.12",
        "peer_address": "198.51.100.1",
        "ike": {"encryption": ["aes-256-cbc"], "hash": ["sha256"], "dh_group": ["group20"]},
        "esp": {"encryption": ["aes-256-gcm"], "authentication": ["none"], "dh_group": "group20"},
    }
    declared.update(change)
    run, _result = check(sim, tmp_path, marker, {"declared": declared})
    assert run.returncode != 0
    assert message in run.output


def test_disabled_tunnel_is_a_mismatch(sim, tmp_path, marker):
    tunnel = DEVICE_ROOT + "/network/tunnel/ipsec/entry[@name='vpn-hub']"
    sim.set("branch1", tunnel, "<disabled>yes</disabled>")
    try:
        _run, result = check(sim, tmp_path, marker, {"provider": peer_provider(sim, "branch1")}, source="candidate")
    finally:
        sim.set("branch1", tunnel, "<disabled>no</disabled>")
    entry = pair(result, "vpn-branch1")
    assert entry["mismatches"] == ["enabled"]


def test_unpaired_tunnel_explained(sim, tmp_path, marker):
    gateway = BRANCH1_GATEWAY + "/peer-address"
    sim.api("branch1", type="config", action="edit", xpath=gateway, element="<peer-address><ip>198.51.100.7</ip></peer-address>")
    try:
        _run, result = check(sim, tmp_path, marker, {"provider": peer_provider(sim, "branch1")}, source="candidate")
    finally:
        sim.api("branch1", type="config", action="edit", xpath=gateway, element="<peer-address><ip>198.51.100.1</ip></peer-address>")
    reason = "vpn-hub (gw-hub) sends IKE to 198.51.100.7, which is not the local address of any tunnel of the local end (198.51.100.1)"
    assert reason in result["unpaired_reasons"]
