"""Tests that start a real ``python -m pansim`` process and drive it with pan-os-python."""

import os
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pan.xapi
import pytest
from panos import network, objects
from panos.errors import PanDeviceXapiError, PanLockError, PanURLError
from panos.firewall import Firewall

import pansim

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(pansim.__file__)))

PSK = "Psk-Never-Shown-4711"
GATEWAY_XPATH = "/config/devices/entry[@name='localhost.localdomain']/network/ike/gateway"
ADDRESS_XPATH = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/address"


@pytest.fixture
def recorded_bodies(monkeypatch):
    """Record every response body that pan.xapi receives."""
    bodies = []
    real_urlopen = pan.xapi.urlopen

    class Recorded:
        def __init__(self, response):
            self._response = response
            self._body = response.read()
            bodies.append(self._body.decode("utf-8", "replace"))

        def read(self):
            return self._body

        def getheader(self, name):
            return self._response.getheader(name)

        def info(self):
            return self._response.info()

    monkeypatch.setattr(pan.xapi, "urlopen", lambda *args, **kwargs: Recorded(real_urlopen(*args, **kwargs)))
    return bodies


def hub(sim):
    return Firewall("127.0.0.1", "admin", "admin", port=sim.port("hub"))


def add_vpn(fw, tunnel_interface="tunnel.1"):
    profile = network.IkeCryptoProfile(
        "ike-p1", dh_group=["group14"], authentication=["sha256"], encryption=["aes-256-cbc"], lifetime_hours=8
    )
    gateway = network.IkeGateway(
        "gw1",
        version="ikev2",
        peer_ip_value="203.0.113.10",
        interface="ethernet1/1",
        pre_shared_key=PSK,
        ikev2_crypto_profile="ike-p1",
    )
    unit = network.TunnelInterface("tunnel.1", ip=["169.254.10.1/30"])
    tunnel = network.IpsecTunnel("t1", tunnel_interface=tunnel_interface, ak_ike_gateway="gw1", ak_ipsec_crypto_profile="default")
    for obj in (profile, gateway, unit, tunnel):
        fw.add(obj)
        obj.create()
    return gateway, unit, tunnel


def test_keygen_and_system_info(pansim_process):
    fw = hub(pansim_process)
    info = fw.refresh_system_info()
    assert info.version == "10.2.9"
    assert info.platform == "PA-VM"
    assert len(info.serial) == 15
    assert fw.api_key.startswith("LUFRPT")
    assert fw.pending_changes() is False


def test_devices_have_own_admins(pansim_process):
    spoke = Firewall("127.0.0.1", "ops", "ops-pw", port=pansim_process.port("spoke"))
    assert spoke.refresh_system_info().version == "10.1.6"

    wrong = Firewall("127.0.0.1", "admin", "admin", port=pansim_process.port("spoke"))
    with pytest.raises(PanURLError) as caught:
        wrong.refresh_system_info()
    assert "403" in str(caught.value)


def test_create_refresh_delete(pansim_process):
    fw = hub(pansim_process)
    fw.refresh_system_info()
    gateway, unit, _ = add_vpn(fw)

    reader = hub(pansim_process)
    reader.refresh_system_info()
    gateways = network.IkeGateway.refreshall(reader)
    assert [g.name for g in gateways] == ["gw1"]
    assert gateways[0].peer_ip_value == "203.0.113.10"
    assert gateways[0].ikev2_crypto_profile == "ike-p1"
    assert gateways[0].pre_shared_key.startswith("-AQ==")
    assert [u.name for u in network.TunnelInterface.refreshall(reader)] == ["tunnel.1"]
    assert network.IkeGateway.refreshall(reader, running_config=True) == []

    imports = reader.xapi.get("/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/import/network/interface")
    assert [m.text for m in imports.findall("./result/interface/member")] == ["ethernet1/1", "tunnel.1"]

    unit.delete()
    gateway.delete()
    assert network.TunnelInterface.refreshall(reader) == []
    assert network.IkeGateway.refreshall(reader) == []
    imports = reader.xapi.get("/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/import/network/interface")
    assert [m.text for m in imports.findall("./result/interface/member")] == ["ethernet1/1"]


def test_bulk_and_apply(pansim_process):
    fw = hub(pansim_process)
    fw.refresh_system_info()
    addresses = [objects.AddressObject(f"net-{i}", f"10.{i}.0.0/16") for i in range(5)]
    for address in addresses:
        fw.add(address)
    addresses[0].create_similar()

    names = [a.name for a in objects.AddressObject.refreshall(fw, name_only=True)]
    assert names == [f"net-{i}" for i in range(5)]

    addresses[1].value = "10.99.0.0/16"
    addresses[1].apply()
    addresses[1].refresh()
    assert addresses[1].value == "10.99.0.0/16"

    addresses[0].delete_similar()
    assert objects.AddressObject.refreshall(fw) == []


def test_invalid_value_rejected(pansim_process):
    fw = hub(pansim_process)
    fw.refresh_system_info()
    profile = network.IkeCryptoProfile("bad", dh_group=["group99"], authentication=["sha256"], encryption=["aes-256-cbc"])
    fw.add(profile)
    with pytest.raises(PanDeviceXapiError) as caught:
        profile.create()
    assert str(caught.value) == " ike-crypto-profiles -> bad -> dh-group 'group99' is not an allowed keyword"


def test_failed_multi_config_leaves_candidate_identical(pansim_process):
    fw = hub(pansim_process)
    fw.refresh_system_info()
    add_vpn(fw)
    fw.xapi.get("/config")
    before = fw.xapi.xml_document

    element = (
        "<multi-config>"
        f'<set id="1" xpath="{GATEWAY_XPATH}/entry[@name=\'gw2\']"><peer-address><ip>203.0.113.20</ip></peer-address></set>'
        f'<delete id="2" xpath="{GATEWAY_XPATH}/entry[@name=\'gw1\']"/>'
        f'<set id="3" xpath="{GATEWAY_XPATH}/entry[@name=\'gw3\']"><protocol><version>ikev9</version></protocol></set>'
        "</multi-config>"
    )
    with pytest.raises(PanDeviceXapiError) as caught:
        fw.xapi.ad_hoc(qs={"type": "config", "action": "multi-config", "element": element}, modify_qs=True)
    assert 'id="3"' in str(caught.value)
    assert "'ikev9' is not an allowed keyword" in str(caught.value)

    nested = fw.xapi.element_root.findall("response")
    assert [(r.get("id"), r.get("status")) for r in nested] == [("1", "success"), ("2", "success"), ("3", "error")]

    fw.xapi.get("/config")
    assert fw.xapi.xml_document == before


def test_multi_config_success(pansim_process):
    fw = hub(pansim_process)
    fw.refresh_system_info()
    element = (
        "<multi-config>"
        f'<set id="a" xpath="{GATEWAY_XPATH}/entry[@name=\'gw2\']"><peer-address><ip>203.0.113.20</ip></peer-address></set>'
        f'<rename id="b" xpath="{GATEWAY_XPATH}/entry[@name=\'gw2\']" newname="gw-renamed"/>'
        "</multi-config>"
    )
    fw.xapi.ad_hoc(qs={"type": "config", "action": "multi-config", "element": element}, modify_qs=True)
    assert fw.xapi.status == "success"
    assert [g.name for g in network.IkeGateway.refreshall(fw)] == ["gw-renamed"]


def test_commit_success_and_failure(pansim_process):
    fw = hub(pansim_process)
    fw.refresh_system_info()
    add_vpn(fw)
    for member in ("tunnel.1",):
        fw.xapi.set("/config/devices/entry[@name='localhost.localdomain']/network/virtual-router/entry[@name='default']/interface", f"<member>{member}</member>")
        fw.xapi.set("/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/zone/entry[@name='vpn']/network/layer3", f"<member>{member}</member>")

    result = fw.commit(sync=True)
    assert result["success"] is True
    assert result["messages"] == ["Configuration committed successfully"]
    assert fw.pending_changes() is False
    assert [g.name for g in network.IkeGateway.refreshall(fw, running_config=True)] == ["gw1"]
    assert fw.commit(sync=True) is None

    broken = network.IpsecTunnel("t2", tunnel_interface="tunnel.9", ak_ike_gateway="gw-missing")
    fw.add(broken)
    broken.create()
    result = fw.commit(sync=True)
    assert result["success"] is False
    assert result["result"] == "FAIL"
    assert result["messages"] == [
        " network -> tunnel -> ipsec -> t2 -> tunnel-interface 'tunnel.9' is not a valid reference",
        " network -> tunnel -> ipsec -> t2 -> auto-key -> ike-gateway 'gw-missing' is not a valid reference",
        "commit failed",
    ]
    assert network.IpsecTunnel.refreshall(fw, running_config=True)[0].name == "t1"
    assert fw.pending_changes() is True


def test_psk_never_in_responses_or_log(pansim_process, recorded_bodies):
    fw = hub(pansim_process)
    fw.refresh_system_info()
    gateway, _, _ = add_vpn(fw)
    gateway.pre_shared_key = PSK + "-2"
    gateway.update("pre_shared_key")
    fw.commit(sync=True)

    network.IkeGateway.refreshall(fw)
    network.IkeGateway.refreshall(fw, running_config=True)
    fw.xapi.get("/config")
    fw.xapi.show("/config")
    fw.xapi.export(category="configuration")
    fw.op("<show><config><running/></config></show>", cmd_xml=False)

    assert len(recorded_bodies) > 10
    for body in recorded_bodies:
        assert PSK not in body

    assert pansim_process.stop() == 0
    with open(pansim_process.log_file, encoding="utf-8") as handle:
        log = handle.read()
    assert "type=config action=set" in log
    assert PSK not in log
    assert fw.api_key not in log
    assert "password" not in log.lower()
    for name in os.listdir(pansim_process.output_dir):
        with open(os.path.join(pansim_process.output_dir, name), encoding="utf-8") as handle:
            assert PSK not in handle.read()


def test_sigterm_writes_configs(pansim_process):
    fw = hub(pansim_process)
    fw.refresh_system_info()
    add_vpn(fw)
    fw.commit(sync=True)
    fw.xapi.set(GATEWAY_XPATH + "/entry[@name='gw9']", "<peer-address><dynamic/></peer-address>")

    assert pansim_process.stop() == 0
    running = ET.parse(os.path.join(pansim_process.output_dir, "hub-running.xml")).getroot()
    candidate = ET.parse(os.path.join(pansim_process.output_dir, "hub-candidate.xml")).getroot()
    gateway_path = "./devices/entry/network/ike/gateway/entry"
    assert [e.get("name") for e in running.findall(gateway_path)] == ["gw1"]
    assert [e.get("name") for e in candidate.findall(gateway_path)] == ["gw1", "gw9"]
    assert os.path.exists(os.path.join(pansim_process.output_dir, "spoke-running.xml"))


def api_call(port, context, params, host="127.0.0.1"):
    data = urllib.parse.urlencode(params).encode()
    with urllib.request.urlopen(f"https://{host}:{port}/api/", data=data, context=context, timeout=10) as response:
        return response.headers.get("Content-Type"), ET.fromstring(response.read())


def test_tls_verifies_with_generated_ca(pansim_process):
    ca_file = pansim_process.ready["ca"]
    assert ca_file == os.path.join(pansim_process.tls_dir, "ca.pem")
    context = ssl.create_default_context(cafile=ca_file)
    port = pansim_process.port("hub")

    for host in ("127.0.0.1", "localhost"):
        content_type, root = api_call(port, context, {"type": "keygen", "user": "admin", "password": "admin"}, host)
        assert content_type.startswith("application/xml")
        assert root.find("./result/key").text

    with pytest.raises(urllib.error.URLError):
        api_call(port, ssl.create_default_context(), {"type": "keygen", "user": "admin", "password": "admin"})


def test_get_request_and_wrong_key(pansim_process):
    context = ssl.create_default_context(cafile=pansim_process.ready["ca"])
    port = pansim_process.port("hub")
    _, root = api_call(port, context, {"type": "keygen", "user": "admin", "password": "admin"})
    key = root.find("./result/key").text

    query = urllib.parse.urlencode({"type": "op", "cmd": "<show><chassis-ready/></show>", "key": key})
    with urllib.request.urlopen(f"https://127.0.0.1:{port}/api/?{query}", context=context, timeout=10) as response:
        assert ET.fromstring(response.read()).findtext("result") == "yes"

    with pytest.raises(urllib.error.HTTPError) as caught:
        api_call(port, context, {"type": "op", "cmd": "<show><chassis-ready/></show>", "key": "LUFRPTwrong=="})
    assert caught.value.code == 403
    assert caught.value.read() == b"<response status = 'error' code = '403'><result><msg>Invalid Credential</msg></result></response>"


def test_ready_file_format(pansim_process):
    ready = pansim_process.ready
    assert ready["pid"] == pansim_process.process.pid
    assert [d["name"] for d in ready["devices"]] == ["hub", "spoke"]
    for device in ready["devices"]:
        assert device["port"] > 0
        assert device["url"] == f"https://127.0.0.1:{device['port']}"


def test_devices_file_with_loaded_config(tmp_path, pansim_starter):
    config = tmp_path / "start.xml"
    config.write_text(
        '<config version="10.2.0"><devices><entry name="localhost.localdomain"><network><interface><ethernet/>'
        "</interface></network><deviceconfig><system><hostname>loaded</hostname></system></deviceconfig>"
        "</entry></devices></config>"
    )
    devices = tmp_path / "devices.yml"
    devices.write_text(
        "devices:\n"
        "  - name: edge\n"
        "    port: 0\n"
        f"    config: {config}\n"
        "    admins: {alice: alice-pw, bob: bob-pw}\n"
        "    interfaces: [{name: ethernet1/1, ip: 198.51.100.50/24}]\n"
        "    commit_seconds: 0\n"
    )
    sim = pansim_starter([], ["--devices", str(devices)])
    alice = Firewall("127.0.0.1", "alice", "alice-pw", port=sim.port("edge"))
    bob = Firewall("127.0.0.1", "bob", "bob-pw", port=sim.port("edge"))
    alice.refresh_system_info()
    bob.refresh_system_info()
    alice.xapi.set(ADDRESS_XPATH + "/entry[@name='from-alice']", "<ip-netmask>192.0.2.1/32</ip-netmask>")
    bob.xapi.set(ADDRESS_XPATH + "/entry[@name='from-bob']", "<ip-netmask>192.0.2.2/32</ip-netmask>")

    result = alice.commit(sync=True, admins=["alice"])
    assert result["success"] is True, result["messages"]
    alice.xapi.show(ADDRESS_XPATH)
    assert [e.get("name") for e in alice.xapi.element_root.findall("./result/address/entry")] == ["from-alice"]
    assert alice.pending_changes() is True
    assert alice.whoami() == "alice"

    alice.xapi.show("/config/devices/entry[@name='localhost.localdomain']/deviceconfig/system/hostname")
    assert alice.xapi.element_root.findtext("./result/hostname") == "loaded"

    assert alice.add_config_lock(comment="change window") is True
    assert bob.check_config_locks() is True
    with pytest.raises(PanLockError):
        bob.add_config_lock()
    with pytest.raises(PanLockError):
        bob.xapi.set(ADDRESS_XPATH + "/entry[@name='blocked']", "<ip-netmask>192.0.2.3/32</ip-netmask>")
    assert alice.remove_config_lock() is True
    assert bob.check_config_locks() is False

    bob.revert_to_running_configuration()
    assert bob.pending_changes() is False
    assert bob.is_ready(seconds=5) is True
    assert sim.stop() == 0


def test_bad_options_exit_with_message(tmp_path):
    command = [sys.executable, "-m", "pansim", "--tls-dir", str(tmp_path / "tls"), "--device", "name=x,port=1,colour=red"]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "'colour=red' is not one of" in result.stderr
