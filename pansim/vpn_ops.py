# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The VPN op commands: show vpn ike-sa|ipsec-sa|flow|tunnel|gateway, test vpn and clear vpn.

Handlers take the OpContext of ``pansim.ops`` and render the fabric's view of the
firewall. Element names follow replies seen from PAN-OS 10.x and 11.x devices
(``show vpn tunnel``, ``show vpn flow tunnel-id``).

NOTE: these parts are reconstructed, not seen in a reply: the ``show vpn gateway``
layout and its ``sock`` value, the clear texts, and the ``show vpn ipsec-sa``
labels for AES-GCM (G128, G256).
"""

import time

from pansim import errors, responses
from pansim.errors import ApiError
from pansim.node import element, leaf, to_xml
from pansim.vpn import ESP_AEAD, IKEV1
from pansim.vpn_runtime import fabric_of

IKE_ENCRYPTION_LABELS = {
    "des": "DES",
    "3des": "3DES",
    "aes-128-cbc": "AES128-CBC",
    "aes-192-cbc": "AES192-CBC",
    "aes-256-cbc": "AES256-CBC",
    "aes-128-gcm": "AES128-GCM16",
    "aes-256-gcm": "AES256-GCM16",
    "aes-128-ccm": "AES128-CCM16",
    "null": "NULL",
}
SA_ENCRYPTION_LABELS = {
    "des": "DES",
    "3des": "3DES",
    "aes-128-cbc": "A128",
    "aes-192-cbc": "A192",
    "aes-256-cbc": "A256",
    "aes-128-gcm": "G128",
    "aes-256-gcm": "G256",
    "aes-128-ccm": "C128",
    "null": "NULL",
}
ID_PREFIXES = {"ipaddr": "ip", "fqdn": "fqdn", "ufqdn": "ufqdn", "keyid": "keyid", "dn": "dn"}
# Bytes per simulated packet, and packets per second in each direction of an up tunnel.
PACKET_BYTES = 128
TUNNEL_MTU = "1427"


def _label(table, value):
    return table.get(value, (value or "").upper())


def _hash_label(value):
    return (value or "none").upper()


def _dh_label(group):
    if not group or group == "no-pfs":
        return "none"
    return "DH" + group.replace("group", "")


def _sa_time(seconds):
    return time.strftime("%b.%d %H:%M:%S", time.localtime(seconds))


def _text(value):
    return None if value is None else str(value)


# Arguments


def _arguments(ctx, allowed):
    """Return {name: text} of the argument elements under the command node, rejecting unknown ones."""
    if ctx.device.is_panorama:
        raise ApiError(errors.INVALID_COMMAND, [f" {ctx.root.tag} -> vpn is unexpected", "Invalid command"])
    values = {}
    for child in ctx.node.children:
        if child.tag not in allowed:
            raise ApiError(errors.INVALID_COMMAND, [f" {ctx.node.tag} -> {child.tag} is unexpected", "Invalid command"])
        if child.children:
            raise ApiError(errors.INVALID_COMMAND, [f" {child.tag} -> {child.children[0].tag} is unexpected", "Invalid command"])
        values[child.tag] = (child.text or "").strip()
    return values


def _view(ctx):
    return fabric_of(ctx.device).view(ctx.device)


# show vpn ike-sa [gateway <name>]


def _ike_entry(sa):
    phase1 = sa.phase1
    mode = {"main": "Main", "aggressive": "Aggr"}.get(phase1.mode, "Main") if phase1.version == IKEV1 else "IKEv2"
    auth = "PSK" if phase1.auth_method == "pre-shared-key" else "RSA"
    algo = "/".join((auth, _dh_label(phase1.dh_group), _label(IKE_ENCRYPTION_LABELS, phase1.encryption), _hash_label(phase1.hash)))
    return element(
        "entry",
        leaf("gwid", str(sa.gateway.index)),
        leaf("name", sa.gateway.name),
        leaf("role", sa.role),
        leaf("mode", mode),
        leaf("algo", algo),
        leaf("created", _sa_time(sa.created)),
        leaf("expires", _sa_time(sa.expires)),
    )


def show_ike_sa(ctx):
    wanted = _arguments(ctx, ("gateway",)).get("gateway")
    view = _view(ctx)
    entries = [_ike_entry(sa) for sa in view.ike_sas if wanted is None or sa.gateway.name == wanted]
    return responses.result("".join(to_xml(entry) for entry in entries))


# show vpn ipsec-sa [tunnel <name>]


def _flow_name(tunnel, selector):
    return f"{tunnel.name}:{selector.name}" if selector is not None and selector.name else tunnel.name


def _ipsec_entry(sa, flow_id, now):
    kb = str(sa.lifesize_kb) if sa.lifesize_kb else "Unlimited"
    remain = max(0, int(sa.created + sa.lifetime - now))
    return element(
        "entry",
        leaf("gwid", str(sa.gateway.index) if sa.gateway is not None else "0"),
        leaf("gateway", sa.gateway.name if sa.gateway is not None else None),
        leaf("tid", str(flow_id)),
        leaf("remote", sa.peer_ip),
        leaf("name", _flow_name(sa.tunnel, sa.selector)),
        leaf("proto", sa.protocol.upper()),
        leaf("enc", _label(SA_ENCRYPTION_LABELS, sa.encryption) if sa.encryption else "NONE"),
        leaf("hash", _hash_label(sa.authentication)),
        leaf("i_spi", str(sa.inbound_spi)),
        leaf("o_spi", str(sa.outbound_spi)),
        leaf("dh", _dh_label(sa.dh_group)),
        leaf("kb", kb),
        leaf("life", str(sa.lifetime)),
        leaf("remain", str(remain)),
    )


def _flow_ids(view):
    return {flow.name: flow.id for flow in view.flows}


def show_ipsec_sa(ctx):
    wanted = _arguments(ctx, ("tunnel",)).get("tunnel")
    view = _view(ctx)
    ids = _flow_ids(view)
    entries = []
    for sa in view.ipsec_sas:
        name = _flow_name(sa.tunnel, sa.selector)
        if wanted is None or wanted in (sa.tunnel.name, name):
            entries.append(_ipsec_entry(sa, ids.get(name, 0), view.now))
    return responses.result(to_xml(element("entries", *entries)))


# show vpn tunnel [name <name>]


def _tunnel_entry(flow):
    profile = flow.tunnel.ipsec_profile
    selector = flow.selector
    encryption = profile.encryption[0] if profile.encryption else None
    authentication = profile.authentication[0] if profile.authentication else None
    return element(
        "entry",
        leaf("id", str(flow.id)),
        leaf("name", flow.name),
        leaf("gw", flow.gateway.name if flow.gateway is not None else None),
        leaf("TSi_ip", str(selector.local.network_address)),
        leaf("TSi_prefix", str(selector.local.prefixlen)),
        leaf("TSi_proto", str(selector.protocol)),
        leaf("TSi_port", str(selector.local_port)),
        leaf("TSr_ip", str(selector.remote.network_address)),
        leaf("TSr_prefix", str(selector.remote.prefixlen)),
        leaf("TSr_proto", str(selector.protocol)),
        leaf("TSr_port", str(selector.remote_port)),
        leaf("proto", profile.protocol.upper()),
        leaf("mode", "tunl"),
        leaf("dh", _dh_label(profile.dh_group)),
        leaf("enc", _label(IKE_ENCRYPTION_LABELS, encryption) if encryption else "NONE"),
        leaf("hash", _hash_label(authentication)),
        leaf("life", str(profile.lifetime)),
        leaf("kb", str(profile.lifesize_kb or 0)),
    )


def show_tunnel(ctx):
    wanted = _arguments(ctx, ("name",)).get("name")
    view = _view(ctx)
    flows = [flow for flow in view.flows if wanted is None or wanted in (flow.tunnel.name, flow.name)]
    inner = leaf("ntun", str(len(flows)))
    return responses.result(to_xml(inner) + to_xml(element("entries", *(_tunnel_entry(flow) for flow in flows))))


# show vpn gateway [name <name>]


def _identity_text(identity):
    if identity is None:
        return None
    return f"{ID_PREFIXES.get(identity.type, identity.type)}({identity.type}:{identity.value})"


def _proposal_block(tag, gateway, version):
    profile = gateway.ike_profiles[version]
    if gateway.peer_id is not None:
        peer_id = _identity_text(gateway.peer_id)
    elif gateway.peer_ip:
        peer_id = f"ip(ipaddr:{gateway.peer_ip})"
    else:
        peer_id = "any"
    return element(
        tag,
        leaf("peer-id", peer_id),
        leaf("local-id", _identity_text(gateway.presented_id())),
        leaf("auth", "PSK" if gateway.auth_method == "pre-shared-key" else "RSA"),
        leaf("dh", ",".join(_dh_label(group) for group in profile.dh_groups) or None),
        leaf("enc", ",".join(_label(IKE_ENCRYPTION_LABELS, name) for name in profile.encryption) or None),
        leaf("hash", ",".join(_hash_label(name) for name in profile.hashes) or None),
        leaf("life", str(profile.lifetime)),
    )


def _gateway_entry(gateway):
    blocks = [_proposal_block("v1" if version == IKEV1 else "v2", gateway, version) for version in sorted(gateway.versions)]
    return element(
        "entry",
        leaf("id", str(gateway.index)),
        leaf("name", gateway.name),
        leaf("sock", f"{gateway.local_ip}[500]" if gateway.local_ip else None),
        leaf("natt", "True" if gateway.nat_traversal else "False"),
        *blocks,
    )


def show_gateway(ctx):
    wanted = _arguments(ctx, ("name",)).get("name")
    view = _view(ctx)
    gateways = [gateway for gateway in view.config.gateways.values() if wanted is None or gateway.name == wanted]
    entries = element("entries", *(_gateway_entry(gateway) for gateway in gateways))
    return responses.result(to_xml(entries) + to_xml(leaf("all", "True" if wanted is None else "False")) + to_xml(leaf("ngw", str(len(gateways)))))


# show vpn flow [name <name> | tunnel-id <id>]


def _flow_summary(flow):
    return element(
        "entry",
        leaf("name", flow.name),
        leaf("id", str(flow.id)),
        leaf("gwid", str(flow.gateway.index) if flow.gateway is not None else "0"),
        leaf("inner-if", flow.tunnel.tunnel_interface),
        leaf("outer-if", flow.gateway.interface if flow.gateway is not None else None),
        leaf("localip", flow.local_ip or "0.0.0.0"),
        leaf("peerip", flow.peer_ip or "0.0.0.0"),
        leaf("state", flow.state),
        leaf("mon", flow.monitor),
        leaf("owner", "1"),
    )


def _range(network, protocol, port):
    return element(
        "ts-side",
        leaf("sip", str(network.network_address)),
        leaf("eip", str(network.broadcast_address)),
        leaf("sport", str(port)),
        leaf("eport", str(port if port else 65535)),
        leaf("proto", str(protocol)),
    )


def _traffic_selectors(selector):
    local = _range(selector.local, selector.protocol, selector.local_port)
    remote = _range(selector.remote, selector.protocol, selector.remote_port)
    local.tag, remote.tag = "local", "remote"
    return element("ts", local, remote)


def _monitor_block(flow, config, elapsed):
    monitor = flow.tunnel.monitor
    if monitor is None:
        return element("monitor", leaf("status", "False"), leaf("on", "False"))
    sent = int(elapsed // monitor.interval) if elapsed else 0
    received = sent if flow.monitor == "up" else 0
    return element(
        "monitor",
        leaf("status", "True" if flow.monitor == "up" else "False"),
        leaf("on", "True"),
        leaf("src", config.interface_ip(flow.tunnel.tunnel_interface)),
        leaf("dst", monitor.destination),
        leaf("interval", str(monitor.interval)),
        leaf("threshold", str(monitor.threshold)),
        leaf("pkt-sent", str(sent)),
        leaf("pkt-recv", str(received)),
        leaf("pkt-seen", str(received)),
        leaf("pkt-reply", str(received)),
    )


def _flow_detail(flow, view):
    """Render one flow with SPIs, counters, lifetimes, monitor and traffic selectors."""
    sa = flow.sa
    elapsed = max(0.0, view.now - flow.up_since) if sa is not None and flow.up_since is not None else 0.0
    packets = int(elapsed)
    profile = flow.tunnel.ipsec_profile
    remaining = max(0, int(sa.created + sa.lifetime - view.now)) if sa is not None else 0
    if sa is not None:
        encryption, authentication = sa.encryption, sa.authentication
    else:
        # Without an SA the flow shows the first proposal of the tunnel's profile.
        encryption = profile.encryption[0] if profile.encryption else None
        authentication = profile.authentication[0] if profile.authentication else None
    detail = _flow_summary(flow)
    for child in (
        leaf("type", "IPSec"),
        leaf("keytype", "auto key"),
        leaf("local-spi", f"{sa.inbound_spi:08X}" if sa is not None else "00000000"),
        leaf("remote-spi", f"{sa.outbound_spi:08X}" if sa is not None else "00000000"),
        leaf("proto", profile.protocol.upper()),
        leaf("ipsec-mode", "tunnel"),
        leaf("enc", _label(IKE_ENCRYPTION_LABELS, encryption) if encryption else "NONE"),
        leaf("auth", "null" if encryption in ESP_AEAD or not authentication or authentication == "none" else authentication),
        leaf("initiator", "True" if sa is not None and sa.role == "Init" else "False"),
        leaf("natt", "True" if flow.gateway is not None and flow.gateway.nat_traversal else "False"),
        leaf("anti-replay", "True" if flow.tunnel.anti_replay else "False"),
        leaf("anti-replay-window", "1024"),
        leaf("copy-tos", "True" if flow.tunnel.copy_tos else "False"),
        leaf("mtu", TUNNEL_MTU),
        leaf("hardtime", str(sa.lifetime if sa is not None else profile.lifetime)),
        leaf("softtime", str(max(0, (sa.lifetime if sa is not None else profile.lifetime) - 107))),
        leaf("remaintime", str(remaining)),
        leaf("remainsize", str(sa.lifesize_kb) if sa is not None and sa.lifesize_kb else "N/A"),
        leaf("pkt-encap", str(packets)),
        leaf("pkt-decap", str(packets)),
        leaf("byte-encap", str(packets * PACKET_BYTES)),
        leaf("byte-decap", str(packets * PACKET_BYTES)),
        leaf("seq-send", str(packets)),
        leaf("seq-recv", str(packets)),
        leaf("pkt-replay", "0"),
        leaf("auth-err", "0"),
        leaf("dec-err", "0"),
        leaf("inner-warn", "0"),
        _monitor_block(flow, view.config, elapsed),
        _traffic_selectors(flow.selector),
    ):
        detail.append(child)
    return detail


def _flow_wrapper(entries, summary):
    parts = [leaf("dp", "dp0")]
    if summary:
        parts += [leaf("total", str(len(entries))), leaf("num_ipsec", str(len(entries))), leaf("num_sslvpn", "0")]
    return responses.result("".join(to_xml(part) for part in parts) + to_xml(element("IPSec", *entries)))


def show_flow(ctx):
    arguments = _arguments(ctx, ("name", "tunnel-id"))
    view = _view(ctx)
    if "tunnel-id" in arguments:
        flows = [flow for flow in view.flows if str(flow.id) == arguments["tunnel-id"]]
        return _flow_wrapper([_flow_detail(flow, view) for flow in flows], False)
    if "name" in arguments:
        flows = [flow for flow in view.flows if arguments["name"] in (flow.name, flow.tunnel.name)]
        return _flow_wrapper([_flow_detail(flow, view) for flow in flows], False)
    return _flow_wrapper([_flow_summary(flow) for flow in view.flows], True)


# test vpn, clear vpn


def _start_line(ctx):
    return f"Start time: {_sa_time(fabric_of(ctx.device).clock())}\n"


def _require_gateway(ctx, name):
    view = _view(ctx)
    if name is not None and name not in view.config.gateways:
        raise ApiError(errors.OBJECT_NOT_PRESENT, f"IKE gateway {name} not found")
    return view


def _require_tunnel(ctx, name):
    view = _view(ctx)
    if name is not None and name not in view.config.tunnels:
        raise ApiError(errors.OBJECT_NOT_PRESENT, f"IPSec tunnel {name} not found")
    return view


def initiate_ike_sa(ctx):
    name = _arguments(ctx, ("gateway",)).get("gateway")
    _require_gateway(ctx, name)
    started = fabric_of(ctx.device).initiate_ike(ctx.device, name)
    return responses.result(responses.cdata(f"{_start_line(ctx)}Initiate {started} IKE SA.\n"))


def initiate_ipsec_sa(ctx):
    argument = _arguments(ctx, ("tunnel",)).get("tunnel")
    tunnel, _, selector = (argument or "").partition(":")
    _require_tunnel(ctx, tunnel or None)
    started = fabric_of(ctx.device).initiate_ipsec(ctx.device, tunnel or None, selector or None)
    target = f" for tunnel {argument}" if argument else ""
    return responses.result(responses.cdata(f"{_start_line(ctx)}Initiate {started} IPSec SA{target}.\n"))


def clear_ike_sa(ctx):
    name = _arguments(ctx, ("gateway",)).get("gateway")
    view = _require_gateway(ctx, name)
    found = 1 if name is not None else len(view.config.gateways)
    versions = fabric_of(ctx.device).clear_ike(ctx.device, name)
    v1 = sum(1 for version in versions if version == IKEV1)
    text = (
        f"Delete IKEv1 phase-1 SA: Total {found} gateways found. {v1} ISAKMP SA(s) deleted.\n"
        f"Delete IKEv2 IKE SA: Total {found} gateways found. {len(versions) - v1} IKE SA(s) deleted.\n"
    )
    return responses.result(responses.cdata(text))


def clear_ipsec_sa(ctx):
    name = _arguments(ctx, ("tunnel",)).get("tunnel")
    view = _require_tunnel(ctx, name)
    deleted = fabric_of(ctx.device).clear_ipsec(ctx.device, name)
    if name is not None and deleted == 0:
        return responses.result(responses.cdata(f"IPSec SA for tunnel {name} not found.\n"))
    found = 1 if name is not None else len(view.config.tunnels)
    return responses.result(responses.cdata(f"Delete IPSec SA: Total {found} tunnels found. {deleted} IPSec SA(s) deleted.\n"))


COMMANDS = {
    ("show", "vpn", "ike-sa"): show_ike_sa,
    ("show", "vpn", "ipsec-sa"): show_ipsec_sa,
    ("show", "vpn", "flow"): show_flow,
    ("show", "vpn", "tunnel"): show_tunnel,
    ("show", "vpn", "gateway"): show_gateway,
    ("test", "vpn", "ike-sa"): initiate_ike_sa,
    ("test", "vpn", "ipsec-sa"): initiate_ipsec_sa,
    ("clear", "vpn", "ike-sa"): clear_ike_sa,
    ("clear", "vpn", "ipsec-sa"): clear_ipsec_sa,
}
