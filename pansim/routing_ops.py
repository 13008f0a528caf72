# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The routing op commands: show routing route, show routing path-monitor and test routing fib-lookup.

Handlers take the OpContext of ``pansim.ops`` and render the route tables the
fabric keeps for the firewall (``pansim.routing``, ``Fabric.routing_view``).

The ``show routing route`` entries (virtual-router, destination, nexthop, metric,
flags, age, interface, route-table) and the ``test routing fib-lookup`` fields
(nh, src, ip, metric, interface, dp) follow replies of PAN-OS 9.x to 11.x
firewalls with the legacy routing engine.
NOTE: these parts are reconstructed, not seen in a reply: the next hop shown for
interface-only, next-vr and discard routes, the interface of host routes, the
fib-lookup reply without a matching route, the error texts, and the whole
``show routing path-monitor`` layout.
"""

import ipaddress

from pansim import errors, responses
from pansim.errors import ApiError
from pansim.node import element, leaf, to_xml
from pansim.routing import CONNECTED, HOST, STATIC, resolve
from pansim.vpn_runtime import fabric_of

FLAGS_LEGEND = (
    "flags: A:active, ?:loose, C:connect, H:host, S:static, ~:internal, R:rip, O:ospf, B:bgp, "
    "Oi:ospf intra-area, Oo:ospf inter-area, O1:ospf ext-type-1, O2:ospf ext-type-2, E:ecmp, M:multicast"
)
TYPE_FLAGS = {CONNECTED: "C", HOST: "H", STATIC: "S"}
# Route types ``show routing route type`` accepts; pansim has no dynamic routing, so bgp, ospf and rip list nothing.
ROUTE_TYPES = ("bgp", "connect", "ospf", "rip", "static")
NO_NEXTHOP = "0.0.0.0"


def _arguments(ctx, allowed):
    """Return {name: text} of the argument elements under the command node, rejecting unknown ones and Panorama."""
    if ctx.device.is_panorama:
        raise ApiError(errors.INVALID_COMMAND, [f" {ctx.root.tag} -> routing is unexpected", "Invalid command"])
    values = {}
    for child in ctx.node.children:
        if child.tag not in allowed:
            raise ApiError(errors.INVALID_COMMAND, [f" {ctx.node.tag} -> {child.tag} is unexpected", "Invalid command"])
        if child.children:
            raise ApiError(errors.INVALID_COMMAND, [f" {child.tag} -> {child.children[0].tag} is unexpected", "Invalid command"])
        values[child.tag] = (child.text or "").strip()
    return values


def _view(ctx):
    return fabric_of(ctx.device).routing_view(ctx.device)


def _nexthop_text(route):
    if route.nexthop_type == "discard":
        return "discard"
    if route.nexthop_type == "next-vr":
        return route.nexthop
    return route.nexthop or NO_NEXTHOP


def _flags(route):
    text = ("A" if route.active else " ") + " " + TYPE_FLAGS[route.type]
    return text + " E" if route.ecmp else text


# show routing route [type <type>] [virtual-router <name>] [destination <prefix>] [interface <name>]


def _route_entry(route):
    return element(
        "entry",
        leaf("virtual-router", route.virtual_router),
        leaf("destination", str(route.destination)),
        leaf("nexthop", _nexthop_text(route)),
        leaf("metric", str(route.metric)),
        leaf("flags", _flags(route)),
        leaf("age"),
        leaf("interface", route.interface),
        leaf("route-table", "unicast"),
    )


def show_route(ctx):
    arguments = _arguments(ctx, ("type", "virtual-router", "destination", "interface"))
    requested_type = arguments.get("type")
    if requested_type is not None and requested_type not in ROUTE_TYPES:
        raise ApiError(errors.INVALID_COMMAND, [f" route -> type '{requested_type}' is not an allowed keyword", "Invalid command"])
    view = _view(ctx)
    entries = []
    for name, table in view.tables.items():
        if arguments.get("virtual-router") not in (None, name):
            continue
        for route in table.routes:
            if requested_type is not None and route.type != requested_type:
                continue
            if arguments.get("destination") not in (None, str(route.destination)):
                continue
            if arguments.get("interface") not in (None, route.interface):
                continue
            entries.append(_route_entry(route))
    return responses.result(to_xml(leaf("flags", FLAGS_LEGEND)) + "".join(to_xml(entry) for entry in entries))


# show routing path-monitor [virtual-router <name>]


def _hold_remaining(hold, route, now):
    if hold is None or not hold.down or hold.recovered_at is None:
        return 0
    return max(0, int(hold.recovered_at + route.path_monitor.hold_time * 60 - now))


def _path_monitor_entry(router_name, result, hold, now):
    route = result.route
    destinations = element(
        "monitor-destinations",
        *(
            element(
                "entry",
                leaf("source", probe.destination.source),
                leaf("destination", probe.destination.destination),
                leaf("interval", str(probe.destination.interval)),
                leaf("count", str(probe.destination.count)),
                leaf("status", "Up" if probe.reachable else "Down"),
                attrib={"name": probe.destination.name},
            )
            for probe in result.probes
        ),
    )
    return element(
        "entry",
        leaf("virtual-router", router_name),
        leaf("name", route.name),
        leaf("destination", str(route.destination)),
        leaf("interface", route.interface),
        leaf("nexthop", route.nexthop if route.nexthop_type == "ip-address" and route.nexthop else NO_NEXTHOP),
        leaf("metric", str(route.metric)),
        leaf("failure-condition", route.path_monitor.failure_condition),
        leaf("hold-time", str(route.path_monitor.hold_time)),
        leaf("hold-remaining", str(_hold_remaining(hold, route, now))),
        leaf("path-status", "Down" if result.failed else "Up"),
        leaf("route-status", "Withdrawn" if result.withdrawn else "Installed"),
        destinations,
    )


def show_path_monitor(ctx):
    arguments = _arguments(ctx, ("virtual-router",))
    view = _view(ctx)
    entries = []
    for name, table in view.tables.items():
        if arguments.get("virtual-router") not in (None, name):
            continue
        for result in table.monitors:
            entries.append(_path_monitor_entry(name, result, view.holds.get((name, result.route.name)), view.now))
    return responses.result("".join(to_xml(entry) for entry in entries))


# test routing fib-lookup virtual-router <name> ip <address>


def fib_lookup(ctx):
    arguments = _arguments(ctx, ("virtual-router", "ip"))
    for required in ("virtual-router", "ip"):
        if not arguments.get(required):
            raise ApiError(errors.INVALID_COMMAND, [f" fib-lookup -> {required} is missing", "Invalid command"])
    address = arguments["ip"]
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise ApiError(errors.INVALID_COMMAND, [f" fib-lookup -> ip '{address}' is not a valid IP address", "Invalid command"]) from None
    view = _view(ctx)
    if arguments["virtual-router"] not in view.tables:
        raise ApiError(errors.OBJECT_NOT_PRESENT, f"virtual-router {arguments['virtual-router']} not found")

    _, routes = resolve(view.tables, arguments["virtual-router"], address)
    if not routes:
        return responses.result()
    # NOTE: with ECMP the device hashes each flow over the equal routes; pansim reports the first one.
    route = routes[0]
    if route.nexthop_type == "discard":
        return responses.result(to_xml(leaf("nh", "discard")) + to_xml(leaf("metric", str(route.metric))) + to_xml(leaf("dp", "dp0")))
    nexthop = route.nexthop if route.type == STATIC and route.nexthop_type == "ip-address" and route.nexthop else address
    parts = [
        leaf("nh", "ip"),
        leaf("src", route.source),
        leaf("ip", nexthop),
        leaf("metric", str(route.metric)),
        leaf("interface", route.interface),
        leaf("dp", "dp0"),
    ]
    return responses.result("".join(to_xml(part) for part in parts))


COMMANDS = {
    ("show", "routing", "route"): show_route,
    ("show", "routing", "path-monitor"): show_path_monitor,
    ("test", "routing", "fib-lookup"): fib_lookup,
}
