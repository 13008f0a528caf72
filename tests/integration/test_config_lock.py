"""config_lock: held from the read to the write, released on success and on failure."""

import json
import os
import ssl
import urllib.parse
import urllib.request

import pytest

from conftest import REPO, make_inventory, run_playbook, start_demo_devices

PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "config_lock.yml")


@pytest.fixture(scope="module")
def sim(tmp_path_factory, password):
    devices = start_demo_devices(tmp_path_factory, password, "configlock")
    yield devices
    devices.stop()


@pytest.fixture(scope="module")
def inventory(sim, tmp_path_factory):
    return make_inventory(tmp_path_factory.mktemp("inventory"), sim)


def locks(sim):
    return sim.api("branch3", type="op", cmd="<show><config-locks></config-locks></show>")


def arm_fault(sim, fields):
    context = ssl.create_default_context(cafile=sim.ca_path)
    url = "https://127.0.0.1:%d/_pansim/fault" % sim.devices["branch3"]["port"]
    body = urllib.parse.urlencode(dict(fields, key=sim.key("branch3"))).encode()
    with urllib.request.urlopen(url, data=body, context=context, timeout=30) as reply:
        return reply.read().decode()


def test_lock_taken_and_released(sim, inventory):
    run = run_playbook(PLAYBOOK, inventory, sim, "lock-key", "-vvv")
    assert run.returncode == 0, run.output
    assert "<entry" not in locks(sim)
    assert "locked-ike" in sim.candidate("branch3")
    log = open(sim.log_path, encoding="utf-8").read()
    assert "config-lock" in log


def test_lock_released_when_task_fails(sim, inventory):
    gateway = {"name": "gw-lock", "interface": "ethernet1/1", "peer_address": "192.0.2.70", "pre_shared_key": "lock-key-1234", "ike_crypto_profile": "no-such"}
    run = run_playbook(PLAYBOOK, inventory, sim, "lock-key", "-e", json.dumps({"profile": "locked-2", "gateways": [gateway]}))
    assert run.returncode != 0
    assert "IKE crypto profile 'no-such' does not exist" in run.output
    assert "<entry" not in locks(sim)


def test_lock_held_by_other_admin_fails_before_read(sim, inventory):
    before = sim.candidate("branch3")
    arm_fault(sim, {"fault": "config-locked", "match": "type=op&cmd=config-lock", "admin": "alice"})

    run = run_playbook(PLAYBOOK, inventory, sim, "lock-key", "-e", json.dumps({"profile": "locked-3"}))

    assert run.returncode != 0
    assert "locked by alice" in run.output
    assert sim.candidate("branch3") == before
