# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pre-push checks that an IKE gateway's interface can reach its peer.

Phase 1 times out, with nothing more in the logs than "IKE phase-1 negotiation is failed",
when the local interface has no address, sits in no virtual router, or the router has no
route to the peer. These checks only warn: the interface may be one this collection does not
read (loopback, VLAN), or another task may add the missing route.
"""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml


class Reachability:
    """Ethernet and aggregate interfaces with their addresses, and each router's members and routes."""

    def __init__(self, addresses, routers, complete=True):
        self.addresses = addresses
        self.routers = routers
        # False when the read returned no interface container at all, so nothing is known.
        self.complete = complete

    @classmethod
    def from_result(cls, result, find_container):
        addresses = {}
        found = False
        for tag in ("ethernet", "aggregate-ethernet"):
            container = find_container(result, tag)
            if container is None:
                continue
            found = True
            for entry in container.findall("entry"):
                addresses[entry.get("name")] = _layer3_addresses(entry)
                for unit in entry.findall("layer3/units/entry"):
                    addresses[unit.get("name")] = _layer3_addresses(unit)
        routers = {}
        container = find_container(result, "virtual-router")
        if container is not None:
            for entry in container.findall("entry"):
                routes = [route.findtext("destination") for route in entry.findall("routing-table/ip/static-route/entry")]
                routers[entry.get("name")] = {
                    "interfaces": xml.members_of(entry, "interface") or [],
                    "routes": [route.strip() for route in routes if route],
                }
        return cls(addresses, routers, complete=found)

    def router_of(self, interface):
        for name, router in self.routers.items():
            if interface in router["interfaces"]:
                return name
        return None

    def errors(self, desired, path):
        """Return the mistakes PAN-OS would reject at commit: a missing interface, a local IP not on it."""
        interface = desired.get("interface")
        if not self.complete or not interface or str(interface).startswith("$"):
            return []
        if interface not in self.addresses:
            if interface.startswith(("ethernet", "ae")):
                return [
                    "%s.interface: %s does not exist on the device (or in this template); create it first or "
                    "correct the name" % (path, interface)
                ]
            return []
        local_ip = desired.get("local_ip")
        addresses = self.addresses[interface]
        if (
            local_ip
            and desired.get("local_ip_type", "ip") == "ip"
            and addresses is not None
            and not str(local_ip).startswith("$")
            and check.canonical_interface_address(local_ip) not in [check.canonical_interface_address(a) for a in addresses]
        ):
            return [
                "%s.local_ip: %s is not an address of %s (it has %s); use one of those, as configured with its prefix "
                "length" % (path, local_ip, interface, ", ".join(addresses) or "none")
            ]
        return []

    def advise(self, desired, path):
        interface = desired.get("interface")
        if not self.complete or not interface or str(interface).startswith("$") or interface not in self.addresses:
            return []
        where = "%s.interface" % path
        if self.addresses[interface] is None:
            # A DHCP client interface usually learns its default route from the same server.
            return []
        if self.addresses[interface] == []:
            return ["%s: %s has no IP address, so IKE has nothing to send from" % (where, interface)]
        router = self.router_of(interface)
        if router is None:
            return ["%s: %s is in no virtual router, so the peer cannot be reached" % (where, interface)]
        peer = desired.get("peer_address")
        if desired.get("peer_type", "ip") != "ip" or not peer or str(peer).startswith("$") or check.check_ip(peer, path):
            return []
        if not self._routed(router, peer):
            return [
                "%s.peer_address: virtual router %r has no route to %s (no matching static route, no default route "
                "and no connected subnet); phase 1 will time out" % (path, router, peer)
            ]
        return []

    def _routed(self, router, peer):
        prefixes = list(self.routers[router]["routes"])
        for interface in self.routers[router]["interfaces"]:
            prefixes.extend(address for address in self.addresses.get(interface) or [] if "/" in address)
        for prefix in prefixes:
            if prefix.startswith("$"):
                return True
            if check.prefix_contains(prefix, peer):
                return True
        return False


def _layer3_addresses(entry):
    """Return the layer 3 addresses of an interface, [] when it has none and None when DHCP assigns one."""
    if entry.find("layer3/dhcp-client") is not None:
        return None
    return [address.get("name") for address in entry.findall("layer3/ip/entry") if address.get("name")]
