# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Redundant-path design: two route-based tunnels between the hub and every spoke, over two ISPs.

Every site has one or two ISP links. Path 1 joins the first link of each end and path 2 the
second link of each end. A site with a single link uses it for both paths. Both ends of both
paths come from the same inventory, so the hub's objects towards a spoke always mirror the
spoke's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

try:
    import netaddr
except ImportError:  # pragma: no cover - reported by the filter when used
    netaddr = None


class DesignError(ValueError):
    """The inventory cannot describe a valid redundant-path VPN."""


DEFAULT_SETTINGS = {
    "tunnel_pool": "169.254.120.0/22",
    "tunnel_base": 1000,
    # Below 1500 so an encrypted full-size packet still fits a 1500-byte path.
    "tunnel_mtu": 1400,
    "zone": "vpn",
    "virtual_router": "default",
    "ike_version": "ikev2",
    "monitor_profile": "redundant-path-failover",
    "monitor_interval": 3,
    "monitor_threshold": 5,
    "primary_metric": 10,
    "backup_metric": 20,
    "ecmp": False,
    "path_monitor_interval": 3,
    "path_monitor_count": 5,
    "path_monitor_hold_time": 2,
    "management_profile": None,
}

SECTIONS = (
    "ike_crypto_profiles",
    "ipsec_crypto_profiles",
    "tunnel_monitor_profiles",
    "zones",
    "tunnel_interfaces",
    "ike_gateways",
    "ipsec_tunnels",
    "static_routes",
)
PATHS = (1, 2)
LINK_KEYS = ("name", "interface", "public_ip", "next_hop")
MAX_TUNNEL_UNIT = 9999
IKE_VERSIONS = ("ikev1", "ikev2", "ikev2-preferred")
HUB_GROUP_VARIABLE = "redundant_path_hub_group"
SPOKE_GROUP_VARIABLE = "redundant_path_spoke_group"


def role_variable(key):
    """Return the name of the redundant_path role variable that sets ``settings[key]``."""
    return "redundant_path_psk" if key == "pre_shared_key" else "redundant_path_" + key


# -- inventory checks ----------------------------------------------------------------


def _is_list(value):
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _ipv4_network(value, where):
    try:
        network = netaddr.IPNetwork(str(value))
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise DesignError("%s: %r is not a valid IPv4 address or prefix" % (where, value)) from None
    if network.version != 4:
        raise DesignError("%s: %s is an IPv6 address; this role builds IPv4 tunnels and routes only" % (where, value))
    return network


def _check_link(host, index, link):
    """Return one ISP link with its values checked and spelled canonically."""
    where = "%s: vpn_links[%d]" % (host, index)
    if not isinstance(link, Mapping):
        raise DesignError("%s must be a mapping with the keys %s, got %r" % (where, ", ".join(LINK_KEYS), link))
    unknown = sorted(str(key) for key in link if key not in LINK_KEYS)
    if unknown:
        raise DesignError("%s: unknown key %s; the allowed keys are %s" % (where, ", ".join(unknown), ", ".join(LINK_KEYS)))
    for key in ("interface", "public_ip", "next_hop"):
        if not link.get(key):
            raise DesignError("%s.%s is missing" % (where, key))

    public_ip = str(link["public_ip"])
    if "/" not in public_ip:
        raise DesignError(
            "%s.public_ip: %s has no prefix length; give the address as configured on %s, such as %s/24"
            % (where, public_ip, link["interface"], public_ip)
        )
    interface_address = _ipv4_network(public_ip, "%s.public_ip" % where)
    if interface_address.prefixlen <= 30 and interface_address.ip in (interface_address.network, interface_address.broadcast):
        raise DesignError(
            "%s.public_ip: %s is the network or broadcast address of its subnet, not a host address" % (where, public_ip)
        )

    next_hop = _ipv4_network(link["next_hop"], "%s.next_hop" % where)
    if next_hop.prefixlen != 32 or "/" in str(link["next_hop"]):
        raise DesignError("%s.next_hop: %s must be a single address without prefix length, such as 198.51.100.254" % (where, link["next_hop"]))
    if next_hop.ip == interface_address.ip:
        raise DesignError("%s.next_hop: %s is the link's own public_ip; give the ISP router's address" % (where, next_hop.ip))
    if interface_address.prefixlen < 32 and next_hop.ip not in interface_address:
        raise DesignError(
            "%s.next_hop: %s is outside the subnet %s of public_ip %s, so the firewall cannot reach it"
            % (where, next_hop.ip, interface_address.cidr, public_ip)
        )

    return {
        "name": str(link.get("name") or "link%d" % (index + 1)),
        "interface": str(link["interface"]),
        "public_ip": "%s/%d" % (interface_address.ip, interface_address.prefixlen),
        "address": str(interface_address.ip),
        "next_hop": str(next_hop.ip),
    }


def _check_links(host, links):
    if links is None:
        raise DesignError(
            "%s: vpn_links is missing; list one or two ISP links, such as "
            "[{name: isp1, interface: ethernet1/1, public_ip: 198.51.100.1/24, next_hop: 198.51.100.254}]" % host
        )
    if not _is_list(links) or not links:
        raise DesignError("%s: vpn_links must be a list of one or two ISP links, got %r" % (host, links))
    if len(links) > len(PATHS):
        raise DesignError("%s: vpn_links has %d links; at most %d are supported, one per path" % (host, len(links), len(PATHS)))
    checked = [_check_link(host, index, link) for index, link in enumerate(links)]
    if len(checked) == 2 and checked[0]["address"] == checked[1]["address"]:
        raise DesignError(
            "%s: vpn_links[1].public_ip: %s is also the address of vpn_links[0]; the two links need two addresses" % (host, checked[1]["address"])
        )
    return checked


def _check_networks(host, networks):
    if not networks:
        raise DesignError("%s: vpn_networks is missing; list the prefixes behind this site, such as [10.1.0.0/16]" % host)
    if not _is_list(networks):
        raise DesignError("%s: vpn_networks must be a list of prefixes, got %r" % (host, networks))
    checked = []
    for index, prefix in enumerate(networks):
        where = "%s: vpn_networks[%d]" % (host, index)
        network = _ipv4_network(prefix, where)
        if "/" not in str(prefix):
            # netaddr reads a bare address as a /32, which would route one address instead of a network.
            raise DesignError(
                "%s: %s has no prefix length; write %s or %s/32" % (where, prefix, netaddr.IPNetwork("%s/24" % network.ip).cidr, network.ip)
            )
        if network.ip != network.network:
            raise DesignError("%s: %s has host bits set; did you mean %s/%d?" % (where, prefix, network.network, network.prefixlen))
        if str(network.cidr) in checked:
            raise DesignError("%s: %s is also vpn_networks[%d]; list each network once" % (where, network.cidr, checked.index(str(network.cidr))))
        checked.append(str(network.cidr))
    return checked


def _check_network_overlaps(checked, names, pool):
    """Reject a network of one site that overlaps a network of another site, or the tunnel pool.

    The hub routes each spoke's networks into that spoke's tunnels, and every spoke routes the
    hub's networks into its own, so two sites that share addresses make one of them unreachable.
    """
    seen = []
    for name in names:
        for index, prefix in enumerate(checked[name]["networks"]):
            network = netaddr.IPNetwork(prefix)
            where = "%s: vpn_networks[%d]" % (name, index)
            if network.first <= pool.last and pool.first <= network.last:
                raise DesignError(
                    "%s: %s overlaps %s %s, which contains the tunnel addresses; choose another pool or network"
                    % (where, prefix, role_variable("tunnel_pool"), pool)
                )
            for other_network, other_name, other_index in seen:
                if other_name != name and network.first <= other_network.last and other_network.first <= network.last:
                    raise DesignError(
                        "%s: %s overlaps %s in vpn_networks[%d] of %s; every site needs networks of its own, "
                        "because each site's networks are routed into that site's tunnels"
                        % (where, prefix, other_network, other_index, other_name)
                    )
            seen.append((network, name, index))


def _check_spoke_ids(sites, spokes):
    seen = {}
    for name in spokes:
        spoke_id = sites[name].get("spoke_id")
        if spoke_id is None:
            raise DesignError("%s: vpn_spoke_id is missing; give every spoke a unique whole number from 1" % name)
        if not isinstance(spoke_id, int) or isinstance(spoke_id, bool) or spoke_id < 1:
            raise DesignError("%s: vpn_spoke_id must be a whole number from 1, got %r" % (name, spoke_id))
        if spoke_id in seen:
            raise DesignError("%s: vpn_spoke_id %d is already used by %s" % (name, spoke_id, seen[spoke_id]))
        seen[spoke_id] = name


def _check_sites(sites, settings, pool):
    """Check every site, whichever device is planned, and return (hub, spokes sorted by spoke ID, {name: checked site}).

    Every firewall plans before any firewall writes, so each plan checks the whole inventory:
    a fault in one spoke fails every firewall's plan, not only the plans that use that spoke.
    """
    hubs = sorted(name for name, site in sites.items() if site.get("role") == "hub")
    spokes = [name for name, site in sites.items() if site.get("role") == "spoke"]
    if len(hubs) != 1:
        raise DesignError(
            "the hub group (%s) must contain exactly one host; found %d (%s)" % (HUB_GROUP_VARIABLE, len(hubs), ", ".join(hubs) or "none")
        )
    if not spokes:
        raise DesignError("the spoke group (%s) contains no host" % SPOKE_GROUP_VARIABLE)
    _check_spoke_ids(sites, spokes)
    spokes = sorted(spokes, key=lambda n: sites[n]["spoke_id"])

    checked = {}
    owners = {}
    for name in hubs + spokes:
        site = sites[name]
        links = _check_links(name, site.get("links"))
        for index, link in enumerate(links):
            if link["address"] in owners:
                raise DesignError(
                    "%s: vpn_links[%d].public_ip: %s is also used by %s; every link needs its own public address"
                    % (name, index, link["address"], owners[link["address"]])
                )
            owners[link["address"]] = name
        checked[name] = {
            "role": site["role"],
            "links": links,
            "networks": _check_networks(name, site.get("networks")),
            "spoke_id": site.get("spoke_id"),
        }
    _check_network_overlaps(checked, hubs + spokes, pool)

    hub = hubs[0]
    for name in spokes:
        if len(checked[name]["links"]) == 1 and len(checked[hub]["links"]) == 1:
            raise DesignError(
                "%s: vpn_links has one link, and so has the hub %s, which gives only one path; give the spoke or "
                "the hub a second link (the hub_and_spoke role builds single-path VPNs)" % (name, hub)
            )
        checked[name]["pre_shared_key"] = _spoke_key(name, sites[name], settings)
        checked[name]["paths"] = {path: _path_numbers(settings, pool, name, checked[name]["spoke_id"], path) for path in PATHS}
    return hub, spokes, checked


def _spoke_key(name, site, settings):
    """Return the pre-shared key of a spoke's tunnels: its own vpn_pre_shared_key, else redundant_path_psk."""
    psk = site.get("pre_shared_key") or settings.get("pre_shared_key")
    if not psk:
        raise DesignError(
            "%s: no pre-shared key; set %s (the example inventory reads it from IPSEC_PSK), which must not be empty, "
            "or the spoke's vpn_pre_shared_key host variable" % (name, role_variable("pre_shared_key"))
        )
    return psk


def _check_whole_number(settings, key, low, high):
    value = settings[key]
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise DesignError("%s must be a whole number from %d to %d, got %r" % (role_variable(key), low, high, value))


def _check_settings(settings):
    for required in ("ike_profile", "ipsec_profile"):
        if not isinstance(settings.get(required), Mapping) or not settings[required].get("name"):
            raise DesignError("%s.name is missing; name the crypto profile" % role_variable(required))
    if not settings.get("monitor_profile"):
        raise DesignError("%s is missing; name the tunnel monitor profile" % role_variable("monitor_profile"))
    if settings["ike_version"] not in IKE_VERSIONS:
        raise DesignError("%s must be one of %s, got %r" % (role_variable("ike_version"), ", ".join(IKE_VERSIONS), settings["ike_version"]))
    _check_whole_number(settings, "tunnel_base", 0, MAX_TUNNEL_UNIT - 1)
    for key in ("primary_metric", "backup_metric"):
        _check_whole_number(settings, key, 1, 65535)
    if not settings["ecmp"] and settings["primary_metric"] >= settings["backup_metric"]:
        raise DesignError(
            "%s (%d) must be lower than %s (%d), so that path 2 carries traffic only while path 1 is down; "
            "set %s to use both paths at once"
            % (
                role_variable("primary_metric"),
                settings["primary_metric"],
                role_variable("backup_metric"),
                settings["backup_metric"],
                role_variable("ecmp"),
            )
        )
    excluded = settings.get("exclude") or []
    if not _is_list(excluded):
        raise DesignError("%s must be a list of inventory hostnames, got %r" % (role_variable("exclude"), excluded))


def _check_pool(settings):
    """Return the tunnel pool as an IPv4 network that can hold /30 subnets."""
    variable = role_variable("tunnel_pool")
    value = settings["tunnel_pool"]
    try:
        pool = netaddr.IPNetwork(str(value))
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise DesignError("%s: %r is not a valid IPv4 prefix, such as 169.254.120.0/22" % (variable, value)) from None
    if pool.version != 4:
        raise DesignError("%s: %s is an IPv6 prefix; only IPv4 pools are supported, because every path takes an IPv4 /30 subnet" % (variable, value))
    if "/" not in str(value):
        raise DesignError("%s: %s has no prefix length; write the pool with its length, such as %s/22" % (variable, value, pool.ip))
    if pool.ip != pool.network or pool.prefixlen > 29:
        raise DesignError("%s: %s must be a prefix of length /29 or shorter, with no host bits set" % (variable, value))
    return pool


# -- numbering -----------------------------------------------------------------------


def _path_numbers(settings, pool, spoke, spoke_id, path):
    """Return the tunnel unit and the hub and spoke tunnel addresses of one path of a spoke.

    Path P of spoke N uses tunnel.<tunnel_base + 10 x N + P>, and the (2(N - 1) + P)th /30
    subnet of the pool, so adding or leaving out a spoke never renumbers another. The hub
    takes the first address of the /30 and the spoke the second.
    """
    unit = settings["tunnel_base"] + 10 * spoke_id + path
    if unit > MAX_TUNNEL_UNIT:
        raise DesignError(
            "%s: vpn_spoke_id %d gives tunnel.%d (%s %d + 10 x spoke ID + path), above the maximum tunnel.%d; "
            "use a smaller vpn_spoke_id or %s"
            % (spoke, spoke_id, unit, role_variable("tunnel_base"), settings["tunnel_base"], MAX_TUNNEL_UNIT, role_variable("tunnel_base"))
        )
    first = pool.first + 4 * (2 * (spoke_id - 1) + path - 1)
    if first + 3 > pool.last:
        raise DesignError(
            "%s: vpn_spoke_id %d is outside %s %s, which contains two /30 subnets for each spoke ID from 1 to %d only; "
            "use a larger pool or a smaller spoke ID" % (spoke, spoke_id, role_variable("tunnel_pool"), pool, pool.size // 8)
        )
    return {
        "unit": "tunnel.%d" % unit,
        "hub_tunnel": "%s/30" % netaddr.IPAddress(first + 1),
        "spoke_tunnel": "%s/30" % netaddr.IPAddress(first + 2),
    }


def _address_only(interface_address):
    return interface_address.split("/", 1)[0]


def _path_links(hub_site, spoke_site, path):
    """Return (hub link, spoke link) of a path. A site with one link uses it for both paths."""
    hub_links, spoke_links = hub_site["links"], spoke_site["links"]
    return hub_links[min(path, len(hub_links)) - 1], spoke_links[min(path, len(spoke_links)) - 1]


# -- objects of one end of one path -------------------------------------------------


def _route_metric(settings, path):
    return settings["primary_metric"] if path == 1 or settings["ecmp"] else settings["backup_metric"]


def _path_monitor(settings, local_tunnel, peer_tunnel):
    """Return the path monitoring that withdraws a route while the far tunnel address gets no ping replies."""
    return {
        "enable": True,
        "failure_condition": "any",
        "hold_time": settings["path_monitor_hold_time"],
        "destinations": [
            {
                "name": "peer-tunnel",
                "source": _address_only(local_tunnel),
                "destination": _address_only(peer_tunnel),
                "interval": settings["path_monitor_interval"],
                "count": settings["path_monitor_count"],
            }
        ],
    }


def _path_objects(settings, end, path):
    """Build the gateway, tunnel interface, IPsec tunnel and routes of one end of one path.

    ``end`` describes this end: its peer's name, local and peer link, tunnel unit, local and
    peer tunnel address, the peer's networks, the pre-shared key and whether it is passive.
    """
    peer, local_link, peer_link = end["peer"], end["local_link"], end["peer_link"]
    suffix = "%s-p%d" % (peer, path)
    description = "path %d to %s, %s to %s" % (path, peer, local_link["name"], peer_link["name"])

    gateway = {
        "name": "gw-%s" % suffix,
        "version": settings["ike_version"],
        "interface": local_link["interface"],
        "local_ip": local_link["public_ip"],
        "peer_address": peer_link["address"],
        "pre_shared_key": end["pre_shared_key"],
        "ike_crypto_profile": settings["ike_profile"]["name"],
        "passive_mode": end["passive"],
        "comment": description,
    }
    # Set explicitly, so that switching ike_version turns the new version's peer check back on. Only the
    # options of the versions in use are set, because the vpn module warns about the others.
    if settings["ike_version"] != "ikev1":
        gateway["liveness_check"] = True
    if settings["ike_version"] != "ikev2":
        gateway["dpd"] = True
    interface = {
        "name": end["unit"],
        "ip": [end["local_tunnel"]],
        "zone": settings["zone"],
        "virtual_router": settings["virtual_router"],
        "comment": description,
    }
    if settings.get("management_profile"):
        interface["management_profile"] = settings["management_profile"]
    if settings.get("tunnel_mtu"):
        interface["mtu"] = int(settings["tunnel_mtu"])
    tunnel = {
        "name": "vpn-%s" % suffix,
        "tunnel_interface": end["unit"],
        "ike_gateway": gateway["name"],
        "ipsec_crypto_profile": settings["ipsec_profile"]["name"],
        "tunnel_monitor": {
            "enable": True,
            "destination_ip": _address_only(end["peer_tunnel"]),
            "profile": settings["monitor_profile"],
        },
        "comment": "redundant " + description,
    }

    metric = _route_metric(settings, path)
    monitored = path == 1 or settings["ecmp"]
    routes = []
    for index, network in enumerate(end["peer_networks"], start=1):
        route = {"name": "vpn-%s-%d" % (suffix, index), "destination": network, "interface": end["unit"], "metric": metric}
        # A floating route sets enable: false, so turning ecmp off also turns its monitoring off.
        route["path_monitor"] = _path_monitor(settings, end["local_tunnel"], end["peer_tunnel"]) if monitored else {"enable": False}
        routes.append(route)
    # IKE and ESP of this path must leave through this path's ISP, from the address the peer expects.
    routes.append(
        {
            "name": "ike-%s" % suffix,
            "destination": "%s/32" % peer_link["address"],
            "interface": local_link["interface"],
            "nexthop_type": "ip-address",
            "nexthop": local_link["next_hop"],
            "metric": metric,
        }
    )
    return gateway, interface, tunnel, routes


# -- the plan ------------------------------------------------------------------------


def empty_plan(settings, role=None):
    """Return a plan with no objects, for a device that is left out of the VPN."""
    return {
        "role": role,
        "virtual_router": settings.get("virtual_router") or DEFAULT_SETTINGS["virtual_router"],
        "config": {section: [] for section in SECTIONS},
        "tunnel_count": 0,
        "ecmp": bool(settings.get("ecmp")),
        "tunnels": [],
    }


def _shared_objects(settings):
    return {
        "ike_crypto_profiles": [dict(settings["ike_profile"])],
        "ipsec_crypto_profiles": [dict(settings["ipsec_profile"])],
        "tunnel_monitor_profiles": [
            {
                "name": settings["monitor_profile"],
                "action": "fail-over",
                "interval": settings["monitor_interval"],
                "threshold": settings["monitor_threshold"],
            }
        ],
        "zones": [{"name": settings["zone"]}],
        "tunnel_interfaces": [],
        "ike_gateways": [],
        "ipsec_tunnels": [],
        "static_routes": [],
    }


def _ends(settings, sites, hub, spoke, device):
    """Yield, for each path between ``hub`` and ``spoke``, the description of ``device``'s end."""
    hub_site, spoke_site = sites[hub], sites[spoke]
    on_hub = device == hub
    for path in PATHS:
        hub_link, spoke_link = _path_links(hub_site, spoke_site, path)
        numbers = spoke_site["paths"][path]
        yield path, {
            "peer": spoke if on_hub else hub,
            "local_link": hub_link if on_hub else spoke_link,
            "peer_link": spoke_link if on_hub else hub_link,
            "unit": numbers["unit"],
            "local_tunnel": numbers["hub_tunnel"] if on_hub else numbers["spoke_tunnel"],
            "peer_tunnel": numbers["spoke_tunnel"] if on_hub else numbers["hub_tunnel"],
            "peer_networks": spoke_site["networks"] if on_hub else hub_site["networks"],
            "pre_shared_key": spoke_site["pre_shared_key"],
            "passive": on_hub,
        }


def plan_device(sites, device, settings):
    """Plan the objects ``device`` needs as its part of the redundant-path VPN.

    ``sites`` maps inventory hostnames to ``role`` (hub or spoke), ``links``, ``networks``,
    ``spoke_id`` and ``pre_shared_key``, the values of the host variables ``vpn_links``,
    ``vpn_networks``, ``vpn_spoke_id`` and ``vpn_pre_shared_key``. ``plan["config"]`` takes
    the form of the vpn module's ``config``. Sites named in ``settings["exclude"]`` are planned
    as if they were not in the inventory, so a device left without a tunnel (an excluded
    spoke, or every device once the hub is excluded) gets a plan with every list empty.
    """
    settings = dict(DEFAULT_SETTINGS, **{key: value for key, value in (settings or {}).items() if value is not None})
    if netaddr is None:
        raise DesignError("the Python library netaddr is required on the controller")
    _check_settings(settings)
    hub, spokes, checked = _check_sites(sites, settings, _check_pool(settings))
    if device not in sites:
        raise DesignError("%s is not one of the sites (%s)" % (device, ", ".join(sorted(sites))))
    excluded = set(settings.get("exclude") or [])
    unknown = sorted(str(name) for name in excluded - set(sites))
    if unknown:
        raise DesignError(
            "%s names %s, which %s not one of the sites (%s)"
            % (role_variable("exclude"), ", ".join(unknown), "is" if len(unknown) == 1 else "are", ", ".join(sorted(sites)))
        )

    role = checked[device]["role"]
    kept_spokes = [name for name in spokes if name not in excluded]
    if device in excluded or hub in excluded or not kept_spokes:
        return empty_plan(settings, role)

    config = _shared_objects(settings)
    tunnels = []
    for spoke in kept_spokes if device == hub else [device]:
        for path, end in _ends(settings, checked, hub, spoke, device):
            gateway, interface, tunnel, routes = _path_objects(settings, end, path)
            config["ike_gateways"].append(gateway)
            config["tunnel_interfaces"].append(interface)
            config["ipsec_tunnels"].append(tunnel)
            config["static_routes"].extend(routes)
            tunnels.append(
                {
                    "peer": end["peer"],
                    "path": path,
                    "ipsec_tunnel": tunnel["name"],
                    "tunnel_interface": end["unit"],
                    "local_interface": end["local_link"]["interface"],
                    "local_address": end["local_link"]["address"],
                    "peer_address": end["peer_link"]["address"],
                    "local_tunnel_address": end["local_tunnel"],
                    "peer_tunnel_address": end["peer_tunnel"],
                    "metric": _route_metric(settings, path),
                }
            )

    return {
        "role": role,
        "virtual_router": settings["virtual_router"],
        "config": config,
        "tunnel_count": len(config["ipsec_tunnels"]),
        "ecmp": bool(settings["ecmp"]),
        "tunnels": tunnels,
    }
