# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route selection of one simulated firewall, decided from its running configuration and the state of its interfaces.

Everything here is a pure function:

* ``parse_routing`` reads the virtual routers of a running configuration: their
  interfaces, static routes (with path monitoring) and ECMP settings, and the
  IPv4 addresses of every interface with their prefix lengths.
* ``build_table`` selects the routes of one virtual router for an ``Environment``
  that gives which interfaces are up, which addresses reply through each tunnel
  interface, and which addresses of other firewalls reply over the outside network.
* ``lookup`` and ``resolve`` find the active routes for an address (longest
  prefix, then the routes that won for that prefix).

Rules, in the order ``build_table`` applies them:

1. Every interface of the router with an IPv4 address gives a connected route to
   its subnet and a host route to the address, while the interface is up.
2. A static route is withdrawn while its egress interface is down. A route with
   a next hop address and no interface takes the interface of the connected route
   that contains the next hop, and is withdrawn when there is none. FQDN next hops
   are never resolved. Next-VR and discard routes need no interface.
3. Each remaining static route with enabled path monitoring probes its enabled
   destinations. A destination replies when it is an address of this firewall, or
   when the best route to it, chosen from the routes left after rule 2, leaves
   through an interface that is up and either is a tunnel interface whose far
   firewall owns the address, or is another interface and the address is not a
   tunnel address of another firewall. Another firewall's outside address replies
   while its link is up, and an address no firewall of the process owns, such as the
   ISP router, always replies. A probe whose source is not an address of this
   firewall fails. With ``failure-condition any`` one failed destination withdraws
   the route, with ``all`` every one must fail. The caller may keep a recovered
   route withdrawn (the preemptive hold time) through ``monitor_filter``. The path
   monitor of a route withdrawn under rule 2 counts as failed.
4. Among the remaining routes to one prefix, the lowest admin distance wins, then
   the lowest metric. Equal winners share the prefix (ECMP) up to the router's
   ``max-path`` when ECMP is enabled on the router; otherwise only the first in
   configuration order is active. Routes that lose stay in the table, inactive.

Connected routes have admin distance 0 and metric 0; static routes default to the
router's ``admin-dists/static`` (10) and metric 10. IPv6 is not simulated.
"""

import ipaddress
from dataclasses import dataclass, field, replace

from pansim.factory import DEVICE_ENTRY
from pansim.vpn import _Addresses, _canonical_ip, _entries, _yes

DEFAULT_STATIC_DISTANCE = 10
DEFAULT_METRIC = 10
DEFAULT_ECMP_PATHS = 2
# Depth limit when a next-vr route points at another router, which may point back.
MAX_ROUTER_HOPS = 4

CONNECTED = "connect"
HOST = "host"
STATIC = "static"

# Reasons for withdrawing a static route.
INTERFACE_DOWN = "interface-down"
UNRESOLVED = "unresolved-nexthop"
NO_EGRESS = "no-egress"
PATH_MONITOR = "path-monitor"

_INTERFACE_KINDS = ("ethernet", "aggregate-ethernet")
_UNIT_KINDS = ("loopback", "tunnel", "vlan")


# Parsed configuration


@dataclass(frozen=True)
class MonitorDestination:
    """One path-monitor destination: the ping source and destination, every ``interval`` seconds, ``count`` lost pings to fail."""

    name: str
    enabled: bool
    source: str
    destination: str
    interval: int = 3
    count: int = 5


@dataclass(frozen=True)
class PathMonitor:
    """Path monitoring of a static route. ``hold_time`` is the preemptive hold time in minutes."""

    enabled: bool
    failure_condition: str = "any"
    hold_time: int = 2
    destinations: tuple = ()


@dataclass(frozen=True)
class StaticRoute:
    """An IPv4 static route. ``nexthop_type`` is ip-address, next-vr, fqdn, discard or none."""

    name: str
    destination: ipaddress.IPv4Network
    interface: str
    nexthop_type: str
    nexthop: str
    metric: int
    admin_distance: int
    path_monitor: PathMonitor = None


@dataclass(frozen=True)
class VirtualRouter:
    name: str
    interfaces: tuple
    static_routes: tuple
    ecmp: bool = False
    ecmp_max_path: int = DEFAULT_ECMP_PATHS


@dataclass(frozen=True)
class RoutingConfig:
    """The virtual routers of one firewall and the IPv4 addresses (with prefix length) of each interface."""

    device: str
    routers: dict
    interface_networks: dict

    def addresses(self):
        return {str(address.ip) for addresses in self.interface_networks.values() for address in addresses}


def _number(text, default):
    return int(text) if text and text.strip().isdigit() else default


def _ipv4_interfaces(entries, addresses):
    result = []
    for entry in entries:
        text = addresses.text(entry.name)
        try:
            address = ipaddress.ip_interface((text or "").strip())
        except ValueError:
            continue
        if address.version == 4:
            result.append(address)
    return tuple(result)


def _interface_networks(network, addresses):
    """Map every interface name to its IPv4 addresses as ``ipaddress.IPv4Interface`` values."""
    result = {}
    base = network.find_child("interface") if network is not None else None
    for kind in _INTERFACE_KINDS:
        for entry in _entries(base, kind):
            result[entry.name] = _ipv4_interfaces(_entries(entry, "layer3", "ip"), addresses)
            for unit in _entries(entry, "layer3", "units"):
                result[unit.name] = _ipv4_interfaces(_entries(unit, "ip"), addresses)
    for kind in _UNIT_KINDS:
        for unit in _entries(base, kind, "units"):
            result[unit.name] = _ipv4_interfaces(_entries(unit, "ip"), addresses)
    return result


def _parse_path_monitor(node):
    if node is None:
        return None
    destinations = tuple(
        MonitorDestination(
            name=entry.name,
            enabled=_yes(entry.child_text("enable")),
            source=entry.child_text("source"),
            destination=entry.child_text("destination"),
            interval=_number(entry.child_text("interval"), 3),
            count=_number(entry.child_text("count"), 5),
        )
        for entry in _entries(node, "monitor-destinations")
    )
    return PathMonitor(
        enabled=_yes(node.child_text("enable")),
        failure_condition=node.child_text("failure-condition") or "any",
        hold_time=_number(node.child_text("hold-time"), 2),
        destinations=destinations,
    )


def _parse_static_route(entry, addresses, static_distance):
    destination = addresses.text(entry.child_text("destination"))
    try:
        network = ipaddress.ip_network((destination or "").strip(), strict=False)
    except ValueError:
        return None
    if network.version != 4:
        return None
    nexthop_type, nexthop = "none", None
    node = entry.find_child("nexthop")
    if node is not None and node.children:
        nexthop_type = node.children[0].tag
        nexthop = node.children[0].text
        if nexthop_type == "ip-address":
            nexthop = _canonical_ip(addresses.text(nexthop))
    return StaticRoute(
        name=entry.name,
        destination=network,
        interface=entry.child_text("interface"),
        nexthop_type=nexthop_type,
        nexthop=nexthop,
        metric=_number(entry.child_text("metric"), DEFAULT_METRIC),
        admin_distance=_number(entry.child_text("admin-dist"), static_distance),
        path_monitor=_parse_path_monitor(entry.find_child("path-monitor")),
    )


def _parse_router(entry, addresses):
    static_distance = _number(entry.child_text("admin-dists", "static"), DEFAULT_STATIC_DISTANCE)
    routes = []
    for route_entry in _entries(entry, "routing-table", "ip", "static-route"):
        route = _parse_static_route(route_entry, addresses, static_distance)
        if route is not None:
            routes.append(route)
    interfaces = entry.find_child("interface")
    members = tuple(member.text for member in interfaces.iter_tag("member") if member.text) if interfaces is not None else ()
    return VirtualRouter(
        name=entry.name,
        interfaces=members,
        static_routes=tuple(routes),
        ecmp=_yes(entry.child_text("ecmp", "enable")),
        ecmp_max_path=_number(entry.child_text("ecmp", "max-path"), DEFAULT_ECMP_PATHS),
    )


def parse_routing(root, device_name):
    """Read the virtual routers and interface addresses of a running configuration (a ``<config>`` Node)."""
    devices = root.find_child("devices")
    device = devices.find_entry("entry", DEVICE_ENTRY) if devices is not None else None
    network = device.find_child("network") if device is not None else None
    if network is None:
        return RoutingConfig(device_name, {}, {})
    addresses = _Addresses(root, device)
    routers = {entry.name: _parse_router(entry, addresses) for entry in _entries(network, "virtual-router")}
    return RoutingConfig(device_name, routers, _interface_networks(network, addresses))


# State of the world around the firewall


@dataclass(frozen=True)
class InterfaceState:
    """The state of one interface that routing uses: up or down, and for a tunnel interface the addresses that reply through it.

    ``far_addresses`` is None for an interface that is not a tunnel bound to an IPsec tunnel,
    and otherwise contains the addresses of the firewalls at the far end of its SAs.
    """

    up: bool = True
    far_addresses: frozenset = None


@dataclass(frozen=True)
class Environment:
    """The interfaces of this firewall, and the addresses of other firewalls with whether each replies over the outside network."""

    interfaces: dict = field(default_factory=dict)
    remote_addresses: dict = field(default_factory=dict)

    def state(self, interface):
        return self.interfaces.get(interface, InterfaceState())

    def is_up(self, interface):
        return self.state(interface).up


# Table


@dataclass(frozen=True)
class Route:
    """One route of the table. ``nexthop`` is an address, a router name (next-vr) or None."""

    virtual_router: str
    destination: ipaddress.IPv4Network
    type: str
    interface: str
    nexthop_type: str
    nexthop: str
    metric: int
    admin_distance: int
    name: str = None
    source: str = None
    active: bool = False
    ecmp: bool = False


@dataclass(frozen=True)
class Probe:
    destination: MonitorDestination
    reachable: bool


@dataclass(frozen=True)
class MonitorResult:
    """The path-monitor outcome of one static route: each probe, whether the probes failed, and whether the route is withdrawn for it."""

    route: StaticRoute
    probes: tuple
    failed: bool
    withdrawn: bool


@dataclass
class RouteTable:
    """The routes of one virtual router: the table (active and inactive), the withdrawn static routes with their reason, and path monitors."""

    virtual_router: str
    routes: list = field(default_factory=list)
    withdrawn: dict = field(default_factory=dict)
    monitors: list = field(default_factory=list)

    def active(self):
        return [route for route in self.routes if route.active]


def _connected_routes(router, config, environment):
    routes = []
    for interface in router.interfaces:
        if not environment.is_up(interface):
            continue
        for address in config.interface_networks.get(interface, ()):
            source = str(address.ip)
            routes.append(Route(router.name, address.network, CONNECTED, interface, "ip-address", source, 0, 0, source=source))
            if address.network.prefixlen < 32:
                host = ipaddress.ip_network(f"{address.ip}/32")
                routes.append(Route(router.name, host, HOST, interface, "none", None, 0, 0, source=source))
    return routes


def _egress(route, connected, environment):
    """Return (interface, reason): the interface a static route leaves through, or None and why it is withdrawn."""
    if route.nexthop_type in ("discard", "next-vr"):
        if route.interface and not environment.is_up(route.interface):
            return None, INTERFACE_DOWN
        return route.interface, None
    if route.nexthop_type == "fqdn":
        # NOTE: pansim resolves no names, so a route with an FQDN next hop never enters the table.
        return None, UNRESOLVED
    if route.interface:
        return (route.interface, None) if environment.is_up(route.interface) else (None, INTERFACE_DOWN)
    if route.nexthop_type != "ip-address" or route.nexthop is None:
        return None, NO_EGRESS
    nexthop = ipaddress.ip_address(route.nexthop)
    for candidate in connected:
        if candidate.type == CONNECTED and nexthop in candidate.destination:
            return candidate.interface, None
    return None, UNRESOLVED


def _static_candidate(router, route, interface, connected):
    source = None
    for candidate in connected:
        if candidate.type == CONNECTED and candidate.interface == interface:
            source = candidate.source
            break
    return Route(
        router.name,
        route.destination,
        STATIC,
        interface,
        route.nexthop_type,
        route.nexthop,
        route.metric,
        route.admin_distance,
        name=route.name,
        source=source,
    )


def _select(routes, router):
    """Mark the winners of each prefix active (rule 4), keeping prefixes in first-seen order."""
    by_prefix = {}
    for route in routes:
        by_prefix.setdefault(route.destination, []).append(route)
    selected = []
    for group in by_prefix.values():
        best = min((route.admin_distance, route.metric) for route in group)
        winners = [route for route in group if (route.admin_distance, route.metric) == best]
        paths = max(1, router.ecmp_max_path) if router.ecmp else 1
        chosen = winners[:paths]
        shared = len(chosen) > 1
        for route in group:
            if any(route is winner for winner in chosen):
                selected.append(replace(route, active=True, ecmp=shared))
            else:
                selected.append(route)
    return selected


def lookup(routes, address):
    """Return the active routes of the longest prefix that contains ``address`` (several with ECMP), or []."""
    target = ipaddress.ip_address(address)
    matching = [route for route in routes if route.active and target in route.destination]
    if not matching:
        return []
    longest = max(route.destination.prefixlen for route in matching)
    return [route for route in matching if route.destination.prefixlen == longest]


def resolve(tables, router_name, address):
    """Look ``address`` up in ``tables[router_name]``, following next-vr routes into other routers.

    Returns (router name, routes) of the router that finally forwards, or (router name, []) when no
    route matches or the next-vr chain is longer than MAX_ROUTER_HOPS.
    """
    for _ in range(MAX_ROUTER_HOPS):
        table = tables.get(router_name)
        routes = lookup(table.routes, address) if table is not None else []
        if not routes or routes[0].nexthop_type != "next-vr":
            return router_name, routes
        router_name = routes[0].nexthop
    return router_name, []


def _replies(address, route, environment):
    if route.nexthop_type in ("discard", "next-vr") or not route.interface:
        # NOTE: probes are not followed into another virtual router.
        return False
    state = environment.state(route.interface)
    if not state.up:
        return False
    if route.interface.startswith("tunnel."):
        return state.far_addresses is not None and address in state.far_addresses
    return environment.remote_addresses.get(address, True)


def probe(destination, routes, config, environment):
    """Return True when a path-monitor destination replies (rule 3 of the module documentation)."""
    target = _canonical_ip(destination.destination)
    if target is None:
        return False
    local = config.addresses()
    source = _canonical_ip(destination.source)
    if destination.source and source not in local:
        return False
    if target in local:
        return True
    return any(_replies(target, route, environment) for route in lookup(routes, target))


def _monitor_failed(route, probes):
    if not probes:
        return False
    if route.path_monitor.failure_condition == "all":
        return all(not item.reachable for item in probes)
    return any(not item.reachable for item in probes)


def _record_unreachable_monitor(table, router_name, route, monitor_filter):
    """Count the path monitor of a route whose egress is gone as failed, so a hold time starts as on a device."""
    monitor = route.path_monitor
    if monitor is None or not monitor.enabled:
        return
    probes = tuple(Probe(item, False) for item in monitor.destinations if item.enabled)
    failed = bool(probes)
    if monitor_filter is not None:
        monitor_filter(router_name, route, failed)
    table.monitors.append(MonitorResult(route, probes, failed, True))


def build_table(config, router_name, environment, monitor_filter=None):
    """Select the routes of one virtual router (rules 1 to 4 of the module documentation).

    ``monitor_filter(router_name, route, failed)`` returns whether a path-monitored route is
    withdrawn, given whether its probes failed now. Without it a route is withdrawn exactly while its probes fail.
    """
    router = config.routers.get(router_name)
    table = RouteTable(router_name)
    if router is None:
        return table

    connected = _connected_routes(router, config, environment)
    candidates = list(connected)
    statics = []
    for route in router.static_routes:
        interface, reason = _egress(route, connected, environment)
        if reason is not None:
            table.withdrawn[route.name] = reason
            _record_unreachable_monitor(table, router_name, route, monitor_filter)
            continue
        statics.append((route, _static_candidate(router, route, interface, connected)))
    candidates += [candidate for _, candidate in statics]

    # Probes see the table as it would be before any path monitor withdraws a route.
    before_monitors = _select(candidates, router)
    kept = list(connected)
    for route, candidate in statics:
        monitor = route.path_monitor
        if monitor is None or not monitor.enabled:
            kept.append(candidate)
            continue
        probes = tuple(Probe(item, probe(item, before_monitors, config, environment)) for item in monitor.destinations if item.enabled)
        failed = _monitor_failed(route, probes)
        withdrawn = monitor_filter(router_name, route, failed) if monitor_filter is not None else failed
        table.monitors.append(MonitorResult(route, probes, failed, withdrawn))
        if withdrawn:
            table.withdrawn[route.name] = PATH_MONITOR
        else:
            kept.append(candidate)

    table.routes = _select(kept, router)
    return table


def build_tables(config, environment, monitor_filter=None):
    """Return {router name: RouteTable} for every virtual router of the configuration."""
    return {name: build_table(config, name, environment, monitor_filter) for name in config.routers}
