"""Faults at the read, the write and the commit leave the candidate configuration as it was.

One pansim process simulates a firewall per (fault kind, point) case, each with its fault
armed for every matching request. One ansible-playbook run applies the same VPN change and
commit to all of them at once, the way the roles do. Then each firewall's candidate
configuration is compared, byte for byte, with the one read before the run.
"""

import json
import os
import re
import ssl
import threading
import time
import urllib.parse
import urllib.request

import pytest
import yaml

from conftest import REPO, Pansim, free_port, free_ports, run_playbook

PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "fault_run.yml")
MARKER_KEY = "fault-marker-psk-7Qe2"

POINTS = {
    "read": "type=config&action=get",
    "write": "type=config&action=multi-config",
    "commit": "type=commit",
}

# The device's or the network library's own words, which the task's message must contain.
DEVICE_WORDS = {
    "http-500": "Internal Server Error",
    "http-502": "Bad Gateway",
    "timeout": "timed out",
    "drop_before": "Remote end closed connection",
    "drop_after": "Remote end closed connection",
    "expired-key": "Invalid Credential",
    "session-timeout": "Session timed out",
    "config-locked": "Configuration is locked by other-admin",
    "commit-fail": "commit failure injected by pansim",
    "commit-in-progress": "Another commit/validate is in progress",
}

# Cases where the fault does not stop the run, and why. Every other case must fail.
NO_EFFECT = {
    ("config-locked", "read"): "PAN-OS lets other administrators read under a configuration lock",
    ("commit-fail", "read"): "a read starts no job",
    ("commit-fail", "write"): "a write starts no job",
    ("drop_after", "commit"): "the commit started before the connection dropped; the job list shows it and the task waits for it",
}

# Cases where the write may have landed, or did land, so the message must report the revert.
REVERTED = {("http-500", "write"), ("http-502", "write"), ("timeout", "write"), ("drop_before", "write"), ("drop_after", "write")}
REVERTED |= {(kind, "commit") for kind in DEVICE_WORDS if (kind, "commit") not in NO_EFFECT}

CASES = [(kind, point) for kind in DEVICE_WORDS for point in POINTS]
KEPT = "drop-after-write-kept"


def host_name(kind, point):
    return "%s-%s" % (kind.replace("_", "-"), point)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory, password):
    workdir = str(tmp_path_factory.mktemp("faults"))
    names = [host_name(kind, point) for kind, point in CASES]
    # The same drop during the write, with revert_on_failure off: shows that the write did land.
    names.append(KEPT)
    devices = {name: {"port": port, "ip": "198.51.100.1/24"} for name, port in zip(names, free_ports(len(names)))}
    sim = Pansim(workdir, devices, password).start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def inventory(faulty, tmp_path_factory):
    path = os.path.join(str(tmp_path_factory.mktemp("fault-inventory")), "hosts.yml")
    hosts = {name: {"pansim_port": device["port"]} for name, device in faulty.devices.items()}
    hosts[KEPT]["revert"] = False
    # At the commit, the task holds the configuration lock, as the roles do, so the test also shows the
    # lock released after each failed commit. A config-locked fault cannot meet a run that holds the lock
    # itself, so that case runs without it.
    for kind, point in CASES:
        if point == "commit" and kind != "config-locked":
            hosts[host_name(kind, point)]["use_lock"] = True
    common = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "fault_provider": {
            "host": "127.0.0.1",
            "port": "{{ pansim_port }}",
            "password": "{{ lookup('ansible.builtin.env', 'PANOS_PASSWORD') }}",
            "ca_path": "{{ lookup('ansible.builtin.env', 'PANOS_CA_PATH') }}",
            "timeout": 3,
            "retries": 2,
        },
        "commit_timeout": 8,
    }
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump({"all": {"hosts": hosts, "vars": common}}, handle)
    return path


def control(sim, name, path, fields):
    context = ssl.create_default_context(cafile=sim.ca_path)
    url = "https://127.0.0.1:%d%s" % (sim.devices[name]["port"], path)
    body = urllib.parse.urlencode(dict(fields, key=sim.key(name))).encode()
    with urllib.request.urlopen(url, data=body, context=context, timeout=30) as reply:
        return reply.read().decode()


def arm_fault(sim, name, kind, point):
    return control(sim, name, "/_pansim/fault", {"fault": kind, "match": POINTS[point], "count": "every", "hold": 6})


def clear_faults(sim, name):
    return control(sim, name, "/_pansim/fault/clear", {})


def failures(run):
    """The failed task result of each host, from the default callback's 'fatal: [host]: FAILED! => {...}' lines."""
    found = {}
    for match in re.finditer(r"^fatal: \[([^\]]+)\]: FAILED! => (\{.*\})$", run.stdout, re.M):
        found[match.group(1)] = json.loads(match.group(2))
    return found


def config_locks(sim, name):
    return sim.api(name, type="op", cmd="<show><config-locks></config-locks></show>")


@pytest.fixture(scope="module")
def first_run(faulty, inventory):
    # The suite's own reads go before the faults are armed and after they are cleared.
    before = {name: faulty.candidate(name) for name in faulty.devices}
    for kind, point in CASES:
        arm_fault(faulty, host_name(kind, point), kind, point)
    arm_fault(faulty, KEPT, "drop_after", "write")
    run = run_playbook(PLAYBOOK, inventory, faulty, MARKER_KEY, "--forks", str(len(faulty.devices)))
    # The runs shared this client's key, which the expired-key and session-timeout faults revoked.
    faulty.forget_keys()
    locks = {}
    for name in faulty.devices:
        clear_faults(faulty, name)
        locks[name] = config_locks(faulty, name)
    after = {name: faulty.candidate(name) for name in faulty.devices}
    return before, run, after, locks


@pytest.mark.parametrize("kind,point", CASES, ids=[host_name(k, p) for k, p in CASES])
def test_fault_leaves_candidate_as_before(faulty, first_run, kind, point):
    before, run, after, locks = first_run
    name = host_name(kind, point)
    failed = failures(run)
    recap = run.recap()[name]
    if (kind, point) in NO_EFFECT:
        assert name not in failed, "%s: %s" % (NO_EFFECT[(kind, point)], failed.get(name))
        assert recap["changed"] == 1, recap
        running = faulty.running(name)
        assert "gw-fault" in running
        assert MARKER_KEY not in running
        return
    assert name in failed, "the run on %s did not fail: %s\n%s" % (name, recap, run.stdout[-3000:])
    message = failed[name]["msg"]
    assert DEVICE_WORDS[kind] in message, message
    if (kind, point) in REVERTED:
        assert "were reverted" in message, message
    # Byte for byte: the candidate configuration is exactly as before the run.
    assert after[name] == before[name], "%s: the candidate configuration changed" % name
    assert "<entry" not in locks[name]


def test_drop_during_write_landed_and_was_reverted(faulty, first_run):
    """Without the revert, the dropped write stays in the candidate; with it, the revert came right after the fault."""
    before, run, after, _locks = first_run
    message = failures(run)[KEPT]["msg"]
    assert "revert_on_failure is off" in message, message
    assert "revert config partial admin admin" in message, message
    assert after[KEPT] != before[KEPT]
    assert "gw-fault" in after[KEPT]
    assert MARKER_KEY not in after[KEPT]
    # pansim logs a request when its reply is sent, so the lines are put back in timestamp order.
    log = sorted((line for line in open(faulty.log_path, encoding="utf-8") if "device=drop-after-write " in line), key=lambda line: line[:23])
    fault = next(i for i, line in enumerate(log) if "fault injected" in line and "action=multi-config" in line)
    # After the fault: the check for other sessions' locks, then the revert, before anything else is written.
    assert 'action="show config-locks"' in log[fault + 1], log[fault + 1]
    assert 'action="revert config partial admin member"' in log[fault + 2], log[fault + 2]


def test_rerun_after_faults_cleared(faulty, inventory, first_run):
    """Once the faults are gone, the same run succeeds everywhere, and a second one changes nothing."""
    run = run_playbook(PLAYBOOK, inventory, faulty, MARKER_KEY, "--forks", str(len(faulty.devices)))
    assert run.returncode == 0, run.output
    again = run_playbook(PLAYBOOK, inventory, faulty, MARKER_KEY, "--forks", str(len(faulty.devices)))
    assert again.returncode == 0, again.output
    for name, counters in again.recap().items():
        assert counters["changed"] == 0, (name, counters)
    for name in faulty.devices:
        assert MARKER_KEY not in faulty.candidate(name)
    assert MARKER_KEY not in run.output + again.output


# Two runs at once on one firewall


@pytest.fixture()
def shared(tmp_path_factory, password):
    workdir = str(tmp_path_factory.mktemp("concurrent"))
    sim = Pansim(workdir, {"shared": {"port": free_port(), "ip": "198.51.100.1/24"}}, password).start()
    yield sim
    sim.stop()


def shared_inventory(sim, tmp_path_factory):
    path = os.path.join(str(tmp_path_factory.mktemp("concurrent-inventory")), "hosts.yml")
    common = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "fault_provider": {
            "host": "127.0.0.1",
            "port": sim.devices["shared"]["port"],
            "password": "{{ lookup('ansible.builtin.env', 'PANOS_PASSWORD') }}",
            "ca_path": "{{ lookup('ansible.builtin.env', 'PANOS_CA_PATH') }}",
        },
    }
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump({"all": {"hosts": {"shared": {}}, "vars": common}}, handle)
    return path


def start_first_run(sim, inventory, holder):
    """Start run A with its write held back 4 seconds by the simulator, and return once A holds the lock."""
    control(sim, "shared", "/_pansim/fault", {"fault": "slow", "match": POINTS["write"], "count": 1, "hold": 4})
    thread = threading.Thread(
        target=lambda: holder.append(run_playbook(PLAYBOOK, inventory, sim, MARKER_KEY, "-e", "use_lock=true lock_wait=60"))
    )
    thread.start()
    deadline = time.monotonic() + 60
    while "<entry" not in config_locks(sim, "shared"):
        assert time.monotonic() < deadline, "run A never took the configuration lock"
        time.sleep(0.1)
    return thread


def requests_of(sim):
    return [line for line in open(sim.log_path, encoding="utf-8") if "device=shared client=" in line]


def test_second_run_waits_for_the_first(shared, tmp_path_factory):
    """With config_lock and lock_timeout, the second run starts its read only after the first committed."""
    inventory = shared_inventory(shared, tmp_path_factory)
    holder = []
    thread = start_first_run(shared, inventory, holder)
    extra = "use_lock=true lock_wait=60 gateway_name=gw-second route_name=second-lan"
    second = run_playbook(PLAYBOOK, inventory, shared, MARKER_KEY, "-e", extra)
    thread.join(timeout=300)
    first = holder[0]
    assert first.returncode == 0, first.output
    assert second.returncode == 0, second.output

    log = requests_of(shared)
    writes = [i for i, line in enumerate(log) if "action=multi-config" in line]
    commits = [i for i, line in enumerate(log) if "type=commit" in line]
    reads = [i for i, line in enumerate(log) if "action=get xpath=/config/devices" in line]
    refused = [line for line in log if "config-lock add" in line and "status=error" in line]
    assert len(writes) == 2, log
    assert len(commits) == 2, log
    assert len(reads) == 2, log
    # Never interleaved: read, write and commit of the first, then read, write and commit of the second.
    assert reads[0] < writes[0] < commits[0] < reads[1] < writes[1] < commits[1], log
    assert refused, "the second run never met the first run's lock"
    running = shared.running("shared")
    for name in ("gw-fault", "gw-second", "fault-lan", "second-lan"):
        assert name in running
    assert "<entry" not in config_locks(shared, "shared")


def test_second_run_fails_clearly_without_waiting(shared, tmp_path_factory):
    """With lock_timeout 0, the second run fails before its read, naming the holder, and writes nothing."""
    inventory = shared_inventory(shared, tmp_path_factory)
    holder = []
    thread = start_first_run(shared, inventory, holder)
    second = run_playbook(PLAYBOOK, inventory, shared, MARKER_KEY, "-e", "use_lock=true gateway_name=gw-second route_name=second-lan")
    thread.join(timeout=300)
    assert holder[0].returncode == 0, holder[0].output
    assert second.returncode != 0
    message = failures(second)["shared"]["msg"]
    assert "the configuration lock is taken" in message, message
    assert "held by admin" in message, message
    assert "with comment 'ipsec.panos.vpn on " in message, message
    reads = [line for line in requests_of(shared) if "action=get xpath=/config/devices" in line]
    assert len(reads) == 1
    candidate = shared.candidate("shared")
    assert "gw-second" not in candidate
    assert "gw-fault" in candidate
