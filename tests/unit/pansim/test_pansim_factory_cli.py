"""Tests for factory configurations, loaded configuration files and command-line parsing."""

import os

import pytest

from pansim import cli, secrets
from pansim.device import Device, DeviceSpec, derived_address
from pansim.factory import InterfaceSpec
from pansim.node import to_xml

# The iron-skillet baseline (MIT licence) from the configuration corpus kept beside this repository.
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
IRON_SKILLET = os.path.join(
    REPO, "..", "shared", "corpus", "panos-configs", "iron-skillet__sample-mgmt-static__iron_skillet_panos_full.xml"
)


def device_entry(device, tree="candidate"):
    root = getattr(device, tree)
    return root.find_child("devices").find_entry("entry", "localhost.localdomain")


def entry_names(node, *tags):
    container = node.find_path(*tags)
    return [entry.name for entry in container.iter_tag("entry")] if container is not None else []


def members(node, *tags):
    container = node.find_path(*tags)
    return [member.text for member in container.iter_tag("member")] if container is not None else []


def test_factory_default_contents():
    device = Device(DeviceSpec(name="hub", port=0, interfaces=[InterfaceSpec("ethernet1/1", "198.51.100.1/24")]))
    entry = device_entry(device)
    network = entry.find_child("network")

    assert device.candidate.attrib["version"] == "10.2.0"
    assert entry.child_text("deviceconfig", "system", "hostname") == "hub"
    names = ["default", "Suite-B-GCM-128", "Suite-B-GCM-256"]
    assert entry_names(network, "ike", "crypto-profiles", "ike-crypto-profiles") == names
    assert entry_names(network, "ike", "crypto-profiles", "ipsec-crypto-profiles") == names

    monitor = network.find_path("profiles", "monitor-profile").find_entry("entry", "default")
    assert (monitor.child_text("action"), monitor.child_text("interval"), monitor.child_text("threshold")) == ("wait-recover", "3", "5")

    ethernet = network.find_path("interface", "ethernet").find_entry("entry", "ethernet1/1")
    assert entry_names(ethernet, "layer3", "ip") == ["198.51.100.1/24"]
    assert members(network.find_path("virtual-router").find_entry("entry", "default"), "interface") == ["ethernet1/1"]

    vsys = entry.find_path("vsys").find_entry("entry", "vsys1")
    assert members(vsys.find_path("zone").find_entry("entry", "untrust"), "network", "layer3") == ["ethernet1/1"]
    assert members(vsys, "import", "network", "interface") == ["ethernet1/1"]
    assert vsys.find_child("rulebase") is not None
    assert to_xml(device.running) == to_xml(device.candidate)


def test_default_interface_address_from_name():
    device = Device(DeviceSpec(name="spoke7", port=0))
    ethernet = device_entry(device).find_path("network", "interface", "ethernet").find_entry("entry", "ethernet1/1")
    assert entry_names(ethernet, "layer3", "ip") == [derived_address("spoke7")]
    assert derived_address("spoke7").startswith("198.51.100.")
    assert device.serial != Device(DeviceSpec(name="spoke8", port=0)).serial


def test_config_version_follows_sw_version():
    assert Device(DeviceSpec(name="old", port=0, sw_version="9.1.14")).candidate.attrib["version"] == "9.1.0"


@pytest.mark.skipif(not os.path.exists(IRON_SKILLET), reason="configuration corpus not available")
def test_iron_skillet_loads_with_interface():
    spec = DeviceSpec(name="fw", port=0, config=IRON_SKILLET, interfaces=[InterfaceSpec("ethernet1/1", "203.0.113.5/24")])
    device = Device(spec)
    entry = device_entry(device)

    ethernet = entry.find_path("network", "interface", "ethernet").find_entry("entry", "ethernet1/1")
    assert entry_names(ethernet, "layer3", "ip") == ["203.0.113.5/24"]
    assert entry.child_text("deviceconfig", "system", "hostname") == "panos-01"
    assert device.candidate.attrib["version"] == "10.1.0"
    assert to_xml(device.running) == to_xml(device.candidate)


def test_loaded_config_keeps_unknown_attributes_and_encrypts_psk(tmp_path):
    config = tmp_path / "start.xml"
    config.write_text(
        '<config version="11.1.0" urldb="x"><devices><entry name="localhost.localdomain"><network>'
        '<ike><gateway><entry name="gw1" ptpl="tmpl1"><authentication><pre-shared-key><key>plain-psk</key>'
        "</pre-shared-key></authentication><pq-ppk><enabled>no</enabled></pq-ppk></entry></gateway></ike>"
        "</network></entry></devices></config>"
    )
    device = Device(DeviceSpec(name="fw", port=0, config=str(config)))
    text = to_xml(device.candidate)

    assert 'ptpl="tmpl1"' in text
    assert "<pq-ppk><enabled>no</enabled></pq-ppk>" in text
    assert "plain-psk" not in text
    key = device_entry(device).find_path("network", "ike", "gateway").find_entry("entry", "gw1")
    assert secrets.matches(key.child_text("authentication", "pre-shared-key", "key"), "plain-psk")


def test_parse_device_option_full():
    spec = cli.parse_device_option(
        "name=hub,port=18443,sw_version=10.2.9,model=PA-VM,serial=007000000000001,hostname=hub-fw,"
        "config=/tmp/x.xml,username=root,password=secret,interface=ethernet1/1:198.51.100.1/24,commit_seconds=0.5"
    )
    assert (spec.name, spec.port, spec.sw_version, spec.model) == ("hub", 18443, "10.2.9", "PA-VM")
    assert (spec.serial, spec.hostname, spec.config) == ("007000000000001", "hub-fw", "/tmp/x.xml")
    assert spec.admins == {"root": "secret"}
    assert spec.interfaces == [InterfaceSpec("ethernet1/1", "198.51.100.1/24")]
    assert spec.commit_seconds == 0.5


def test_parse_device_option_defaults():
    spec = cli.parse_device_option("name=spoke,port=0")
    assert spec.admins == {"admin": "admin"}
    assert spec.sw_version == "10.2.9"
    assert spec.interfaces is None
    assert spec.commit_seconds == 0.3


@pytest.mark.parametrize(
    "option",
    ["port=1", "name=x", "name=x,port=abc", "name=x,port=70000", "name=x,port=1,colour=red", "name=x,port=1,sw_version=11.1"],
)
def test_parse_device_option_errors(option):
    with pytest.raises(cli.UsageError):
        cli.parse_device_option(option)


def test_devices_file(tmp_path):
    path = tmp_path / "devices.yml"
    path.write_text(
        "devices:\n"
        "  - name: hub\n"
        "    port: 0\n"
        "    admins: {admin: admin-pw, automation: auto-pw}\n"
        "    interfaces:\n"
        "      - {name: ethernet1/1, ip: 198.51.100.1/24, zone: outside, virtual_router: vr1}\n"
        "      - {name: ethernet1/2, ip: 10.1.0.1/24, zone: trust}\n"
        "    commit_seconds: 0\n"
        "  - name: spoke\n"
        "    port: 0\n"
    )
    hub, spoke = cli.load_devices_file(str(path))
    assert hub.admins == {"admin": "admin-pw", "automation": "auto-pw"}
    assert hub.interfaces[0] == InterfaceSpec("ethernet1/1", "198.51.100.1/24", "outside", "vr1")
    assert hub.interfaces[1].virtual_router == "default"
    assert hub.commit_seconds == 0
    assert spoke.admins == {"admin": "admin"}

    device = Device(hub)
    zone = device_entry(device).find_path("vsys").find_entry("entry", "vsys1").find_path("zone")
    assert entry_names(zone) == ["outside", "trust"]


@pytest.mark.parametrize(
    "text",
    ["devices: {}\n", "devices:\n  - name: a\n    port: 0\n    colour: red\n", "devices:\n  - name: a\n    port: 0\n    admins: []\n"],
)
def test_devices_file_errors(tmp_path, text):
    path = tmp_path / "devices.yml"
    path.write_text(text)
    with pytest.raises(cli.UsageError):
        cli.load_devices_file(str(path))


def test_duplicate_devices_rejected():
    specs = [cli.parse_device_option("name=a,port=10001"), cli.parse_device_option("name=a,port=10002")]
    with pytest.raises(cli.UsageError):
        cli._check_unique(specs)
    specs = [cli.parse_device_option("name=a,port=10001"), cli.parse_device_option("name=b,port=10001")]
    with pytest.raises(cli.UsageError):
        cli._check_unique(specs)


def test_hostname_option_overrides_loaded_config(tmp_path):
    config = tmp_path / "start.xml"
    config.write_text(
        '<config version="10.2.0"><devices><entry name="localhost.localdomain"><deviceconfig><system>'
        "<hostname>from-file</hostname></system></deviceconfig></entry></devices></config>"
    )
    assert Device(DeviceSpec(name="fw", port=0, config=str(config))).hostname == "from-file"
    assert Device(DeviceSpec(name="fw", port=0, config=str(config), hostname="override")).hostname == "override"


# Panorama options


def test_panorama_device_option():
    spec = cli.parse_device_option("name=pano,port=0,kind=panorama,managed=fw1+fw2,managed=fw3")
    assert spec.is_panorama
    assert spec.model == "Panorama"
    assert spec.managed == ["fw1", "fw2", "fw3"]
    assert spec.resolved_interfaces() == []


def test_panorama_from_model_option():
    assert cli.parse_device_option("name=m,port=0,model=M-600").is_panorama
    assert not cli.parse_device_option("name=f,port=0,model=PA-440").is_panorama


@pytest.mark.parametrize(
    "option, message",
    [
        ("name=p,port=0,kind=router", "kind 'router' is not one of firewall, panorama"),
        ("name=p,port=0,kind=panorama,model=PA-VM", "kind panorama does not match model 'PA-VM'"),
        ("name=p,port=0,kind=firewall,model=Panorama", "kind firewall does not match model 'Panorama'"),
        ("name=f,port=0,managed=fw2", "only a Panorama manages devices"),
        ("name=p,port=0,kind=panorama,interface=ethernet1/1:198.51.100.1/24", "a Panorama has no data interfaces"),
    ],
)
def test_panorama_option_errors(option, message):
    with pytest.raises(cli.UsageError) as error:
        cli.parse_device_option(option)
    assert message in str(error.value)


def test_managed_names_resolve_to_serials():
    specs = [
        cli.parse_device_option("name=fw1,port=0"),
        cli.parse_device_option("name=fw2,port=0,serial=007000000000042"),
        cli.parse_device_option("name=pano,port=0,kind=panorama,managed=fw1+007000000000042"),
    ]
    cli.resolve_managed(specs)
    assert specs[2].managed == [specs[0].resolved_serial, "007000000000042"]


@pytest.mark.parametrize(
    "managed, message",
    [("ghost", "managed device 'ghost' is not the name or serial of a device"), ("pano2", "is a Panorama")],
)
def test_managed_resolution_errors(managed, message):
    specs = [
        cli.parse_device_option("name=pano2,port=0,kind=panorama"),
        cli.parse_device_option(f"name=pano,port=0,kind=panorama,managed={managed}"),
    ]
    with pytest.raises(cli.UsageError) as error:
        cli.resolve_managed(specs)
    assert message in str(error.value)


def test_duplicate_serials_rejected():
    specs = [cli.parse_device_option("name=a,port=0,serial=1"), cli.parse_device_option("name=b,port=0,serial=1")]
    with pytest.raises(cli.UsageError) as error:
        cli._check_unique(specs)
    assert "serials must be unique" in str(error.value)


def test_devices_file_with_panorama(tmp_path):
    path = tmp_path / "devices.yml"
    path.write_text(
        "devices:\n"
        "  - {name: fw1, port: 0}\n"
        "  - {name: pano, port: 0, kind: panorama, sw_version: 11.2.4, managed: [fw1]}\n"
    )
    fw1, pano = cli.load_devices_file(str(path))
    cli.resolve_managed([fw1, pano])
    assert pano.is_panorama and pano.sw_version == "11.2.4"
    assert pano.managed == [fw1.resolved_serial]

    path.write_text("devices:\n  - {name: pano, port: 0, kind: panorama, managed: fw1}\n")
    with pytest.raises(cli.UsageError):
        cli.load_devices_file(str(path))


def test_interface_gateway_adds_default_route():
    from pansim.factory import InterfaceSpec, add_interface, factory_config

    root = factory_config("fw", "10.2.0", {"admin": "pw"}, [])
    add_interface(root, InterfaceSpec("ethernet1/2", "192.0.2.10/24", gateway="192.0.2.254"))
    device = root.find_child("devices").find_entry("entry", "localhost.localdomain")
    routes = device.find_path("network", "virtual-router")
    text = to_xml(routes)
    assert "<destination>0.0.0.0/0</destination>" in text
    assert "<ip-address>192.0.2.254</ip-address>" in text
