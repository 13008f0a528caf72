# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tunnel ends to rehearse, from a device, a configuration file, a role's plan or a declared peer.

Every form ends in ``_peer_check.ends_from_config`` (or the declared-peer builder), so the
rehearsal reads configurations exactly as vpn_peer_check does. Each end also gets the names
of its crypto profiles (``ike_profile``, ``ipsec_profile``) for the messages, its IKEv1
``exchange_mode``, and ``routed``: the networks its static routes send into the tunnel.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible_collections.ipsec.panos.plugins.module_utils import _declared_peer as declared_peer
from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _peer_check as peer_check
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext

# Module defaults of the vpn module's gateway options, which a role's plan may leave out.
PLAN_GATEWAY_DEFAULTS = {"version": "ikev2", "liveness_check": True, "dpd": True}


def _annotate(ends, objects, routes):
    """Add profile names, exchange mode and routed networks to each end."""
    gateways = objects.get("ike_gateways", {})
    tunnels = objects.get("ipsec_tunnels", {})
    for end in ends:
        gateway = gateways.get(end.gateway) or {}
        tunnel = tunnels.get(end.tunnel) or {}
        end.ike_profile = gateway.get("ike_crypto_profile") or "default"
        end.ipsec_profile = tunnel.get("ipsec_crypto_profile") or "default"
        end.exchange_mode = gateway.get("exchange_mode")
        end.routed = sorted(destination for destination, interface in routes if interface and interface == tunnel.get("tunnel_interface"))
    return ends


def ends_from_plan(label, config):
    """Return the ends of a role's plan (the vpn module's ``config``), which carries keys in clear."""
    objects = {}
    for section, _cls in peer_check.RESOURCES:
        items = {}
        for item in config.get(section) or []:
            if section == "ike_gateways":
                item = dict(PLAN_GATEWAY_DEFAULTS, **{k: v for k, v in item.items() if v is not None})
            items[item["name"]] = item
        objects[section] = items
    routes = [(route.get("destination"), route.get("interface")) for route in config.get("static_routes") or []]
    return _annotate(peer_check.ends_from_config(label, objects), objects, routes)


def _routes(config_root):
    routes = []
    for entry in config_root.iter("static-route"):
        for route in entry.findall("entry"):
            routes.append((route.findtext("destination"), route.findtext("interface")))
    return routes


def ends_from_root(label, root, context, vsys):
    objects, addresses = peer_check.objects_from_config(root, engine.Scope(vsys=vsys or "vsys1"), context)
    return _annotate(peer_check.ends_from_config(label, objects, addresses), objects, _routes(root))


def ends_from_text(label, text, vsys, option):
    root = engine.config_from_text(text, option)
    return ends_from_root(label, root, RenderContext(engine.parse_version("10.2.0")), vsys)


def ends_from_device(label, provider, source, vsys):
    from ansible_collections.ipsec.panos.plugins.module_utils._connection import Device

    device = Device(provider).open()
    result = device.show("/config") if source == "running" else device.get("/config")
    root = result.find("config")
    if root is None:
        root = ET.Element("config")
    return ends_from_root(label, root, RenderContext(device.version), vsys)


def ends_from_declared(label, declared, where):
    end = declared_peer.declared_end(dict(declared, name=declared.get("name") or label), where)
    end.ike_profile = "%s (declared)" % end.tunnel
    end.ipsec_profile = "%s (declared)" % end.tunnel
    end.exchange_mode = None
    end.routed = []
    return [end]


def pair_sites(sites):
    """Pair the ends of every two sites by address. Return (pairs, unpaired ends)."""
    pairs = []
    paired = set()
    for index, (_left_name, left_ends) in enumerate(sites):
        for _right_name, right_ends in sites[index + 1:]:
            found, _unpaired_left, _unpaired_right = peer_check.pair_ends(
                [e for e in left_ends if id(e) not in paired], [e for e in right_ends if id(e) not in paired]
            )
            for left, right in found:
                paired.update((id(left), id(right)))
                pairs.append((left, right))
    unpaired = [end for _name, ends in sites for end in ends if id(end) not in paired]
    return pairs, unpaired
