"""Integration fixtures: real pansim processes and real ansible-playbook runs.

The stack under test is ansible-playbook -> module -> pan-os-python -> pan-python ->
HTTPS -> pansim, with the simulator's certificate verified through its CA file.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV_BIN = os.path.dirname(sys.executable)
COLLECTIONS = os.path.join(REPO, "build", "collections")
EXAMPLE_INVENTORY = os.path.join(REPO, "playbooks", "inventories", "hub_and_spoke")
IRON_SKILLET = os.path.abspath(
    os.path.join(REPO, "..", "shared", "corpus", "panos-configs", "iron-skillet__sample-mgmt-static__iron_skillet_panos_full.xml")
)
DEMO_SITES = {
    "hub": "198.51.100.1/24",
    "branch1": "203.0.113.11/24",
    "branch2": "203.0.113.12/24",
    "branch3": "203.0.113.13/24",
}


def _last_host(interface_address):
    """The last host of an interface's subnet, used as the simulated ISP gateway."""
    import ipaddress

    return str(list(ipaddress.ip_interface(interface_address).network.hosts())[-1])


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_ports(count):
    """Return ``count`` distinct free ports. Separate free_port() calls can return one port twice."""
    sockets = [socket.socket() for _index in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


# Every simulator and playbook run of the session, for the closing secret scan.
STARTED_SIMULATORS = []
PLAYBOOK_RUNS = []


class Pansim:
    """A running pansim process with several devices."""

    def __init__(self, workdir, devices, password):
        self.workdir = workdir
        self.devices = devices
        self.password = password
        self.ca_path = os.path.join(workdir, "tls", "ca.pem")
        self.log_path = os.path.join(workdir, "pansim.log")
        self.output_dir = os.path.join(workdir, "out")
        self.process = None
        self._keys = {}
        STARTED_SIMULATORS.append(self)

    def start(self):
        spec = {"devices": []}
        for name, device in self.devices.items():
            entry = {
                "name": name,
                "port": device["port"],
                "admins": {"admin": self.password},
                "commit_seconds": 0.2,
            }
            if device.get("interfaces"):
                # Several outside interfaces, each a dict of pansim's interface keys (name, ip, zone, virtual_router, gateway).
                entry["interfaces"] = [dict(interface) for interface in device["interfaces"]]
            elif device.get("ip"):
                entry["interfaces"] = [
                    {
                        "name": "ethernet1/1",
                        "ip": device["ip"],
                        "zone": "untrust",
                        "virtual_router": "default",
                        "gateway": device.get("gateway") or _last_host(device["ip"]),
                    }
                ]
            for key in ("config", "kind", "managed", "serial", "sw_version"):
                if device.get(key):
                    entry[key] = device[key]
            spec["devices"].append(entry)
        devices_file = os.path.join(self.workdir, "devices.yml")
        with open(devices_file, "w", encoding="utf-8") as handle:
            yaml.safe_dump(spec, handle)

        ready = os.path.join(self.workdir, "ready.json")
        command = [
            sys.executable, "-m", "pansim",
            "--tls-dir", os.path.join(self.workdir, "tls"),
            "--devices", devices_file,
            "--ready-file", ready,
            "--log-file", self.log_path,
            "--output-dir", self.output_dir,
        ]
        self.stdout = open(os.path.join(self.workdir, "pansim.out"), "w", encoding="utf-8")
        self.process = subprocess.Popen(command, cwd=REPO, stdout=self.stdout, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not os.path.exists(ready):
            if self.process.poll() is not None:
                raise RuntimeError("pansim exited early: %s" % open(self.stdout.name, encoding="utf-8").read())
            if time.monotonic() > deadline:
                raise RuntimeError("pansim was not ready after 20 seconds")
            time.sleep(0.05)
        with open(ready, encoding="utf-8") as handle:
            self.ready = json.load(handle)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.stdout.close()

    # -- a small XML API client for assertions ---------------------------------

    def _request(self, name, params):
        context = ssl.create_default_context(cafile=self.ca_path)
        url = "https://127.0.0.1:%d/api/" % self.devices[name]["port"]
        body = urllib.parse.urlencode(params).encode()
        with urllib.request.urlopen(url, data=body, context=context, timeout=30) as reply:
            return reply.read().decode()

    def key(self, name):
        if name not in self._keys:
            reply = self._request(name, {"type": "keygen", "user": "admin", "password": self.password})
            self._keys[name] = ET.fromstring(reply).findtext("result/key")
        return self._keys[name]

    def forget_keys(self):
        """Drop the cached API keys, so the next request gets a new one."""
        self._keys.clear()

    def api(self, name, **params):
        params["key"] = self.key(name)
        return self._request(name, params)

    def candidate(self, name):
        return self.api(name, type="config", action="get", xpath="/config")

    def running(self, name):
        return self.api(name, type="config", action="show", xpath="/config")

    def running_tree(self, name):
        return ET.fromstring(self.running(name)).find("result/config")

    def set(self, name, xpath, element):
        reply = self.api(name, type="config", action="set", xpath=xpath, element=element)
        assert 'status="success"' in reply, reply
        return reply


@pytest.fixture(scope="session")
def password():
    return secrets.token_urlsafe(12)


def start_demo_devices(tmp_path_factory, password, label):
    workdir = str(tmp_path_factory.mktemp(label))
    devices = {}
    for (name, ip), port in zip(DEMO_SITES.items(), free_ports(len(DEMO_SITES))):
        devices[name] = {"port": port, "ip": ip}
    if os.path.exists(IRON_SKILLET):
        devices["hub"]["config"] = IRON_SKILLET
    return Pansim(workdir, devices, password).start()


@pytest.fixture(scope="module")
def demo_devices(tmp_path_factory, password):
    sim = start_demo_devices(tmp_path_factory, password, "pansim")
    yield sim
    sim.stop()


def make_inventory(tmp_path, sim, host_overrides=None):
    """Copy the example inventory and point each host at its simulated device."""
    inventory = os.path.join(str(tmp_path), "inventory")
    shutil.copytree(EXAMPLE_INVENTORY, inventory)
    host_vars = os.path.join(inventory, "host_vars")
    os.makedirs(host_vars, exist_ok=True)
    for name, device in sim.devices.items():
        values = {"pansim_port": device["port"]}
        values.update((host_overrides or {}).get(name, {}))
        with open(os.path.join(host_vars, "%s.yml" % name), "w", encoding="utf-8") as handle:
            yaml.safe_dump(values, handle)
    return inventory


class PlaybookRun:
    def __init__(self, completed):
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr

    @property
    def output(self):
        return self.stdout + self.stderr

    def recap(self):
        result = {}
        in_recap = False
        for line in self.stdout.splitlines():
            if line.startswith("PLAY RECAP"):
                in_recap = True
                continue
            if in_recap and ":" in line and "ok=" in line:
                host, counters = line.split(":", 1)
                result[host.strip()] = {k: int(v) for k, v in (pair.split("=") for pair in counters.split())}
        return result


def run_playbook(playbook, inventory, sim, psk, *extra, env=None):
    environment = dict(os.environ)
    environment.update(
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PANOS_PASSWORD=sim.password,
        PANOS_CA_PATH=sim.ca_path,
        IPSEC_PSK=psk,
        PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""),
    )
    environment.update(env or {})
    command = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", inventory, playbook] + list(extra)
    completed = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=900, check=False)
    run = PlaybookRun(completed)
    PLAYBOOK_RUNS.append((environment["IPSEC_PSK"], run))
    return run


@pytest.fixture(scope="session", autouse=True)
def secret_scan():
    """Scan every playbook output and simulator log of the session for every key used.

    Each test checks its own marker key. This scan also catches a key from one test that
    leaks into another test's output, or into a simulator log that no test reads.
    """
    yield
    keys = {key for key, _run in PLAYBOOK_RUNS if key and len(key) >= 12}
    leaks = []
    for key, run in PLAYBOOK_RUNS:
        for other in keys:
            if other in run.output:
                leaks.append("a playbook run (key %s...) printed a pre-shared key" % key[:6])
    for sim in STARTED_SIMULATORS:
        for path in (sim.log_path, os.path.join(sim.workdir, "pansim.out")):
            if not os.path.exists(path):
                continue
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
            leaks.extend("%s contains a pre-shared key" % path for other in keys if other in text)
    assert not leaks, "\n".join(sorted(set(leaks)))


# Findings that a topology role leaves by design: security rules, zone protection and the
# other zones' settings belong to the firewall's own policy, which the roles do not manage.
OUTSIDE_TOPOLOGY_RULES = ("VPN-POL-004", "VPN-POL-006")


def audit_findings(sim, inventory, hosts, psk, out_dir, pack="baseline"):
    """Run vpn_audit on ``hosts`` and return {host: findings}, leaving out the rules roles do not cover."""
    playbook = os.path.join(REPO, "tests", "integration", "playbooks", "audit_topology.yml")
    run = run_playbook(playbook, inventory, sim, psk, "-e", "audit_hosts=%s" % hosts, "-e", "out_dir=%s" % out_dir, "-e", "audit_pack=%s" % pack)
    assert run.returncode == 0, run.output
    findings = {}
    for name in sorted(os.listdir(out_dir)):
        with open(os.path.join(out_dir, name), encoding="utf-8") as handle:
            result = json.load(handle)
        findings[name[:-5]] = [
            "%s %s" % (finding["rule_id"], finding["object"])
            for finding in result["findings"]
            if finding["rule_id"] not in OUTSIDE_TOPOLOGY_RULES
        ]
    return findings
