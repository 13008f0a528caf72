# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Site-to-site design: one PAN-OS firewall and its third-party peers.

Each peer names a preset (peer_presets.yml beside this file) that lists what the peer
accepts and which PAN-OS settings suit it. The design merges preset, preset overrides and
per-peer overrides, checks that the crypto profiles share a proposal with the peer before
anything is written, and returns the firewall's objects as the vpn module's ``config``.
For a strongSwan peer it also renders the peer's swanctl.conf.
"""

from __future__ import annotations

import copy
import ipaddress
import os
import re

import yaml

from ansible_collections.ipsec.panos.plugins.module_utils._mapping import MappingError, duration_seconds
from ansible_collections.ipsec.panos.plugins.module_utils._rehearse import proposals as swan

PRESETS_FILE = os.path.join(os.path.dirname(__file__), "peer_presets.yml")

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

DEFAULT_SETTINGS = {
    "interface": "ethernet1/1",
    "zone": "vpn",
    "virtual_router": "default",
    "tunnel_base": 200,
    "tunnel_pool": "169.254.200.0/24",
    "primary_metric": 10,
    "backup_metric": 20,
    "monitor_profile": {"name": "s2s-fail-over", "action": "fail-over", "interval": 3, "threshold": 5},
    "pre_shared_key": None,
    "preset_overrides": {},
    "exclude": [],
}

PEER_KEYS = (
    "name",
    "id",
    "preset",
    "peer_address",
    "peer_addresses",
    "pre_shared_key",
    "pre_shared_keys",
    "remote_networks",
    "local_networks",
    "inside_cidrs",
    "peer_id",
    "local_id",
    "passive_mode",
    "overrides",
)

# Preset values that are not settings of the tunnel.
PRESET_METADATA = ("title", "sources")
# Preset values that are mappings; an override changes only the keys it gives.
PRESET_MAPPINGS = ("peer_accepts", "ike_profile", "ipsec_profile", "inside_hosts")

GCM_CIPHERS = ("aes-128-gcm", "aes-256-gcm")
PROFILE_NAME_MAX = 31
PEER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$")
# Each peer id owns two tunnel numbers and two /30 pool blocks, so that a peer can grow
# from one tunnel to two without renumbering its neighbours.
TUNNELS_PER_ID = 2
TUNNEL_NUMBER_MAX = 9999
# The firewall's networks come from site_to_site_local_networks, which defaults to the host variable vpn_networks.
LOCAL_NETWORKS_VARIABLE = "vpn_networks (site_to_site_local_networks)"


class DesignError(ValueError):
    """The inventory cannot describe a valid site-to-site VPN."""


# -- presets -------------------------------------------------------------------


def load_preset_data(path=PRESETS_FILE):
    """Read the preset file and return its whole document (``references`` and ``presets``)."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_presets(path=PRESETS_FILE):
    """Return the presets of the preset file, keyed by preset name."""
    return load_preset_data(path)["presets"]


def _merge_values(base, override):
    """Return ``base`` with ``override`` applied; mapping values change only the keys given."""
    merged = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if key == "ike_profile":
            merged[key] = _complete_ike_profile(merged[key], _mapping(value, key))
        elif key == "ipsec_profile":
            merged[key] = _complete_ipsec_profile(merged[key], _mapping(value, key))
        elif key in PRESET_MAPPINGS:
            merged[key] = dict(merged.get(key) or {}, **copy.deepcopy(_mapping(value, key)))
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _mapping(value, key):
    if not isinstance(value, dict):
        raise DesignError("%s: must be a mapping, got %r" % (key, value))
    return value


def _check_override_keys(override, preset, where):
    if override is None:
        return
    if not isinstance(override, dict):
        raise DesignError("%s: must be a mapping of preset values, got %r" % (where, override))
    allowed = sorted(key for key in preset if key not in PRESET_METADATA)
    unknown = sorted(key for key in override if key not in allowed)
    if unknown:
        raise DesignError("%s: %s cannot be overridden; use %s" % (where, ", ".join(unknown), ", ".join(allowed)))


def _complete_ike_profile(base, override):
    """Apply an IKE profile override, keeping the hash consistent with the encryption it sets."""
    profile = dict(base, **override)
    if "encryption" in override and "hash" not in override:
        if all(cipher in GCM_CIPHERS for cipher in profile["encryption"]):
            profile["hash"] = ["non-auth"]
        elif base.get("hash") == ["non-auth"]:
            profile["hash"] = ["sha256"]
    return profile


def _complete_ipsec_profile(base, override):
    """Apply an IPsec profile override, keeping the ESP authentication consistent with the encryption."""
    profile = dict(base, **override)
    if "esp_encryption" in override and "esp_authentication" not in override:
        if all(cipher in GCM_CIPHERS for cipher in profile["esp_encryption"]):
            profile["esp_authentication"] = ["none"]
        elif base.get("esp_authentication") == ["none"]:
            profile["esp_authentication"] = ["sha256"]
    return profile


# -- the proposal check ----------------------------------------------------------


def _negotiable_versions(ike_version, accepted):
    ours = ("ikev1", "ikev2") if ike_version == "ikev2-preferred" else (ike_version,)
    return [version for version in ours if version in accepted]


def _joined(values):
    return ", ".join(str(value) for value in values) or "nothing"


def _ike_profile_problems(profile, accepts, versions):
    """Return why ``profile`` shares no IKE proposal with a peer that accepts ``accepts``."""
    problems = []
    common = [cipher for cipher in profile.get("encryption") or [] if cipher in accepts["ike_encryption"]]
    if not common:
        problems.append("no common encryption")
    else:
        cbc = [cipher for cipher in common if cipher not in GCM_CIPHERS]
        gcm = [cipher for cipher in common if cipher in GCM_CIPHERS]
        hashes = [name for name in profile.get("hash") or [] if name != "non-auth" and name in accepts["ike_hash"]]
        # PAN-OS pairs IKE AES-GCM with the non-auth hash, and only IKEv2 carries it.
        gcm_usable = bool(gcm) and "ikev2" in versions
        if not (cbc and hashes) and not gcm_usable:
            if gcm and "ikev2" not in versions:
                problems.append("AES-GCM in IKE needs IKEv2, and IKEv2 is not negotiable with this peer")
            if cbc or not gcm:
                problems.append("no common hash")
    if not [group for group in profile.get("dh_group") or [] if group in accepts["ike_dh_group"]]:
        problems.append("no common DH group")
    return problems


def _ipsec_profile_problems(profile, accepts):
    """Return why ``profile`` shares no ESP proposal or PFS setting with the peer."""
    if profile.get("ah_authentication"):
        return ["the profile uses AH, and the peer presets describe ESP only"]
    problems = []
    common = [cipher for cipher in profile.get("esp_encryption") or [] if cipher in accepts["esp_encryption"]]
    if not common:
        problems.append("no common ESP encryption")
    else:
        gcm = [cipher for cipher in common if cipher in GCM_CIPHERS]
        authentication = [
            name for name in profile.get("esp_authentication") or [] if name != "none" and name in accepts["esp_authentication"]
        ]
        if not gcm and not authentication:
            problems.append("no common ESP authentication")
    group = profile.get("dh_group") or "group2"
    accepted = accepts["pfs_group"]
    if group not in accepted:
        if group == "no-pfs":
            problems.append("the profile turns PFS off (no-pfs), but the peer requires PFS")
        elif accepted == ["no-pfs"]:
            problems.append("the profile uses PFS %s, but the peer does not use PFS" % group)
        else:
            problems.append("no common PFS group")
    return problems


def check_proposals(peer, preset_name, ike_version, ike_profile, ipsec_profile, accepts):
    """Raise DesignError unless the gateways' IKE version and both crypto profiles suit the peer.

    A mismatch here is what PAN-OS later logs as a phase-1 or phase-2 negotiation failure
    ("no suitable proposal found"), so the design stops before anything is written.
    """
    peer_label = "peer %s (preset %s)" % (peer, preset_name)
    versions = _negotiable_versions(ike_version, accepts["ike_versions"])
    if not versions:
        raise DesignError(
            "%s: the IKE gateways use %s; the peer accepts %s; no common IKE version; set ike_version in the peer's overrides"
            % (peer_label, ike_version, _joined(accepts["ike_versions"]))
        )

    problems = _ike_profile_problems(ike_profile, accepts, versions)
    if problems:
        raise DesignError(
            "%s: IKE crypto profile %s offers %s/%s/%s; the peer accepts %s / %s / %s; %s; "
            "change ike_profile in the peer's overrides or in site_to_site_preset_overrides"
            % (
                peer_label,
                ike_profile["name"],
                ", ".join(ike_profile.get("encryption") or []),
                ", ".join(ike_profile.get("hash") or []),
                ", ".join(ike_profile.get("dh_group") or []),
                _joined(accepts["ike_encryption"]),
                _joined(accepts["ike_hash"]),
                _joined(accepts["ike_dh_group"]),
                "; ".join(problems),
            )
        )

    problems = _ipsec_profile_problems(ipsec_profile, accepts)
    if problems:
        raise DesignError(
            "%s: IPsec crypto profile %s offers %s/%s/%s; the peer accepts %s / %s / PFS %s; %s; "
            "change ipsec_profile in the peer's overrides or in site_to_site_preset_overrides"
            % (
                peer_label,
                ipsec_profile["name"],
                ", ".join(ipsec_profile.get("esp_encryption") or []),
                ", ".join(ipsec_profile.get("esp_authentication") or []),
                ipsec_profile.get("dh_group") or "group2",
                _joined(accepts["esp_encryption"]),
                _joined(accepts["esp_authentication"]),
                _joined(accepts["pfs_group"]),
                "; ".join(problems),
            )
        )


# -- checking the inventory -------------------------------------------------------


def _network(value, where):
    try:
        network = ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        raise DesignError("%s: %r is not a valid prefix" % (where, value)) from None
    if "/" not in str(value):
        # ipaddress reads a bare address as a /32 (or /128), which would route one address instead of a network.
        wide, single = (24, 32) if network.version == 4 else (64, 128)
        raise DesignError(
            "%s: %s has no prefix length; write %s or %s/%d"
            % (where, value, ipaddress.ip_network("%s/%d" % (network.network_address, wide), strict=False), network.network_address, single)
        )
    if network.network_address != ipaddress.ip_interface(str(value)).ip:
        raise DesignError(
            "%s: %s has host bits set; did you mean %s?" % (where, value, network)
        )
    return network


def _networks(values, where):
    if not isinstance(values, (list, tuple)):
        raise DesignError("%s: must be a list of prefixes, got %r" % (where, values))
    networks = []
    for index, value in enumerate(values):
        network = str(_network(value, "%s[%d]" % (where, index)))
        if network in networks:
            raise DesignError(
                "%s[%d]: %s is listed twice, also at index %d; list each network once" % (where, index, network, networks.index(network))
            )
        networks.append(network)
    return networks


def _overlap(network, others):
    """Return the first (network, label) of ``others`` that overlaps ``network``, or None."""
    network = ipaddress.ip_network(network)
    for other, label in others:
        other_network = ipaddress.ip_network(other)
        if other_network.version == network.version and network.overlaps(other_network):
            return other, label
    return None


def _check_pool(settings):
    """Return the tunnel pool as an IPv4 network that holds at least one /30 block."""
    pool = _network(settings["tunnel_pool"], "site_to_site_tunnel_pool")
    if pool.version != 4:
        raise DesignError(
            "site_to_site_tunnel_pool: %s is an IPv6 prefix; only IPv4 pools are supported, because every tunnel takes an IPv4 /30 block"
            % pool
        )
    if pool.prefixlen > 30:
        raise DesignError("site_to_site_tunnel_pool: %s is smaller than one /30 block; give a prefix of length /30 or shorter" % pool)
    return pool


def _address(value, where):
    try:
        return str(ipaddress.ip_address(str(value)))
    except ValueError:
        raise DesignError("%s: %r is not an IP address" % (where, value)) from None


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _check_peers(device, peers, presets):
    """Check the peers' names, ids and presets, and return them sorted by id."""
    seen_ids = {}
    for name, peer in peers.items():
        where = "%s: site_to_site_peers entry %r" % (device, name)
        if not PEER_NAME.match(str(name)):
            raise DesignError(
                "%s: name must be 1 to 31 letters, digits, '.', '_' or '-', starting with a letter or digit" % where
            )
        unknown = sorted(key for key in peer if key not in PEER_KEYS + ("role",))
        if unknown:
            raise DesignError("%s: unknown key %s; allowed keys are %s" % (where, ", ".join(unknown), ", ".join(PEER_KEYS)))
        peer_id = peer.get("id")
        if not isinstance(peer_id, int) or isinstance(peer_id, bool) or peer_id < 1:
            raise DesignError("%s: id must be a whole number from 1, which picks the tunnel numbers; got %r" % (where, peer_id))
        if peer_id in seen_ids:
            raise DesignError("%s: id %d is already used by peer %s" % (where, peer_id, seen_ids[peer_id]))
        seen_ids[peer_id] = name
        if peer.get("preset") not in presets:
            raise DesignError("%s: preset %r is unknown; use one of %s" % (where, peer.get("preset"), ", ".join(sorted(presets))))
    return sorted(peers, key=lambda n: peers[n]["id"])


# -- planning one peer ---------------------------------------------------------------


def _effective_preset(peer, presets, settings, where):
    """Return the peer's preset with the site-wide and the peer's own overrides applied.

    Also return the preset with the site-wide overrides only, whose crypto profiles are the
    ones that every peer of the preset shares.
    """
    preset_name = peer["preset"]
    preset = presets[preset_name]
    site_override = (settings.get("preset_overrides") or {}).get(preset_name)
    _check_override_keys(site_override, preset, "site_to_site_preset_overrides.%s" % preset_name)
    _check_override_keys(peer.get("overrides"), preset, "%s.overrides" % where)
    try:
        shared = _merge_values(preset, site_override)
    except DesignError as error:
        raise DesignError("site_to_site_preset_overrides.%s.%s" % (preset_name, error)) from None
    try:
        return _merge_values(shared, peer.get("overrides")), shared
    except DesignError as error:
        raise DesignError("%s.overrides.%s" % (where, error)) from None


def _profiles(name, preset_name, merged, shared, overrides):
    """Return the peer's IKE and IPsec profiles; a profile the peer overrides gets the peer's own name."""
    profiles = []
    for key, kind in (("ike_profile", "ike"), ("ipsec_profile", "ipsec")):
        override = overrides.get(key)
        if override:
            values = merged[key]
            profile_name = override.get("name") or "s2s-%s-%s" % (name, kind)
        else:
            values = shared[key]
            profile_name = values.get("name") or "s2s-%s-%s" % (preset_name, kind)
        profile = dict({"name": profile_name}, **{k: v for k, v in values.items() if k != "name"})
        if len(profile["name"]) > PROFILE_NAME_MAX:
            raise DesignError(
                "profile name %r is longer than the %d characters PAN-OS allows; set overrides.%s.name"
                % (profile["name"], PROFILE_NAME_MAX, key)
            )
        profiles.append(profile)
    return profiles


def _peer_addresses(peer, merged, where):
    addresses = _as_list(peer.get("peer_addresses")) or _as_list(peer.get("peer_address"))
    if peer.get("peer_addresses") is not None and peer.get("peer_address") is not None:
        raise DesignError("%s: give peer_address or peer_addresses, not both" % where)
    counts = merged["tunnels"]
    if len(addresses) not in counts:
        raise DesignError(
            "%s: preset %s builds %s tunnel(s), one per peer address, but %d peer address(es) are given"
            % (where, peer["preset"], " or ".join(str(count) for count in counts), len(addresses))
        )
    addresses = [_address(value, "%s.peer_addresses[%d]" % (where, index)) for index, value in enumerate(addresses)]
    if len(set(addresses)) != len(addresses):
        raise DesignError("%s.peer_addresses: %s lists the same address twice" % (where, ", ".join(addresses)))
    return addresses


def _pre_shared_keys(peer, count, settings, where):
    if peer.get("pre_shared_keys") is not None and peer.get("pre_shared_key") is not None:
        raise DesignError("%s: give pre_shared_key (one key for every tunnel) or pre_shared_keys (one per tunnel), not both" % where)
    if peer.get("pre_shared_keys") is not None:
        keys = _as_list(peer["pre_shared_keys"])
        if len(keys) != count:
            raise DesignError(
                "%s.pre_shared_keys: give one key per tunnel (%d), got %d" % (where, count, len(keys))
            )
    else:
        key = peer.get("pre_shared_key") or settings.get("pre_shared_key")
        keys = [key] * count
    if not all(isinstance(key, str) and key for key in keys):
        raise DesignError(
            "%s: no pre-shared key; set pre_shared_key or pre_shared_keys on the peer, or site_to_site_psk" % where
        )
    return keys


def _inside_addresses(name, peer, merged, count, settings, where):
    """Return one (local interface address, remote address, network) per tunnel."""
    hosts = merged["inside_hosts"]
    given_cidrs = peer.get("inside_cidrs")
    networks = []
    if given_cidrs is not None:
        given_cidrs = _as_list(given_cidrs)
        if len(given_cidrs) != count:
            raise DesignError("%s.inside_cidrs: give one /30 per tunnel (%d), got %d" % (where, count, len(given_cidrs)))
        for index, value in enumerate(given_cidrs):
            network = _network(value, "%s.inside_cidrs[%d]" % (where, index))
            _check_inside_network(network, merged, "%s.inside_cidrs[%d]" % (where, index))
            networks.append(network)
    elif merged["inside_cidrs"] == "required":
        raise DesignError(
            "%s.inside_cidrs: preset %s needs the inside /30 of each tunnel, as the provider gives them"
            % (where, peer["preset"])
        )
    else:
        pool = _check_pool(settings)
        for index in range(count):
            slot = (peer["id"] - 1) * TUNNELS_PER_ID + index
            first = int(pool.network_address) + 4 * slot
            if first + 3 > int(pool.broadcast_address):
                raise DesignError(
                    "site_to_site_tunnel_pool %s has no room for peer %s (id %d); it has /30 blocks for ids 1 to %d only"
                    % (pool, name, peer["id"], pool.num_addresses // (4 * TUNNELS_PER_ID))
                )
            networks.append(ipaddress.ip_network("%s/30" % ipaddress.ip_address(first)))
    result = []
    for network in networks:
        local = network[int(hosts["local"])]
        remote = network[int(hosts["remote"])]
        result.append(("%s/%d" % (local, network.prefixlen), str(remote), network))
    return result


def _check_inside_network(network, merged, where):
    if network.version != 4 or network.prefixlen != 30:
        raise DesignError("%s: %s is not an IPv4 /30; each tunnel takes one /30" % (where, network))
    if merged.get("inside_range") and not network.subnet_of(ipaddress.ip_network(merged["inside_range"])):
        raise DesignError("%s: %s is outside %s, the range this preset allows" % (where, network, merged["inside_range"]))
    for reserved in merged.get("inside_reserved") or []:
        if network.overlaps(ipaddress.ip_network(reserved)):
            raise DesignError("%s: %s is reserved by the provider; pick another /30" % (where, network))


def _proxy_ids(local_networks, remote_networks):
    proxy_ids = []
    for local in local_networks:
        for remote in remote_networks:
            proxy_ids.append({"name": "p%d" % (len(proxy_ids) + 1), "local": local, "remote": remote, "protocol": "any"})
    return proxy_ids


def _gateway(name, index, address, key, ike_version, ike_profile, merged, peer, firewall, settings):
    gateway = {
        "name": "gw-%s-%d" % (name, index),
        "version": ike_version,
        "interface": settings["interface"],
        "peer_address": address,
        "pre_shared_key": key,
        "ike_crypto_profile": ike_profile["name"],
        "passive_mode": bool(peer.get("passive_mode")),
        "nat_traversal": bool(merged["nat_traversal"]),
        "comment": "site-to-site %s tunnel %d (preset %s)" % (name, index, peer["preset"]),
    }
    if ike_version != "ikev1":
        gateway["liveness_check"] = True
        gateway["liveness_interval"] = int(merged["liveness_interval"])
    if ike_version != "ikev2":
        gateway["dpd"] = True
        gateway["dpd_interval"] = int(merged["liveness_interval"])
    if firewall.get("public_ip") and "/" in str(firewall["public_ip"]):
        gateway["local_ip"] = str(firewall["public_ip"])
    for option in ("local_id", "peer_id"):
        if peer.get(option):
            gateway[option] = dict(peer[option])
    return gateway


def _resolve_peer(device, name, peer, firewall, presets, settings):
    """Merge the peer's preset with the overrides, check the result, and return what its tunnels are built from."""
    where = "%s: site_to_site_peers entry %r" % (device, name)
    merged, shared = _effective_preset(peer, presets, settings, where)
    preset_name = peer["preset"]
    try:
        ike_profile, ipsec_profile = _profiles(name, preset_name, merged, shared, peer.get("overrides") or {})
    except DesignError as error:
        raise DesignError("%s: %s" % (where, error)) from None
    check_proposals(name, preset_name, merged["ike_version"], ike_profile, ipsec_profile, merged["peer_accepts"])

    if peer.get("passive_mode") and not merged["passive_allowed"]:
        raise DesignError(
            "%s.passive_mode: preset %s waits for this firewall to initiate, so the IKE gateways must not be passive"
            % (where, preset_name)
        )
    addresses = _peer_addresses(peer, merged, where)
    remote_networks = _networks(peer.get("remote_networks") or [], "%s.remote_networks" % where)
    if not remote_networks:
        raise DesignError("%s.remote_networks: missing; list the prefixes behind the peer" % where)
    local_source = peer.get("local_networks")
    local_networks = _networks(
        local_source if local_source is not None else firewall.get("networks") or [],
        "%s.local_networks" % where if local_source is not None else "%s: %s" % (device, LOCAL_NETWORKS_VARIABLE),
    )
    _check_remote_against_local(remote_networks, local_networks, local_source is not None, firewall, where)
    policy_based = bool(merged["policy_based"])
    if (policy_based or preset_name == "strongswan") and not local_networks:
        raise DesignError(
            "%s.local_networks: missing; a policy-based peer needs the local prefixes for its proxy IDs "
            "(set local_networks or the host's vpn_networks)" % where
        )
    return {
        "name": name,
        "where": where,
        "merged": merged,
        "ike_profile": ike_profile,
        "ipsec_profile": ipsec_profile,
        "addresses": addresses,
        "keys": _pre_shared_keys(peer, len(addresses), settings, where),
        "remote_networks": remote_networks,
        "local_networks": local_networks,
        "policy_based": policy_based,
        "inside": _inside_addresses(name, peer, merged, len(addresses), settings, where),
        # A monitor fails traffic over to the second tunnel, so a single tunnel has none.
        "monitor": bool(merged["tunnel_monitor"]) and len(addresses) > 1,
    }


def _check_remote_against_local(remote_networks, local_networks, own_local, firewall, where):
    """Reject a remote network that overlaps a network behind this firewall.

    A route into the tunnel for such a network would take that part of the firewall's own
    network away from it.
    """
    local = [(network, "%s[%d]" % (LOCAL_NETWORKS_VARIABLE, index)) for index, network in enumerate(firewall.get("networks") or [])]
    if own_local:
        local = [(network, "local_networks[%d]" % index) for index, network in enumerate(local_networks)] + local
    for index, network in enumerate(remote_networks):
        overlap = _overlap(network, local)
        if overlap:
            raise DesignError(
                "%s.remote_networks[%d]: %s overlaps the local network %s (%s); a network is either behind the peer or behind this firewall"
                % (where, index, network, overlap[0], overlap[1])
            )


def _check_remote_overlaps(device, name, remote_networks, seen):
    """Reject a remote network of peer ``name`` that overlaps one of another peer; ``seen`` collects (network, label)."""
    where = "%s: site_to_site_peers entry %r" % (device, name)
    for index, network in enumerate(remote_networks):
        overlap = _overlap(network, seen)
        if overlap:
            raise DesignError(
                "%s.remote_networks[%d]: %s overlaps %s in %s; every network must be behind one peer, because each peer gets routes to its own networks"
                % (where, index, network, overlap[0], overlap[1])
            )
    seen.extend((network, "remote_networks[%d] of peer %s" % (index, name)) for index, network in enumerate(remote_networks))


def _tunnel_objects(design, index, peer, firewall, settings):
    """Return the objects of the peer's tunnel number ``index`` (from 1), and its metadata."""
    name = design["name"]
    merged = design["merged"]
    number = int(settings["tunnel_base"]) + (peer["id"] - 1) * TUNNELS_PER_ID + index
    if number > TUNNEL_NUMBER_MAX:
        raise DesignError(
            "%s: tunnel number %d is above %d; lower site_to_site_tunnel_base or the peer's id"
            % (design["where"], number, TUNNEL_NUMBER_MAX)
        )
    interface = "tunnel.%d" % number
    local_inside, remote_inside, _network_unused = design["inside"][index - 1]
    address = design["addresses"][index - 1]

    gateway = _gateway(
        name, index, address, design["keys"][index - 1], merged["ike_version"], design["ike_profile"], merged, peer, firewall, settings
    )
    ipsec_tunnel = {
        "name": "vpn-%s-%d" % (name, index),
        "tunnel_interface": interface,
        "ike_gateway": gateway["name"],
        "ipsec_crypto_profile": design["ipsec_profile"]["name"],
        "comment": "site-to-site %s tunnel %d (preset %s)" % (name, index, peer["preset"]),
    }
    if design["policy_based"]:
        ipsec_tunnel["proxy_ids"] = _proxy_ids(design["local_networks"], design["remote_networks"])
        ipsec_tunnel["peer_policy_based"] = True
    if design["monitor"]:
        ipsec_tunnel["tunnel_monitor"] = {"enable": True, "destination_ip": remote_inside, "profile": settings["monitor_profile"]["name"]}
    tunnel_interface = {
        "name": interface,
        "ip": [local_inside],
        "mtu": int(merged["tunnel_mtu"]),
        "zone": settings["zone"],
        "virtual_router": settings["virtual_router"],
        "comment": "site-to-site %s tunnel %d" % (name, index),
    }
    metric = int(settings["primary_metric"]) if index == 1 else int(settings["backup_metric"])
    routes = [
        {"name": "s2s-%s-%d-%d" % (name, index, route_index), "destination": destination, "interface": interface, "metric": metric}
        for route_index, destination in enumerate(design["remote_networks"], start=1)
    ]
    metadata = {
        "interface": interface,
        "ike_gateway": gateway["name"],
        "ipsec_tunnel": ipsec_tunnel["name"],
        "peer_address": address,
        "local_inside": local_inside,
        "remote_inside": remote_inside,
        "role": "primary" if index == 1 else "backup",
    }
    objects = {"tunnel_interfaces": [tunnel_interface], "ike_gateways": [gateway], "ipsec_tunnels": [ipsec_tunnel], "static_routes": routes}
    return objects, metadata


def _plan_peer(device, name, peer, firewall, presets, settings):
    """Return the objects of one peer, its metadata, and the resolved design the strongSwan text needs."""
    design = _resolve_peer(device, name, peer, firewall, presets, settings)
    objects = {"tunnel_interfaces": [], "ike_gateways": [], "ipsec_tunnels": [], "static_routes": []}
    tunnels = []
    for index in range(1, len(design["addresses"]) + 1):
        tunnel_objects, tunnel = _tunnel_objects(design, index, peer, firewall, settings)
        for section, items in tunnel_objects.items():
            objects[section].extend(items)
        tunnels.append(tunnel)

    merged = design["merged"]
    local_networks, remote_networks = design["local_networks"], design["remote_networks"]
    metadata = {
        "name": name,
        "preset": peer["preset"],
        "ike_version": merged["ike_version"],
        "ike_crypto_profile": design["ike_profile"]["name"],
        "ipsec_crypto_profile": design["ipsec_profile"]["name"],
        "policy_based": design["policy_based"],
        "tunnel_mtu": int(merged["tunnel_mtu"]),
        "tcp_mss": int(merged["tcp_mss"]),
        "tunnel_monitor": design["monitor"],
        "tunnels": tunnels,
        # The peer's own view of the traffic selectors: the firewall's proxy IDs, mirrored.
        "peer_selectors": [{"local": remote, "remote": local} for local in local_networks for remote in remote_networks],
        # What the peer accepts, after preset overrides; the rehearsal models the peer with it.
        "peer_accepts": copy.deepcopy(merged["peer_accepts"]),
    }
    return objects, metadata, design


# -- the plan ------------------------------------------------------------------------------


def empty_plan(settings):
    """Return a plan with no objects, for a firewall whose peers are all left out."""
    return {
        "virtual_router": settings.get("virtual_router", DEFAULT_SETTINGS["virtual_router"]),
        "config": {section: [] for section in SECTIONS},
        "peers": [],
        "strongswan": [],
        "tunnel_count": 0,
    }


def _add_profile(device, section, profile, owners, owner):
    """Add a crypto profile once; two peers that name the same profile must agree on it."""
    for existing in section:
        if existing["name"] == profile["name"]:
            if existing != profile:
                raise DesignError(
                    "%s: crypto profile %s is defined differently by peers %s and %s; give one of them another name in its overrides"
                    % (device, profile["name"], owners[profile["name"]], owner)
                )
            return
    section.append(profile)
    owners[profile["name"]] = owner


def _split_sites(sites, device):
    if device not in sites:
        raise DesignError("%s is not one of the sites (%s)" % (device, ", ".join(sorted(sites))))
    firewall = sites[device]
    if firewall.get("role") != "firewall":
        raise DesignError("%s: the planned device must be the firewall site, not a peer" % device)
    peers = {}
    for name, site in sites.items():
        if name == device:
            continue
        if site.get("role") == "firewall":
            raise DesignError("%s: only one firewall site is planned at a time; %s is another" % (device, name))
        peers[name] = site
    return firewall, peers


def plan_device(sites, device, settings, presets=None):
    """Return the objects ``device`` needs for its VPNs to the peers in ``sites``.

    ``sites`` maps names to sites: ``device`` itself with role ``firewall`` (its
    ``public_ip`` and ``networks``), and one site per peer with role ``peer`` and the keys of
    a ``site_to_site_peers`` entry. ``presets`` maps preset names to presets in the form of
    peer_presets.yml; None reads that file. ``plan["config"]`` takes the form of the vpn
    module's ``config``. Peers named in ``settings["exclude"]`` are planned as if they were
    not in the inventory, and excluding ``device`` gives an empty plan.
    """
    settings = dict(DEFAULT_SETTINGS, **{k: v for k, v in (settings or {}).items() if v is not None})
    presets = load_presets() if presets is None else presets
    firewall, peers = _split_sites(sites, device)
    firewall = dict(firewall, networks=_networks(firewall.get("networks") or [], "%s: %s" % (device, LOCAL_NETWORKS_VARIABLE)))
    _check_pool(settings)
    ordered = _check_peers(device, peers, presets)
    for preset_name in settings.get("preset_overrides") or {}:
        if preset_name not in presets:
            raise DesignError(
                "site_to_site_preset_overrides: preset %r is unknown; use one of %s" % (preset_name, ", ".join(sorted(presets)))
            )

    excluded = set(settings.get("exclude") or [])
    unknown = sorted(excluded - set(sites))
    if unknown:
        raise DesignError(
            "%s: site_to_site_exclude names %s, which %s not one of the sites (%s)"
            % (device, ", ".join(unknown), "is" if len(unknown) == 1 else "are", ", ".join(sorted(sites)))
        )
    planned = [name for name in ordered if name not in excluded]
    if device in excluded or not planned:
        return empty_plan(settings)

    config = {section: [] for section in SECTIONS}
    owners = {}
    plan_peers = []
    strongswan = []
    inside_networks = {}
    remote_seen = []
    for name in planned:
        objects, metadata, design = _plan_peer(device, name, peers[name], firewall, presets, settings)
        for tunnel in metadata["tunnels"]:
            network = ipaddress.ip_interface(tunnel["local_inside"]).network
            for other_network, other in inside_networks.items():
                if network.overlaps(other_network):
                    raise DesignError(
                        "%s: inside address %s of peer %s overlaps %s of peer %s; give each tunnel its own /30"
                        % (device, tunnel["local_inside"], name, other_network, other)
                    )
            inside_networks[network] = name
        _check_remote_overlaps(device, name, design["remote_networks"], remote_seen)
        _add_profile(device, config["ike_crypto_profiles"], design["ike_profile"], owners, name)
        _add_profile(device, config["ipsec_crypto_profiles"], design["ipsec_profile"], owners, name)
        if design["monitor"] and not config["tunnel_monitor_profiles"]:
            config["tunnel_monitor_profiles"].append(dict(settings["monitor_profile"]))
        for section, items in objects.items():
            config[section].extend(items)
        plan_peers.append(metadata)
        if metadata["preset"] == "strongswan":
            strongswan.append(
                {
                    "peer": name,
                    "file": "%s-%s.conf" % (device, name),
                    "content": render_swanctl(device, firewall, peers[name], metadata, design),
                }
            )
    config["zones"] = [{"name": settings["zone"]}]
    return {
        "virtual_router": settings["virtual_router"],
        "config": config,
        "peers": plan_peers,
        "strongswan": strongswan,
        "tunnel_count": len(config["ipsec_tunnels"]),
    }


# -- strongSwan ----------------------------------------------------------------------------

# The PAN-OS to strongSwan mapping is shared with the rehearsal, which renders both ends of a tunnel.
SWAN_VERSION = swan.VERSION


def _swan_ike_proposals(profile, ike_version):
    return swan.ike_proposals(profile.get("encryption"), profile.get("hash"), profile.get("dh_group"), ike_version)


def _swan_esp_proposals(profile, ike_version):
    return swan.esp_proposals(profile.get("esp_encryption"), profile.get("esp_authentication"), profile.get("dh_group"), ike_version)


_PLAIN_SECRET = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")


def _swan_secret(key):
    """Return the key as swanctl reads it: quoted when plain, hex (0x prefix) otherwise."""
    if _PLAIN_SECRET.match(key) and not key.lower().startswith(("0x", "0s")):
        return '"%s"' % key
    # Quotes, backslashes, spaces and a leading 0x or 0s would change how swanctl reads the key.
    return "0x" + key.encode("utf-8").hex()


def _seconds(value, where):
    try:
        return duration_seconds(value, where)
    except MappingError as error:
        raise DesignError(str(error)) from None


def render_swanctl(device, firewall, peer, metadata, design):
    """Return the swanctl.conf text of a strongSwan peer: the mirror image of the firewall's tunnels.

    The text contains the pre-shared key, so it must be written with restricted permissions
    and never shown. The same input always gives the same text.
    """
    public_ip = firewall.get("public_ip")
    if not public_ip:
        raise DesignError(
            "%s: vpn_public_ip (site_to_site_public_ip) is missing; the strongSwan peer %s needs the firewall's address"
            % (device, metadata["name"])
        )
    firewall_address = str(ipaddress.ip_interface(str(public_ip)).ip)
    ike_profile = design["ike_profile"]
    ipsec_profile = design["ipsec_profile"]
    version = metadata["ike_version"]
    ike_seconds = _seconds(ike_profile.get("lifetime", "8h"), "ike_profile.lifetime")
    ipsec_seconds = _seconds(ipsec_profile.get("lifetime", "1h"), "ipsec_profile.lifetime")
    liveness = int(design["merged"]["liveness_interval"])
    passive = bool(peer.get("passive_mode"))
    local_id = (peer.get("peer_id") or {}).get("id")
    remote_id = (peer.get("local_id") or {}).get("id") or firewall_address
    policy_based = metadata["policy_based"]

    lines = [
        "# swanctl.conf of strongSwan peer %s, the far end of PAN-OS firewall %s." % (metadata["name"], device),
        "# Generated by the ipsec.panos site_to_site role from the firewall's crypto profiles %s and %s."
        % (ike_profile["name"], ipsec_profile["name"]),
        "# It contains the pre-shared key, so keep it readable by root only. The next run overwrites changes.",
        "connections {",
    ]
    several = len(metadata["tunnels"]) > 1
    for index, tunnel in enumerate(metadata["tunnels"], start=1):
        conn = "%s-%s" % (device, metadata["name"]) + ("-%d" % index if several else "")
        lines += [
            "    %s {" % conn,
            "        version = %s" % SWAN_VERSION[version],
            "        local_addrs = %s" % tunnel["peer_address"],
            "        remote_addrs = %s" % firewall_address,
            "        proposals = %s" % ", ".join(_swan_ike_proposals(ike_profile, version)),
            "        rekey_time = %ds" % ike_seconds,
            "        dpd_delay = %ds" % liveness,
            "        local {",
            "            auth = psk",
            "            id = %s" % (local_id or tunnel["peer_address"]),
            "        }",
            "        remote {",
            "            auth = psk",
            "            id = %s" % remote_id,
            "        }",
            "        children {",
        ]
        if policy_based:
            # One child per proxy ID, as PAN-OS negotiates one child SA per proxy ID.
            pairs = [([s["local"]], [s["remote"]]) for s in metadata["peer_selectors"]]
        else:
            # Without proxy IDs PAN-OS proposes 0.0.0.0/0 both ways, so the child must accept that.
            pairs = [(["0.0.0.0/0"], ["0.0.0.0/0"])]
        for child_index, (local_ts, remote_ts) in enumerate(pairs, start=1):
            lines += [
                "            %s-%d {" % (conn, child_index),
                "                local_ts = %s" % ", ".join(local_ts),
                "                remote_ts = %s" % ", ".join(remote_ts),
                "                esp_proposals = %s" % ", ".join(_swan_esp_proposals(ipsec_profile, version)),
                "                rekey_time = %ds" % ipsec_seconds,
                # The firewall only responds when passive, so strongSwan must bring the tunnel up.
                "                start_action = %s" % ("start" if passive else "trap"),
                "                dpd_action = %s" % ("restart" if passive else "trap"),
                "            }",
            ]
        lines += ["        }", "    }"]
    lines += ["}", "", "secrets {"]
    for index, tunnel in enumerate(metadata["tunnels"], start=1):
        lines += [
            "    ike-%s%s {" % (metadata["name"], "-%d" % index if several else ""),
            "        id-1 = %s" % (local_id or tunnel["peer_address"]),
            "        id-2 = %s" % remote_id,
            "        secret = %s" % _swan_secret(design["keys"][index - 1]),
            "    }",
        ]
    lines += ["}", ""]
    return "\n".join(lines)
