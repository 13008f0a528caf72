"""In-process tests of device behaviour: auth, config actions, change tracking, commits, locks."""

from pansim import secrets
from pansim.api import handle_request, loggable_xpath

DEVICE = "/config/devices/entry[@name='localhost.localdomain']"
ADDRESSES = DEVICE + "/vsys/entry[@name='vsys1']/address"
GATEWAYS = DEVICE + "/network/ike/gateway"


def address(name):
    return ADDRESSES + f"/entry[@name='{name}']"


def add_address(client, name, ip="192.0.2.1/32"):
    reply = client.config("set", address(name), f"<ip-netmask>{ip}</ip-netmask>")
    assert reply.status == "success", reply.body
    return reply


def candidate_names(client):
    reply = client.config("get", ADDRESSES + "/entry/@name")
    return [entry.get("name") for entry in reply.root.findall("./result/entry")]


def running_names(client):
    reply = client.config("show", ADDRESSES)
    if reply.status != "success":
        return []
    return [entry.get("name") for entry in reply.root.findall("./result/address/entry")]


def pending(client):
    return client.op("<check><pending-changes/></check>").root.find("result").text


def job_state(client, job_id):
    job = client.op(f"<show><jobs><id>{job_id}</id></jobs></show>").root.find("./result/job")
    return job.findtext("status"), job.findtext("result"), job


def start_commit(client, cmd="<commit/>"):
    reply = client.commit(cmd)
    assert reply.status == "success", reply.body
    return reply.root.findtext("./result/job")


# Authentication


def test_keygen_key_alphabet(alice):
    assert alice.key.isascii()
    assert all(ch.isalnum() or ch == "=" for ch in alice.key)


def test_keygen_wrong_password(device):
    with device.lock:
        reply = handle_request(device, {"type": "keygen", "user": "alice", "password": "wrong"}, {})
    assert reply.http_status == 403
    assert "Invalid Credential" in reply.body
    assert "<key>" not in reply.body


def test_keygen_unknown_user(device):
    with device.lock:
        reply = handle_request(device, {"type": "keygen", "user": "mallory", "password": "alice-pw"}, {})
    assert reply.http_status == 403


def test_keygen_same_key_each_time(device, alice):
    with device.lock:
        reply = handle_request(device, {"type": "keygen", "user": "alice", "password": "alice-pw"}, {})
    assert f"<key>{alice.key}</key>" in reply.body


def test_wrong_key_is_http_403(alice):
    reply = alice.call(type="op", cmd="<show><system><info/></system></show>", key="LUFRPTbogus==")
    assert reply.http_status == 403
    assert reply.body == "<response status = 'error' code = '403'><result><msg>Invalid Credential</msg></result></response>"


def test_key_in_header(device, alice):
    with device.lock:
        reply = handle_request(device, {"type": "op", "cmd": "<show><chassis-ready/></show>"}, {"X-PAN-KEY": alice.key})
    assert reply.http_status == 200
    assert "<result>yes</result>" in reply.body


def test_version_request(alice):
    reply = alice.call(type="version")
    assert reply.root.findtext("./result/sw-version") == "10.2.9"
    assert reply.root.findtext("./result/model") == "PA-VM"


def test_missing_type_is_code_400(alice):
    reply = alice.call()
    assert reply.http_status == 200
    assert reply.root.get("code") == "400"
    assert reply.root.findtext("./msg/line") == "Missing parameter: type"


def test_unknown_type_message(alice):
    reply = alice.call(type="bogus")
    assert reply.root.get("code") == "400"
    assert reply.root.findtext("./msg/line") == 'Illegal value for parameter "type" [bogus].'


# Reads and writes


def test_get_miss_is_code_7_empty_result(alice):
    reply = alice.config("get", address("nope"))
    assert reply.root.get("status") == "success"
    assert reply.root.get("code") == "7"
    assert len(reply.root.find("result")) == 0


def test_get_hit_has_counts(alice):
    add_address(alice, "a1")
    reply = alice.config("get", address("a1"))
    assert reply.root.get("code") == "19"
    assert reply.root.find("result").get("count") == "1"
    assert reply.root.findtext("./result/entry/ip-netmask") == "192.0.2.1/32"


def test_show_reads_running(alice):
    add_address(alice, "a1")
    reply = alice.config("show", address("a1"))
    assert reply.root.get("status") == "error"
    assert reply.root.findtext("./msg/line") == "No such node"


def test_delete_missing_is_success_code_7(alice):
    reply = alice.config("delete", address("nope"))
    assert reply.root.get("status") == "success"
    assert reply.root.get("code") == "7"
    assert pending(alice) == "no"


def test_validation_error_is_code_12(alice):
    reply = alice.config("set", address("x" * 64), "<ip-netmask>192.0.2.1/32</ip-netmask>")
    assert reply.root.get("code") == "12"
    assert reply.root.findtext("./msg/line") == f" {'x' * 64} can be at most 63 characters, but current length: 64"
    assert candidate_names(alice) == []


def test_psk_is_stored_encrypted(alice):
    element = (
        '<entry name="gw1"><authentication><pre-shared-key><key>very-secret</key></pre-shared-key></authentication>'
        "<local-address><interface>ethernet1/1</interface></local-address></entry>"
    )
    alice.config("set", GATEWAYS, element)
    alice.config("edit", GATEWAYS + "/entry[@name='gw1']/authentication/pre-shared-key/key", "<key>changed</key>")

    reply = alice.config("get", GATEWAYS + "/entry[@name='gw1']")
    stored = reply.root.findtext("./result/entry/authentication/pre-shared-key/key")
    assert "very-secret" not in reply.body
    assert "changed" not in reply.body
    assert secrets.matches(stored, "changed")


# Change tracking and partial commit


def test_pending_changes_follow_writes_and_commit(alice, clock):
    assert pending(alice) == "no"
    add_address(alice, "a1")
    assert pending(alice) == "yes"

    job_id = start_commit(alice)
    clock.advance(2.0)
    assert job_state(alice, job_id)[:2] == ("FIN", "OK")
    assert pending(alice) == "no"
    assert running_names(alice) == ["a1"]


def test_nothing_to_commit(alice):
    reply = alice.commit()
    assert reply.root.get("status") == "success"
    assert reply.root.findtext("msg") == "There are no changes to commit."
    assert reply.root.find("./result/job") is None


def test_force_commit_without_changes(alice):
    assert start_commit(alice, "<commit><force/></commit>") is not None


def test_job_progress_then_finish(alice, clock):
    add_address(alice, "a1")
    job_id = start_commit(alice, "<commit><description>first</description></commit>")

    clock.advance(1.0)
    status, result, job = job_state(alice, job_id)
    assert (status, result) == ("ACT", "PEND")
    assert 0 < int(job.findtext("progress")) < 100
    assert running_names(alice) == []

    clock.advance(1.0)
    status, result, job = job_state(alice, job_id)
    assert (status, result) == ("FIN", "OK")
    assert job.findtext("progress") == "100"
    assert job.findtext("description") == "first"
    assert job.findtext("./details/line") == "Configuration committed successfully"


def test_second_commit_while_running(alice, bob, clock):
    add_address(alice, "a1")
    start_commit(alice)
    add_address(bob, "b1")
    reply = bob.commit()
    assert reply.root.get("status") == "error"
    assert reply.root.findtext("./msg/line") == "Another commit/validate is in progress. Please try again later"


def test_partial_commit_by_admin(alice, bob, clock):
    add_address(alice, "a1")
    add_address(bob, "b1")
    add_address(alice, "a2")

    job_id = start_commit(alice, "<commit><partial><admin><member>alice</member></admin></partial></commit>")
    clock.advance(2.0)
    assert job_state(alice, job_id)[:2] == ("FIN", "OK")

    assert running_names(alice) == ["a1", "a2"]
    assert candidate_names(alice) == ["a1", "b1", "a2"]
    assert pending(alice) == "yes"

    reply = alice.commit("<commit><partial><admin><member>alice</member></admin></partial></commit>")
    assert reply.root.findtext("msg") == "There are no changes to commit."

    job_id = start_commit(bob, "<commit><partial><admin><member>bob</member></admin></partial></commit>")
    clock.advance(2.0)
    assert job_state(bob, job_id)[:2] == ("FIN", "OK")
    assert sorted(running_names(alice)) == ["a1", "a2", "b1"]
    assert pending(alice) == "no"


def test_partial_commit_excluding_region(alice, clock):
    add_address(alice, "a1")
    alice.config("set", DEVICE + "/network/interface/tunnel/units", '<entry name="tunnel.4"/>')
    job_id = start_commit(alice, "<commit><partial><policy-and-objects>excluded</policy-and-objects></partial></commit>")
    clock.advance(2.0)
    assert job_state(alice, job_id)[:2] == ("FIN", "OK")
    assert running_names(alice) == []
    assert alice.config("show", DEVICE + "/network/interface/tunnel/units/entry[@name='tunnel.4']").root.get("status") == "success"
    assert pending(alice) == "yes"


def test_writes_during_commit_stay_pending(alice, clock):
    add_address(alice, "a1")
    job_id = start_commit(alice)
    add_address(alice, "a2")
    clock.advance(2.0)
    assert job_state(alice, job_id)[:2] == ("FIN", "OK")
    assert running_names(alice) == ["a1"]
    assert pending(alice) == "yes"


def test_failed_commit_keeps_running_and_details(alice, clock):
    add_address(alice, "a1")
    alice.config("set", DEVICE + "/network/tunnel/ipsec", '<entry name="T"><tunnel-interface>tunnel.9</tunnel-interface></entry>')
    job_id = start_commit(alice)
    clock.advance(2.0)

    status, result, job = job_state(alice, job_id)
    assert (status, result) == ("FIN", "FAIL")
    lines = [line.text for line in job.findall("./details/line")]
    assert lines == [" network -> tunnel -> ipsec -> T -> tunnel-interface 'tunnel.9' is not a valid reference", "commit failed"]
    assert running_names(alice) == []
    assert pending(alice) == "yes"


def test_validate_job(alice, clock):
    alice.config("set", DEVICE + "/network/tunnel/ipsec", '<entry name="T"><tunnel-interface>tunnel.9</tunnel-interface></entry>')
    reply = alice.op("<validate><full/></validate>")
    job_id = reply.root.findtext("./result/job")
    clock.advance(2.0)
    status, result, job = job_state(alice, job_id)
    assert (status, result) == ("FIN", "FAIL")
    assert job.findtext("type") == "Validate"
    assert pending(alice) == "yes"


def test_show_jobs_all_and_unknown(alice, clock):
    add_address(alice, "a1")
    start_commit(alice)
    clock.advance(2.0)
    reply = alice.op("<show><jobs><all/></jobs></show>")
    assert [job.findtext("id") for job in reply.root.findall("./result/job")] == ["1"]

    missing = alice.op("<show><jobs><id>99</id></jobs></show>")
    assert missing.root.get("status") == "error"


# Revert


def test_revert_all(alice, bob):
    add_address(alice, "a1")
    add_address(bob, "b1")
    reply = alice.op("<load><config><from>running-config.xml</from></config></load>")
    assert reply.root.get("status") == "success"
    assert candidate_names(alice) == []
    assert pending(alice) == "no"


def test_revert_one_admin(alice, bob):
    add_address(alice, "a1")
    add_address(bob, "b1")
    alice.op("<revert><config><partial><admin><member>alice</member></admin></partial></config></revert>")
    assert candidate_names(alice) == ["b1"]
    assert pending(alice) == "yes"

    bob.op("<revert><config/></revert>")
    assert candidate_names(alice) == []
    assert pending(alice) == "no"


def test_load_other_file_fails(alice):
    reply = alice.op("<load><config><from>other.xml</from></config></load>")
    assert reply.root.get("status") == "error"


# Multi-config


def multi(client, body, strict=None):
    params = {"type": "config", "action": "multi-config", "element": f"<multi-config>{body}</multi-config>"}
    if strict is not None:
        params["strict-transactional"] = strict
    return client.call(**params)


def test_multi_config_success(alice):
    body = (
        f'<set id="1" xpath="{address("a1")}"><ip-netmask>192.0.2.1/32</ip-netmask></set>'
        f'<delete id="2" xpath="{address("missing")}"/>'
        f'<edit id="3" xpath="{address("a1")}/ip-netmask"><ip-netmask>192.0.2.9/32</ip-netmask></edit>'
    )
    reply = multi(alice, body)
    assert reply.root.get("status") == "success"
    nested = reply.root.findall("response")
    assert [(r.get("id"), r.get("status"), r.get("code")) for r in nested] == [
        ("1", "success", "20"),
        ("2", "success", "7"),
        ("3", "success", "20"),
    ]
    assert alice.config("get", address("a1")).root.findtext("./result/entry/ip-netmask") == "192.0.2.9/32"


def test_multi_config_failure_changes_nothing(alice):
    add_address(alice, "keep")
    before = alice.config("get", "/config").body
    body = (
        f'<set id="1" xpath="{address("a1")}"><ip-netmask>192.0.2.1/32</ip-netmask></set>'
        f'<delete id="2" xpath="{address("keep")}"/>'
        f'<set id="LEN-ERROR" xpath="{address("z" * 64)}"><ip-netmask>192.0.2.3/32</ip-netmask></set>'
        f'<set id="4" xpath="{address("a4")}"><ip-netmask>192.0.2.4/32</ip-netmask></set>'
    )
    reply = multi(alice, body)

    assert reply.root.get("status") == "error"
    assert reply.root.get("code") == "12"
    failed = reply.root.findall("response")[-1]
    assert failed.get("id") == "LEN-ERROR"
    assert failed.get("code") == "12"
    assert len(reply.root.findall("response")) == 3
    summary = "\n".join(line.text for line in reply.root.findall("./msg/line"))
    assert f'status="error" code="12" id="LEN-ERROR"  {"z" * 64} can be at most 63 characters' in summary
    assert alice.config("get", "/config").body == before


def test_multi_config_strict_reverts_own_changes(alice, bob):
    add_address(alice, "earlier")
    add_address(bob, "bobs")
    body = f'<set id="bad" xpath="{address("z" * 64)}"><ip-netmask>192.0.2.3/32</ip-netmask></set>'
    reply = multi(alice, body, strict="yes")
    assert reply.root.get("status") == "error"
    assert candidate_names(alice) == ["bobs"]


def test_multi_config_malformed_action(alice):
    reply = multi(alice, '<set id="1" xpath="/config//x"><a/></set>')
    assert reply.root.get("status") == "error"
    assert reply.root.find("response").get("code") == "6"


# Locks


def test_config_lock_blocks_other_admin(alice, bob):
    reply = alice.op("<request><config-lock><add><comment>maintenance</comment></add></config-lock></request>")
    assert reply.root.get("status") == "success"

    blocked = bob.config("set", address("b1"), "<ip-netmask>192.0.2.1/32</ip-netmask>")
    assert blocked.root.get("status") == "error"
    assert blocked.root.findtext("./msg/line") == "Configuration is locked by alice"
    add_address(alice, "a1")

    locks = alice.op("<show><config-locks/></show>").root.findall("./result/config-locks/entry")
    assert [lock.get("name") for lock in locks] == ["alice"]
    assert locks[0].findtext("comment") == "maintenance"

    again = bob.op("<request><config-lock><add/></config-lock></request>")
    assert again.root.findtext("./msg/line") == "Config for scope shared is currently locked by alice"

    alice.op("<request><config-lock><remove/></config-lock></request>")
    add_address(bob, "b1")
    missing = alice.op("<request><config-lock><remove/></config-lock></request>")
    assert missing.root.findtext("./msg/line") == "Config is not currently locked for scope shared"


def test_commit_lock(alice, bob):
    alice.op("<request><commit-lock><add/></commit-lock></request>")
    add_address(bob, "b1")
    reply = bob.commit()
    assert reply.root.get("status") == "error"
    assert "Commit is locked by alice" in reply.root.findtext("./msg/line")
    assert len(alice.op("<show><commit-locks/></show>").root.findall("./result/commit-locks/entry")) == 1

    bob.op("<request><commit-lock><remove><admin>alice</admin></remove></commit-lock></request>")
    assert alice.op("<show><commit-locks/></show>").root.findall("./result/commit-locks/entry") == []


def test_commit_releases_own_locks(alice, clock):
    alice.op("<request><config-lock><add/></config-lock></request>")
    add_address(alice, "a1")
    start_commit(alice)
    assert alice.op("<show><config-locks/></show>").root.findall("./result/config-locks/entry") == []


# Other op commands


def test_system_info_fields(alice):
    system = alice.op("<show><system><info></info></system></show>").root.find("./result/system")
    for field in ("sw-version", "model", "serial", "app-version", "multi-vsys", "hostname", "devicename", "family"):
        assert system.findtext(field), field
    assert system.findtext("serial").startswith("0070")
    assert len(system.findtext("serial")) == 15


def test_show_admins_marks_self(alice, bob):
    bob.op("<show><chassis-ready/></show>")
    entries = alice.op("<show><admins/></show>").root.findall("./result/admins/entry")
    own = [entry.findtext("admin") for entry in entries if entry.find("self") is not None]
    assert own == ["alice"]
    assert sorted(entry.findtext("admin") for entry in entries) == ["alice", "bob"]


def test_unknown_op_is_code_17(alice):
    reply = alice.op("<show><bogus/></show>")
    assert reply.root.get("code") == "17"
    lines = [line.text for line in reply.root.findall("./msg/line")]
    assert lines == [" show -> bogus is unexpected", "Invalid command"]


def test_malformed_op_is_code_18(alice):
    assert alice.op("<show><system>").root.get("code") == "18"


def test_export_configuration(alice, clock):
    add_address(alice, "a1")
    reply = alice.call(type="export", category="configuration")
    assert "attachment" in reply.headers["Content-Disposition"]
    assert reply.root.tag == "config"
    assert reply.root.find(".//address") is None


def test_partial_commit_fails_when_change_depends_on_other_admin(alice, bob, clock):
    add_address(alice, "a1")
    reply = bob.config("rename", address("a1"), newname="renamed")
    assert reply.root.get("status") == "success"

    job_id = start_commit(bob, "<commit><partial><admin><member>bob</member></admin></partial></commit>")
    clock.advance(2.0)
    status, result, job = job_state(bob, job_id)
    assert (status, result) == ("FIN", "FAIL")
    lines = [line.text for line in job.findall("./details/line")]
    assert lines[0].startswith(" rename of ")
    assert "by bob cannot be applied: No such node" in lines[0]
    assert lines[-1] == "commit failed"
    assert running_names(alice) == []


def test_strict_multi_config_refused_during_commit(alice):
    add_address(alice, "a1")
    start_commit(alice)
    reply = multi(alice, f'<set id="1" xpath="{address("a2")}"><ip-netmask>192.0.2.2/32</ip-netmask></set>', strict="yes")
    assert reply.root.get("status") == "error"
    assert reply.root.findtext("./msg/line") == "Another commit/validate is in progress. Please try again later"


def test_unknown_first_word(alice):
    reply = alice.op("<frobnicate/>")
    assert [line.text for line in reply.root.findall("./msg/line")] == [" frobnicate is unexpected", "Invalid command"]


def test_reply_summary_for_log(alice):
    reply = alice.config("set", GATEWAYS + "/entry[@name='g']/authentication/pre-shared-key", "<key>top-secret</key>")
    assert (reply.request_type, reply.action, reply.status, reply.code) == ("config", "set", "success", 20)
    assert reply.admin == "alice"
    assert reply.xpath.endswith("/pre-shared-key")

    op = alice.op("<request><config-lock><add><comment>secret words</comment></add></config-lock></request>")
    assert op.action == "request config-lock add comment"


def test_loggable_xpath_hides_key_predicates():
    assert loggable_xpath("/config/x/key[text()='secret']") == "/config/x/key[...]"
    assert loggable_xpath("/config/" + "a" * 1000).endswith("...")
    assert loggable_xpath(None) is None


def test_internal_error_is_reported_and_logged(alice, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("value-from-request")

    monkeypatch.setattr(alice.device, "pending_changes", broken)
    with caplog.at_level("ERROR", logger="pansim"):
        reply = alice.op("<check><pending-changes/></check>")
    assert reply.root.get("code") == "21"
    assert "internal error RuntimeError" in caplog.text
    assert "value-from-request" not in caplog.text

    assert alice.op("<show><chassis-ready/></show>").root.findtext("result") == "yes"
