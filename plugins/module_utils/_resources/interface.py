# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tunnel interfaces with their zone, virtual router and vsys import."""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import EntryNames, Group, Integer, Text, YesNo
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource
from ansible_collections.ipsec.panos.plugins.module_utils._resources.common import TUNNEL_NAME, check_length


class InterfaceAddresses(EntryNames):
    """Interface addresses, compared as a set in one spelling, so 169.254.9.1 equals 169.254.9.1/32."""

    def canonical(self, value):
        if not value:
            return None
        return sorted(check.canonical_interface_address(address) for address in value)


class Ipv6Addresses(EntryNames):
    """The ``ipv6/address`` entries of an interface, each configured on the interface.

    NOTE: only the address is modelled. A rewrite of the list drops the prefix and anycast
    settings of an address, which are set in the web interface for router advertisements.
    """

    def render(self, entry, value):
        node = xml.ensure_path(entry, self.path)
        for name in value:
            address = xml.ET.SubElement(node, "entry")
            address.set("name", name)
            xml.ET.SubElement(address, "enable-on-interface").text = "yes"


class TunnelInterface(EntryResource):
    """A ``tunnel.N`` unit, with its zone and virtual router membership and its vsys import."""

    label = "tunnel interface"
    container = "network/interface/tunnel/units"
    name_max = 12
    fields = (
        InterfaceAddresses("ip", "ip"),
        Integer("mtu", "mtu"),
        Text("comment", "comment"),
        Text("management_profile", "interface-management-profile"),
        Text("netflow_profile", "netflow-profile"),
        Group(
            "ipv6",
            "ipv6",
            [YesNo("enable", "enabled", device_default=False), Ipv6Addresses("addresses", "address")],
        ),
    )
    extra_options = ("zone", "virtual_router")

    def __init__(self):
        # Virtual routers and interface management profiles the read found; None before the
        # read, and in a template stack, whose templates may define them.
        self.known_routers = None
        self.known_management_profiles = None

    def zone_container(self, scope):
        return "%s/zone" % scope.root("vsys")

    def router_container(self, scope):
        return "%s/network/virtual-router" % scope.device_root

    def import_xpath(self, scope):
        return "%s/import/network/interface" % scope.root("vsys")

    def management_profiles_container(self, scope):
        return "%s/network/profiles/interface-management-profile" % scope.device_root

    def read_xpaths(self, scope):
        return [
            self.container_xpath(scope),
            self.zone_container(scope),
            self.router_container(scope),
            self.import_xpath(scope),
            self.management_profiles_container(scope),
        ]

    def parse_read(self, result, scope, context):
        have = super().parse_read(result, scope, context)
        zones = _member_owners(self.find_container(result, "zone"), "network/layer3")
        routers = _member_owners(self.find_container(result, "virtual-router"), "interface")
        imported_node = self.find_container(result, "interface")
        imported = set(xml.members_of(imported_node, ".") or []) if imported_node is not None else set()
        if not scope.template_stack:
            router_node = self.find_container(result, "virtual-router")
            self.known_routers = {e.get("name") for e in router_node.findall("entry")} if router_node is not None else None
            profile_node = self.find_container(result, "interface-management-profile")
            self.known_management_profiles = {e.get("name") for e in profile_node.findall("entry")} if profile_node is not None else set()
        for name, existing in have.items():
            existing.item["zone"] = zones.get(name)
            existing.item["virtual_router"] = routers.get(name)
            existing.item["_imported"] = name in imported
        return have

    def validate_name(self, name, path):
        if name and not TUNNEL_NAME.match(name):
            return ["%s.name: %r is not a tunnel interface name; use tunnel.N with N from 1 to 9999" % (path, name)]
        return super().validate_name(name, path)

    def validate_item(self, item, path):
        errors = []
        for index, address in enumerate(item.get("ip") or []):
            errors += check.check_interface_address(address, "%s.ip[%d]" % (path, index))
        errors += check.check_range(item.get("mtu"), 576, 9216, "%s.mtu" % path, "bytes")
        errors += check_length(item.get("comment"), 1023, "%s.comment" % path)
        errors += check_length(item.get("management_profile"), 31, "%s.management_profile" % path)
        errors += check_length(item.get("netflow_profile"), 63, "%s.netflow_profile" % path)
        errors += _check_known(item.get("virtual_router"), self.known_routers, "%s.virtual_router" % path, "virtual router")
        errors += _check_known(
            item.get("management_profile"), self.known_management_profiles, "%s.management_profile" % path, "interface management profile"
        )
        for index, address in enumerate((item.get("ipv6") or {}).get("addresses") or []):
            where = "%s.ipv6.addresses[%d]" % (path, index)
            problems = check.check_interface_address(address, where)
            if not problems and not str(address).startswith("$") and ":" not in str(address):
                problems = ["%s: %r is not an IPv6 address; put IPv4 addresses in ip" % (where, address)]
            errors += problems
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
                ops.append(Op("delete", self.router_member_xpath(scope, old_router, name)))
            if new_router:
                ops.append(Op("set", self.router_interface_xpath(scope, new_router), children=[_member(name)]))
        return ops

    def delete_ops(self, name, existing, scope):
        from ansible_collections.ipsec.panos.plugins.module_utils._engine import Op

        ops = []
        if existing.item.get("zone"):
            ops.append(Op("delete", self.zone_member_xpath(scope, existing.item["zone"], name)))
        if existing.item.get("virtual_router"):
            ops.append(Op("delete", self.router_member_xpath(scope, existing.item["virtual_router"], name)))
        if existing.item.get("_imported", False):
            ops.append(Op("delete", "%s/%s" % (self.import_xpath(scope), xml.member_step(name))))
        ops.append(Op("delete", self.entry_xpath(scope, name)))
        return ops

    def zone_layer3_xpath(self, scope, zone):
        return "%s/%s/network/layer3" % (self.zone_container(scope), xml.entry_step(zone))

    def zone_member_xpath(self, scope, zone, name):
        return "%s/%s" % (self.zone_layer3_xpath(scope, zone), xml.member_step(name))

    def router_interface_xpath(self, scope, router):
        return "%s/%s/interface" % (self.router_container(scope), xml.entry_step(router))

    def router_member_xpath(self, scope, router, name):
        return "%s/%s" % (self.router_interface_xpath(scope, router), xml.member_step(name))


def _check_known(value, known, path, label):
    """Return an error when ``value`` names an object the read did not find; nothing before the read."""
    if value is None or known is None or value in known or str(value).startswith("$"):
        return []
    return [
        "%s: %s %r does not exist (the device has %s); create it first or correct the name"
        % (path, label, value, ", ".join(sorted(known)) or "none")
    ]


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
