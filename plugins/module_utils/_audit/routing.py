# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rules on routing into tunnels, redundant tunnels and dual-ISP gateways (VPN-NET-*).

Only static routes are known from the configuration. A tunnel interface that runs BGP,
OSPF or RIP learns its routes at run time, so the route checks skip it.
"""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils._audit.core import Hit, rule
from ansible_collections.ipsec.panos.plugins.module_utils._audit.model import parse_ip, parse_network

DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")


def route_key(route):
    """Return a route's destination in one spelling, or its text when it is not a prefix (a template variable)."""
    network = parse_network(route.get("destination"))
    return str(network) if network is not None else str(route.get("destination"))


def preference(route):
    """Order routes as PAN-OS picks among equal prefixes: lower admin distance, then lower metric."""
    distance = route.get("admin_distance")
    return (distance if isinstance(distance, int) else 0, route.get("metric") if isinstance(route.get("metric"), int) else 10)


def redundant_groups(config):
    """Return the destinations that static routes send through two or more VPN tunnel interfaces of one router.

    Each group is a dict with ``router``, ``destination`` and ``members``: (route, tunnel
    interface, IPsec tunnels on it) sorted by preference, primary first.
    """
    vpn_interfaces = config.vpn_tunnel_interfaces()
    groups = []
    for label in sorted(config.routers):
        by_destination = {}
        for route in config.routers[label].routes:
            interface = route.get("interface")
            if interface in vpn_interfaces:
                by_destination.setdefault(route_key(route), []).append((route, interface, vpn_interfaces[interface]))
        for destination, members in sorted(by_destination.items()):
            if len({interface for _route, interface, _tunnels in members}) < 2:
                continue
            members.sort(key=lambda member: (preference(member[0]), member[0].get("name") or ""))
            groups.append({"router": label, "destination": destination, "members": members})
    return groups


def group_object(group):
    return "route", "%s/%s" % (group["router"].split(" ", 1)[1], group["destination"])


def _describe(members):
    return [
        {"route": route.get("name"), "interface": interface, "ipsec_tunnels": tunnels, "metric": route.get("metric"),
         "admin_distance": route.get("admin_distance")}
        for route, interface, tunnels in members
    ]


@rule(
    "VPN-NET-001",
    "A remote subnet of a tunnel has no route through its tunnel interface",
    ("PANt",),
    {"no-route": ("high", "high", "high")},
)
def remote_subnet_routes(config):
    for name in sorted(config.tunnels):
        tunnel = config.tunnels[name]
        interface = tunnel.get("tunnel_interface")
        router = config.router_of(interface)
        if not interface or router is None or config.dynamic_routing(interface):
            continue
        remotes = [proxy.get("remote") for proxy in config.proxy_ids(name)]
        remotes += config.expected_tunnel(name).get("remote_networks") or []
        routes = config.routes_via(interface)
        missing = []
        for remote in remotes:
            network = parse_network(remote)
            if network is None or network.prefixlen == 0 or str(network) in missing:
                continue
            covered = [route for route in routes if _covers(route.get("destination"), network)]
            if not covered:
                missing.append(str(network))
        if missing:
            yield Hit(
                "no-route", "ipsec_tunnel", name,
                "IPsec tunnel %r carries traffic for %s, but %s has no route for it through %s, so that traffic leaves "
                "through another interface, unencrypted or not at all" % (name, ", ".join(missing), router, interface),
                {"remote_networks": missing, "tunnel_interface": interface, "router": router,
                 "routes_via_interface": [route.get("destination") for route in routes]},
                "Add a static route for each of %s in %s with interface %s (ipsec.panos.static_route)" % (", ".join(missing), router, interface),
            )


def _covers(destination, network):
    route = parse_network(destination)
    return route is not None and route.version == network.version and network.subnet_of(route)


@rule(
    "VPN-NET-002",
    "Redundant tunnels: routes of equal preference, so no floating backup",
    ("OPS",),
    {"equal-metric": ("high", "high", "high")},
)
def equal_metrics(config):
    for group in redundant_groups(config):
        if config.routers[group["router"]].ecmp:
            continue
        primary = preference(group["members"][0][0])
        tied = [member for member in group["members"] if preference(member[0]) == primary]
        if len({interface for _route, interface, _tunnels in tied}) < 2:
            continue
        object_type, object_name = group_object(group)
        yield Hit(
            "equal-metric", object_type, object_name,
            "Routes to %s in %s through %s have the same metric and admin distance, with ECMP off; there is no "
            "floating backup, and which tunnel carries the traffic is left to chance"
            % (group["destination"], group["router"], ", ".join(interface for _route, interface, _tunnels in tied)),
            {"routes": _describe(group["members"]), "ecmp": False},
            "Give the backup route a higher metric than the primary (for example 10 and 20), or enable ECMP in %s on purpose" % group["router"],
        )


@rule(
    "VPN-NET-003",
    "Redundant tunnels to one destination sit in different zones",
    ("OPS",),
    {"zones-differ": ("high", "high", "high")},
)
def redundant_zones(config):
    for group in redundant_groups(config):
        zones = {interface: config.zone_of(interface) for _route, interface, _tunnels in group["members"]}
        if len(set(zones.values())) < 2:
            continue
        object_type, object_name = group_object(group)
        yield Hit(
            "zones-differ", object_type, object_name,
            "The tunnels to %s in %s sit in different zones (%s); on failover the egress zone changes, so existing "
            "sessions break and security rules must be duplicated"
            % (group["destination"], group["router"], ", ".join("%s: %s" % item for item in sorted(zones.items(), key=str))),
            {"zones": zones, "routes": _describe(group["members"])},
            "Put tunnel interfaces %s into one VPN zone (the zone option of ipsec.panos.tunnel_interface)" % ", ".join(sorted(zones)),
        )


@rule(
    "VPN-NET-004",
    "Backup tunnel path without failure detection on the primary",
    ("PANm",),
    {"no-detection": ("high", "high", "high")},
)
def failure_detection(config):
    for group in redundant_groups(config):
        primary = preference(group["members"][0][0])
        if all(preference(route) == primary for route, _interface, _tunnels in group["members"]):
            continue
        primaries = [member for member in group["members"] if preference(member[0]) == primary]
        undetected = []
        for route, interface, tunnels in primaries:
            path_monitor = (route.get("path_monitor") or {}).get("enable")
            fail_over = any(config.monitor_action(tunnel) == "fail-over" for tunnel in tunnels)
            if not (path_monitor or fail_over or config.dynamic_routing(interface)):
                undetected.append((route, interface, tunnels))
        if not undetected:
            continue
        object_type, object_name = group_object(group)
        names = ", ".join(interface for _route, interface, _tunnels in undetected)
        yield Hit(
            "no-detection", object_type, object_name,
            "The primary path to %s in %s (%s) has no path monitoring, no tunnel monitor with action fail-over and no "
            "dynamic routing, so traffic never moves to the backup tunnel when the primary fails"
            % (group["destination"], group["router"], names),
            {"routes": _describe(group["members"]),
             "primary_tunnel_monitor": {tunnel: config.monitor_action(tunnel) for _r, _i, tunnels in undetected for tunnel in tunnels}},
            "Enable tunnel_monitor with a fail-over tunnel monitor profile on %s, or path_monitor on route %s"
            % (", ".join(tunnel for _r, _i, tunnels in undetected for tunnel in tunnels), ", ".join(route.get("name") for route, _i, _t in undetected)),
        )


def default_routes(config, label):
    """Return the router's IPv4 default routes with their egress interface, most preferred first."""
    found = []
    for route in config.routers[label].routes:
        if route_key(route) == "0.0.0.0/0":
            found.append((route, config.route_egress(label, route)))
    found.sort(key=lambda item: (preference(item[0]), item[0].get("name") or ""))
    return found


def dual_isp_routers(config):
    """Yield (router, default routes) for routers whose default routes leave through two or more interfaces."""
    for label in sorted(config.routers):
        defaults = default_routes(config, label)
        if len({egress for _route, egress in defaults if egress}) >= 2:
            yield label, defaults


@rule(
    "VPN-NET-005",
    "Gateway on the backup ISP without a host route to its peer",
    ("OPS",),
    {"no-host-route": ("high", "high", "high")},
)
def backup_isp_peer_route(config):
    for label, defaults in dual_isp_routers(config):
        primary_interface = defaults[0][1]
        for name in sorted(config.gateways):
            gateway = config.gateways[name]
            interface = gateway.get("interface")
            peer = parse_ip(gateway.get("peer_address")) if gateway.get("peer_type") == "ip" else None
            if peer is None or config.router_of(interface) != label or interface == primary_interface:
                continue
            pinned = [
                route for route in config.routers[label].routes
                if config.route_egress(label, route) == interface and _covers(route.get("destination"), parse_network(str(peer)))
                and route_key(route) not in DEFAULT_ROUTES
            ]
            if pinned:
                continue
            yield Hit(
                "no-host-route", "ike_gateway", name,
                "IKE gateway %r sends from %s, but the preferred default route of %s leaves through %s and no route sends "
                "%s through %s; IKE leaves through the wrong ISP with the wrong source address" % (name, interface, label, primary_interface, peer, interface),
                {"interface": interface, "peer_address": str(peer), "router": label,
                 "default_routes": [{"route": route.get("name"), "interface": egress, "metric": route.get("metric")} for route, egress in defaults]},
                "Add a static route %s/%d in %s with interface %s and the next hop of that ISP" % (peer, peer.max_prefixlen, label, interface),
            )


@rule(
    "VPN-NET-006",
    "Dual-ISP default routes without path monitoring on the primary, or with equal metrics",
    ("OPS",),
    {"no-monitor": ("medium", "medium", "medium"), "equal-metric": ("medium", "medium", "medium")},
)
def dual_isp_defaults(config):
    for label, defaults in dual_isp_routers(config):
        primary, primary_interface = defaults[0]
        evidence = {"default_routes": [{"route": route.get("name"), "interface": egress, "metric": route.get("metric"),
                                        "path_monitor": bool((route.get("path_monitor") or {}).get("enable"))} for route, egress in defaults]}
        object_name = "%s/0.0.0.0/0" % label.split(" ", 1)[1]
        tied = [egress for route, egress in defaults if preference(route) == preference(primary)]
        if len(set(tied)) >= 2 and not config.routers[label].ecmp:
            yield Hit(
                "equal-metric", "route", object_name,
                "The default routes of %s through %s have equal metrics, so neither ISP is the backup" % (label, ", ".join(sorted(set(tied)))),
                evidence,
                "Give the backup ISP's default route a higher metric than the primary's in %s" % label,
            )
        elif not (primary.get("path_monitor") or {}).get("enable"):
            yield Hit(
                "no-monitor", "route", object_name,
                "The primary default route %r of %s (through %s) has no path monitoring, so it stays in place when that ISP fails"
                % (primary.get("name"), label, primary_interface),
                evidence,
                "Enable path_monitor on static route %r with two or more public destinations and failure_condition any" % primary.get("name"),
            )


@rule(
    "VPN-NET-010",
    "Tunnel interfaces of one router have overlapping addresses",
    ("OPS",),
    {"overlap": ("high", "high", "high")},
)
def overlapping_tunnel_addresses(config):
    networks = []
    for name in sorted(config.tunnel_interfaces):
        for address in config.tunnel_interfaces[name].get("ip") or []:
            network = parse_network(address)
            if network is not None:
                networks.append((name, address, network, config.router_of(name)))
    reported = set()
    for index, (name, address, network, router) in enumerate(networks):
        for other, other_address, other_network, other_router in networks[index + 1:]:
            if other == name or router != other_router or router is None or network.version != other_network.version:
                continue
            if network.overlaps(other_network) and (name, other) not in reported:
                reported.add((name, other))
                yield Hit(
                    "overlap", "tunnel_interface", name,
                    "Tunnel interface %s (%s) overlaps tunnel interface %s (%s) in %s, so replies may leave through the wrong tunnel"
                    % (name, address, other, other_address, router),
                    {"ip": address, "overlaps": {"tunnel_interface": other, "ip": other_address}, "router": router},
                    "Give %s and %s addresses from separate subnets (a /30 or /31 per tunnel)" % (name, other),
                )
