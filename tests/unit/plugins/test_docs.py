"""Every module documents its states, attributes, examples and return values."""

import glob
import json
import os
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(REPO, "plugins", "modules", "*.py")))
STATES = ["merged", "replaced", "overridden", "deleted", "gathered", "rendered", "parsed"]
NOT_RESOURCE_MODULES = {"commit", "vpn_audit", "vpn_info", "vpn_peer_check", "vpn_rehearse"}


@pytest.fixture(scope="module")
def docs():
    environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "build", "collections"))
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-doc"), "--json", "-t", "module"]
    command += ["ipsec.panos.%s" % name for name in MODULES]
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.mark.parametrize("name", MODULES)
def test_module_documented(docs, name):
    entry = docs["ipsec.panos.%s" % name]
    documentation = entry["doc"]
    assert documentation["attributes"]["check_mode"]["support"] in ("full", "partial")
    assert documentation["attributes"]["action_group"]["membership"] == ["ipsec.panos.panos"]
    assert entry["examples"].strip()
    assert entry["return"]
    assert "provider" in documentation["options"]


@pytest.mark.parametrize("name", [m for m in MODULES if m not in NOT_RESOURCE_MODULES])
def test_resource_module_has_every_state(docs, name):
    options = docs["ipsec.panos.%s" % name]["doc"]["options"]
    assert options["state"]["choices"] == STATES
    assert options["config"]["type"] in ("list", "dict")
    for key in ("before", "after", "commands", "gathered", "rendered", "parsed"):
        assert key in docs["ipsec.panos.%s" % name]["return"]


def test_every_module_in_action_group():
    import yaml

    with open(os.path.join(REPO, "meta", "runtime.yml"), encoding="utf-8") as handle:
        runtime = yaml.safe_load(handle)
    assert sorted(runtime["action_groups"]["panos"]) == MODULES


ROLES = sorted(os.path.basename(p) for p in glob.glob(os.path.join(REPO, "roles", "*")) if os.path.isdir(p))


def _role_doc(name):
    environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "build", "collections"))
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-doc"), "--json", "-t", "role", "ipsec.panos.%s" % name]
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)["ipsec.panos.%s" % name]


@pytest.mark.parametrize("name", ROLES)
def test_role_variables_documented(name):
    entry_points = _role_doc(name)["entry_points"]
    assert "main" in entry_points
    options = entry_points["main"]["options"]
    assert options
    for option, spec in options.items():
        assert option.startswith(name + "_"), option
        assert spec.get("description"), option
        assert spec.get("type"), option


def test_hub_and_spoke_role_options():
    options = _role_doc("hub_and_spoke")["entry_points"]["main"]["options"]
    assert options["hub_and_spoke_psk"]["required"] is True
    assert "hub_and_spoke_ike_profile" in options
