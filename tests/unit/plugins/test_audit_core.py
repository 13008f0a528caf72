"""The audit's packs, waivers, fail_on, result shape, inputs and documentation."""

import datetime
import os
import re
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _audit as audit
from ansible_collections.ipsec.panos.plugins.module_utils._audit import core
from ansible_collections.ipsec.panos.plugins.module_utils._engine import ValidationError

from test_audit_support import TODAY, audit_sections, build, changed, findings_of, good_sections, ids

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
FIELDS = {"rule_id", "severity", "object", "object_type", "object_name", "message", "evidence", "fix", "source"}


def weak_sections():
    """A VPN that breaks many rules at once: IKEv1 aggressive, default profiles, no liveness check."""
    return changed(
        ike_gateways={"version": "ikev1", "exchange_mode": "aggressive", "ike_crypto_profile": "default", "dpd": False},
        ipsec_tunnels={"ipsec_crypto_profile": "default", "anti_replay": False, "copy_tos": True},
    )


# -- result shape ---------------------------------------------------------------------------


def test_every_finding_has_every_field():
    result = audit_sections(weak_sections(), pack="cnsa", waivers=[{"rule": "VPN-TUN-015", "reason": "QoS on the MPLS path"}])
    assert result["findings"]
    for finding in result["findings"] + result["waived"]:
        assert FIELDS <= set(finding), finding
        for field in FIELDS - {"evidence"}:
            assert isinstance(finding[field], str) and finding[field], (field, finding)
        assert isinstance(finding["evidence"], dict)
        assert finding["object"] == "%s %s" % (finding["object_type"], finding["object_name"])
        assert finding["severity"] in core.SEVERITIES


def test_findings_sorted_by_severity_then_rule():
    findings = audit_sections(weak_sections())["findings"]
    keys = [(core.SEVERITY_RANK[f["severity"]], f["rule_id"], f["object"]) for f in findings]
    assert keys == sorted(keys)
    assert findings[0]["severity"] == "high"


def test_summary_counts_each_severity():
    result = audit_sections(weak_sections())
    for severity in core.SEVERITIES:
        assert result["summary"][severity] == len([f for f in result["findings"] if f["severity"] == severity])
    assert result["summary"]["total"] == len(result["findings"])


def test_passed_ignores_info():
    result = audit_sections(changed(ipsec_tunnels={"copy_tos": True}))
    assert ids(result) == ["VPN-TUN-015"]
    assert result["passed"] is True
    assert audit_sections(weak_sections())["passed"] is False


def test_no_secret_in_result():
    assert "Marker-psk-never-shown" not in repr(audit_sections(weak_sections(), pack="cnsa"))


def test_rule_error_becomes_info_finding(monkeypatch):
    def broken(config):
        # A generator, as rule checks are, that fails when it is consumed.
        if config is not None:
            raise KeyError("surprise")
        yield None

    monkeypatch.setattr(core.RULES["VPN-TUN-009"], "check", broken)
    result = audit_sections(changed(ipsec_tunnels={"anti_replay": False}))
    errors = findings_of(result, "VPN-AUD-003")
    assert [(f["severity"], f["object"]) for f in errors] == [("info", "rule VPN-TUN-009")]
    assert "KeyError" in errors[0]["evidence"]["error"]
    assert findings_of(result, "VPN-TUN-009") == []


# -- packs ----------------------------------------------------------------------------------


def test_packs_grow_from_baseline_to_cnsa():
    checked = {pack: set(audit_sections(good_sections(), pack=pack)["rules_checked"]) for pack in core.PACKS}
    assert checked["baseline"] <= checked["nist-800-77r1"] <= checked["cnsa"]
    assert "VPN-CRY-014" in checked["cnsa"] - checked["nist-800-77r1"]


def test_unknown_pack_rejected():
    with pytest.raises(ValidationError, match="pack"):
        audit_sections(good_sections(), pack="pci")


def test_catalog_has_one_severity_per_pack():
    for rule in core.RULES.values():
        for levels in rule.severities.values():
            assert len(levels) == len(core.PACKS)
        assert rule.source


# -- waivers --------------------------------------------------------------------------------


def test_waiver_by_rule_and_object_glob():
    waivers = [{"rule": "VPN-CRY-0*", "object": "ipsec_crypto_profile def*", "reason": "peer cannot do better yet"}]
    result = audit_sections(weak_sections(), waivers=waivers)
    waived_objects = {f["object"] for f in result["waived"]}
    assert waived_objects == {"ipsec_crypto_profile default"}
    assert all(f["waiver"]["reason"] == "peer cannot do better yet" for f in result["waived"])
    assert not [f for f in result["findings"] if f["object"] == "ipsec_crypto_profile default"]
    assert [f for f in result["findings"] if f["object"] == "ike_crypto_profile default"]


def test_waiver_object_matches_bare_name():
    result = audit_sections(weak_sections(), waivers=[{"rule": "VPN-IKE-00?", "object": "gw*", "reason": "legacy peer"}])
    assert {f["rule_id"] for f in result["waived"]} == {"VPN-IKE-001", "VPN-IKE-002", "VPN-IKE-009"}
    assert not [f for f in result["findings"] if f["rule_id"] in ("VPN-IKE-001", "VPN-IKE-002")]


def test_waiver_without_object_covers_every_object():
    result = audit_sections(weak_sections(), waivers=[{"rule": "VPN-CRY-010", "reason": "migration ticket 42"}])
    assert sorted(f["object"] for f in result["waived"]) == ["ike_gateway gw1", "ipsec_tunnel t1"]


def test_waived_findings_do_not_count():
    waivers = [{"rule": "VPN-*", "reason": "lab device"}]
    result = audit_sections(weak_sections(), waivers=waivers)
    assert result["findings"] == []
    assert result["summary"]["total"] == 0
    assert result["passed"] is True


def test_expired_waiver_does_not_apply():
    waivers = [{"rule": "VPN-TUN-009", "reason": "vendor bug", "expires": "2025-05-31"}]
    result = audit_sections(weak_sections(), waivers=waivers)
    assert findings_of(result, "VPN-TUN-009")
    assert result["waived"] == []
    note = findings_of(result, "VPN-AUD-001")
    assert [(f["severity"], f["object"]) for f in note] == [("info", "waiver 0")]
    assert note[0]["evidence"]["findings"] == 1


def test_waiver_valid_on_its_last_day():
    waivers = [{"rule": "VPN-TUN-009", "reason": "vendor bug", "expires": TODAY.isoformat()}]
    result = audit_sections(weak_sections(), waivers=waivers)
    assert [f["rule_id"] for f in result["waived"]] == ["VPN-TUN-009"]
    assert findings_of(result, "VPN-AUD-001") == []


def test_waiver_expiry_as_date_object():
    waivers = [{"rule": "VPN-TUN-009", "reason": "vendor bug", "expires": datetime.date(2024, 1, 1)}]
    assert findings_of(audit_sections(weak_sections(), waivers=waivers), "VPN-AUD-001")


def test_unused_waiver_noted():
    result = audit_sections(good_sections(), waivers=[{"rule": "VPN-CRY-001", "reason": "old exception"}])
    note = findings_of(result, "VPN-AUD-002")
    assert [(f["severity"], f["evidence"]["rule"]) for f in note] == [("info", "VPN-CRY-001")]


def test_audit_notes_cannot_be_waived():
    waivers = [{"rule": "VPN-CRY-001", "reason": "old exception"}, {"rule": "VPN-AUD-*", "reason": "hide notes"}]
    result = audit_sections(good_sections(), waivers=waivers)
    assert {f["rule_id"] for f in result["findings"]} == {"VPN-AUD-002"}


@pytest.mark.parametrize(
    "waiver, message",
    [
        ({"rule": "VPN-CRY-999", "reason": "x"}, "waivers[0].rule: 'VPN-CRY-999' is not a rule id"),
        ({"rule": "NOPE-*", "reason": "x"}, "waivers[0].rule: 'NOPE-*' matches no rule id"),
        ({"rule": "VPN-CRY-001", "reason": " "}, "waivers[0].reason: missing"),
        ({"rule": "VPN-CRY-001", "reason": "x", "expires": "next year"}, "waivers[0].expires: 'next year' is not a date"),
    ],
)
def test_invalid_waiver_rejected(waiver, message):
    with pytest.raises(ValidationError) as raised:
        audit_sections(good_sections(), waivers=[waiver])
    assert any(error.startswith(message) for error in raised.value.errors), raised.value.errors


# -- fail_on --------------------------------------------------------------------------------


def test_fail_on_threshold():
    result = audit_sections(weak_sections())
    assert audit.failure_message(result, "none") is None
    assert audit.failure_message(result, "critical") is None
    message = audit.failure_message(result, "high")
    assert message.startswith("VPN audit failed with fail_on=high (pack baseline)")
    for rule_id in ("VPN-CRY-010", "VPN-IKE-002"):
        assert rule_id in message
    assert "VPN-TUN-015" not in message
    assert "VPN-TUN-015" in audit.failure_message(result, "info")


def test_fail_on_ignores_waived():
    waivers = [{"rule": "VPN-*", "reason": "lab device"}]
    assert audit.failure_message(audit_sections(weak_sections(), waivers=waivers), "info") is None


# -- inputs ---------------------------------------------------------------------------------


def test_offline_text_and_api_reply_give_same_findings():
    text = ET.tostring(build(weak_sections()), encoding="unicode")
    plain = audit.run_audit({"running_config": text}, today=TODAY)
    wrapped = audit.run_audit({"running_config": '<response status="success"><result>%s</result></response>' % text}, today=TODAY)
    assert plain["findings"] == wrapped["findings"]
    assert plain["findings"] == audit_sections(weak_sections())["findings"]
    assert plain["source"] == "running_config"
    assert plain["panos_version"] == "10.2.0"


@pytest.mark.parametrize("text, message", [("<config", "not well-formed XML"), ("<response/>", "expected a <config> document")])
def test_bad_running_config_rejected(text, message):
    with pytest.raises(ValidationError, match=message):
        audit.run_audit({"running_config": text})


@pytest.mark.parametrize(
    "expected, message",
    [
        ({"gateways": {}}, "expected.gateways: unknown key"),
        ({"ike_gateways": {"gw1": {"ike_lifetime": "soon"}}}, "expected.ike_gateways.gw1.ike_lifetime"),
        ({"ike_gateways": {"gw1": {"behind_nat": "yes"}}}, "expected.ike_gateways.gw1.behind_nat: 'yes' is not true or false"),
        ({"ipsec_tunnels": {"t1": {"remote_networks": ["10.1.0.0/33"]}}}, "expected.ipsec_tunnels.t1.remote_networks[0]"),
        ({"ipsec_tunnels": {"t1": {"mtu": 1400}}}, "expected.ipsec_tunnels.t1.mtu: unknown key"),
    ],
)
def test_invalid_expected_rejected(expected, message):
    with pytest.raises(ValidationError) as raised:
        audit_sections(good_sections(), expected=expected)
    assert any(error.startswith(message) for error in raised.value.errors), raised.value.errors


def test_template_audit_skips_policy_rules():
    firewall = build(weak_sections())
    panorama = ET.fromstring(
        '<config version="10.2.0"><devices><entry name="localhost.localdomain"><template>'
        '<entry name="branch"><config/></entry></template></entry></devices></config>'
    )
    template_config = panorama.find("devices/entry/template/entry/config")
    template_config.append(firewall.find("devices"))
    text = ET.tostring(panorama, encoding="unicode")
    result = audit.run_audit({"running_config": text, "template": "branch"}, today=TODAY)
    assert "VPN-CRY-010" in ids(result)
    assert findings_of(result, "VPN-POL-004") == []
    assert {"rule_id": "VPN-POL-001", "reason": "Panorama templates hold no rulebase"} in result["skipped_rules"]
    with pytest.raises(ValidationError, match="template: 'other' not found"):
        audit.run_audit({"running_config": text, "template": "other"})


def test_skipped_rules_name_ops_rules():
    skipped = {entry["rule_id"] for entry in audit_sections(good_sections())["skipped_rules"]}
    assert "VPN-OPS-*" in skipped
    assert not skipped & set(core.RULES)


def test_version_from_file_decides_parsing():
    """A file without protocol/version, as before PAN-OS 7.0, is read as IKEv1 when it states version 6.1.0."""
    root = build(good_sections())
    root.set("version", "6.1.0")
    gateway = root.find("devices/entry/network/ike/gateway/entry")
    protocol = gateway.find("protocol")
    protocol.remove(protocol.find("version"))
    text = ET.tostring(root, encoding="unicode")
    result = audit.run_audit({"running_config": text}, today=TODAY)
    assert result["panos_version"] == "6.1.0"
    assert findings_of(result, "VPN-IKE-001")[0]["evidence"]["version"] == "ikev1"


# -- documentation ----------------------------------------------------------------------------


def doc_table():
    """Read the rule table of docs/audit.md: {rule id: (baseline, nist, cnsa) severity cells}."""
    rows = {}
    with open(os.path.join(REPO, "docs", "audit.md"), encoding="utf-8") as handle:
        for line in handle:
            match = re.match(r"^\| (VPN-[A-Z]+-\d{3}) \| ([^|]+)\| ([^|]+)\| ([^|]+)\|", line)
            if match:
                rows[match.group(1)] = tuple(cell.strip() for cell in match.groups()[1:])
    return rows


def doc_cell(rule, pack):
    """Format one rule's severities in a pack as docs/audit.md writes them: 'high', 'critical/high' or '-'."""
    levels = []
    for severity in (levels_[core.PACKS.index(pack)] for levels_ in rule.severities.values()):
        if severity is not None and severity not in levels:
            levels.append(severity)
    levels.sort(key=core.SEVERITY_RANK.get)
    return "/".join(levels) or "-"


def test_docs_table_matches_catalog():
    rows = doc_table()
    assert sorted(rows) == sorted(core.RULES)
    for rule_id, rule in core.RULES.items():
        assert rows[rule_id] == tuple(doc_cell(rule, pack) for pack in core.PACKS), rule_id
