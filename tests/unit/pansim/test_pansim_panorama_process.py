"""A real pansim process with a Panorama and two managed firewalls, driven by pan-os-python."""

import pytest
from panos import network, panorama
from panos.base import PanDevice
from panos.errors import PanDeviceXapiError
from panos.firewall import Firewall

PSK = "Panorama-Psk-Never-Shown-5150"


@pytest.fixture
def managed_sim(pansim_starter):
    return pansim_starter(
        [
            "name=fw1,port=0,commit_seconds=0.1",
            "name=fw2,port=0,commit_seconds=0.1,sw_version=10.1.6",
            "name=pano,port=0,kind=panorama,sw_version=11.1.4,managed=fw1+fw2,commit_seconds=0.1",
        ]
    )


def serial_of(sim, name):
    return next(device["serial"] for device in sim.ready["devices"] if device["name"] == name)


def connect_panorama(sim):
    return panorama.Panorama("127.0.0.1", "admin", "admin", port=sim.port("pano"))


def vpn_objects(peer="$peer_ip", name="gw1"):
    interface = network.EthernetInterface("ethernet1/1", mode="layer3", ip=["198.51.100.30/24"])
    gateway = network.IkeGateway(
        name,
        version="ikev2",
        peer_ip_value=peer,
        interface="ethernet1/1",
        pre_shared_key=PSK,
        ikev2_crypto_profile="default",
    )
    return interface, gateway


def test_ready_file_lists_kind_and_serial(managed_sim):
    kinds = {device["name"]: device["kind"] for device in managed_sim.ready["devices"]}
    assert kinds == {"fw1": "firewall", "fw2": "firewall", "pano": "panorama"}
    assert all(device["serial"] for device in managed_sim.ready["devices"])


def test_create_from_device_builds_panorama(managed_sim):
    device = PanDevice.create_from_device("127.0.0.1", "admin", "admin", port=managed_sim.port("pano"))
    assert isinstance(device, panorama.Panorama)
    assert device.version == "11.1.4"


def test_template_crud_through_pan_os_python(managed_sim):
    pano = connect_panorama(managed_sim)
    template = panorama.Template("branch", devices=[serial_of(managed_sim, "fw1")])
    pano.add(template)
    template.create()
    variable = panorama.TemplateVariable("$peer_ip", "203.0.113.10")
    template.add(variable)
    variable.create()
    for obj in vpn_objects():
        template.add(obj)
        obj.create()

    stack = panorama.TemplateStack("branches", templates=["branch"], devices=[serial_of(managed_sim, "fw1")])
    pano.add(stack)
    stack.create()
    tunnel_unit = network.TunnelInterface("tunnel.7", ip=["169.254.7.1/30"])
    stack.add(tunnel_unit)
    tunnel_unit.create()

    fresh = connect_panorama(managed_sim)
    templates = panorama.Template.refreshall(fresh)
    assert [t.name for t in templates] == ["branch"]
    gateways = network.IkeGateway.refreshall(templates[0])
    assert [(g.name, g.peer_ip_value) for g in gateways] == [("gw1", "$peer_ip")]
    assert gateways[0].pre_shared_key != PSK
    assert [v.name for v in panorama.TemplateVariable.refreshall(templates[0])] == ["$peer_ip"]
    stacks = panorama.TemplateStack.refreshall(fresh)
    assert [(s.name, s.templates) for s in stacks] == [("branches", ["branch"])]
    assert [u.name for u in network.TunnelInterface.refreshall(stacks[0])] == ["tunnel.7"]

    result = pano.commit(sync=True)
    assert result["success"], result["messages"]

    gateways[0].delete()
    assert network.IkeGateway.refreshall(templates[0]) == []


def test_commit_failure_names_template(managed_sim):
    pano = connect_panorama(managed_sim)
    template = panorama.Template("branch")
    pano.add(template)
    template.create()
    tunnel = network.IpsecTunnel("t1", tunnel_interface="tunnel.9", ak_ike_gateway="gw1", ak_ipsec_crypto_profile="default")
    template.add(tunnel)
    tunnel.create()

    result = pano.commit(sync=True)
    assert not result["success"]
    prefix = " template -> branch -> config -> devices -> localhost.localdomain -> network -> tunnel -> ipsec -> t1"
    assert f"{prefix} -> tunnel-interface 'tunnel.9' is not a valid reference" in result["messages"]
    assert f"{prefix} -> auto-key -> ike-gateway 'gw1' is not a valid reference" in result["messages"]


def test_variable_in_template_but_not_on_firewall(managed_sim):
    pano = connect_panorama(managed_sim)
    template = panorama.Template("branch")
    pano.add(template)
    template.create()
    _, gateway = vpn_objects(peer="$peer_ip")
    template.add(gateway)
    gateway.create()

    fw = Firewall("127.0.0.1", "admin", "admin", port=managed_sim.port("fw1"))
    _, direct = vpn_objects(peer="$peer_ip")
    fw.add(direct)
    with pytest.raises(PanDeviceXapiError) as error:
        direct.create()
    assert "peer-address -> ip '$peer_ip' is not a valid IP address or address object name" in str(error.value)
    assert network.IkeGateway.refreshall(fw) == []


def test_firewall_reached_by_serial(managed_sim):
    pano = connect_panorama(managed_sim)
    fw = Firewall(serial=serial_of(managed_sim, "fw2"))
    pano.add(fw)

    info = fw.refresh_system_info()
    assert (info.version, info.serial) == ("10.1.6", serial_of(managed_sim, "fw2"))

    _, gateway = vpn_objects(peer="203.0.113.20", name="gw-by-serial")
    fw.add(gateway)
    gateway.create()
    result = fw.commit(sync=True)
    assert result["success"], result["messages"]
    assert [g.name for g in network.IkeGateway.refreshall(fw, running_config=True)] == ["gw-by-serial"]

    direct = Firewall("127.0.0.1", "admin", "admin", port=managed_sim.port("fw2"))
    assert [g.name for g in network.IkeGateway.refreshall(direct, running_config=True)] == ["gw-by-serial"]

    with open(managed_sim.log_file, encoding="utf-8") as handle:
        log = handle.read()
    assert f"device=pano target={serial_of(managed_sim, 'fw2')} client=127.0.0.1 admin=admin type=config action=set" in log
    assert PSK not in log
    assert pano.api_key not in log


def test_unknown_serial_through_pan_os_python(managed_sim):
    pano = connect_panorama(managed_sim)
    fw = Firewall(serial="000000000000")
    pano.add(fw)
    with pytest.raises(PanDeviceXapiError) as error:
        fw.refresh_system_info()
    assert "no connected managed device has serial 000000000000" in str(error.value)


def test_refresh_devices(managed_sim):
    pano = connect_panorama(managed_sim)
    devices = pano.refresh_devices()
    found = {fw.serial: fw for fw in devices}
    assert set(found) == {serial_of(managed_sim, "fw1"), serial_of(managed_sim, "fw2")}
    assert found[serial_of(managed_sim, "fw2")].version == "10.1.6"
    assert found[serial_of(managed_sim, "fw1")].state.connected is True


def test_commit_all_pushes_template(managed_sim):
    pano = connect_panorama(managed_sim)
    fw1 = serial_of(managed_sim, "fw1")
    template = panorama.Template("branch", devices=[fw1])
    pano.add(template)
    template.create()
    variable = panorama.TemplateVariable("$peer_ip", "203.0.113.44")
    template.add(variable)
    variable.create()
    for obj in vpn_objects():
        template.add(obj)
        obj.create()
    assert pano.commit(sync=True)["success"]

    result = pano.commit(cmd=panorama.PanoramaCommitAll("template", "branch"), sync=True, sync_all=True)
    assert result["success"]
    assert list(result["devices"]) == [fw1]
    assert result["devices"][fw1]["result"] == "OK"

    direct = Firewall("127.0.0.1", "admin", "admin", port=managed_sim.port("fw1"))
    pushed = network.IkeGateway.refreshall(direct, running_config=True)
    assert [(g.name, g.peer_ip_value) for g in pushed] == [("gw1", "203.0.113.44")]
