"""The vpn module through ansible-playbook against a fresh simulated firewall per test.

vpn_hub.yml applies the hub side of a whole VPN (profiles, zone, tunnel interface in a
virtual router, gateway, tunnel with proxy IDs and monitoring, route) in one task. The
tests count the requests pansim logs during each run, compare the configurations before
and after, and commit to show that PAN-OS accepts the result.
"""

import os
import xml.etree.ElementTree as ET

import pytest
import yaml

from conftest import Pansim, free_port, run_playbook

PLAYBOOKS = os.path.join(os.path.dirname(__file__), "playbooks")
PSK = "Vpn-hub-key-5d0b"

# The parts of the configuration the VPN writes to, relative to devices/entry.
VPN_SUBTREES = (
    "network/ike",
    "network/tunnel",
    "network/interface/tunnel/units",
    "network/profiles/monitor-profile",
    "network/virtual-router/entry[@name='default']",
    "vsys/entry[@name='vsys1']/zone",
    "vsys/entry[@name='vsys1']/import",
)


@pytest.fixture
def firewall(tmp_path, password):
    sim = Pansim(str(tmp_path), {"fw": {"port": free_port(), "ip": "198.51.100.1/24"}}, password).start()
    yield sim
    sim.stop()


@pytest.fixture
def inventory(firewall, tmp_path):
    path = tmp_path / "hosts.yml"
    host = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "panos_provider": {
            "host": "127.0.0.1",
            "port": firewall.devices["fw"]["port"],
            "username": "admin",
            "password": "{{ lookup('ansible.builtin.env', 'PANOS_PASSWORD') }}",
            "ca_path": "{{ lookup('ansible.builtin.env', 'PANOS_CA_PATH') }}",
        },
    }
    path.write_text(yaml.safe_dump({"all": {"hosts": {"fw": host}}}), encoding="utf-8")
    return str(path)


class Run:
    """One ansible-playbook run and the config requests pansim logged during it."""

    def __init__(self, sim, inventory, playbook, *extra):
        with open(sim.log_path, encoding="utf-8") as handle:
            start = len(handle.readlines())
        self.playbook = run_playbook(os.path.join(PLAYBOOKS, playbook), inventory, sim, PSK, *extra)
        with open(sim.log_path, encoding="utf-8") as handle:
            self.log = handle.readlines()[start:]

    @property
    def output(self):
        return self.playbook.output

    @property
    def stdout(self):
        return self.playbook.stdout

    @property
    def returncode(self):
        return self.playbook.returncode

    def recap(self):
        return self.playbook.recap()["fw"]

    def count(self, *words):
        return sum(1 for line in self.log if all(word in line.split() for word in words))


# Deleting the last entry of a list leaves the list's element, such as <gateway/>, behind.
# Empty, these containers mean the same as none, so the comparison drops them.
CONTAINERS = {"gateway", "ipsec", "tunnel", "units", "static-route", "monitor-profile", "zone"}


def drop_empty_containers(node):
    for child in list(node):
        drop_empty_containers(child)
        if child.tag in CONTAINERS and len(child) == 0 and not (child.text or "").strip() and not child.attrib:
            node.remove(child)


def vpn_subtrees(xml_text):
    """Return the XML of each VPN subtree of a configuration, or None where it is absent or empty."""
    device = ET.fromstring(xml_text).find("result/config/devices/entry")
    subtrees = {}
    for path in VPN_SUBTREES:
        node = device.find(path)
        if node is not None:
            drop_empty_containers(node)
        if node is None or (node.tag in CONTAINERS and len(node) == 0):
            subtrees[path] = None
        else:
            subtrees[path] = ET.tostring(node, encoding="unicode")
    return subtrees


def candidate_device(sim):
    return ET.fromstring(sim.candidate("fw")).find("result/config/devices/entry")


def commit(sim, inventory):
    run = Run(sim, inventory, "vpn_commit.yml")
    assert run.returncode == 0, run.output
    return run


def apply_vpn(sim, inventory, *extra):
    run = Run(sim, inventory, "vpn_hub.yml", *extra)
    assert run.returncode == 0, run.output
    return run


def test_whole_vpn_in_one_read_and_one_write(firewall, inventory):
    first = apply_vpn(firewall, inventory)

    assert first.recap()["changed"] == 1
    assert first.count("type=config", "action=get") == 1
    assert first.count("type=config", "action=multi-config") == 1
    assert first.count("type=config") == 2
    device = candidate_device(firewall)
    tunnel = device.find("network/tunnel/ipsec/entry[@name='vpn-branch21']")
    assert tunnel is not None
    assert tunnel.findtext("auto-key/proxy-id/entry[@name='hq-to-branch21']/remote") == "10.21.0.0/24"
    assert tunnel.findtext("tunnel-monitor/tunnel-monitor-profile") == "fail-over-hub"
    assert device.findtext("network/ike/gateway/entry[@name='gw-branch21']/protocol/ikev2/ike-crypto-profile") == "ike-hub"
    assert [m.text for m in device.findall("vsys/entry[@name='vsys1']/zone/entry[@name='vpn-hub']/network/layer3/member")] == ["tunnel.21"]
    assert "tunnel.21" in [m.text for m in device.findall("network/virtual-router/entry[@name='default']/interface/member")]
    route = device.find("network/virtual-router/entry[@name='default']/routing-table/ip/static-route/entry[@name='branch21-lan']")
    assert route.findtext("interface") == "tunnel.21"

    second = apply_vpn(firewall, inventory)

    assert second.recap()["changed"] == 0
    assert second.count("type=config", "action=get") == 1
    assert second.count("type=config", "action=multi-config") == 0

    committed = commit(firewall, inventory)
    assert committed.recap()["failed"] == 0


def test_check_mode_writes_nothing(firewall, inventory):
    apply_vpn(firewall, inventory)
    commit(firewall, inventory)
    candidate_before = firewall.candidate("fw")
    running_before = firewall.running("fw")

    checked = apply_vpn(firewall, inventory, "--check", "--diff", "-e", "branch_network=10.22.0.0/24")

    assert checked.recap()["changed"] == 1
    assert "10.22.0.0/24" in checked.stdout
    assert checked.count("type=config", "action=multi-config") == 0
    assert checked.count("type=config", "action=get") == 1
    assert firewall.candidate("fw") == candidate_before
    assert firewall.running("fw") == running_before


def test_deleted_restores_starting_config(firewall, inventory):
    start = vpn_subtrees(firewall.running("fw"))
    apply_vpn(firewall, inventory)
    commit(firewall, inventory)
    assert vpn_subtrees(firewall.running("fw")) != start

    deleted = apply_vpn(firewall, inventory, "-e", "vpn_state=deleted")

    assert deleted.recap()["changed"] == 1
    assert deleted.count("type=config", "action=get") == 1
    assert deleted.count("type=config", "action=multi-config") == 1
    # Referrers go before what they refer to: the route before the tunnel interface,
    # the tunnel before the gateway, the gateway before its IKE crypto profile.
    order = [line.strip() for line in deleted.stdout.splitlines() if '"xpath": ' in line and "/entry[@name=" in line]
    positions = {}
    for index, line in enumerate(order):
        for name in ("branch21-lan", "vpn-branch21", "gw-branch21", "units/entry[@name='tunnel.21']", "ike-hub"):
            if name in line:
                positions.setdefault(name, index)
    assert len(positions) == 5, order
    assert positions["branch21-lan"] < positions["vpn-branch21"] < positions["gw-branch21"] < positions["ike-hub"]
    assert positions["vpn-branch21"] < positions["units/entry[@name='tunnel.21']"]
    commit(firewall, inventory)
    assert vpn_subtrees(firewall.running("fw")) == start
    assert vpn_subtrees(firewall.candidate("fw")) == start

    again = apply_vpn(firewall, inventory, "-e", "vpn_state=deleted")
    assert again.recap()["changed"] == 0


def test_profile_in_use_not_deleted(firewall, inventory):
    apply_vpn(firewall, inventory)
    candidate_before = firewall.candidate("fw")

    run = Run(firewall, inventory, "vpn_delete_profile.yml")

    assert run.returncode != 0
    assert (
        "config.ike_crypto_profiles[0]: cannot delete IKE crypto profile 'ike-hub' because IKE gateway "
        "'gw-branch21' uses it" in run.stdout
    )
    assert run.count("type=config", "action=multi-config") == 0
    assert firewall.candidate("fw") == candidate_before


def test_gateway_uses_profile_from_same_task(firewall, inventory):
    assert "ike-created-with-gateway" not in firewall.candidate("fw")

    run = Run(firewall, inventory, "vpn_gateway_profile.yml")

    assert run.returncode == 0, run.output
    assert run.recap()["changed"] == 1
    assert run.count("type=config", "action=multi-config") == 1
    device = candidate_device(firewall)
    assert device.find("network/ike/crypto-profiles/ike-crypto-profiles/entry[@name='ike-created-with-gateway']") is not None
    gateway = device.find("network/ike/gateway/entry[@name='gw-new-profile']")
    assert gateway.findtext("protocol/ikev2/ike-crypto-profile") == "ike-created-with-gateway"
    commit(firewall, inventory)


def test_verbose_output_hides_key(firewall, inventory):
    applied = apply_vpn(firewall, inventory, "-vvv")
    rejected = Run(firewall, inventory, "vpn_hub.yml", "-vvv", "-e", "vpn_state=merge")

    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in applied.stdout
    assert PSK not in applied.output
    assert rejected.returncode != 0
    assert "value of state must be one of" in rejected.stdout
    assert PSK not in rejected.output
    assert PSK not in firewall.candidate("fw")
    with open(firewall.log_path, encoding="utf-8") as handle:
        assert PSK not in handle.read()
