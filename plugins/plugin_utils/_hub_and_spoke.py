# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Hub-and-spoke design: turn the inventory's sites into each device's VPN objects.

Both ends of every tunnel come from the same data, so the hub's gateway, tunnel and
proxy IDs towards a spoke always mirror the spoke's own.
"""

from __future__ import annotations

try:
    import netaddr
except ImportError:  # pragma: no cover - reported by the filter when used
    netaddr = None


class DesignError(ValueError):
    """The inventory cannot describe a valid hub-and-spoke VPN."""


DEFAULT_SETTINGS = {
    "tunnel_pool": "169.254.100.0/24",
    "tunnel_base": 100,
    "zone": "vpn",
    "virtual_router": "default",
    "interface": "ethernet1/1",
    "ike_version": "ikev2",
    "proxy_ids": False,
    "spoke_to_spoke": True,
    # Below 1500 so an encrypted full-size packet still fits a 1500-byte path.
    "tunnel_mtu": 1400,
}


def _network(value, where):
    try:
        return netaddr.IPNetwork(str(value))
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise DesignError("%s: %r is not a valid address or prefix" % (where, value)) from None


def _sites(sites):
    """Check the sites and return (hub_name, [spoke names sorted by spoke_id])."""
    if netaddr is None:
        raise DesignError("the Python library netaddr is required on the controller")
    hubs = [name for name, site in sites.items() if site.get("role") == "hub"]
    spokes = [name for name, site in sites.items() if site.get("role") == "spoke"]
    if len(hubs) != 1:
        raise DesignError("exactly one site must be in the hub group; found %d (%s)" % (len(hubs), ", ".join(sorted(hubs)) or "none"))
    if not spokes:
        raise DesignError("the spoke group has no hosts")

    seen = {}
    for name in spokes:
        spoke_id = sites[name].get("spoke_id")
        if not isinstance(spoke_id, int) or isinstance(spoke_id, bool) or spoke_id < 1:
            raise DesignError("%s: vpn_spoke_id must be a whole number from 1, got %r" % (name, spoke_id))
        if spoke_id in seen:
            raise DesignError("%s: vpn_spoke_id %d is already used by %s" % (name, spoke_id, seen[spoke_id]))
        seen[spoke_id] = name

    addresses = {}
    owners = []
    for name in hubs + spokes:
        site = sites[name]
        if not site.get("public_ip"):
            raise DesignError("%s: vpn_public_ip is missing" % name)
        address = _network(site["public_ip"], "%s: vpn_public_ip" % name)
        if address.version != 4:
            raise DesignError("%s: vpn_public_ip %s is not an IPv4 address; the VPN runs over IPv4" % (name, site["public_ip"]))
        if address.ip in addresses:
            raise DesignError("%s: vpn_public_ip %s is already the address of %s" % (name, address.ip, addresses[address.ip]))
        addresses[address.ip] = name
        networks = site.get("networks") or []
        if name in spokes and not networks:
            raise DesignError("%s: vpn_networks is missing or empty; a spoke needs the prefixes behind it" % name)
        for index, prefix in enumerate(networks):
            where = "%s: vpn_networks[%d]" % (name, index)
            if "/" not in str(prefix):
                raise DesignError("%s: %s has no prefix length; write %s/24 or %s/32" % (where, prefix, prefix, prefix))
            network = _network(prefix, where)
            if network.ip != network.network:
                raise DesignError("%s: %s has host bits set; did you mean %s/%d?" % (where, prefix, network.network, network.prefixlen))
            for other, other_network in owners:
                if network in other_network or other_network in network:
                    raise DesignError("%s: %s overlaps %s of %s; each site's networks must be its own" % (where, prefix, other_network, other))
            owners.append((name, network))
    return hubs[0], sorted(spokes, key=lambda n: sites[n]["spoke_id"])


def _check_settings(sites, spokes, settings):
    """Check what every spoke's tunnel needs, so every host rejects a bad inventory before any host writes."""
    pool = _network(settings["tunnel_pool"], "hub_and_spoke_tunnel_pool")
    if pool.version != 4:
        raise DesignError("hub_and_spoke_tunnel_pool %s is not an IPv4 prefix; tunnel addresses are IPv4 /30s" % settings["tunnel_pool"])
    for name in spokes:
        spoke_id = sites[name]["spoke_id"]
        _tunnel_addresses(settings["tunnel_pool"], spoke_id)
        number = int(settings["tunnel_base"]) + spoke_id
        if not 1 <= number <= 9999:
            raise DesignError(
                "%s: hub_and_spoke_tunnel_base %s plus vpn_spoke_id %d gives tunnel.%d; tunnel numbers run from 1 to 9999"
                % (name, settings["tunnel_base"], spoke_id, number)
            )
        if not (sites[name].get("pre_shared_key") or settings.get("pre_shared_key")):
            raise DesignError(
                "%s: no pre-shared key; set hub_and_spoke_psk (the demo inventory reads it from IPSEC_PSK) "
                "or the spoke's vpn_pre_shared_key host variable" % name
            )


def _tunnel_addresses(pool, spoke_id):
    """Return (hub address, spoke address) of the /30 for this spoke, both with /30."""
    network = _network(pool, "hub_and_spoke_tunnel_pool")
    first = network.first + 4 * spoke_id
    if first + 3 > network.last:
        raise DesignError(
            "hub_and_spoke_tunnel_pool %s has no room for vpn_spoke_id %d; it has /30 subnets for vpn_spoke_id 1 to %d only"
            % (pool, spoke_id, network.size // 4 - 1)
        )
    hub = netaddr.IPAddress(first + 1, network.version)
    spoke = netaddr.IPAddress(first + 2, network.version)
    return "%s/30" % hub, "%s/30" % spoke


def _address_only(value):
    return str(netaddr.IPNetwork(str(value)).ip)


def _local_ip(value):
    """Return the gateway's local address as configured on the interface, or None without a prefix."""
    return str(value) if "/" in str(value) else None


def _proxy_ids(local_networks, remote_networks):
    """Return one proxy ID per pair of networks, named after the two route suffixes so names stay stable."""
    return [
        {"name": "p%s_%s" % (local_suffix, remote_suffix), "local": str(local), "remote": str(remote), "protocol": "any"}
        for local_suffix, local in local_networks
        for remote_suffix, remote in remote_networks
    ]


def _reachable_through_hub(sites, hub, spokes, spoke, spoke_to_spoke):
    """Return (route suffix, network) pairs a spoke reaches through its tunnel.

    These are the hub's networks, and the other spokes' when spoke_to_spoke is on. The suffix
    names each route after the site the network belongs to ("2" for the hub's second network,
    "s3-1" for spoke 3's first), so adding or removing a spoke never renames another route.
    """
    networks = [(str(index), network) for index, network in enumerate(sites[hub].get("networks") or [], start=1)]
    if spoke_to_spoke:
        for other in spokes:
            if other != spoke:
                spoke_id = sites[other]["spoke_id"]
                networks.extend(
                    ("s%d-%d" % (spoke_id, index), network)
                    for index, network in enumerate(sites[other].get("networks") or [], start=1)
                )
    return networks


def _numbered(networks):
    return [(str(index), network) for index, network in enumerate(networks, start=1)]


def _tunnel_objects(settings, local_site, local_name, peer_site, peer_name, tunnel, address, psk, passive, local_nets, remote_nets):
    """Build the gateway, tunnel, tunnel interface and routes of one end of one tunnel.

    ``local_nets`` and ``remote_nets`` are (route suffix, network) pairs.
    """
    gateway = {
        "name": "gw-%s" % peer_name,
        "version": settings["ike_version"],
        "interface": settings["interface"],
        "peer_address": _address_only(peer_site["public_ip"]),
        "pre_shared_key": psk,
        "ike_crypto_profile": settings["ike_profile"]["name"],
        "passive_mode": passive,
    }
    # Stated, not left to defaults, so switching ike_version back and forth converges.
    if settings["ike_version"] in ("ikev1", "ikev2-preferred"):
        gateway["dpd"] = True
    if settings["ike_version"] in ("ikev2", "ikev2-preferred"):
        gateway["liveness_check"] = True
    local_ip = _local_ip(local_site["public_ip"])
    if local_ip:
        gateway["local_ip"] = local_ip

    ipsec_tunnel = {
        "name": "vpn-%s" % peer_name,
        "tunnel_interface": tunnel,
        "ike_gateway": gateway["name"],
        "ipsec_crypto_profile": settings["ipsec_profile"]["name"],
        "comment": "hub-and-spoke tunnel %s to %s" % (local_name, peer_name),
    }
    if settings["proxy_ids"]:
        ipsec_tunnel["proxy_ids"] = _proxy_ids(local_nets, remote_nets)

    interface = {
        "name": tunnel,
        "ip": [address],
        "zone": settings["zone"],
        "virtual_router": settings["virtual_router"],
        "comment": "to %s" % peer_name,
    }
    if settings.get("tunnel_mtu"):
        interface["mtu"] = int(settings["tunnel_mtu"])
    routes = [
        {"name": "vpn-%s-%s" % (peer_name, suffix), "destination": str(network), "interface": tunnel}
        for suffix, network in remote_nets
    ]
    return gateway, ipsec_tunnel, interface, routes


SECTIONS = ("ike_crypto_profiles", "ipsec_crypto_profiles", "zones", "tunnel_interfaces", "ike_gateways", "ipsec_tunnels", "static_routes")


def empty_plan(settings, role=None):
    """Return a plan with no objects, which is what a device keeps of the VPN once it is left out."""
    return {
        "role": role,
        "virtual_router": settings.get("virtual_router", DEFAULT_SETTINGS["virtual_router"]),
        "config": {section: [] for section in SECTIONS},
        "tunnel_count": 0,
    }


def plan_device(sites, device, settings):
    """Return the objects ``device`` needs as its part of the hub-and-spoke VPN.

    ``plan["config"]`` takes the form of the vpn module's ``config``. Sites named in
    ``settings["exclude"]`` are planned as if they were not in the inventory, so a device
    left without a tunnel (an excluded spoke, or every device once the hub is excluded) gets
    an empty plan.
    """
    settings = dict(DEFAULT_SETTINGS, **{k: v for k, v in (settings or {}).items() if v is not None})
    for required in ("ike_profile", "ipsec_profile"):
        if not settings.get(required) or not settings[required].get("name"):
            raise DesignError("hub_and_spoke_%s.name is missing" % required)
    _hub, every_spoke = _sites(sites)
    _check_settings(sites, every_spoke, settings)
    if device not in sites:
        raise DesignError("%s is not one of the sites (%s)" % (device, ", ".join(sorted(sites))))
    excluded = set(settings.get("exclude") or [])
    unknown = sorted(excluded - set(sites))
    if unknown:
        raise DesignError(
            "%s %s not in the inventory (%s); check the sites to leave out (decommission_sites or hub_and_spoke_exclude)"
            % (", ".join(unknown), "is" if len(unknown) == 1 else "are", ", ".join(sorted(sites)))
        )
    role = sites[device].get("role")
    kept = {name: site for name, site in sites.items() if name not in excluded}
    hubs = [name for name, site in sites.items() if site.get("role") == "hub"]
    no_spoke_left = not any(site.get("role") == "spoke" for site in kept.values())
    if device in excluded or any(hub in excluded for hub in hubs) or no_spoke_left:
        return empty_plan(settings, role)
    hub, spokes = _sites(kept)

    config = {
        "ike_crypto_profiles": [dict(settings["ike_profile"])],
        "ipsec_crypto_profiles": [dict(settings["ipsec_profile"])],
        "zones": [{"name": settings["zone"]}],
        "tunnel_interfaces": [],
        "ike_gateways": [],
        "ipsec_tunnels": [],
        "static_routes": [],
    }
    peers = spokes if device == hub else [device]
    for spoke in peers:
        spoke_site = kept[spoke]
        psk = spoke_site.get("pre_shared_key") or settings.get("pre_shared_key")
        if not psk:
            raise DesignError(
                "%s: no pre-shared key; set hub_and_spoke_psk (the demo inventory reads it from IPSEC_PSK) "
                "or the spoke's vpn_pre_shared_key host variable" % spoke
            )
        tunnel = "tunnel.%d" % (int(settings["tunnel_base"]) + spoke_site["spoke_id"])
        hub_address, spoke_address = _tunnel_addresses(settings["tunnel_pool"], spoke_site["spoke_id"])
        beyond_hub = _reachable_through_hub(kept, hub, spokes, spoke, settings["spoke_to_spoke"])
        spoke_networks = _numbered(spoke_site.get("networks") or [])

        if device == hub:
            objects = _tunnel_objects(
                settings, kept[hub], hub, spoke_site, spoke, tunnel, hub_address, psk, True, beyond_hub, spoke_networks
            )
        else:
            objects = _tunnel_objects(
                settings, spoke_site, spoke, kept[hub], hub, tunnel, spoke_address, psk, False, spoke_networks, beyond_hub
            )
        gateway, ipsec_tunnel, interface, routes = objects
        config["ike_gateways"].append(gateway)
        config["ipsec_tunnels"].append(ipsec_tunnel)
        config["tunnel_interfaces"].append(interface)
        config["static_routes"].extend(routes)

    return {
        "role": role,
        "virtual_router": settings["virtual_router"],
        "config": config,
        "tunnel_count": len(config["ipsec_tunnels"]),
    }
