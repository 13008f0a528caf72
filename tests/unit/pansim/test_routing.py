"""Route selection of pansim: the pure rules, the fabric feeding tunnel state into them, the op commands, and a real process."""

import json
import ssl
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pan.xapi
import pytest
from _vpn_builders import ROUTER, GatewaySpec, TunnelSpec, configure, monitor_profile, site

from pansim import routing
from pansim.api import handle_request
from pansim.device import Device, DeviceSpec
from pansim.factory import InterfaceSpec
from pansim.node import parse_xml
from pansim.vpn_runtime import Fabric

STATIC_ROUTES = ROUTER + "/routing-table/ip/static-route"
SPOKE_LAN = "10.2.0.0/24"


# Pure rules: configurations built as XML, environments given directly


def _interface_xml(name, addresses):
    ips = "".join(f'<entry name="{address}"/>' for address in addresses)
    if name.startswith("ethernet"):
        return "ethernet", f'<entry name="{name}"><layer3><ip>{ips}</ip></layer3></entry>'
    return "tunnel", f'<entry name="{name}"><ip>{ips}</ip></entry>'


def path_monitor_xml(*destinations, condition="any", hold_time=2, enable="yes"):
    """Return a path-monitor element; each destination is (source, destination) or (source, destination, enable)."""
    entries = ""
    for index, destination in enumerate(destinations, start=1):
        source, target, *rest = destination
        entries += (
            f'<entry name="d{index}"><enable>{rest[0] if rest else "yes"}</enable><source>{source}</source>'
            f"<destination>{target}</destination><interval>3</interval><count>5</count></entry>"
        )
    return (
        f"<path-monitor><enable>{enable}</enable><failure-condition>{condition}</failure-condition>"
        f"<hold-time>{hold_time}</hold-time><monitor-destinations>{entries}</monitor-destinations></path-monitor>"
    )


def route_xml(name, destination, interface=None, nexthop=None, metric=None, distance=None, monitor="", nexthop_kind="ip-address"):
    body = f"<destination>{destination}</destination>"
    if interface:
        body += f"<interface>{interface}</interface>"
    if nexthop:
        body += f"<nexthop><{nexthop_kind}>{nexthop}</{nexthop_kind}></nexthop>"
    elif nexthop_kind == "discard":
        body += "<nexthop><discard/></nexthop>"
    if metric is not None:
        body += f"<metric>{metric}</metric>"
    if distance is not None:
        body += f"<admin-dist>{distance}</admin-dist>"
    return f'<entry name="{name}">{body}{monitor}</entry>'


def routing_config(interfaces, routes, ecmp=None, routers=None):
    """Parse a configuration with ``interfaces`` ({name: [ADDR/LEN]}) in router default with ``routes`` (entry XML)."""
    kinds = {"ethernet": "", "tunnel": ""}
    for name, addresses in interfaces.items():
        kind, entry = _interface_xml(name, addresses)
        kinds[kind] += entry
    ecmp_xml = f"<ecmp><enable>yes</enable><max-path>{ecmp}</max-path></ecmp>" if ecmp else ""
    members = "".join(f"<member>{name}</member>" for name in interfaces)
    default = (
        f'<entry name="default"><interface>{members}</interface>{ecmp_xml}'
        f"<routing-table><ip><static-route>{''.join(routes)}</static-route></ip></routing-table></entry>"
    )
    text = (
        "<config><devices><entry name='localhost.localdomain'><network><interface>"
        f"<ethernet>{kinds['ethernet']}</ethernet><tunnel><units>{kinds['tunnel']}</units></tunnel></interface>"
        f"<virtual-router>{default}{routers or ''}</virtual-router></network></entry></devices></config>"
    )
    return routing.parse_routing(parse_xml(text), "fw")


DUAL_ISP = {
    "ethernet1/1": ["198.51.100.1/24"],
    "ethernet1/2": ["192.0.2.1/24"],
    "tunnel.1": ["169.254.0.1/30"],
    "tunnel.2": ["169.254.0.5/30"],
}
DEFAULTS = [
    route_xml("default-route", "0.0.0.0/0", "ethernet1/1", "198.51.100.254"),
    route_xml("default-route-2", "0.0.0.0/0", "ethernet1/2", "192.0.2.254", metric=20),
]
PRIMARY_MONITOR = path_monitor_xml(("169.254.0.1", "169.254.0.2"))
PRIMARY = route_xml("lan-p1", SPOKE_LAN, "tunnel.1", metric=10, monitor=PRIMARY_MONITOR)
BACKUP = route_xml("lan-p2", SPOKE_LAN, "tunnel.2", metric=20)
# Both tunnels up, with the spoke's addresses replying through each.
SPOKE_ADDRESSES = frozenset({"169.254.0.2", "169.254.0.6", "203.0.113.2"})


def environment(down=(), far=None, remote=None):
    far = {"tunnel.1": SPOKE_ADDRESSES, "tunnel.2": SPOKE_ADDRESSES} if far is None else far
    interfaces = {name: routing.InterfaceState(up=name not in down, far_addresses=far.get(name)) for name in DUAL_ISP}
    return routing.Environment(interfaces, remote or {"203.0.113.2": True, "169.254.0.2": False, "169.254.0.6": False})


def summary(table, prefix):
    """Return [(name or type, interface, active, ecmp)] of the table's routes to ``prefix``."""
    return [(route.name or route.type, route.interface, route.active, route.ecmp) for route in table.routes if str(route.destination) == prefix]


def test_connected_and_host_routes():
    table = routing.build_table(routing_config(DUAL_ISP, []), "default", environment())
    assert summary(table, "198.51.100.0/24") == [("connect", "ethernet1/1", True, False)]
    assert summary(table, "198.51.100.1/32") == [("host", "ethernet1/1", True, False)]
    (connected,) = [route for route in table.routes if str(route.destination) == "169.254.0.0/30"]
    assert (connected.nexthop, connected.metric, connected.admin_distance) == ("169.254.0.1", 0, 0)


def test_lower_metric_wins_backup_inactive():
    table = routing.build_table(routing_config(DUAL_ISP, DEFAULTS + [PRIMARY, BACKUP]), "default", environment())
    assert summary(table, SPOKE_LAN) == [("lan-p1", "tunnel.1", True, False), ("lan-p2", "tunnel.2", False, False)]
    assert summary(table, "0.0.0.0/0") == [("default-route", "ethernet1/1", True, False), ("default-route-2", "ethernet1/2", False, False)]
    assert table.withdrawn == {}


def test_admin_distance_beats_metric():
    routes = [route_xml("far", SPOKE_LAN, "tunnel.1", metric=5, distance=200), route_xml("near", SPOKE_LAN, "tunnel.2", metric=50)]
    table = routing.build_table(routing_config(DUAL_ISP, routes), "default", environment())
    assert summary(table, SPOKE_LAN) == [("far", "tunnel.1", False, False), ("near", "tunnel.2", True, False)]


def test_tunnel_interface_down_withdraws_route():
    config = routing_config(DUAL_ISP, DEFAULTS + [PRIMARY, BACKUP])
    table = routing.build_table(config, "default", environment(down={"tunnel.1"}))
    assert summary(table, SPOKE_LAN) == [("lan-p2", "tunnel.2", True, False)]
    assert summary(table, "169.254.0.0/30") == []
    assert table.withdrawn == {"lan-p1": routing.INTERFACE_DOWN}
    # The withdrawn route's path monitor counts as failed, so a hold time can start.
    (monitor,) = table.monitors
    assert (monitor.failed, monitor.withdrawn) == (True, True)


def test_link_down_withdraws_connected_and_nexthop_routes():
    routes = [route_xml("via-hop", "10.9.0.0/16", nexthop="198.51.100.254"), *DEFAULTS]
    table = routing.build_table(routing_config(DUAL_ISP, routes), "default", environment(down={"ethernet1/1"}))
    assert summary(table, "198.51.100.0/24") == []
    assert table.withdrawn == {"via-hop": routing.UNRESOLVED, "default-route": routing.INTERFACE_DOWN}
    assert summary(table, "0.0.0.0/0") == [("default-route-2", "ethernet1/2", True, False)]


def test_nexthop_only_route_takes_connected_interface():
    routes = [route_xml("via-hop", "10.9.0.0/16", nexthop="192.0.2.254")]
    table = routing.build_table(routing_config(DUAL_ISP, routes), "default", environment())
    (route,) = [route for route in table.routes if route.name == "via-hop"]
    assert (route.interface, route.nexthop, route.source, route.active) == ("ethernet1/2", "192.0.2.254", "192.0.2.1", True)


def test_path_monitor_failure_withdraws_route():
    # The tunnel interface stays up (no fail-over monitor), but the far end no longer replies.
    far = {"tunnel.1": frozenset(), "tunnel.2": SPOKE_ADDRESSES}
    table = routing.build_table(routing_config(DUAL_ISP, DEFAULTS + [PRIMARY, BACKUP]), "default", environment(far=far))
    assert table.withdrawn == {"lan-p1": routing.PATH_MONITOR}
    assert summary(table, SPOKE_LAN) == [("lan-p2", "tunnel.2", True, False)]
    (monitor,) = table.monitors
    assert [probe.reachable for probe in monitor.probes] == [False]


def test_path_monitor_no_reply_over_isp():
    # Without its connected /30, the probe to the far tunnel address follows the default route,
    # and a tunnel address of another firewall does not reply from the Internet.
    routes = DEFAULTS + [route_xml("lan", SPOKE_LAN, "ethernet1/1", "198.51.100.254", monitor=PRIMARY_MONITOR)]
    interfaces = dict(DUAL_ISP, **{"tunnel.1": []})
    table = routing.build_table(routing_config(interfaces, routes), "default", environment())
    assert table.withdrawn == {"lan": routing.PATH_MONITOR}


@pytest.mark.parametrize(
    "remote, withdrawn",
    [
        ({"203.0.113.2": True}, {}),
        ({"203.0.113.2": False}, {"lan": routing.PATH_MONITOR}),
        ({}, {}),
    ],
    ids=["far-link-up", "far-link-down", "address-of-no-firewall"],
)
def test_path_monitor_over_isp(remote, withdrawn):
    monitor = path_monitor_xml(("198.51.100.1", "203.0.113.2"))
    routes = DEFAULTS + [route_xml("lan", SPOKE_LAN, "ethernet1/1", "198.51.100.254", monitor=monitor)]
    table = routing.build_table(routing_config(DUAL_ISP, routes), "default", environment(remote=remote))
    assert table.withdrawn == withdrawn


@pytest.mark.parametrize(
    "condition, withdrawn",
    [("any", {"lan-p1": routing.PATH_MONITOR}), ("all", {})],
)
def test_path_monitor_failure_condition(condition, withdrawn):
    # One destination replies through tunnel.1 and one does not.
    monitor = path_monitor_xml(("169.254.0.1", "169.254.0.2"), ("169.254.0.1", "169.254.0.99"), condition=condition)
    routes = [route_xml("lan-p1", SPOKE_LAN, "tunnel.1", monitor=monitor), BACKUP]
    table = routing.build_table(routing_config(DUAL_ISP, routes), "default", environment())
    assert table.withdrawn == withdrawn


def test_path_monitor_ignores_disabled_destinations():
    monitor = path_monitor_xml(("169.254.0.1", "169.254.0.2"), ("169.254.0.1", "169.254.0.99", "no"))
    table = routing.build_table(routing_config(DUAL_ISP, [route_xml("lan", SPOKE_LAN, "tunnel.1", monitor=monitor)]), "default", environment())
    assert table.withdrawn == {}
    (result,) = table.monitors
    assert len(result.probes) == 1


def test_path_monitor_disabled_never_withdraws():
    monitor = path_monitor_xml(("169.254.0.1", "169.254.0.99"), enable="no")
    table = routing.build_table(routing_config(DUAL_ISP, [route_xml("lan", SPOKE_LAN, "tunnel.1", monitor=monitor)]), "default", environment())
    assert table.withdrawn == {}
    assert table.monitors == []


def test_path_monitor_foreign_source_fails():
    monitor = path_monitor_xml(("10.99.0.1", "169.254.0.2"))
    table = routing.build_table(routing_config(DUAL_ISP, [route_xml("lan", SPOKE_LAN, "tunnel.1", monitor=monitor)]), "default", environment())
    assert table.withdrawn == {"lan": routing.PATH_MONITOR}


def test_monitor_filter_decides_withdrawal():
    calls = []

    def keep_withdrawn(router_name, route, failed):
        calls.append((router_name, route.name, failed))
        return True

    table = routing.build_table(routing_config(DUAL_ISP, [PRIMARY, BACKUP]), "default", environment(), keep_withdrawn)
    assert calls == [("default", "lan-p1", False)]
    assert table.withdrawn == {"lan-p1": routing.PATH_MONITOR}


def test_ecmp_lists_equal_routes():
    routes = [route_xml("lan-p1", SPOKE_LAN, "tunnel.1"), route_xml("lan-p2", SPOKE_LAN, "tunnel.2")]
    table = routing.build_table(routing_config(DUAL_ISP, routes, ecmp=2), "default", environment())
    assert summary(table, SPOKE_LAN) == [("lan-p1", "tunnel.1", True, True), ("lan-p2", "tunnel.2", True, True)]
    assert [route.name for route in routing.lookup(table.routes, "10.2.0.9")] == ["lan-p1", "lan-p2"]


def test_ecmp_respects_max_path():
    routes = [route_xml(f"lan-{unit}", SPOKE_LAN, f"tunnel.{unit}") for unit in (1, 2)]
    routes.append(route_xml("lan-isp", SPOKE_LAN, "ethernet1/1", "198.51.100.254"))
    table = routing.build_table(routing_config(DUAL_ISP, routes, ecmp=2), "default", environment())
    assert [active for _, _, active, _ in summary(table, SPOKE_LAN)] == [True, True, False]


def test_equal_routes_without_ecmp_use_first():
    routes = [route_xml("lan-p1", SPOKE_LAN, "tunnel.1"), route_xml("lan-p2", SPOKE_LAN, "tunnel.2")]
    table = routing.build_table(routing_config(DUAL_ISP, routes), "default", environment())
    assert summary(table, SPOKE_LAN) == [("lan-p1", "tunnel.1", True, False), ("lan-p2", "tunnel.2", False, False)]


def test_lookup_longest_prefix():
    routes = DEFAULTS + [route_xml("wide", "10.0.0.0/8", "tunnel.2"), route_xml("narrow", "10.2.0.0/24", "tunnel.1")]
    table = routing.build_table(routing_config(DUAL_ISP, routes), "default", environment())
    assert [route.name for route in routing.lookup(table.routes, "10.2.0.9")] == ["narrow"]
    assert [route.name for route in routing.lookup(table.routes, "10.3.0.9")] == ["wide"]
    assert [route.name for route in routing.lookup(table.routes, "8.8.8.8")] == ["default-route"]
    assert [route.type for route in routing.lookup(table.routes, "169.254.0.2")] == ["connect"]


def test_lookup_without_route_is_empty():
    table = routing.build_table(routing_config(DUAL_ISP, []), "default", environment())
    assert routing.lookup(table.routes, "8.8.8.8") == []


def test_resolve_follows_next_vr():
    guest = (
        '<entry name="guest"><routing-table><ip><static-route>'
        + route_xml("to-default", "0.0.0.0/0", nexthop="default", nexthop_kind="next-vr")
        + "</static-route></ip></routing-table></entry>"
    )
    config = routing_config(DUAL_ISP, DEFAULTS, routers=guest)
    tables = routing.build_tables(config, environment())
    router, routes = routing.resolve(tables, "guest", "8.8.8.8")
    assert (router, [route.name for route in routes]) == ("default", ["default-route"])


def test_discard_and_fqdn_routes():
    routes = [
        route_xml("blackhole", "10.66.0.0/16", nexthop_kind="discard"),
        route_xml("by-name", "10.77.0.0/16", "ethernet1/1", "isp.example", nexthop_kind="fqdn"),
    ]
    table = routing.build_table(routing_config(DUAL_ISP, routes), "default", environment())
    assert summary(table, "10.66.0.0/16") == [("blackhole", None, True, False)]
    assert table.withdrawn == {"by-name": routing.UNRESOLVED}


# The fabric: tunnel state feeds route state, with the op commands, driven in-process with a fake clock


HUB_LINKS = [InterfaceSpec("ethernet1/1", "198.51.100.1/24", gateway="198.51.100.254"), InterfaceSpec("ethernet1/2", "192.0.2.1/24", gateway="192.0.2.254")]
SPOKE_LINKS = [InterfaceSpec("ethernet1/1", "203.0.113.2/24", gateway="203.0.113.254"), InterfaceSpec("ethernet1/2", "198.18.0.2/24", gateway="198.18.0.254")]
PSK = "Routing-Key-3141"
# Path P joins ethernet1/P of both ends over tunnel.P; the hub takes the first address of the /30.
PATHS = {
    1: {"hub": ("198.51.100.1", "169.254.0.1"), "spoke": ("203.0.113.2", "169.254.0.2")},
    2: {"hub": ("192.0.2.1", "169.254.0.5"), "spoke": ("198.18.0.2", "169.254.0.6")},
}


class DualIspLab:
    """A hub and a spoke with two ISP links each, in one fabric, each path monitored with action fail-over."""

    def __init__(self, clock):
        self.clock = clock
        self.fabric = Fabric(clock)
        self.devices = {}
        self.keys = {}
        for name, links in (("hub", HUB_LINKS), ("spoke", SPOKE_LINKS)):
            device = Device(DeviceSpec(name=name, port=0, interfaces=links, commit_seconds=1), clock=clock)
            self.fabric.add(device)
            self.devices[name] = device

    def build(self, hold_time=2, tunnel_monitor=True, path_monitor=True):
        for name, other in (("hub", "spoke"), ("spoke", "hub")):
            pairs = []
            for path, ends in PATHS.items():
                local_ip, local_tunnel = ends[name]
                peer_ip, peer_tunnel = ends[other]
                gateway = GatewaySpec(f"gw-p{path}", f"ethernet1/{path}", peer_ip, PSK, passive=name == "hub")
                monitor = (peer_tunnel, "failover") if tunnel_monitor else None
                tunnel = TunnelSpec(f"vpn-p{path}", f"tunnel.{path}", gateway.name, monitor=monitor)
                pairs += site(gateway, tunnel, local_tunnel + "/30", monitor=monitor_profile("failover"))
            monitor = path_monitor_xml((PATHS[1][name][1], PATHS[1][other][1]), hold_time=hold_time) if path_monitor else ""
            network = SPOKE_LAN if name == "hub" else "10.1.0.0/16"
            pairs.append((STATIC_ROUTES, route_xml("lan-p1", network, "tunnel.1", metric=10, monitor=monitor)))
            pairs.append((STATIC_ROUTES, route_xml("lan-p2", network, "tunnel.2", metric=20)))
            configure(self.devices[name], pairs, commit=True)

    def op(self, name, cmd):
        device = self.devices[name]
        with device.lock:
            if name not in self.keys:
                reply = handle_request(device, {"type": "keygen", "user": "admin", "password": "admin"}, {})
                self.keys[name] = ET.fromstring(reply.body).findtext("./result/key")
            reply = handle_request(device, {"type": "op", "cmd": cmd, "key": self.keys[name]}, {})
        root = ET.fromstring(reply.body)
        assert root.get("status") == "success", reply.body
        return root.find("result")

    def routes(self, name, destination):
        cmd = f"<show><routing><route><destination>{destination}</destination></route></routing></show>"
        return [(entry.findtext("interface"), entry.findtext("flags").strip()) for entry in self.op(name, cmd).findall("entry")]

    def fib(self, name, address):
        cmd = f"<test><routing><fib-lookup><virtual-router>default</virtual-router><ip>{address}</ip></fib-lookup></routing></test>"
        return self.op(name, cmd)

    def flow(self, name, tunnel):
        (entry,) = [entry for entry in self.op(name, "<show><vpn><flow/></vpn></show>").findall("./IPSec/entry") if entry.findtext("name") == tunnel]
        return entry.findtext("state"), entry.findtext("mon")

    def link(self, name, interface, up):
        self.fabric.set_link(self.devices[name], interface, up)


@pytest.fixture
def dual(clock):
    return DualIspLab(clock)


def test_fabric_primary_route_while_both_paths_up(dual):
    dual.build()
    assert dual.flow("hub", "vpn-p1") == ("active", "up")
    assert dual.flow("hub", "vpn-p2") == ("active", "up")
    assert dual.routes("hub", SPOKE_LAN) == [("tunnel.1", "A S"), ("tunnel.2", "S")]
    fib = dual.fib("hub", "10.2.0.9")
    assert (fib.findtext("interface"), fib.findtext("src"), fib.findtext("metric"), fib.findtext("dp")) == ("tunnel.1", "169.254.0.1", "10", "dp0")
    assert dual.routes("spoke", "10.1.0.0/16") == [("tunnel.1", "A S"), ("tunnel.2", "S")]


def test_fabric_link_down_moves_route_to_backup(dual):
    dual.build()
    dual.link("spoke", "ethernet1/1", False)

    assert dual.flow("hub", "vpn-p1") == ("init", "down")
    assert dual.flow("hub", "vpn-p2") == ("active", "up")
    assert dual.routes("hub", SPOKE_LAN) == [("tunnel.2", "A S")]
    assert dual.fib("hub", "10.2.0.9").findtext("interface") == "tunnel.2"
    # The spoke's own primary fails over the same way.
    assert dual.routes("spoke", "10.1.0.0/16") == [("tunnel.2", "A S")]

    (monitor,) = dual.op("hub", "<show><routing><path-monitor/></routing></show>").findall("entry")
    assert (monitor.findtext("name"), monitor.findtext("path-status"), monitor.findtext("route-status")) == ("lan-p1", "Down", "Withdrawn")
    assert monitor.findtext("monitor-destinations/entry/status") == "Down"


def test_fabric_hold_time_keeps_backup(dual):
    dual.build(hold_time=2)
    dual.link("spoke", "ethernet1/1", False)
    dual.clock.advance(30)
    dual.link("spoke", "ethernet1/1", True)

    assert dual.flow("hub", "vpn-p1") == ("active", "up")
    assert dual.routes("hub", SPOKE_LAN) == [("tunnel.2", "A S")]
    (monitor,) = dual.op("hub", "<show><routing><path-monitor/></routing></show>").findall("entry")
    assert (monitor.findtext("path-status"), monitor.findtext("route-status"), monitor.findtext("hold-remaining")) == ("Up", "Withdrawn", "120")

    dual.clock.advance(119)
    assert dual.routes("hub", SPOKE_LAN) == [("tunnel.2", "A S")]
    dual.clock.advance(1)
    assert dual.routes("hub", SPOKE_LAN) == [("tunnel.1", "A S"), ("tunnel.2", "S")]


def test_fabric_hold_time_zero_returns_at_once(dual):
    dual.build(hold_time=0)
    dual.link("hub", "ethernet1/1", False)
    assert dual.routes("hub", SPOKE_LAN) == [("tunnel.2", "A S")]
    dual.link("hub", "ethernet1/1", True)
    assert dual.routes("hub", SPOKE_LAN) == [("tunnel.1", "A S"), ("tunnel.2", "S")]


def test_fabric_tunnel_monitor_alone_takes_interface_down(dual):
    # Without path monitoring, only the fail-over action of the tunnel monitor moves the route.
    dual.build(path_monitor=False)
    dual.link("spoke", "ethernet1/1", False)
    assert dual.flow("hub", "vpn-p1") == ("init", "down")
    assert dual.routes("hub", SPOKE_LAN) == [("tunnel.2", "A S")]
    assert dual.routes("hub", "169.254.0.0/30") == []
    dual.link("spoke", "ethernet1/1", True)
    assert dual.routes("hub", SPOKE_LAN) == [("tunnel.1", "A S"), ("tunnel.2", "S")]


def test_fabric_unmonitored_tunnel_keeps_interface_up(dual):
    # Without tunnel monitors the tunnel interface stays up, so only path monitoring moves the route.
    dual.build(hold_time=0, tunnel_monitor=False)
    dual.link("spoke", "ethernet1/1", False)
    assert dual.flow("hub", "vpn-p1") == ("init", "off")
    (monitor,) = dual.op("hub", "<show><routing><path-monitor/></routing></show>").findall("entry")
    assert monitor.findtext("path-status") == "Down"
    assert dual.routes("hub", SPOKE_LAN) == [("tunnel.2", "A S")]
    # The connected /30 of the failed tunnel stays, as on a device.
    assert dual.routes("hub", "169.254.0.0/30") == [("tunnel.1", "A C")]


def test_fabric_route_type_and_router_filters(dual):
    dual.build()
    static = dual.op("hub", "<show><routing><route><type>static</type></route></routing></show>")
    assert {entry.findtext("flags").split()[-1] for entry in static.findall("entry")} == {"S"}
    assert static.findtext("flags").startswith("flags: A:active")
    other = dual.op("hub", "<show><routing><route><virtual-router>other</virtual-router></route></routing></show>")
    assert other.findall("entry") == []
    connected = dual.op("hub", "<show><routing><route><virtual-router>default</virtual-router><type>connect</type></route></routing></show>")
    assert sorted(entry.findtext("destination") for entry in connected.findall("entry")) == [
        "169.254.0.0/30", "169.254.0.4/30", "192.0.2.0/24", "198.51.100.0/24",
    ]


def test_fabric_fib_lookup_nexthop_and_no_route(dual):
    dual.build()
    fib = dual.fib("hub", "8.8.8.8")
    assert (fib.findtext("nh"), fib.findtext("ip"), fib.findtext("interface"), fib.findtext("src")) == ("ip", "198.51.100.254", "ethernet1/1", "198.51.100.1")
    dual.link("hub", "ethernet1/1", False)
    dual.link("hub", "ethernet1/2", False)
    assert list(dual.fib("hub", "8.8.8.8")) == []


@pytest.mark.parametrize(
    "cmd, code",
    [
        ("<test><routing><fib-lookup><virtual-router>nope</virtual-router><ip>10.0.0.1</ip></fib-lookup></routing></test>", "7"),
        ("<test><routing><fib-lookup><virtual-router>default</virtual-router></fib-lookup></routing></test>", "17"),
        ("<test><routing><fib-lookup><virtual-router>default</virtual-router><ip>10.0.0.300</ip></fib-lookup></routing></test>", "17"),
        ("<show><routing><route><type>isis</type></route></routing></show>", "17"),
        ("<show><routing><route><colour>red</colour></route></routing></show>", "17"),
    ],
    ids=["unknown-router", "missing-ip", "invalid-ip", "unknown-type", "unknown-argument"],
)
def test_fabric_routing_command_errors(dual, cmd, code):
    device = dual.devices["hub"]
    dual.op("hub", "<show><routing><route/></routing></show>")
    with device.lock:
        reply = handle_request(device, {"type": "op", "cmd": cmd, "key": dual.keys["hub"]}, {})
    root = ET.fromstring(reply.body)
    assert (root.get("status"), root.get("code")) == ("error", code)


# A real pansim process with two firewalls


def _devices_file(path):
    document = {"devices": [
        {"name": "hub", "port": 0, "commit_seconds": 0.1, "interfaces": [
            {"name": link.name, "ip": link.ip, "gateway": link.gateway} for link in HUB_LINKS]},
        {"name": "spoke", "port": 0, "commit_seconds": 0.1, "interfaces": [
            {"name": link.name, "ip": link.ip, "gateway": link.gateway} for link in SPOKE_LINKS]},
    ]}
    path.write_text(json.dumps(document))


def test_process_failover_between_two_firewalls(pansim_starter, tmp_path):
    devices = tmp_path / "devices.yml"
    _devices_file(devices)
    sim = pansim_starter([], ["--devices", str(devices)])
    context = ssl.create_default_context(cafile=sim.ready["ca"])
    xapis = {
        name: pan.xapi.PanXapi(hostname="127.0.0.1", port=sim.port(name), api_username="admin", api_password="admin", ssl_context=context)
        for name in ("hub", "spoke")
    }

    for name, other in (("hub", "spoke"), ("spoke", "hub")):
        for path, ends in PATHS.items():
            gateway = GatewaySpec(f"gw-p{path}", f"ethernet1/{path}", ends[other][0], PSK, passive=name == "hub")
            tunnel = TunnelSpec(f"vpn-p{path}", f"tunnel.{path}", gateway.name, monitor=(ends[other][1], "failover"))
            for xpath, element in site(gateway, tunnel, ends[name][1] + "/30", monitor=monitor_profile("failover")):
                xapis[name].set(xpath=xpath, element=element)
        monitor = path_monitor_xml((PATHS[1][name][1], PATHS[1][other][1]), hold_time=0)
        network = SPOKE_LAN if name == "hub" else "10.1.0.0/16"
        xapis[name].set(xpath=STATIC_ROUTES, element=route_xml("lan-p1", network, "tunnel.1", metric=10, monitor=monitor))
        xapis[name].set(xpath=STATIC_ROUTES, element=route_xml("lan-p2", network, "tunnel.2", metric=20))
        xapis[name].commit(cmd="<commit/>", sync=True, interval=0.1, timeout=30)
        assert xapis[name].element_root.findtext("./result/job/result") == "OK", xapis[name].xml_document

    def active_interfaces():
        xapis["hub"].op(cmd=f"<show><routing><route><destination>{SPOKE_LAN}</destination></route></routing></show>")
        return [entry.findtext("interface") for entry in xapis["hub"].element_root.findall("./result/entry") if entry.findtext("flags").strip().startswith("A")]

    def link(state):
        body = urllib.parse.urlencode({"key": xapis["spoke"].api_key, "interface": "ethernet1/1", "state": state}).encode()
        request = urllib.request.Request(f"https://127.0.0.1:{sim.port('spoke')}/_pansim/link", data=body, method="POST")
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            assert response.status == 200

    assert active_interfaces() == ["tunnel.1"]
    link("down")
    assert active_interfaces() == ["tunnel.2"]
    xapis["hub"].op(cmd="<test><routing><fib-lookup><virtual-router>default</virtual-router><ip>10.2.0.9</ip></fib-lookup></routing></test>")
    assert xapis["hub"].element_root.findtext("./result/interface") == "tunnel.2"
    link("up")
    assert active_interfaces() == ["tunnel.1"]
