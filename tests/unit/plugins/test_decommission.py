"""Decommission planning: what a device loses when sites leave."""

import pytest

from ansible_collections.ipsec.panos.plugins.plugin_utils._decommission import DecommissionError, plan_removal
from ansible_collections.ipsec.panos.plugins.plugin_utils._hub_and_spoke import plan_device

SITES = {
    "hub": {"role": "hub", "public_ip": "198.51.100.1/24", "networks": ["10.0.0.0/16"]},
    "b1": {"role": "spoke", "spoke_id": 1, "public_ip": "203.0.113.11/24", "networks": ["10.11.0.0/24"]},
    "b2": {"role": "spoke", "spoke_id": 2, "public_ip": "203.0.113.12/24", "networks": ["10.12.0.0/24"]},
}
SETTINGS = {"pre_shared_key": "k", "ike_profile": {"name": "ike"}, "ipsec_profile": {"name": "ipsec"}, "proxy_ids": True}


def removal(device, leaving):
    before = plan_device(SITES, device, SETTINGS)
    after = plan_device(SITES, device, dict(SETTINGS, exclude=leaving))
    return plan_removal(before, after)


def test_hub_deletes_only_leaving_spoke():
    result = removal("hub", ["b2"])
    assert result["delete"] == {
        "tunnel_interfaces": [{"name": "tunnel.102"}],
        "ike_gateways": [{"name": "gw-b2"}],
        "ipsec_tunnels": [{"name": "vpn-b2"}],
        "static_routes": [{"name": "vpn-b2-1"}],
    }


def test_hub_rewrites_stale_proxy_ids():
    result = removal("hub", ["b2"])
    tunnels = result["replace"]["ipsec_tunnels"]
    assert [t["name"] for t in tunnels] == ["vpn-b1"]
    assert all(p["remote"] != "10.12.0.0/24" and p["local"] != "10.12.0.0/24" for p in tunnels[0]["proxy_ids"])


def test_other_spoke_loses_route_to_leaving_spoke():
    result = removal("b1", ["b2"])
    assert result["delete"] == {"static_routes": [{"name": "vpn-hub-s2-1"}]}
    assert list(result["replace"]) == ["ipsec_tunnels"]


def test_leaving_spoke_loses_everything():
    result = removal("b2", ["b2"])
    assert result["replace"] == {}
    assert result["delete"]["ike_crypto_profiles"] == [{"name": "ike"}]
    assert result["delete"]["zones"] == [{"name": "vpn"}]
    assert result["delete"]["ike_gateways"] == [{"name": "gw-hub"}]


def test_whole_topology_against_empty_plan():
    result = plan_removal(plan_device(SITES, "hub", SETTINGS), {"config": {}})
    assert sorted(result["delete"]) == sorted(
        ["ike_crypto_profiles", "ipsec_crypto_profiles", "zones", "tunnel_interfaces", "ike_gateways", "ipsec_tunnels", "static_routes"]
    )
    assert result["replace"] == {}


def test_same_plans_remove_nothing():
    plan = plan_device(SITES, "hub", SETTINGS)
    assert plan_removal(plan, plan) == {"delete": {}, "replace": {}}


def test_plan_without_config_rejected():
    with pytest.raises(DecommissionError, match="the after plan has no config dict"):
        plan_removal(plan_device(SITES, "hub", SETTINGS), {"ike_gateways": []})
