# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rules on NAT and security policy around the VPN (VPN-POL-*).

The rulebase of the audited vsys is read. Panorama templates hold no rulebase, so a
template audit skips the rules in POLICY_RULES and lists them in ``skipped_rules``.
"""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils._audit.core import Hit, rule
from ansible_collections.ipsec.panos.plugins.module_utils._audit.model import parse_network
from ansible_collections.ipsec.panos.plugins.module_utils._resources.policy import ANY, catches

# The rules that need a rulebase, which a Panorama template does not have.
POLICY_RULES = ("VPN-POL-001", "VPN-POL-004")


def vpn_flows(config):
    """Yield (tunnel, zone, local, remote) for the traffic each tunnel carries.

    The flows come from the proxy IDs, from the inventory's remote networks, and for a
    route-based tunnel from the static routes through its interface. ``local`` is
    ``any`` when only the remote side is known.
    """
    for name in sorted(config.tunnels):
        interface = config.tunnels[name].get("tunnel_interface")
        zone = config.zone_of(interface)
        if zone is None:
            continue
        seen = set()
        flows = []
        for proxy in config.proxy_ids(name):
            flows.append((proxy.get("local"), proxy.get("remote")))
        for remote in config.expected_tunnel(name).get("remote_networks") or []:
            flows.append((ANY, remote))
        if not flows:
            flows = [(ANY, route.get("destination")) for route in config.routes_via(interface)]
        for local, remote in flows:
            if (local, remote) in seen or parse_network(remote) is None or (local != ANY and parse_network(local) is None):
                continue
            seen.add((local, remote))
            yield name, zone, local, remote


def _exempt_covers(rule_view, flow, book):
    """Tell whether a rule without translation takes the whole flow out of NAT."""
    to_zones = rule_view.get("to_zones") or [ANY]
    if ANY not in to_zones and flow["to_zones"][0] not in to_zones:
        return False
    if rule_view.get("to_interface") not in (None, ANY, flow.get("to_interface")):
        return False
    for side in ("source", "destination"):
        if flow[side] == [ANY]:
            # The tunnel's local subnets are not known, so the rule's own source is taken as right.
            continue
        covered = book.resolve(rule_view.get(side))
        flow_addresses = book.resolve(flow[side])
        if covered is None or flow_addresses is None:
            # An FQDN or dynamic object: assume it covers, to report only what is certain.
            continue
        if not flow_addresses.issubset(covered):
            return False
    return True


@rule(
    "VPN-POL-001",
    "Source NAT would translate VPN traffic: no NAT-exempt rule above it",
    ("OPS",),
    {"nat": ("critical", "critical", "critical")},
)
def nat_exemption(config):
    if not config.has_rulebase:
        return
    for tunnel, zone, local, remote in vpn_flows(config):
        flow = {
            "name": None,
            "from_zones": [ANY],
            "to_zones": [zone],
            "to_interface": config.tunnels[tunnel].get("tunnel_interface"),
            "source": [local],
            "destination": [remote],
        }
        for view in config.nat_rules:
            if view.get("disabled"):
                continue
            if not view.get("translates"):
                if _exempt_covers(view, flow, config.address_book):
                    break
                continue
            if catches(view, flow, config.address_book):
                yield Hit(
                    "nat", "ipsec_tunnel", tunnel,
                    "Traffic from %s to %s through IPsec tunnel %r (zone %s) meets source NAT rule %r before any NAT "
                    "rule without translation, so it leaves translated and the peer's proxy IDs or rules drop it"
                    % (local, remote, tunnel, zone, view["name"]),
                    {"source": local, "destination": remote, "to_zone": zone, "nat_rule": view["name"],
                     "nat_rule_to_zones": view.get("to_zones"), "nat_rule_source": view.get("source")},
                    "Add a NAT rule without translation from the internal zones to zone %s, source %s, destination %s, "
                    "above NAT rule %r (ipsec.panos.nat_exempt_rule places it there)" % (zone, local, remote, view["name"]),
                )
                break


def vpn_zones(config):
    """Return the zones of the audited vsys that hold tunnel interfaces of IPsec tunnels."""
    zones = {}
    for interface, tunnels in config.vpn_tunnel_interfaces().items():
        found = config.zone_of_interface.get(interface)
        if found and found[0] == config.scope.vsys:
            zones.setdefault(found[1], []).extend(tunnels)
    return zones


RULE_EVIDENCE = ("from_zones", "to_zones", "source", "destination", "application", "log_end", "log_setting", "profile_group")


def _allows(item):
    return item.get("action") == "allow" and not item.get("disabled")


@rule(
    "VPN-POL-004",
    "VPN zone without security rules, or with any-any, unscoped or unlogged rules",
    ("PANt",),
    {"no-rules": ("medium", "medium", "medium"), "loose-rule": ("medium", "medium", "medium")},
)
def vpn_security_rules(config):
    if not config.has_rulebase:
        return
    for zone, tunnels in sorted(vpn_zones(config).items()):
        touching = [
            item for item in config.security_rules
            if _allows(item) and (zone in (item.get("from_zones") or []) or zone in (item.get("to_zones") or []))
        ]
        if not touching:
            yield Hit(
                "no-rules", "zone", zone,
                "No enabled allow rule names VPN zone %r (IPsec tunnels %s), so traffic through the VPN is either dropped "
                "or allowed only by rules with zone any" % (zone, ", ".join(sorted(tunnels))),
                {"ipsec_tunnels": sorted(tunnels)},
                "Add security rules from the internal zones to %s and back, limited to the local and remote subnets "
                "(ipsec.panos.security_rule)" % zone,
            )
        for item in touching:
            problems = _loose(item, zone, config)
            if problems:
                yield Hit(
                    "loose-rule", "security_rule", item["name"],
                    "Security rule %r allows traffic of VPN zone %r but %s" % (item["name"], zone, "; ".join(problems)),
                    {key: item.get(key) for key in RULE_EVIDENCE},
                    "In security rule %r, limit source and destination to the VPN subnets, keep log_end true and set a "
                    "profile_group" % item["name"],
                )


def _loose(item, zone, config):
    problems = []
    source_any = (item.get("source") or [ANY]) == [ANY]
    destination_any = (item.get("destination") or [ANY]) == [ANY]
    if source_any and destination_any:
        problems.append("matches any source and any destination")
    elif zone in (item.get("from_zones") or []) and source_any:
        problems.append("takes any source from the VPN instead of the remote subnets")
    elif zone in (item.get("to_zones") or []) and destination_any:
        problems.append("allows any destination in the VPN instead of the remote subnets")
    if not item.get("log_end") and not item.get("log_start"):
        problems.append("logs nothing")
    element = config.security_elements.get(item["name"])
    profiles = element is not None and element.find("profile-setting/profiles") is not None
    if not item.get("profile_group") and not profiles:
        problems.append("applies no security profile")
    return problems


@rule(
    "VPN-POL-006",
    "No zone protection profile on the zone that terminates IKE",
    ("OPS",),
    {"no-zone-protection": ("low", "low", "low")},
)
def zone_protection(config):
    zones = {}
    for name in sorted(config.gateways):
        found = config.zone_of_interface.get(config.gateways[name].get("interface"))
        if found and found[0] == config.scope.vsys:
            zones.setdefault(found[1], []).append(name)
    for zone, gateways in sorted(zones.items()):
        if not (config.zones.get(zone) or {}).get("zone_protection_profile"):
            yield Hit(
                "no-zone-protection", "zone", zone,
                "Zone %r receives IKE for gateways %s but has no zone protection profile against floods and scans" % (zone, ", ".join(gateways)),
                {"zone_protection_profile": None, "ike_gateways": gateways},
                "Set zone_protection_profile of zone %r (ipsec.panos.zone)" % zone,
            )
