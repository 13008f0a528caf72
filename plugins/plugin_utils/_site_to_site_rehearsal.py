# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sites the site_to_site role rehearses: each firewall's plan, and each peer tunnel as a declared peer.

A third-party peer is modelled by what its preset (with overrides) accepts: every IKE and ESP
algorithm in the lists, and both IKE versions when it accepts both. Its PFS group is the
firewall's own group when the peer accepts it, and its first accepted group otherwise. Its
IDs, key and traffic selectors mirror the firewall's gateway and proxy IDs.
"""

from __future__ import annotations

import ipaddress


class RehearsalSitesError(ValueError):
    """A plan lacks what the rehearsal needs; the message names the host."""


def _by_name(items):
    return {item["name"]: item for item in items or []}


def _address(value):
    return str(ipaddress.ip_interface(str(value)).ip)


def _pfs_group(accepted, own):
    if own in accepted or not accepted:
        return own or "no-pfs"
    return accepted[0]


def _declared_peer(host, plan, peer, index, tunnel):
    config = plan["config"]
    gateway = _by_name(config.get("ike_gateways")).get(tunnel["ike_gateway"])
    ipsec_tunnel = _by_name(config.get("ipsec_tunnels")).get(tunnel["ipsec_tunnel"])
    if gateway is None or ipsec_tunnel is None:
        raise RehearsalSitesError("%s: gateway or tunnel of peer %s tunnel %d not found in the plan" % (host, peer["name"], index))
    if not gateway.get("local_ip"):
        raise RehearsalSitesError("%s: gateway %s has no local_ip; set vpn_public_ip with a prefix length" % (host, gateway["name"]))

    accepts = peer.get("peer_accepts") or {}
    profile = _by_name(config.get("ipsec_crypto_profiles")).get(ipsec_tunnel.get("ipsec_crypto_profile")) or {}
    versions = accepts.get("ike_versions") or [peer["ike_version"]]
    declared = {
        "name": "%s-%d" % (peer["name"], index),
        "local_address": tunnel["peer_address"],
        "peer_address": _address(gateway["local_ip"]),
        "version": "ikev2-preferred" if {"ikev1", "ikev2"} <= set(versions) else versions[0],
        "pre_shared_key": gateway.get("pre_shared_key"),
        "ike": {"encryption": accepts.get("ike_encryption") or [], "hash": accepts.get("ike_hash") or [], "dh_group": accepts.get("ike_dh_group") or []},
        "esp": {
            "encryption": accepts.get("esp_encryption") or [],
            # GCM needs no authentication algorithm, which PAN-OS writes as none.
            "authentication": list(accepts.get("esp_authentication") or []) + ["none"],
            "dh_group": _pfs_group(accepts.get("pfs_group") or [], profile.get("dh_group")),
        },
        "nat_traversal": bool(gateway.get("nat_traversal")),
    }

    if gateway.get("peer_id"):
        declared["local_id"] = {"type": gateway["peer_id"]["type"], "id": gateway["peer_id"]["id"]}
    if gateway.get("local_id"):
        declared["peer_id"] = {"type": gateway["local_id"]["type"], "id": gateway["local_id"]["id"]}
    if peer.get("policy_based"):
        declared["proxy_ids"] = [{"local": s["local"], "remote": s["remote"]} for s in peer.get("peer_selectors") or []]
    return {"name": declared["name"], "declared": declared}


def rehearsal_sites(plans):
    """Return vpn_rehearse's ``sites`` for ``{host: site_to_site plan}``: each firewall, then its peers' tunnels."""
    sites = []
    for host in sorted(plans):
        plan = plans[host] or {}
        if not plan.get("config"):
            continue
        sites.append({"name": host, "config": plan["config"]})
        for peer in plan.get("peers") or []:
            for index, tunnel in enumerate(peer.get("tunnels") or [], start=1):
                sites.append(_declared_peer(host, plan, peer, index, tunnel))
    return sites
