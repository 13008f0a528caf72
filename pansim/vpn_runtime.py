# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IKE and IPsec SA state shared by the firewalls of one pansim process (a Fabric).

A Fabric contains the SAs between its firewalls, the state of their outside links,
the tunnel monitors and each firewall's system log. It decides nothing about
whether two configurations match: ``pansim.vpn`` does that, and
``pansim.vpn_events`` words the log events.

When SAs come up:

* A firewall initiates every tunnel of a non-passive, enabled gateway with a
  static peer when it commits (and when the process starts).
* ``test vpn ike-sa`` starts phase 1 and ``test vpn ipsec-sa`` both phases.
* A tunnel with an enabled tunnel monitor on an end that may initiate keeps
  trying while it is not up: at once after any commit in the process and after
  any link change, and otherwise at most once per monitor interval.
* ``clear vpn ike-sa`` and ``clear vpn ipsec-sa`` delete SAs on both ends. They
  stay down until a commit, a test or the tunnel monitor initiates again.
* An SA that no longer negotiates after a commit, or whose path goes down, is
  deleted on both ends. SAs rekey silently at the end of their lifetime.

Routing (``pansim.routing``) follows the tunnels: after every sync, each
firewall's route tables are rebuilt from its running configuration, its link
states and the state of the IPsec tunnels bound to its tunnel interfaces, and the
fabric keeps the preemptive hold time of path-monitored static routes.

State advances lazily: every VPN or routing op command, log query and link change first
runs ``sync``, which notices commits by the identity of each firewall's running
configuration. Events carry the time of that sync.

Locking: a request holds its device's lock and then takes the fabric lock. The
fabric never waits for a device lock. It only tries one without blocking, to
finish a peer firewall's commit job whose time is up.
"""

import hashlib
import threading
import time
import weakref
from dataclasses import dataclass, field

from pansim import routing, vpn, vpn_events
from pansim.system_log import SystemLog
from pansim.vpn import End, Negotiation


@dataclass
class IkePair:
    """One IKE SA between two gateways, seen from both ends."""

    initiator: tuple
    responder: tuple
    initiator_ip: str
    responder_ip: str
    phase1: vpn.Phase1
    initiator_cookie: int
    responder_cookie: int
    created: float
    lifetimes: dict

    def side(self, device, gateway):
        """Return "initiator" or "responder" for (device, gateway), or None when it is neither end."""
        if self.initiator == (device, gateway):
            return "initiator"
        if self.responder == (device, gateway):
            return "responder"
        return None


@dataclass
class ChildPair:
    """One IPsec SA pair (inbound and outbound on each end) for one selector."""

    ike: tuple
    initiator: tuple
    responder: tuple
    initiator_ip: str
    responder_ip: str
    child: vpn.Child
    message_id: int
    initiator_spi: int
    responder_spi: int
    created: float


@dataclass
class TunnelState:
    """Per firewall and tunnel: whether it is up, since when, its monitor state and last initiation."""

    up: bool = False
    up_since: float = None
    monitor: str = None
    last_attempt: float = None


@dataclass(frozen=True)
class IkeSaView:
    gateway: vpn.Gateway
    role: str
    phase1: vpn.Phase1
    created: float
    expires: float
    local_ip: str
    peer_ip: str


@dataclass(frozen=True)
class IpsecSaView:
    """One IPsec SA on one firewall: inbound SPI is the one the far end sends with."""

    tunnel: vpn.Tunnel
    selector: vpn.Selector
    gateway: vpn.Gateway
    role: str
    protocol: str
    encryption: str
    authentication: str
    dh_group: str
    inbound_spi: int
    outbound_spi: int
    created: float
    lifetime: int
    lifesize_kb: int
    local_ip: str
    peer_ip: str


@dataclass(frozen=True)
class FlowView:
    """One tunnel flow (a tunnel, or one proxy ID of it) with its id, SA and monitor state."""

    id: int
    name: str
    tunnel: vpn.Tunnel
    selector: vpn.Selector
    gateway: vpn.Gateway
    state: str
    monitor: str
    sa: IpsecSaView = None
    up_since: float = None
    peer_ip: str = None
    local_ip: str = None


@dataclass
class DeviceView:
    """The SAs, flows and configuration one firewall's VPN op commands render, taken under the fabric lock."""

    now: float
    config: vpn.VpnConfig
    ike_sas: list = field(default_factory=list)
    ipsec_sas: list = field(default_factory=list)
    flows: list = field(default_factory=list)


@dataclass
class PathMonitorHold:
    """Path-monitor state of one static route, kept between syncs for the preemptive hold time.

    ``down`` is set when the probes of a route that was in the table fail; ``recovered_at`` is
    when they first succeeded again. ``route`` is the configuration the state belongs to.
    """

    route: routing.StaticRoute
    installed: bool = False
    down: bool = False
    recovered_at: float = None


@dataclass
class RoutingView:
    """The route tables of one firewall, taken under the fabric lock."""

    now: float
    config: routing.RoutingConfig
    tables: dict
    holds: dict


class LinkError(ValueError):
    """Raised for a link change on an interface the firewall does not have."""


def _child_signature(child):
    """Return what must stay equal for an established IPsec SA to survive a commit."""
    responder = child.responder_tunnel.name if child.responder_tunnel is not None else None
    return (child.selector, responder, child.responder_selector, child.protocol, child.encryption, child.authentication, child.dh_group, child.cause)


def _flow_name(tunnel, selector):
    return f"{tunnel.name}:{selector.name}" if selector is not None and selector.name else tunnel.name


class Fabric:
    """The firewalls of one process that can reach each other, with their SAs, links and system logs."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self.lock = threading.RLock()
        self._devices = {}
        self._down = set()
        self._parsed = {}
        self._ike = {}
        self._children = {}
        # Indexes: the IKE SA between two (device, gateway) ends, the child SAs of each
        # (device, tunnel) and of each IKE SA, and the firewall that owns each address.
        self._ike_by_ends = {}
        self._children_by_tunnel = {}
        self._children_by_ike = {}
        self._owners = {}
        self._tunnels = {}
        self._logs = {}
        self._sequence = 0
        self._event_pending = False
        self._routing = {}
        self._route_tables = {}
        self._route_holds = {}

    def add(self, device):
        """Let this fabric simulate VPNs for ``device``. A Panorama has no data plane and is ignored."""
        if device.is_panorama:
            return
        with self.lock:
            self._devices[device.name] = device
            self._logs.setdefault(device.name, SystemLog(device))
        with _REGISTRY_LOCK:
            _FABRICS[device] = self

    # Public operations. Each takes the fabric lock and syncs first.

    def view(self, device):
        """Return the DeviceView of ``device`` after a sync."""
        with self.lock:
            now = self._sync()
            return self._device_view(device.name, now)

    def routing_view(self, device):
        """Return the RoutingView of ``device`` after a sync."""
        with self.lock:
            now = self._sync()
            name = device.name
            holds = {key[1:]: hold for key, hold in self._route_holds.items() if key[0] == name}
            return RoutingView(now, self._routing[name][1], self._route_tables.get(name, {}), holds)

    def system_log(self, device):
        """Return the device's SystemLog after a sync. The caller must hold ``self.lock``."""
        self._sync()
        return self._logs[device.name]

    def initiate_ike(self, device, gateway_name=None):
        """Start phase 1 on the named gateway (or on all), and return how many gateways initiated."""
        with self.lock:
            now = self._sync()
            config = self._parsed[device.name][1]
            names = [gateway_name] if gateway_name else list(config.gateways)
            started = 0
            for name in names:
                gateway = config.gateways.get(name)
                if vpn.initiation_blocker(gateway) is None:
                    self._initiate(device.name, gateway, None, now)
                    started += 1
            self._settle(now)
            return started

    def initiate_ipsec(self, device, tunnel_name=None, selector_name=None):
        """Start both phases for the named tunnel (or all), and return how many tunnels initiated."""
        with self.lock:
            now = self._sync()
            config = self._parsed[device.name][1]
            names = [tunnel_name] if tunnel_name else list(config.tunnels)
            started = 0
            for name in names:
                tunnel = config.tunnels.get(name)
                gateway = config.gateways.get(tunnel.gateway) if tunnel is not None and tunnel.gateway else None
                if tunnel is None or vpn.initiation_blocker(gateway, tunnel) is not None:
                    continue
                self._initiate(device.name, gateway, tunnel, now, selector_name)
                started += 1
            self._settle(now)
            return started

    def clear_ike(self, device, gateway_name=None):
        """Delete the IKE SAs (and their IPsec SAs) of the named gateway (or all), and return their IKE versions."""
        with self.lock:
            now = self._sync()
            keys = [key for key, pair in self._ike.items() if self._matches_gateway(pair, device.name, gateway_name)]
            versions = []
            for key in keys:
                versions.append(self._ike[key].phase1.version)
                self._defer_monitor(self._ike[key], now)
                self._teardown_ike(key, now)
            self._settle(now)
            return versions

    def clear_ipsec(self, device, tunnel_name=None):
        """Delete the IPsec SAs of the named tunnel (or all), and return how many SA pairs went."""
        with self.lock:
            now = self._sync()
            keys = [
                key for key, pair in self._children.items()
                if any(side[0] == device.name and (tunnel_name is None or side[1] == tunnel_name) for side in (pair.initiator, pair.responder))
            ]
            for key in keys:
                pair = self._children[key]
                for side in (pair.initiator, pair.responder):
                    self._tunnel_state(side[0], side[1]).last_attempt = now
                self._teardown_child(key, now)
            self._settle(now)
            return len(keys)

    def set_link(self, device, interface, up):
        """Take an outside link down or up. Tunnels over it fail as peer unreachable while it is down."""
        with self.lock:
            self._sync()
            config = self._parsed[device.name][1]
            if interface not in config.interface_addresses:
                known = ", ".join(sorted(config.interface_addresses)) or "none"
                raise LinkError(f"interface {interface} not found on device {device.name}; known interfaces: {known}")
            key = (device.name, interface)
            changed = (key in self._down) == bool(up)
            if up:
                self._down.discard(key)
            else:
                self._down.add(key)
            if changed:
                self._event_pending = True
                self._sync()
            return self.links(device)

    def links(self, device):
        """Return [(interface, "up" or "down")] for every interface of the device's running configuration."""
        with self.lock:
            config = self._parsed[device.name][1] if device.name in self._parsed else vpn.parse_config(device.running, device.name)
            return [(name, "down" if (device.name, name) in self._down else "up") for name in sorted(config.interface_addresses)]

    # Sync

    def _refresh(self):
        """Parse running configurations that changed, and return the names of firewalls that committed."""
        committed = []
        for name, device in self._devices.items():
            # Finish a peer's commit job whose time is up, unless another request holds its lock.
            if device.lock.acquire(blocking=False):
                try:
                    device.advance()
                finally:
                    device.lock.release()
            running = device.running
            cached = self._parsed.get(name)
            if cached is None or cached[0] is not running:
                self._parsed[name] = (running, vpn.parse_config(running, name))
                self._routing[name] = (running, routing.parse_routing(running, name))
                committed.append(name)
        if committed:
            self._owners = {}
            for name in sorted(self._parsed):
                for interface, addresses in self._parsed[name][1].interface_addresses.items():
                    for address in addresses:
                        self._owners.setdefault(address, name)
        return committed

    def _sync(self):
        """Bring SA state up to date and return the current time. The caller must hold ``self.lock``."""
        now = self.clock()
        committed = self._refresh()
        event = bool(committed) or self._event_pending
        self._event_pending = False

        self._rekey(now)
        self._revalidate(now)
        # Log what went down before the attempts that follow, as a device would.
        self._settle(now)
        for name in sorted(committed):
            config = self._parsed[name][1]
            for tunnel in config.tunnels.values():
                gateway = config.gateways.get(tunnel.gateway) if tunnel.gateway else None
                if vpn.initiation_blocker(gateway, tunnel) is None:
                    self._initiate(name, gateway, tunnel, now)
        self._retry_monitored(now, event)
        self._settle(now)
        self._settle_routes(now)
        return now

    def _retry_monitored(self, now, event):
        for name in sorted(self._parsed):
            config = self._parsed[name][1]
            for tunnel in config.tunnels.values():
                if tunnel.monitor is None or self._tunnel_fully_up(name, tunnel):
                    continue
                gateway = config.gateways.get(tunnel.gateway) if tunnel.gateway else None
                if vpn.initiation_blocker(gateway, tunnel) is not None:
                    continue
                state = self._tunnel_state(name, tunnel.name)
                due = state.last_attempt is None or now - state.last_attempt >= tunnel.monitor.interval
                if event or due:
                    self._initiate(name, gateway, tunnel, now)

    # Negotiation

    def _locate(self, name, gateway):
        """Find the far end of ``gateway`` through the address index, as ``vpn.locate_far_end`` would over all firewalls."""
        owner = self._owners.get(gateway.peer_ip) if gateway.peer_ip else None
        candidates = [self._parsed[owner][1]] if owner is not None and owner != name else []
        return vpn.locate_far_end(self._parsed[name][1], gateway, candidates)

    def _path_up(self, name, gateway, far):
        if (name, gateway.interface) in self._down:
            return False
        if far.config is not None and (far.config.device, far.interface) in self._down:
            return False
        return not (far.gateway is not None and (far.config.device, far.gateway.interface) in self._down)

    def _number(self, bits, *parts):
        """Return a deterministic, non-zero number of ``bits`` bits, unique per call."""
        self._sequence += 1
        digest = hashlib.sha256("|".join(str(part) for part in (self._sequence,) + parts).encode()).digest()
        value = int.from_bytes(digest[:8], "big") % (1 << bits)
        return value | (1 << (bits - 4))

    def _ike_between(self, name, gateway_name, far):
        if far.config is None or far.gateway is None:
            return None
        return self._ike_by_ends.get(frozenset({(name, gateway_name), (far.config.device, far.gateway.name)}))

    def _log(self, events, now):
        for event in events:
            log = self._logs.get(event.device)
            if log is not None:
                log.append(event, now)

    def _initiate(self, name, gateway, tunnel, now, selector_name=None):
        """Negotiate from one end: phase 1 unless an IKE SA exists, then phase 2 for ``tunnel`` (if given)."""
        config = self._parsed[name][1]
        if tunnel is not None:
            self._tunnel_state(name, tunnel.name).last_attempt = now
        far = self._locate(name, gateway)
        path_up = self._path_up(name, gateway, far)
        initiator = End(config, gateway, tunnel)
        ike_key = self._ike_between(name, gateway.name, far) if path_up else None

        if ike_key is None:
            negotiation = vpn.negotiate(initiator, far, path_up, phase2=False)
            identifiers = vpn_events.Identifiers(self._number(64, name, gateway.name), self._number(64, "responder"))
            self._log(vpn_events.phase1_events(negotiation, identifiers), now)
            if not negotiation.phase1_ok:
                return
            ike_key = (name, gateway.name, far.config.device, far.gateway.name)
            self._ike_by_ends[frozenset({(name, gateway.name), (far.config.device, far.gateway.name)})] = ike_key
            self._ike[ike_key] = IkePair(
                initiator=(name, gateway.name),
                responder=(far.config.device, far.gateway.name),
                initiator_ip=gateway.local_ip,
                responder_ip=gateway.peer_ip,
                phase1=negotiation.phase1,
                initiator_cookie=identifiers.initiator_cookie,
                responder_cookie=identifiers.responder_cookie,
                created=now,
                lifetimes={
                    name: gateway.ike_profiles[negotiation.phase1.version].lifetime,
                    far.config.device: far.gateway.ike_profiles[negotiation.phase1.version].lifetime,
                },
            )
        if tunnel is not None:
            self._initiate_children(name, gateway, tunnel, far, ike_key, now, selector_name)

    def _established_selectors(self, name, tunnel_name):
        names = set()
        for key in self._children_by_tunnel.get((name, tunnel_name), ()):
            pair = self._children[key]
            for side in (pair.initiator, pair.responder):
                if side[:2] == (name, tunnel_name):
                    names.add(side[2])
        return names

    def _tunnel_fully_up(self, name, tunnel):
        established = self._established_selectors(name, tunnel.name)
        return all(selector.name in established for selector in tunnel.selectors)

    def _initiate_children(self, name, gateway, tunnel, far, ike_key, now, selector_name=None):
        pair = self._ike[ike_key]
        responder = End(far.config, far.gateway)
        established = self._established_selectors(name, tunnel.name)
        children = [
            child for child in vpn.negotiate_children(tunnel, responder)
            if child.selector.name not in established and (selector_name is None or child.selector.name == selector_name)
        ]
        if not children:
            return

        negotiation = Negotiation(initiator=End(self._parsed[name][1], gateway, tunnel), far=far, responder=responder, phase1=pair.phase1, children=children)
        numbers = tuple((self._number(32, "msg"), self._number(32, name, tunnel.name), self._number(32, far.config.device)) for _ in children)
        identifiers = vpn_events.Identifiers(pair.initiator_cookie, pair.responder_cookie, numbers)
        self._log(vpn_events.phase2_events(negotiation, identifiers), now)

        for child, (message_id, initiator_spi, responder_spi) in zip(children, numbers):
            if not child.ok:
                continue
            key = (name, tunnel.name, child.selector.name, far.config.device, child.responder_tunnel.name, child.responder_selector.name)
            self._children_by_tunnel.setdefault((name, tunnel.name), set()).add(key)
            self._children_by_tunnel.setdefault((far.config.device, child.responder_tunnel.name), set()).add(key)
            self._children_by_ike.setdefault(ike_key, set()).add(key)
            self._children[key] = ChildPair(
                ike=ike_key,
                initiator=(name, tunnel.name, child.selector.name),
                responder=(far.config.device, child.responder_tunnel.name, child.responder_selector.name),
                initiator_ip=gateway.local_ip,
                responder_ip=gateway.peer_ip,
                child=child,
                message_id=message_id,
                initiator_spi=initiator_spi,
                responder_spi=responder_spi,
                created=now,
            )

    # Keeping SAs consistent with configurations and links

    def _gateway(self, name, gateway_name):
        entry = self._parsed.get(name)
        return entry[1].gateways.get(gateway_name) if entry is not None else None

    def _ike_still_valid(self, pair):
        name, gateway_name = pair.initiator
        gateway = self._gateway(name, gateway_name)
        responder = self._gateway(*pair.responder)
        if gateway is None or responder is None or gateway.disabled or responder.disabled:
            return False
        config = self._parsed[name][1]
        far = self._locate(name, gateway)
        if far.config is None or far.config.device != pair.responder[0] or far.gateway is None or far.gateway.name != pair.responder[1]:
            return False
        negotiation = vpn.negotiate(End(config, gateway), far, self._path_up(name, gateway, far), phase2=False)
        return negotiation.phase1_ok and negotiation.phase1 == pair.phase1

    def _child_still_valid(self, pair):
        name, tunnel_name, selector_name = pair.initiator
        config = self._parsed[name][1]
        tunnel = config.tunnels.get(tunnel_name)
        ike = self._ike.get(pair.ike)
        if tunnel is None or tunnel.disabled or ike is None:
            return False
        side = ike.side(name, tunnel.gateway)
        if side is None:
            return False
        far_name, far_gateway_name = ike.responder if side == "initiator" else ike.initiator
        far_gateway = self._gateway(far_name, far_gateway_name)
        if far_gateway is None:
            return False
        responder = End(self._parsed[far_name][1], far_gateway)
        for child in vpn.negotiate_children(tunnel, responder):
            if child.selector.name == selector_name:
                return _child_signature(child) == _child_signature(pair.child)
        return False

    def _revalidate(self, now):
        for key in [key for key, pair in self._ike.items() if not self._ike_still_valid(pair)]:
            self._teardown_ike(key, now)
        for key in [key for key, pair in self._children.items() if not self._child_still_valid(pair)]:
            self._teardown_child(key, now)

    def _rekey(self, now):
        """Replace SAs whose lifetime is over by fresh ones with the same algorithms."""
        for pair in self._ike.values():
            lifetime = min(pair.lifetimes.values())
            if lifetime > 0 and now - pair.created >= lifetime:
                pair.created += lifetime * int((now - pair.created) // lifetime)
                pair.initiator_cookie = self._number(64, "rekey", *pair.initiator)
                pair.responder_cookie = self._number(64, "rekey", *pair.responder)
        for pair in self._children.values():
            lifetime = min(self._child_lifetimes(pair).values())
            if lifetime > 0 and now - pair.created >= lifetime:
                pair.created += lifetime * int((now - pair.created) // lifetime)
                pair.initiator_spi = self._number(32, "rekey", *pair.initiator)
                pair.responder_spi = self._number(32, "rekey", *pair.responder)

    def _child_lifetimes(self, pair):
        lifetimes = {}
        for device, tunnel_name, _ in (pair.initiator, pair.responder):
            tunnel = self._parsed[device][1].tunnels.get(tunnel_name) if device in self._parsed else None
            lifetimes[device] = tunnel.ipsec_profile.lifetime if tunnel is not None else vpn.DEFAULT_IPSEC_LIFETIME
        return lifetimes

    def _teardown_child(self, key, now):
        pair = self._children.pop(key)
        for side in (pair.initiator[:2], pair.responder[:2]):
            self._children_by_tunnel.get(side, set()).discard(key)
        self._children_by_ike.get(pair.ike, set()).discard(key)
        lifetimes = self._child_lifetimes(pair)
        for (device, tunnel, selector), local_ip, peer_ip, inbound, outbound in (
            (pair.initiator, pair.initiator_ip, pair.responder_ip, pair.initiator_spi, pair.responder_spi),
            (pair.responder, pair.responder_ip, pair.initiator_ip, pair.responder_spi, pair.initiator_spi),
        ):
            sa_name = f"{tunnel}:{selector}" if selector else tunnel
            self._log(vpn_events.key_events(device, local_ip, peer_ip, sa_name, inbound, outbound, lifetimes[device], False), now)

    def _teardown_ike(self, key, now):
        pair = self._ike.pop(key)
        self._ike_by_ends.pop(frozenset({pair.initiator, pair.responder}), None)
        for child_key in sorted(self._children_by_ike.pop(key, ()), key=repr):
            self._teardown_child(child_key, now)
        for (device, gateway), local_ip, peer_ip in (
            (pair.initiator, pair.initiator_ip, pair.responder_ip),
            (pair.responder, pair.responder_ip, pair.initiator_ip),
        ):
            event = vpn_events.ike_delete_event(device, gateway, pair.phase1.version, local_ip, peer_ip, pair.initiator_cookie, pair.responder_cookie)
            self._log([event], now)

    def _matches_gateway(self, pair, name, gateway_name):
        return any(side[0] == name and (gateway_name is None or side[1] == gateway_name) for side in (pair.initiator, pair.responder))

    def _defer_monitor(self, pair, now):
        """After a clear, let tunnel monitors wait one interval before they initiate again."""
        for device, gateway in (pair.initiator, pair.responder):
            config = self._parsed[device][1] if device in self._parsed else None
            for tunnel in config.tunnels_of(gateway) if config is not None else ():
                self._tunnel_state(device, tunnel.name).last_attempt = now

    # Tunnel and monitor state

    def _tunnel_state(self, name, tunnel_name):
        return self._tunnels.setdefault((name, tunnel_name), TunnelState())

    def _far_devices(self, name, tunnel_name):
        far = set()
        for key in self._children_by_tunnel.get((name, tunnel_name), ()):
            pair = self._children[key]
            far.add(pair.responder[0] if pair.initiator[:2] == (name, tunnel_name) else pair.initiator[0])
        return far

    def _monitor_replies(self, config, tunnel):
        """Return True when the monitor's probe gets a reply: the tunnel is up, it has a source address and the far firewall owns the destination."""
        if config.interface_ip(tunnel.tunnel_interface) is None:
            return False
        destination = vpn._canonical_ip(tunnel.monitor.destination)
        for far in self._far_devices(config.device, tunnel.name):
            if destination is not None and destination in self._parsed[far][1].all_addresses():
                return True
        return False

    def _settle(self, now):
        """Log tunnel up/down and monitor transitions, and forget state of tunnels that no longer exist."""
        present = set()
        for name in sorted(self._parsed):
            config = self._parsed[name][1]
            for tunnel in config.tunnels.values():
                present.add((name, tunnel.name))
                state = self._tunnel_state(name, tunnel.name)
                up = bool(self._established_selectors(name, tunnel.name))
                if up != state.up:
                    state.up = up
                    state.up_since = now if up else None
                    self._log([vpn_events.tunnel_status_event(name, tunnel.name, up)], now)
                self._settle_monitor(config, tunnel, state, up, now)
        for key in [key for key in self._tunnels if key not in present]:
            del self._tunnels[key]

    def _settle_monitor(self, config, tunnel, state, up, now):
        if tunnel.monitor is None:
            state.monitor = None
            return
        monitor = "up" if up and self._monitor_replies(config, tunnel) else "down"
        if monitor == state.monitor:
            return
        # A monitor that never was up reports no "down" transition.
        if monitor == "up" or state.monitor == "up":
            self._log([vpn_events.monitor_event(config.device, tunnel.name, tunnel.monitor.destination, monitor == "up")], now)
        state.monitor = monitor

    # Routing

    def _tunnel_blocks(self, name, tunnel):
        """Return True when ``tunnel`` takes its tunnel interface down: a fail-over monitor that is not up.

        NOTE: PAN-OS keeps a tunnel interface up while its tunnel is down unless a monitor
        with action fail-over reports the loss; wait-recover is taken to leave it up too.
        """
        monitor = tunnel.monitor
        if monitor is None or monitor.action != "fail-over":
            return False
        return self._tunnel_state(name, tunnel.name).monitor != "up"

    def _routing_environment(self, name):
        """Build the routing.Environment of one firewall from link states, tunnel states and the other firewalls' addresses."""
        config = self._parsed[name][1]
        bound = {}
        for tunnel in config.tunnels.values():
            if tunnel.tunnel_interface:
                bound.setdefault(tunnel.tunnel_interface, []).append(tunnel)

        interfaces = {}
        for interface in config.interface_addresses:
            tunnels = bound.get(interface)
            if not interface.startswith("tunnel.") or not tunnels:
                interfaces[interface] = routing.InterfaceState(up=(name, interface) not in self._down)
                continue
            # One usable tunnel keeps a shared tunnel interface up.
            up = any(not self._tunnel_blocks(name, tunnel) for tunnel in tunnels)
            far = set()
            for tunnel in tunnels:
                for device in self._far_devices(name, tunnel.name):
                    far |= self._parsed[device][1].all_addresses()
            interfaces[interface] = routing.InterfaceState(up=up, far_addresses=frozenset(far))

        remote = {}
        for other in self._parsed:
            if other == name:
                continue
            for interface, addresses in self._parsed[other][1].interface_addresses.items():
                outside = not interface.startswith("tunnel.") and (other, interface) not in self._down
                for address in addresses:
                    remote[address] = remote.get(address, False) or outside
        return routing.Environment(interfaces, remote)

    def _hold_filter(self, name, now, seen):
        """Return the monitor_filter of ``routing.build_table`` that applies the preemptive hold time of ``name``'s routes.

        A route whose probes fail is withdrawn. Once a route that was in the table has failed, it
        comes back only after its probes succeed for ``hold-time`` minutes. A route that never
        entered the table (its far end was not up yet) comes in as soon as its probes succeed.
        NOTE: the real firewall's behaviour before a monitor's first success is not confirmed.
        """

        def monitor_filter(router_name, route, failed):
            key = (name, router_name, route.name)
            seen.add(key)
            hold = self._route_holds.get(key)
            if hold is None or hold.route != route:
                hold = self._route_holds[key] = PathMonitorHold(route)
            if failed:
                hold.down = hold.down or hold.installed
                hold.recovered_at = None
                return True
            if hold.down:
                if hold.recovered_at is None:
                    hold.recovered_at = now
                if now - hold.recovered_at < route.path_monitor.hold_time * 60:
                    return True
                hold.down = False
                hold.recovered_at = None
            hold.installed = True
            return False

        return monitor_filter

    def _settle_routes(self, now):
        """Rebuild every firewall's route tables and forget hold state of routes that no longer exist."""
        seen = set()
        for name in sorted(self._parsed):
            environment = self._routing_environment(name)
            config = self._routing[name][1]
            self._route_tables[name] = routing.build_tables(config, environment, self._hold_filter(name, now, seen))
        for key in [key for key in self._route_holds if key not in seen]:
            del self._route_holds[key]

    # Views for op commands

    def _ike_views(self, name, config):
        views = []
        for pair in self._ike.values():
            for role, (device, gateway_name), local_ip, peer_ip in (
                ("Init", pair.initiator, pair.initiator_ip, pair.responder_ip),
                ("Resp", pair.responder, pair.responder_ip, pair.initiator_ip),
            ):
                gateway = config.gateways.get(gateway_name)
                if device != name or gateway is None:
                    continue
                expires = pair.created + pair.lifetimes[device]
                views.append(IkeSaView(gateway, role, pair.phase1, pair.created, expires, local_ip, peer_ip))
        return sorted(views, key=lambda view: (view.gateway.index, view.peer_ip))

    def _ipsec_views(self, name, config):
        views = []
        for pair in self._children.values():
            lifetimes = self._child_lifetimes(pair)
            for role, (device, tunnel_name, selector_name), inbound, outbound, local_ip, peer_ip in (
                ("Init", pair.initiator, pair.initiator_spi, pair.responder_spi, pair.initiator_ip, pair.responder_ip),
                ("Resp", pair.responder, pair.responder_spi, pair.initiator_spi, pair.responder_ip, pair.initiator_ip),
            ):
                tunnel = config.tunnels.get(tunnel_name)
                if device != name or tunnel is None:
                    continue
                selector = next((item for item in tunnel.selectors if item.name == selector_name), None)
                child = pair.child
                views.append(
                    IpsecSaView(
                        tunnel=tunnel,
                        selector=selector,
                        gateway=config.gateways.get(tunnel.gateway),
                        role=role,
                        protocol=child.protocol,
                        encryption=child.encryption,
                        authentication=child.authentication,
                        dh_group=child.dh_group,
                        inbound_spi=inbound,
                        outbound_spi=outbound,
                        created=pair.created,
                        lifetime=lifetimes[device],
                        lifesize_kb=tunnel.ipsec_profile.lifesize_kb,
                        local_ip=local_ip,
                        peer_ip=peer_ip,
                    )
                )
        return sorted(views, key=lambda view: (view.tunnel.index, _flow_name(view.tunnel, view.selector)))

    def _flow_views(self, name, config, ipsec_sas):
        by_name = {_flow_name(sa.tunnel, sa.selector): sa for sa in ipsec_sas}
        flows = []
        flow_id = 0
        for tunnel in config.tunnels.values():
            gateway = config.gateways.get(tunnel.gateway) if tunnel.gateway else None
            state = self._tunnels.get((name, tunnel.name), TunnelState())
            for selector in tunnel.selectors:
                flow_id += 1
                flow_name = _flow_name(tunnel, selector)
                sa = by_name.get(flow_name)
                if tunnel.disabled or gateway is None or gateway.disabled:
                    status = "inactive"
                else:
                    status = "active" if sa is not None else "init"
                monitor = "off" if tunnel.monitor is None else (state.monitor or "down")
                flows.append(
                    FlowView(
                        id=flow_id,
                        name=flow_name,
                        tunnel=tunnel,
                        selector=selector,
                        gateway=gateway,
                        state=status,
                        monitor=monitor,
                        sa=sa,
                        up_since=state.up_since if sa is not None else None,
                        peer_ip=gateway.peer_ip if gateway is not None else None,
                        local_ip=gateway.local_ip if gateway is not None else None,
                    )
                )
        return flows

    def _device_view(self, name, now):
        config = self._parsed[name][1]
        ipsec_sas = self._ipsec_views(name, config)
        return DeviceView(now, config, self._ike_views(name, config), ipsec_sas, self._flow_views(name, config, ipsec_sas))


# Registry of the fabric of each device. The process registers its firewalls in PROCESS_FABRIC.
# A device that was never added gets a fabric of its own, in which every peer is unreachable.
_REGISTRY_LOCK = threading.Lock()
_FABRICS = weakref.WeakKeyDictionary()
PROCESS_FABRIC = Fabric()


def fabric_of(device):
    """Return the fabric of ``device``, creating a single-device fabric for a device that was never added."""
    with _REGISTRY_LOCK:
        fabric = _FABRICS.get(device)
    if fabric is None:
        fabric = Fabric(clock=device.clock)
        fabric.add(device)
    return fabric
