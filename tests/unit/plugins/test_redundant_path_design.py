"""Redundant-path planning: two paths per spoke over two ISPs, both ends from one inventory."""

import copy
import ipaddress
import itertools

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipsec.panos.plugins.filter.redundant_path_design import redundant_path_design
from ansible_collections.ipsec.panos.plugins.plugin_utils._redundant_path import SECTIONS, DesignError, plan_device

HUB_LINKS = [
    {"name": "isp1", "interface": "ethernet1/1", "public_ip": "198.51.100.1/24", "next_hop": "198.51.100.254"},
    {"name": "isp2", "interface": "ethernet1/2", "public_ip": "192.0.2.1/24", "next_hop": "192.0.2.254"},
]
SITES = {
    "hub": {"role": "hub", "links": HUB_LINKS, "networks": ["10.0.0.0/16"]},
    "b1": {
        "role": "spoke",
        "spoke_id": 1,
        "links": [
            {"name": "isp1", "interface": "ethernet1/1", "public_ip": "203.0.113.11/24", "next_hop": "203.0.113.254"},
            {"name": "isp2", "interface": "ethernet1/2", "public_ip": "198.18.11.11/24", "next_hop": "198.18.11.254"},
        ],
        "networks": ["10.11.0.0/24"],
    },
    "b2": {
        "role": "spoke",
        "spoke_id": 2,
        "links": [{"interface": "ethernet1/1", "public_ip": "203.0.113.12/24", "next_hop": "203.0.113.254"}],
        "networks": ["10.12.0.0/24", "10.112.0.0/24"],
    },
}
SETTINGS = {
    "pre_shared_key": "k",
    "ike_profile": {"name": "ike"},
    "ipsec_profile": {"name": "ipsec"},
}


def sites_with(**changes):
    """Return a deep copy of SITES with some sites' keys replaced: sites_with(b1={"spoke_id": 2})."""
    sites = copy.deepcopy(SITES)
    for name, values in changes.items():
        sites[name].update(values)
    return sites


def by_name(objects):
    return {item["name"]: item for item in objects}


def test_hub_gets_two_paths_per_spoke():
    config = plan_device(SITES, "hub", SETTINGS)["config"]
    assert [g["name"] for g in config["ike_gateways"]] == ["gw-b1-p1", "gw-b1-p2", "gw-b2-p1", "gw-b2-p2"]
    assert [t["name"] for t in config["ipsec_tunnels"]] == ["vpn-b1-p1", "vpn-b1-p2", "vpn-b2-p1", "vpn-b2-p2"]
    assert [i["name"] for i in config["tunnel_interfaces"]] == ["tunnel.1011", "tunnel.1012", "tunnel.1021", "tunnel.1022"]
    assert all(g["passive_mode"] is True for g in config["ike_gateways"])


def test_paths_pair_links_in_order():
    gateways = by_name(plan_device(SITES, "hub", SETTINGS)["config"]["ike_gateways"])
    # Both ends have two links: link 1 with link 1, link 2 with link 2.
    assert (gateways["gw-b1-p1"]["interface"], gateways["gw-b1-p1"]["local_ip"], gateways["gw-b1-p1"]["peer_address"]) == (
        "ethernet1/1",
        "198.51.100.1/24",
        "203.0.113.11",
    )
    assert (gateways["gw-b1-p2"]["interface"], gateways["gw-b1-p2"]["local_ip"], gateways["gw-b1-p2"]["peer_address"]) == (
        "ethernet1/2",
        "192.0.2.1/24",
        "198.18.11.11",
    )
    # The spoke's single link ends both paths.
    assert gateways["gw-b2-p1"]["peer_address"] == "203.0.113.12"
    assert gateways["gw-b2-p2"]["peer_address"] == "203.0.113.12"
    assert gateways["gw-b2-p2"]["interface"] == "ethernet1/2"


def test_single_link_spoke_ends_both_paths():
    config = plan_device(SITES, "b2", SETTINGS)["config"]
    gateways = by_name(config["ike_gateways"])
    assert [g["interface"] for g in gateways.values()] == ["ethernet1/1", "ethernet1/1"]
    assert [g["local_ip"] for g in gateways.values()] == ["203.0.113.12/24", "203.0.113.12/24"]
    assert [g["peer_address"] for g in gateways.values()] == ["198.51.100.1", "192.0.2.1"]
    assert all(g["passive_mode"] is False for g in gateways.values())


def test_hub_with_one_link_ends_both_paths():
    sites = sites_with(hub={"links": HUB_LINKS[:1]})
    del sites["b2"]
    gateways = by_name(plan_device(sites, "b1", SETTINGS)["config"]["ike_gateways"])
    assert gateways["gw-hub-p1"]["interface"] == "ethernet1/1"
    assert gateways["gw-hub-p2"]["interface"] == "ethernet1/2"
    assert gateways["gw-hub-p1"]["peer_address"] == gateways["gw-hub-p2"]["peer_address"] == "198.51.100.1"


def test_spoke_mirrors_hub():
    hub = plan_device(SITES, "hub", SETTINGS)
    spoke = plan_device(SITES, "b1", SETTINGS)
    hub_interfaces = by_name(hub["config"]["tunnel_interfaces"])
    spoke_interfaces = by_name(spoke["config"]["tunnel_interfaces"])
    assert hub_interfaces["tunnel.1011"]["ip"] == ["169.254.120.1/30"]
    assert spoke_interfaces["tunnel.1011"]["ip"] == ["169.254.120.2/30"]
    assert hub_interfaces["tunnel.1012"]["ip"] == ["169.254.120.5/30"]
    assert spoke_interfaces["tunnel.1012"]["ip"] == ["169.254.120.6/30"]

    hub_tunnels = by_name(hub["config"]["ipsec_tunnels"])
    spoke_tunnels = by_name(spoke["config"]["ipsec_tunnels"])
    assert hub_tunnels["vpn-b1-p1"]["tunnel_monitor"]["destination_ip"] == "169.254.120.2"
    assert spoke_tunnels["vpn-hub-p1"]["tunnel_monitor"]["destination_ip"] == "169.254.120.1"
    assert spoke_tunnels["vpn-hub-p2"]["tunnel_monitor"]["destination_ip"] == "169.254.120.5"


def test_tunnel_addresses_never_overlap():
    sites = copy.deepcopy(SITES)
    for spoke_id in range(3, 40):
        sites["s%d" % spoke_id] = {
            "role": "spoke",
            "spoke_id": spoke_id,
            "links": [{"interface": "ethernet1/1", "public_ip": "100.64.%d.2/24" % spoke_id, "next_hop": "100.64.%d.1" % spoke_id}],
            "networks": ["10.200.%d.0/24" % spoke_id],
        }
    hub = plan_device(sites, "hub", SETTINGS)["config"]
    subnets = [ipaddress.ip_interface(interface["ip"][0]).network for interface in hub["tunnel_interfaces"]]
    assert len(subnets) == 2 * 39
    assert all(subnet.prefixlen == 30 for subnet in subnets)
    assert not any(a.overlaps(b) for a, b in itertools.combinations(subnets, 2))
    units = [interface["name"] for interface in hub["tunnel_interfaces"]]
    assert len(set(units)) == len(units)
    for spoke in ("b1", "s17", "s39"):
        spoke_interfaces = by_name(plan_device(sites, spoke, SETTINGS)["config"]["tunnel_interfaces"])
        for unit, interface in spoke_interfaces.items():
            hub_address = ipaddress.ip_interface(by_name(hub["tunnel_interfaces"])[unit]["ip"][0])
            spoke_address = ipaddress.ip_interface(interface["ip"][0])
            assert hub_address.network == spoke_address.network
            assert hub_address.ip != spoke_address.ip


def test_both_tunnels_in_one_zone_and_router():
    for device in ("hub", "b1", "b2"):
        config = plan_device(SITES, device, dict(SETTINGS, zone="vpn-dual", virtual_router="vr1"))["config"]
        assert {i["zone"] for i in config["tunnel_interfaces"]} == {"vpn-dual"}
        assert {i["virtual_router"] for i in config["tunnel_interfaces"]} == {"vr1"}
        assert config["zones"] == [{"name": "vpn-dual"}]


def test_every_tunnel_monitored_with_fail_over():
    plan = plan_device(SITES, "hub", dict(SETTINGS, monitor_interval=2, monitor_threshold=4))
    assert plan["config"]["tunnel_monitor_profiles"] == [
        {"name": "redundant-path-failover", "action": "fail-over", "interval": 2, "threshold": 4}
    ]
    for tunnel in plan["config"]["ipsec_tunnels"]:
        assert tunnel["tunnel_monitor"]["enable"] is True
        assert tunnel["tunnel_monitor"]["profile"] == "redundant-path-failover"


def test_primary_route_monitored_backup_floats():
    routes = by_name(plan_device(SITES, "b2", SETTINGS)["config"]["static_routes"])
    primary = routes["vpn-hub-p1-1"]
    backup = routes["vpn-hub-p2-1"]
    assert (primary["destination"], primary["interface"], primary["metric"]) == ("10.0.0.0/16", "tunnel.1021", 10)
    assert (backup["destination"], backup["interface"], backup["metric"]) == ("10.0.0.0/16", "tunnel.1022", 20)
    assert primary["path_monitor"]["enable"] is True
    assert primary["path_monitor"]["destinations"] == [
        {"name": "peer-tunnel", "source": "169.254.120.10", "destination": "169.254.120.9", "interval": 3, "count": 5}
    ]
    assert backup["path_monitor"] == {"enable": False}


def test_route_per_far_network_and_path():
    routes = by_name(plan_device(SITES, "hub", SETTINGS)["config"]["static_routes"])
    assert routes["vpn-b2-p1-1"]["destination"] == routes["vpn-b2-p2-1"]["destination"] == "10.12.0.0/24"
    assert routes["vpn-b2-p1-2"]["destination"] == routes["vpn-b2-p2-2"]["destination"] == "10.112.0.0/24"
    assert routes["vpn-b2-p2-2"]["interface"] == "tunnel.1022"


def test_ecmp_gives_equal_metrics_and_monitors_both():
    routes = by_name(plan_device(SITES, "b1", dict(SETTINGS, ecmp=True, primary_metric=15, backup_metric=15))["config"]["static_routes"])
    assert routes["vpn-hub-p1-1"]["metric"] == routes["vpn-hub-p2-1"]["metric"] == 15
    assert routes["vpn-hub-p2-1"]["path_monitor"]["enable"] is True
    assert routes["vpn-hub-p2-1"]["path_monitor"]["destinations"][0]["destination"] == "169.254.120.5"


def test_host_routes_leave_through_path_isp():
    routes = by_name(plan_device(SITES, "hub", SETTINGS)["config"]["static_routes"])
    assert routes["ike-b1-p1"] == {
        "name": "ike-b1-p1",
        "destination": "203.0.113.11/32",
        "interface": "ethernet1/1",
        "nexthop_type": "ip-address",
        "nexthop": "198.51.100.254",
        "metric": 10,
    }
    assert (routes["ike-b1-p2"]["destination"], routes["ike-b1-p2"]["interface"], routes["ike-b1-p2"]["nexthop"]) == (
        "198.18.11.11/32",
        "ethernet1/2",
        "192.0.2.254",
    )
    # One far address through two ISPs: the path 2 host route floats behind path 1's.
    assert routes["ike-b2-p1"]["destination"] == routes["ike-b2-p2"]["destination"] == "203.0.113.12/32"
    assert (routes["ike-b2-p1"]["nexthop"], routes["ike-b2-p1"]["metric"]) == ("198.51.100.254", 10)
    assert (routes["ike-b2-p2"]["nexthop"], routes["ike-b2-p2"]["metric"]) == ("192.0.2.254", 20)


def test_spoke_host_routes_use_spoke_next_hops():
    routes = by_name(plan_device(SITES, "b1", SETTINGS)["config"]["static_routes"])
    assert (routes["ike-hub-p1"]["destination"], routes["ike-hub-p1"]["interface"], routes["ike-hub-p1"]["nexthop"]) == (
        "198.51.100.1/32",
        "ethernet1/1",
        "203.0.113.254",
    )
    assert (routes["ike-hub-p2"]["destination"], routes["ike-hub-p2"]["interface"], routes["ike-hub-p2"]["nexthop"]) == (
        "192.0.2.1/32",
        "ethernet1/2",
        "198.18.11.254",
    )


def test_crypto_profiles_passed_through():
    ike = {"name": "ike", "encryption": ["aes-256-cbc"], "hash": ["sha384"], "dh_group": ["group20"], "lifetime": "8h"}
    plan = plan_device(SITES, "b1", dict(SETTINGS, ike_profile=ike))
    assert plan["config"]["ike_crypto_profiles"] == [ike]
    assert plan["config"]["ipsec_crypto_profiles"] == [{"name": "ipsec"}]
    assert {g["ike_crypto_profile"] for g in plan["config"]["ike_gateways"]} == {"ike"}
    assert {t["ipsec_crypto_profile"] for t in plan["config"]["ipsec_tunnels"]} == {"ipsec"}


def test_spoke_key_on_both_ends():
    sites = sites_with(b2={"pre_shared_key": "other"})
    hub = by_name(plan_device(sites, "hub", SETTINGS)["config"]["ike_gateways"])
    assert hub["gw-b2-p1"]["pre_shared_key"] == hub["gw-b2-p2"]["pre_shared_key"] == "other"
    assert hub["gw-b1-p1"]["pre_shared_key"] == "k"
    spoke = plan_device(sites, "b2", SETTINGS)["config"]["ike_gateways"]
    assert {g["pre_shared_key"] for g in spoke} == {"other"}


def test_key_absent_from_metadata():
    plan = plan_device(SITES, "hub", dict(SETTINGS, pre_shared_key="secret-marker"))
    assert "secret-marker" not in repr({key: value for key, value in plan.items() if key != "config"})
    assert plan["tunnel_count"] == 4
    assert [(t["peer"], t["path"]) for t in plan["tunnels"]] == [("b1", 1), ("b1", 2), ("b2", 1), ("b2", 2)]


def test_management_profile_on_tunnel_interfaces():
    config = plan_device(SITES, "b1", dict(SETTINGS, management_profile="allow-ping"))["config"]
    assert {i["management_profile"] for i in config["tunnel_interfaces"]} == {"allow-ping"}
    config = plan_device(SITES, "b1", SETTINGS)["config"]
    assert all("management_profile" not in i for i in config["tunnel_interfaces"])


@pytest.mark.parametrize(
    "sites, fragment",
    [
        (sites_with(b2={"spoke_id": 1}), "b2: vpn_spoke_id 1 is already used by b1"),
        (sites_with(b2={"spoke_id": 0}), "b2: vpn_spoke_id must be a whole number from 1"),
        (sites_with(b2={"spoke_id": True}), "b2: vpn_spoke_id must be a whole number from 1"),
        (sites_with(b2={"spoke_id": None}), "b2: vpn_spoke_id is missing"),
        (sites_with(b2={"networks": ["10.12.0.1/24"]}), "b2: vpn_networks[0]: 10.12.0.1/24 has host bits set; did you mean 10.12.0.0/24?"),
        (sites_with(b2={"networks": []}), "b2: vpn_networks is missing"),
        (sites_with(b2={"networks": "10.12.0.0/24"}), "b2: vpn_networks must be a list"),
        (sites_with(b2={"links": None}), "b2: vpn_links is missing"),
        (sites_with(b2={"links": []}), "b2: vpn_links must be a list of one or two ISP links"),
        (sites_with(b1={"links": SITES["b1"]["links"] + [dict(HUB_LINKS[0], public_ip="203.0.113.99/24")]}), "b1: vpn_links has 3 links; at most 2"),
        (sites_with(b2={"links": [{"interface": "ethernet1/1", "public_ip": "203.0.113.12/24"}]}), "b2: vpn_links[0].next_hop is missing"),
        (sites_with(b2={"links": [{"public_ip": "203.0.113.12/24", "next_hop": "203.0.113.254"}]}), "b2: vpn_links[0].interface is missing"),
        (sites_with(b2={"links": [{"interface": "ethernet1/1", "next_hop": "203.0.113.254"}]}), "b2: vpn_links[0].public_ip is missing"),
        (
            sites_with(b2={"links": [{"interface": "ethernet1/1", "public_ip": "203.0.113.12", "next_hop": "203.0.113.254"}]}),
            "b2: vpn_links[0].public_ip: 203.0.113.12 has no prefix length",
        ),
        (
            sites_with(b2={"links": [{"interface": "ethernet1/1", "public_ip": "203.0.113.0/24", "next_hop": "203.0.113.254"}]}),
            "b2: vpn_links[0].public_ip: 203.0.113.0/24 is the network or broadcast address",
        ),
        (
            sites_with(b2={"links": [{"interface": "ethernet1/1", "public_ip": "203.0.113.12/24", "next_hop": "192.0.2.254"}]}),
            "b2: vpn_links[0].next_hop: 192.0.2.254 is outside the subnet 203.0.113.0/24",
        ),
        (
            sites_with(b2={"links": [{"interface": "ethernet1/1", "public_ip": "203.0.113.12/24", "nexthop": "203.0.113.254"}]}),
            "b2: vpn_links[0]: unknown key nexthop",
        ),
        (
            sites_with(b2={"links": [{"interface": "ethernet1/1", "public_ip": "2001:db8::2/64", "next_hop": "2001:db8::1"}]}),
            "b2: vpn_links[0].public_ip: 2001:db8::2/64 is an IPv6 address",
        ),
        (
            sites_with(b2={"links": [{"interface": "ethernet1/1", "public_ip": "198.51.100.1/24", "next_hop": "198.51.100.254"}]}),
            "b2: vpn_links[0].public_ip: 198.51.100.1 is also used by hub",
        ),
        (
            sites_with(b1={"links": [SITES["b1"]["links"][0], dict(SITES["b1"]["links"][0], interface="ethernet1/3")]}),
            "b1: vpn_links[1].public_ip: 203.0.113.11 is also the address of vpn_links[0]",
        ),
        (sites_with(hub={"links": HUB_LINKS[:1]}), "b2: vpn_links has one link, and so has the hub hub"),
        (
            sites_with(b2={"spoke_id": 129}),
            "b2: vpn_spoke_id 129 is outside redundant_path_tunnel_pool 169.254.120.0/22, which contains two /30 subnets for each spoke ID from 1 to 128",
        ),
        ({k: v for k, v in SITES.items() if k != "hub"}, "the hub group (redundant_path_hub_group) must contain exactly one host; found 0"),
        (sites_with(b1={"role": "hub"}), "the hub group (redundant_path_hub_group) must contain exactly one host; found 2 (b1, hub)"),
    ],
)
def test_bad_inventory_rejected(sites, fragment):
    with pytest.raises(DesignError) as error:
        plan_device(sites, "hub" if "hub" in sites else "b1", SETTINGS)
    assert fragment in str(error.value)


@pytest.mark.parametrize(
    "settings, fragment",
    [
        ({"ike_profile": None}, "redundant_path_ike_profile.name is missing"),
        ({"ipsec_profile": {"esp_encryption": ["aes-256-gcm"]}}, "redundant_path_ipsec_profile.name is missing"),
        ({"primary_metric": 20, "backup_metric": 20}, "redundant_path_primary_metric (20) must be lower than redundant_path_backup_metric (20)"),
        ({"backup_metric": 70000}, "redundant_path_backup_metric must be a whole number from 1 to 65535"),
        ({"tunnel_base": 9990}, "b1: vpn_spoke_id 1 gives tunnel.10001 (redundant_path_tunnel_base 9990"),
        ({"tunnel_base": -1}, "redundant_path_tunnel_base must be a whole number from 0"),
        ({"tunnel_pool": "169.254.120.1/24"}, "redundant_path_tunnel_pool: 169.254.120.1/24 must be a prefix"),
        ({"tunnel_pool": "169.254.120.0/30"}, "redundant_path_tunnel_pool: 169.254.120.0/30 must be a prefix of length /29 or shorter"),
        ({"pre_shared_key": None}, "b1: no pre-shared key"),
        ({"exclude": ["b9"]}, "redundant_path_exclude names b9, which is not one of the sites (b1, b2, hub)"),
        ({"exclude": "b1"}, "redundant_path_exclude must be a list"),
    ],
)
def test_bad_settings_rejected(settings, fragment):
    merged = dict(SETTINGS)
    merged.update(settings)
    with pytest.raises(DesignError) as error:
        plan_device(SITES, "hub", merged)
    assert fragment in str(error.value)


def test_unknown_device_rejected():
    with pytest.raises(DesignError, match="b9 is not one of the sites"):
        plan_device(SITES, "b9", SETTINGS)


def test_same_inventory_same_plan():
    assert plan_device(SITES, "hub", SETTINGS) == plan_device(copy.deepcopy(SITES), "hub", dict(SETTINGS))


def test_excluded_spoke_gets_empty_plan():
    plan = plan_device(SITES, "b2", dict(SETTINGS, exclude=["b2"]))
    assert plan["config"] == {section: [] for section in SECTIONS}
    assert plan["virtual_router"] == "default"
    assert plan["tunnel_count"] == 0


def test_hub_keeps_other_spoke_unchanged_when_one_excluded():
    full = plan_device(SITES, "hub", SETTINGS)["config"]
    reduced = plan_device(SITES, "hub", dict(SETTINGS, exclude=["b1"]))["config"]
    for section in SECTIONS:
        expected = [item for item in full[section] if "b1" not in item["name"] and not item["name"].startswith("tunnel.101")]
        assert reduced[section] == expected, section
    assert reduced["zones"] == [{"name": "vpn"}]
    assert reduced["tunnel_monitor_profiles"] == full["tunnel_monitor_profiles"]


def test_other_spoke_unchanged_when_one_excluded():
    assert plan_device(SITES, "b2", dict(SETTINGS, exclude=["b1"])) == plan_device(SITES, "b2", SETTINGS)


@pytest.mark.parametrize("device", ["hub", "b1", "b2"])
def test_excluded_hub_empties_every_device(device):
    plan = plan_device(SITES, device, dict(SETTINGS, exclude=["hub"]))
    assert plan["config"] == {section: [] for section in SECTIONS}


def test_last_spoke_excluded_empties_hub():
    plan = plan_device(SITES, "hub", dict(SETTINGS, exclude=["b1", "b2"]))
    assert plan["config"] == {section: [] for section in SECTIONS}
    assert plan["role"] == "hub"


# -- every firewall checks the whole inventory ---------------------------------------


@pytest.mark.parametrize(
    "sites, settings, fragment",
    [
        (sites_with(b2={"spoke_id": 500}), {}, "b2: vpn_spoke_id 500 is outside redundant_path_tunnel_pool 169.254.120.0/22"),
        (SITES, {"tunnel_pool": "169.254.120.0/29"}, "b2: vpn_spoke_id 2 is outside redundant_path_tunnel_pool 169.254.120.0/29"),
        (SITES, {"tunnel_base": 9980}, "b2: vpn_spoke_id 2 gives tunnel.10001 (redundant_path_tunnel_base 9980"),
        (sites_with(b1={"pre_shared_key": "own"}), {"pre_shared_key": ""}, "b2: no pre-shared key; set redundant_path_psk"),
        (
            sites_with(b2={"links": [dict(SITES["b1"]["links"][1], interface="ethernet1/1")]}),
            {},
            "b2: vpn_links[0].public_ip: 198.18.11.11 is also used by b1",
        ),
        (sites_with(b2={"networks": ["10.11.0.0/24"]}), {}, "b2: vpn_networks[0]: 10.11.0.0/24 overlaps 10.11.0.0/24 in vpn_networks[0] of b1"),
    ],
)
@pytest.mark.parametrize("device", ["hub", "b1", "b2"])
def test_fault_of_one_site_fails_every_plan(sites, settings, fragment, device):
    with pytest.raises(DesignError) as error:
        plan_device(sites, device, dict(SETTINGS, **settings))
    assert fragment in str(error.value)


def test_excluding_faulty_spoke_still_fails():
    # plan(all) must succeed for a decommission to work out what to remove, so an exclusion hides no fault.
    with pytest.raises(DesignError, match="b2: vpn_spoke_id 500 is outside"):
        plan_device(sites_with(b2={"spoke_id": 500}), "b1", dict(SETTINGS, exclude=["b2"]))


@pytest.mark.parametrize(
    "sites, fragment",
    [
        (sites_with(b2={"networks": ["10.11.0.0/16"]}), "b2: vpn_networks[0]: 10.11.0.0/16 overlaps 10.11.0.0/24 in vpn_networks[0] of b1"),
        (sites_with(b2={"networks": ["10.0.5.0/24"]}), "b2: vpn_networks[0]: 10.0.5.0/24 overlaps 10.0.0.0/16 in vpn_networks[0] of hub"),
        (
            sites_with(b2={"networks": ["10.12.0.0/24", "10.12.0.0/24"]}),
            "b2: vpn_networks[1]: 10.12.0.0/24 is also vpn_networks[0]; list each network once",
        ),
        (
            sites_with(b2={"networks": ["169.254.121.0/24"]}),
            "b2: vpn_networks[0]: 169.254.121.0/24 overlaps redundant_path_tunnel_pool 169.254.120.0/22",
        ),
        (sites_with(b2={"networks": ["10.12.0.0"]}), "b2: vpn_networks[0]: 10.12.0.0 has no prefix length; write 10.12.0.0/24 or 10.12.0.0/32"),
        (sites_with(b2={"networks": ["10.12.0.7"]}), "b2: vpn_networks[0]: 10.12.0.7 has no prefix length; write 10.12.0.0/24 or 10.12.0.7/32"),
    ],
)
def test_bad_networks_rejected(sites, fragment):
    with pytest.raises(DesignError) as error:
        plan_device(sites, "hub", SETTINGS)
    assert fragment in str(error.value)


def test_nested_networks_of_one_site_accepted():
    config = plan_device(sites_with(b2={"networks": ["10.12.0.0/16", "10.12.5.0/24"]}), "hub", SETTINGS)["config"]
    destinations = [route["destination"] for route in config["static_routes"] if route["name"].startswith("vpn-b2-p1-")]
    assert destinations == ["10.12.0.0/16", "10.12.5.0/24"]


@pytest.mark.parametrize(
    "pool, fragment",
    [
        ("fd00:120::/64", "redundant_path_tunnel_pool: fd00:120::/64 is an IPv6 prefix; only IPv4 pools are supported"),
        ("169.254.120.0", "redundant_path_tunnel_pool: 169.254.120.0 has no prefix length"),
        ("tunnels", "redundant_path_tunnel_pool: 'tunnels' is not a valid IPv4 prefix"),
    ],
)
def test_bad_tunnel_pool_rejected(pool, fragment):
    with pytest.raises(DesignError) as error:
        plan_device(SITES, "b1", dict(SETTINGS, tunnel_pool=pool))
    assert fragment in str(error.value)


def test_unknown_ike_version_rejected():
    with pytest.raises(DesignError, match="redundant_path_ike_version must be one of ikev1, ikev2, ikev2-preferred, got 'ikev3'"):
        plan_device(SITES, "hub", dict(SETTINGS, ike_version="ikev3"))


# -- liveness --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "version, liveness_check, dpd",
    [("ikev2", True, None), ("ikev1", None, True), ("ikev2-preferred", True, True)],
)
@pytest.mark.parametrize("device", ["hub", "b1"])
def test_gateways_state_liveness_of_version(version, liveness_check, dpd, device):
    gateways = plan_device(SITES, device, dict(SETTINGS, ike_version=version))["config"]["ike_gateways"]
    assert gateways
    for gateway in gateways:
        assert gateway["version"] == version
        # An option of the other IKE version is left out, because the vpn module warns about it.
        assert gateway.get("liveness_check") is liveness_check
        assert gateway.get("dpd") is dpd


# -- the filter ------------------------------------------------------------------------


def hostvars_of(sites):
    hostvars = {}
    for name, site in sites.items():
        hostvars[name] = {"vpn_links": site["links"], "vpn_networks": site["networks"], "vpn_pre_shared_key": site.get("pre_shared_key")}
        if site["role"] == "spoke":
            hostvars[name]["vpn_spoke_id"] = site["spoke_id"]
    return hostvars


def test_filter_names_spoke_variable_on_other_spoke():
    hostvars = hostvars_of(sites_with(b2={"spoke_id": 500}))
    with pytest.raises(AnsibleFilterError) as error:
        redundant_path_design(hostvars, ["hub"], ["b1", "b2"], "b1", SETTINGS)
    assert str(error.value).startswith("redundant_path_design: b2: vpn_spoke_id 500 is outside redundant_path_tunnel_pool")


def test_filter_names_group_variables():
    with pytest.raises(AnsibleFilterError) as error:
        redundant_path_design(hostvars_of(SITES), ["hub"], ["hub", "b1", "b2"], "b1", SETTINGS)
    assert "hub is in both the hub group (redundant_path_hub_group) and the spoke group (redundant_path_spoke_group)" in str(error.value)
