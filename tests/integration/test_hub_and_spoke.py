"""The hub-and-spoke playbook, end to end against four simulated firewalls."""

import os
import secrets

import pytest

from conftest import REPO, audit_findings, make_inventory, run_playbook

PLAYBOOK = os.path.join(REPO, "playbooks", "hub_and_spoke.yml")
HOSTS = ("hub", "branch1", "branch2", "branch3")
DEVICE_ROOT = "devices/entry[@name='localhost.localdomain']"


@pytest.fixture(scope="module")
def marker():
    # A key that is easy to search for in every output.
    return "PSKMARKER-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def converged(demo_devices, tmp_path_factory, marker):
    inventory = make_inventory(tmp_path_factory.mktemp("inventory"), demo_devices)
    first = run_playbook(PLAYBOOK, inventory, demo_devices, marker)
    second = run_playbook(PLAYBOOK, inventory, demo_devices, marker)
    return {"inventory": inventory, "first": first, "second": second}


def test_first_run_builds_every_device(converged):
    first = converged["first"]
    assert first.returncode == 0, first.output
    recap = first.recap()
    for host in HOSTS:
        assert recap[host]["failed"] == 0
        assert recap[host]["changed"] > 0
    assert "[WARNING]" not in first.output


def test_second_run_changes_nothing(converged):
    second = converged["second"]
    assert second.returncode == 0, second.output
    recap = second.recap()
    for host in HOSTS:
        assert recap[host]["changed"] == 0, second.stdout


def test_hub_running_config_has_three_tunnels(converged, demo_devices):
    config = demo_devices.running_tree("hub")
    network = config.find(DEVICE_ROOT + "/network")
    gateways = [e.get("name") for e in network.findall("ike/gateway/entry")]
    tunnels = network.findall("tunnel/ipsec/entry")
    units = [e.get("name") for e in network.findall("interface/tunnel/units/entry")]
    assert sorted(gateways) == ["gw-branch1", "gw-branch2", "gw-branch3"]
    assert len(tunnels) == 3
    assert sorted(units) == ["tunnel.101", "tunnel.102", "tunnel.103"]

    zone = config.find(DEVICE_ROOT + "/vsys/entry[@name='vsys1']/zone/entry[@name='vpn']")
    zone_members = [m.text for m in zone.findall("network/layer3/member")]
    router = network.find("virtual-router/entry[@name='default']")
    router_members = [m.text for m in router.findall("interface/member")]
    for unit in units:
        assert unit in zone_members
        assert unit in router_members

    routes = {e.findtext("destination"): e.findtext("interface") for e in router.findall("routing-table/ip/static-route/entry")}
    assert routes["10.11.0.0/24"] == "tunnel.101"
    assert routes["10.12.0.0/24"] == "tunnel.102"
    assert routes["10.13.0.0/24"] == "tunnel.103"
    assert routes["10.113.0.0/24"] == "tunnel.103"


def test_hub_gateways_are_passive(converged, demo_devices):
    config = demo_devices.running_tree("hub")
    for gateway in config.findall(DEVICE_ROOT + "/network/ike/gateway/entry"):
        assert gateway.findtext("protocol-common/passive-mode") == "yes"
        assert gateway.findtext("protocol/version") == "ikev2"
        assert gateway.find("protocol/ikev1") is None


def test_spoke_mirrors_hub(converged, demo_devices):
    config = demo_devices.running_tree("branch3")
    gateway = config.find(DEVICE_ROOT + "/network/ike/gateway/entry[@name='gw-hub']")
    assert gateway.findtext("peer-address/ip") == "198.51.100.1"
    assert gateway.findtext("protocol-common/passive-mode") == "no"
    router = config.find(DEVICE_ROOT + "/network/virtual-router/entry[@name='default']")
    routes = {e.findtext("destination"): e.findtext("interface") for e in router.findall("routing-table/ip/static-route/entry")}
    assert routes["10.0.0.0/16"] == "tunnel.103"


def test_nothing_left_uncommitted(converged, demo_devices):
    for host in HOSTS:
        assert demo_devices.candidate(host).count("<entry name=\"gw-") == demo_devices.running(host).count("<entry name=\"gw-")


def test_key_stored_encrypted_and_never_shown(converged, demo_devices, marker):
    for run in (converged["first"], converged["second"]):
        assert marker not in run.output
    for host in HOSTS:
        assert marker not in demo_devices.running(host)
        assert marker not in demo_devices.candidate(host)
        assert "-AQ==" in demo_devices.running(host)
    with open(demo_devices.log_path, encoding="utf-8") as handle:
        assert marker not in handle.read()


def test_check_mode_writes_nothing(converged, demo_devices, marker, tmp_path):
    inventory = make_inventory(
        tmp_path,
        demo_devices,
        host_overrides={"branch2": {"vpn_networks": ["10.12.0.0/24", "10.122.0.0/24"], "vpn_pre_shared_key": marker + "-new"}},
    )
    before = {host: (demo_devices.candidate(host), demo_devices.running(host)) for host in HOSTS}

    run = run_playbook(PLAYBOOK, inventory, demo_devices, marker, "--check", "--diff")

    assert run.returncode == 0, run.output
    recap = run.recap()
    assert recap["branch2"]["changed"] > 0
    assert recap["hub"]["changed"] > 0
    # Spoke-to-spoke routing gives branch1 a route to branch2's new network too.
    assert recap["branch1"]["changed"] > 0
    after = {host: (demo_devices.candidate(host), demo_devices.running(host)) for host in HOSTS}
    assert after == before
    assert "10.122.0.0/24" in run.stdout
    assert "******** (new value)" in run.stdout
    assert marker not in run.output


def test_verbose_output_hides_key(converged, demo_devices, marker):
    run = run_playbook(PLAYBOOK, converged["inventory"], demo_devices, marker, "-vvv")
    assert run.returncode == 0, run.output
    assert "pre_shared_key" in run.output
    assert marker not in run.output
    for host in HOSTS:
        assert run.recap()[host]["changed"] == 0


def test_built_vpn_passes_audit(converged, demo_devices, marker, tmp_path):
    findings = audit_findings(demo_devices, converged["inventory"], "vpn_hubs:vpn_spokes", marker, str(tmp_path))
    assert sorted(findings) == sorted(HOSTS)
    for host in HOSTS:
        assert findings[host] == [], host


def test_tunnels_come_up(converged, demo_devices, marker):
    show = os.path.join(REPO, "playbooks", "show_tunnels.yml")
    run = run_playbook(show, converged["inventory"], demo_devices, marker, "-e", "expect_up=true")
    assert run.returncode == 0, run.stdout
    for spoke in ("branch1", "branch2", "branch3"):
        assert "vpn-%s: up, phase 1 PSK/DH20" % spoke in run.stdout
