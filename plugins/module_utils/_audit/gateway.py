# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rules on IKE gateways, and on objects that nothing uses (VPN-IKE-*)."""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils._audit.core import Hit, rule
from ansible_collections.ipsec.panos.plugins.module_utils._audit.model import (
    PREDEFINED_IKE,
    PREDEFINED_IPSEC,
    PREDEFINED_MONITOR,
    is_nat_prone,
    parse_ip,
)

GATEWAY = "ike_gateway"
# Peer ID types that tell dynamic peers apart; an IP address cannot, since it changes.
DYNAMIC_PEER_ID_TYPES = ("fqdn", "ufqdn", "keyid")


def _speaks_ikev1(config, name):
    return config.gateway_version(name) != "ikev2"


def _speaks_ikev2(config, name):
    return config.gateway_version(name) != "ikev1"


@rule(
    "VPN-IKE-001",
    "IKE gateway uses IKEv1, or IKEv2 with fallback to IKEv1",
    ("77r1",),
    {"ikev1": ("medium", "medium", "high"), "ikev2-preferred": (None, "low", "high")},
)
def ike_version(config):
    for name in sorted(config.gateways):
        version = config.gateway_version(name)
        if version == "ikev1":
            yield Hit(
                "ikev1", GATEWAY, name,
                "IKE gateway %r uses IKEv1" % name,
                {"version": version},
                "Set version of IKE gateway %r to ikev2, with the peer moved to IKEv2 at the same time" % name,
            )
        elif version == "ikev2-preferred":
            yield Hit(
                "ikev2-preferred", GATEWAY, name,
                "IKE gateway %r prefers IKEv2 but falls back to IKEv1 when the peer asks, which allows a downgrade" % name,
                {"version": version},
                "Set version of IKE gateway %r to ikev2 once the peer speaks IKEv2" % name,
            )


@rule(
    "VPN-IKE-002",
    "IKEv1 aggressive mode exposes the identities and a PSK hash that can be cracked offline",
    ("77r1",),
    {"aggressive": ("high", "high", "high")},
)
def aggressive_mode(config):
    for name in sorted(config.gateways):
        gateway = config.gateways[name]
        if _speaks_ikev1(config, name) and gateway.get("exchange_mode") == "aggressive":
            yield Hit(
                "aggressive", GATEWAY, name,
                "IKE gateway %r uses IKEv1 aggressive mode" % name,
                {"version": config.gateway_version(name), "exchange_mode": "aggressive"},
                "Set version of IKE gateway %r to ikev2; on IKEv1 with a static peer, set exchange_mode to main" % name,
            )


@rule(
    "VPN-IKE-005",
    "Certificate authentication without a certificate profile, or with lax validation",
    ("PANc",),
    {"certificate": ("medium", "medium", "medium")},
)
def certificate_validation(config):
    for name in sorted(config.gateways):
        gateway = config.gateways[name]
        if gateway.get("authentication_type") != "certificate":
            continue
        certificate = gateway.get("certificate") or {}
        problems, fixes = [], []
        if not certificate.get("certificate_profile"):
            problems.append("no certificate profile validates the peer's certificate")
            fixes.append("set certificate.certificate_profile to a profile with the peer's CA")
        if certificate.get("allow_id_payload_mismatch"):
            problems.append("the peer ID may differ from the certificate")
            fixes.append("set certificate.allow_id_payload_mismatch to false")
        if not certificate.get("strict_validation_revocation"):
            problems.append("strict validation and revocation checking are off")
            fixes.append("set certificate.strict_validation_revocation to true")
        if problems:
            yield Hit(
                "certificate", GATEWAY, name,
                "IKE gateway %r authenticates with certificates, but %s" % (name, "; ".join(problems)),
                {"certificate": certificate},
                "In IKE gateway %r, %s" % (name, "; ".join(fixes)),
            )


@rule(
    "VPN-IKE-006",
    "Dynamic peer without a peer ID",
    ("PANc",),
    {"no-peer-id": ("high", "high", "high")},
)
def dynamic_peer_id(config):
    for name in sorted(config.gateways):
        gateway = config.gateways[name]
        if gateway.get("peer_type") != "dynamic":
            continue
        peer_id = gateway.get("peer_id") or {}
        allowed = DYNAMIC_PEER_ID_TYPES + (("dn",) if gateway.get("authentication_type") == "certificate" else ())
        if peer_id.get("type") in allowed and peer_id.get("id"):
            continue
        yield Hit(
            "no-peer-id", GATEWAY, name,
            "IKE gateway %r accepts a peer from any address but identifies it by %s, so any peer that knows the "
            "key can connect as this one" % (name, "nothing" if not peer_id.get("type") else "a %s ID" % peer_id["type"]),
            {"peer_type": "dynamic", "peer_id": peer_id or None},
            "Set peer_id of IKE gateway %r to the peer's own identity, with type fqdn, ufqdn or keyid "
            "(for example {type: ufqdn, id: branch1@example.net})" % name,
        )


@rule(
    "VPN-IKE-007",
    "Passive mode where this side must start the tunnel",
    ("OPS",),
    {"both-passive": ("high", "high", "high"), "must-initiate": ("high", "high", "high")},
)
def passive_initiator(config):
    for name in sorted(config.gateways):
        gateway = config.gateways[name]
        if not gateway.get("passive_mode"):
            continue
        expected = config.expected_gateway(name)
        if expected.get("peer_passive"):
            yield Hit(
                "both-passive", GATEWAY, name,
                "IKE gateway %r is passive, and the inventory says its peer is passive too, so neither side starts "
                "the tunnel" % name,
                {"passive_mode": True, "expected_peer_passive": True},
                "Set passive_mode of IKE gateway %r to false, or make the peer initiate" % name,
            )
            continue
        dhcp = config.is_dhcp(gateway.get("interface")) and not gateway.get("local_ip")
        if expected.get("initiator") or (dhcp and gateway.get("peer_type") in ("ip", "fqdn")):
            reason = (
                "the inventory says this side must initiate"
                if expected.get("initiator")
                else "its interface %s gets its address from DHCP, so the peer cannot know where to connect" % gateway.get("interface")
            )
            yield Hit(
                "must-initiate", GATEWAY, name,
                "IKE gateway %r is passive, but %s" % (name, reason),
                {"passive_mode": True, "interface": gateway.get("interface"), "dynamic_local_address": dhcp,
                 "expected_initiator": bool(expected.get("initiator"))},
                "Set passive_mode of IKE gateway %r to false" % name,
            )


@rule(
    "VPN-IKE-008",
    "Hub gateway for dynamic peers without passive mode",
    ("OPS",),
    {"not-passive": ("low", "low", "low")},
)
def dynamic_not_passive(config):
    for name in sorted(config.gateways):
        gateway = config.gateways[name]
        if gateway.get("peer_type") == "dynamic" and not gateway.get("passive_mode"):
            yield Hit(
                "not-passive", GATEWAY, name,
                "IKE gateway %r has a dynamic peer but is not passive; a gateway for unknown addresses should only respond" % name,
                {"peer_type": "dynamic", "passive_mode": False},
                "Set passive_mode of IKE gateway %r to true" % name,
            )


@rule(
    "VPN-IKE-009",
    "Dead peer detection (IKEv1) or the liveness check (IKEv2) is off",
    ("77r1", "OPS"),
    {"off": ("medium", "medium", "medium")},
)
def liveness(config):
    for name in sorted(config.gateways):
        gateway = config.gateways[name]
        off = []
        if _speaks_ikev1(config, name) and not gateway.get("dpd"):
            off.append("dpd")
        if _speaks_ikev2(config, name) and not gateway.get("liveness_check"):
            off.append("liveness_check")
        if off:
            yield Hit(
                "off", GATEWAY, name,
                "IKE gateway %r does not probe its peer (%s off or not set), so a dead peer is noticed only when "
                "the SA expires" % (name, ", ".join(off)),
                {"version": config.gateway_version(name), "dpd": gateway.get("dpd"), "liveness_check": gateway.get("liveness_check")},
                "Set %s of IKE gateway %r to true" % (" and ".join(off), name),
            )


@rule(
    "VPN-IKE-010",
    "NAT traversal is off while an end is behind NAT",
    ("OPS",),
    {"nat": ("high", "high", "high")},
)
def nat_traversal(config):
    for name in sorted(config.gateways):
        gateway = config.gateways[name]
        if gateway.get("nat_traversal"):
            continue
        reasons = []
        local = [address for address in config.local_addresses(name) or [] if is_nat_prone(address)]
        if local:
            reasons.append("the local address %s is private or carrier-grade NAT space" % ", ".join(str(a) for a in local))
        peer = parse_ip(gateway.get("peer_address")) if gateway.get("peer_type") == "ip" else None
        if peer is not None and is_nat_prone(peer):
            reasons.append("the peer address %s is private" % peer)
        if config.expected_gateway(name).get("behind_nat"):
            reasons.append("the inventory says an end is behind NAT")
        if reasons:
            yield Hit(
                "nat", GATEWAY, name,
                "IKE gateway %r has NAT traversal off, but %s; ESP does not pass NAT without UDP encapsulation" % (name, "; ".join(reasons)),
                {"nat_traversal": False, "local_addresses": [str(a) for a in config.local_addresses(name) or []] or None,
                 "peer_address": gateway.get("peer_address")},
                "Set nat_traversal of IKE gateway %r to true, on the peer as well, and allow UDP 4500" % name,
            )


@rule(
    "VPN-IKE-011",
    "IKE fragmentation enabled with a pre-shared key or aggressive mode",
    ("PANc",),
    {"fragmentation": ("low", "low", "low")},
)
def fragmentation(config):
    for name in sorted(config.gateways):
        gateway = config.gateways[name]
        if not gateway.get("fragmentation"):
            continue
        reasons = []
        if (gateway.get("authentication_type") or "pre-shared-key") == "pre-shared-key":
            reasons.append("pre-shared-key authentication")
        if gateway.get("exchange_mode") == "aggressive":
            reasons.append("aggressive mode")
        if reasons:
            yield Hit(
                "fragmentation", GATEWAY, name,
                "IKE gateway %r enables IKE fragmentation with %s, which PAN-OS supports only with certificates in main mode"
                % (name, " and ".join(reasons)),
                {"fragmentation": True, "authentication_type": gateway.get("authentication_type"), "exchange_mode": gateway.get("exchange_mode")},
                "Set fragmentation of IKE gateway %r to false" % name,
            )


@rule(
    "VPN-IKE-012",
    "IKEv2 responder for dynamic peers without cookie validation",
    ("OPS",),
    {"no-cookie": ("low", "low", "low")},
)
def cookie_validation(config):
    for name in sorted(config.gateways):
        gateway = config.gateways[name]
        if gateway.get("peer_type") == "dynamic" and _speaks_ikev2(config, name) and not gateway.get("cookie_validation"):
            yield Hit(
                "no-cookie", GATEWAY, name,
                "IKE gateway %r answers IKEv2 from any address without requiring a cookie, which eases IKE_SA_INIT floods" % name,
                {"peer_type": "dynamic", "cookie_validation": False},
                "Set cookie_validation of IKE gateway %r to true" % name,
            )


@rule(
    "VPN-IKE-013",
    "Gateway on an interface with several addresses names none of them",
    ("PANt",),
    {"ambiguous": ("low", "low", "low")},
)
def ambiguous_local_address(config):
    for name in sorted(config.gateways):
        gateway = config.gateways[name]
        addresses = config.addresses.get(gateway.get("interface")) or []
        if not gateway.get("local_ip") and len(addresses) > 1:
            yield Hit(
                "ambiguous", GATEWAY, name,
                "IKE gateway %r uses interface %s, which has %d addresses, without naming one" % (name, gateway["interface"], len(addresses)),
                {"interface": gateway["interface"], "interface_addresses": addresses, "local_ip": None},
                "Set local_ip of IKE gateway %r to the address the peer expects (one of %s)" % (name, ", ".join(addresses)),
            )


@rule(
    "VPN-IKE-014",
    "Disabled gateways and objects that nothing uses",
    ("OPS",),
    {"disabled": ("info", "info", "info"), "unused": ("info", "info", "info")},
)
def unused_objects(config):
    for name in sorted(config.gateways):
        if config.gateways[name].get("disabled"):
            yield Hit("disabled", GATEWAY, name, "IKE gateway %r is disabled" % name, {"disabled": True},
                      "Delete IKE gateway %r and its tunnels if the VPN is gone, or set disabled to false" % name)
        elif name not in config.referenced["ike-gateway"]:
            yield _unused(GATEWAY, name, "no IPsec tunnel uses it")
    tables = (
        ("ike_crypto_profile", config.ike_profiles, "ike-crypto-profile", PREDEFINED_IKE),
        ("ipsec_crypto_profile", config.ipsec_profiles, "ipsec-crypto-profile", PREDEFINED_IPSEC),
        ("tunnel_monitor_profile", config.monitor_profiles, "monitor-profile", PREDEFINED_MONITOR),
    )
    for object_type, table, tag, predefined in tables:
        for name in sorted(table):
            if name not in predefined and name not in config.referenced[tag]:
                yield _unused(object_type, name, "no object refers to it")
    for name in sorted(config.tunnel_interfaces):
        if name not in config.referenced["tunnel-interface"]:
            yield _unused("tunnel_interface", name, "no IPsec tunnel, GRE tunnel or GlobalProtect gateway uses it")


LABELS = {
    "ike_gateway": "IKE gateway",
    "ike_crypto_profile": "IKE crypto profile",
    "ipsec_crypto_profile": "IPsec crypto profile",
    "tunnel_monitor_profile": "Tunnel monitor profile",
    "tunnel_interface": "Tunnel interface",
}


def _unused(object_type, name, reason):
    return Hit(
        "unused", object_type, name,
        "%s %r is not used: %s" % (LABELS[object_type], name, reason),
        {"used_by": []},
        "Delete %s %r if it is left over (ipsec.panos.%s with state deleted)" % (object_type, name, object_type),
    )


@rule(
    "VPN-IKE-015",
    "Dynamic-peer gateways on one local address use different IKE profiles",
    ("PANc",),
    {"profiles-differ": ("high", "high", "high")},
)
def dynamic_profiles(config):
    groups = {}
    for name in sorted(config.gateways):
        gateway = config.gateways[name]
        if gateway.get("peer_type") == "dynamic":
            groups.setdefault((gateway.get("interface"), gateway.get("local_ip")), []).append(name)
    for (interface, local_ip), names in sorted(groups.items(), key=lambda item: str(item[0])):
        profiles = {name: sorted(set(config.gateway_profiles(name).values())) for name in names}
        if len({tuple(value) for value in profiles.values()}) < 2:
            continue
        for name in names:
            yield Hit(
                "profiles-differ", GATEWAY, name,
                "IKE gateway %r shares interface %s%s with other dynamic-peer gateways that use other IKE crypto "
                "profiles; PAN-OS picks the gateway only after phase 1, so they must share one profile"
                % (name, interface, " (%s)" % local_ip if local_ip else ""),
                {"interface": interface, "local_ip": local_ip, "ike_crypto_profiles": profiles},
                "Give every dynamic-peer gateway on %s the same ike_crypto_profile" % interface,
            )
