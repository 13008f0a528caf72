# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection: a real ``python -m pansim`` process driven through pan-python and pan-os-python."""

import json
import os
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pan.xapi
import pytest
from panos import objects
from panos.errors import PanCommitInProgress, PanLockError, PanSessionTimedOut, PanURLError
from panos.firewall import Firewall

import pansim

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(pansim.__file__)))
ADDRESS_XPATH = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/address"
MULTI_CONFIG = (
    "<multi-config>"
    f'<set id="1" xpath="{ADDRESS_XPATH}/entry[@name=\'a1\']"><ip-netmask>10.0.0.1/32</ip-netmask></set>'
    f'<set id="2" xpath="{ADDRESS_XPATH}/entry[@name=\'a2\']"><ip-netmask>10.0.0.2/32</ip-netmask></set>'
    "</multi-config>"
)


class Sim:
    """One pansim process with a firewall ``hub`` (admin/admin), and helpers for its fault endpoint."""

    def __init__(self, process):
        self.process = process
        self.port = process.port("hub")
        self.context = ssl.create_default_context(cafile=process.ready["ca"])

    def xapi(self, timeout=None):
        return pan.xapi.PanXapi(
            hostname="127.0.0.1", port=self.port, api_username="admin", api_password="admin", ssl_context=self.context, timeout=timeout
        )

    def firewall(self):
        return Firewall("127.0.0.1", "admin", "admin", port=self.port)

    def key(self):
        xapi = self.xapi()
        xapi.keygen()
        return xapi.api_key

    def control(self, method="POST", path="/_pansim/fault", key=True, json_body=None, **fields):
        data = dict(fields)
        if key:
            data["key"] = self.key()
        url = f"https://127.0.0.1:{self.port}{path}"
        headers = {}
        if json_body is not None:
            url += "?" + urllib.parse.urlencode(data)
            payload = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif method == "POST":
            payload = urllib.parse.urlencode(data).encode()
        else:
            url += "?" + urllib.parse.urlencode(data)
            payload = None
        request = urllib.request.Request(url, data=payload, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=10) as response:
                return response.status, ET.fromstring(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, ET.fromstring(exc.read())

    def add_fault(self, fault, match="", count=1, **extra):
        status, root = self.control(fault=fault, match=match, count=count, **extra)
        assert status == 200, ET.tostring(root)
        return root

    def faults(self):
        status, root = self.control(method="GET")
        assert status == 200
        return root.findall("./result/faults/entry")

    def address_names(self, xapi=None):
        xapi = xapi or self.xapi()
        xapi.get(ADDRESS_XPATH)
        return sorted(entry.get("name") for entry in xapi.element_root.findall("./result/address/entry"))

    def log_text(self):
        with open(self.process.log_file, encoding="utf-8") as handle:
            return handle.read()


@pytest.fixture
def sim(pansim_starter):
    return Sim(pansim_starter(["name=hub,port=0,commit_seconds=0.2,interface=ethernet1/1:198.51.100.1/24"]))


def set_address(xapi, name, address="10.0.0.9/32"):
    xapi.set(f"{ADDRESS_XPATH}/entry[@name='{name}']", f"<ip-netmask>{address}</ip-netmask>")


def multi_config(xapi):
    xapi.ad_hoc(qs={"type": "config", "action": "multi-config", "element": MULTI_CONFIG}, modify_qs=True)


# Control endpoint


def test_control_requires_admin_key(sim):
    status, root = sim.control(key=False, fault="http-500")
    assert status == 403
    assert root.get("code") == "403"
    assert sim.control(method="GET", key=False)[0] == 403


def test_control_add_list_and_clear(sim):
    sim.add_fault("http-500", "type=config&action=get", 2)
    sim.add_fault("timeout", "type=commit", "every", hold="5")
    status, _ = sim.control(json_body={"fault": "commit-fail", "match": {"type": "commit"}, "details": ["line one"]})
    assert status == 200

    entries = sim.faults()
    assert [entry.get("id") for entry in entries] == ["1", "2", "3"]
    assert [entry.findtext("fault") for entry in entries] == ["http-500", "timeout", "commit-fail"]
    assert entries[0].findtext("match") == "type=config&action=get"
    assert entries[0].findtext("count") == "2"
    assert entries[1].findtext("count") == "every"
    assert entries[1].findtext("hold") == "5"
    assert [line.text for line in entries[2].findall("./details/line")] == ["line one", "commit failed"]

    status, _ = sim.control(method="DELETE", id="2")
    assert status == 200
    assert [entry.get("id") for entry in sim.faults()] == ["1", "3"]

    status, _ = sim.control(path="/_pansim/fault/clear")
    assert status == 200
    assert sim.faults() == []


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"fault": "http-418"}, "invalid fault 'http-418'"),
        ({"fault": "http-500", "count": "0"}, "invalid count '0'"),
        ({"fault": "http-500", "count": "many"}, "invalid count 'many'"),
        ({"fault": "http-500", "match": "kind=op"}, "invalid match field(s) ['kind']"),
        ({"fault": "timeout", "hold": "-1"}, "invalid hold '-1'"),
    ],
)
def test_control_rejects_invalid_fault(sim, fields, message):
    status, root = sim.control(**fields)
    assert status == 400
    assert message in root.findtext("./msg/line")
    assert sim.faults() == []


# HTTP errors


def test_http_500_fails_next_request_only(sim):
    xapi = sim.xapi()
    xapi.keygen()
    sim.add_fault("http-500", "type=config&action=get")

    with pytest.raises(pan.xapi.PanXapiError) as caught:
        xapi.get(ADDRESS_XPATH)
    assert "code: 500" in str(caught.value)
    assert "Internal Server Error" in str(caught.value)

    assert sim.address_names(xapi) == []
    assert sim.faults() == []


def test_http_502_count_and_pan_os_python_error(sim):
    sim.add_fault("http-502", "type=op&cmd=<system><info>", 2)
    fw = sim.firewall()
    for _ in range(2):
        with pytest.raises(PanURLError) as caught:
            fw.refresh_system_info()
        assert "code: 502" in str(caught.value)
    assert fw.refresh_system_info().version == "10.2.9"

    log = sim.log_text()
    assert log.count("fault injected id=1 fault=http-502 type=op") == 2
    assert "fault added id=1 fault=http-502" in log


def test_op_cmd_substring_selects_command(sim):
    sim.add_fault("http-500", "type=op&cmd=<jobs>", "every")
    xapi = sim.xapi()
    xapi.op(cmd="<show><system><info></info></system></show>")
    assert xapi.status == "success"
    for _ in range(2):
        with pytest.raises(pan.xapi.PanXapiError):
            xapi.op(cmd="<show><jobs><all></all></jobs></show>")

    sim.control(method="DELETE")
    xapi.op(cmd="<show><jobs><all></all></jobs></show>")
    assert xapi.status == "success"


def test_keygen_fault(sim):
    sim.add_fault("http-500", "type=keygen")
    with pytest.raises(pan.xapi.PanXapiError) as caught:
        sim.xapi().keygen()
    assert "code: 500" in str(caught.value)
    assert sim.xapi().keygen().startswith("LUFRPT")


# Time-out and dropped connections


def test_timeout_holds_then_drops_without_applying(sim):
    sim.add_fault("timeout", "type=config&action=set", hold="3")
    xapi = sim.xapi(timeout=1)
    xapi.keygen()
    with pytest.raises(TimeoutError):
        set_address(xapi, "held")
    assert sim.address_names() == []

    set_address(xapi, "after")
    assert sim.address_names() == ["after"]
    assert "fault=timeout type=config action=set" in sim.log_text()


def test_timeout_without_client_timeout_drops(sim):
    sim.add_fault("timeout", "type=config&action=set", hold="0.5")
    xapi = sim.xapi()
    xapi.keygen()
    with pytest.raises(ConnectionError):
        set_address(xapi, "held")
    assert sim.address_names() == []


def test_drop_before_does_not_apply_multi_config(sim):
    sim.add_fault("drop_before", "type=config&action=multi-config")
    xapi = sim.xapi()
    xapi.keygen()
    with pytest.raises(ConnectionError):
        multi_config(xapi)
    assert sim.address_names() == []

    multi_config(xapi)
    assert sim.address_names() == ["a1", "a2"]


def test_drop_after_applies_multi_config(sim):
    sim.add_fault("drop_after", "type=config&action=multi-config")
    xapi = sim.xapi()
    xapi.keygen()
    with pytest.raises(ConnectionError):
        multi_config(xapi)
    assert sim.address_names() == ["a1", "a2"]
    assert "fault=drop_after type=config action=multi-config" in sim.log_text()


# Credentials and sessions


def test_expired_key_stays_invalid_until_keygen(sim):
    xapi = sim.xapi()
    xapi.keygen()
    old_key = xapi.api_key
    sim.add_fault("expired-key", "type=config")

    for _ in range(2):
        with pytest.raises(pan.xapi.PanXapiError) as caught:
            xapi.get(ADDRESS_XPATH)
        assert "code: 403" in str(caught.value)

    fresh = sim.xapi()
    assert fresh.keygen() != old_key
    assert sim.address_names(fresh) == []
    assert sim.faults() == []


def test_session_timeout_until_new_keygen(sim):
    fw = sim.firewall()
    fw.refresh_system_info()
    old_key = fw.api_key
    sim.add_fault("session-timeout", "type=op")

    for _ in range(2):
        with pytest.raises(PanSessionTimedOut) as caught:
            fw.op("show system info")
        assert "Session timed out" in str(caught.value)

    raw = sim.xapi()
    raw.api_key = old_key
    with pytest.raises(pan.xapi.PanXapiError) as caught:
        raw.get(ADDRESS_XPATH)
    assert str(caught.value) == "Session timed out"
    assert raw.status_code == "22"

    fresh = sim.xapi()
    assert fresh.keygen() != old_key
    assert sim.address_names(fresh) == []
    assert old_key not in sim.log_text()


# Locks and commits


def test_config_locked_fails_writes(sim):
    sim.add_fault("config-locked", "type=config", 2, admin="night-shift")
    fw = sim.firewall()
    fw.refresh_system_info()
    with pytest.raises(PanLockError) as caught:
        fw.add(objects.AddressObject("a9", "10.0.0.9/32")).create()
    assert str(caught.value) == "Configuration is locked by night-shift"

    xapi = sim.xapi()
    with pytest.raises(pan.xapi.PanXapiError) as caught:
        multi_config(xapi)
    assert "Configuration is locked by night-shift" in str(caught.value)
    assert xapi.status_code == "15"

    multi_config(xapi)
    assert sim.address_names(xapi) == ["a1", "a2"]
    xapi.op(cmd="<show><config-locks></config-locks></show>")
    assert xapi.element_root.findall("./result/config-locks/entry") == []


def test_config_locked_fails_lock_request(sim):
    sim.add_fault("config-locked", "type=op&cmd=<config-lock>", admin="night-shift")
    fw = sim.firewall()
    fw.refresh_system_info()
    with pytest.raises(PanLockError) as caught:
        fw.add_config_lock(scope="vsys1")
    assert str(caught.value) == "Config for scope vsys1 is currently locked by night-shift"

    assert fw.add_config_lock(scope="vsys1") is True
    fw.xapi.op("show config-locks", cmd_xml=True)
    assert [entry.get("name") for entry in fw.xapi.element_root.findall("./result/config-locks/entry")] == ["admin"]


def test_commit_fail_keeps_running_config(sim):
    xapi = sim.xapi()
    xapi.keygen()
    set_address(xapi, "pending")
    sim.add_fault("commit-fail", "type=commit", details="Validation Error:\n address -> pending is invalid")

    fw = sim.firewall()
    result = fw.commit(sync=True, exception=False)
    assert result["result"] == "FAIL"
    assert result["messages"] == ["Validation Error:", " address -> pending is invalid", "commit failed"]

    with pytest.raises(pan.xapi.PanXapiError, match="No such node"):
        xapi.show(ADDRESS_XPATH)
    assert fw.pending_changes() is True

    result = fw.commit(sync=True, exception=False)
    assert result["result"] == "OK"


def test_commit_in_progress_rejects_commit(sim):
    xapi = sim.xapi()
    xapi.keygen()
    set_address(xapi, "pending")
    sim.add_fault("commit-in-progress", "type=commit")

    fw = sim.firewall()
    with pytest.raises(PanCommitInProgress) as caught:
        fw.commit()
    assert str(caught.value) == "Another commit/validate is in progress. Please try again later"

    result = fw.commit(sync=True, exception=False)
    assert result["result"] == "OK"


def test_clear_restores_normal_behaviour(sim):
    for fault in ("http-500", "config-locked", "session-timeout"):
        sim.add_fault(fault, "type=config", "every")
    sim.control(path="/_pansim/fault/clear")

    xapi = sim.xapi()
    xapi.keygen()
    set_address(xapi, "normal")
    assert sim.address_names(xapi) == ["normal"]
    assert "fault injected" not in sim.log_text()


# Devices file


def test_devices_file_faults(pansim_starter, tmp_path):
    devices = tmp_path / "devices.yml"
    devices.write_text(
        "devices:\n"
        "  - name: hub\n"
        "    port: 0\n"
        "    faults:\n"
        "      - {fault: http-502, match: 'type=op&cmd=<info>', count: 1}\n"
        "      - {fault: config-locked, match: {type: config, action: set}, count: every, admin: change-board}\n",
        encoding="utf-8",
    )
    sim = Sim(pansim_starter([], ["--devices", str(devices)]))
    entries = sim.faults()
    assert [entry.findtext("fault") for entry in entries] == ["http-502", "config-locked"]
    assert entries[1].findtext("match") == "type=config&action=set"
    assert entries[1].findtext("admin") == "change-board"

    fw = sim.firewall()
    with pytest.raises(PanURLError):
        fw.refresh_system_info()
    fw.refresh_system_info()
    with pytest.raises(PanLockError, match="change-board"):
        set_address(fw.xapi, "blocked")


def test_devices_file_rejects_invalid_fault(tmp_path):
    devices = tmp_path / "devices.yml"
    devices.write_text("devices:\n  - name: hub\n    port: 0\n    faults:\n      - {fault: reboot}\n", encoding="utf-8")
    command = [sys.executable, "-m", "pansim", "--tls-dir", str(tmp_path / "tls"), "--devices", str(devices)]
    completed = subprocess.run(command, cwd=REPO_ROOT, env=dict(os.environ, PYTHONPATH=REPO_ROOT), capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert "device hub: invalid fault 'reboot'" in completed.stderr
