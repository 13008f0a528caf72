"""Hub-and-spoke planning: both ends from one inventory, mirrored."""

import pytest

from ansible_collections.ipsec.panos.plugins.plugin_utils._hub_and_spoke import DesignError, plan_device

SITES = {
    "hub": {"role": "hub", "public_ip": "198.51.100.1/24", "networks": ["10.0.0.0/16"]},
    "b1": {"role": "spoke", "spoke_id": 1, "public_ip": "203.0.113.11/24", "networks": ["10.11.0.0/24"]},
    "b2": {"role": "spoke", "spoke_id": 2, "public_ip": "203.0.113.12", "networks": ["10.12.0.0/24"]},
}
SETTINGS = {
    "pre_shared_key": "k",
    "ike_profile": {"name": "ike"},
    "ipsec_profile": {"name": "ipsec"},
    "proxy_ids": True,
}


def test_hub_gets_one_tunnel_per_spoke():
    plan = plan_device(SITES, "hub", SETTINGS)
    assert [g["name"] for g in plan["config"]["ike_gateways"]] == ["gw-b1", "gw-b2"]
    assert all(g["passive_mode"] for g in plan["config"]["ike_gateways"])
    assert [t["tunnel_interface"] for t in plan["config"]["ipsec_tunnels"]] == ["tunnel.101", "tunnel.102"]
    assert plan["config"]["tunnel_interfaces"][0]["ip"] == ["169.254.100.5/30"]
    assert {r["destination"] for r in plan["config"]["static_routes"]} == {"10.11.0.0/24", "10.12.0.0/24"}


def test_spoke_mirrors_hub():
    hub = plan_device(SITES, "hub", SETTINGS)
    spoke = plan_device(SITES, "b1", SETTINGS)
    hub_side = {(p["local"], p["remote"]) for p in hub["config"]["ipsec_tunnels"][0]["proxy_ids"]}
    spoke_side = {(p["remote"], p["local"]) for p in spoke["config"]["ipsec_tunnels"][0]["proxy_ids"]}
    assert hub_side == spoke_side
    assert spoke["config"]["ike_gateways"][0]["peer_address"] == "198.51.100.1"
    assert hub["config"]["ike_gateways"][0]["peer_address"] == "203.0.113.11"
    assert spoke["config"]["ike_gateways"][0]["passive_mode"] is False
    assert spoke["config"]["tunnel_interfaces"][0]["ip"] == ["169.254.100.6/30"]


def test_local_ip_only_with_prefix():
    spoke = plan_device(SITES, "b2", SETTINGS)
    assert "local_ip" not in spoke["config"]["ike_gateways"][0]
    hub = plan_device(SITES, "hub", SETTINGS)
    assert hub["config"]["ike_gateways"][0]["local_ip"] == "198.51.100.1/24"


def test_spoke_to_spoke_routes():
    spoke = plan_device(SITES, "b1", SETTINGS)
    assert {r["destination"] for r in spoke["config"]["static_routes"]} == {"10.0.0.0/16", "10.12.0.0/24"}
    alone = plan_device(SITES, "b1", dict(SETTINGS, spoke_to_spoke=False))
    assert {r["destination"] for r in alone["config"]["static_routes"]} == {"10.0.0.0/16"}


def test_per_site_key_used_on_both_ends():
    sites = dict(SITES, b2=dict(SITES["b2"], pre_shared_key="other"))
    assert plan_device(sites, "hub", SETTINGS)["config"]["ike_gateways"][1]["pre_shared_key"] == "other"
    assert plan_device(sites, "b2", SETTINGS)["config"]["ike_gateways"][0]["pre_shared_key"] == "other"


@pytest.mark.parametrize(
    "sites, fragment",
    [
        ({k: v for k, v in SITES.items() if k != "hub"}, "exactly one site must be in the hub group"),
        (dict(SITES, b2=dict(SITES["b2"], spoke_id=1)), "spoke_id 1 is already used"),
        (dict(SITES, b2=dict(SITES["b2"], networks=["10.12.0.1/24"])), "host bits"),
        (dict(SITES, b2=dict(SITES["b2"], spoke_id=64)), "no room for vpn_spoke_id 64"),
        (dict(SITES, b2=dict(SITES["b2"], public_ip=None)), "public_ip is missing"),
    ],
)
def test_bad_inventory_rejected(sites, fragment):
    with pytest.raises(DesignError) as error:
        plan_device(sites, "hub", SETTINGS)
    assert fragment in str(error.value)


def test_route_names_stable_when_spoke_removed():
    sites = dict(SITES, b3={"role": "spoke", "spoke_id": 3, "public_ip": "203.0.113.13", "networks": ["10.13.0.0/24", "10.113.0.0/24"]})
    before = {r["name"]: r["destination"] for r in plan_device(sites, "b1", SETTINGS)["config"]["static_routes"]}
    after = {r["name"]: r["destination"] for r in plan_device(sites, "b1", dict(SETTINGS, exclude=["b2"]))["config"]["static_routes"]}
    assert before == {"vpn-hub-1": "10.0.0.0/16", "vpn-hub-s2-1": "10.12.0.0/24", "vpn-hub-s3-1": "10.13.0.0/24", "vpn-hub-s3-2": "10.113.0.0/24"}
    assert after == {name: destination for name, destination in before.items() if name != "vpn-hub-s2-1"}


def test_proxy_id_names_stable_when_spoke_removed():
    sites = dict(SITES, b3={"role": "spoke", "spoke_id": 3, "public_ip": "203.0.113.13", "networks": ["10.13.0.0/24"]})
    before = plan_device(sites, "b1", SETTINGS)["config"]["ipsec_tunnels"][0]["proxy_ids"]
    after = plan_device(sites, "b1", dict(SETTINGS, exclude=["b2"]))["config"]["ipsec_tunnels"][0]["proxy_ids"]
    assert [p["name"] for p in before] == ["p1_1", "p1_s2-1", "p1_s3-1"]
    assert [p for p in before if p["name"] != "p1_s2-1"] == after


def test_excluded_spoke_gets_empty_plan():
    plan = plan_device(SITES, "b2", dict(SETTINGS, exclude=["b2"]))
    assert plan["config"]["ike_gateways"] == []
    assert plan["config"]["zones"] == []
    assert plan["virtual_router"] == "default"


def test_hub_keeps_other_spokes_when_one_excluded():
    plan = plan_device(SITES, "hub", dict(SETTINGS, exclude=["b2"]))
    assert [g["name"] for g in plan["config"]["ike_gateways"]] == ["gw-b1"]
    assert plan["config"]["zones"] == [{"name": "vpn"}]


@pytest.mark.parametrize("device", ["hub", "b1", "b2"])
def test_excluded_hub_empties_every_device(device):
    plan = plan_device(SITES, device, dict(SETTINGS, exclude=["hub"]))
    assert all(objects == [] for objects in plan["config"].values())


def test_last_spoke_excluded_empties_hub():
    plan = plan_device(SITES, "hub", dict(SETTINGS, exclude=["b1", "b2"]))
    assert all(objects == [] for objects in plan["config"].values())


def test_exclude_unknown_site_rejected():
    with pytest.raises(DesignError, match="b9 is not in the inventory"):
        plan_device(SITES, "hub", dict(SETTINGS, exclude=["b9"]))


@pytest.mark.parametrize(
    "sites, fragment",
    [
        (dict(SITES, b2=dict(SITES["b2"], networks=["10.11.0.0/24"])), "b2: vpn_networks[0]: 10.11.0.0/24 overlaps 10.11.0.0/24 of b1"),
        (dict(SITES, b2=dict(SITES["b2"], networks=["10.0.5.0/24"])), "overlaps 10.0.0.0/16 of hub"),
        (dict(SITES, b2=dict(SITES["b2"], networks=["10.12.0.0"])), "b2: vpn_networks[0]: 10.12.0.0 has no prefix length; write 10.12.0.0/24 or 10.12.0.0/32"),
        (dict(SITES, b2=dict(SITES["b2"], networks=[])), "b2: vpn_networks is missing or empty"),
        (dict(SITES, b2=dict(SITES["b2"], public_ip="203.0.113.11")), "b2: vpn_public_ip 203.0.113.11 is already the address of b1"),
    ],
)
def test_inventory_mistakes_rejected(sites, fragment):
    with pytest.raises(DesignError) as error:
        plan_device(sites, "hub", SETTINGS)
    assert fragment in str(error.value)


@pytest.mark.parametrize("device", ["hub", "b1", "b2"])
def test_every_host_rejects_other_spoke_problem(device):
    # b2's tunnel number is out of range: b1's plan must fail too, so no host writes.
    with pytest.raises(DesignError, match="b2: hub_and_spoke_tunnel_base 9998 plus vpn_spoke_id 2 gives tunnel.10000"):
        plan_device(SITES, device, dict(SETTINGS, tunnel_base=9998))


@pytest.mark.parametrize("device", ["hub", "b1"])
def test_every_host_rejects_spoke_outside_pool(device):
    sites = dict(SITES, b2=dict(SITES["b2"], spoke_id=64))
    with pytest.raises(DesignError, match="no room for vpn_spoke_id 64"):
        plan_device(sites, device, SETTINGS)


def test_ipv6_tunnel_pool_rejected():
    with pytest.raises(DesignError, match="hub_and_spoke_tunnel_pool fd00::/64 is not an IPv4 prefix"):
        plan_device(SITES, "hub", dict(SETTINGS, tunnel_pool="fd00::/64"))


@pytest.mark.parametrize(
    "version, expected",
    [("ikev1", {"dpd": True}), ("ikev2", {"liveness_check": True}), ("ikev2-preferred", {"dpd": True, "liveness_check": True})],
)
def test_liveness_stated_per_version(version, expected):
    gateway = plan_device(SITES, "hub", dict(SETTINGS, ike_version=version))["config"]["ike_gateways"][0]
    assert {key: gateway[key] for key in ("dpd", "liveness_check") if key in gateway} == expected
