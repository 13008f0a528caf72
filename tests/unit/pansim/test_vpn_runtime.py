"""SA state, op commands and system log of firewalls sharing one Fabric, driven in-process with a fake clock."""

import re
import time
import xml.etree.ElementTree as ET

import pytest
from _vpn_builders import GatewaySpec, TunnelSpec, configure, ike_profile, ipsec_profile, monitor_profile, replacing, site

from pansim.api import handle_request
from pansim.device import Device, DeviceSpec
from pansim.factory import InterfaceSpec
from pansim.vpn_runtime import Fabric, LinkError

HUB_IP = "198.51.100.1"
SPOKE_IP = "203.0.113.2"
PSK = "Runtime-Key-2718"
MONITORED = ("169.254.0.2", "fast")
HUB_UNIT = "169.254.0.1/30"
SPOKE_UNIT = "169.254.0.2/30"
FAST_MONITOR = monitor_profile("fast", interval=3, threshold=5)


class Lab:
    """Firewalls in one fabric, with helpers that send API requests as admin."""

    def __init__(self, clock, addresses):
        self.clock = clock
        self.fabric = Fabric(clock)
        self.devices = {}
        self.keys = {}
        for name, address in addresses.items():
            device = Device(DeviceSpec(name=name, port=0, interfaces=[InterfaceSpec("ethernet1/1", address + "/24")], commit_seconds=1), clock=clock)
            self.fabric.add(device)
            self.devices[name] = device

    def call(self, name, **params):
        device = self.devices[name]
        with device.lock:
            if name not in self.keys:
                reply = handle_request(device, {"type": "keygen", "user": "admin", "password": "admin"}, {})
                self.keys[name] = ET.fromstring(reply.body).findtext("./result/key")
            reply = handle_request(device, dict(params, key=self.keys[name]), {})
        reply.root = ET.fromstring(reply.body)
        return reply

    def commit(self, name, pairs):
        configure(self.devices[name], pairs, commit=True)

    def op(self, name, cmd):
        reply = self.call(name, type="op", cmd=cmd)
        assert reply.status == "success", reply.body
        return reply.root.find("result")

    def ike_sas(self, name):
        return [{child.tag: child.text for child in entry} for entry in self.op(name, "<show><vpn><ike-sa/></vpn></show>").findall("entry")]

    def ipsec_sas(self, name):
        return [{child.tag: child.text for child in entry} for entry in self.op(name, "<show><vpn><ipsec-sa/></vpn></show>").findall("./entries/entry")]

    def flows(self, name):
        return {entry.findtext("name"): entry for entry in self.op(name, "<show><vpn><flow/></vpn></show>").findall("./IPSec/entry")}

    def flow_detail(self, name, tunnel):
        (entry,) = self.op(name, f"<show><vpn><flow><name>{tunnel}</name></flow></vpn></show>").findall("./IPSec/entry")
        return entry

    def logs(self, name, query="(subtype eq vpn)", **extra):
        params = {"type": "log", "log-type": "system", "nlogs": "5000", "dir": "forward"}
        if query is not None:
            params["query"] = query
        params.update(extra)
        reply = self.call(name, **params)
        assert reply.status == "success", reply.body
        job = reply.root.findtext("./result/job")
        result = self.call(name, type="log", action="get", **{"job-id": job}).root
        return [(entry.findtext("eventid"), entry.findtext("object"), entry.findtext("opaque")) for entry in result.findall("./result/log/logs/entry")]

    def texts(self, name):
        return [text for _, _, text in self.logs(name)]


@pytest.fixture
def lab(clock):
    return Lab(clock, {"hub": HUB_IP, "spoke": SPOKE_IP})


def hub_site(monitor=None, **gateway):
    gateway.setdefault("psk", PSK)
    tunnel = TunnelSpec("t1", "tunnel.1", "gw", monitor=monitor)
    return site(GatewaySpec("gw", "ethernet1/1", SPOKE_IP, **gateway), tunnel, "169.254.0.1/30", monitor=FAST_MONITOR)


def spoke_site(monitor=None, **gateway):
    gateway.setdefault("psk", PSK)
    tunnel = TunnelSpec("t1", "tunnel.1", "gw", monitor=monitor)
    return site(GatewaySpec("gw", "ethernet1/1", HUB_IP, **gateway), tunnel, "169.254.0.2/30", monitor=FAST_MONITOR)


def up_pair(lab, hub_monitor=None, **hub_gateway):
    lab.commit("hub", hub_site(hub_monitor, **hub_gateway))
    lab.commit("spoke", spoke_site())
    assert lab.flows("hub")["t1"].findtext("state") == "active"


# Coming up


def test_commit_brings_tunnel_up_on_both_ends(lab):
    up_pair(lab)
    (hub_sa,) = lab.ike_sas("hub")
    (spoke_sa,) = lab.ike_sas("spoke")
    assert (hub_sa["role"], spoke_sa["role"]) == ("Init", "Resp")
    assert hub_sa["algo"] == "PSK/DH14/AES256-CBC/SHA256"
    assert hub_sa["mode"] == "IKEv2"
    (hub_child,) = lab.ipsec_sas("hub")
    (spoke_child,) = lab.ipsec_sas("spoke")
    assert hub_child["i_spi"] == spoke_child["o_spi"]
    assert hub_child["o_spi"] == spoke_child["i_spi"]
    assert (hub_child["enc"], hub_child["hash"], hub_child["dh"], hub_child["remote"]) == ("G256", "NONE", "DH20", SPOKE_IP)
    assert lab.flows("spoke")["t1"].findtext("state") == "active"


def test_sa_times_follow_profile_lifetimes(lab):
    lab.commit("hub", hub_site())
    lab.commit("spoke", spoke_site())
    established = lab.clock.now
    (sa,) = lab.ike_sas("hub")
    assert sa["created"] == time.strftime("%b.%d %H:%M:%S", time.localtime(established))
    assert sa["expires"] == time.strftime("%b.%d %H:%M:%S", time.localtime(established + 8 * 3600))
    lab.clock.advance(600)
    (child,) = lab.ipsec_sas("hub")
    assert (child["life"], child["remain"], child["kb"]) == ("3600", "3000", "Unlimited")


def test_ikev1_ike_sa_mode_is_main(lab):
    lab.commit("hub", hub_site(version="ikev1"))
    lab.commit("spoke", spoke_site(version="ikev1"))
    (sa,) = lab.ike_sas("hub")
    assert sa["mode"] == "Main"


def test_passive_end_waits_for_far_commit(lab):
    lab.commit("hub", hub_site(passive=True))
    assert lab.ike_sas("hub") == []
    assert lab.logs("hub") == []
    lab.commit("spoke", spoke_site())
    (sa,) = lab.ike_sas("hub")
    assert sa["role"] == "Resp"


def test_both_passive_never_come_up(lab):
    lab.commit("hub", hub_site(passive=True))
    lab.commit("spoke", spoke_site(passive=True))
    reply = lab.op("hub", "<test><vpn><ike-sa><gateway>gw</gateway></ike-sa></vpn></test>")
    assert reply.text.endswith("Initiate 0 IKE SA.\n")
    assert lab.op("spoke", "<test><vpn><ipsec-sa><tunnel>t1</tunnel></ipsec-sa></vpn></test>").text.endswith("Initiate 0 IPSec SA for tunnel t1.\n")
    assert lab.ike_sas("hub") == []
    assert lab.logs("hub") == []
    assert lab.logs("spoke") == []


def test_first_commit_alone_fails_and_far_side_logs(lab):
    lab.commit("hub", hub_site())
    assert lab.ike_sas("hub") == []
    assert lab.texts("hub")[-1].endswith("Due to timeout.")
    assert lab.texts("spoke") == [f"IKEv2 IKE SA negotiation is failed. Couldn't find configuration for IKEv2 request for peer IP {HUB_IP}[500]."]


def test_unmonitored_tunnel_waits_for_test(lab):
    lab.commit("hub", hub_site())
    lab.op("hub", "<show><vpn><flow/></vpn></show>")
    lab.commit("spoke", spoke_site(passive=True))
    assert lab.flows("hub")["t1"].findtext("state") == "init"
    reply = lab.op("hub", "<test><vpn><ipsec-sa><tunnel>t1</tunnel></ipsec-sa></vpn></test>")
    assert re.match(r"Start time: \w{3}\.\d{2} \d{2}:\d{2}:\d{2}\nInitiate 1 IPSec SA for tunnel t1\.\n$", reply.text)
    assert lab.flows("hub")["t1"].findtext("state") == "active"


def test_monitored_tunnel_retries_after_far_commit(lab):
    lab.commit("hub", hub_site(monitor=MONITORED))
    lab.op("hub", "<show><vpn><flow/></vpn></show>")
    lab.commit("spoke", spoke_site(passive=True))
    assert lab.flows("hub")["t1"].findtext("state") == "active"
    assert lab.flows("hub")["t1"].findtext("mon") == "up"


def test_monitored_retry_waits_one_interval(lab):
    lab.commit("hub", hub_site(monitor=MONITORED))
    lab.commit("spoke", spoke_site(psk="Different-Key-1"))
    failures = len([text for text in lab.texts("spoke") if "authentication failure" in text])
    assert failures >= 1
    lab.clock.advance(1)
    assert len([text for text in lab.texts("spoke") if "authentication failure" in text]) == failures
    lab.clock.advance(3)
    assert len([text for text in lab.texts("spoke") if "authentication failure" in text]) == failures + 1


def test_dynamic_peer_gateway_accepts_initiator(lab):
    tunnel = TunnelSpec("t1", "tunnel.1", "gw")
    lab.commit("hub", site(GatewaySpec("gw", "ethernet1/1", "dynamic", PSK), tunnel, "169.254.0.1/30"))
    lab.commit("spoke", spoke_site())
    (sa,) = lab.ike_sas("hub")
    assert sa["role"] == "Resp"
    assert lab.ipsec_sas("hub")[0]["remote"] == SPOKE_IP


def test_disabled_gateway_makes_no_attempt(lab):
    lab.commit("hub", hub_site(disabled=True))
    lab.commit("spoke", spoke_site(passive=True))
    assert lab.flows("hub")["t1"].findtext("state") == "inactive"
    assert lab.logs("hub") == []


# Changes after the tunnel is up


def test_far_key_change_tears_down_and_fails(lab):
    up_pair(lab)
    lab.commit("spoke", spoke_site(psk="Changed-Key-99"))
    assert lab.ike_sas("hub") == []
    hub_events = [eventid for eventid, _, _ in lab.logs("hub")]
    assert "ipsec-key-delete" in hub_events
    assert "tunnel-status-down" in hub_events
    assert lab.texts("hub")[-1].endswith("Due to authentication failure.")
    assert "as responder" in lab.texts("hub")[-1]


def test_unrelated_commit_keeps_sas(lab):
    up_pair(lab)
    (before,) = lab.ipsec_sas("hub")
    lab.commit("spoke", [ike_profile("unused", encryption=("aes-128-cbc",))])
    (after,) = lab.ipsec_sas("hub")
    assert after["i_spi"] == before["i_spi"]


def test_proposal_change_renegotiates(lab):
    up_pair(lab)
    lab.commit("hub", [replacing(ipsec_profile("ipsec-p2", encryption=("aes-256-gcm", "aes-128-gcm")))])
    lab.commit("spoke", [replacing(ipsec_profile("ipsec-p2", encryption=("aes-128-gcm",)))])
    (sa,) = lab.ipsec_sas("hub")
    assert sa["enc"] == "G128"


# Link control


def test_link_down_and_up_with_monitor(lab):
    up_pair(lab, hub_monitor=MONITORED)
    lab.fabric.set_link(lab.devices["spoke"], "ethernet1/1", False)
    assert lab.ike_sas("hub") == []
    assert lab.ike_sas("spoke") == []
    flow = lab.flows("hub")["t1"]
    assert (flow.findtext("state"), flow.findtext("mon")) == ("init", "down")
    hub_events = lab.logs("hub")
    assert ("tunnel-monitor-down", "t1") in [(eventid, name) for eventid, name, _ in hub_events]
    assert hub_events[-1][2].endswith("Due to timeout.")

    lab.fabric.set_link(lab.devices["spoke"], "ethernet1/1", True)
    flow = lab.flows("hub")["t1"]
    assert (flow.findtext("state"), flow.findtext("mon")) == ("active", "up")


def test_link_down_on_local_interface(lab):
    up_pair(lab)
    links = lab.fabric.set_link(lab.devices["hub"], "ethernet1/1", False)
    assert ("ethernet1/1", "down") in links
    assert lab.ipsec_sas("spoke") == []


def test_link_up_without_monitor_waits_for_test(lab):
    up_pair(lab)
    lab.fabric.set_link(lab.devices["hub"], "ethernet1/1", False)
    lab.fabric.set_link(lab.devices["hub"], "ethernet1/1", True)
    assert lab.ike_sas("hub") == []
    lab.op("hub", "<test><vpn><ipsec-sa><tunnel>t1</tunnel></ipsec-sa></vpn></test>")
    assert len(lab.ipsec_sas("hub")) == 1


def test_link_unknown_interface_rejected(lab):
    with pytest.raises(LinkError, match="interface ethernet1/9 not found on device hub"):
        lab.fabric.set_link(lab.devices["hub"], "ethernet1/9", False)


# test and clear


def test_clear_ipsec_sa_keeps_ike_sa(lab):
    up_pair(lab)
    (before,) = lab.ipsec_sas("hub")
    text = lab.op("hub", "<clear><vpn><ipsec-sa><tunnel>t1</tunnel></ipsec-sa></vpn></clear>").text
    assert text == "Delete IPSec SA: Total 1 tunnels found. 1 IPSec SA(s) deleted.\n"
    assert lab.ipsec_sas("hub") == []
    assert lab.ipsec_sas("spoke") == []
    assert len(lab.ike_sas("spoke")) == 1
    again = lab.op("hub", "<clear><vpn><ipsec-sa><tunnel>t1</tunnel></ipsec-sa></vpn></clear>").text
    assert again == "IPSec SA for tunnel t1 not found.\n"
    lab.op("hub", "<test><vpn><ipsec-sa><tunnel>t1</tunnel></ipsec-sa></vpn></test>")
    (after,) = lab.ipsec_sas("hub")
    assert after["i_spi"] != before["i_spi"]


def test_clear_ike_sa_removes_both_phases(lab):
    up_pair(lab)
    text = lab.op("spoke", "<clear><vpn><ike-sa><gateway>gw</gateway></ike-sa></vpn></clear>").text
    assert text == (
        "Delete IKEv1 phase-1 SA: Total 1 gateways found. 0 ISAKMP SA(s) deleted.\n"
        "Delete IKEv2 IKE SA: Total 1 gateways found. 1 IKE SA(s) deleted.\n"
    )
    assert lab.ike_sas("hub") == []
    assert lab.ipsec_sas("hub") == []
    assert lab.op("hub", "<test><vpn><ike-sa><gateway>gw</gateway></ike-sa></vpn></test>").text.endswith("Initiate 1 IKE SA.\n")
    assert len(lab.ike_sas("hub")) == 1
    assert lab.ipsec_sas("hub") == []


def test_monitor_reinitiates_one_interval_after_clear(lab):
    up_pair(lab, hub_monitor=MONITORED)
    lab.op("hub", "<clear><vpn><ipsec-sa><tunnel>t1</tunnel></ipsec-sa></vpn></clear>")
    assert lab.ipsec_sas("hub") == []
    lab.clock.advance(3)
    assert len(lab.ipsec_sas("hub")) == 1


def test_test_and_clear_unknown_names(lab):
    up_pair(lab)
    for cmd in (
        "<test><vpn><ike-sa><gateway>nope</gateway></ike-sa></vpn></test>",
        "<clear><vpn><ipsec-sa><tunnel>nope</tunnel></ipsec-sa></vpn></clear>",
    ):
        reply = lab.call("hub", type="op", cmd=cmd)
        assert reply.root.get("status") == "error"
        assert reply.root.get("code") == "7"


def test_test_ipsec_sa_single_proxy_id(lab):
    proxies = [("a", "10.1.0.0/16", "10.2.0.0/16"), ("b", "10.1.0.0/16", "10.3.0.0/16")]
    lab.commit("hub", site(GatewaySpec("gw", "ethernet1/1", SPOKE_IP, PSK, passive=True), TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=proxies), HUB_UNIT))
    mirrored = [("a", "10.2.0.0/16", "10.1.0.0/16"), ("b", "10.3.0.0/16", "10.1.0.0/16")]
    lab.commit("spoke", site(GatewaySpec("gw", "ethernet1/1", HUB_IP, PSK, passive=True), TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=mirrored), SPOKE_UNIT))
    lab.commit("hub", site(GatewaySpec("gw", "ethernet1/1", SPOKE_IP, PSK), TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=proxies), "169.254.0.1/30"))
    lab.op("hub", "<clear><vpn><ipsec-sa/></vpn></clear>")
    lab.op("hub", "<test><vpn><ipsec-sa><tunnel>t1:b</tunnel></ipsec-sa></vpn></test>")
    assert [sa["name"] for sa in lab.ipsec_sas("hub")] == ["t1:b"]


# Proxy IDs, monitor and counters


def test_partial_proxy_id_failure(lab):
    proxies = [("a", "10.1.0.0/16", "10.2.0.0/16"), ("b", "10.1.0.0/16", "10.3.0.0/16")]
    lab.commit("hub", site(GatewaySpec("gw", "ethernet1/1", SPOKE_IP, PSK), TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=proxies), "169.254.0.1/30"))
    spoke_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("a", "10.2.0.0/16", "10.1.0.0/16")])
    lab.commit("spoke", site(GatewaySpec("gw", "ethernet1/1", HUB_IP, PSK, passive=True), spoke_tunnel, SPOKE_UNIT))
    lab.op("hub", "<test><vpn><ipsec-sa><tunnel>t1</tunnel></ipsec-sa></vpn></test>")
    flows = lab.flows("hub")
    assert flows["t1:a"].findtext("state") == "active"
    assert flows["t1:b"].findtext("state") == "init"
    expected = "IKEv2 child SA negotiation failed when processing traffic selector. Received local id: 10.1.0.0/16"
    assert any(text.startswith(expected) for text in lab.texts("spoke"))


def test_monitor_down_when_far_end_lacks_destination(lab):
    lab.commit("hub", hub_site(monitor=("192.0.2.77", "fast")))
    lab.commit("spoke", spoke_site())
    flow = lab.flows("hub")["t1"]
    assert (flow.findtext("state"), flow.findtext("mon")) == ("active", "down")
    assert "tunnel-monitor-up" not in [eventid for eventid, _, _ in lab.logs("hub")]


def test_monitor_off_without_monitor(lab):
    up_pair(lab)
    assert lab.flows("hub")["t1"].findtext("mon") == "off"


def test_counters_grow_with_time(lab):
    up_pair(lab, hub_monitor=MONITORED)
    lab.clock.advance(30)
    hub = lab.flow_detail("hub", "t1")
    spoke = lab.flow_detail("spoke", "t1")
    assert hub.findtext("pkt-encap") == "30"
    assert spoke.findtext("pkt-decap") == hub.findtext("pkt-encap")
    assert hub.findtext("byte-encap") == str(30 * 128)
    assert hub.findtext("monitor/pkt-sent") == "10"
    assert hub.findtext("local-spi") == spoke.findtext("remote-spi")
    assert hub.findtext("initiator") == "True"
    assert spoke.findtext("initiator") == "False"
    lab.clock.advance(30)
    assert lab.flow_detail("hub", "t1").findtext("pkt-encap") == "60"


def test_rekey_after_lifetime(lab):
    up_pair(lab)
    (before,) = lab.ipsec_sas("hub")
    lab.clock.advance(3600 + 5)
    (after,) = lab.ipsec_sas("hub")
    assert after["i_spi"] != before["i_spi"]
    assert after["remain"] == "3595"
    (spoke,) = lab.ipsec_sas("spoke")
    assert spoke["o_spi"] == after["i_spi"]


# Op command shapes and arguments


def test_show_tunnel_and_gateway(lab):
    up_pair(lab)
    result = lab.op("hub", "<show><vpn><tunnel><name>t1</name></tunnel></vpn></show>")
    assert result.findtext("ntun") == "1"
    entry = result.find("./entries/entry")
    fields = ("gw", "enc", "dh", "TSi_ip", "mode")
    assert [entry.findtext(name) for name in fields] == ["gw", "AES256-GCM16", "DH20", "0.0.0.0", "tunl"]
    gateways = lab.op("hub", "<show><vpn><gateway/></vpn></show>")
    assert gateways.findtext("ngw") == "1"
    assert gateways.findtext("./entries/entry/v2/peer-id") == f"ip(ipaddr:{SPOKE_IP})"
    assert gateways.findtext("./entries/entry/v2/life") == "28800"


def test_show_flow_by_tunnel_id(lab):
    up_pair(lab)
    result = lab.op("hub", "<show><vpn><flow><tunnel-id>1</tunnel-id></flow></vpn></show>")
    assert result.findtext("dp") == "dp0"
    assert result.findtext("./IPSec/entry/name") == "t1"
    assert result.findtext("./IPSec/entry/ts/local/eip") == "255.255.255.255"
    assert lab.op("hub", "<show><vpn><flow><tunnel-id>9</tunnel-id></flow></vpn></show>").find("IPSec").findall("entry") == []


def test_show_filters(lab):
    up_pair(lab)
    assert lab.op("hub", "<show><vpn><ike-sa><gateway>nope</gateway></ike-sa></vpn></show>").findall("entry") == []
    assert len(lab.op("hub", "<show><vpn><ike-sa><gateway>gw</gateway></ike-sa></vpn></show>").findall("entry")) == 1
    assert len(lab.op("hub", "<show><vpn><ipsec-sa><tunnel>t1</tunnel></ipsec-sa></vpn></show>").findall("./entries/entry")) == 1


def test_unknown_argument_rejected(lab):
    reply = lab.call("hub", type="op", cmd="<show><vpn><ike-sa><peer>x</peer></ike-sa></vpn></show>")
    assert reply.root.get("code") == "17"
    assert "ike-sa -> peer is unexpected" in reply.body


def test_panorama_rejects_vpn_commands(clock):
    panorama = Device(DeviceSpec(name="pano", port=0, kind="panorama"), clock=clock)
    with panorama.lock:
        key = ET.fromstring(handle_request(panorama, {"type": "keygen", "user": "admin", "password": "admin"}, {}).body).findtext("./result/key")
        reply = handle_request(panorama, {"type": "op", "cmd": "<show><vpn><ike-sa/></vpn></show>", "key": key}, {})
    assert 'code="17"' in reply.body


def test_device_outside_any_fabric_sees_no_peers(clock):
    device = Device(DeviceSpec(name="alone", port=0, interfaces=[InterfaceSpec("ethernet1/1", HUB_IP + "/24")]), clock=clock)
    configure(device, hub_site(), commit=True)
    with device.lock:
        key = ET.fromstring(handle_request(device, {"type": "keygen", "user": "admin", "password": "admin"}, {}).body).findtext("./result/key")
        reply = handle_request(device, {"type": "op", "cmd": "<show><vpn><ike-sa/></vpn></show>", "key": key}, {})
    assert ET.fromstring(reply.body).find("result").findall("entry") == []


def test_system_resources_counts_ike_sas(lab):
    pattern = re.compile(r"load average: ([\d\.]+).*? ([\d\.]+) id,.*KiB Mem :\s+(\d+) total,.*? (\d+) free.*? (\d+) used,.*? (\d+) buff/cache", re.DOTALL)

    def ikemgr_resident():
        text = lab.op("hub", "<show><system><resources/></system></show>").text
        assert pattern.search(text)
        line = next(line for line in text.splitlines() if line.endswith(" ikemgr"))
        return int(line.split()[5])

    idle = ikemgr_resident()
    up_pair(lab)
    assert ikemgr_resident() == idle + 64


# System log queries


def test_log_query_filters(lab):
    up_pair(lab)
    assert {eventid for eventid, _, _ in lab.logs("hub", "(eventid eq ipsec-key-install)")} == {"ipsec-key-install"}
    assert {name for _, name, _ in lab.logs("hub", "(object eq gw)")} == {"gw"}
    assert lab.logs("hub", "(severity geq high)") == []
    assert all("IKEv2 IKE SA" in text for _, _, text in lab.logs("hub", "(description contains 'ike sa')"))
    both = lab.logs("hub", "(eventid eq tunnel-status-up) or (eventid eq ipsec-key-install)")
    assert {eventid for eventid, _, _ in both} == {"tunnel-status-up", "ipsec-key-install"}
    assert "tunnel-status-up" not in {eventid for eventid, _, _ in lab.logs("hub", "(subtype eq vpn) and not (eventid eq tunnel-status-up)")}


def test_log_query_paging_and_direction(lab):
    up_pair(lab)
    forward = lab.logs("hub", None)
    backward = lab.logs("hub", None, dir="backward")
    assert backward == list(reversed(forward))
    assert lab.logs("hub", None, nlogs="2", skip="1") == forward[1:3]


def test_log_entry_fields(lab):
    up_pair(lab)
    reply = lab.call("hub", type="log", **{"log-type": "system", "nlogs": "1"})
    assert reply.root.get("code") == "19"
    assert reply.root.findtext("./result/msg/line").startswith("query job enqueued with jobid ")
    job = lab.call("hub", type="log", action="get", **{"job-id": reply.root.findtext("./result/job")}).root
    assert job.findtext("./result/job/status") == "FIN"
    assert job.findtext("./result/job/cached-logs") == "1"
    entry = job.find("./result/log/logs/entry")
    assert (entry.findtext("type"), entry.findtext("subtype"), entry.findtext("device_name")) == ("SYSTEM", "vpn", "hub")
    assert entry.findtext("serial") == lab.devices["hub"].serial
    assert entry.findtext("seqno") == entry.get("logid")


def test_other_log_types_are_empty(lab):
    up_pair(lab)
    reply = lab.call("hub", type="log", **{"log-type": "traffic"})
    job = lab.call("hub", type="log", action="get", **{"job-id": reply.root.findtext("./result/job")}).root
    assert job.findtext("./result/job/cached-logs") == "0"


@pytest.mark.parametrize(
    "params, message",
    [
        ({"log-type": "bogus"}, 'Illegal value for parameter "log-type" [bogus].'),
        ({"log-type": "system", "nlogs": "0"}, 'Illegal value for parameter "nlogs" [0].'),
        ({"log-type": "system", "query": "(subtype eq"}, "expected a value after subtype eq"),
        ({"log-type": "system", "query": "(subtype is vpn)"}, "expected one of eq, neq, contains, geq, leq"),
        ({"action": "get", "job-id": "99"}, "Log query job 99 not found"),
    ],
)
def test_log_request_errors(lab, params, message):
    reply = lab.call("hub", type="log", **params)
    assert reply.root.get("status") == "error"
    assert message in reply.body


def test_log_finish_action(lab):
    reply = lab.call("hub", type="log", **{"log-type": "system"})
    job = reply.root.findtext("./result/job")
    finished = lab.call("hub", type="log", action="finish", **{"job-id": job})
    assert finished.root.get("status") == "success"


def test_pre_shared_key_never_in_replies_or_logs(lab):
    lab.commit("hub", hub_site(monitor=MONITORED))
    lab.commit("spoke", spoke_site(psk="Other-Runtime-Key"))
    bodies = []
    for name in ("hub", "spoke"):
        for cmd in ("ike-sa", "ipsec-sa", "flow", "tunnel", "gateway"):
            bodies.append(lab.call(name, type="op", cmd=f"<show><vpn><{cmd}/></vpn></show>").body)
        bodies.extend(text for _, _, text in lab.logs(name, None))
    for body in bodies:
        assert PSK not in body
        assert "Other-Runtime-Key" not in body
