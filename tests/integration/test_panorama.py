"""Panorama template scope, template variables, push and serial-number routing."""

import os

import pytest
import yaml

from conftest import Pansim, free_port, run_playbook

HERE = os.path.dirname(__file__)
FIREWALL_SERIAL = "007951000123456"
PANORAMA_ROOT = "/config/devices/entry[@name='localhost.localdomain']"


@pytest.fixture(scope="module")
def panorama(tmp_path_factory, password):
    workdir = str(tmp_path_factory.mktemp("panorama"))
    devices = {
        "fw1": {"port": free_port(), "ip": "203.0.113.50/24", "serial": FIREWALL_SERIAL},
        "panorama": {"port": free_port(), "kind": "panorama", "managed": ["fw1"]},
    }
    sim = Pansim(workdir, devices, password).start()
    yield sim
    sim.stop()


def prepare_template(sim):
    """Create the template, its stack and variables the way a Panorama admin would."""
    template = PANORAMA_ROOT + "/template/entry[@name='vpn-base']"
    sim.set(
        "panorama",
        template + "/variable",
        "<entry name='$hub_ip'><type><ip-netmask>192.0.2.1</ip-netmask></type></entry>"
        "<entry name='$wan_ip'><type><ip-netmask>192.0.2.2/24</ip-netmask></type></entry>",
    )
    sim.set(
        "panorama",
        template + "/config/devices/entry[@name='localhost.localdomain']/network/interface/ethernet",
        "<entry name='ethernet1/1'><layer3><ip><entry name='$wan_ip'/></ip></layer3></entry>",
    )
    sim.set(
        "panorama",
        template + "/config/devices/entry[@name='localhost.localdomain']/network/virtual-router/entry[@name='default']/interface",
        "<member>ethernet1/1</member>",
    )
    stack = PANORAMA_ROOT + "/template-stack/entry[@name='site-a']"
    sim.set("panorama", stack, "<templates><member>vpn-base</member></templates>")
    sim.set(
        "panorama",
        stack + "/devices",
        "<entry name='%s'><variable>"
        "<entry name='$hub_ip'><type><ip-netmask>198.51.100.1</ip-netmask></type></entry>"
        "<entry name='$wan_ip'><type><ip-netmask>203.0.113.50/24</ip-netmask></type></entry>"
        "</variable></entry>" % FIREWALL_SERIAL,
    )


def test_template_push_and_serial_routing(panorama, tmp_path):
    prepare_template(panorama)
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "all": {
                    "hosts": {
                        "panorama": {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                            "firewall_serial": FIREWALL_SERIAL,
                            "panos_provider": {
                                "host": "127.0.0.1",
                                "port": panorama.devices["panorama"]["port"],
                                "password": panorama.password,
                                "ca_path": panorama.ca_path,
                            },
                        }
                    }
                }
            }
        )
    )

    run = run_playbook(os.path.join(HERE, "playbooks", "panorama_template.yml"), str(inventory), panorama, "panorama-key")

    assert run.returncode == 0, run.output
    assert "panorama-key" not in run.output
    firewall = panorama.running_tree("fw1")
    gateway = firewall.find("devices/entry[@name='localhost.localdomain']/network/ike/gateway/entry[@name='gw-hub']")
    assert gateway is not None
    assert gateway.findtext("peer-address/ip") == "198.51.100.1"
