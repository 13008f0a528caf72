"""VPN state of a real ``python -m pansim`` process with three firewalls, driven with pan-python and plain HTTPS.

The hub and the spoke each have one outside interface per case (ethernet1/K), so
every failure cause negotiates over its own pair of addresses in one process. The
third firewall, branch, owns an address that the hub's no-gateway case points to.
"""

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pan.xapi
import pytest
from _vpn_builders import GatewaySpec, TunnelSpec, ike_profile, ipsec_profile, monitor_profile, placement, tunnel_unit
from panos.firewall import Firewall

import pansim

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(pansim.__file__)))
HUB_PSK = "Hub-Marker-Key-5561"
OTHER_PSK = "Spoke-Marker-Key-7793"
BRANCH_IP = "192.0.2.33"
LAN_PROXY = ("lan", "10.1.0.0/16", "10.2.0.0/16")


@dataclass
class Case:
    """One hub-spoke tunnel on interface ethernet1/<index> of both firewalls."""

    name: str
    index: int
    hub: dict
    spoke: dict
    hub_tunnel: dict = None
    spoke_tunnel: dict = None
    hub_peer: str = None

    @property
    def hub_ip(self):
        return f"198.18.{self.index}.1"

    @property
    def spoke_ip(self):
        return f"198.19.{self.index}.2"


CASES = [
    Case("ok", 1, {}, {}, hub_tunnel={"monitor": ("169.254.1.2", "fast")}),
    Case("psk", 2, {}, {"psk": OTHER_PSK}),
    Case("version", 3, {"version": "ikev1"}, {}),
    Case("proposal", 4, {}, {"ike_profile": "ike-group19"}),
    Case("peerid", 5, {}, {"peer_id": ("fqdn", "hub.example")}),
    Case("esp", 6, {}, {}, spoke_tunnel={"ipsec_profile": "ipsec-cbc"}),
    Case("pfs", 7, {}, {}, spoke_tunnel={"ipsec_profile": "ipsec-pfs14"}),
    Case("proxy", 8, {}, {}, hub_tunnel={"proxy_ids": [LAN_PROXY]}, spoke_tunnel={"proxy_ids": [("lan", "10.2.0.0/24", "10.1.0.0/16")]}),
    Case("passive", 9, {"passive": True}, {}),
    Case("disabled", 10, {"disabled": True}, {}),
    Case("unreachable", 11, {}, {}, hub_peer="192.0.2.200"),
    Case("nogateway", 12, {}, {}, hub_peer=BRANCH_IP),
    Case("clear", 13, {}, {}),
    Case("tundisabled", 14, {}, {}, hub_tunnel={"disabled": True}),
]
BY_NAME = {case.name: case for case in CASES}


def _profiles():
    return [
        ike_profile("ike-p1"),
        ike_profile("ike-group19", dh_groups=("group19",)),
        ipsec_profile("ipsec-p2"),
        ipsec_profile("ipsec-cbc", encryption=("aes-256-cbc",), authentication=("sha256",)),
        ipsec_profile("ipsec-pfs14", dh_group="group14"),
        monitor_profile("fast"),
    ]


def _side(case, hub_side):
    """Return the (xpath, element) pairs of one end of a case. Every spoke gateway is passive, so the hub initiates."""
    options = dict(case.hub if hub_side else case.spoke)
    options.setdefault("psk", HUB_PSK)
    if not hub_side:
        options.setdefault("passive", True)
    peer = (case.hub_peer or case.spoke_ip) if hub_side else case.hub_ip
    gateway = GatewaySpec(f"gw-{case.name}", f"ethernet1/{case.index}", peer, **options)
    tunnel_options = (case.hub_tunnel if hub_side else case.spoke_tunnel) or {}
    tunnel = TunnelSpec(f"t-{case.name}", f"tunnel.{case.index}", gateway.name, **tunnel_options)
    address = f"169.254.{case.index}.{1 if hub_side else 2}/30"
    return [tunnel_unit(tunnel.unit, address), *placement(tunnel.unit), gateway.pair(), tunnel.pair()]


def _devices_file(path):
    def interfaces(octet, host):
        return [{"name": f"ethernet1/{case.index}", "ip": f"198.{octet}.{case.index}.{host}/24"} for case in CASES]

    document = {
        "devices": [
            {"name": "hub", "port": 0, "commit_seconds": 0.1, "interfaces": interfaces(18, 1)},
            {"name": "spoke", "port": 0, "commit_seconds": 0.1, "interfaces": interfaces(19, 2)},
            {"name": "branch", "port": 0, "commit_seconds": 0.1, "interfaces": [{"name": "ethernet1/1", "ip": BRANCH_IP + "/24"}]},
        ]
    }
    path.write_text(json.dumps(document))


class Sim:
    """A running pansim process and pan-python clients for its firewalls."""

    def __init__(self, directory):
        self.directory = directory
        devices = directory / "devices.yml"
        _devices_file(devices)
        self.log_file = directory / "pansim.log"
        ready = directory / "ready.json"
        command = [sys.executable, "-m", "pansim", "--tls-dir", str(directory / "tls"), "--devices", str(devices),
                   "--ready-file", str(ready), "--log-file", str(self.log_file)]
        self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=dict(os.environ, PYTHONPATH=REPO_ROOT), stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not ready.exists():
            if self.process.poll() is not None:
                raise AssertionError(f"pansim exited with {self.process.returncode}: {self.process.stderr.read()}")
            if time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError("pansim did not write its ready file in time")
            time.sleep(0.05)
        self.ready = json.loads(ready.read_text())
        self.context = ssl.create_default_context(cafile=self.ready["ca"])
        self.xapis = {}

    def port(self, name):
        return next(device["port"] for device in self.ready["devices"] if device["name"] == name)

    def xapi(self, name):
        if name not in self.xapis:
            self.xapis[name] = pan.xapi.PanXapi(
                hostname="127.0.0.1", port=self.port(name), api_username="admin", api_password="admin", ssl_context=self.context
            )
        return self.xapis[name]

    def op(self, name, cmd):
        xapi = self.xapi(name)
        xapi.op(cmd=cmd)
        return xapi.element_root.find("result")

    def logs(self, name, query):
        xapi = self.xapi(name)
        xapi.log(log_type="system", nlogs=500, filter=query, interval=0.1, timeout=10)
        return [entry.findtext("opaque") for entry in xapi.element_root.findall("./result/log/logs/entry")]

    def link(self, name, method="POST", key=True, **fields):
        data = dict(fields)
        if key:
            data["key"] = self.xapi(name).api_key
        body = urllib.parse.urlencode(data).encode()
        url = f"https://127.0.0.1:{self.port(name)}/_pansim/link"
        request = urllib.request.Request(url if method == "POST" else f"{url}?{body.decode()}", data=body if method == "POST" else None, method=method)
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=10) as response:
                return response.status, ET.fromstring(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, ET.fromstring(exc.read())

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self.process.stderr.close()


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    sim = Sim(tmp_path_factory.mktemp("vpn-process"))
    try:
        for name, hub_side in (("hub", True), ("spoke", False)):
            xapi = sim.xapi(name)
            pairs = _profiles() + [pair for case in CASES for pair in _side(case, hub_side)]
            for xpath, element in pairs:
                xapi.set(xpath=xpath, element=element)
            xapi.commit(cmd="<commit/>", sync=True, interval=0.1, timeout=30)
            assert xapi.element_root.findtext("./result/job/result") == "OK", xapi.xml_document
        yield sim
    finally:
        sim.stop()


def flows(sim, name):
    return {entry.findtext("name"): entry for entry in sim.op(name, "<show><vpn><flow/></vpn></show>").findall("./IPSec/entry")}


# Op commands


def test_show_ike_sa_and_ipsec_sa(sim):
    hub = {entry.findtext("name"): entry for entry in sim.op("hub", "<show><vpn><ike-sa/></vpn></show>").findall("entry")}
    assert hub["gw-ok"].findtext("role") == "Init"
    assert hub["gw-ok"].findtext("algo") == "PSK/DH14/AES256-CBC/SHA256"
    spoke = sim.op("spoke", "<show><vpn><ike-sa><gateway>gw-ok</gateway></ike-sa></vpn></show>").findall("entry")
    assert [entry.findtext("role") for entry in spoke] == ["Resp"]
    # Phase 1 of these cases succeeds although phase 2 fails.
    assert {"gw-esp", "gw-pfs", "gw-proxy"} <= set(hub)
    assert not {"gw-psk", "gw-version", "gw-proposal", "gw-peerid", "gw-passive", "gw-disabled", "gw-unreachable", "gw-nogateway"} & set(hub)

    (hub_sa,) = sim.op("hub", "<show><vpn><ipsec-sa><tunnel>t-ok</tunnel></ipsec-sa></vpn></show>").findall("./entries/entry")
    (spoke_sa,) = sim.op("spoke", "<show><vpn><ipsec-sa><tunnel>t-ok</tunnel></ipsec-sa></vpn></show>").findall("./entries/entry")
    assert hub_sa.findtext("i_spi") == spoke_sa.findtext("o_spi")
    assert (hub_sa.findtext("gateway"), hub_sa.findtext("remote"), hub_sa.findtext("enc"), hub_sa.findtext("life")) == ("gw-ok", "198.19.1.2", "G256", "3600")


def test_show_flow_tunnel_and_gateway(sim):
    hub_flows = flows(sim, "hub")
    states = {name: entry.findtext("state") for name, entry in hub_flows.items()}
    assert states["t-ok"] == "active"
    assert states["t-esp"] == "init"
    assert states["t-disabled"] == "inactive"
    assert states["t-tundisabled"] == "inactive"
    assert hub_flows["t-ok"].findtext("mon") == "up"
    assert hub_flows["t-ok"].findtext("outer-if") == "ethernet1/1"

    detail = sim.op("hub", "<show><vpn><flow><name>t-ok</name></flow></vpn></show>").find("./IPSec/entry")
    first = int(detail.findtext("pkt-encap"))
    by_id = sim.op("hub", f"<show><vpn><flow><tunnel-id>{detail.findtext('id')}</tunnel-id></flow></vpn></show>").find("./IPSec/entry")
    assert by_id.findtext("name") == "t-ok"
    assert int(by_id.findtext("pkt-encap")) >= first

    tunnels = sim.op("hub", "<show><vpn><tunnel/></vpn></show>")
    assert tunnels.findtext("ntun") == str(len(CASES))
    (proxy,) = [entry for entry in tunnels.findall("./entries/entry") if entry.findtext("name") == "t-proxy:lan"]
    assert (proxy.findtext("TSi_ip"), proxy.findtext("TSi_prefix"), proxy.findtext("TSr_ip")) == ("10.1.0.0", "16", "10.2.0.0")

    gateways = sim.op("spoke", "<show><vpn><gateway><name>gw-peerid</name></gateway></vpn></show>")
    assert gateways.findtext("ngw") == "1"
    assert gateways.findtext("./entries/entry/v2/peer-id") == "fqdn(fqdn:hub.example)"


def test_test_and_clear_commands(sim):
    cleared = sim.op("hub", "<clear><vpn><ipsec-sa><tunnel>t-clear</tunnel></ipsec-sa></vpn></clear>")
    assert cleared.text == "Delete IPSec SA: Total 1 tunnels found. 1 IPSec SA(s) deleted.\n"
    assert flows(sim, "spoke")["t-clear"].findtext("state") == "init"

    cleared = sim.op("spoke", "<clear><vpn><ike-sa><gateway>gw-clear</gateway></ike-sa></vpn></clear>")
    assert "1 IKE SA(s) deleted." in cleared.text
    assert sim.op("hub", "<show><vpn><ike-sa><gateway>gw-clear</gateway></ike-sa></vpn></show>").findall("entry") == []

    started = sim.op("spoke", "<test><vpn><ike-sa><gateway>gw-clear</gateway></ike-sa></vpn></test>")
    assert started.text.endswith("Initiate 0 IKE SA.\n")
    assert sim.op("hub", "<test><vpn><ike-sa><gateway>gw-clear</gateway></ike-sa></vpn></test>").text.endswith("Initiate 1 IKE SA.\n")
    assert len(sim.op("hub", "<show><vpn><ike-sa><gateway>gw-clear</gateway></ike-sa></vpn></show>").findall("entry")) == 1
    assert flows(sim, "hub")["t-clear"].findtext("state") == "init"

    started = sim.op("hub", "<test><vpn><ipsec-sa><tunnel>t-clear</tunnel></ipsec-sa></vpn></test>")
    assert started.text.startswith("Start time: ")
    assert started.text.endswith("Initiate 1 IPSec SA for tunnel t-clear.\n")
    assert flows(sim, "hub")["t-clear"].findtext("state") == "active"


def test_both_passive_never_comes_up(sim):
    assert flows(sim, "hub")["t-passive"].findtext("state") == "init"
    assert sim.op("hub", "<test><vpn><ipsec-sa><tunnel>t-passive</tunnel></ipsec-sa></vpn></test>").text.endswith("Initiate 0 IPSec SA for tunnel t-passive.\n")
    assert sim.logs("hub", "(object eq gw-passive) or (object eq t-passive)") == []


def test_system_resources(sim):
    firewall = Firewall("127.0.0.1", "admin", "admin", port=sim.port("hub"))
    firewall.refresh_system_info()
    resources = firewall.show_system_resources()
    assert resources["mem_total"] == 8167848
    assert 0 < resources["cpu"] < 100


# Failure causes in the system log


@pytest.mark.parametrize(
    "device, query, expected",
    [
        ("spoke", "(object eq gw-psk)", "Due to authentication failure."),
        ("hub", "(object eq gw-psk)", "Due to AUTHENTICATION_FAILED notification received from peer."),
        ("spoke", "(object eq gw-version)", "Due to IKE version mismatch: peer sent IKEv1, gateway gw-version accepts IKEv2 only."),
        ("hub", "(object eq gw-version)", "IKE phase-1 negotiation is failed as initiator, main mode."),
        ("spoke", "(object eq gw-proposal)", "Due to no suitable proposal found in peer's SA payload."),
        ("spoke", "(object eq gw-peerid)", "Due to peer ID mismatch: received ID ipaddr:198.18.5.1, expected fqdn:hub.example."),
        ("spoke", "(object eq t-esp)", "Due to no suitable proposal found in peer's SA payload."),
        ("spoke", "(object eq t-pfs)", "Due to pfs group mismatched: peer proposed group20, tunnel t-pfs uses group14."),
        ("spoke", "(object eq t-proxy)", "IKEv2 child SA negotiation failed when processing traffic selector. Received local id: 10.1.0.0/16"),
        ("hub", "(object eq t-proxy:lan)", "Due to TS_UNACCEPTABLE notification received from peer."),
        ("hub", "(object eq gw-unreachable)", "Due to timeout."),
        ("hub", "(object eq gw-nogateway)", "Due to timeout."),
        ("branch", "(eventid eq ikev2-nego-ike-fail-common)", "Couldn't find configuration for IKEv2 request for peer IP 198.18.12.1[500]."),
        ("hub", "(object eq t-ok) and (eventid eq tunnel-status-up)", "IPSec tunnel t-ok is up."),
        ("hub", "(eventid eq tunnel-monitor-up)", "Tunnel monitor for tunnel t-ok is up: destination 169.254.1.2 replies."),
    ],
)
def test_failure_cause_logged(sim, device, query, expected):
    entries = sim.logs(device, f"(subtype eq vpn) and {query}")
    assert any(expected in text for text in entries), entries


def test_disabled_ends_log_nothing(sim):
    for device in ("hub", "spoke"):
        assert sim.logs(device, "(object eq gw-disabled) or (object eq t-disabled) or (object eq t-tundisabled)") == []


# Link control


def test_link_down_and_up(sim):
    status, result = sim.link("spoke", interface="ethernet1/1", state="down")
    assert status == 200
    states = {entry.get("name"): entry.findtext("state") for entry in result.findall("./result/links/entry")}
    assert states["ethernet1/1"] == "down"
    assert states["ethernet1/13"] == "up"
    try:
        hub_flows = flows(sim, "hub")
        assert (hub_flows["t-ok"].findtext("state"), hub_flows["t-ok"].findtext("mon")) == ("init", "down")
        assert hub_flows["t-clear"].findtext("state") == "active"
        assert sim.op("spoke", "<show><vpn><ike-sa><gateway>gw-ok</gateway></ike-sa></vpn></show>").findall("entry") == []
        assert any("Tunnel monitor for tunnel t-ok is down" in text for text in sim.logs("hub", "(eventid eq tunnel-monitor-down)"))
        assert any(text.endswith("Due to timeout.") for text in sim.logs("hub", "(object eq gw-ok)"))
        status, listed = sim.link("spoke", method="GET")
        assert status == 200
        assert {entry.get("name"): entry.findtext("state") for entry in listed.findall("./result/links/entry")}["ethernet1/1"] == "down"
    finally:
        status, _ = sim.link("spoke", interface="ethernet1/1", state="up")
    assert status == 200
    hub_flows = flows(sim, "hub")
    assert (hub_flows["t-ok"].findtext("state"), hub_flows["t-ok"].findtext("mon")) == ("active", "up")


@pytest.mark.parametrize(
    "fields, key, status, message",
    [
        ({"interface": "ethernet1/1", "state": "down"}, False, 403, "Invalid Credential"),
        ({"interface": "ethernet9/9", "state": "down"}, True, 400, "interface ethernet9/9 not found on device hub"),
        ({"interface": "ethernet1/1", "state": "sideways"}, True, 400, "invalid state 'sideways': use up or down"),
        ({"state": "down"}, True, 400, "missing parameter: interface"),
    ],
)
def test_link_endpoint_errors(sim, fields, key, status, message):
    code, result = sim.link("hub", key=key, **fields)
    assert code == status
    assert message in ET.tostring(result, encoding="unicode")
    assert flows(sim, "hub")["t-ok"].findtext("state") == "active"


def test_keys_never_in_replies_or_pansim_log(sim):
    bodies = []
    for name in ("hub", "spoke"):
        for cmd in ("ike-sa", "ipsec-sa", "flow", "tunnel", "gateway"):
            sim.op(name, f"<show><vpn><{cmd}/></vpn></show>")
            bodies.append(sim.xapi(name).xml_document)
        bodies.extend(sim.logs(name, None))
    bodies.append(sim.log_file.read_text())
    for body in bodies:
        assert HUB_PSK not in body
        assert OTHER_PSK not in body
