"""playbooks/troubleshoot.yml on the hub-and-spoke example with branch2's key changed."""

import os
import secrets

import pytest

from conftest import REPO, make_inventory, run_playbook, start_demo_devices

BUILD = os.path.join(REPO, "playbooks", "hub_and_spoke.yml")
TROUBLESHOOT = os.path.join(REPO, "playbooks", "troubleshoot.yml")
DEVICE_ROOT = "/config/devices/entry[@name='localhost.localdomain']"


@pytest.fixture(scope="module")
def marker():
    return "PSKMARKER-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def built(tmp_path_factory, password, marker):
    sim = start_demo_devices(tmp_path_factory, password, "troubleshoot")
    inventory = make_inventory(tmp_path_factory.mktemp("inventory"), sim)
    run = run_playbook(BUILD, inventory, sim, marker)
    assert run.returncode == 0, run.output
    key_path = DEVICE_ROOT + "/network/ike/gateway/entry[@name='gw-hub']/authentication/pre-shared-key"
    sim.set("branch2", key_path, "<key>%s-other</key>" % marker)
    reply = sim.api("branch2", type="commit", cmd="<commit></commit>")
    assert 'status="success"' in reply, reply
    yield sim, inventory
    sim.stop()


def troubleshoot(built, marker, *extra):
    sim, inventory = built
    return run_playbook(TROUBLESHOOT, inventory, sim, marker, *extra)


def test_key_mismatch_explained(built, marker):
    run = troubleshoot(built, marker, "-e", "firewall=hub", "-e", "tunnel=vpn-branch2", "-e", "initiate=true", "-e", "initiate_wait=1", "-vvv")
    assert run.returncode == 0, run.output
    assert "hub vpn-branch2 (gateway gw-branch2, peer 203.0.113.12): down" in run.output
    # The hub is passive, so test vpn starts nothing there and the summary reports that.
    assert "This end did not start a negotiation: its gateway is passive" in run.output
    assert "What is wrong: phase 1 failed at authentication: the pre-shared keys differ" in run.output
    assert "(psk_mismatch, phase 1)" in run.output
    assert "Fix: write the same pre_shared_key to both gateways" in run.output
    assert "Peer check against branch2: mismatches in pre_shared_key" in run.output
    assert "Peer fix: " in run.output
    assert "ikev2-nego-ike-fail gw-branch2" in run.output
    assert marker not in run.output


def test_up_tunnel_reported_up(built, marker):
    run = troubleshoot(built, marker, "-e", "firewall=branch1", "-e", "tunnel=vpn-hub")
    assert run.returncode == 0, run.output
    assert "branch1 vpn-hub (gateway gw-hub, peer 198.51.100.1): up" in run.output
    assert "The tunnel is up." in run.output
    assert "Peer check against hub: both ends agree" in run.output
    assert "What is wrong" not in run.output


def test_peer_named_on_command_line(built, marker):
    run = troubleshoot(built, marker, "-e", "firewall=branch2", "-e", "tunnel=vpn-hub", "-e", "peer=hub")
    assert run.returncode == 0, run.output
    assert "Peer check against hub: mismatches in pre_shared_key" in run.output


def test_unknown_peer_rejected(built, marker):
    run = troubleshoot(built, marker, "-e", "firewall=hub", "-e", "tunnel=vpn-branch2", "-e", "peer=nowhere")
    assert run.returncode != 0
    assert "peer: nowhere is not a host of the inventory" in run.output


def test_check_mode_never_initiates(built, marker):
    run = troubleshoot(built, marker, "--check", "-e", "firewall=hub", "-e", "tunnel=vpn-branch2", "-e", "initiate=true")
    assert run.returncode == 0, run.output
    assert "Negotiation not started: check mode: no negotiation was started" in run.output
    assert "Started negotiation first." not in run.output


def test_capture_documented_unsupported(built, marker):
    run = troubleshoot(built, marker, "-e", "firewall=hub", "-e", "tunnel=vpn-branch1", "-e", "capture=true")
    assert run.returncode == 0, run.output
    assert "capture=true: this playbook takes no packet capture" in run.output
    assert "with 203.0.113.11, on the" in run.output


def test_missing_tunnel_rejected(built, marker):
    run = troubleshoot(built, marker, "-e", "firewall=hub")
    assert run.returncode != 0
    assert "Give one firewall and one tunnel" in run.output


def test_unknown_tunnel_rejected(built, marker):
    run = troubleshoot(built, marker, "-e", "firewall=hub", "-e", "tunnel=vpn-nowhere")
    assert run.returncode != 0
    assert "tunnels: vpn-nowhere not found in the running configuration" in run.output


def test_unknown_firewall_rejected(built, marker):
    sim, inventory = built
    run = run_playbook(TROUBLESHOOT, inventory, sim, marker, "-e", "firewall=nohost", "-e", "tunnel=vpn-branch2")
    assert run.returncode != 0
    assert "nohost is not in the inventory" in run.output
