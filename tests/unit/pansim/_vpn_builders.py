"""Builders of VPN configuration for the pansim VPN tests: (xpath, element) pairs for ``action=set``."""

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from pansim import vpn
from pansim.api import handle_request
from pansim.device import Device, DeviceSpec
from pansim.factory import InterfaceSpec

DEVICE = "/config/devices/entry[@name='localhost.localdomain']"
NETWORK = DEVICE + "/network"
IKE_PROFILES = NETWORK + "/ike/crypto-profiles/ike-crypto-profiles"
IPSEC_PROFILES = NETWORK + "/ike/crypto-profiles/ipsec-crypto-profiles"
GATEWAYS = NETWORK + "/ike/gateway"
TUNNELS = NETWORK + "/tunnel/ipsec"
TUNNEL_UNITS = NETWORK + "/interface/tunnel/units"
MONITOR_PROFILES = NETWORK + "/profiles/monitor-profile"
ROUTER = NETWORK + "/virtual-router/entry[@name='default']"
ZONES = DEVICE + "/vsys/entry[@name='vsys1']/zone"
ADDRESSES = DEVICE + "/vsys/entry[@name='vsys1']/address"


def _members(tag, values):
    return f"<{tag}>" + "".join(f"<member>{value}</member>" for value in values) + f"</{tag}>"


def ike_profile(name, encryption=("aes-256-cbc",), hashes=("sha256",), dh_groups=("group14",), hours=8):
    element = f'<entry name="{name}">{_members("encryption", encryption)}{_members("hash", hashes)}{_members("dh-group", dh_groups)}'
    element += f"<lifetime><hours>{hours}</hours></lifetime></entry>"
    return IKE_PROFILES, element


def ipsec_profile(name, encryption=("aes-256-gcm",), authentication=("none",), dh_group="group20", hours=1, lifesize_mb=None, ah=False):
    if ah:
        body = f"<ah>{_members('authentication', authentication)}</ah>"
    else:
        body = f"<esp>{_members('encryption', encryption)}{_members('authentication', authentication)}</esp>"
    body += f"<dh-group>{dh_group}</dh-group><lifetime><hours>{hours}</hours></lifetime>"
    if lifesize_mb:
        body += f"<lifesize><mb>{lifesize_mb}</mb></lifesize>"
    return IPSEC_PROFILES, f'<entry name="{name}">{body}</entry>'


def monitor_profile(name, interval=3, threshold=5, action="fail-over"):
    element = f'<entry name="{name}"><interval>{interval}</interval><threshold>{threshold}</threshold><action>{action}</action></entry>'
    return MONITOR_PROFILES, element


@dataclass
class GatewaySpec:
    """An IKE gateway. ``peer`` is an address, "dynamic", or "fqdn:NAME"."""

    name: str
    interface: str
    peer: str
    psk: str
    version: str = "ikev2"
    ike_profile: str = "ike-p1"
    local_ip: str = None
    passive: bool = False
    local_id: tuple = None
    peer_id: tuple = None
    disabled: bool = False
    exchange_mode: str = None

    def pair(self):
        profile_tag = "ikev1" if self.version == "ikev1" else "ikev2"
        protocol = f"<version>{self.version}</version>"
        if self.version == "ikev2-preferred":
            protocol += f"<ikev1><ike-crypto-profile>{self.ike_profile}</ike-crypto-profile></ikev1>"
            protocol += f"<ikev2><ike-crypto-profile>{self.ike_profile}</ike-crypto-profile></ikev2>"
        else:
            mode = f"<exchange-mode>{self.exchange_mode}</exchange-mode>" if self.exchange_mode and profile_tag == "ikev1" else ""
            protocol += f"<{profile_tag}>{mode}<ike-crypto-profile>{self.ike_profile}</ike-crypto-profile></{profile_tag}>"
        if self.peer == "dynamic":
            peer = "<dynamic/>"
        elif self.peer.startswith("fqdn:"):
            peer = f"<fqdn>{self.peer[5:]}</fqdn>"
        else:
            peer = f"<ip>{self.peer}</ip>"
        local = f"<interface>{self.interface}</interface>"
        if self.local_ip:
            local += f"<ip>{self.local_ip}</ip>"
        body = f"<protocol>{protocol}</protocol><peer-address>{peer}</peer-address><local-address>{local}</local-address>"
        body += f"<authentication><pre-shared-key><key>{self.psk}</key></pre-shared-key></authentication>"
        if self.local_id:
            body += f"<local-id><type>{self.local_id[0]}</type><id>{self.local_id[1]}</id></local-id>"
        if self.peer_id:
            body += f"<peer-id><type>{self.peer_id[0]}</type><id>{self.peer_id[1]}</id></peer-id>"
        body += f"<protocol-common><passive-mode>{'yes' if self.passive else 'no'}</passive-mode></protocol-common>"
        if self.disabled:
            body += "<disabled>yes</disabled>"
        return GATEWAYS, f'<entry name="{self.name}">{body}</entry>'


@dataclass
class TunnelSpec:
    """An IPsec tunnel. ``proxy_ids`` are (name, local, remote) or (name, local, remote, protocol XML)."""

    name: str
    unit: str
    gateway: str
    ipsec_profile: str = "ipsec-p2"
    proxy_ids: list = field(default_factory=list)
    monitor: tuple = None
    disabled: bool = False

    def pair(self):
        proxies = ""
        for proxy in self.proxy_ids:
            protocol = proxy[3] if len(proxy) > 3 else "<any/>"
            proxies += f'<entry name="{proxy[0]}"><local>{proxy[1]}</local><remote>{proxy[2]}</remote><protocol>{protocol}</protocol></entry>'
        auto_key = f'<ike-gateway><entry name="{self.gateway}"/></ike-gateway><ipsec-crypto-profile>{self.ipsec_profile}</ipsec-crypto-profile>'
        if proxies:
            auto_key += f"<proxy-id>{proxies}</proxy-id>"
        body = f"<tunnel-interface>{self.unit}</tunnel-interface><auto-key>{auto_key}</auto-key>"
        if self.monitor:
            destination, profile = self.monitor
            body += f"<tunnel-monitor><enable>yes</enable><destination-ip>{destination}</destination-ip>"
            body += f"<tunnel-monitor-profile>{profile}</tunnel-monitor-profile></tunnel-monitor>"
        if self.disabled:
            body += "<disabled>yes</disabled>"
        return TUNNELS, f'<entry name="{self.name}">{body}</entry>'


def tunnel_unit(name, address=None):
    ip = f'<ip><entry name="{address}"/></ip>' if address else ""
    return TUNNEL_UNITS, f'<entry name="{name}">{ip}</entry>'


def placement(unit):
    """Put a tunnel interface in the default virtual router and zone vpn, so commits give no warnings."""
    return [
        (ROUTER + "/interface", f"<member>{unit}</member>"),
        (ZONES, f'<entry name="vpn"><network><layer3><member>{unit}</member></layer3></network></entry>'),
    ]


def site(gateway, tunnel, unit_address=None, ike=None, ipsec=None, monitor=None):
    """Return the (xpath, element) pairs of one end: profiles, tunnel interface, gateway and tunnel."""
    pairs = [ike or ike_profile("ike-p1"), ipsec or ipsec_profile("ipsec-p2")]
    if monitor:
        pairs.append(monitor)
    pairs.append(tunnel_unit(tunnel.unit, unit_address))
    pairs.extend(placement(tunnel.unit))
    pairs.append(gateway.pair())
    pairs.append(tunnel.pair())
    return pairs


def replacing(pair):
    """Turn a (container xpath, entry element) pair into an ``edit`` that replaces the entry instead of merging into it."""
    xpath, element = pair
    name = ET.fromstring(element).get("name")
    return xpath + f"/entry[@name='{name}']", element, "edit"


def configure(device, pairs, commit=False):
    """Apply (xpath, element[, action]) pairs to a Device's candidate as admin, and commit them when ``commit`` is set.

    The action defaults to ``set``, which merges member lists into existing entries.
    """
    with device.lock:
        reply = handle_request(device, {"type": "keygen", "user": "admin", "password": "admin"}, {})
        key = ET.fromstring(reply.body).findtext("./result/key")
        for xpath, element, *action in pairs:
            params = {"type": "config", "action": action[0] if action else "set", "xpath": xpath, "element": element, "key": key}
            reply = handle_request(device, params, {})
            assert 'status="success"' in reply.body, reply.body
        if commit:
            reply = handle_request(device, {"type": "commit", "cmd": "<commit/>", "key": key}, {})
            assert 'status="success"' in reply.body, reply.body
            device.finish_all_jobs()


# Two ends of one tunnel, parsed from candidate configurations

HUB_IP = "198.51.100.1"
SPOKE_IP = "203.0.113.2"
PSK = "Shared-Key-4711"


def build(name, address, gateways=(), tunnels=(), ike=None, ipsec=None, extra=(), interfaces=None):
    """Return a device whose candidate has the given profiles, gateways and tunnels."""
    specs = interfaces or [InterfaceSpec("ethernet1/1", address + "/24")]
    device = Device(DeviceSpec(name=name, port=0, interfaces=specs))
    pairs = [ike or ike_profile("ike-p1"), ipsec or ipsec_profile("ipsec-p2"), *extra]
    for tunnel in tunnels:
        pairs.append(tunnel_unit(tunnel.unit, "169.254.0.1/30"))
    pairs += [gateway.pair() for gateway in gateways]
    pairs += [tunnel.pair() for tunnel in tunnels]
    configure(device, pairs)
    return device


def config(device):
    return vpn.parse_config(device.candidate, device.name)


def hub_gateway(**options):
    options.setdefault("psk", PSK)
    return GatewaySpec("gw", "ethernet1/1", options.pop("peer", SPOKE_IP), **options)


def spoke_gateway(**options):
    options.setdefault("psk", PSK)
    return GatewaySpec("gw", "ethernet1/1", options.pop("peer", HUB_IP), **options)


def ends(hub_gw=None, spoke_gw=None, hub_tunnel=None, spoke_tunnel=None, hub_ike=None, spoke_ike=None, hub_ipsec=None, spoke_ipsec=None):
    """Return the parsed configurations of a hub and a spoke that each have gateway gw and tunnel t1."""
    hub = build("hub", HUB_IP, [hub_gw or hub_gateway()], [hub_tunnel or TunnelSpec("t1", "tunnel.1", "gw")], hub_ike, hub_ipsec)
    spoke = build("spoke", SPOKE_IP, [spoke_gw or spoke_gateway()], [spoke_tunnel or TunnelSpec("t1", "tunnel.1", "gw")], spoke_ike, spoke_ipsec)
    return config(hub), config(spoke)


def negotiate(hub, spoke, path_up=True):
    gateway = hub.gateways["gw"]
    far = vpn.locate_far_end(hub, gateway, [spoke])
    return vpn.negotiate(vpn.End(hub, gateway, hub.tunnels["t1"]), far, path_up)
