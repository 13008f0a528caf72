"""vpn_audit through ansible-playbook against pansim: live and offline agree, fail_on, waivers, check mode.

audit_weak_vpn.yml builds and commits a VPN with weak crypto through the vpn module.
audit_run.yml audits the device live and an export of its running configuration
offline, and writes the results to a JSON file. The pre-shared key is a marker that
must appear in no output, result file or pansim log.
"""

import json
import os
import xml.etree.ElementTree as ET

import pytest
import yaml

from conftest import Pansim, free_port, run_playbook

PLAYBOOKS = os.path.join(os.path.dirname(__file__), "playbooks")
PSK = "Audit-marker-key-7c41e9"
WEAK_RULES = {"VPN-CRY-002", "VPN-CRY-003", "VPN-CRY-004", "VPN-CRY-006", "VPN-CRY-009", "VPN-CRY-011", "VPN-IKE-001"}


@pytest.fixture(scope="module")
def firewall(tmp_path_factory, password):
    sim = Pansim(str(tmp_path_factory.mktemp("audit")), {"fw": {"port": free_port(), "ip": "198.51.100.1/24"}}, password).start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def inventory(firewall, tmp_path_factory):
    path = tmp_path_factory.mktemp("audit-inventory") / "hosts.yml"
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


@pytest.fixture(scope="module")
def weak_vpn(firewall, inventory):
    run = run_playbook(os.path.join(PLAYBOOKS, "audit_weak_vpn.yml"), inventory, firewall, PSK)
    assert run.returncode == 0, run.output
    assert PSK not in run.output
    return run


@pytest.fixture(scope="module")
def exported(firewall, weak_vpn, tmp_path_factory):
    """The device's running configuration, saved as an export file.

    The export carries the marker key in clear text, as a hand-edited file might, so the
    offline audit gets a secret that it must not print.
    """
    config = firewall.running_tree("fw")
    keys = [key for key in config.iter("key") if key.text]
    assert keys
    for key in keys:
        key.text = PSK
    path = tmp_path_factory.mktemp("audit-export") / "running.xml"
    path.write_text(ET.tostring(config, encoding="unicode"), encoding="utf-8")
    return str(path)


def audit_run(firewall, inventory, exported, out_dir, *extra):
    os.makedirs(out_dir, exist_ok=True)
    run = run_playbook(
        os.path.join(PLAYBOOKS, "audit_run.yml"), inventory, firewall, PSK,
        "-e", "running_config_path=%s" % exported, "-e", "out_dir=%s" % out_dir, *extra
    )
    assert run.returncode == 0, run.output
    with open(os.path.join(out_dir, "results.json"), encoding="utf-8") as handle:
        text = handle.read()
    return run, text, json.loads(text)


@pytest.fixture(scope="module")
def audited(firewall, inventory, exported, tmp_path_factory):
    return audit_run(firewall, inventory, exported, str(tmp_path_factory.mktemp("audit-out")))


def summary_of(result):
    return [(f["rule_id"], f["severity"], f["object"]) for f in result["findings"]]


def test_live_audit_finds_weak_crypto(audited):
    _run, _text, results = audited
    live = results["live"]
    assert live["changed"] is False
    assert live["source"] == "device"
    assert WEAK_RULES <= {f["rule_id"] for f in live["findings"]}
    objects = {(f["rule_id"], f["object"]) for f in live["findings"]}
    assert ("VPN-CRY-002", "ike_crypto_profile ike-weak") in objects
    assert ("VPN-CRY-009", "ipsec_crypto_profile ipsec-weak") in objects
    assert ("VPN-IKE-001", "ike_gateway gw-weak") in objects
    assert live["passed"] is False
    assert live["summary"]["high"] == len([f for f in live["findings"] if f["severity"] == "high"])


def test_live_and_offline_agree(audited):
    _run, _text, results = audited
    assert results["offline"]["source"] == "running_config"
    assert summary_of(results["live"]) == summary_of(results["offline"])
    assert results["live"]["findings"] == results["offline"]["findings"]


def test_waivers_move_findings_and_expire(audited):
    _run, _text, results = audited
    waived = results["waived"]
    waived_ids = {(f["rule_id"], f["object"]) for f in waived["waived"]}
    assert ("VPN-CRY-002", "ike_crypto_profile ike-weak") in waived_ids
    assert all(f["waiver"]["reason"] == "the branch router is replaced next quarter" for f in waived["waived"])
    remaining = {f["rule_id"] for f in waived["findings"]}
    assert not remaining & {"VPN-CRY-002", "VPN-CRY-003", "VPN-CRY-004", "VPN-CRY-006", "VPN-CRY-009"}
    # The expired waiver no longer hides IKEv1, and VPN-AUD-001 reports the expiry.
    assert "VPN-IKE-001" in remaining
    assert "VPN-AUD-001" in remaining


def test_no_secret_anywhere(firewall, exported, audited):
    with open(exported, encoding="utf-8") as handle:
        assert PSK in handle.read()
    run, text, _results = audited
    assert PSK not in run.output
    assert PSK not in text
    with open(firewall.log_path, encoding="utf-8") as handle:
        assert PSK not in handle.read()


def test_check_mode_same_result_and_no_write(firewall, inventory, exported, audited, tmp_path):
    candidate, running = firewall.candidate("fw"), firewall.running("fw")
    run, text, results = audit_run(firewall, inventory, exported, str(tmp_path / "check"), "--check", "-vvv")
    assert firewall.candidate("fw") == candidate
    assert firewall.running("fw") == running
    # Only the task that writes the result file changes something.
    assert run.recap()["fw"]["changed"] == 1
    assert [results[key]["changed"] for key in ("live", "offline", "waived")] == [False, False, False]
    assert results["live"]["findings"] == audited[2]["live"]["findings"]
    assert PSK not in run.output
    assert PSK not in text


def test_fail_on_high_fails_and_names_rules(firewall, inventory, weak_vpn):
    run = run_playbook(os.path.join(PLAYBOOKS, "audit_fail.yml"), inventory, firewall, PSK, "-e", "audit_fail_on=high")
    assert run.returncode != 0
    assert "VPN audit failed with fail_on=high" in run.output
    for rule_id in ("VPN-CRY-002", "VPN-CRY-004", "VPN-CRY-009"):
        assert rule_id in run.output
    assert run.recap()["fw"]["failed"] == 1
    assert PSK not in run.output


def test_fail_on_critical_passes_without_critical(firewall, inventory, weak_vpn):
    run = run_playbook(os.path.join(PLAYBOOKS, "audit_fail.yml"), inventory, firewall, PSK, "-e", "audit_fail_on=critical")
    assert run.returncode == 0, run.output
