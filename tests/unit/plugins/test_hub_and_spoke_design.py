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
    assert [g["name"] for g in plan["ike_gateways"]] == ["gw-b1", "gw-b2"]
    assert all(g["passive_mode"] for g in plan["ike_gateways"])
    assert [t["tunnel_interface"] for t in plan["ipsec_tunnels"]] == ["tunnel.101", "tunnel.102"]
    assert plan["tunnel_interfaces"][0]["ip"] == ["169.254.100.5/30"]
    assert {r["destination"] for r in plan["static_routes"]} == {"10.11.0.0/24", "10.12.0.0/24"}


def test_spoke_mirrors_hub():
    hub = plan_device(SITES, "hub", SETTINGS)
    spoke = plan_device(SITES, "b1", SETTINGS)
    hub_side = {(p["local"], p["remote"]) for p in hub["ipsec_tunnels"][0]["proxy_ids"]}
    spoke_side = {(p["remote"], p["local"]) for p in spoke["ipsec_tunnels"][0]["proxy_ids"]}
    assert hub_side == spoke_side
    assert spoke["ike_gateways"][0]["peer_address"] == "198.51.100.1"
    assert hub["ike_gateways"][0]["peer_address"] == "203.0.113.11"
    assert spoke["ike_gateways"][0]["passive_mode"] is False
    assert spoke["tunnel_interfaces"][0]["ip"] == ["169.254.100.6/30"]


def test_local_ip_only_with_prefix():
    spoke = plan_device(SITES, "b2", SETTINGS)
    assert "local_ip" not in spoke["ike_gateways"][0]
    hub = plan_device(SITES, "hub", SETTINGS)
    assert hub["ike_gateways"][0]["local_ip"] == "198.51.100.1/24"


def test_spoke_to_spoke_routes():
    spoke = plan_device(SITES, "b1", SETTINGS)
    assert {r["destination"] for r in spoke["static_routes"]} == {"10.0.0.0/16", "10.12.0.0/24"}
    alone = plan_device(SITES, "b1", dict(SETTINGS, spoke_to_spoke=False))
    assert {r["destination"] for r in alone["static_routes"]} == {"10.0.0.0/16"}


def test_per_site_key_used_on_both_ends():
    sites = dict(SITES, b2=dict(SITES["b2"], pre_shared_key="other"))
    assert plan_device(sites, "hub", SETTINGS)["ike_gateways"][1]["pre_shared_key"] == "other"
    assert plan_device(sites, "b2", SETTINGS)["ike_gateways"][0]["pre_shared_key"] == "other"


@pytest.mark.parametrize(
    "sites, fragment",
    [
        ({k: v for k, v in SITES.items() if k != "hub"}, "exactly one site must have role hub"),
        (dict(SITES, b2=dict(SITES["b2"], spoke_id=1)), "spoke_id 1 is already used"),
        (dict(SITES, b2=dict(SITES["b2"], networks=["10.12.0.1/24"])), "host bits"),
        (dict(SITES, b2=dict(SITES["b2"], spoke_id=64)), "no room for spoke_id 64"),
        (dict(SITES, b2=dict(SITES["b2"], public_ip=None)), "public_ip is missing"),
    ],
)
def test_bad_inventory_rejected(sites, fragment):
    with pytest.raises(DesignError) as error:
        plan_device(sites, "hub", SETTINGS)
    assert fragment in str(error.value)
