# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Two ends of an IPsec tunnel, compared setting by setting before they have to negotiate.

Each end is reduced to a ``TunnelEnd``: the IKE version, addresses, IDs, proposals,
lifetimes, liveness settings and proxy IDs one IPsec tunnel and its gateway offer. Ends come
from a device's configuration or from a declared third-party peer, so both kinds compare the
same way. Pre-shared keys are compared by the SHA-1 that PAN-OS embeds in each encrypted
value, and are never decrypted.
"""

from __future__ import annotations

import fnmatch

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _secrets as secrets
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import MappingError, duration_seconds
from ansible_collections.ipsec.panos.plugins.module_utils._resources import IkeCryptoProfile, IkeGateway, IpsecCryptoProfile, IpsecTunnel
from ansible_collections.ipsec.panos.plugins.module_utils._resources.crypto import PREDEFINED_IKE_PROFILES, PREDEFINED_IPSEC_PROFILES

try:
    import netaddr
except ImportError:  # pragma: no cover - the modules report missing libraries
    netaddr = None

# PAN-OS defaults when a profile or gateway leaves the value out.
DEFAULT_IKE_LIFETIME = 28800
DEFAULT_IPSEC_LIFETIME = 3600
DEFAULT_IPSEC_DH_GROUP = "group2"

MATCH = "match"
MISMATCH = "mismatch"
WARNING = "warning"
UNKNOWN = "unknown"


# The object types an end is built from, each under its vpn module config key.
RESOURCES = (
    ("ike_crypto_profiles", IkeCryptoProfile),
    ("ipsec_crypto_profiles", IpsecCryptoProfile),
    ("ike_gateways", IkeGateway),
    ("ipsec_tunnels", IpsecTunnel),
)


def objects_from_config(config_root, scope, context):
    """Parse the VPN objects and the gateways' interface addresses out of a ``<config>`` element."""
    objects = {}
    addresses = {}
    for key, cls in RESOURCES:
        resource = cls()
        have = resource.parse_read(engine.select_read(config_root, resource, scope), scope, context)
        objects[key] = {name: existing.item for name, existing in have.items()}
        if key == "ike_gateways":
            addresses = {name: found for name, found in resource.reachability.addresses.items() if found}
    return objects, addresses


def lifetime_seconds(value, default):
    """Return a lifetime in seconds, ``default`` when it is not set, and None when it cannot be read."""
    if value is None:
        return default
    try:
        return duration_seconds(value)
    except MappingError:
        return None


def _address(value):
    """Return the address part of ``198.51.100.1/24`` or ``198.51.100.1``, or the value itself (an FQDN or a variable)."""
    if value is None:
        return None
    text = str(value)
    if netaddr is not None:
        try:
            return str(netaddr.IPNetwork(text).ip)
        except (netaddr.AddrFormatError, ValueError, TypeError):
            return text
    return text.split("/", 1)[0]


def _network(value):
    if netaddr is None:
        return str(value)
    try:
        return str(netaddr.IPNetwork(str(value)).cidr)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return str(value)


def _selector(proxy_id):
    protocol = proxy_id.get("protocol") or "any"
    return (
        _network(proxy_id.get("local")),
        _network(proxy_id.get("remote")),
        protocol,
        proxy_id.get("protocol_number") if protocol == "number" else None,
        proxy_id.get("local_port") or 0 if protocol in ("tcp", "udp") else None,
        proxy_id.get("remote_port") or 0 if protocol in ("tcp", "udp") else None,
    )


class TunnelEnd:
    """One end of one IPsec tunnel, with every setting the far end must agree with."""

    def __init__(self, source, tunnel, gateway, **settings):
        self.source = source
        self.tunnel = tunnel
        self.gateway = gateway
        self.version = settings.get("version") or "ikev1"
        self.local_address = settings.get("local_address")
        self.peer_address = settings.get("peer_address")
        self.peer_type = settings.get("peer_type") or "ip"
        self.authentication = settings.get("authentication") or "pre-shared-key"
        self.pre_shared_key = settings.get("pre_shared_key")
        self.local_id = settings.get("local_id")
        self.peer_id = settings.get("peer_id")
        self.passive = bool(settings.get("passive"))
        self.ike = settings.get("ike") or {}
        self.esp = settings.get("esp") or {}
        self.proxy_ids = [_selector(p) for p in settings.get("proxy_ids") or []]
        self.liveness = settings.get("liveness")
        self.nat_traversal = bool(settings.get("nat_traversal"))
        # Why the end takes no part in IKE, such as "tunnel disabled", or None.
        self.disabled = settings.get("disabled")

    @property
    def label(self):
        return "%s tunnel %s (gateway %s)" % (self.source, self.tunnel, self.gateway)

    def versions(self):
        return {"ikev1": {"ikev1"}, "ikev2": {"ikev2"}, "ikev2-preferred": {"ikev1", "ikev2"}}.get(self.version, {self.version})

    def summary(self):
        return {
            "source": self.source,
            "tunnel": self.tunnel,
            "gateway": self.gateway,
            "local_address": self.local_address,
            "peer_address": self.peer_address,
            "version": self.version,
        }


def ends_from_config(source, objects, addresses=None):
    """Build one TunnelEnd per IPsec tunnel of a device.

    ``objects`` maps ike_crypto_profiles, ipsec_crypto_profiles, ike_gateways and
    ipsec_tunnels to ``{name: item}`` as the resources parse them. ``addresses`` maps an
    interface name to its addresses, for gateways that name only their interface.
    """
    ike_profiles = dict(PREDEFINED_IKE_PROFILES, **objects.get("ike_crypto_profiles", {}))
    ipsec_profiles = dict(PREDEFINED_IPSEC_PROFILES, **objects.get("ipsec_crypto_profiles", {}))
    gateways = objects.get("ike_gateways", {})
    ends = []
    for name, tunnel in sorted(objects.get("ipsec_tunnels", {}).items()):
        gateway = gateways.get(tunnel.get("ike_gateway"))
        if gateway is None:
            continue
        local_address = gateway.get("local_ip")
        if not local_address and addresses:
            found = addresses.get(gateway.get("interface")) or []
            local_address = found[0] if len(found) == 1 else None
        ike = ike_profiles.get(gateway.get("ike_crypto_profile") or "default") or {}
        esp = ipsec_profiles.get(tunnel.get("ipsec_crypto_profile") or "default") or {}
        version = gateway.get("version") or "ikev1"
        liveness = gateway.get("liveness_interval") if gateway.get("liveness_check") else None
        if version == "ikev1":
            liveness = gateway.get("dpd_interval") if gateway.get("dpd") else None
        ends.append(
            TunnelEnd(
                source,
                name,
                gateway.get("name"),
                version=version,
                local_address=_address(local_address),
                peer_address=_address(gateway.get("peer_address")) if gateway.get("peer_type") in (None, "ip") else gateway.get("peer_address"),
                peer_type=gateway.get("peer_type"),
                authentication=gateway.get("authentication_type"),
                pre_shared_key=gateway.get("pre_shared_key"),
                local_id=gateway.get("local_id"),
                peer_id=gateway.get("peer_id"),
                passive=gateway.get("passive_mode"),
                ike=_ike_offer(ike),
                esp=_esp_offer(esp),
                proxy_ids=tunnel.get("proxy_ids"),
                liveness=liveness,
                nat_traversal=gateway.get("nat_traversal"),
                disabled=_disabled(tunnel, gateway),
            )
        )
    return ends


def _disabled(tunnel, gateway):
    if tunnel.get("disabled"):
        return "tunnel disabled"
    if gateway.get("disabled"):
        return "gateway %s disabled" % gateway.get("name")
    return None


def _ike_offer(profile):
    return {
        "encryption": list(profile.get("encryption") or []),
        "hash": list(profile.get("hash") or []),
        "dh_group": list(profile.get("dh_group") or []),
        "lifetime": lifetime_seconds(profile.get("lifetime"), DEFAULT_IKE_LIFETIME),
    }


def _esp_offer(profile):
    return {
        "encryption": list(profile.get("esp_encryption") or []),
        "authentication": list(profile.get("esp_authentication") or []),
        "dh_group": profile.get("dh_group") or DEFAULT_IPSEC_DH_GROUP,
        "lifetime": lifetime_seconds(profile.get("lifetime"), DEFAULT_IPSEC_LIFETIME),
    }


def pair_ends(left, right):
    """Pair ends whose addresses point at each other. Return (pairs, unpaired left, unpaired right)."""
    pairs = []
    taken = set()
    unpaired_left = []
    for end in left:
        match = None
        for index, other in enumerate(right):
            if index in taken:
                continue
            if _points_at(sender=end, receiver=other) and _points_at(sender=other, receiver=end):
                match = index
                break
        if match is None:
            unpaired_left.append(end)
        else:
            taken.add(match)
            pairs.append((end, right[match]))
    unpaired_right = [other for index, other in enumerate(right) if index not in taken]
    return pairs, unpaired_left, unpaired_right


def _points_at(sender, receiver):
    """Tell whether ``sender`` would send IKE to ``receiver``: its peer address is the receiver's local address."""
    if sender.peer_type == "dynamic":
        return True
    return sender.peer_address is not None and sender.peer_address == receiver.local_address


def _check(name, status, local, peer, message, fix=None):
    """Return one check result; ``local`` and ``peer`` are the values seen at each end."""
    return {"check": name, "status": status, "local": local, "peer": peer, "message": message, "fix": fix}


def compare(left, right):
    """Compare two ends of one tunnel. Return a list of check results, one per setting."""
    checks = [_check_enabled(left, right), _check_addresses(left, right), _check_version(left, right)]
    versions = left.versions() & right.versions()
    version = "ikev2" if "ikev2" in versions else "ikev1"
    checks.append(_check_ike_proposals(left, right, version))
    checks.append(_check_esp_proposals(left, right))
    checks.append(_check_pfs(left, right, version))
    checks.append(_check_key(left, right))
    checks.extend(_check_ids(left, right))
    checks.append(check_proxy_ids(left, right))
    checks.append(_check_initiator(left, right))
    checks.extend(_check_lifetimes(left, right, version))
    checks.append(_check_liveness(left, right, version))
    checks.append(_check_nat_traversal(left, right))
    return checks


def _check_enabled(left, right):
    if not left.disabled and not right.disabled:
        return _check("enabled", MATCH, "enabled", "enabled", "both ends are enabled")
    return _check(
        "enabled", MISMATCH, left.disabled or "enabled", right.disabled or "enabled",
        "a disabled end neither starts nor answers IKE, so the tunnel stays down whatever else matches",
        "set disabled to false on the tunnel and its gateway",
    )


def unpaired_reasons(unpaired, others, side):
    """Explain, for each end with no partner, where it sends IKE and what the other side's addresses are."""
    addresses = sorted({str(end.local_address) for end in others if end.local_address})
    reasons = []
    for end in unpaired:
        reasons.append(
            "%s (%s) sends IKE to %s, which is not the local address of any tunnel of the %s end (%s)"
            % (end.tunnel, end.gateway, end.peer_address, side, ", ".join(addresses) or "none")
        )
    return reasons


def _check_addresses(left, right):
    values = ("%s -> %s" % (left.local_address, left.peer_address), "%s -> %s" % (right.local_address, right.peer_address))
    if _points_at(left, right) and _points_at(right, left):
        return _check("addresses", MATCH, values[0], values[1], "each end's peer address is the other's local address")
    return _check(
        "addresses",
        MISMATCH,
        values[0],
        values[1],
        "the peer addresses do not point at each other, so IKE requests reach no matching gateway "
        "(\"couldn't find configuration for IKE phase-1 request\")",
        "set each gateway's peer_address to the other end's local address",
    )


def _check_version(left, right):
    common = left.versions() & right.versions()
    if not common:
        return _check(
            "ike_version", MISMATCH, left.version, right.version,
            "no IKE version in common", "set version to the same value on both gateways; ikev2 where both ends support it",
        )
    if left.version != right.version:
        return _check(
            "ike_version", WARNING, left.version, right.version,
            "the ends negotiate %s, but their settings differ" % ("IKEv2" if "ikev2" in common else "IKEv1"),
            "set the same version on both gateways",
        )
    return _check("ike_version", MATCH, left.version, right.version, "same IKE version")


def _intersection(left, right):
    return [value for value in left if value in right]


def _describe(offer, keys):
    return " / ".join(", ".join(str(v) for v in offer.get(key) or []) or "-" for key in keys)


def _check_ike_proposals(left, right, version):
    keys = ("encryption", "hash", "dh_group")
    left_offer = dict(left.ike)
    right_offer = dict(right.ike)
    if version == "ikev1":
        # IKEv1 has no AES-GCM; such entries never reach the peer.
        for offer in (left_offer, right_offer):
            offer["encryption"] = [e for e in offer.get("encryption") or [] if "gcm" not in e]
    missing = [key for key in keys if not _intersection(left_offer.get(key) or [], right_offer.get(key) or [])]
    shown = (_describe(left.ike, keys), _describe(right.ike, keys))
    if missing:
        return _check(
            "ike_proposals", MISMATCH, shown[0], shown[1],
            "no common IKE %s, so phase 1 fails with \"no proposal chosen\"" % " or ".join(k.replace("_", " ") for k in missing),
            "add one of the other end's values for %s to the IKE crypto profile" % ", ".join(missing),
        )
    chosen = [_intersection(left_offer[k], right_offer[k])[0] for k in keys]
    return _check("ike_proposals", MATCH, shown[0], shown[1], "common IKE proposal %s" % "/".join(chosen))


def _check_esp_proposals(left, right):
    keys = ("encryption", "authentication")
    missing = [key for key in keys if not _intersection(left.esp.get(key) or [], right.esp.get(key) or [])]
    shown = (_describe(left.esp, keys), _describe(right.esp, keys))
    if missing:
        return _check(
            "esp_proposals", MISMATCH, shown[0], shown[1],
            "no common ESP %s, so phase 2 fails with \"no suitable proposal found\"" % " or ".join(missing),
            "add one of the other end's values for esp_%s to the IPsec crypto profile" % ", esp_".join(missing),
        )
    chosen = [_intersection(left.esp[k], right.esp[k])[0] for k in keys]
    return _check("esp_proposals", MATCH, shown[0], shown[1], "common ESP proposal %s" % "/".join(chosen))


def _check_pfs(left, right, version):
    a, b = left.esp.get("dh_group"), right.esp.get("dh_group")
    if a == b:
        return _check("pfs", MATCH, a, b, "same PFS setting")
    message = "PFS differs (%s and %s), so phase 2 fails" % (a, b)
    if version == "ikev2":
        message += "; with IKEv2 the first child SA needs no DH exchange, so the tunnel comes up and drops at the first rekey"
    return _check("pfs", MISMATCH, a, b, message, "set dh_group of both IPsec crypto profiles to the same value")


def _check_key(left, right):
    if left.authentication != "pre-shared-key" or right.authentication != "pre-shared-key":
        if left.authentication == right.authentication:
            return _check("pre_shared_key", MATCH, left.authentication, right.authentication, "both ends use certificates")
        return _check(
            "pre_shared_key", MISMATCH, left.authentication, right.authentication,
            "one end authenticates with a pre-shared key and the other with a certificate",
            "set authentication_type to the same value on both gateways",
        )
    if left.pre_shared_key is None or right.pre_shared_key is None:
        return _check("pre_shared_key", UNKNOWN, _key_state(left), _key_state(right), "a key is not known on one end, so it cannot be compared")
    if secrets.secrets_equal(left.pre_shared_key, right.pre_shared_key):
        return _check("pre_shared_key", MATCH, secrets.MASK, secrets.MASK, "the keys are equal (compared by their SHA-1)")
    return _check(
        "pre_shared_key", MISMATCH, secrets.MASK, secrets.MASK,
        "the keys differ (compared by their SHA-1), so authentication fails after the first exchange",
        "write the same pre_shared_key to both gateways",
    )


def _key_state(end):
    return secrets.MASK if end.pre_shared_key is not None else None


def _id_text(identity):
    if not identity:
        return None
    return "%s:%s" % (identity.get("type"), identity.get("id"))


def _sent_id(end):
    """Return the ID an end sends: its local ID, or its local address when it has none."""
    if end.local_id:
        return end.local_id
    if end.local_address:
        return {"type": "ipaddr", "id": end.local_address}
    return None


def _check_ids(left, right):
    checks = []
    for name, sender, receiver in (("local_end_id", left, right), ("peer_end_id", right, left)):
        expected = receiver.peer_id
        sent = _sent_id(sender)
        # Values in (local, peer) order: the local end's column shows what it sends or expects.
        values = (_id_text(sent), _id_text(expected)) if sender is left else (_id_text(expected), _id_text(sent))
        if not expected:
            checks.append(_check(name, MATCH, values[0], values[1], "%s accepts any ID" % receiver.label))
            continue
        if sent is None:
            checks.append(_check(name, UNKNOWN, values[0], values[1], "the ID %s sends is not known" % sender.label))
            continue
        same = sent.get("type") == expected.get("type") and str(sent.get("id")) == str(expected.get("id"))
        if expected.get("matching") == "wildcard":
            same = sent.get("type") == expected.get("type") and _wildcard(str(expected.get("id")), str(sent.get("id")))
        if same:
            checks.append(_check(name, MATCH, values[0], values[1], "the ID sent is the one expected"))
        else:
            checks.append(
                _check(
                    name, MISMATCH, values[0], values[1],
                    "%s sends %s but %s expects %s, so authentication fails" % (sender.label, _id_text(sent), receiver.label, _id_text(expected)),
                    "set local_id on %s or peer_id on %s so they agree" % (sender.gateway, receiver.gateway),
                )
            )
    return checks


def _wildcard(pattern, value):
    return fnmatch.fnmatchcase(value, pattern)


def _mirrored(selectors):
    return sorted((remote, local, protocol, number, remote_port, local_port) for local, remote, protocol, number, local_port, remote_port in selectors)


def check_proxy_ids(left, right):
    """Compare the proxy IDs of two ends: PAN-OS needs each end's to mirror the other's."""
    shown = (_selectors_text(left.proxy_ids), _selectors_text(right.proxy_ids))
    if not left.proxy_ids and not right.proxy_ids:
        return _check("proxy_ids", MATCH, shown[0], shown[1], "no proxy IDs on either end, so both propose 0.0.0.0/0")
    if sorted(left.proxy_ids) == _mirrored(right.proxy_ids):
        return _check("proxy_ids", MATCH, shown[0], shown[1], "the proxy IDs mirror each other")
    if not left.proxy_ids or not right.proxy_ids:
        message = "only one end has proxy IDs; the other proposes 0.0.0.0/0, which the first rejects"
    else:
        message = "the proxy IDs do not mirror each other, so phase 2 fails when processing the proxy ID"
    return _check(
        "proxy_ids", MISMATCH, shown[0], shown[1], message,
        "give each end the other's proxy IDs with local and remote swapped",
    )


def _selectors_text(selectors):
    return ["%s <-> %s %s" % (local, remote, protocol) for local, remote, protocol, _n, _lp, _rp in sorted(selectors)]


def _check_initiator(left, right):
    if left.passive and right.passive:
        return _check(
            "initiator", MISMATCH, "passive", "passive",
            "both ends are passive, so neither starts IKE and the tunnel never comes up",
            "set passive_mode to false on the end that should initiate",
        )
    return _check("initiator", MATCH, "passive" if left.passive else "initiates", "passive" if right.passive else "initiates", "at least one end initiates")


def _check_lifetimes(left, right, version):
    checks = []
    pairs = (
        ("ike_lifetime", left.ike.get("lifetime"), right.ike.get("lifetime")),
        ("ipsec_lifetime", left.esp.get("lifetime"), right.esp.get("lifetime")),
    )
    for name, a, b in pairs:
        if a == b:
            checks.append(_check(name, MATCH, a, b, "same lifetime in seconds"))
            continue
        # IKEv2 does not negotiate lifetimes, and IKEv1 peers usually settle on the shorter one.
        # Either way the ends rekey at different times, and some peers drop the tunnel then.
        checks.append(
            _check(name, WARNING, a, b, "the lifetimes differ, so the ends rekey at different times", "set the same lifetime on both profiles")
        )
    return checks


def _check_liveness(left, right, version):
    label = "liveness check" if version == "ikev2" else "dead peer detection"
    if (left.liveness is None) == (right.liveness is None):
        return _check("liveness", MATCH, left.liveness, right.liveness, "%s is %s on both ends" % (label, "off" if left.liveness is None else "on"))
    return _check(
        "liveness", WARNING, left.liveness, right.liveness,
        "%s is on at one end only, so only that end notices a dead peer" % label,
        "turn it on at both ends",
    )


def _check_nat_traversal(left, right):
    if left.nat_traversal == right.nat_traversal:
        return _check("nat_traversal", MATCH, left.nat_traversal, right.nat_traversal, "same NAT traversal setting")
    return _check(
        "nat_traversal", WARNING, left.nat_traversal, right.nat_traversal,
        "NAT traversal is on at one end only; the tunnel fails if a NAT device sits between the ends",
        "set nat_traversal to the same value on both gateways",
    )


def summarize(checks):
    """Return ``consistent`` (no mismatch) and the names of the mismatched and warned checks."""
    mismatched = [c["check"] for c in checks if c["status"] == MISMATCH]
    warned = [c["check"] for c in checks if c["status"] == WARNING]
    return {"consistent": not mismatched, "mismatches": mismatched, "warnings": warned}
