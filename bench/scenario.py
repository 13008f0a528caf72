# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Synthetic hub configurations for the benchmark: one hub, N spokes.

Per spoke the hub gets an IKE gateway, an IPsec tunnel with two proxy IDs, a tunnel
interface and a static route. The crypto profiles, the two zones and one pair of security
rules are shared. The same objects come out in two forms: ``vpn_config`` for the
``ipsec.panos.vpn`` module, and ``baseline_objects`` for the one-object-per-invocation
baseline in bench/library/baseline_object.py.
"""

from __future__ import annotations

import copy
import ipaddress

HUB_INTERFACE = "ethernet1/1"
HUB_PUBLIC_IP = "198.51.100.1/24"
HUB_GATEWAY = "198.51.100.254"
HUB_NETWORKS = ("10.0.0.0/16", "10.1.0.0/16")
VIRTUAL_ROUTER = "default"
VPN_ZONE = "vpn"
LAN_ZONE = "lan"
# /30 per spoke: spoke i uses 169.254.0.0 + 4 * i, so a /20 has room for 1,023 spokes.
TUNNEL_POOL = ipaddress.ip_network("169.254.0.0/20")
MAX_SPOKES = TUNNEL_POOL.num_addresses // 4 - 1
# Spoke public addresses come from the shared address space of RFC 6598.
SPOKE_PUBLIC_BASE = ipaddress.ip_address("100.64.0.10")

IKE_PROFILE = {"name": "bench-ike", "encryption": ["aes-256-cbc"], "hash": ["sha256"], "dh_group": ["group20"], "lifetime": "8h"}
IPSEC_PROFILE = {
    "name": "bench-ipsec",
    "esp_encryption": ["aes-256-gcm"],
    "esp_authentication": ["none"],
    "dh_group": "group20",
    "lifetime": "1h",
}
SECURITY_RULES = (
    {"name": "bench-vpn-in", "from_zones": [VPN_ZONE], "to_zones": [LAN_ZONE], "action": "allow"},
    {"name": "bench-vpn-out", "from_zones": [LAN_ZONE], "to_zones": [VPN_ZONE], "action": "allow"},
)


def spoke_name(index):
    return "spoke%04d" % index


def spoke_network(index):
    """Return the spoke's LAN, 10.100.0.0/24 for spoke 0 and counting up by /24."""
    return str(ipaddress.ip_network("10.100.0.0/24").network_address + 256 * index) + "/24"


def hub_tunnel_address(index):
    return "%s/30" % (TUNNEL_POOL.network_address + 4 * index + 1)


def build_vpn_config(spokes, psk, route_override=None, proxy_override=None):
    """Return the hub's ``ipsec.panos.vpn`` config for ``spokes`` spokes.

    ``route_override`` and ``proxy_override`` map a spoke number to a replacement
    destination prefix for its route, or local prefix for its first proxy ID. The benchmark
    uses them to change one spoke between runs.
    """
    if not 1 <= spokes <= MAX_SPOKES:
        raise ValueError("spokes must be from 1 to %d, got %d" % (MAX_SPOKES, spokes))
    route_override = route_override or {}
    proxy_override = proxy_override or {}
    config = {
        "ike_crypto_profiles": [dict(IKE_PROFILE)],
        "ipsec_crypto_profiles": [dict(IPSEC_PROFILE)],
        "zones": [{"name": VPN_ZONE}, {"name": LAN_ZONE}],
        "tunnel_interfaces": [],
        "ike_gateways": [],
        "ipsec_tunnels": [],
        "static_routes": [],
        "security_rules": [copy.deepcopy(rule) for rule in SECURITY_RULES],
    }
    for index in range(1, spokes + 1):
        name = spoke_name(index)
        tunnel = "tunnel.%d" % index
        network = spoke_network(index)
        config["tunnel_interfaces"].append(
            {"name": tunnel, "ip": [hub_tunnel_address(index)], "zone": VPN_ZONE, "virtual_router": VIRTUAL_ROUTER, "comment": "to %s" % name}
        )
        config["ike_gateways"].append(
            {
                "name": "gw-%s" % name,
                "version": "ikev2",
                "interface": HUB_INTERFACE,
                "local_ip": HUB_PUBLIC_IP,
                "peer_address": str(SPOKE_PUBLIC_BASE + index),
                "pre_shared_key": psk,
                "ike_crypto_profile": IKE_PROFILE["name"],
                "passive_mode": True,
                "liveness_check": True,
            }
        )
        first_local = proxy_override.get(index, HUB_NETWORKS[0])
        config["ipsec_tunnels"].append(
            {
                "name": "vpn-%s" % name,
                "tunnel_interface": tunnel,
                "ike_gateway": "gw-%s" % name,
                "ipsec_crypto_profile": IPSEC_PROFILE["name"],
                "proxy_ids": [
                    {"name": "p1", "local": first_local, "remote": network, "protocol": "any"},
                    {"name": "p2", "local": HUB_NETWORKS[1], "remote": network, "protocol": "any"},
                ],
            }
        )
        config["static_routes"].append({"name": "vpn-%s" % name, "destination": route_override.get(index, network), "interface": tunnel})
    return config


def build_baseline_objects(config):
    """Split a vpn config into the per-object invocations of the baseline, in dependency order.

    Each item is ``{"type": ..., "spec": {...}}``. A tunnel's proxy IDs become items of their
    own, as per-object collections manage them with a module of their own. A gateway's
    pre-shared key moves to the item's ``pre_shared_key``, which the module masks.
    """
    items = []
    items.extend({"type": "ike_crypto_profile", "spec": profile} for profile in config["ike_crypto_profiles"])
    items.extend({"type": "ipsec_crypto_profile", "spec": profile} for profile in config["ipsec_crypto_profiles"])
    items.extend({"type": "zone", "spec": zone} for zone in config["zones"])
    items.extend({"type": "tunnel_interface", "spec": interface} for interface in config["tunnel_interfaces"])
    for gateway in config["ike_gateways"]:
        spec = {key: value for key, value in gateway.items() if key != "pre_shared_key"}
        items.append({"type": "ike_gateway", "spec": spec, "pre_shared_key": gateway["pre_shared_key"]})
    for tunnel in config["ipsec_tunnels"]:
        spec = {key: value for key, value in tunnel.items() if key != "proxy_ids"}
        items.append({"type": "ipsec_tunnel", "spec": spec})
    for tunnel in config["ipsec_tunnels"]:
        items.extend({"type": "proxy_id", "spec": dict(proxy_id, tunnel=tunnel["name"])} for proxy_id in tunnel["proxy_ids"])
    items.extend({"type": "static_route", "spec": route} for route in config["static_routes"])
    items.extend({"type": "security_rule", "spec": rule} for rule in config["security_rules"])
    return items


def count_objects(config):
    """Return the number of objects in a vpn config, counting each proxy ID as one."""
    total = sum(len(elements) for elements in config.values())
    return total + sum(len(tunnel.get("proxy_ids") or []) for tunnel in config["ipsec_tunnels"])
