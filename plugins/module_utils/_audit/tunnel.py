# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rules on IPsec tunnels, their proxy IDs and their tunnel interfaces (VPN-TUN-*)."""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils._audit.core import Hit, rule
from ansible_collections.ipsec.panos.plugins.module_utils._audit.routing import redundant_groups, route_key
from ansible_collections.ipsec.panos.plugins.module_utils._resources.tunnel import check_overlaps

TUNNEL = "ipsec_tunnel"
INTERFACE = "tunnel_interface"
# The selector PAN-OS proposes for a tunnel without proxy IDs.
ANY_PROXY_ID = {"name": "(none: 0.0.0.0/0 to 0.0.0.0/0)", "local": "0.0.0.0/0", "remote": "0.0.0.0/0", "protocol": "any"}


@rule(
    "VPN-TUN-001",
    "Tunnel interface missing, in no zone, or in another router than the gateway's interface",
    ("PANt",),
    {"missing": ("critical", "critical", "critical"), "no-zone": ("critical", "critical", "critical"),
     "router": ("critical", "critical", "critical")},
)
def tunnel_interface_wiring(config):
    for interface, tunnels in sorted(config.vpn_tunnel_interfaces().items()):
        if interface not in config.tunnel_interfaces:
            yield Hit(
                "missing", INTERFACE, interface,
                "IPsec tunnel %s uses tunnel interface %s, which does not exist" % (", ".join(tunnels), interface),
                {"ipsec_tunnels": tunnels},
                "Create tunnel interface %s with a zone and a virtual router (ipsec.panos.tunnel_interface)" % interface,
            )
            continue
        if config.zone_of(interface) is None:
            yield Hit(
                "no-zone", INTERFACE, interface,
                "Tunnel interface %s (IPsec tunnel %s) is in no zone, so PAN-OS drops every packet through it" % (interface, ", ".join(tunnels)),
                {"zone": None, "ipsec_tunnels": tunnels},
                "Set zone of tunnel interface %s to a dedicated VPN zone (ipsec.panos.tunnel_interface)" % interface,
            )
        router = config.router_of(interface)
        for tunnel in tunnels:
            gateway = config.tunnel_gateway(tunnel) or {}
            egress = gateway.get("interface")
            egress_router = config.router_of(egress) if egress else None
            if router is None or (egress_router is not None and egress_router != router):
                yield Hit(
                    "router", INTERFACE, interface,
                    "Tunnel interface %s is in %s, but the interface %s of gateway %r (IPsec tunnel %r) is in %s"
                    % (interface, router or "no router", egress, gateway.get("name"), tunnel, egress_router or "no router"),
                    {"router": router, "ike_gateway": gateway.get("name"), "gateway_interface": egress, "gateway_router": egress_router},
                    "Set virtual_router of tunnel interface %s to %s (ipsec.panos.tunnel_interface)"
                    % (interface, egress_router or "the gateway interface's router"),
                )
                break


@rule(
    "VPN-TUN-002",
    "Tunnel interface shares a zone with non-tunnel interfaces instead of a dedicated VPN zone",
    ("PANt",),
    {"shared-zone": ("medium", "medium", "medium")},
)
def shared_zone(config):
    zones = {}
    for interface in config.vpn_tunnel_interfaces():
        zone = config.zone_of(interface)
        if zone is not None:
            zones.setdefault(zone, []).append(interface)
    for zone, tunnels in sorted(zones.items()):
        vsys, _name = config.zone_of_interface[tunnels[0]]
        members = [interface for interface, (member_vsys, name) in config.zone_of_interface.items() if name == zone and member_vsys == vsys]
        others = sorted(member for member in members if not member.startswith("tunnel."))
        if others:
            yield Hit(
                "shared-zone", "zone", zone,
                "Zone %r holds tunnel interfaces %s and also %s, so rules cannot tell VPN traffic from other traffic"
                % (zone, ", ".join(sorted(tunnels)), ", ".join(others)),
                {"tunnel_interfaces": sorted(tunnels), "other_interfaces": others, "vsys": vsys},
                "Move tunnel interfaces %s into a zone of their own, such as vpn (the zone option of "
                "ipsec.panos.tunnel_interface)" % ", ".join(sorted(tunnels)),
            )


@rule(
    "VPN-TUN-003",
    "Tunnel monitoring or dynamic routing over a tunnel interface that has no IP address",
    ("PANt",),
    {"no-ip": ("high", "high", "high")},
)
def unnumbered_tunnel(config):
    for interface, tunnels in sorted(config.vpn_tunnel_interfaces().items()):
        item = config.tunnel_interfaces.get(interface)
        if item is None or item.get("ip") or (item.get("ipv6") or {}).get("addresses"):
            continue
        needs = ["tunnel monitor of %s" % tunnel for tunnel in tunnels if config.monitor(tunnel)]
        needs += ["%s" % protocol for protocol in config.dynamic_routing(interface)]
        if needs:
            yield Hit(
                "no-ip", INTERFACE, interface,
                "Tunnel interface %s has no IP address, but %s need one as a source" % (interface, ", ".join(needs)),
                {"ip": None, "needed_by": needs},
                "Set ip of tunnel interface %s to an address from the tunnel's link subnet, such as a /30" % interface,
            )


@rule(
    "VPN-TUN-004",
    "Peer is policy-based, but the tunnel has no proxy IDs",
    ("PANp",),
    {"no-proxy-ids": ("high", "high", "high")},
)
def policy_based_peer(config):
    for name in sorted(config.tunnels):
        if config.expected_tunnel(name).get("policy_based") and not config.proxy_ids(name):
            yield Hit(
                "no-proxy-ids", TUNNEL, name,
                "IPsec tunnel %r goes to a policy-based peer (inventory) but has no proxy IDs, so PAN-OS proposes "
                "0.0.0.0/0 to 0.0.0.0/0 and the peer rejects phase 2" % name,
                {"proxy_ids": None, "expected_policy_based": True},
                "Add proxy_ids to IPsec tunnel %r that mirror the peer's selectors (our local is their remote)" % name,
            )


@rule(
    "VPN-TUN-006",
    "Overlapping proxy IDs on tunnels to the same peer",
    ("PANp",),
    {"overlap": ("high", "high", "high")},
)
def overlapping_proxy_ids(config):
    by_peer = {}
    for name in sorted(config.tunnels):
        gateway = config.tunnels[name].get("ike_gateway")
        if gateway in config.gateways:
            by_peer.setdefault(config.peer_key(gateway), []).append(name)
    for peer, tunnels in sorted(by_peer.items(), key=lambda item: str(item[0])):
        selectors = []
        for tunnel in tunnels:
            for proxy in config.proxy_ids(tunnel) or [ANY_PROXY_ID]:
                selectors.append((tunnel, proxy))
        for index, (tunnel, proxy) in enumerate(selectors):
            earlier = [(other_proxy, "IPsec tunnel %r proxy ID" % other) for other, other_proxy in selectors[:index]]
            overlaps = check_overlaps(proxy, "IPsec tunnel %r" % tunnel, earlier)
            if overlaps:
                yield Hit(
                    "overlap", TUNNEL, tunnel,
                    "IPsec tunnel %r: %s" % (tunnel, "; ".join(overlap.split(": ", 1)[1] for overlap in overlaps)),
                    {"proxy_id": proxy, "ike_peer": _peer_text(peer), "tunnels_to_peer": tunnels},
                    "Make the proxy IDs of the tunnels to this peer disjoint: one (local, remote) pair in one tunnel only",
                )


def _peer_text(peer):
    if peer[0] == "gateway":
        return "dynamic peer of IKE gateway %s" % peer[1]
    return "%s from %s" % (peer[2], peer[1] or peer[0])


@rule(
    "VPN-TUN-009",
    "Anti-replay is off",
    ("8221", "PANt"),
    {"off": ("medium", "medium", "medium")},
)
def anti_replay(config):
    for name in sorted(config.tunnels):
        if config.tunnels[name].get("anti_replay") is False:
            yield Hit(
                "off", TUNNEL, name,
                "IPsec tunnel %r accepts replayed ESP packets because anti-replay is off" % name,
                {"anti_replay": False},
                "Set anti_replay of IPsec tunnel %r to true" % name,
            )


def _redundant_tunnels(config):
    """Return {tunnel: group} for tunnels whose interface carries one of several routes to a destination."""
    found = {}
    for group in redundant_groups(config):
        for _route, _interface, tunnels in group["members"]:
            for tunnel in tunnels:
                found.setdefault(tunnel, group)
    return found


@rule(
    "VPN-TUN-010",
    "Redundant tunnel without tunnel monitoring, or monitored without a monitor profile",
    ("PANm",),
    {"no-monitor": ("medium", "medium", "medium"), "no-profile": ("medium", "medium", "medium")},
)
def redundant_monitoring(config):
    for name, group in sorted(_redundant_tunnels(config).items()):
        monitor = config.monitor(name)
        evidence = {"tunnel_monitor": config.tunnels[name].get("tunnel_monitor"), "redundant_route": "%s in %s" % (group["destination"], group["router"])}
        if monitor is None:
            yield Hit(
                "no-monitor", TUNNEL, name,
                "IPsec tunnel %r is one of several paths to %s but has no tunnel monitor, so a dead data path is not "
                "noticed while IKE stays up" % (name, group["destination"]),
                evidence,
                "Set tunnel_monitor of IPsec tunnel %r to {enable: true, destination_ip: <the peer's tunnel address>, "
                "profile: <a fail-over profile>}" % name,
            )
        elif not monitor.get("profile"):
            yield Hit(
                "no-profile", TUNNEL, name,
                "IPsec tunnel %r is monitored without a monitor profile, so it uses the predefined wait-recover behaviour "
                "and never fails over" % name,
                evidence,
                "Set tunnel_monitor.profile of IPsec tunnel %r to a tunnel monitor profile with action fail-over" % name,
            )


@rule(
    "VPN-TUN-011",
    "Monitor action does not fit the paths: fail-over without a backup, or wait-recover with one",
    ("PANm",),
    {"fail-over-alone": ("medium", "medium", "medium"), "wait-with-backup": ("medium", "medium", "medium")},
)
def monitor_action(config):
    redundant = _redundant_tunnels(config)
    for name in sorted(config.tunnels):
        action = config.monitor_action(name)
        if action is None:
            continue
        profile = config.monitor(name).get("profile") or "default"
        interface = config.tunnels[name].get("tunnel_interface")
        if action == "fail-over" and name not in redundant and not config.dynamic_routing(interface) and not _has_alternative(config, interface):
            yield Hit(
                "fail-over-alone", TUNNEL, name,
                "IPsec tunnel %r fails over (monitor profile %r), but no other route reaches its destinations, so "
                "failing over only drops the traffic" % (name, profile),
                {"tunnel_monitor_profile": profile, "action": action, "tunnel_interface": interface},
                "Add a backup route with a higher metric through another tunnel, or use a wait-recover monitor profile for IPsec tunnel %r" % name,
            )
        elif action == "wait-recover" and name in redundant:
            yield Hit(
                "wait-with-backup", TUNNEL, name,
                "IPsec tunnel %r has a backup path to %s, but its monitor profile %r waits for recovery instead of "
                "failing over" % (name, redundant[name]["destination"], profile),
                {"tunnel_monitor_profile": profile, "action": action},
                "Set tunnel_monitor.profile of IPsec tunnel %r to a tunnel monitor profile with action fail-over" % name,
            )


def _has_alternative(config, interface):
    router = config.router_of(interface)
    if router is None:
        return False
    routes = config.routers[router].routes
    destinations = {route_key(route) for route in routes if route.get("interface") == interface}
    return any(route_key(route) in destinations and route.get("interface") != interface for route in routes)


@rule(
    "VPN-TUN-012",
    "Monitored tunnel with proxy IDs, but no proxy ID chosen for the probe",
    ("PANt",),
    {"no-proxy-id": ("medium", "medium", "medium")},
)
def monitor_proxy_id(config):
    for name in sorted(config.tunnels):
        monitor = config.monitor(name)
        proxies = config.proxy_ids(name)
        if monitor is not None and proxies and not monitor.get("proxy_id"):
            yield Hit(
                "no-proxy-id", TUNNEL, name,
                "IPsec tunnel %r has proxy IDs and a tunnel monitor, but the monitor names no proxy ID, so its probes "
                "may match no SA" % name,
                {"tunnel_monitor": monitor, "proxy_ids": [proxy["name"] for proxy in proxies]},
                "Set tunnel_monitor.proxy_id of IPsec tunnel %r to the proxy ID that covers the monitor destination %s"
                % (name, monitor.get("destination_ip")),
            )


@rule(
    "VPN-TUN-013",
    "Tunnel MTU left at 1500 with no TCP MSS adjustment in its router",
    ("OPS",),
    {"mtu": ("medium", "medium", "medium")},
)
def tunnel_mtu(config):
    for interface in sorted(config.vpn_tunnel_interfaces()):
        item = config.tunnel_interfaces.get(interface)
        router = config.router_of(interface)
        if item is None or router is None or (item.get("mtu") and item["mtu"] < 1500):
            continue
        if any(member in config.mss_interfaces for member in config.routers[router].interfaces):
            continue
        yield Hit(
            "mtu", INTERFACE, interface,
            "Tunnel interface %s keeps the default MTU and no interface of %s adjusts the TCP MSS, so large packets "
            "are fragmented after encryption or dropped" % (interface, router),
            {"mtu": item.get("mtu"), "router": router},
            "Set mtu of tunnel interface %s to fit the path (for example 1400), or enable adjust-tcp-mss on the "
            "layer 3 interfaces that send into the tunnel" % interface,
        )


@rule(
    "VPN-TUN-014",
    "Management profile on a tunnel interface allows more than ping",
    ("OPS",),
    {"management": ("medium", "medium", "medium")},
)
def tunnel_management(config):
    for interface in sorted(config.tunnel_interfaces):
        profile = config.tunnel_interfaces[interface].get("management_profile")
        services = config.management_profiles.get(profile) or []
        if services:
            yield Hit(
                "management", INTERFACE, interface,
                "Tunnel interface %s has management profile %r, which lets the peer's side reach %s on the firewall"
                % (interface, profile, ", ".join(services)),
                {"management_profile": profile, "services": services},
                "Set management_profile of tunnel interface %s to a profile that allows ping only" % interface,
            )


@rule(
    "VPN-TUN-015",
    "copy-tos is on",
    ("OPS",),
    {"copy-tos": ("info", "info", "info")},
)
def copy_tos(config):
    for name in sorted(config.tunnels):
        if config.tunnels[name].get("copy_tos"):
            yield Hit(
                "copy-tos", TUNNEL, name,
                "IPsec tunnel %r copies the inner ToS header to the outer header; without a QoS need this only leaks "
                "traffic classes" % name,
                {"copy_tos": True},
                "Set copy_tos of IPsec tunnel %r to false unless QoS on the path needs it" % name,
            )
