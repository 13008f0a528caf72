"""The redundant-path playbook, end to end against a dual-ISP hub and two simulated branches."""

import ipaddress
import os
import secrets
import shutil
import xml.etree.ElementTree as ET

import pytest
import yaml

from conftest import IRON_SKILLET, REPO, Pansim, free_port, run_playbook

PLAYBOOK = os.path.join(REPO, "playbooks", "redundant_path.yml")
EXAMPLE_INVENTORY = os.path.join(REPO, "playbooks", "inventories", "redundant_path")
HOSTS = ("hub", "branch1", "branch2")
DEVICE_ROOT = "devices/entry[@name='localhost.localdomain']"
ROUTER = DEVICE_ROOT + "/network/virtual-router/entry[@name='default']"
ZONE = DEVICE_ROOT + "/vsys/entry[@name='vsys1']/zone/entry[@name='vpn']"

# What the example inventory gives each site, so the simulated interfaces match it.
with open(os.path.join(EXAMPLE_INVENTORY, "hosts.yml"), encoding="utf-8") as _handle:
    _GROUPS = yaml.safe_load(_handle)
SITES = {name: values for group in _GROUPS.values() for name, values in group["hosts"].items()}


@pytest.fixture(scope="module")
def marker():
    # A key that is easy to search for in every output.
    return "PSKMARKER-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def devices(tmp_path_factory, password):
    """Start one simulated firewall per site, with an outside interface and ISP gateway per link."""
    devices = {}
    for name, site in SITES.items():
        interfaces = [
            {"name": link["interface"], "ip": link["public_ip"], "gateway": link["next_hop"]}
            for link in site["vpn_links"]
        ]
        devices[name] = {"port": free_port(), "interfaces": interfaces}
    if os.path.exists(IRON_SKILLET):
        devices["hub"]["config"] = IRON_SKILLET
    sim = Pansim(str(tmp_path_factory.mktemp("pansim-redundant")), devices, password).start()
    yield sim
    sim.stop()


def make_inventory(directory, sim, host_overrides=None):
    """Copy the example inventory and point each host at its simulated device."""
    inventory = os.path.join(str(directory), "inventory")
    shutil.copytree(EXAMPLE_INVENTORY, inventory)
    os.makedirs(os.path.join(inventory, "host_vars"), exist_ok=True)
    for name, device in sim.devices.items():
        values = {"pansim_port": device["port"]}
        values.update((host_overrides or {}).get(name, {}))
        with open(os.path.join(inventory, "host_vars", "%s.yml" % name), "w", encoding="utf-8") as handle:
            yaml.safe_dump(values, handle)
    return inventory


@pytest.fixture(scope="module")
def converged(devices, tmp_path_factory, marker):
    inventory = make_inventory(tmp_path_factory.mktemp("inventory"), devices)
    first = run_playbook(PLAYBOOK, inventory, devices, marker)
    second = run_playbook(PLAYBOOK, inventory, devices, marker)
    return {"inventory": inventory, "first": first, "second": second}


def entries(node, path):
    return {entry.get("name"): entry for entry in node.findall(path + "/entry")}


def routes_of(config):
    return entries(config.find(ROUTER), "routing-table/ip/static-route")


def address(interface_address):
    return str(ipaddress.ip_interface(interface_address).ip)


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


def test_hub_tunnels_share_one_zone(converged, devices):
    config = devices.running_tree("hub")
    network = config.find(DEVICE_ROOT + "/network")
    tunnels = entries(network, "tunnel/ipsec")
    assert sorted(tunnels) == ["vpn-branch1-p1", "vpn-branch1-p2", "vpn-branch2-p1", "vpn-branch2-p2"]
    units = {name: tunnel.findtext("tunnel-interface") for name, tunnel in tunnels.items()}
    assert units == {
        "vpn-branch1-p1": "tunnel.1011",
        "vpn-branch1-p2": "tunnel.1012",
        "vpn-branch2-p1": "tunnel.1021",
        "vpn-branch2-p2": "tunnel.1022",
    }

    zone_members = [member.text for member in config.findall(ZONE + "/network/layer3/member")]
    router_members = [member.text for member in config.findall(ROUTER + "/interface/member")]
    for unit in units.values():
        assert unit in zone_members
        assert unit in router_members
    # Neither tunnel interface may sit in another zone, or sessions break on failover.
    for zone in config.findall(DEVICE_ROOT + "/vsys/entry/zone/entry"):
        if zone.get("name") != "vpn":
            assert not set(units.values()) & {member.text for member in zone.findall("network/layer3/member")}


def test_hub_gateways_passive_on_their_own_isp(converged, devices):
    gateways = entries(devices.running_tree("hub").find(DEVICE_ROOT + "/network"), "ike/gateway")
    expected = {
        "gw-branch1-p1": ("ethernet1/1", "198.51.100.1/24", "203.0.113.11"),
        "gw-branch1-p2": ("ethernet1/2", "192.0.2.1/24", "198.18.11.11"),
        "gw-branch2-p1": ("ethernet1/1", "198.51.100.1/24", "203.0.113.12"),
        "gw-branch2-p2": ("ethernet1/2", "192.0.2.1/24", "203.0.113.12"),
    }
    assert sorted(gateways) == sorted(expected)
    for name, (interface, local_ip, peer) in expected.items():
        gateway = gateways[name]
        assert gateway.findtext("local-address/interface") == interface, name
        assert gateway.findtext("local-address/ip") == local_ip, name
        assert gateway.findtext("peer-address/ip") == peer, name
        assert gateway.findtext("protocol-common/passive-mode") == "yes", name
        assert gateway.findtext("protocol/version") == "ikev2", name


def test_spokes_initiate_from_their_links(converged, devices):
    branch1 = entries(devices.running_tree("branch1").find(DEVICE_ROOT + "/network"), "ike/gateway")
    assert branch1["gw-hub-p1"].findtext("local-address/interface") == "ethernet1/1"
    assert branch1["gw-hub-p1"].findtext("peer-address/ip") == "198.51.100.1"
    assert branch1["gw-hub-p2"].findtext("local-address/interface") == "ethernet1/2"
    assert branch1["gw-hub-p2"].findtext("local-address/ip") == "198.18.11.11/24"
    assert branch1["gw-hub-p2"].findtext("peer-address/ip") == "192.0.2.1"

    branch2 = entries(devices.running_tree("branch2").find(DEVICE_ROOT + "/network"), "ike/gateway")
    assert [gateway.findtext("local-address/interface") for gateway in branch2.values()] == ["ethernet1/1", "ethernet1/1"]
    assert sorted(gateway.findtext("peer-address/ip") for gateway in branch2.values()) == ["192.0.2.1", "198.51.100.1"]
    for gateways in (branch1, branch2):
        for gateway in gateways.values():
            assert gateway.findtext("protocol-common/passive-mode") == "no"


def test_tunnels_monitored_with_fail_over(converged, devices):
    for host in HOSTS:
        config = devices.running_tree(host)
        network = config.find(DEVICE_ROOT + "/network")
        profile = entries(network, "profiles/monitor-profile")["redundant-path-failover"]
        assert profile.findtext("action") == "fail-over"
        assert profile.findtext("interval") == "3"
        assert profile.findtext("threshold") == "5"

        units = entries(network, "interface/tunnel/units")
        for name, tunnel in entries(network, "tunnel/ipsec").items():
            monitor = tunnel.find("tunnel-monitor")
            assert monitor.findtext("enable") == "yes", (host, name)
            assert monitor.findtext("tunnel-monitor-profile") == "redundant-path-failover", (host, name)
            # The probe goes to the far end of this tunnel's /30.
            local = ipaddress.ip_interface(units[tunnel.findtext("tunnel-interface")].find("ip/entry").get("name"))
            destination = ipaddress.ip_address(monitor.findtext("destination-ip"))
            assert destination in local.network, (host, name)
            assert destination != local.ip, (host, name)


def test_primary_route_monitored_and_preferred(converged, devices):
    for host, peer, networks in (
        ("hub", "branch1", ["10.11.0.0/24"]),
        ("hub", "branch2", ["10.12.0.0/24", "10.112.0.0/24"]),
        ("branch1", "hub", ["10.0.0.0/16"]),
        ("branch2", "hub", ["10.0.0.0/16"]),
    ):
        config = devices.running_tree(host)
        routes = routes_of(config)
        tunnels = entries(config.find(DEVICE_ROOT + "/network"), "tunnel/ipsec")
        for index, network in enumerate(networks, start=1):
            primary = routes["vpn-%s-p1-%d" % (peer, index)]
            backup = routes["vpn-%s-p2-%d" % (peer, index)]
            assert primary.findtext("destination") == backup.findtext("destination") == network
            assert primary.findtext("interface") == tunnels["vpn-%s-p1" % peer].findtext("tunnel-interface")
            assert backup.findtext("interface") == tunnels["vpn-%s-p2" % peer].findtext("tunnel-interface")
            assert primary.find("nexthop") is None
            assert int(primary.findtext("metric")) < int(backup.findtext("metric")), (host, network)

            monitor = primary.find("path-monitor")
            assert monitor.findtext("enable") == "yes", (host, network)
            (destination,) = monitor.findall("monitor-destinations/entry")
            far = tunnels["vpn-%s-p1" % peer].findtext("tunnel-monitor/destination-ip")
            assert destination.findtext("destination") == far
            assert destination.findtext("enable") == "yes"
            assert backup.findtext("path-monitor/enable") in (None, "no"), (host, network)


def test_host_routes_through_right_isp(converged, devices):
    expected = {
        "hub": {
            "ike-branch1-p1": ("203.0.113.11/32", "ethernet1/1", "198.51.100.254"),
            "ike-branch1-p2": ("198.18.11.11/32", "ethernet1/2", "192.0.2.254"),
            "ike-branch2-p1": ("203.0.113.12/32", "ethernet1/1", "198.51.100.254"),
            "ike-branch2-p2": ("203.0.113.12/32", "ethernet1/2", "192.0.2.254"),
        },
        "branch1": {
            "ike-hub-p1": ("198.51.100.1/32", "ethernet1/1", "203.0.113.254"),
            "ike-hub-p2": ("192.0.2.1/32", "ethernet1/2", "198.18.11.254"),
        },
        "branch2": {
            "ike-hub-p1": ("198.51.100.1/32", "ethernet1/1", "203.0.113.254"),
            "ike-hub-p2": ("192.0.2.1/32", "ethernet1/1", "203.0.113.254"),
        },
    }
    for host, host_routes in expected.items():
        routes = routes_of(devices.running_tree(host))
        for name, (destination, interface, nexthop) in host_routes.items():
            route = routes[name]
            assert route.findtext("destination") == destination, (host, name)
            assert route.findtext("interface") == interface, (host, name)
            assert route.findtext("nexthop/ip-address") == nexthop, (host, name)
    # One far address over both hub ISPs: the second route floats behind the first.
    hub_routes = routes_of(devices.running_tree("hub"))
    assert int(hub_routes["ike-branch2-p1"].findtext("metric")) < int(hub_routes["ike-branch2-p2"].findtext("metric"))


def test_gateway_and_tunnel_addresses_match_across_ends(converged, devices):
    hub = devices.running_tree("hub").find(DEVICE_ROOT + "/network")
    hub_units = entries(hub, "interface/tunnel/units")
    for spoke in ("branch1", "branch2"):
        spoke_network = devices.running_tree(spoke).find(DEVICE_ROOT + "/network")
        spoke_units = entries(spoke_network, "interface/tunnel/units")
        spoke_gateways = entries(spoke_network, "ike/gateway")
        hub_gateways = entries(hub, "ike/gateway")
        for path in (1, 2):
            hub_gateway = hub_gateways["gw-%s-p%d" % (spoke, path)]
            spoke_gateway = spoke_gateways["gw-hub-p%d" % path]
            assert hub_gateway.findtext("peer-address/ip") == address(spoke_gateway.findtext("local-address/ip"))
            assert spoke_gateway.findtext("peer-address/ip") == address(hub_gateway.findtext("local-address/ip"))

            unit = "tunnel.%d" % (1000 + 10 * SITES[spoke]["vpn_spoke_id"] + path)
            hub_address = ipaddress.ip_interface(hub_units[unit].find("ip/entry").get("name"))
            spoke_address = ipaddress.ip_interface(spoke_units[unit].find("ip/entry").get("name"))
            assert hub_address.network == spoke_address.network
            assert hub_address.network.prefixlen == 30


def test_nothing_left_uncommitted(converged, devices):
    for host in HOSTS:
        candidate = ET.fromstring(devices.candidate(host)).find("result/config")
        running = devices.running_tree(host)
        for path in (DEVICE_ROOT + "/network/ike/gateway", DEVICE_ROOT + "/network/tunnel/ipsec", ROUTER + "/routing-table/ip/static-route"):
            assert sorted(entries(candidate, path)) == sorted(entries(running, path)), (host, path)
        assert len(entries(running, DEVICE_ROOT + "/network/ike/gateway")) == (4 if host == "hub" else 2)


def test_key_stored_encrypted_and_never_shown(converged, devices, marker):
    for run in (converged["first"], converged["second"]):
        assert marker not in run.output
    for host in HOSTS:
        assert marker not in devices.running(host)
        assert marker not in devices.candidate(host)
        assert "-AQ==" in devices.running(host)
    with open(devices.log_path, encoding="utf-8") as handle:
        assert marker not in handle.read()


def test_check_mode_writes_nothing(converged, devices, marker, tmp_path):
    inventory = make_inventory(
        tmp_path,
        devices,
        host_overrides={
            "branch2": {"vpn_networks": ["10.12.0.0/24", "10.112.0.0/24", "10.122.0.0/24"], "vpn_pre_shared_key": marker + "-new"},
        },
    )
    before = {host: (devices.candidate(host), devices.running(host)) for host in HOSTS}

    run = run_playbook(PLAYBOOK, inventory, devices, marker, "--check", "--diff")

    assert run.returncode == 0, run.output
    recap = run.recap()
    assert recap["branch2"]["changed"] > 0
    assert recap["hub"]["changed"] > 0
    assert recap["branch1"]["changed"] == 0
    after = {host: (devices.candidate(host), devices.running(host)) for host in HOSTS}
    assert after == before
    assert "10.122.0.0/24" in run.stdout
    assert "vpn-branch2-p2-3" in run.stdout
    assert "******** (new value)" in run.stdout
    assert marker not in run.output


def test_excluded_spoke_gets_nothing_written(converged, devices, marker):
    before = {host: (devices.candidate(host), devices.running(host)) for host in HOSTS}

    run = run_playbook(PLAYBOOK, converged["inventory"], devices, marker, "-e", '{"redundant_path_exclude": ["branch2"]}')

    assert run.returncode == 0, run.output
    for host in HOSTS:
        assert run.recap()[host]["changed"] == 0, run.stdout
    assert {host: (devices.candidate(host), devices.running(host)) for host in HOSTS} == before


def test_verbose_output_hides_key(converged, devices, marker):
    run = run_playbook(PLAYBOOK, converged["inventory"], devices, marker, "-vvv")
    assert run.returncode == 0, run.output
    assert "pre_shared_key" in run.output
    assert marker not in run.output
    for host in HOSTS:
        assert run.recap()[host]["changed"] == 0


def test_built_vpn_passes_audit(converged, devices, marker, tmp_path):
    from conftest import audit_findings

    findings = audit_findings(devices, converged["inventory"], "vpn_hubs:vpn_spokes", marker, str(tmp_path))
    assert sorted(findings) == sorted(HOSTS)
    for host in HOSTS:
        # The two default routes come from the simulated ISP links, not from the role, which
        # leaves the firewall's default routes alone, so the audit finding about their path monitoring is expected.
        role_findings = [f for f in findings[host] if not f.startswith("VPN-NET-006 route default/0.0.0.0/0")]
        assert role_findings == [], host
