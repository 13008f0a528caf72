"""Decommissioning the hub-and-spoke example: one spoke, then the whole topology."""

import json
import os
import secrets
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO, Pansim, free_port, make_inventory, run_playbook, start_demo_devices

BUILD = os.path.join(REPO, "playbooks", "hub_and_spoke.yml")
DECOMMISSION = os.path.join(REPO, "playbooks", "decommission.yml")
HOSTS = ("hub", "branch1", "branch2", "branch3")
DEVICE_ROOT = "devices/entry[@name='localhost.localdomain']"


def without_empty_elements(element):
    """Drop elements with no text, attributes or children, which a delete may leave behind."""
    for child in list(element):
        without_empty_elements(child)
        if len(child) == 0 and not (child.text or "").strip() and not child.attrib:
            element.remove(child)
    return element


def device_config(sim, host):
    """The running configuration's device subtree, normalised, as text for a readable diff."""
    config = sim.running_tree(host)
    devices = without_empty_elements(config.find("devices"))
    for element in devices.iter():
        element.tail = None
        if element.text is not None:
            element.text = element.text.strip()
    return ET.tostring(devices, encoding="unicode")


def decommission(sim, inventory, marker, sites=None, *extra):
    variables = {"decommission_topology": "hub_and_spoke"}
    if sites is not None:
        variables["decommission_sites"] = sites
    return run_playbook(DECOMMISSION, inventory, sim, marker, "-e", json.dumps(variables), *extra)


@pytest.fixture(scope="module")
def marker():
    return "PSKMARKER-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def sim(tmp_path_factory, password):
    devices = start_demo_devices(tmp_path_factory, password, "decommission")
    yield devices
    devices.stop()


@pytest.fixture(scope="module")
def built(sim, tmp_path_factory, marker):
    starting = {host: device_config(sim, host) for host in HOSTS}
    inventory = make_inventory(tmp_path_factory.mktemp("inventory"), sim)
    run = run_playbook(BUILD, inventory, sim, marker)
    assert run.returncode == 0, run.output
    return {"inventory": inventory, "starting": starting}


@pytest.fixture(scope="module")
def spoke_removed(sim, built, marker):
    inventory = built["inventory"]
    before = {host: (sim.candidate(host), sim.running(host)) for host in HOSTS}
    check = decommission(sim, inventory, marker, ["branch2"], "--check", "--diff")
    after_check = {host: (sim.candidate(host), sim.running(host)) for host in HOSTS}
    first = decommission(sim, inventory, marker, ["branch2"])
    # The second run names the site as a plain string, as -e decommission_sites=branch2 gives it.
    second = run_playbook(DECOMMISSION, inventory, sim, marker, "-e", "decommission_topology=hub_and_spoke", "-e", "decommission_sites=branch2")
    return {"check": check, "before": before, "after_check": after_check, "first": first, "second": second}


def test_check_mode_removes_nothing(spoke_removed):
    check = spoke_removed["check"]
    assert check.returncode == 0, check.output
    assert check.recap()["hub"]["changed"] > 0
    assert spoke_removed["after_check"] == spoke_removed["before"]
    assert "gw-branch2" in check.stdout


def test_spoke_removed_from_hub(spoke_removed, sim):
    assert spoke_removed["first"].returncode == 0, spoke_removed["first"].output
    network = sim.running_tree("hub").find(DEVICE_ROOT + "/network")
    assert sorted(e.get("name") for e in network.findall("ike/gateway/entry")) == ["gw-branch1", "gw-branch3"]
    assert sorted(e.get("name") for e in network.findall("interface/tunnel/units/entry")) == ["tunnel.101", "tunnel.103"]
    routes = [e.findtext("destination") for e in network.findall("virtual-router/entry[@name='default']/routing-table/ip/static-route/entry")]
    assert "10.12.0.0/24" not in routes
    assert "10.11.0.0/24" in routes
    profiles = [e.get("name") for e in network.findall("ike/crypto-profiles/ike-crypto-profiles/entry")]
    assert "hub-spoke-ike" in profiles


def test_other_spokes_lose_routes_to_it(spoke_removed, sim):
    for host in ("branch1", "branch3"):
        router = sim.running_tree(host).find(DEVICE_ROOT + "/network/virtual-router/entry[@name='default']")
        routes = [e.findtext("destination") for e in router.findall("routing-table/ip/static-route/entry")]
        assert "10.12.0.0/24" not in routes, host
        assert "10.0.0.0/16" in routes, host


def test_removed_spoke_back_to_start(spoke_removed, sim, built):
    assert device_config(sim, "branch2") == built["starting"]["branch2"]


def test_second_removal_changes_nothing(spoke_removed):
    second = spoke_removed["second"]
    assert second.returncode == 0, second.output
    for host in HOSTS:
        assert second.recap()[host]["changed"] == 0, second.stdout


def test_removal_never_shows_key(spoke_removed, sim, marker):
    for key in ("check", "first", "second"):
        assert marker not in spoke_removed[key].output
    with open(sim.log_path, encoding="utf-8") as handle:
        assert marker not in handle.read()


@pytest.fixture(scope="module")
def topology_removed(sim, built, spoke_removed, marker):
    inventory = built["inventory"]
    first = decommission(sim, inventory, marker)
    second = decommission(sim, inventory, marker)
    return {"first": first, "second": second}


def test_whole_topology_back_to_start(topology_removed, sim, built):
    assert topology_removed["first"].returncode == 0, topology_removed["first"].output
    for host in HOSTS:
        assert device_config(sim, host) == built["starting"][host], host


def test_whole_topology_second_run_unchanged(topology_removed):
    second = topology_removed["second"]
    assert second.returncode == 0, second.output
    for host in HOSTS:
        assert second.recap()[host]["changed"] == 0, second.stdout


def test_shared_profile_kept(sim, built, topology_removed, marker):
    inventory = built["inventory"]
    run = run_playbook(BUILD, inventory, sim, marker)
    assert run.returncode == 0, run.output
    # A tunnel to a partner, outside the topology, that uses the topology's IKE profile.
    gateway = (
        "<entry name='gw-partner'><authentication><pre-shared-key><key>partner-key-123</key></pre-shared-key></authentication>"
        "<protocol><version>ikev2</version><ikev2><ike-crypto-profile>hub-spoke-ike</ike-crypto-profile></ikev2></protocol>"
        "<local-address><interface>ethernet1/1</interface></local-address><peer-address><ip>192.0.2.50</ip></peer-address></entry>"
    )
    sim.set("hub", "/config/%s/network/ike/gateway" % DEVICE_ROOT, gateway)
    sim.api("hub", type="commit", cmd="<commit></commit>")

    removal = decommission(sim, inventory, marker, None, "-v")

    assert removal.returncode == 0, removal.output
    network = sim.running_tree("hub").find(DEVICE_ROOT + "/network")
    assert [e.get("name") for e in network.findall("ike/gateway/entry")] == ["gw-partner"]
    assert [e.get("name") for e in network.findall("ike/crypto-profiles/ike-crypto-profiles/entry[@name='hub-spoke-ike']")] == ["hub-spoke-ike"]
    assert network.find("ike/crypto-profiles/ipsec-crypto-profiles/entry[@name='hub-spoke-ipsec']") is None
    assert "IKE gateway gw-partner (ike_crypto_profile)" in removal.stdout


# -- site_to_site: one peer, then every peer ------------------------------------------

S2S_BUILD = os.path.join(REPO, "playbooks", "site_to_site.yml")


@pytest.fixture(scope="module")
def firewall(tmp_path_factory, password):
    import test_site_to_site as site_to_site

    public_ip = site_to_site.example_host()["vpn_public_ip"]
    devices = {"fw1": {"port": free_port(), "ip": public_ip, "gateway": "198.51.100.254"}}
    sim = Pansim(str(tmp_path_factory.mktemp("pansim-s2s-decommission")), devices, password).start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def peers_removed(firewall, tmp_path_factory, marker):
    import test_site_to_site as site_to_site

    workdir = tmp_path_factory.mktemp("s2s-decommission")
    inventory = site_to_site.make_inventory(workdir, firewall)
    swan = "site_to_site_strongswan_dir=%s" % os.path.join(str(workdir), "strongswan")
    starting = device_config(firewall, "fw1")
    build = run_playbook(S2S_BUILD, inventory, firewall, marker, "-e", swan)
    assert build.returncode == 0, build.output

    def remove(sites=None):
        variables = {"decommission_topology": "site_to_site", "decommission_hosts": "site_to_site_firewalls"}
        if sites is not None:
            variables["decommission_sites"] = sites
        return run_playbook(DECOMMISSION, inventory, firewall, marker, "-e", json.dumps(variables), "-e", swan)

    before_one = firewall.running_tree("fw1").find(DEVICE_ROOT + "/network")
    one = remove(["branch-asa"])
    after_one = firewall.running_tree("fw1").find(DEVICE_ROOT + "/network")
    one_again = remove(["branch-asa"])
    every = remove()
    every_again = remove()
    return {
        "starting": starting,
        "before_one": before_one,
        "one": one,
        "after_one": after_one,
        "one_again": one_again,
        "every": every,
        "every_again": every_again,
    }


def test_peer_removed_others_kept(peers_removed):
    assert peers_removed["one"].returncode == 0, peers_removed["one"].output
    built = [e.get("name") for e in peers_removed["before_one"].findall("ike/crypto-profiles/ike-crypto-profiles/entry")]
    assert "s2s-cisco_asa-ike" in built
    network = peers_removed["after_one"]
    gateways = sorted(e.get("name") for e in network.findall("ike/gateway/entry"))
    assert not [g for g in gateways if "branch-asa" in g]
    assert [g for g in gateways if "aws-vpc1" in g]
    profiles = [e.get("name") for e in network.findall("ike/crypto-profiles/ike-crypto-profiles/entry")]
    assert "s2s-cisco_asa-ike" not in profiles
    assert "s2s-aws-ike" in profiles


def test_peer_removal_idempotent(peers_removed):
    again = peers_removed["one_again"]
    assert again.returncode == 0, again.output
    assert again.recap()["fw1"]["changed"] == 0, again.stdout


def test_every_peer_removed_back_to_start(peers_removed, firewall):
    assert peers_removed["every"].returncode == 0, peers_removed["every"].output
    assert device_config(firewall, "fw1") == peers_removed["starting"]
    again = peers_removed["every_again"]
    assert again.returncode == 0, again.output
    assert again.recap()["fw1"]["changed"] == 0, again.stdout


# -- redundant_path: one spoke, then the whole topology ---------------------------------

REDUNDANT_BUILD = os.path.join(REPO, "playbooks", "redundant_path.yml")
REDUNDANT_HOSTS = ("hub", "branch1", "branch2")


@pytest.fixture(scope="module")
def dual_isp(tmp_path_factory, password):
    import test_redundant_path as redundant_path

    devices = {}
    for name, site in redundant_path.SITES.items():
        interfaces = [{"name": link["interface"], "ip": link["public_ip"], "gateway": link["next_hop"]} for link in site["vpn_links"]]
        devices[name] = {"port": free_port(), "interfaces": interfaces}
    sim = Pansim(str(tmp_path_factory.mktemp("pansim-redundant-decommission")), devices, password).start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def paths_removed(dual_isp, tmp_path_factory, marker):
    import test_redundant_path as redundant_path

    inventory = redundant_path.make_inventory(tmp_path_factory.mktemp("redundant-inventory"), dual_isp)
    starting = {host: device_config(dual_isp, host) for host in REDUNDANT_HOSTS}
    build = run_playbook(REDUNDANT_BUILD, inventory, dual_isp, marker)
    assert build.returncode == 0, build.output
    built_hub = dual_isp.running_tree("hub").find(DEVICE_ROOT + "/network")

    def remove(sites=None):
        variables = {"decommission_topology": "redundant_path"}
        if sites is not None:
            variables["decommission_sites"] = sites
        return run_playbook(DECOMMISSION, inventory, dual_isp, marker, "-e", json.dumps(variables))

    one = remove(["branch1"])
    after_one = {host: dual_isp.running_tree(host).find(DEVICE_ROOT + "/network") for host in REDUNDANT_HOSTS}
    branch1_after = device_config(dual_isp, "branch1")
    every = remove()
    every_again = remove()
    return {
        "starting": starting,
        "built_hub": built_hub,
        "one": one,
        "after_one": after_one,
        "branch1_after": branch1_after,
        "every": every,
        "every_again": every_again,
    }


def gateway_names(network):
    return sorted(e.get("name") for e in network.findall("ike/gateway/entry"))


def test_spoke_paths_removed_from_hub(paths_removed):
    assert paths_removed["one"].returncode == 0, paths_removed["one"].output
    built = gateway_names(paths_removed["built_hub"])
    assert [g for g in built if "branch1" in g]
    after = gateway_names(paths_removed["after_one"]["hub"])
    assert [g for g in after if "branch1" in g] == []
    assert [g for g in after if "branch2" in g] == [g for g in built if "branch2" in g]
    assert paths_removed["branch1_after"] == paths_removed["starting"]["branch1"]


def test_whole_redundant_topology_back_to_start(paths_removed, dual_isp):
    assert paths_removed["every"].returncode == 0, paths_removed["every"].output
    for host in REDUNDANT_HOSTS:
        assert device_config(dual_isp, host) == paths_removed["starting"][host], host
    again = paths_removed["every_again"]
    assert again.returncode == 0, again.output
    for host in REDUNDANT_HOSTS:
        assert again.recap()[host]["changed"] == 0, again.stdout
