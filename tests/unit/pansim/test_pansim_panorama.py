"""In-process tests of Panorama: templates, variables, commit checks, routing by serial and commit-all."""

import time

import pytest
from conftest import Client

from pansim import panorama, secrets
from pansim.api import handle_request
from pansim.device import Device, DeviceSpec

ROOT = "/config/devices/entry[@name='localhost.localdomain']"
TEMPLATES = ROOT + "/template"
STACKS = ROOT + "/template-stack"
FW_GATEWAYS = ROOT + "/network/ike/gateway"
PSK = "Template-Psk-Never-Shown-93"


def template(name):
    return f"{TEMPLATES}/entry[@name='{name}']"


def stack(name):
    return f"{STACKS}/entry[@name='{name}']"


def inside(location):
    """The firewall device root inside a template or stack entry xpath."""
    return f"{location}/config/devices/entry[@name='localhost.localdomain']"


def gateway_xml(name="gw1", peer="203.0.113.10", interface="ethernet1/1", local_ip=None, profile="default"):
    local = f"<interface>{interface}</interface>" + (f"<ip>{local_ip}</ip>" if local_ip else "")
    return (
        f'<entry name="{name}"><protocol><version>ikev2</version><ikev2><ike-crypto-profile>{profile}'
        f"</ike-crypto-profile></ikev2></protocol><peer-address><ip>{peer}</ip></peer-address>"
        f"<local-address>{local}</local-address>"
        f"<authentication><pre-shared-key><key>{PSK}</key></pre-shared-key></authentication></entry>"
    )


def ethernet_xml(name="ethernet1/1", ip="198.51.100.20/24"):
    return f'<entry name="{name}"><layer3><ip><entry name="{ip}"/></ip></layer3></entry>'


def variable_xml(name, value, variable_type="ip-netmask"):
    return f'<entry name="{name}"><type><{variable_type}>{value}</{variable_type}></type></entry>'


def ok(reply):
    assert reply.status == "success", reply.body
    return reply


def run_job(client, clock, reply):
    """Wait out a job enqueued by ``reply`` and return its ``<job>`` element."""
    job_id = ok(reply).root.findtext("./result/job")
    assert job_id, reply.body
    clock.advance(5)
    return client.op(f"<show><jobs><id>{job_id}</id></jobs></show>").root.find("./result/job")


def detail_lines(job):
    return [line.text for line in job.findall("./details/line")]


@pytest.fixture
def fw1(clock):
    return Device(DeviceSpec(name="fw1", port=0, commit_seconds=1.0), clock=clock)


@pytest.fixture
def fw2(clock):
    return Device(DeviceSpec(name="fw2", port=0, sw_version="10.1.6", commit_seconds=1.0), clock=clock)


@pytest.fixture
def pano(clock, fw1, fw2):
    spec = DeviceSpec(
        name="pano",
        port=0,
        kind="panorama",
        sw_version="11.1.4",
        admins={"admin": "admin", "carol": "carol-pw"},
        managed=[fw1.serial, fw2.serial],
        commit_seconds=1.0,
    )
    device = Device(spec, clock=clock)
    device.connect_managed([fw1, fw2, device])
    return device


@pytest.fixture
def admin(pano):
    return Client(pano, "admin", "admin")


@pytest.fixture
def carol(pano):
    return Client(pano, "carol", "carol-pw")


def add_template(client, name="T1", body=""):
    return ok(client.config("set", TEMPLATES, f'<entry name="{name}">{body}</entry>'))


# Factory configuration and model


def test_panorama_factory_config(pano, fw1, fw2):
    root = pano.candidate
    entry = root.find_path("devices").find_entry("entry", "localhost.localdomain")
    for location in ("template", "template-stack", "device-group"):
        assert entry.find_child(location) is not None
        assert entry.find_child(location).children == []
    assert entry.find_child("network") is None
    assert entry.find_child("vsys") is None
    assert panorama.managed_serials(root) == [fw1.serial, fw2.serial]
    assert root.find_path("readonly", "max-internal-id").text == "0"


def test_panorama_kind_follows_model():
    assert DeviceSpec(name="p", port=0, model="M-600").is_panorama
    assert DeviceSpec(name="p", port=0, kind="panorama").model == "Panorama"
    assert not DeviceSpec(name="f", port=0).is_panorama


def test_panorama_system_info(admin, pano):
    system = admin.op("<show><system><info/></system></show>").root.find("./result/system")
    assert system.findtext("model") == "Panorama"
    assert system.findtext("sw-version") == "11.1.4"
    assert system.findtext("serial") == pano.serial
    assert system.findtext("system-mode") == "panorama"
    assert system.find("multi-vsys") is None


def test_version_request_on_panorama(admin):
    result = admin.call(type="version").root.find("result")
    assert result.findtext("model") == "Panorama"
    assert result.find("multi-vsys") is None


def test_network_at_panorama_root_rejected(admin, pano):
    reply = admin.config("set", ROOT + "/network/ike/gateway", gateway_xml())
    assert reply.root.get("code") == "12"
    assert " network unexpected here" in reply.body
    assert pano.candidate.find_path("devices").find_entry("entry", "localhost.localdomain").find_child("network") is None


def test_template_on_firewall_rejected(fw1):
    client = Client(fw1, "admin", "admin")
    reply = client.config("set", TEMPLATES, '<entry name="T1"/>')
    assert reply.root.get("code") == "12"
    assert " template unexpected here" in reply.body


def test_readonly_is_not_writable(admin):
    reply = admin.config("set", "/config/readonly", "<max-internal-id>99</max-internal-id>")
    assert reply.root.get("code") == "12"
    assert "readonly is read-only" in reply.body


# Template CRUD and validation inside templates


def test_template_crud_under_template_paths(admin):
    add_template(admin, "T1")
    ok(admin.config("set", inside(template("T1")) + "/network/ike/gateway", gateway_xml()))
    ok(admin.config("set", inside(template("T1")) + "/vsys/entry[@name='vsys1']/zone", '<entry name="vpn"/>'))

    names = admin.config("get", inside(template("T1")) + "/network/ike/gateway/entry/@name")
    assert [entry.get("name") for entry in names.root.findall("./result/entry")] == ["gw1"]

    ok(admin.config("rename", inside(template("T1")) + "/network/ike/gateway/entry[@name='gw1']", newname="gw-hub"))
    ok(admin.config("delete", inside(template("T1")) + "/vsys/entry[@name='vsys1']/zone/entry[@name='vpn']"))
    after = admin.config("get", inside(template("T1")) + "/network/ike/gateway/entry/@name")
    assert [entry.get("name") for entry in after.root.findall("./result/entry")] == ["gw-hub"]


def test_template_psk_stored_encrypted(admin, pano):
    add_template(admin, "T1")
    ok(admin.config("set", inside(template("T1")) + "/network/ike/gateway", gateway_xml()))
    reply = admin.config("get", inside(template("T1")) + "/network/ike/gateway/entry[@name='gw1']")
    assert PSK not in reply.body
    stored = reply.root.findtext(".//pre-shared-key/key")
    assert secrets.matches(stored, PSK)


def test_template_stack_paths(admin):
    add_template(admin, "T1")
    ok(admin.config("set", STACKS, '<entry name="S1"><templates><member>T1</member></templates></entry>'))
    ok(admin.config("set", inside(stack("S1")) + "/network/interface/tunnel/units", '<entry name="tunnel.5"/>'))
    reply = admin.config("get", inside(stack("S1")) + "/network/interface/tunnel/units/entry/@name")
    assert [entry.get("name") for entry in reply.root.findall("./result/entry")] == ["tunnel.5"]


def test_validation_applies_inside_template(admin):
    add_template(admin, "T1")
    xpath = inside(template("T1")) + "/network/ike/crypto-profiles/ike-crypto-profiles"
    reply = admin.config("set", xpath, '<entry name="p1"><dh-group><member>group99</member></dh-group></entry>')
    assert reply.root.get("code") == "12"
    assert " ike-crypto-profiles -> p1 -> dh-group 'group99' is not an allowed keyword" in reply.body


def test_version_table_applies_inside_template(clock):
    device = Device(DeviceSpec(name="old-pano", port=0, kind="panorama", sw_version="10.2.9"), clock=clock)
    client = Client(device, "admin", "admin")
    add_template(client, "T1")
    reply = client.config("set", inside(template("T1")) + "/network/tunnel/ipsec/entry[@name='t1']", "<ipsec-mode>tunnel</ipsec-mode>")
    assert reply.root.get("code") == "12"
    assert " ipsec -> t1 -> ipsec-mode unexpected here" in reply.body


def test_readonly_ids_follow_templates(admin, pano):
    add_template(admin, "T1")
    add_template(admin, "T2")
    readonly = pano.candidate.find_path("readonly", "devices").find_entry("entry", "localhost.localdomain")
    ids = {entry.name: entry.child_text("id") for entry in readonly.find_child("template").iter_tag("entry")}
    assert ids == {"T1": "1", "T2": "2"}

    ok(admin.config("delete", template("T1")))
    readonly = pano.candidate.find_path("readonly", "devices").find_entry("entry", "localhost.localdomain")
    assert [entry.name for entry in readonly.find_child("template").iter_tag("entry")] == ["T2"]
    assert pano.candidate.find_path("readonly", "max-internal-id").text == "2"


# Template variables


def test_variable_accepted_in_template(admin):
    add_template(admin, "T1")
    reply = admin.config("set", inside(template("T1")) + "/network/ike/gateway", gateway_xml(peer="$peer_ip"))
    assert reply.root.get("code") == "20", reply.body


@pytest.mark.parametrize("location", ["template", "stack"])
def test_variable_accepted_at_interface_address(admin, location):
    add_template(admin, "T1")
    ok(admin.config("set", STACKS, '<entry name="S1"><templates><member>T1</member></templates></entry>'))
    holder = template("T1") if location == "template" else stack("S1")
    xpath = inside(holder) + "/network/interface/tunnel/units"
    ok(admin.config("set", xpath, '<entry name="tunnel.1"><ip><entry name="$tunnel_ip"/></ip></entry>'))


def test_variable_rejected_on_firewall(fw1):
    client = Client(fw1, "admin", "admin")
    reply = client.config("set", FW_GATEWAYS, gateway_xml(peer="$peer_ip"))
    assert reply.root.get("code") == "12"
    assert " gateway -> gw1 -> peer-address -> ip '$peer_ip' is not a valid IP address or address object name" in reply.body
    assert fw1.candidate.find_path("devices").find_entry("entry", "localhost.localdomain").find_path("network", "ike", "gateway") is None


def test_variable_entry_name_rejected_on_firewall(fw1):
    client = Client(fw1, "admin", "admin")
    reply = client.config("set", ROOT + "/network/interface/tunnel/units", '<entry name="tunnel.1"><ip><entry name="$tip"/></ip></entry>')
    assert reply.root.get("code") == "12"
    assert " units -> tunnel.1 -> ip '$tip' is not a valid IP address or address object name" in reply.body


def test_malformed_variable_name_rejected_in_template(admin):
    add_template(admin, "T1")
    reply = admin.config("set", inside(template("T1")) + "/network/ike/gateway", gateway_xml(peer="$"))
    assert reply.root.get("code") == "12"
    assert "'$' is not a valid template variable name" in reply.body


def test_variable_definition_rules(admin):
    add_template(admin, "T1")
    variables = template("T1") + "/variable"
    ok(admin.config("set", variables, variable_xml("$peer_ip", "203.0.113.10")))

    no_dollar = admin.config("set", variables, variable_xml("peer_ip", "203.0.113.10"))
    assert no_dollar.root.get("code") == "12"
    assert "variable 'peer_ip' is not a valid template variable name" in no_dollar.body

    bad_value = admin.config("set", variables, variable_xml("$net", "not-an-address"))
    assert bad_value.root.get("code") == "12"
    assert "type -> ip-netmask 'not-an-address' is not a valid IP address or netmask" in bad_value.body

    two_types = admin.config("set", variables, '<entry name="$x"><type><ip-netmask>192.0.2.1</ip-netmask><fqdn>a.example</fqdn></type></entry>')
    assert two_types.root.get("code") == "12"
    assert "variable -> $x -> type -> fqdn unexpected here" in two_types.body


def test_variable_type_change_replaces_old_type(admin, pano):
    add_template(admin, "T1")
    variables = template("T1") + "/variable"
    ok(admin.config("set", variables, variable_xml("$peer", "203.0.113.10")))
    ok(admin.config("set", variables, variable_xml("$peer", "vpn.example.com", "fqdn")))
    assert panorama.variables(panorama.locations(pano.candidate, "template")["T1"]) == {"$peer": "vpn.example.com"}


# Panorama commit


def test_commit_fails_inside_template_with_template_in_line(admin, pano, clock):
    add_template(admin, "branch")
    tunnels = inside(template("branch")) + "/network/tunnel/ipsec"
    ok(admin.config("set", tunnels, '<entry name="t1"><tunnel-interface>tunnel.9</tunnel-interface></entry>'))

    job = run_job(admin, clock, admin.commit())
    lines = detail_lines(job)
    assert job.findtext("result") == "FAIL"
    assert (
        " template -> branch -> config -> devices -> localhost.localdomain -> network -> tunnel -> ipsec -> t1"
        " -> tunnel-interface 'tunnel.9' is not a valid reference"
    ) in lines
    assert lines[-1] == "commit failed"
    assert "branch" not in panorama.locations(pano.running, "template")


def test_commit_with_undefined_variable_fails(admin, pano, clock):
    add_template(admin, "T1")
    ok(admin.config("set", inside(template("T1")) + "/network/interface/ethernet", ethernet_xml()))
    ok(admin.config("set", inside(template("T1")) + "/network/ike/gateway", gateway_xml(peer="$peer_ip")))

    job = run_job(admin, clock, admin.commit())
    assert job.findtext("result") == "FAIL"
    assert (
        " template -> T1 -> config -> devices -> localhost.localdomain -> network -> ike -> gateway -> gw1"
        " -> peer-address -> ip '$peer_ip' is not a valid reference"
    ) in detail_lines(job)

    ok(admin.config("set", template("T1") + "/variable", variable_xml("$peer_ip", "203.0.113.10")))
    job = run_job(admin, clock, admin.commit())
    assert job.findtext("result") == "OK", detail_lines(job)
    assert "T1" in panorama.locations(pano.running, "template")


def test_template_may_use_predefined_profiles(admin, clock):
    add_template(admin, "T1")
    ok(admin.config("set", inside(template("T1")) + "/network/interface/ethernet", ethernet_xml()))
    ok(admin.config("set", inside(template("T1")) + "/network/ike/gateway", gateway_xml(profile="Suite-B-GCM-256")))
    job = run_job(admin, clock, admin.commit())
    assert job.findtext("result") == "OK", detail_lines(job)


def test_stack_resolves_variable_and_objects_of_member_templates(admin, clock):
    add_template(admin, "interfaces", body="<variable>" + variable_xml("$peer_ip", "203.0.113.10") + "</variable>")
    ok(admin.config("set", inside(template("interfaces")) + "/network/interface/ethernet", ethernet_xml()))
    add_template(admin, "vpn")
    ok(admin.config("set", inside(template("vpn")) + "/network/ike/gateway", gateway_xml(peer="$peer_ip")))
    ok(admin.config("set", STACKS, '<entry name="S1"><templates><member>vpn</member><member>interfaces</member></templates></entry>'))

    job = run_job(admin, clock, admin.commit())
    assert job.findtext("result") == "OK", detail_lines(job)


def test_stack_variable_defined_on_stack(admin, clock):
    add_template(admin, "T1")
    ok(admin.config("set", inside(template("T1")) + "/network/interface/ethernet", ethernet_xml()))
    ok(admin.config("set", inside(template("T1")) + "/network/ike/gateway", gateway_xml(peer="$peer_ip")))
    ok(admin.config("set", STACKS, '<entry name="S1"><templates><member>T1</member></templates></entry>'))
    ok(admin.config("set", stack("S1") + "/variable", variable_xml("$peer_ip", "203.0.113.10")))
    job = run_job(admin, clock, admin.commit())
    assert job.findtext("result") == "OK", detail_lines(job)


def test_stack_with_missing_template_and_unmanaged_device(admin, clock):
    element = '<entry name="S1"><templates><member>ghost</member></templates><devices><entry name="0099"/></devices></entry>'
    ok(admin.config("set", STACKS, element))
    lines = detail_lines(run_job(admin, clock, admin.commit()))
    assert " template-stack -> S1 -> templates 'ghost' is not a valid reference" in lines
    assert " template-stack -> S1 -> devices '0099' is not a valid reference" in lines


def test_partial_commit_by_template(admin, carol, pano, clock):
    add_template(admin, "T1")
    add_template(admin, "T2")
    cmd = "<commit><partial><template><member>T1</member></template></partial></commit>"
    job = run_job(admin, clock, admin.commit(cmd))
    assert job.findtext("result") == "OK"
    assert list(panorama.locations(pano.running, "template")) == ["T1"]
    assert admin.op("<check><pending-changes/></check>").root.findtext("result") == "yes"


def test_partial_commit_by_admin_on_panorama(admin, carol, pano, clock):
    add_template(admin, "T-admin")
    add_template(carol, "T-carol")
    cmd = "<commit><partial><admin><member>carol</member></admin></partial></commit>"
    assert run_job(carol, clock, carol.commit(cmd)).findtext("result") == "OK"
    assert list(panorama.locations(pano.running, "template")) == ["T-carol"]
    assert pano.changes.admins() == ["admin"]


def test_validate_runs_template_checks(admin, pano, clock):
    add_template(admin, "T1")
    ok(admin.config("set", inside(template("T1")) + "/network/tunnel/ipsec", '<entry name="t1"><tunnel-interface>tunnel.3</tunnel-interface></entry>'))
    job = run_job(admin, clock, admin.op("<validate><full/></validate>"))
    assert job.findtext("result") == "FAIL"
    assert any(line.startswith(" template -> T1 -> ") for line in detail_lines(job))
    assert panorama.locations(pano.running, "template") == {}


# Routing by serial


def test_op_routed_by_serial(admin, fw1, fw2):
    reply = admin.call(type="op", cmd="<show><system><info/></system></show>", target=fw2.serial)
    system = ok(reply).root.find("./result/system")
    assert system.findtext("serial") == fw2.serial
    assert system.findtext("sw-version") == "10.1.6"
    assert system.findtext("model") == "PA-VM"


def test_config_and_commit_routed_as_panorama_admin(carol, fw1, clock):
    ok(carol.call(type="config", action="set", xpath=FW_GATEWAYS, element=gateway_xml(), target=fw1.serial))
    assert fw1.changes.admins() == ["carol"]

    reply = carol.call(type="commit", cmd="<commit/>", target=fw1.serial)
    job_id = ok(reply).root.findtext("./result/job")
    clock.advance(5)
    job = ok(carol.call(type="op", cmd=f"<show><jobs><id>{job_id}</id></jobs></show>", target=fw1.serial)).root.find("./result/job")
    assert job.findtext("result") == "OK", detail_lines(job)
    assert job.findtext("user") == "carol"
    gateway = fw1.running.find_path("devices").find_entry("entry", "localhost.localdomain").find_path("network", "ike", "gateway")
    assert gateway.find_entry("entry", "gw1") is not None


def test_unknown_serial_is_an_error(admin):
    reply = admin.call(type="op", cmd="<show><system><info/></system></show>", target="000000000000")
    assert reply.status == "error"
    assert reply.root.get("code") == "400"
    assert "no connected managed device has serial 000000000000" in reply.body


def test_serial_removed_from_managed_devices_stops_routing(admin, fw1, clock):
    ok(admin.config("delete", f"/config/mgt-config/devices/entry[@name='{fw1.serial}']"))
    run_job(admin, clock, admin.commit())
    reply = admin.call(type="op", cmd="<show><system><info/></system></show>", target=fw1.serial)
    assert reply.status == "error"


def test_routed_request_needs_panorama_key(pano, fw1):
    firewall_key = fw1.keygen("admin", "admin")
    with pano.lock:
        reply = handle_request(pano, {"type": "op", "cmd": "<show><system><info/></system></show>", "key": firewall_key, "target": fw1.serial}, {})
    assert reply.http_status == 403


def test_firewall_accepts_only_own_serial_as_target(fw1, fw2):
    client = Client(fw1, "admin", "admin")
    assert client.call(type="op", cmd="<show><system><info/></system></show>", target=fw1.serial).status == "success"
    assert client.call(type="op", cmd="<show><system><info/></system></show>", target=fw2.serial).status == "error"


def test_reply_records_target(admin, fw1):
    reply = admin.call(type="op", cmd="<show><system><info/></system></show>", target=fw1.serial)
    assert reply.target == fw1.serial
    assert admin.op("<show><system><info/></system></show>").target is None


# Managed device lists


def test_show_devices_connected(admin, fw1, fw2):
    devices = admin.op("<show><devices><connected/></devices></show>").root.findall("./result/devices/entry")
    assert [entry.get("name") for entry in devices] == [fw1.serial, fw2.serial]
    first = devices[0]
    assert first.findtext("serial") == fw1.serial
    assert first.findtext("connected") == "yes"
    assert first.findtext("hostname") == "fw1"
    assert devices[1].findtext("sw-version") == "10.1.6"
    assert first.find("vsys/entry[@name='vsys1']") is not None


def test_show_devices_all_includes_unconnected(admin, clock):
    ok(admin.config("set", "/config/mgt-config/devices", '<entry name="0011223344"/>'))
    run_job(admin, clock, admin.commit())
    every = admin.op("<show><devices><all/></devices></show>").root.findall("./result/devices/entry")
    connected = admin.op("<show><devices><connected/></devices></show>").root.findall("./result/devices/entry")
    assert {entry.get("name"): entry.findtext("connected") for entry in every}["0011223344"] == "no"
    assert "0011223344" not in [entry.get("name") for entry in connected]


def test_newer_firewall_is_unsupported_version(clock):
    firewall = Device(DeviceSpec(name="new", port=0, sw_version="11.2.4"), clock=clock)
    manager = Device(DeviceSpec(name="p", port=0, kind="panorama", sw_version="10.2.9", managed=[firewall.serial]), clock=clock)
    manager.connect_managed([firewall])
    entry = Client(manager, "admin", "admin").op("<show><devices><all/></devices></show>").root.find("./result/devices/entry")
    assert entry.findtext("unsupported-version") == "yes"


def test_show_devices_on_firewall_is_invalid(fw1):
    reply = Client(fw1, "admin", "admin").op("<show><devices><all/></devices></show>")
    assert reply.root.get("code") == "17"
    assert " show -> devices is unexpected" in reply.body


def test_show_devicegroups(admin, fw1, clock):
    ok(admin.config("set", ROOT + "/device-group", f'<entry name="DG1"><devices><entry name="{fw1.serial}"/></devices></entry>'))
    run_job(admin, clock, admin.commit())
    group = admin.op("<show><devicegroups/></show>").root.find("./result/devicegroups/entry")
    assert group.get("name") == "DG1"
    assert group.find(f"devices/entry[@name='{fw1.serial}']").findtext("connected") == "yes"


# commit-all


def firewall_gateway(device, name, config="running"):
    tree = getattr(device, config)
    gateways = tree.find_path("devices").find_entry("entry", "localhost.localdomain").find_path("network", "ike", "gateway")
    return gateways.find_entry("entry", name) if gateways is not None else None


def build_pushable_template(client, fw_serial, name="T1"):
    body = f'<devices><entry name="{fw_serial}"/></devices><variable>{variable_xml("$peer_ip", "203.0.113.77")}</variable>'
    add_template(client, name, body=body)
    ok(client.config("set", inside(template(name)) + "/network/interface/ethernet", ethernet_xml()))
    ok(client.config("set", inside(template(name)) + "/network/ike/gateway", gateway_xml(name="gw-tpl", peer="$peer_ip")))


def test_commit_all_template_pushes_resolved_config(admin, fw1, fw2, clock):
    build_pushable_template(admin, fw1.serial)
    assert run_job(admin, clock, admin.commit()).findtext("result") == "OK"

    reply = admin.call(type="commit", action="all", cmd="<commit-all><template><name>T1</name></template></commit-all>")
    job = run_job(admin, clock, reply)
    assert job.findtext("type") == "CommitAll"
    assert job.findtext("result") == "OK"
    devices = job.findall("./devices/entry")
    assert [entry.findtext("serial-no") for entry in devices] == [fw1.serial]
    assert devices[0].findtext("result") == "OK"
    assert devices[0].findtext("devicename") == "fw1"

    for config in ("running", "candidate"):
        pushed = firewall_gateway(fw1, "gw-tpl", config)
        assert pushed.child_text("peer-address", "ip") == "203.0.113.77"
        assert secrets.matches(pushed.child_text("authentication", "pre-shared-key", "key"), PSK)
    assert firewall_gateway(fw2, "gw-tpl") is None
    assert not fw1.pending_changes()


def test_commit_all_device_failure_keeps_firewall_unchanged(admin, fw1, clock):
    add_template(admin, "T1", body=f'<devices><entry name="{fw1.serial}"/></devices>')
    ok(admin.config("set", inside(template("T1")) + "/network/interface/ethernet", ethernet_xml()))
    zone = '<entry name="vpn"><network><layer3><member>ethernet1/1</member></layer3></network></entry>'
    ok(admin.config("set", inside(template("T1")) + "/vsys/entry[@name='vsys1']/zone", zone))
    assert run_job(admin, clock, admin.commit()).findtext("result") == "OK"
    before = fw1.running_xml()

    reply = admin.call(type="commit", action="all", cmd="<commit-all><template><name>T1</name></template></commit-all>")
    job = run_job(admin, clock, reply)

    # The firewall already has ethernet1/1 in zone untrust, so its commit of the pushed zone fails.
    device = job.find("./devices/entry")
    assert device.findtext("result") == "FAIL"
    errors = [line.text for line in device.findall("./details/msg/errors/line")]
    assert errors == [" interface ethernet1/1 is in more than one zone: untrust, vpn"]
    assert fw1.running_xml() == before


def test_commit_all_rejects_element_firewall_version_lacks(admin, fw2, clock):
    add_template(admin, "T2", body=f'<devices><entry name="{fw2.serial}"/></devices>')
    ok(admin.config("set", inside(template("T2")) + "/network/logical-router", '<entry name="lr1"/>'))
    run_job(admin, clock, admin.commit())

    reply = admin.call(type="commit", action="all", cmd="<commit-all><template><name>T2</name></template></commit-all>")
    job = run_job(admin, clock, reply)
    device = job.find("./devices/entry")
    assert device.findtext("result") == "FAIL"
    assert [line.text for line in device.findall("./details/msg/errors/line")] == [" logical-router unexpected here"]
    network = fw2.running.find_path("devices").find_entry("entry", "localhost.localdomain").find_child("network")
    assert network.find_child("logical-router") is None


def test_commit_all_stack_uses_device_override(admin, fw1, clock):
    add_template(admin, "T1", body="<variable>" + variable_xml("$peer_ip", "203.0.113.1") + "</variable>")
    ok(admin.config("set", inside(template("T1")) + "/network/interface/ethernet", ethernet_xml()))
    ok(admin.config("set", inside(template("T1")) + "/network/ike/gateway", gateway_xml(name="gw-stack", peer="$peer_ip")))
    override = f'<entry name="{fw1.serial}"><variable>{variable_xml("$peer_ip", "203.0.113.99")}</variable></entry>'
    ok(admin.config("set", STACKS, f'<entry name="S1"><templates><member>T1</member></templates><devices>{override}</devices></entry>'))
    assert run_job(admin, clock, admin.commit()).findtext("result") == "OK"

    cmd = "<commit-all><template-stack><name>S1</name></template-stack></commit-all>"
    job = run_job(admin, clock, admin.call(type="commit", action="all", cmd=cmd))
    assert job.find("./devices/entry").findtext("result") == "OK"
    assert firewall_gateway(fw1, "gw-stack").child_text("peer-address", "ip") == "203.0.113.99"


def test_commit_all_device_filter(admin, fw1, fw2, clock):
    body = f'<devices><entry name="{fw1.serial}"/><entry name="{fw2.serial}"/></devices>'
    add_template(admin, "T1", body=body)
    run_job(admin, clock, admin.commit())
    cmd = f"<commit-all><template><name>T1</name><device><member>{fw2.serial}</member></device></template></commit-all>"
    job = run_job(admin, clock, admin.call(type="commit", action="all", cmd=cmd))
    assert [entry.findtext("serial-no") for entry in job.findall("./devices/entry")] == [fw2.serial]


def test_commit_all_unknown_template(admin):
    reply = admin.call(type="commit", action="all", cmd="<commit-all><template><name>nope</name></template></commit-all>")
    assert reply.status == "error"
    assert "'nope' is not a valid reference" in reply.body


def test_commit_all_device_group_is_not_simulated(admin, clock):
    cmd = '<commit-all><shared-policy><device-group><entry name="DG1"/></device-group></shared-policy></commit-all>'
    job = run_job(admin, clock, admin.call(type="commit", action="all", cmd=cmd))
    assert job.findtext("result") == "FAIL"
    assert "commit-all supports only template and template-stack pushes" in detail_lines(job)[0]


def test_commit_all_on_firewall_is_rejected(fw1):
    client = Client(fw1, "admin", "admin")
    reply = client.call(type="commit", action="all", cmd="<commit-all><template><name>T1</name></template></commit-all>")
    assert reply.root.get("code") == "400"
    assert 'Illegal value for parameter "action" [all].' in reply.body


# Scale


def test_thousand_tunnels_in_template_stay_fast(admin, pano, clock):
    add_template(admin, "big")
    base = inside(template("big")) + "/network"
    actions = []
    for i in range(1, 1001):
        actions.append(f'<set id="u{i}" xpath="{base}/interface/tunnel/units"><entry name="tunnel.{i}"/></set>')
        tunnel = f'<entry name="t{i}"><tunnel-interface>tunnel.{i}</tunnel-interface></entry>'
        actions.append(f'<set id="t{i}" xpath="{base}/tunnel/ipsec">{tunnel}</set>')
    element = "<multi-config>" + "".join(actions) + "</multi-config>"

    started = time.monotonic()
    ok(admin.call(type="config", action="multi-config", element=element))
    job = run_job(admin, clock, admin.commit())
    elapsed = time.monotonic() - started

    assert job.findtext("result") == "OK", detail_lines(job)[:3]
    assert len(panorama.locations(pano.running, "template")["big"].find_path(
        "config", "devices").find_entry("entry", "localhost.localdomain").find_path("network", "tunnel", "ipsec").children) == 1000
    # A measured run takes about a second; the bound leaves room for slow CI machines.
    assert elapsed < 10.0
