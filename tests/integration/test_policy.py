"""Security and NAT-exempt rules through ansible-playbook against pansim."""

import os
import xml.etree.ElementTree as ET

import pytest
import yaml

from conftest import Pansim, free_port, run_playbook

HERE = os.path.dirname(__file__)
VSYS = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']"
SECURITY_RULES = VSYS + "/rulebase/security/rules"
NAT_RULES = VSYS + "/rulebase/nat/rules"

OUTBOUND_NAT = (
    '<entry name="outbound"><source-translation><dynamic-ip-and-port><interface-address>'
    "<interface>ethernet1/1</interface></interface-address></dynamic-ip-and-port></source-translation>"
    "<from><member>trust</member></from><to><member>untrust</member></to>"
    "<source><member>any</member></source><destination><member>any</member></destination>"
    "<service>any</service><to-interface>ethernet1/1</to-interface><nat-type>ipv4</nat-type></entry>"
)
DMZ_NAT = OUTBOUND_NAT.replace('name="outbound"', 'name="dmz-out"').replace(
    "<source><member>any</member></source>", "<source><member>dmz-servers</member></source>"
)


def security_entry(name, tag=None):
    tags = "<tag><member>%s</member></tag>" % tag if tag else ""
    return (
        '<entry name="%s"><from><member>trust</member></from><to><member>untrust</member></to>'
        "<source><member>any</member></source><destination><member>any</member></destination>"
        "<source-user><member>any</member></source-user><category><member>any</member></category>"
        "<application><member>any</member></application><service><member>application-default</member></service>"
        "<action>deny</action>%s</entry>" % (name, tags)
    )


@pytest.fixture
def firewall(tmp_path, password):
    sim = Pansim(str(tmp_path), {"fw1": {"port": free_port(), "ip": "198.51.100.1/24"}}, password).start()
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
            "port": firewall.devices["fw1"]["port"],
            "username": "admin",
            "password": "{{ lookup('ansible.builtin.env', 'PANOS_PASSWORD') }}",
            "ca_path": "{{ lookup('ansible.builtin.env', 'PANOS_CA_PATH') }}",
        },
    }
    path.write_text(yaml.safe_dump({"all": {"hosts": {"fw1": host}}}), encoding="utf-8")
    return str(path)


def seed(sim, xpath, element):
    reply = sim.api("fw1", type="config", action="set", xpath=xpath, element=element)
    assert 'status="success"' in reply, reply


def rule_order(sim, container):
    result = ET.fromstring(sim.api("fw1", type="config", action="get", xpath=container)).find("result/rules")
    return [entry.get("name") for entry in result.findall("entry")] if result is not None else []


def play(sim, inventory, name, *extra):
    """Run a policy playbook; return the run and the config requests pansim logged meanwhile."""
    with open(sim.log_path, encoding="utf-8") as handle:
        start = len(handle.readlines())
    run = run_playbook(os.path.join(HERE, "playbooks", name), inventory, sim, "unused-key", *extra)
    with open(sim.log_path, encoding="utf-8") as handle:
        lines = handle.readlines()[start:]
    config_actions = [part.split("=", 1)[1] for line in lines if "type=config" in line for part in line.split() if part.startswith("action=")]
    return run, config_actions


def test_security_rules_placed_and_idempotent(firewall, inventory):
    seed(firewall, SECURITY_RULES, security_entry("existing-allow-web"))
    seed(firewall, SECURITY_RULES, security_entry("existing-deny"))
    candidate_before = firewall.candidate("fw1")

    checked, checked_actions = play(firewall, inventory, "policy_security.yml", "--check")
    assert checked.returncode == 0, checked.output
    assert checked.recap()["fw1"]["changed"] == 1
    assert firewall.candidate("fw1") == candidate_before
    assert checked_actions == ["get"]

    first, first_actions = play(firewall, inventory, "policy_security.yml")
    assert first.returncode == 0, first.output
    assert first.recap()["fw1"]["changed"] == 1
    assert first_actions == ["get", "multi-config"]
    assert rule_order(firewall, SECURITY_RULES) == [
        "vpn-out",
        "vpn-in",
        "existing-allow-web",
        "vpn-web-exception",
        "existing-deny",
        "vpn-deny-rest",
    ]

    second, second_actions = play(firewall, inventory, "policy_security.yml")
    assert second.returncode == 0, second.output
    assert second.recap()["fw1"]["changed"] == 0
    assert second_actions == ["get"]
    assert '"action": "move"' not in second.stdout


def test_moved_rule_back_in_place(firewall, inventory):
    seed(firewall, SECURITY_RULES, security_entry("existing-allow-web"))
    seed(firewall, SECURITY_RULES, security_entry("existing-deny"))
    first, _actions = play(firewall, inventory, "policy_security.yml")
    assert first.returncode == 0, first.output
    reply = firewall.api("fw1", type="config", action="move", xpath=SECURITY_RULES + "/entry[@name='vpn-out']", where="bottom")
    assert 'status="success"' in reply, reply

    again, _actions = play(firewall, inventory, "policy_security.yml")

    assert again.returncode == 0, again.output
    assert again.recap()["fw1"]["changed"] == 1
    assert '"action": "move"' in again.stdout
    assert '"action": "edit"' not in again.stdout
    assert rule_order(firewall, SECURITY_RULES)[:2] == ["vpn-out", "vpn-in"]


def test_missing_reference_fails_before_write(firewall, inventory):
    seed(firewall, SECURITY_RULES, security_entry("existing-deny"))
    candidate_before = firewall.candidate("fw1")

    run, actions = play(firewall, inventory, "policy_missing_reference.yml")

    assert run.returncode != 0
    assert "config[1].reference_rule: reference rule 'no-such-rule' does not exist" in run.stdout
    assert "multi-config" not in actions
    assert firewall.candidate("fw1") == candidate_before


def test_overridden_keeps_untagged_rules(firewall, inventory):
    seed(firewall, SECURITY_RULES, security_entry("theirs"))
    seed(firewall, SECURITY_RULES, security_entry("vpn-stale", tag="vpn-auto"))

    run, _actions = play(firewall, inventory, "policy_overridden.yml")

    assert run.returncode == 0, run.output
    assert rule_order(firewall, SECURITY_RULES) == ["theirs", "vpn-keep"]
    tag = firewall.api("fw1", type="config", action="get", xpath=VSYS + "/tag/entry[@name='vpn-auto']")
    assert 'name="vpn-auto"' in tag


def seed_nat(sim):
    seed(sim, VSYS + "/address", '<entry name="lan-office"><ip-netmask>10.1.0.0/16</ip-netmask></entry>')
    seed(sim, "/config/shared/address", '<entry name="dmz-servers"><ip-netmask>172.16.0.0/24</ip-netmask></entry>')
    seed(sim, NAT_RULES, DMZ_NAT)
    seed(sim, NAT_RULES, OUTBOUND_NAT)


def test_nat_exempt_placed_above_outbound(firewall, inventory):
    seed_nat(firewall)
    candidate_before = firewall.candidate("fw1")

    checked, checked_actions = play(firewall, inventory, "policy_nat_exempt.yml", "--check")
    assert checked.returncode == 0, checked.output
    assert checked.recap()["fw1"]["changed"] == 1
    assert firewall.candidate("fw1") == candidate_before
    assert checked_actions == ["get"]

    first, first_actions = play(firewall, inventory, "policy_nat_exempt.yml")
    assert first.returncode == 0, first.output
    assert first.recap()["fw1"]["changed"] == 1
    # One read, one write, and one read of the NAT rulebase to check the order.
    assert first_actions == ["get", "multi-config", "get"]
    assert rule_order(firewall, NAT_RULES) == ["dmz-out", "vpn-no-nat", "outbound"]

    second, second_actions = play(firewall, inventory, "policy_nat_exempt.yml")
    assert second.returncode == 0, second.output
    assert second.recap()["fw1"]["changed"] == 0
    assert second_actions == ["get"]
    assert rule_order(firewall, NAT_RULES) == ["dmz-out", "vpn-no-nat", "outbound"]


def test_nat_exempt_below_outbound_moved(firewall, inventory):
    seed_nat(firewall)
    exempt = (
        '<entry name="vpn-no-nat"><from><member>trust</member></from><to><member>untrust</member></to>'
        "<source><member>lan-office</member></source><destination><member>192.168.10.0/24</member></destination>"
        "<service>any</service><nat-type>ipv4</nat-type>"
        "<description>VPN traffic to the branch keeps its addresses</description></entry>"
    )
    seed(firewall, NAT_RULES, exempt)
    assert rule_order(firewall, NAT_RULES) == ["dmz-out", "outbound", "vpn-no-nat"]

    first, _actions = play(firewall, inventory, "policy_nat_exempt.yml")
    assert first.returncode == 0, first.output
    assert first.recap()["fw1"]["changed"] == 1
    assert '"action": "edit"' not in first.stdout
    assert '"where": "before"' in first.stdout
    assert rule_order(firewall, NAT_RULES) == ["dmz-out", "vpn-no-nat", "outbound"]

    second, _actions = play(firewall, inventory, "policy_nat_exempt.yml")
    assert second.recap()["fw1"]["changed"] == 0
