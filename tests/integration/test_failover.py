"""Failover of the redundant-path example: the primary path of a spoke goes down, the backup tunnel carries the route, and back.

The devices and inventory are those of the example, as in test_redundant_path.py. The
playbook runs with a preemptive hold time of 0 minutes, so the primary route returns as
soon as its path monitor gets replies again instead of two minutes later.
"""

import json
import os
import secrets
import shutil
import ssl
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
import yaml

from conftest import REPO, Pansim, free_port, run_playbook

PLAYBOOK = os.path.join(REPO, "playbooks", "redundant_path.yml")
INFO = os.path.join(REPO, "tests", "integration", "playbooks", "vpn_info.yml")
EXAMPLE_INVENTORY = os.path.join(REPO, "playbooks", "inventories", "redundant_path")
SPOKE = "branch1"
SPOKE_NETWORK = "10.11.0.0/24"
PRIMARY_TUNNEL = "vpn-branch1-p1"
BACKUP_TUNNEL = "vpn-branch1-p2"
PRIMARY_UNIT = "tunnel.1011"
BACKUP_UNIT = "tunnel.1012"
HOLD_TIME = '{"redundant_path_path_monitor_hold_time": 0}'

with open(os.path.join(EXAMPLE_INVENTORY, "hosts.yml"), encoding="utf-8") as _handle:
    _GROUPS = yaml.safe_load(_handle)
SITES = {name: values for group in _GROUPS.values() for name, values in group["hosts"].items()}
PRIMARY_LINK = SITES[SPOKE]["vpn_links"][0]["interface"]


@pytest.fixture(scope="module")
def marker():
    return "PSKMARKER-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def devices(tmp_path_factory, password):
    """Start one simulated firewall per site, with an outside interface and ISP gateway per link."""
    devices = {}
    for name, site in SITES.items():
        interfaces = [{"name": link["interface"], "ip": link["public_ip"], "gateway": link["next_hop"]} for link in site["vpn_links"]]
        devices[name] = {"port": free_port(), "interfaces": interfaces}
    sim = Pansim(str(tmp_path_factory.mktemp("pansim-failover")), devices, password).start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def inventory(devices, tmp_path_factory):
    """Copy the example inventory and point each host at its simulated device."""
    inventory = os.path.join(str(tmp_path_factory.mktemp("inventory")), "inventory")
    shutil.copytree(EXAMPLE_INVENTORY, inventory)
    os.makedirs(os.path.join(inventory, "host_vars"), exist_ok=True)
    for name, device in devices.devices.items():
        with open(os.path.join(inventory, "host_vars", "%s.yml" % name), "w", encoding="utf-8") as handle:
            yaml.safe_dump({"pansim_port": device["port"]}, handle)
    return inventory


@pytest.fixture(scope="module")
def built(devices, inventory, marker):
    run = run_playbook(PLAYBOOK, inventory, devices, marker, "-e", HOLD_TIME)
    assert run.returncode == 0, run.output
    return devices


def op(sim, host, cmd):
    root = ET.fromstring(sim.api(host, type="op", cmd=cmd))
    assert root.get("status") == "success", ET.tostring(root, encoding="unicode")
    return root.find("result")


def routes_to(sim, host, prefix):
    """Return [(interface, flags)] of the host's routes to ``prefix``, active ones marked by flag A."""
    cmd = "<show><routing><route><virtual-router>default</virtual-router><destination>%s</destination></route></routing></show>" % prefix
    return [(entry.findtext("interface"), entry.findtext("flags").strip()) for entry in op(sim, host, cmd).findall("entry")]


def active_interfaces(sim, host, prefix):
    return [interface for interface, flags in routes_to(sim, host, prefix) if flags.startswith("A")]


def fib_interface(sim, host, address):
    cmd = "<test><routing><fib-lookup><virtual-router>default</virtual-router><ip>%s</ip></fib-lookup></routing></test>" % address
    return op(sim, host, cmd).findtext("interface")


def flows(sim, host):
    """Return {tunnel: (state, monitor)} from show vpn flow."""
    entries = op(sim, host, "<show><vpn><flow/></vpn></show>").findall("IPSec/entry")
    return {entry.findtext("name"): (entry.findtext("state"), entry.findtext("mon")) for entry in entries}


def ipsec_sa_tunnels(sim, host):
    return {entry.findtext("name") for entry in op(sim, host, "<show><vpn><ipsec-sa/></vpn></show>").findall("entries/entry")}


def path_monitor(sim, host, route_name):
    entries = op(sim, host, "<show><routing><path-monitor><virtual-router>default</virtual-router></path-monitor></routing></show>").findall("entry")
    (entry,) = [entry for entry in entries if entry.findtext("name") == route_name]
    return entry.findtext("path-status"), entry.findtext("route-status")


def set_link(sim, host, interface, state):
    context = ssl.create_default_context(cafile=sim.ca_path)
    url = "https://127.0.0.1:%d/_pansim/link" % sim.devices[host]["port"]
    body = urllib.parse.urlencode({"interface": interface, "state": state, "key": sim.key(host)}).encode()
    with urllib.request.urlopen(url, data=body, context=context, timeout=30) as reply:
        links = ET.fromstring(reply.read())
    return {entry.get("name"): entry.findtext("state") for entry in links.findall("result/links/entry")}


def vpn_info(sim, inventory, marker, tmp_path, host):
    result_file = os.path.join(str(tmp_path), "%s-info.json" % host)
    variables = {"target": host, "result_file": result_file, "tunnels": [PRIMARY_TUNNEL, BACKUP_TUNNEL]}
    run = run_playbook(INFO, inventory, sim, marker, "-e", json.dumps(variables))
    assert run.returncode == 0, run.output
    with open(result_file, encoding="utf-8") as handle:
        return {entry["name"]: entry for entry in json.load(handle)["tunnels"]}


def test_primary_carries_route_after_build(built):
    assert flows(built, "hub")[PRIMARY_TUNNEL] == ("active", "up")
    assert flows(built, "hub")[BACKUP_TUNNEL] == ("active", "up")
    assert routes_to(built, "hub", SPOKE_NETWORK) == [(PRIMARY_UNIT, "A S"), (BACKUP_UNIT, "S")]
    assert fib_interface(built, "hub", "10.11.0.10") == PRIMARY_UNIT
    assert active_interfaces(built, SPOKE, "10.0.0.0/16") == [PRIMARY_UNIT]
    assert path_monitor(built, "hub", "vpn-branch1-p1-1") == ("Up", "Installed")


def test_failover_to_backup_and_back(built, inventory, marker, tmp_path):
    links = set_link(built, SPOKE, PRIMARY_LINK, "down")
    assert links[PRIMARY_LINK] == "down"
    try:
        hub_flows = flows(built, "hub")
        assert hub_flows[PRIMARY_TUNNEL] == ("init", "down")
        assert hub_flows[BACKUP_TUNNEL] == ("active", "up")
        assert PRIMARY_TUNNEL not in ipsec_sa_tunnels(built, "hub")
        assert BACKUP_TUNNEL in ipsec_sa_tunnels(built, "hub")

        assert routes_to(built, "hub", SPOKE_NETWORK) == [(BACKUP_UNIT, "A S")]
        assert fib_interface(built, "hub", "10.11.0.10") == BACKUP_UNIT
        assert path_monitor(built, "hub", "vpn-branch1-p1-1") == ("Down", "Withdrawn")
        # The spoke fails over the same way, and the other spoke keeps its primary.
        assert active_interfaces(built, SPOKE, "10.0.0.0/16") == [BACKUP_UNIT]
        assert active_interfaces(built, "hub", "10.12.0.0/24") == ["tunnel.1021"]

        info = vpn_info(built, inventory, marker, tmp_path, "hub")
        assert (info[PRIMARY_TUNNEL]["state"], info[PRIMARY_TUNNEL]["monitor"]) == ("down", "down")
        assert (info[BACKUP_TUNNEL]["state"], info[BACKUP_TUNNEL]["monitor"]) == ("up", "up")
    finally:
        links = set_link(built, SPOKE, PRIMARY_LINK, "up")
    assert links[PRIMARY_LINK] == "up"

    assert flows(built, "hub")[PRIMARY_TUNNEL] == ("active", "up")
    assert routes_to(built, "hub", SPOKE_NETWORK) == [(PRIMARY_UNIT, "A S"), (BACKUP_UNIT, "S")]
    assert fib_interface(built, "hub", "10.11.0.10") == PRIMARY_UNIT
    assert path_monitor(built, "hub", "vpn-branch1-p1-1") == ("Up", "Installed")
    assert active_interfaces(built, SPOKE, "10.0.0.0/16") == [PRIMARY_UNIT]


def test_hub_link_down_fails_over_every_spoke(built):
    hub_primary = SITES["hub"]["vpn_links"][0]["interface"]
    set_link(built, "hub", hub_primary, "down")
    try:
        assert active_interfaces(built, "hub", SPOKE_NETWORK) == [BACKUP_UNIT]
        assert active_interfaces(built, "hub", "10.12.0.0/24") == ["tunnel.1022"]
        assert active_interfaces(built, "hub", "10.112.0.0/24") == ["tunnel.1022"]
    finally:
        set_link(built, "hub", hub_primary, "up")
    assert active_interfaces(built, "hub", "10.12.0.0/24") == ["tunnel.1021"]
