# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The PAN-OS VPN object types: where each lives and how its options map to XML.

XML paths and value ranges follow the PAN-OS 10.x/11.x schema as published in
PaloAltoNetworks/pan-os-codegen (specs/network/ike-gateway.yaml and neighbours).
"""

from __future__ import annotations

import re

from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import (
    Duration,
    EntryList,
    EntryNames,
    Group,
    Integer,
    Members,
    Prefix,
    ProxyProtocol,
    Secret,
    SingleEntryName,
    Text,
    Variant,
    YesNo,
    duration_seconds,
    MappingError,
)
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource

# Lifetime ranges of IKE and IPsec crypto profiles, per unit.
LIFETIME_LIMITS = {"seconds": (180, 65535), "minutes": (3, 65535), "hours": (1, 65535), "days": (1, 365)}
CRYPTO_PREDEFINED = ("default", "Suite-B-GCM-128", "Suite-B-GCM-256")


def _check_lifetime(item, path):
    value = item.get("lifetime")
    if value is None:
        return []
    try:
        seconds = duration_seconds(value, "%s.lifetime" % path)
    except MappingError as error:
        return [str(error)]
    if not 180 <= seconds <= 365 * 86400:
        return ["%s.lifetime: %r is out of range; allowed is 3 minutes (180 seconds) to 365 days" % (path, value)]
    return []


class IkeCryptoProfile(EntryResource):
    label = "IKE crypto profile"
    container = "network/ike/crypto-profiles/ike-crypto-profiles"
    name_max = 31
    predefined = CRYPTO_PREDEFINED
    fields = (
        Members("encryption", "encryption", default=["aes-256-cbc"]),
        Members("hash", "hash", default=["sha256"]),
        Members("dh_group", "dh-group", default=["group20"]),
        Duration("lifetime", "lifetime", LIFETIME_LIMITS, default="8h"),
        Integer("authentication_multiple", "authentication-multiple", device_default=0, since=(7, 0, 0)),
    )

    def validate_item(self, item, path):
        errors = _check_lifetime(item, path)
        errors += check.check_range(item.get("authentication_multiple"), 0, 50, "%s.authentication_multiple" % path)
        gcm = [e for e in item.get("encryption") or [] if e.endswith("-gcm")]
        hashes = item.get("hash") or []
        if gcm and hashes and hashes != ["non-auth"]:
            errors.append(
                "%s.hash: %s with GCM encryption (%s); GCM carries its own integrity check, so set hash to "
                "[non-auth]" % (path, hashes, ", ".join(gcm))
            )
        if "non-auth" in hashes and not gcm:
            errors.append("%s.hash: non-auth is allowed only with aes-128-gcm or aes-256-gcm encryption" % path)
        return errors


def _uses_esp(item):
    return not item.get("ah_authentication")


class IpsecCryptoProfile(EntryResource):
    label = "IPsec crypto profile"
    container = "network/ike/crypto-profiles/ipsec-crypto-profiles"
    name_max = 31
    predefined = CRYPTO_PREDEFINED
    fields = (
        Members("esp_encryption", "esp/encryption", default=["aes-256-gcm"], when=_uses_esp),
        Members("esp_authentication", "esp/authentication", default=["none"], when=_uses_esp),
        Members("ah_authentication", "ah/authentication"),
        Text("dh_group", "dh-group", default="group20", device_default="group2"),
        Duration("lifetime", "lifetime", LIFETIME_LIMITS, default="1h"),
    )

    def defaults(self, item):
        values = super().defaults(item)
        if item.get("ah_authentication"):
            values.pop("esp_encryption", None)
            values.pop("esp_authentication", None)
        elif item.get("esp_encryption") and not any(e.endswith("-gcm") for e in item["esp_encryption"]):
            # A CBC cipher needs an integrity algorithm; 'none' is only right with GCM.
            values["esp_authentication"] = ["sha256"]
        return values

    def validate_item(self, item, path):
        errors = _check_lifetime(item, path)
        if item.get("ah_authentication") and (item.get("esp_encryption") or item.get("esp_authentication")):
            errors.append("%s: give either ESP (esp_encryption, esp_authentication) or AH (ah_authentication), not both" % path)
        gcm = [e for e in item.get("esp_encryption") or [] if e.endswith("-gcm")]
        auth = item.get("esp_authentication") or []
        if gcm and auth and auth != ["none"]:
            errors.append(
                "%s.esp_authentication: %s with GCM encryption (%s); GCM carries its own integrity check, so set "
                "esp_authentication to [none]" % (path, auth, ", ".join(gcm))
            )
        return errors


def _version(item):
    return item.get("version") or "ikev1"


def _uses_ikev2(item):
    return _version(item) != "ikev1"


def _uses_ikev1(item):
    return _version(item) != "ikev2"


class IkeGateway(EntryResource):
    label = "IKE gateway"
    container = "network/ike/gateway"
    name_max = 63
    fields = (
        Text("version", "protocol/version", default="ikev2", device_default="ikev1", since=(7, 0, 0)),
        Text("interface", "local-address/interface"),
        Text("local_ip", "local-address/ip"),
        Variant(
            "peer_type",
            "peer-address",
            {"ip": "ip", "fqdn": "fqdn", "dynamic": "dynamic"},
            value_option="peer_address",
            empty=("dynamic",),
            default="ip",
        ),
        Secret("pre_shared_key", "authentication/pre-shared-key/key"),
        Group("local_id", "local-id", [Text("type", "type"), Text("id", "id")]),
        Group("peer_id", "peer-id", [Text("type", "type"), Text("id", "id"), Text("matching", "matching")]),
        Text("ike_crypto_profile", "protocol/ikev2/ike-crypto-profile", when=_uses_ikev2),
        Text("ike_crypto_profile", "protocol/ikev1/ike-crypto-profile", when=_uses_ikev1),
        Text("exchange_mode", "protocol/ikev1/exchange-mode", device_default="auto", when=_uses_ikev1),
        YesNo("dpd", "protocol/ikev1/dpd/enable", default=True, when=_uses_ikev1),
        Integer("dpd_interval", "protocol/ikev1/dpd/interval", device_default=5, when=_uses_ikev1),
        Integer("dpd_retry", "protocol/ikev1/dpd/retry", device_default=5, when=_uses_ikev1),
        YesNo("liveness_check", "protocol/ikev2/dpd/enable", default=True, when=_uses_ikev2),
        Integer("liveness_interval", "protocol/ikev2/dpd/interval", device_default=5, when=_uses_ikev2),
        YesNo("cookie_validation", "protocol/ikev2/require-cookie", device_default=False, when=_uses_ikev2),
        YesNo("passive_mode", "protocol-common/passive-mode", device_default=False),
        YesNo("nat_traversal", "protocol-common/nat-traversal/enable", device_default=False),
        YesNo("fragmentation", "protocol-common/fragmentation/enable", device_default=False, when=_uses_ikev1),
        YesNo("disabled", "disabled", device_default=False, since=(7, 0, 0)),
    )

    def validate_item(self, item, path):
        errors = []
        peer_type = item.get("peer_type", "ip")
        peer = item.get("peer_address")
        if peer is not None and peer_type == "ip":
            errors += check.check_ip(peer, "%s.peer_address" % path)
        elif peer is not None and peer_type == "fqdn":
            errors += check.check_fqdn(peer, "%s.peer_address" % path)
        elif peer is not None and peer_type == "dynamic":
            errors.append("%s.peer_address: must be empty when peer_type is dynamic" % path)
        if item.get("local_ip") is not None:
            errors += check.check_interface_address(item["local_ip"], "%s.local_ip" % path)
        errors += check.check_range(item.get("dpd_interval"), 2, 100, "%s.dpd_interval" % path, "seconds")
        errors += check.check_range(item.get("dpd_retry"), 2, 100, "%s.dpd_retry" % path)
        errors += check.check_range(item.get("liveness_interval"), 2, 100, "%s.liveness_interval" % path, "seconds")
        psk = item.get("pre_shared_key")
        if psk is not None and not 1 <= len(psk) <= 255:
            errors.append("%s.pre_shared_key: must be 1 to 255 characters long" % path)
        return errors

    def validate_complete(self, desired, path, existing):
        errors = []
        action = "is new" if existing is None else "would be incomplete"
        for option in ("interface", "ike_crypto_profile", "pre_shared_key"):
            if not desired.get(option):
                errors.append("%s.%s: missing; IKE gateway %r %s without it" % (path, option, desired["name"], action))
        if desired.get("peer_type", "ip") != "dynamic" and not desired.get("peer_address"):
            errors.append(
                "%s.peer_address: missing; set the peer's address, or set peer_type to dynamic" % path
            )
        return errors


_TUNNEL_NAME = re.compile(r"^tunnel\.([1-9][0-9]{0,3})$")


class TunnelInterface(EntryResource):
    """A ``tunnel.N`` unit, with its zone and virtual router membership and its vsys import."""

    label = "tunnel interface"
    container = "network/interface/tunnel/units"
    name_max = 12
    fields = (
        EntryNames("ip", "ip"),
        Integer("mtu", "mtu"),
        Text("comment", "comment"),
        Text("management_profile", "interface-management-profile"),
    )
    extra_options = ("zone", "virtual_router")

    def zone_container(self, scope):
        return "%s/zone" % scope.root("vsys")

    def router_container(self, scope):
        return "%s/network/virtual-router" % xml.DEVICE_ROOT

    def import_xpath(self, scope):
        return "%s/import/network/interface" % scope.root("vsys")

    def read_xpaths(self, scope):
        return [
            self.container_xpath(scope),
            self.zone_container(scope),
            self.router_container(scope),
            self.import_xpath(scope),
        ]

    def parse_read(self, result, scope, context):
        have = super().parse_read(result, scope, context)
        zones = _member_owners(self.find_container(result, "zone"), "network/layer3")
        routers = _member_owners(self.find_container(result, "virtual-router"), "interface")
        imported_node = self.find_container(result, "interface")
        imported = set(xml.members_of(imported_node, ".") or []) if imported_node is not None else set()
        for name, existing in have.items():
            existing.item["zone"] = zones.get(name)
            existing.item["virtual_router"] = routers.get(name)
            existing.item["_imported"] = name in imported
        return have

    def validate_name(self, name, path):
        if name and not _TUNNEL_NAME.match(name):
            return ["%s.name: %r is not a tunnel interface name; use tunnel.N with N from 1 to 9999" % (path, name)]
        return super().validate_name(name, path)

    def validate_item(self, item, path):
        errors = []
        for index, address in enumerate(item.get("ip") or []):
            errors += check.check_interface_address(address, "%s.ip[%d]" % (path, index))
        errors += check.check_range(item.get("mtu"), 576, 9216, "%s.mtu" % path, "bytes")
        return errors

    def same(self, desired, existing, context):
        return super().same(desired, existing, context) and existing.get("_imported", True)

    def write_ops(self, name, desired, existing, scope, context):
        from ansible_collections.ipsec.panos.plugins.module_utils._engine import Op

        ops = []
        unit_changed = existing is None or not EntryResource.same(
            self, _without(desired, self.extra_options), _without(existing.item, self.extra_options), context
        )
        if unit_changed:
            ops.append(Op("edit", self.entry_xpath(scope, name), element=self.render_entry(desired, existing, context)))
        if existing is None or not existing.item.get("_imported", True):
            ops.append(Op("set", self.import_xpath(scope), children=[_member(name)]))

        old_zone = existing.item.get("zone") if existing else None
        new_zone = desired.get("zone")
        if old_zone != new_zone:
            if old_zone:
                ops.append(Op("delete", self.zone_member_xpath(scope, old_zone, name)))
            if new_zone:
                ops.append(Op("set", self.zone_layer3_xpath(scope, new_zone), children=[_member(name)]))

        old_router = existing.item.get("virtual_router") if existing else None
        new_router = desired.get("virtual_router")
        if old_router != new_router:
            if old_router:
                ops.append(Op("delete", self.router_member_xpath(old_router, name)))
            if new_router:
                ops.append(Op("set", self.router_interface_xpath(new_router), children=[_member(name)]))
        return ops

    def delete_ops(self, name, existing, scope):
        from ansible_collections.ipsec.panos.plugins.module_utils._engine import Op

        ops = []
        if existing.item.get("zone"):
            ops.append(Op("delete", self.zone_member_xpath(scope, existing.item["zone"], name)))
        if existing.item.get("virtual_router"):
            ops.append(Op("delete", self.router_member_xpath(existing.item["virtual_router"], name)))
        if existing.item.get("_imported", False):
            ops.append(Op("delete", "%s/%s" % (self.import_xpath(scope), xml.member_step(name))))
        ops.append(Op("delete", self.entry_xpath(scope, name)))
        return ops

    def zone_layer3_xpath(self, scope, zone):
        return "%s/%s/network/layer3" % (self.zone_container(scope), xml.entry_step(zone))

    def zone_member_xpath(self, scope, zone, name):
        return "%s/%s" % (self.zone_layer3_xpath(scope, zone), xml.member_step(name))

    def router_interface_xpath(self, router):
        return "%s/%s/interface" % (self.router_container(None), xml.entry_step(router))

    def router_member_xpath(self, router, name):
        return "%s/%s" % (self.router_interface_xpath(router), xml.member_step(name))


def _member(name):
    element = xml.ET.Element("member")
    element.text = name
    return element


def _without(item, options):
    return {k: v for k, v in item.items() if k not in options}


def _member_owners(container, member_path):
    """Map each member name to the entry that lists it, e.g. interface → zone."""
    owners = {}
    if container is None:
        return owners
    for entry in container.findall("entry"):
        for member in xml.members_of(entry, member_path) or []:
            owners.setdefault(member, entry.get("name"))
    return owners


PROXY_ID_FIELDS = [Prefix("local", "local"), Prefix("remote", "remote"), ProxyProtocol()]


class IpsecTunnel(EntryResource):
    label = "IPsec tunnel"
    container = "network/tunnel/ipsec"
    name_max = 63
    fields = (
        Text("tunnel_interface", "tunnel-interface"),
        SingleEntryName("ike_gateway", "auto-key/ike-gateway"),
        Text("ipsec_crypto_profile", "auto-key/ipsec-crypto-profile", device_default="default"),
        EntryList("proxy_ids", "auto-key/proxy-id", PROXY_ID_FIELDS),
        YesNo("anti_replay", "anti-replay", device_default=True),
        YesNo("copy_tos", "copy-tos", device_default=False),
        Group(
            "tunnel_monitor",
            "tunnel-monitor",
            [
                YesNo("enable", "enable", device_default=False),
                Text("destination_ip", "destination-ip"),
                Text("proxy_id", "proxy-id"),
                Text("profile", "tunnel-monitor-profile"),
            ],
        ),
        YesNo("disabled", "disabled", device_default=False, since=(7, 0, 0)),
        Text("comment", "comment"),
    )

    def validate_item(self, item, path):
        errors = []
        name = item.get("tunnel_interface")
        if name is not None and not _TUNNEL_NAME.match(name):
            errors.append(
                "%s.tunnel_interface: %r is not a tunnel interface name; use tunnel.N with N from 1 to 9999"
                % (path, name)
            )
        errors += _check_proxy_ids(item.get("proxy_ids") or [], "%s.proxy_ids" % path)
        monitor = item.get("tunnel_monitor") or {}
        if monitor.get("destination_ip") is not None:
            errors += check.check_ip(monitor["destination_ip"], "%s.tunnel_monitor.destination_ip" % path)
        if monitor.get("enable") and not monitor.get("destination_ip"):
            errors.append("%s.tunnel_monitor.destination_ip: required when tunnel_monitor.enable is true" % path)
        return errors

    def validate_complete(self, desired, path, existing):
        errors = []
        action = "is new" if existing is None else "would be incomplete"
        for option in ("tunnel_interface", "ike_gateway", "ipsec_crypto_profile"):
            if not desired.get(option):
                errors.append("%s.%s: missing; IPsec tunnel %r %s without it" % (path, option, desired["name"], action))
        return errors


def _check_proxy_ids(proxy_ids, path):
    errors = []
    names = {}
    for index, proxy in enumerate(proxy_ids):
        where = "%s[%d]" % (path, index)
        if not proxy.get("name"):
            errors.append("%s.name: missing" % where)
        elif proxy["name"] in names:
            errors.append("%s.name: %r is already used by %s[%d]" % (where, proxy["name"], path, names[proxy["name"]]))
        else:
            names[proxy["name"]] = index
        for side in ("local", "remote"):
            if proxy.get(side) is None:
                errors.append("%s.%s: missing; a proxy ID needs both local and remote prefixes" % (where, side))
            else:
                errors += check.check_prefix(proxy[side], "%s.%s" % (where, side))
        errors += _check_proxy_protocol(proxy, where)
    if errors:
        return errors

    for first in range(len(proxy_ids)):
        for second in range(first + 1, len(proxy_ids)):
            a, b = proxy_ids[first], proxy_ids[second]
            if check.prefixes_overlap(a["local"], b["local"]) and check.prefixes_overlap(a["remote"], b["remote"]):
                if _protocols_overlap(a, b):
                    errors.append(
                        "%s[%d]: proxy ID %r (%s -> %s) overlaps %s[%d] %r (%s -> %s); a peer cannot tell "
                        "which one a packet belongs to"
                        % (path, second, b["name"], b["local"], b["remote"], path, first, a["name"], a["local"], a["remote"])
                    )
    return errors


def _check_proxy_protocol(proxy, where):
    protocol = proxy.get("protocol") or "any"
    errors = []
    if protocol == "number":
        if proxy.get("protocol_number") is None:
            errors.append("%s.protocol_number: required when protocol is number" % where)
        else:
            errors += check.check_range(proxy["protocol_number"], 1, 254, "%s.protocol_number" % where)
    elif proxy.get("protocol_number") is not None:
        errors.append("%s.protocol_number: only allowed when protocol is number, not %s" % (where, protocol))
    if protocol in ("tcp", "udp"):
        for port in ("local_port", "remote_port"):
            errors += check.check_range(proxy.get(port), 0, 65535, "%s.%s" % (where, port))
    elif proxy.get("local_port") is not None or proxy.get("remote_port") is not None:
        errors.append("%s: local_port and remote_port are only allowed when protocol is tcp or udp" % where)
    return errors


def _protocols_overlap(a, b):
    pa, pb = a.get("protocol") or "any", b.get("protocol") or "any"
    if "any" in (pa, pb):
        return True
    if pa != pb:
        return False
    if pa == "number":
        return a.get("protocol_number") == b.get("protocol_number")
    ports_a = (a.get("local_port") or 0, a.get("remote_port") or 0)
    ports_b = (b.get("local_port") or 0, b.get("remote_port") or 0)
    return all(x == 0 or y == 0 or x == y for x, y in zip(ports_a, ports_b))


class StaticRoute(EntryResource):
    """An IPv4 static route in one virtual router (the module's ``virtual_router`` option)."""

    label = "static route"
    container = "static-route"
    name_max = 63
    fields = (
        Prefix("destination", "destination"),
        Text("interface", "interface"),
        Variant(
            "nexthop_type",
            "nexthop",
            {"ip-address": "ip-address", "next-vr": "next-vr", "fqdn": "fqdn", "discard": "discard"},
            value_option="nexthop",
            empty=("discard",),
            device_default="none",
        ),
        Integer("metric", "metric", device_default=10),
        Integer("admin_distance", "admin-dist"),
    )

    def container_xpath(self, scope):
        return "%s/network/virtual-router/%s/routing-table/ip/static-route" % (
            xml.DEVICE_ROOT,
            xml.entry_step(scope.virtual_router),
        )

    def validate_item(self, item, path):
        errors = []
        if item.get("destination") is not None:
            errors += check.check_prefix(item["destination"], "%s.destination" % path)
        nexthop_type = item.get("nexthop_type")
        if nexthop_type == "ip-address":
            if item.get("nexthop") is None:
                errors.append("%s.nexthop: required when nexthop_type is ip-address" % path)
            else:
                errors += check.check_ip(item["nexthop"], "%s.nexthop" % path)
        elif nexthop_type in ("none", "discard") and item.get("nexthop") is not None:
            errors.append("%s.nexthop: must be empty when nexthop_type is %s" % (path, nexthop_type))
        errors += check.check_range(item.get("metric"), 1, 65535, "%s.metric" % path)
        errors += check.check_range(item.get("admin_distance"), 10, 240, "%s.admin_distance" % path)
        return errors

    def validate_complete(self, desired, path, existing):
        errors = []
        if not desired.get("destination"):
            errors.append("%s.destination: missing; static route %r needs a destination prefix" % (path, desired["name"]))
        if not desired.get("interface") and (desired.get("nexthop_type") or "none") == "none":
            errors.append(
                "%s: static route %r needs an interface (a tunnel.N route needs no next hop) or a next hop"
                % (path, desired["name"])
            )
        return errors
