"""Fixtures for pansim tests: in-process devices with a fake clock, and real pansim processes."""

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from pansim.api import handle_request
from pansim.device import Device, DeviceSpec

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


class FakeClock:
    def __init__(self, start=1_800_000_000.0):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class Client:
    """Sends API requests straight to a Device, as the HTTP layer would."""

    def __init__(self, device, user, password):
        self.device = device
        self.key = None
        reply = self.call(type="keygen", user=user, password=password)
        self.key = reply.root.find("./result/key").text

    def call(self, **params):
        if self.key is not None:
            params.setdefault("key", self.key)
        with self.device.lock:
            reply = handle_request(self.device, {k: v for k, v in params.items() if v is not None}, {})
        reply.root = ET.fromstring(reply.body)
        return reply

    def op(self, cmd):
        return self.call(type="op", cmd=cmd)

    def config(self, action, xpath=None, element=None, **extra):
        return self.call(type="config", action=action, xpath=xpath, element=element, **extra)

    def commit(self, cmd="<commit/>"):
        return self.call(type="commit", cmd=cmd)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def device(clock):
    spec = DeviceSpec(
        name="fw",
        port=0,
        admins={"admin": "admin", "alice": "alice-pw", "bob": "bob-pw"},
        commit_seconds=2.0,
    )
    return Device(spec, clock=clock)


@pytest.fixture
def alice(device):
    return Client(device, "alice", "alice-pw")


@pytest.fixture
def bob(device):
    return Client(device, "bob", "bob-pw")


@dataclass
class SimProcess:
    process: subprocess.Popen
    ready: dict
    tls_dir: str
    log_file: str
    output_dir: str

    def port(self, name):
        return next(device["port"] for device in self.ready["devices"] if device["name"] == name)

    def stop(self):
        """Send SIGTERM and return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=STOP_TIMEOUT)


def start_pansim(tmp_path, device_options, extra_args=()):
    """Start ``python -m pansim`` and wait until its ready file appears."""
    tls_dir = str(tmp_path / "tls")
    ready_file = str(tmp_path / "ready.json")
    log_file = str(tmp_path / "pansim.log")
    output_dir = str(tmp_path / "out")

    command = [sys.executable, "-m", "pansim", "--tls-dir", tls_dir, "--ready-file", ready_file,
               "--log-file", log_file, "--output-dir", output_dir]
    for option in device_options:
        command += ["--device", option]
    command += list(extra_args)

    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + READY_TIMEOUT
    while not os.path.exists(ready_file):
        if process.poll() is not None:
            raise AssertionError(f"pansim exited with {process.returncode}: {process.stderr.read()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("pansim did not write its ready file in time")
        time.sleep(0.05)

    with open(ready_file, encoding="utf-8") as handle:
        ready = json.load(handle)
    return SimProcess(process, ready, tls_dir, log_file, output_dir)


def _cleanup(sim):
    try:
        sim.stop()
    except subprocess.TimeoutExpired:
        sim.process.kill()
        sim.process.wait(timeout=STOP_TIMEOUT)
    if sim.process.stderr:
        sim.process.stderr.close()


@pytest.fixture
def pansim_starter(tmp_path):
    """Return a function that starts pansim processes, all stopped after the test."""
    started = []

    def start(device_options, extra_args=()):
        sim = start_pansim(tmp_path, device_options, extra_args)
        started.append(sim)
        return sim

    yield start
    for sim in started:
        _cleanup(sim)


@pytest.fixture
def pansim_process(pansim_starter):
    """A pansim process with two devices: hub (admin/admin) and spoke (ops/ops-pw, PAN-OS 10.1.6)."""
    return pansim_starter(
        [
            "name=hub,port=0,commit_seconds=0.2,interface=ethernet1/1:198.51.100.1/24",
            "name=spoke,port=0,commit_seconds=0.2,username=ops,password=ops-pw,sw_version=10.1.6",
        ]
    )
