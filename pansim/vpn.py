# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IKE and IPsec negotiation between two simulated firewalls, decided from their running configurations.

Everything here is a pure function of parsed configurations:

* ``parse_config`` reads the VPN part of one firewall's running configuration
  (gateways, tunnels, crypto and monitor profiles, interface addresses) into a
  ``VpnConfig``.
* ``locate_far_end`` finds, among other firewalls, the one that owns a gateway's
  peer address and the gateway there whose local address is our peer address and
  whose peer address is our local address (or dynamic).
* ``negotiate`` runs phase 1 and phase 2 between an initiating end and the far
  firewall, and returns the negotiated algorithms or the first failure cause.
* ``decide`` picks the initiator of a tunnel (a passive or dynamic-peer end only
  responds) and negotiates, which is the tunnel's steady state.

Pre-shared keys are compared through the SHA-1 fingerprint that the stored
``-AQ==`` form carries (see ``pansim.secrets``): equal keys have equal
fingerprints, so no key is ever decrypted here. Fingerprints never leave this
module in a message.

The rules follow RFC 7296 (IKEv2), RFC 2409 (IKEv1) and documented PAN-OS
behaviour. Where PAN-OS behaves otherwise in a way the simulation leaves out, a
NOTE at that spot says so.
"""

import fnmatch
import ipaddress
from dataclasses import dataclass, field
from enum import Enum

from pansim import secrets
from pansim.factory import DEVICE_ENTRY, predefined_crypto_profiles

IKEV1 = "ikev1"
IKEV2 = "ikev2"
IKEV2_PREFERRED = "ikev2-preferred"
ALLOWED_VERSIONS = {IKEV1: (IKEV1,), IKEV2: (IKEV2,), IKEV2_PREFERRED: (IKEV2, IKEV1)}

DEFAULT_PROFILE = "default"
DEFAULT_IKE_LIFETIME = 8 * 3600
DEFAULT_IPSEC_LIFETIME = 3600
NO_PFS = "no-pfs"
NON_AUTH = "non-auth"
IKE_GCM = frozenset({"aes-128-gcm", "aes-256-gcm"})
ESP_AEAD = frozenset({"aes-128-gcm", "aes-256-gcm", "aes-128-ccm"})
ANY_IPV4 = ipaddress.ip_network("0.0.0.0/0")

_LIFETIME_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_LIFESIZE_KB = {"kb": 1, "mb": 1024, "gb": 1024**2, "tb": 1024**3}
_PROTOCOL_NUMBERS = {"tcp": 6, "udp": 17}
_INTERFACE_KINDS = ("ethernet", "aggregate-ethernet")
_UNIT_KINDS = ("loopback", "tunnel", "vlan")


class Cause(str, Enum):
    """Failure cause of a negotiation. The value is the word the runtime and tests use."""

    PEER_UNREACHABLE = "peer-unreachable"
    NO_PEER_GATEWAY = "no-peer-gateway"
    IKE_VERSION = "ike-version-mismatch"
    EXCHANGE_MODE = "exchange-mode-mismatch"
    IKE_PROPOSAL = "ike-proposal-mismatch"
    PEER_ID_AT_RESPONDER = "peer-id-mismatch-at-responder"
    AUTHENTICATION = "authentication-failure"
    PEER_ID_AT_INITIATOR = "peer-id-mismatch-at-initiator"
    PROXY_ID = "proxy-id-mismatch"
    ESP_PROPOSAL = "esp-proposal-mismatch"
    PFS_GROUP = "pfs-group-mismatch"


class Blocker(str, Enum):
    """Reason an end does not initiate at all."""

    GATEWAY_DISABLED = "gateway-disabled"
    TUNNEL_DISABLED = "tunnel-disabled"
    PASSIVE = "passive"
    DYNAMIC_PEER = "dynamic-peer"
    FQDN_PEER = "fqdn-peer"
    NO_GATEWAY = "no-gateway"
    BOTH_PASSIVE = "both-passive"


# Parsed configuration


@dataclass(frozen=True)
class IkeProfile:
    name: str
    encryption: tuple
    hashes: tuple
    dh_groups: tuple
    lifetime: int


@dataclass(frozen=True)
class IpsecProfile:
    """An IPsec crypto profile. ``protocol`` is esp or ah; ``lifesize_kb`` is None when unlimited."""

    name: str
    protocol: str
    encryption: tuple
    authentication: tuple
    dh_group: str
    lifetime: int
    lifesize_kb: int = None


@dataclass(frozen=True)
class Identity:
    """An IKE identity: type (ipaddr, fqdn, ufqdn, keyid, dn) and value."""

    type: str
    value: str

    def matches(self, other, wildcard=False):
        """Return True when ``other`` (the identity a peer presents) satisfies this configured peer ID."""
        if self.type != other.type:
            return False
        if self.type == "ipaddr":
            return _canonical_ip(self.value) == _canonical_ip(other.value)
        if wildcard:
            return fnmatch.fnmatchcase(other.value, self.value)
        return self.value == other.value

    def __str__(self):
        return f"{self.type}:{self.value}"


@dataclass(frozen=True)
class Selector:
    """A proxy ID, or the 0.0.0.0/0 pair a tunnel without proxy IDs uses (``name`` None).

    ``protocol`` is the IP protocol number (0 for any), and ports are 0 for any.
    """

    name: str
    local: object
    remote: object
    protocol: int = 0
    local_port: int = 0
    remote_port: int = 0

    def mirrors(self, other):
        """Return True when ``other`` is this selector seen from the far end."""
        return (
            self.local == other.remote
            and self.remote == other.local
            and self.protocol == other.protocol
            and self.local_port == other.remote_port
            and self.remote_port == other.local_port
        )


ANY_SELECTOR = Selector(None, ANY_IPV4, ANY_IPV4)


@dataclass(frozen=True)
class Monitor:
    """A tunnel monitor: destination, and the interval (seconds), threshold and action of its profile."""

    destination: str
    profile: str
    interval: int = 3
    threshold: int = 5
    action: str = "wait-recover"


@dataclass(frozen=True)
class Gateway:
    """An IKE gateway. ``index`` is its 1-based position, which ``show vpn`` reports as gwid."""

    name: str
    index: int
    disabled: bool
    version: str
    exchange_mode: str
    ike_profiles: dict
    interface: str
    local_ip: str
    peer_type: str
    peer_ip: str
    auth_method: str
    local_id: Identity = None
    peer_id: Identity = None
    peer_id_wildcard: bool = False
    passive: bool = False
    nat_traversal: bool = False
    # The SHA-1 fingerprint of the pre-shared key, compared between ends and never shown.
    psk_fingerprint: str = field(default=None, repr=False)

    @property
    def versions(self):
        return ALLOWED_VERSIONS.get(self.version, (IKEV1,))

    def presented_id(self):
        """Return the identity this end sends: its local ID, or its local address."""
        if self.local_id is not None:
            return self.local_id
        return Identity("ipaddr", self.local_ip or "")


@dataclass(frozen=True)
class Tunnel:
    """An IPsec tunnel. ``index`` is its 1-based position; ``selectors`` are its proxy IDs or ``(ANY_SELECTOR,)``."""

    name: str
    index: int
    disabled: bool
    tunnel_interface: str
    gateway: str
    ipsec_profile: IpsecProfile
    selectors: tuple
    has_proxy_ids: bool
    monitor: Monitor = None
    anti_replay: bool = True
    copy_tos: bool = False


@dataclass
class VpnConfig:
    """The VPN part of one firewall's running configuration."""

    device: str
    gateways: dict
    tunnels: dict
    interface_addresses: dict

    def owner_interface(self, address):
        """Return the interface that has ``address``, or None."""
        wanted = _canonical_ip(address)
        for interface, addresses in self.interface_addresses.items():
            if wanted is not None and wanted in addresses:
                return interface
        return None

    def tunnels_of(self, gateway_name):
        return [tunnel for tunnel in self.tunnels.values() if tunnel.gateway == gateway_name]

    def interface_ip(self, interface):
        """Return the first IPv4 address of an interface, or None."""
        for address in self.interface_addresses.get(interface, ()):
            if ipaddress.ip_address(address).version == 4:
                return address
        return None

    def all_addresses(self):
        return {address for addresses in self.interface_addresses.values() for address in addresses}


# Parsing helpers


def _canonical_ip(value):
    """Return the address part of ``a.b.c.d[/len]`` (or IPv6) as a string, or None for other text."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_interface(value.strip()).ip)
    except ValueError:
        return None


def _network(value):
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except (AttributeError, ValueError):
        return None


def _entries(node, *tags):
    container = node.find_path(*tags) if node is not None else None
    return list(container.iter_tag("entry")) if container is not None else []


def _members(node, *tags):
    container = node.find_path(*tags) if node is not None else None
    if container is None:
        return ()
    return tuple(member.text for member in container.iter_tag("member") if member.text)


def _seconds(node, default, units):
    if node is not None:
        for unit, factor in units.items():
            text = node.child_text(unit)
            if text and text.isdigit():
                return int(text) * factor
    return default


def _yes(text):
    return (text or "").strip().lower() == "yes"


class _Addresses:
    """Resolve address object names (shared and vsys) to their ip-netmask values."""

    def __init__(self, root, device):
        self._objects = {}
        holders = [root.find_child("shared")] + _entries(device, "vsys")
        for holder in holders:
            for entry in _entries(holder, "address"):
                value = entry.child_text("ip-netmask")
                if value:
                    self._objects[entry.name] = value

    def text(self, value):
        """Return the ip-netmask text of an object name, or the value itself."""
        if value is None:
            return None
        return self._objects.get(value, value)

    def ip(self, value):
        return _canonical_ip(self.text(value))

    def network(self, value):
        return _network(self.text(value))


def _interface_addresses(network, addresses):
    """Map every interface name to the set of its canonical addresses."""
    result = {}

    def add(entry, *ip_path):
        values = {addresses.ip(ip.name) for ip in _entries(entry, *ip_path)}
        result[entry.name] = {value for value in values if value}

    base = network.find_child("interface") if network is not None else None
    for kind in _INTERFACE_KINDS:
        for entry in _entries(base, kind):
            add(entry, "layer3", "ip")
            for unit in _entries(entry, "layer3", "units"):
                add(unit, "ip")
    for kind in _UNIT_KINDS:
        for unit in _entries(base, kind, "units"):
            add(unit, "ip")
    return result


def _profile_nodes(network, kind):
    """Return {name: node} of ike-crypto-profiles or ipsec-crypto-profiles, with the predefined ones as fallback."""
    profiles = {entry.name: entry for entry in _entries(predefined_crypto_profiles(), kind)}
    profiles.update({entry.name: entry for entry in _entries(network, "ike", "crypto-profiles", kind)})
    return profiles


def _ike_profile(name, node):
    if node is None:
        # A missing profile offers nothing, so negotiation fails with no suitable proposal.
        return IkeProfile(name, (), (), (), DEFAULT_IKE_LIFETIME)
    return IkeProfile(
        name=name,
        encryption=_members(node, "encryption"),
        hashes=_members(node, "hash"),
        dh_groups=_members(node, "dh-group"),
        lifetime=_seconds(node.find_child("lifetime"), DEFAULT_IKE_LIFETIME, _LIFETIME_UNITS),
    )


def _ipsec_profile(name, node):
    if node is None:
        return IpsecProfile(name, "esp", (), (), NO_PFS, DEFAULT_IPSEC_LIFETIME)
    protocol = "ah" if node.find_child("ah") is not None and node.find_child("esp") is None else "esp"
    lifesize = node.find_child("lifesize")
    return IpsecProfile(
        name=name,
        protocol=protocol,
        encryption=_members(node, "esp", "encryption") if protocol == "esp" else (),
        authentication=_members(node, protocol, "authentication"),
        dh_group=node.child_text("dh-group") or "group2",
        lifetime=_seconds(node.find_child("lifetime"), DEFAULT_IPSEC_LIFETIME, _LIFETIME_UNITS),
        lifesize_kb=_seconds(lifesize, None, _LIFESIZE_KB) if lifesize is not None else None,
    )


def _identity(node):
    if node is None:
        return None
    kind, value = node.child_text("type"), node.child_text("id")
    if not kind or value is None:
        return None
    return Identity(kind, value)


def _parse_gateway(entry, index, ike_profiles, addresses, interface_addresses):
    protocol = entry.find_child("protocol")
    version = (protocol.child_text("version") if protocol is not None else None) or IKEV1
    profiles = {}
    for ike_version in (IKEV1, IKEV2):
        name = (protocol.child_text(ike_version, "ike-crypto-profile") if protocol is not None else None) or DEFAULT_PROFILE
        profiles[ike_version] = _ike_profile(name, ike_profiles.get(name))

    interface = entry.child_text("local-address", "interface")
    local_ip = addresses.ip(entry.child_text("local-address", "ip"))
    if local_ip is None and interface is not None:
        candidates = sorted(interface_addresses.get(interface, ()), key=lambda ip: (ipaddress.ip_address(ip).version, ip))
        local_ip = candidates[0] if candidates else None

    peer = entry.find_child("peer-address")
    peer_type, peer_ip = "ip", None
    if peer is not None and peer.find_child("dynamic") is not None:
        peer_type = "dynamic"
    elif peer is not None and peer.find_child("fqdn") is not None:
        peer_type = "fqdn"
    elif peer is not None:
        peer_ip = addresses.ip(peer.child_text("ip"))

    authentication = entry.find_child("authentication")
    auth_method = "certificate" if authentication is not None and authentication.find_child("certificate") is not None else "pre-shared-key"
    stored_key = entry.child_text("authentication", "pre-shared-key", "key")
    common = entry.find_child("protocol-common")

    return Gateway(
        name=entry.name,
        index=index,
        disabled=_yes(entry.child_text("disabled")),
        version=version,
        exchange_mode=(protocol.child_text(IKEV1, "exchange-mode") if protocol is not None else None) or "auto",
        ike_profiles=profiles,
        interface=interface,
        local_ip=local_ip,
        peer_type=peer_type,
        peer_ip=peer_ip,
        auth_method=auth_method,
        local_id=_identity(entry.find_child("local-id")),
        peer_id=_identity(entry.find_child("peer-id")),
        peer_id_wildcard=entry.child_text("peer-id", "matching") == "wildcard",
        passive=_yes(common.child_text("passive-mode")) if common is not None else False,
        nat_traversal=_yes(common.child_text("nat-traversal", "enable")) if common is not None else False,
        psk_fingerprint=key_fingerprint(stored_key),
    )


def key_fingerprint(stored):
    """Return the SHA-1 fingerprint of a pre-shared key in stored (``-AQ==``) or plaintext form."""
    if not stored:
        return None
    if secrets.is_encrypted(stored):
        return stored[len(secrets.PREFIX):len(secrets.PREFIX) + secrets.HASH_LENGTH]
    return secrets.fingerprint(stored)


def _selector(entry, addresses):
    protocol_node = entry.find_child("protocol")
    number, local_port, remote_port = 0, 0, 0
    if protocol_node is not None:
        text = protocol_node.child_text("number")
        if text and text.isdigit():
            number = int(text)
        for name, value in _PROTOCOL_NUMBERS.items():
            ports = protocol_node.find_child(name)
            if ports is not None:
                number = value
                local_port = int(ports.child_text("local-port") or 0)
                remote_port = int(ports.child_text("remote-port") or 0)
    return Selector(
        name=entry.name,
        local=addresses.network(entry.child_text("local")) or ANY_IPV4,
        remote=addresses.network(entry.child_text("remote")) or ANY_IPV4,
        protocol=number,
        local_port=local_port,
        remote_port=remote_port,
    )


def _parse_monitor(entry, monitor_profiles):
    monitor = entry.find_child("tunnel-monitor")
    if monitor is None or not _yes(monitor.child_text("enable")):
        return None
    profile_name = monitor.child_text("tunnel-monitor-profile") or DEFAULT_PROFILE
    profile = monitor_profiles.get(profile_name)
    interval, threshold, action = 3, 5, "wait-recover"
    if profile is not None:
        interval = int(profile.child_text("interval") or interval)
        threshold = int(profile.child_text("threshold") or threshold)
        action = profile.child_text("action") or action
    return Monitor(monitor.child_text("destination-ip") or "", profile_name, interval, threshold, action)


def _parse_tunnel(entry, index, ipsec_profiles, monitor_profiles, addresses):
    auto_key = entry.find_child("auto-key")
    gateways = [gateway.name for gateway in _entries(auto_key, "ike-gateway")]
    profile_name = (auto_key.child_text("ipsec-crypto-profile") if auto_key is not None else None) or DEFAULT_PROFILE
    proxy_entries = _entries(auto_key, "proxy-id") + _entries(auto_key, "proxy-id-v6")
    selectors = tuple(_selector(proxy, addresses) for proxy in proxy_entries)
    return Tunnel(
        name=entry.name,
        index=index,
        disabled=_yes(entry.child_text("disabled")),
        tunnel_interface=entry.child_text("tunnel-interface"),
        # NOTE: PAN-OS lists gateways as entries; pansim negotiates through the first one only.
        gateway=gateways[0] if gateways else None,
        ipsec_profile=_ipsec_profile(profile_name, ipsec_profiles.get(profile_name)),
        selectors=selectors or (ANY_SELECTOR,),
        has_proxy_ids=bool(selectors),
        monitor=_parse_monitor(entry, monitor_profiles),
        anti_replay=entry.child_text("anti-replay") != "no",
        copy_tos=_yes(entry.child_text("copy-tos")),
    )


def parse_config(root, device_name):
    """Read gateways, tunnels and interface addresses from a running configuration (a ``<config>`` Node)."""
    devices = root.find_child("devices")
    device = devices.find_entry("entry", DEVICE_ENTRY) if devices is not None else None
    network = device.find_child("network") if device is not None else None
    if network is None:
        return VpnConfig(device_name, {}, {}, {})

    addresses = _Addresses(root, device)
    interface_addresses = _interface_addresses(network, addresses)
    ike_profiles = _profile_nodes(network, "ike-crypto-profiles")
    ipsec_profiles = _profile_nodes(network, "ipsec-crypto-profiles")
    monitor_profiles = {entry.name: entry for entry in _entries(network, "profiles", "monitor-profile")}

    gateways = {}
    for index, entry in enumerate(_entries(network, "ike", "gateway"), start=1):
        gateways[entry.name] = _parse_gateway(entry, index, ike_profiles, addresses, interface_addresses)
    tunnels = {}
    for index, entry in enumerate(_entries(network, "tunnel", "ipsec"), start=1):
        tunnels[entry.name] = _parse_tunnel(entry, index, ipsec_profiles, monitor_profiles, addresses)
    return VpnConfig(device_name, gateways, tunnels, interface_addresses)


# Far end lookup


@dataclass(frozen=True)
class End:
    """One end of a tunnel: a firewall's configuration, its gateway and (for phase 2) its tunnel."""

    config: VpnConfig
    gateway: Gateway
    tunnel: Tunnel = None

    @property
    def device(self):
        return self.config.device


@dataclass(frozen=True)
class FarEnd:
    """The result of a far-end lookup. ``config`` is None when no firewall owns the peer address.

    ``gateway`` is None when that firewall has no enabled gateway for our local address.
    ``interface`` is the far firewall's interface that owns the peer address.
    """

    config: VpnConfig = None
    gateway: Gateway = None
    interface: str = None


def _gateway_answers(candidate, local_ip, peer_ip):
    """Return 2 for a gateway configured for exactly this peer, 1 for a dynamic-peer gateway, 0 otherwise."""
    if candidate.disabled or candidate.local_ip != peer_ip:
        return 0
    if candidate.peer_type == "ip" and candidate.peer_ip == local_ip:
        return 2
    if candidate.peer_type == "dynamic":
        return 1
    return 0


def locate_far_end(local, gateway, others):
    """Find the firewall that owns ``gateway``'s peer address, and the gateway there that responds to us.

    A gateway configured for our exact address wins over a dynamic-peer gateway on the same address.
    """
    if gateway.peer_type != "ip" or gateway.peer_ip is None:
        return FarEnd()
    for config in others:
        if config.device == local.device:
            continue
        interface = config.owner_interface(gateway.peer_ip)
        if interface is None:
            continue
        ranked = [(_gateway_answers(candidate, gateway.local_ip, gateway.peer_ip), candidate) for candidate in config.gateways.values()]
        ranked = [(rank, candidate) for rank, candidate in ranked if rank]
        if not ranked:
            return FarEnd(config, None, interface)
        best = max(rank for rank, _ in ranked)
        chosen = next(candidate for rank, candidate in ranked if rank == best)
        return FarEnd(config, chosen, interface)
    return FarEnd()


def initiation_blocker(gateway, tunnel=None):
    """Return why this end does not initiate (a Blocker), or None when it does."""
    if gateway is None:
        return Blocker.NO_GATEWAY
    if gateway.disabled:
        return Blocker.GATEWAY_DISABLED
    if tunnel is not None and tunnel.disabled:
        return Blocker.TUNNEL_DISABLED
    if gateway.passive:
        return Blocker.PASSIVE
    if gateway.peer_type == "dynamic":
        return Blocker.DYNAMIC_PEER
    if gateway.peer_type == "fqdn":
        # NOTE: pansim resolves no names, so a gateway whose peer is an FQDN never initiates.
        return Blocker.FQDN_PEER
    return None


# Negotiation


@dataclass(frozen=True)
class Phase1:
    """The negotiated IKE SA parameters."""

    version: str
    mode: str
    encryption: str
    hash: str
    dh_group: str
    auth_method: str


@dataclass(frozen=True)
class Child:
    """Phase 2 for one initiator selector: the responder tunnel and selector it matched, and the outcome."""

    selector: Selector
    responder_tunnel: Tunnel = None
    responder_selector: Selector = None
    protocol: str = None
    encryption: str = None
    authentication: str = None
    dh_group: str = None
    cause: Cause = None

    @property
    def ok(self):
        return self.cause is None


@dataclass
class Negotiation:
    """The outcome of one negotiation attempt between ``initiator`` and the far firewall.

    ``responder`` is None when the far firewall was not reached or had no gateway for us;
    ``far`` keeps what the lookup found. ``cause`` is the phase-1 failure, or None.
    ``detail`` contains values the log wording names (versions, identities).
    """

    initiator: End
    far: FarEnd
    responder: End = None
    phase1: Phase1 = None
    cause: Cause = None
    children: list = field(default_factory=list)
    detail: dict = field(default_factory=dict)

    @property
    def phase1_ok(self):
        return self.phase1 is not None and self.cause is None

    @property
    def established(self):
        """Return True when phase 1 and every phase-2 selector succeeded."""
        return self.phase1_ok and bool(self.children) and all(child.ok for child in self.children)

    @property
    def failure(self):
        """Return the first failure cause of either phase, or None."""
        if self.cause is not None:
            return self.cause
        for child in self.children:
            if child.cause is not None:
                return child.cause
        return None


def choose_version(initiator, responder):
    """Return the IKE version the two gateways agree on, or None.

    The initiator sends its first allowed version (IKEv2 unless it is IKEv1-only).
    An ikev2-preferred initiator falls back to IKEv1 when the responder refuses IKEv2.
    """
    for version in initiator.versions:
        if version in responder.versions:
            return version
    return None


def _ike_pair_valid(encryption, hash_name, version):
    if encryption in IKE_GCM:
        return version == IKEV2
    return hash_name != NON_AUTH


def choose_ike_proposal(initiator_profile, responder_profile, version):
    """Return the first (encryption, hash, DH group) of the initiator's order that the responder accepts, or None.

    AES-GCM exists only in IKEv2, and hash non-auth only pairs with AES-GCM.
    """
    for encryption in initiator_profile.encryption:
        if encryption not in responder_profile.encryption:
            continue
        for hash_name in initiator_profile.hashes:
            if hash_name not in responder_profile.hashes or not _ike_pair_valid(encryption, hash_name, version):
                continue
            for group in initiator_profile.dh_groups:
                if group in responder_profile.dh_groups:
                    return encryption, hash_name, group
    return None


def _esp_pair_valid(encryption, authentication):
    if encryption in ESP_AEAD:
        return True
    return authentication != "none"


def choose_ipsec_proposal(initiator_profile, responder_profile):
    """Return (protocol, encryption, authentication) of the first proposal both profiles accept, or None."""
    if initiator_profile.protocol != responder_profile.protocol:
        return None
    if initiator_profile.protocol == "ah":
        for authentication in initiator_profile.authentication:
            if authentication in responder_profile.authentication:
                return "ah", None, authentication
        return None
    for encryption in initiator_profile.encryption:
        if encryption not in responder_profile.encryption:
            continue
        for authentication in initiator_profile.authentication:
            if authentication in responder_profile.authentication and _esp_pair_valid(encryption, authentication):
                return "esp", encryption, authentication
    return None


def _exchange_mode(initiator, responder):
    """Return the IKEv1 mode the initiator uses, and whether the responder accepts it."""
    mode = "aggressive" if initiator.exchange_mode == "aggressive" else "main"
    accepted = responder.exchange_mode in ("auto", mode)
    return mode, accepted


def _authenticates(initiator, responder):
    if initiator.auth_method != responder.auth_method:
        return False
    if initiator.auth_method == "certificate":
        # NOTE: certificates are not simulated; two certificate gateways always authenticate.
        return True
    return initiator.psk_fingerprint is not None and initiator.psk_fingerprint == responder.psk_fingerprint


def _peer_id_accepts(receiver, sender):
    """Return True when ``receiver``'s configured peer ID (if any) accepts ``sender``'s presented identity."""
    if receiver.peer_id is None:
        return True
    return receiver.peer_id.matches(sender.presented_id(), receiver.peer_id_wildcard)


def _phase1(negotiation, initiator, responder):
    """Run phase 1 and fill ``negotiation``. Returns True when it succeeds."""
    version = choose_version(initiator, responder)
    negotiation.detail["offered_version"] = initiator.versions[0]
    if version is None:
        negotiation.cause = Cause.IKE_VERSION
        return False
    negotiation.detail["version"] = version

    mode = None
    if version == IKEV1:
        mode, accepted = _exchange_mode(initiator, responder)
        negotiation.detail["mode"] = mode
        if not accepted:
            negotiation.cause = Cause.EXCHANGE_MODE
            return False

    proposal = choose_ike_proposal(initiator.ike_profiles[version], responder.ike_profiles[version], version)
    if proposal is None:
        negotiation.cause = Cause.IKE_PROPOSAL
        return False

    # The responder checks the initiator's identity first, then the proof (RFC 7296 section 2.15).
    if not _peer_id_accepts(responder, initiator):
        negotiation.cause = Cause.PEER_ID_AT_RESPONDER
        negotiation.detail["received_id"] = str(initiator.presented_id())
        negotiation.detail["expected_id"] = str(responder.peer_id)
        return False
    if not _authenticates(initiator, responder):
        negotiation.cause = Cause.AUTHENTICATION
        return False
    if not _peer_id_accepts(initiator, responder):
        negotiation.cause = Cause.PEER_ID_AT_INITIATOR
        negotiation.detail["received_id"] = str(responder.presented_id())
        negotiation.detail["expected_id"] = str(initiator.peer_id)
        return False

    encryption, hash_name, group = proposal
    negotiation.phase1 = Phase1(version, mode, encryption, hash_name, group, initiator.auth_method)
    return True


def _responder_match(selector, candidates):
    """Return (tunnel, selector) of the first responder tunnel with a selector that mirrors ``selector``."""
    for tunnel in candidates:
        for theirs in tunnel.selectors:
            if selector.mirrors(theirs):
                return tunnel, theirs
    return None, None


def _child(selector, initiator_tunnel, candidates):
    tunnel, theirs = _responder_match(selector, candidates)
    if tunnel is None:
        return Child(selector, responder_tunnel=candidates[0] if candidates else None, cause=Cause.PROXY_ID)

    ours = initiator_tunnel.ipsec_profile
    proposal = choose_ipsec_proposal(ours, tunnel.ipsec_profile)
    if proposal is None:
        return Child(selector, tunnel, theirs, cause=Cause.ESP_PROPOSAL)
    protocol, encryption, authentication = proposal
    if ours.dh_group != tunnel.ipsec_profile.dh_group:
        # NOTE: over IKEv2 the first child SA carries no DH exchange, so a real PFS mismatch
        # shows only at the first rekey. pansim fails the first negotiation instead.
        return Child(selector, tunnel, theirs, protocol, encryption, authentication, cause=Cause.PFS_GROUP)
    return Child(selector, tunnel, theirs, protocol, encryption, authentication, ours.dh_group)


def negotiate_children(initiator_tunnel, responder):
    """Run phase 2 for every selector of ``initiator_tunnel`` against the responder's enabled tunnels on its gateway.

    Each selector picks the first responder tunnel with a mirrored selector, so a
    responder may split one initiator tunnel's proxy IDs over several tunnels.
    """
    candidates = [tunnel for tunnel in responder.config.tunnels_of(responder.gateway.name) if not tunnel.disabled]
    return [_child(selector, initiator_tunnel, candidates) for selector in initiator_tunnel.selectors]


def negotiate(initiator, far, path_up=True, phase2=True):
    """Negotiate from ``initiator`` (an End) to the far end found by ``locate_far_end``.

    ``path_up`` is False when the link of either end is down. With ``phase2`` and
    an initiator tunnel, each of its selectors is negotiated after phase 1.
    """
    negotiation = Negotiation(initiator=initiator, far=far)
    if far.config is None or not path_up:
        negotiation.cause = Cause.PEER_UNREACHABLE
        return negotiation
    if far.gateway is None:
        negotiation.cause = Cause.NO_PEER_GATEWAY
        return negotiation

    negotiation.responder = End(far.config, far.gateway)
    if not _phase1(negotiation, initiator.gateway, far.gateway):
        return negotiation
    if phase2 and initiator.tunnel is not None:
        negotiation.children = negotiate_children(initiator.tunnel, negotiation.responder)
    return negotiation


# Steady state of a tunnel


@dataclass
class Decision:
    """The initiating end of a tunnel and the negotiation it runs (both None when no end initiates)."""

    initiator: End = None
    blocker: Blocker = None
    negotiation: Negotiation = None

    @property
    def up(self):
        return self.negotiation is not None and self.negotiation.established


def _far_initiators(local, gateway, others):
    """Yield (config, gateway) of the far gateways whose own lookup lands on ``gateway`` of ``local``."""
    for config in others:
        if config.device == local.device:
            continue
        for candidate in config.gateways.values():
            if candidate.peer_type != "ip" or candidate.peer_ip != gateway.local_ip:
                continue
            back = locate_far_end(config, candidate, [local])
            if back.gateway is not None and back.gateway.name == gateway.name:
                yield config, candidate


def _far_tunnel_end(local, gateway, local_tunnel, others):
    """Return the far End that would initiate towards us, or (None, whether a far gateway is passive).

    Among a far gateway's enabled tunnels, one whose first selector mirrors ours is preferred.
    """
    passive_found = False
    for config, candidate in _far_initiators(local, gateway, others):
        if initiation_blocker(candidate) is not None:
            passive_found = passive_found or candidate.passive
            continue
        tunnels = [tunnel for tunnel in config.tunnels_of(candidate.name) if not tunnel.disabled]
        if not tunnels:
            continue
        mirrored = [tunnel for tunnel in tunnels if any(tunnel.selectors[0].mirrors(ours) for ours in local_tunnel.selectors)]
        return End(config, candidate, (mirrored or tunnels)[0]), passive_found
    return None, passive_found


def decide(local, tunnel_name, others, down_links=frozenset()):
    """Decide a tunnel's steady state: who initiates, and what the negotiation gives.

    ``down_links`` contains the (device, interface) pairs whose link is down. The local end
    initiates unless it is passive, disabled or has a dynamic peer; then the far end
    initiates if it can. When both ends are passive, no end initiates (Blocker.BOTH_PASSIVE).
    """
    tunnel = local.tunnels.get(tunnel_name)
    gateway = local.gateways.get(tunnel.gateway) if tunnel is not None and tunnel.gateway else None
    blocker = initiation_blocker(gateway, tunnel)
    if blocker in (Blocker.NO_GATEWAY, Blocker.GATEWAY_DISABLED, Blocker.TUNNEL_DISABLED):
        return Decision(blocker=blocker)

    others = list(others)
    if blocker is None:
        far = locate_far_end(local, gateway, others)
        initiator = End(local, gateway, tunnel)
        return Decision(initiator, None, negotiate(initiator, far, _path_up(local, gateway, far, down_links)))

    # The local end only responds, so the far end has to start.
    far_end, far_passive = _far_tunnel_end(local, gateway, tunnel, others)
    if far_end is None:
        both_passive = blocker == Blocker.PASSIVE and far_passive
        return Decision(blocker=Blocker.BOTH_PASSIVE if both_passive else blocker)
    back = locate_far_end(far_end.config, far_end.gateway, [local] + others)
    path_up = _path_up(far_end.config, far_end.gateway, back, down_links)
    return Decision(far_end, None, negotiate(far_end, back, path_up))


def _path_up(local, gateway, far, down_links):
    if (local.device, gateway.interface) in down_links:
        return False
    if far.config is not None and (far.config.device, far.interface) in down_links:
        return False
    if far.gateway is not None and (far.config.device, far.gateway.interface) in down_links:
        return False
    return True
