# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wording of the VPN system log events (subtype vpn) that a negotiation or a teardown produces.

Each function returns Event records naming the firewall that logs them. Which
side logs a failure follows the protocol: the responder is the side that finds
a pre-shared key, proposal or proxy-ID mismatch, and the initiator of a
negotiation that gets no response sees a timeout.

NOTE: the sentences follow the PAN-OS messages quoted in public troubleshooting
guides ("IKE phase-1 negotiation is failed as initiator, main mode. Failed SA:
... due to timeout", "IKE phase-2 negotiation failed when processing Proxy ID",
"no suitable proposal found in peer's SA payload"). The event ids, severities
and the wording of the other events are reconstructed, not copied from a device.
"""

from dataclasses import dataclass

from pansim.vpn import IKEV1, Cause

INFORMATIONAL = "informational"
HIGH = "high"
IKE_PORT = 500
ZERO_COOKIE = "0" * 16
VERSION_LABELS = {IKEV1: "IKEv1", "ikev2": "IKEv2"}

# The notification the initiator receives when the responder rejects its proposal, per IKE version.
_NO_PROPOSAL_NOTIFY = {IKEV1: "NO-PROPOSAL-CHOSEN notification received from peer", "ikev2": "NO_PROPOSAL_CHOSEN notification received from peer"}
_AUTH_FAILED_NOTIFY = {IKEV1: "AUTHENTICATION-FAILED notification received from peer", "ikev2": "AUTHENTICATION_FAILED notification received from peer"}
_TS_NOTIFY = {IKEV1: "timeout", "ikev2": "TS_UNACCEPTABLE notification received from peer"}
NO_PROPOSAL = "no suitable proposal found in peer's SA payload"


@dataclass(frozen=True)
class Event:
    """One system log event: the firewall that logs it, event id, object (gateway or tunnel), severity and text."""

    device: str
    eventid: str
    object: str
    severity: str
    description: str


@dataclass(frozen=True)
class Identifiers:
    """The cookies (IKEv1) or SPIs (IKEv2) of an IKE SA, as 64-bit integers, and the phase-2 numbers.

    ``children`` has one (message id, initiator inbound SPI, responder inbound SPI) per selector.
    """

    initiator_cookie: int
    responder_cookie: int
    children: tuple = ()


def _socket_pair(local, peer):
    return f"{local}[{IKE_PORT}]-{peer}[{IKE_PORT}]"


def _cookie(value):
    return f"{value:016x}"


def _role_word(initiator):
    return "initiator" if initiator else "responder"


def _phase1_text(version, mode, verb, initiator, sa_word, sockets, cookies, tail):
    if version == IKEV1:
        head = f"IKE phase-1 negotiation is {verb} as {_role_word(initiator)}, {mode} mode."
        return f"{head} {sa_word} SA: {sockets} cookie:{cookies}{tail}"
    head = f"IKEv2 IKE SA negotiation is {verb} as {_role_word(initiator)}, non-rekey."
    return f"{head} {sa_word} SA: {sockets} SPI:{cookies}{tail}"


def _phase1_eventid(version, verb):
    suffix = {"started": "start", "succeeded": "succ", "failed": "fail"}[verb]
    return f"ike-nego-p1-{suffix}" if version == IKEV1 else f"ikev2-nego-ike-{suffix}"


def _phase2_text(version, verb, initiator, sa_word, sockets, message_id, tail):
    if version == IKEV1:
        head = f"IKE phase-2 negotiation is {verb} as {_role_word(initiator)}, quick mode."
    else:
        head = f"IKEv2 child SA negotiation is {verb} as {_role_word(initiator)}, non-rekey."
    return f"{head} {sa_word} SA: {sockets} message id:0x{message_id:08X}{tail}"


def _phase2_eventid(version, verb):
    suffix = {"started": "start", "succeeded": "succ", "failed": "fail"}[verb]
    return f"ike-nego-p2-{suffix}" if version == IKEV1 else f"ikev2-nego-child-{suffix}"


class _Sides:
    """Addresses, names and cookies of both ends of one negotiation, for building messages."""

    def __init__(self, negotiation, identifiers):
        initiator = negotiation.initiator
        self.negotiation = negotiation
        self.ids = identifiers
        self.local_ip = initiator.gateway.local_ip
        self.peer_ip = initiator.gateway.peer_ip
        self.initiator_device = initiator.device
        self.initiator_gateway = initiator.gateway.name
        self.responder_device = negotiation.far.config.device if negotiation.far.config is not None else None
        self.responder_gateway = negotiation.far.gateway.name if negotiation.far.gateway is not None else ""

    def sockets(self, initiator):
        return _socket_pair(self.local_ip, self.peer_ip) if initiator else _socket_pair(self.peer_ip, self.local_ip)

    def cookies(self, answered):
        responder = _cookie(self.ids.responder_cookie) if answered else ZERO_COOKIE
        return f"{_cookie(self.ids.initiator_cookie)}:{responder}"


def _phase1_event(sides, version, mode, verb, initiator, answered, tail=""):
    sa_word = {"started": "Initiated", "succeeded": "Established", "failed": "Failed"}[verb]
    device = sides.initiator_device if initiator else sides.responder_device
    gateway = sides.initiator_gateway if initiator else sides.responder_gateway
    text = _phase1_text(version, mode, verb, initiator, sa_word, sides.sockets(initiator), sides.cookies(answered), tail)
    severity = HIGH if verb == "failed" else INFORMATIONAL
    return Event(device, _phase1_eventid(version, verb), gateway, severity, text)


def _phase1_failure_tails(negotiation):
    """Return (initiator reason, responder reason or None, whether the responder replied) for a phase-1 failure."""
    cause = negotiation.cause
    detail = negotiation.detail
    version = detail.get("version", detail.get("offered_version"))
    if cause == Cause.IKE_VERSION:
        offered = detail["offered_version"]
        allowed = "ikev2" if offered == IKEV1 else IKEV1
        reason = (
            f"IKE version mismatch: peer sent {VERSION_LABELS[offered]}, "
            f"gateway {negotiation.far.gateway.name} accepts {VERSION_LABELS[allowed]} only"
        )
        return "timeout", reason, False
    if cause == Cause.EXCHANGE_MODE:
        far = negotiation.far.gateway
        reason = f"exchange mode mismatch: peer sent {detail['mode']} mode, gateway {far.name} uses {far.exchange_mode} mode"
        return "timeout", reason, False
    if cause == Cause.IKE_PROPOSAL:
        return _NO_PROPOSAL_NOTIFY[version], NO_PROPOSAL, True
    if cause == Cause.PEER_ID_AT_RESPONDER:
        reason = f"peer ID mismatch: received ID {detail['received_id']}, expected {detail['expected_id']}"
        initiator_reason = "timeout" if version == IKEV1 else _AUTH_FAILED_NOTIFY[version]
        return initiator_reason, reason, True
    if cause == Cause.AUTHENTICATION:
        # An IKEv1 responder cannot decrypt or verify the identity message and stays silent.
        initiator_reason = "timeout" if version == IKEV1 else _AUTH_FAILED_NOTIFY[version]
        return initiator_reason, "authentication failure", True
    if cause == Cause.PEER_ID_AT_INITIATOR:
        reason = f"peer ID mismatch: received ID {detail['received_id']}, expected {detail['expected_id']}"
        return reason, _AUTH_FAILED_NOTIFY[version], True
    return "timeout", None, False


def _no_configuration_event(sides, version):
    """Return the event of a far firewall that was reached but has no enabled gateway for this peer."""
    if version == IKEV1:
        text = f"IKE phase-1 negotiation is failed. Couldn't find configuration for IKE phase-1 request for peer IP {sides.local_ip}[{IKE_PORT}]."
        eventid = "ike-nego-p1-fail-common"
    else:
        text = f"IKEv2 IKE SA negotiation is failed. Couldn't find configuration for IKEv2 request for peer IP {sides.local_ip}[{IKE_PORT}]."
        eventid = "ikev2-nego-ike-fail-common"
    return Event(sides.responder_device, eventid, "", HIGH, text)


def phase1_events(negotiation, identifiers):
    """Return the events of phase 1 of an attempt, on the initiator and (when reached) the responder."""
    sides = _Sides(negotiation, identifiers)
    detail = negotiation.detail
    version = detail.get("version", detail.get("offered_version", negotiation.initiator.gateway.versions[0]))
    mode = detail.get("mode", "main")
    events = [_phase1_event(sides, version, mode, "started", True, False, ".")]

    if negotiation.phase1_ok:
        lifetime_initiator = negotiation.initiator.gateway.ike_profiles[version].lifetime
        lifetime_responder = negotiation.far.gateway.ike_profiles[version].lifetime
        events.append(_phase1_event(sides, version, mode, "started", False, True, "."))
        events.append(_phase1_event(sides, version, mode, "succeeded", True, True, f" lifetime {lifetime_initiator} Sec."))
        events.append(_phase1_event(sides, version, mode, "succeeded", False, True, f" lifetime {lifetime_responder} Sec."))
        return events

    if negotiation.cause == Cause.NO_PEER_GATEWAY:
        events.append(_no_configuration_event(sides, version))
    initiator_reason, responder_reason, answered = _phase1_failure_tails(negotiation)
    if answered:
        events.append(_phase1_event(sides, version, mode, "started", False, True, "."))
    if responder_reason is not None:
        events.append(_phase1_event(sides, version, mode, "failed", False, answered, f". Due to {responder_reason}."))
    events.append(_phase1_event(sides, version, mode, "failed", True, answered, f". Due to {initiator_reason}."))
    return events


def _selector_text(network, protocol, port):
    kind = "IPv4" if network.version == 4 else "IPv6"
    shape = "address" if network.prefixlen == network.max_prefixlen else "subnet"
    return f"{network} type {kind}_{shape} protocol {protocol} port {port}"


def _proxy_id_failure_text(version, selector):
    received_local = _selector_text(selector.local, selector.protocol, selector.local_port)
    received_remote = _selector_text(selector.remote, selector.protocol, selector.remote_port)
    if version == IKEV1:
        head = "IKE phase-2 negotiation failed when processing Proxy ID."
    else:
        head = "IKEv2 child SA negotiation failed when processing traffic selector."
    return f"{head} Received local id: {received_local}, received remote id: {received_remote}."


def _sa_name(tunnel, selector):
    return f"{tunnel.name}:{selector.name}" if selector is not None and selector.name else tunnel.name


def phase2_events(negotiation, identifiers):
    """Return the events of phase 2 of an attempt: one negotiation per selector of the initiator's tunnel."""
    sides = _Sides(negotiation, identifiers)
    version = negotiation.phase1.version
    initiator_tunnel = negotiation.initiator.tunnel
    events = []
    for child, (message_id, initiator_spi, responder_spi) in zip(negotiation.children, identifiers.children):
        local_name = _sa_name(initiator_tunnel, child.selector)
        far_name = _sa_name(child.responder_tunnel, child.responder_selector) if child.responder_tunnel is not None else sides.responder_gateway

        def event(initiator, verb, tail, object_name, eventid=None, severity=None, text=None):
            device = sides.initiator_device if initiator else sides.responder_device
            sa_word = {"started": "Initiated", "succeeded": "Established", "failed": "Failed"}[verb]
            body = text or _phase2_text(version, verb, initiator, sa_word, sides.sockets(initiator), message_id, tail)
            level = severity or (HIGH if verb == "failed" else INFORMATIONAL)
            return Event(device, eventid or _phase2_eventid(version, verb), object_name, level, body)

        events.append(event(True, "started", ".", local_name))
        if child.ok:
            initiator_life = initiator_tunnel.ipsec_profile.lifetime
            responder_life = child.responder_tunnel.ipsec_profile.lifetime
            events.append(event(False, "started", ".", far_name))
            events.append(event(True, "succeeded", f", SPI:0x{initiator_spi:08X}/0x{responder_spi:08X} lifetime {initiator_life} Sec.", local_name))
            events.append(event(False, "succeeded", f", SPI:0x{responder_spi:08X}/0x{initiator_spi:08X} lifetime {responder_life} Sec.", far_name))
            events.extend(key_events(sides.initiator_device, sides.local_ip, sides.peer_ip, local_name, initiator_spi, responder_spi, initiator_life, True))
            events.extend(key_events(sides.responder_device, sides.peer_ip, sides.local_ip, far_name, responder_spi, initiator_spi, responder_life, True))
            continue

        if child.cause == Cause.PROXY_ID:
            text = _proxy_id_failure_text(version, child.selector)
            events.append(event(False, "failed", "", far_name, text=text))
            events.append(event(True, "failed", f". Due to {_TS_NOTIFY[version]}.", local_name))
            continue

        if child.cause == Cause.PFS_GROUP:
            theirs = child.responder_tunnel.ipsec_profile.dh_group
            reason = f"pfs group mismatched: peer proposed {initiator_tunnel.ipsec_profile.dh_group}, tunnel {child.responder_tunnel.name} uses {theirs}"
        else:
            reason = NO_PROPOSAL
        events.append(event(False, "started", ".", far_name))
        events.append(event(False, "failed", f". Due to {reason}.", far_name))
        events.append(event(True, "failed", f". Due to {_NO_PROPOSAL_NOTIFY[version]}.", local_name))
    return events


def key_events(device, local_ip, peer_ip, sa_name, inbound_spi, outbound_spi, lifetime, installed):
    """Return the ipsec-key-install (or -delete) event of one IPsec SA on one firewall."""
    sockets = _socket_pair(local_ip, peer_ip)
    spis = f"SPI:0x{inbound_spi:08X}/0x{outbound_spi:08X}"
    if installed:
        text = f"IPSec key installed. Installed SA: {sockets} {spis} lifetime {lifetime} Sec tunnel {sa_name}."
        return [Event(device, "ipsec-key-install", sa_name, INFORMATIONAL, text)]
    text = f"IPSec key deleted. Deleted SA: {sockets} {spis} tunnel {sa_name}."
    return [Event(device, "ipsec-key-delete", sa_name, INFORMATIONAL, text)]


def ike_delete_event(device, gateway, version, local_ip, peer_ip, initiator_cookie, responder_cookie):
    """Return the event of an IKE SA being deleted on one firewall."""
    sockets = _socket_pair(local_ip, peer_ip)
    cookies = f"{_cookie(initiator_cookie)}:{_cookie(responder_cookie)}"
    if version == IKEV1:
        return Event(device, "ike-nego-p1-delete", gateway, INFORMATIONAL, f"IKE phase-1 SA is deleted. Deleted SA: {sockets} cookie:{cookies}.")
    return Event(device, "ikev2-nego-ike-delete", gateway, INFORMATIONAL, f"IKEv2 IKE SA is deleted. Deleted SA: {sockets} SPI:{cookies}.")


def tunnel_status_event(device, tunnel, up):
    """Return the event of a tunnel going up (its first SA) or down (its last SA)."""
    state = "up" if up else "down"
    return Event(device, f"tunnel-status-{state}", tunnel, INFORMATIONAL if up else HIGH, f"IPSec tunnel {tunnel} is {state}.")


def monitor_event(device, tunnel, destination, up):
    """Return the event of a tunnel monitor changing state."""
    if up:
        text = f"Tunnel monitor for tunnel {tunnel} is up: destination {destination} replies."
        return Event(device, "tunnel-monitor-up", tunnel, INFORMATIONAL, text)
    text = f"Tunnel monitor for tunnel {tunnel} is down: destination {destination} does not reply."
    return Event(device, "tunnel-monitor-down", tunnel, HIGH, text)
