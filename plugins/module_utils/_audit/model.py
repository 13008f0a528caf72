# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The VPN objects of one configuration, parsed once for every audit rule.

Objects are parsed by the collection's own resources and kept in their display form:
the module option names, device defaults filled in, secrets masked. Pre-shared keys
are dropped right after parsing, so no rule can put one into a finding.
"""

from __future__ import annotations

import ipaddress
import xml.etree.ElementTree as ET

from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._engine import Scope
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import MappingError, duration_seconds
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource
from ansible_collections.ipsec.panos.plugins.module_utils._resources import (
    IkeCryptoProfile,
    IkeGateway,
    IpsecCryptoProfile,
    IpsecTunnel,
    SecurityRule,
    StaticRoute,
    TunnelInterface,
    TunnelMonitorProfile,
    Zone,
)
from ansible_collections.ipsec.panos.plugins.module_utils._resources.crypto import PREDEFINED_IKE_PROFILES, PREDEFINED_IPSEC_PROFILES
from ansible_collections.ipsec.panos.plugins.module_utils._resources.policy import AddressBook, nat_rule_view
from ansible_collections.ipsec.panos.plugins.module_utils._resources.reachability import Reachability

# The predefined profiles, from the crypto resources, under the names the rules use.
PREDEFINED_IKE = PREDEFINED_IKE_PROFILES
PREDEFINED_IPSEC = PREDEFINED_IPSEC_PROFILES
PREDEFINED_MONITOR = {"default": {"action": "wait-recover", "interval": 3, "threshold": 5}}

# The profile PAN-OS uses when a gateway or an auto-key tunnel names none (the schema default).
DEFAULT_PROFILE = "default"

# Addresses that sit behind NAT when they face the Internet: RFC 1918 and the RFC 6598 shared space.
NAT_PRONE_NETWORKS = [
    ipaddress.ip_network(prefix) for prefix in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
]

MANAGEMENT_SERVICES = (
    "https", "http", "ssh", "telnet", "snmp", "response-pages", "userid-service",
    "userid-syslog-listener-ssl", "userid-syslog-listener-udp", "http-ocsp",
)


def result_of(root, xpaths):
    """Collect the nodes each xpath selects into one ``<result>``, as a device ``get`` returns them."""
    result = ET.Element("result")
    for xpath in xpaths:
        for node in xml.select(root, xpath):
            result.append(node)
    return result


def parse_ip(text):
    """Return the address part of ``10.0.0.1`` or ``10.0.0.1/24`` as an ip_address, or None."""
    try:
        return ipaddress.ip_interface(str(text).strip()).ip
    except ValueError:
        return None


def parse_network(text):
    """Return a prefix such as ``10.1.0.0/16`` (host bits allowed) as an ip_network, or None."""
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return None


def is_nat_prone(address):
    return any(address.version == network.version and address in network for network in NAT_PRONE_NETWORKS)


def seconds_of(lifetime):
    """Return a lifetime such as ``8h`` in seconds, or None when it cannot be read."""
    if lifetime is None:
        return None
    try:
        return duration_seconds(lifetime)
    except MappingError:
        return None


class Router:
    """A virtual router, or one VRF of an advanced-routing logical router."""

    def __init__(self, label, interfaces, routes, ecmp):
        self.label = label
        self.interfaces = interfaces
        self.routes = routes
        self.ecmp = ecmp
        # interface -> routing protocols running over it (bgp, ospf, ospfv3, rip)
        self.dynamic = {}


class VpnConfig:
    """Every object the audit rules read, from one ``<config>`` tree."""

    def __init__(self, root, scope=None, context=None, expected=None, include_unused=False):
        self.root = root
        self.scope = scope or Scope()
        self.context = context
        self.expected = expected or {"ike_gateways": {}, "ipsec_tunnels": {}}
        self.include_unused = include_unused
        # Rulebases live in Panorama device groups, not in templates.
        self.has_rulebase = not self.scope.on_panorama
        nodes = xml.select(root, self.scope.device_root)
        self.device_node = nodes[0] if nodes else ET.Element("entry")

        self._read_profiles()
        self._read_vpn_objects()
        self._read_interfaces()
        self._read_routers()
        self._read_zones()
        self._read_policy()
        self._collect_references()

    # -- reading -------------------------------------------------------------------

    def _parse(self, resource, scope=None, xpaths=None):
        scope = scope or self.scope
        result = result_of(self.root, xpaths if xpaths is not None else resource.read_xpaths(scope))
        have = resource.parse_read(result, scope, self.context)
        items = {}
        for name, existing in have.items():
            item = resource.display(existing.item, self.context)
            for option in resource.secret_options():
                item.pop(option, None)
            items[name] = item
        return have, items

    def _read_profiles(self):
        _have, self.ike_profiles = self._parse(IkeCryptoProfile())
        _have, self.ipsec_profiles = self._parse(IpsecCryptoProfile())
        _have, self.monitor_profiles = self._parse(TunnelMonitorProfile())
        # Predefined profiles missing from the file, filled in from the factory defaults.
        self.assumed_profiles = set()
        for table, defaults, kind in (
            (self.ike_profiles, PREDEFINED_IKE, "ike"),
            (self.ipsec_profiles, PREDEFINED_IPSEC, "ipsec"),
            (self.monitor_profiles, PREDEFINED_MONITOR, "monitor"),
        ):
            for name, values in defaults.items():
                if name not in table:
                    table[name] = dict(values, name=name)
                    self.assumed_profiles.add((kind, name))

    def _read_vpn_objects(self):
        gateway_resource = IkeGateway()
        gateways, self.gateways = self._parse(gateway_resource, xpaths=[gateway_resource.container_xpath(self.scope)])
        self.gateway_profile_slots = {}
        for name, existing in gateways.items():
            self.gateway_profile_slots[name] = _profile_slots(existing.element, self.gateways[name])

        tunnels, self.tunnels = self._parse(IpsecTunnel())
        # Manual-key and GlobalProtect satellite tunnels use no IPsec crypto profile.
        self.auto_key = {name: existing.element.find("auto-key") is not None for name, existing in tunnels.items()}
        self.ipsec_profile_named = {
            name: existing.element.find("auto-key/ipsec-crypto-profile") is not None for name, existing in tunnels.items()
        }

        interface_resource = TunnelInterface()
        _have, self.tunnel_interfaces = self._parse(interface_resource, xpaths=[interface_resource.container_xpath(self.scope)])

    def _read_interfaces(self):
        network = "%s/network" % self.scope.device_root
        result = result_of(self.root, [network + "/interface/ethernet", network + "/interface/aggregate-ethernet"])
        known = Reachability.from_result(result, EntryResource.find_container)
        # interface -> list of configured addresses, or None when DHCP or PPPoE assigns one.
        self.addresses = dict(known.addresses)
        for kind in ("loopback", "vlan", "tunnel"):
            for unit in xml.select(self.root, "%s/interface/%s/units/entry" % (network, kind)):
                self.addresses[unit.get("name")] = [entry.get("name") for entry in unit.findall("ip/entry") if entry.get("name")]
        for kind in ("ethernet", "aggregate-ethernet"):
            for entry in xml.select(self.root, "%s/interface/%s/entry" % (network, kind)):
                for node in [entry] + entry.findall("layer3/units/entry"):
                    if node.find("layer3/pppoe") is not None:
                        self.addresses[node.get("name")] = None

        self.mss_interfaces = set()
        for kind in ("ethernet", "aggregate-ethernet", "vlan"):
            for entry in xml.select(self.root, "%s/interface/%s/entry" % (network, kind)):
                for node in [entry] + entry.findall("layer3/units/entry") + entry.findall("units/entry"):
                    if xml.text_of(node, "layer3/adjust-tcp-mss/enable") == "yes" or xml.text_of(node, "adjust-tcp-mss/enable") == "yes":
                        self.mss_interfaces.add(node.get("name"))

        self.management_profiles = {}
        for entry in xml.select(self.root, "%s/profiles/interface-management-profile/entry" % network):
            self.management_profiles[entry.get("name")] = [s for s in MANAGEMENT_SERVICES if xml.text_of(entry, s) == "yes"]

    def _read_routers(self):
        self.routers = {}
        network = "%s/network" % self.scope.device_root
        for entry in xml.select(self.root, network + "/virtual-router/entry"):
            name = entry.get("name")
            scope = self._scope_with(virtual_router=name)
            self._add_router("virtual_router %s" % name, entry, scope)
        for logical in xml.select(self.root, network + "/logical-router/entry"):
            for vrf in logical.findall("vrf/entry"):
                scope = self._scope_with(logical_router=logical.get("name"), vrf=vrf.get("name"))
                self._add_router("logical_router %s vrf %s" % (logical.get("name"), vrf.get("name")), vrf, scope)
        self.router_of_interface = {}
        for label, router in self.routers.items():
            for interface in router.interfaces:
                self.router_of_interface.setdefault(interface, label)

    def _add_router(self, label, entry, scope):
        resource = StaticRoute()
        _have, routes = self._parse(resource, scope=scope)
        route_list = [dict(route, family=4) for route in routes.values()]
        for route in entry.findall("routing-table/ipv6/static-route/entry"):
            route_list.append(
                {
                    "name": route.get("name"),
                    "destination": xml.text_of(route, "destination"),
                    "interface": xml.text_of(route, "interface"),
                    "metric": _integer(xml.text_of(route, "metric"), 10),
                    "admin_distance": _integer(xml.text_of(route, "admin-dist"), None),
                    "path_monitor": None,
                    "family": 6,
                }
            )
        router = Router(label, xml.members_of(entry, "interface") or [], route_list, xml.text_of(entry, "ecmp/enable") == "yes")
        for protocol in ("bgp", "ospf", "ospfv3", "rip"):
            for node in [entry.find("protocol/%s" % protocol), entry.find(protocol)]:
                if node is None or xml.text_of(node, "enable") != "yes":
                    continue
                for interface in node.iter("interface"):
                    names = [interface.text.strip()] if interface.text and interface.text.strip() else []
                    names += [child.get("name") for child in interface.findall("entry") if child.get("name")]
                    for name in names:
                        router.dynamic.setdefault(name, [])
                        if protocol not in router.dynamic[name]:
                            router.dynamic[name].append(protocol)
        self.routers[label] = router

    def _scope_with(self, **changes):
        values = dict(
            vsys=self.scope.vsys,
            template=self.scope.template,
            template_stack=self.scope.template_stack,
            virtual_router=self.scope.virtual_router,
            logical_router=None,
            vrf="default",
        )
        values.update(changes)
        return Scope(**values)

    def _read_zones(self):
        _have, self.zones = self._parse(Zone())
        # Zones of every vsys, for interfaces imported into another vsys than the audited one.
        self.zone_of_interface = {}
        for vsys in self.device_node.findall("vsys/entry"):
            scope = self._scope_with(vsys=vsys.get("name"))
            _have, zones = self._parse(Zone(), scope=scope)
            for zone_name, zone in zones.items():
                for interface in zone.get("interfaces") or []:
                    self.zone_of_interface.setdefault(interface, (vsys.get("name"), zone_name))

    def _read_policy(self):
        self.security_rules = []
        self.security_elements = {}
        self.nat_rules = []
        self.address_book = AddressBook()
        if not self.has_rulebase:
            return
        resource = SecurityRule.from_params({"state": "gathered"})
        have, items = self._parse(resource)
        for name, item in items.items():
            self.security_rules.append(item)
            self.security_elements[name] = have[name].element
        vsys = self.scope.root("vsys")
        for entry in xml.select(self.root, "%s/rulebase/nat/rules/entry" % vsys):
            if entry.get("name"):
                self.nat_rules.append(nat_rule_view(entry))
        shared = "%s/shared" % self.scope.device_root.rsplit("/devices/", 1)[0]
        entries = result_of(
            self.root,
            ["%s/address/entry" % vsys, "%s/address-group/entry" % vsys, shared + "/address/entry", shared + "/address-group/entry"],
        )
        self.address_book = AddressBook.from_entries(list(entries))

    def _collect_references(self):
        """Collect the names that any object of the device refers to, GlobalProtect and GRE included."""
        self.referenced = {"ike-crypto-profile": set(), "ipsec-crypto-profile": set(), "tunnel-interface": set(), "monitor-profile": set()}
        for tag in ("ike-crypto-profile", "ipsec-crypto-profile", "tunnel-interface"):
            for node in self.device_node.iter(tag):
                if node.text and node.text.strip():
                    self.referenced[tag].add(node.text.strip())
        for node in self.device_node.iter("tunnel-monitor-profile"):
            if node.text and node.text.strip():
                self.referenced["monitor-profile"].add(node.text.strip())
        for monitor in self.device_node.iter("monitor"):
            profile = xml.text_of(monitor, "profile")
            if profile:
                self.referenced["monitor-profile"].add(profile)
        self.referenced["ike-gateway"] = {tunnel.get("ike_gateway") for tunnel in self.tunnels.values() if tunnel.get("ike_gateway")}
        for node in self.device_node.iter("ike-gateway"):
            self.referenced["ike-gateway"].update(entry.get("name") for entry in node.findall("entry") if entry.get("name"))
        # Objects that use a profile without naming it use the predefined default.
        for name in self.gateways:
            self.referenced["ike-crypto-profile"].update(self.gateway_profiles(name).values())
        for name in self.tunnels:
            profile = self.tunnel_ipsec_profile(name)
            if profile:
                self.referenced["ipsec-crypto-profile"].add(profile)

    # -- gateways ------------------------------------------------------------------

    def gateway_version(self, name):
        return self.gateways[name].get("version") or "ikev1"

    def gateway_profiles(self, name):
        """Return the IKE crypto profile of each IKE version the gateway speaks, e.g. {"ikev2": "p"}."""
        slots = self.gateway_profile_slots.get(name, {})
        version = self.gateway_version(name)
        used = ("ikev1",) if version == "ikev1" else ("ikev2",) if version == "ikev2" else ("ikev2", "ikev1")
        return {slot: slots.get(slot) or DEFAULT_PROFILE for slot in used}

    def local_addresses(self, name):
        """Return the gateway's local IP addresses, or None when DHCP assigns them or they are unknown."""
        gateway = self.gateways[name]
        if gateway.get("local_ip"):
            address = self.resolve_address(gateway["local_ip"])
            return [address] if address is not None else None
        interface = gateway.get("interface")
        if interface not in self.addresses or self.addresses[interface] is None:
            return None
        found = [self.resolve_address(value) for value in self.addresses[interface]]
        return [address for address in found if address is not None] or None

    def resolve_address(self, value):
        """Return an interface address (literal or the name of an ip-netmask address object) as an ip_address."""
        address = parse_ip(value)
        if address is not None:
            return address
        for kind, text in self.address_book.addresses.get(str(value), []):
            if kind == "ip-netmask" and text:
                return parse_ip(text)
        return None

    def is_dhcp(self, interface):
        return interface in self.addresses and self.addresses[interface] is None

    def peer_key(self, name):
        """Identify the IKE peering of a gateway: its local interface and address and the peer's address."""
        gateway = self.gateways[name]
        if gateway.get("peer_type") == "dynamic" or not gateway.get("peer_address"):
            return ("gateway", name)
        return (gateway.get("interface"), gateway.get("local_ip"), gateway.get("peer_address"))

    # -- tunnels ---------------------------------------------------------------------

    def tunnel_ipsec_profile(self, name):
        if not self.auto_key.get(name, True):
            return None
        return self.tunnels[name].get("ipsec_crypto_profile") or DEFAULT_PROFILE

    def tunnel_gateway(self, name):
        return self.gateways.get(self.tunnels[name].get("ike_gateway") or "")

    def monitor(self, name):
        """Return the tunnel's monitor settings when monitoring is on, else None."""
        monitor = self.tunnels[name].get("tunnel_monitor") or {}
        return monitor if monitor.get("enable") else None

    def monitor_action(self, name):
        monitor = self.monitor(name)
        if monitor is None:
            return None
        profile = self.monitor_profiles.get(monitor.get("profile") or DEFAULT_PROFILE) or {}
        return profile.get("action") or "wait-recover"

    def proxy_ids(self, name):
        return self.tunnels[name].get("proxy_ids") or []

    # -- interfaces and routing ------------------------------------------------------------

    def zone_of(self, interface):
        found = self.zone_of_interface.get(interface)
        return found[1] if found else None

    def router_of(self, interface):
        return self.router_of_interface.get(interface)

    def routes_via(self, interface):
        router = self.router_of(interface)
        if router is None:
            return []
        return [route for route in self.routers[router].routes if route.get("interface") == interface]

    def dynamic_routing(self, interface):
        router = self.router_of(interface)
        if router is None:
            return []
        return self.routers[router].dynamic.get(interface, [])

    def route_egress(self, router, route):
        """Return the interface a route leaves through: its interface, or the one whose subnet contains the next hop."""
        if route.get("interface"):
            return route["interface"]
        nexthop = parse_ip(route.get("nexthop")) if route.get("nexthop_type") == "ip-address" else None
        if nexthop is None:
            return None
        for interface in self.routers[router].interfaces:
            for value in self.addresses.get(interface) or []:
                try:
                    network = ipaddress.ip_interface(str(value)).network
                except ValueError:
                    continue
                if network.version == nexthop.version and nexthop in network and network.prefixlen < network.max_prefixlen:
                    return interface
        return None

    def vpn_tunnel_interfaces(self):
        """Return the tunnel interfaces that IPsec tunnels use, with the tunnels that use each."""
        users = {}
        for name, tunnel in self.tunnels.items():
            interface = tunnel.get("tunnel_interface")
            if interface:
                users.setdefault(interface, []).append(name)
        return users

    # -- expected values from the inventory -----------------------------------------------

    def expected_gateway(self, name):
        return self.expected.get("ike_gateways", {}).get(name) or {}

    def expected_tunnel(self, name):
        return self.expected.get("ipsec_tunnels", {}).get(name) or {}


def _profile_slots(element, item):
    slots = {}
    for slot in ("ikev1", "ikev2"):
        name = xml.text_of(element, "protocol/%s/ike-crypto-profile" % slot) if element is not None else None
        if name:
            slots[slot] = name
    if not slots and item.get("ike_crypto_profile"):
        # A configuration older than PAN-OS 7.0 has no protocol/ikev2 block.
        slots["ikev1"] = item["ike_crypto_profile"]
    return slots


def _integer(text, default):
    try:
        return int(text)
    except (TypeError, ValueError):
        return default
