"""A corpus of bad inputs: each is rejected before any device is contacted, naming its option path.

Every case runs the vpn module's main() with state merged and a device class that fails the
test when it is opened, so a case passes only if validation alone rejects it.
"""

import copy

import pytest

import test_vpn_module
from test_vpn_module import run_module

# The fixture that makes opening a device fail the test, shared with the vpn module tests.
no_device = test_vpn_module.no_device

PSK = "Corpus-psk-5b2e8d41"
IKE = {"name": "ike-p", "encryption": ["aes-256-cbc"], "hash": ["sha256"], "dh_group": ["group20"], "lifetime": "8h"}
IPSEC = {"name": "ipsec-p", "esp_encryption": ["aes-256-gcm"], "esp_authentication": ["none"], "dh_group": "group20", "lifetime": "1h"}
GATEWAY = {"name": "gw-a", "version": "ikev2", "interface": "ethernet1/1", "peer_address": "192.0.2.9", "pre_shared_key": PSK, "ike_crypto_profile": "ike-p"}
INTERFACE = {"name": "tunnel.10", "ip": ["169.254.0.1/30"], "zone": "vpn", "virtual_router": "default"}
TUNNEL = {"name": "vpn-a", "tunnel_interface": "tunnel.10", "ike_gateway": "gw-a", "ipsec_crypto_profile": "ipsec-p"}
ROUTE = {"name": "r-a", "destination": "10.9.0.0/16", "interface": "tunnel.10"}
MONITOR = {"name": "mon-a", "action": "fail-over", "interval": 3, "threshold": 5}
BASE = {
    "ike_crypto_profiles": [IKE],
    "ipsec_crypto_profiles": [IPSEC],
    "tunnel_monitor_profiles": [MONITOR],
    "tunnel_interfaces": [INTERFACE],
    "ike_gateways": [GATEWAY],
    "ipsec_tunnels": [TUNNEL],
    "static_routes": [ROUTE],
}


def change(section, **values):
    """Return BASE with the first object of ``section`` changed; None removes an option."""
    config = copy.deepcopy(BASE)
    item = config[section][0]
    for option, value in values.items():
        if value is None:
            item.pop(option, None)
        else:
            item[option] = value
    return config


def added(section, item):
    config = copy.deepcopy(BASE)
    config[section] = config[section] + [item]
    return config


def proxy(**values):
    entry = {"name": "p1", "local": "10.0.0.0/16", "remote": "10.9.0.0/16"}
    entry.update(values)
    return entry


CASES = [
    # wrong types and values out of range
    ("ike version", change("ike_gateways", version="ikev3"), "config.ike_gateways[0].version"),
    ("dh group name", change("ike_crypto_profiles", dh_group=["group99"]), "config.ike_crypto_profiles[0].dh_group"),
    ("ike encryption", change("ike_crypto_profiles", encryption=["aes-512-cbc"]), "config.ike_crypto_profiles[0].encryption"),
    ("ike hash none", change("ike_crypto_profiles", hash=["none"]), "config.ike_crypto_profiles[0].hash"),
    ("esp encryption", change("ipsec_crypto_profiles", esp_encryption=["blowfish"]), "config.ipsec_crypto_profiles[0].esp_encryption"),
    ("pfs group", change("ipsec_crypto_profiles", dh_group="group3"), "config.ipsec_crypto_profiles[0].dh_group"),
    ("ike lifetime too short", change("ike_crypto_profiles", lifetime="10s"), "config.ike_crypto_profiles[0].lifetime"),
    ("ike lifetime nonsense", change("ike_crypto_profiles", lifetime="forever"), "config.ike_crypto_profiles[0].lifetime"),
    ("lifesize", change("ipsec_crypto_profiles", lifesize="huge"), "config.ipsec_crypto_profiles[0].lifesize"),
    ("monitor interval", change("tunnel_monitor_profiles", interval=0), "config.tunnel_monitor_profiles[0].interval"),
    ("monitor threshold", change("tunnel_monitor_profiles", threshold=99), "config.tunnel_monitor_profiles[0].threshold"),
    ("monitor action", change("tunnel_monitor_profiles", action="panic"), "config.tunnel_monitor_profiles[0].action"),
    ("mtu too small", change("tunnel_interfaces", mtu=100), "config.tunnel_interfaces[0].mtu"),
    ("mtu too large", change("tunnel_interfaces", mtu=10000), "config.tunnel_interfaces[0].mtu"),
    ("route metric", change("static_routes", metric=70000), "config.static_routes[0].metric"),
    ("admin distance", change("static_routes", admin_distance=1000), "config.static_routes[0].admin_distance"),
    ("anti-replay window", change("ipsec_tunnels", anti_replay_window=100), "config.ipsec_tunnels[0].anti_replay_window"),
    ("dpd interval type", change("ike_gateways", liveness_interval="often"), "config.ike_gateways[0].liveness_interval"),
    ("passive not bool", change("ike_gateways", passive_mode="sometimes"), "config.ike_gateways[0].passive_mode"),
    ("proxy protocol", change("ipsec_tunnels", proxy_ids=[proxy(protocol="icmp")]), "config.ipsec_tunnels[0].proxy_ids[0].protocol"),
    ("proxy port range", change("ipsec_tunnels", proxy_ids=[proxy(protocol="tcp", local_port=70000)]), "config.ipsec_tunnels[0].proxy_ids[0].local_port"),
    (
        "proxy protocol number",
        change("ipsec_tunnels", proxy_ids=[proxy(protocol="number", protocol_number=300)]),
        "config.ipsec_tunnels[0].proxy_ids[0].protocol_number",
    ),
    ("unknown option", change("ike_gateways", peer_ip="192.0.2.9"), "config.ike_gateways[0]"),
    # bad addresses and prefixes
    ("peer address", change("ike_gateways", peer_type="ip", peer_address="192.0.2.999"), "config.ike_gateways[0].peer_address"),
    ("local ip", change("ike_gateways", local_ip="300.1.1.1/24"), "config.ike_gateways[0].local_ip"),
    ("tunnel address", change("tunnel_interfaces", ip=["169.254.0.1/33"]), "config.tunnel_interfaces[0].ip[0]"),
    ("tunnel address text", change("tunnel_interfaces", ip=["tunnel-ip"]), "config.tunnel_interfaces[0].ip[0]"),
    ("ipv6 in ipv4 list", change("tunnel_interfaces", ipv6={"enable": True, "addresses": ["169.254.0.1/30"]}), "config.tunnel_interfaces[0].ipv6.addresses[0]"),
    ("route destination", change("static_routes", destination="10.9.0.0/40"), "config.static_routes[0].destination"),
    ("route host bits", change("static_routes", destination="10.9.1.0/16"), "config.static_routes[0].destination"),
    ("route nexthop", change("static_routes", interface="ethernet1/1", nexthop_type="ip-address", nexthop="10.0.0.999"), "config.static_routes[0].nexthop"),
    ("proxy local", change("ipsec_tunnels", proxy_ids=[proxy(local="10.0.0.0/99")]), "config.ipsec_tunnels[0].proxy_ids[0].local"),
    ("proxy remote host bits", change("ipsec_tunnels", proxy_ids=[proxy(remote="10.9.5.0/16")]), "config.ipsec_tunnels[0].proxy_ids[0].remote"),
    ("proxy family mix", change("ipsec_tunnels", proxy_ids=[proxy(remote="2001:db8::/32")]), "config.ipsec_tunnels[0].proxy_ids[0]"),
    ("template variable on firewall", change("ike_gateways", peer_address="$hub_ip"), "config.ike_gateways[0].peer_address"),
    # overlapping selectors
    ("overlapping proxy ids", change("ipsec_tunnels", proxy_ids=[proxy(), proxy(name="p2", local="10.0.1.0/24")]), "config.ipsec_tunnels[0].proxy_ids[1]"),
    ("duplicate proxy ids", change("ipsec_tunnels", proxy_ids=[proxy(), proxy(name="p2")]), "config.ipsec_tunnels[0].proxy_ids[1]"),
    ("duplicate proxy names", change("ipsec_tunnels", proxy_ids=[proxy(), proxy(local="10.1.0.0/16")]), "config.ipsec_tunnels[0].proxy_ids[1].name"),
    # names too long, and wrong tunnel-interface names
    ("gateway name too long", change("ike_gateways", name="gw-" + "x" * 70), "config.ike_gateways[0].name"),
    ("profile name too long", change("ike_crypto_profiles", name="p" * 40), "config.ike_crypto_profiles[0].name"),
    ("tunnel name too long", change("ipsec_tunnels", name="t" * 70), "config.ipsec_tunnels[0].name"),
    ("interface named ethernet", change("tunnel_interfaces", name="ethernet1/5"), "config.tunnel_interfaces[0].name"),
    ("interface tunnel zero", change("tunnel_interfaces", name="tunnel.0"), "config.tunnel_interfaces[0].name"),
    ("interface tunnel too high", change("tunnel_interfaces", name="tunnel.10000"), "config.tunnel_interfaces[0].name"),
    ("interface bare tunnel", change("tunnel_interfaces", name="tunnel"), "config.tunnel_interfaces[0].name"),
    ("tunnel bound to non-tunnel", change("ipsec_tunnels", tunnel_interface="ethernet1/2"), "config.ipsec_tunnels[0].tunnel_interface"),
    ("comment too long", change("ipsec_tunnels", comment="c" * 1100), "config.ipsec_tunnels[0].comment"),
    # IKE and crypto incompatibilities
    ("gcm esp with sha", change("ipsec_crypto_profiles", esp_authentication=["sha256"]), "config.ipsec_crypto_profiles[0]"),
    ("non-auth with cbc", change("ike_crypto_profiles", hash=["non-auth"]), "config.ike_crypto_profiles[0]"),
    ("ah and esp", change("ipsec_crypto_profiles", ah_authentication=["sha256"]), "config.ipsec_crypto_profiles[0]"),
    ("certificate options with psk", change("ike_gateways", certificate={"local_certificate": "c1"}), "config.ike_gateways[0]"),
    ("dynamic peer with address", change("ike_gateways", peer_type="dynamic"), "config.ike_gateways[0]"),
    ("fqdn peer not fqdn", change("ike_gateways", peer_type="fqdn", peer_address="not a name!"), "config.ike_gateways[0].peer_address"),
    ("peer id without type", change("ike_gateways", peer_id={"id": "hub.example.net"}), "config.ike_gateways[0].peer_id"),
    # a missing pre-shared key where one is needed
    ("empty key", change("ike_gateways", pre_shared_key=""), "config.ike_gateways[0]"),
    # duplicate names in one config list
    ("duplicate gateways", added("ike_gateways", dict(GATEWAY)), "config.ike_gateways[1].name"),
    ("duplicate profiles", added("ike_crypto_profiles", dict(IKE)), "config.ike_crypto_profiles[1].name"),
    ("duplicate interfaces", added("tunnel_interfaces", dict(INTERFACE)), "config.tunnel_interfaces[1].name"),
    ("duplicate routes", added("static_routes", dict(ROUTE)), "config.static_routes[1].name"),
    ("missing name", change("static_routes", name=None), "config.static_routes[0]"),
    ("zone name too long", dict(BASE, zones=[{"name": "z" * 40}]), "config.zones[0].name"),
    ("monitor profile name too long", change("tunnel_monitor_profiles", name="m" * 40), "config.tunnel_monitor_profiles[0].name"),
    ("monitor destination", change("ipsec_tunnels", tunnel_monitor={"enable": True, "destination_ip": "not-an-ip"}), "config.ipsec_tunnels[0].tunnel_monitor"),
]


@pytest.mark.parametrize("label, config, path", CASES, ids=[case[0] for case in CASES])
def test_bad_input_rejected_before_device(no_device, label, config, path):
    # A password that appears nowhere else, because Ansible masks every copy of a no_log value.
    result, text = run_module({"state": "merged", "provider": {"host": "127.0.0.1", "password": "Corpus-pw-91c4"}, "config": config})
    assert result.get("failed") is True, "%s was accepted: %s" % (label, result)
    assert "tried to reach a device" not in result.get("msg", ""), "%s was only rejected after reaching a device" % label
    errors = result.get("errors") or [result["msg"]]
    if path is not None:
        assert any(error.startswith(path) for error in errors), errors
    assert PSK not in text


def test_corpus_is_large_enough():
    assert len(CASES) >= 60
