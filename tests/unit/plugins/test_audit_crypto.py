"""Crypto profile rules (VPN-CRY-*): each fires on a weak profile and stays quiet on a strong one."""

import copy

import pytest

from test_audit_support import (
    audit_sections,
    build,
    changed,
    find_entry,
    findings_of,
    good_sections,
    run,
)

IKE = "ike_crypto_profiles"
IPSEC = "ipsec_crypto_profiles"

# (rule, section edits, expected severity in baseline, expected object)
TRIGGERS = [
    ("VPN-CRY-001", {IKE: {"encryption": ["des"]}}, "critical", "ike_crypto_profile ike-strong"),
    ("VPN-CRY-002", {IKE: {"encryption": ["3des"]}}, "high", "ike_crypto_profile ike-strong"),
    ("VPN-CRY-003", {IKE: {"hash": ["md5"]}}, "critical", "ike_crypto_profile ike-strong"),
    ("VPN-CRY-003", {IKE: {"hash": ["sha1"]}}, "high", "ike_crypto_profile ike-strong"),
    ("VPN-CRY-004", {IKE: {"dh_group": ["group1"]}}, "critical", "ike_crypto_profile ike-strong"),
    ("VPN-CRY-004", {IKE: {"dh_group": ["group5"]}}, "high", "ike_crypto_profile ike-strong"),
    ("VPN-CRY-005", {IPSEC: {"esp_encryption": ["null"], "esp_authentication": ["sha256"]}}, "critical", "ipsec_crypto_profile ipsec-strong"),
    ("VPN-CRY-005", {IPSEC: {"esp_encryption": ["3des"], "esp_authentication": ["sha256"]}}, "high", "ipsec_crypto_profile ipsec-strong"),
    ("VPN-CRY-006", {IPSEC: {"esp_encryption": ["aes-256-cbc"], "esp_authentication": ["md5"]}}, "critical", "ipsec_crypto_profile ipsec-strong"),
    ("VPN-CRY-006", {IPSEC: {"esp_encryption": ["aes-256-cbc"], "esp_authentication": ["sha1"]}}, "medium", "ipsec_crypto_profile ipsec-strong"),
    ("VPN-CRY-006", {IPSEC: {"esp_encryption": ["aes-256-cbc"], "esp_authentication": ["none"]}}, "critical", "ipsec_crypto_profile ipsec-strong"),
    ("VPN-CRY-007", {IPSEC: {"esp_encryption": None, "esp_authentication": None, "ah_authentication": ["sha256"]}}, "high",
     "ipsec_crypto_profile ipsec-strong"),
    ("VPN-CRY-008", {IPSEC: {"dh_group": "no-pfs"}}, "medium", "ipsec_crypto_profile ipsec-strong"),
    ("VPN-CRY-009", {IPSEC: {"dh_group": "group2"}}, "high", "ipsec_crypto_profile ipsec-strong"),
    ("VPN-CRY-010", {"ike_gateways": {"ike_crypto_profile": "default"}}, "high", "ike_gateway gw1"),
    ("VPN-CRY-010", {"ipsec_tunnels": {"ipsec_crypto_profile": "default"}}, "high", "ipsec_tunnel t1"),
    ("VPN-CRY-011", {IKE: {"encryption": ["aes-256-cbc", "3des"]}}, "medium", "ike_crypto_profile ike-strong"),
    ("VPN-CRY-011", {IPSEC: {"esp_encryption": ["aes-256-cbc"], "esp_authentication": ["sha256", "sha1"]}}, "medium",
     "ipsec_crypto_profile ipsec-strong"),
    ("VPN-CRY-012", {IPSEC: {"lifetime": "8h"}}, "low", "ipsec_tunnel t1"),
    ("VPN-CRY-015", {"ike_gateways": {"version": "ikev1"}, IKE: {"encryption": ["aes-256-gcm"], "hash": ["non-auth"]}}, "high", "ike_gateway gw1"),
]


@pytest.mark.parametrize("rule_id, edits, severity, obj", TRIGGERS, ids=["%s-%d" % (t[0], i) for i, t in enumerate(TRIGGERS)])
def test_rule_fires_on_weak_profile(rule_id, edits, severity, obj):
    result = audit_sections(changed(**edits))
    found = findings_of(result, rule_id)
    assert [(f["severity"], f["object"]) for f in found] == [(severity, obj)]


@pytest.mark.parametrize("rule_id", sorted({t[0] for t in TRIGGERS}))
def test_rule_quiet_on_strong_profile(rule_id):
    assert findings_of(audit_sections(good_sections()), rule_id) == []


def test_weak_unused_profile_only_with_include_unused():
    sections = good_sections()
    sections[IKE].append({"name": "legacy", "encryption": ["des"], "hash": ["md5"], "dh_group": ["group1"]})
    default = audit_sections(sections)
    assert findings_of(default, "VPN-CRY-001") == []
    assert [f["object"] for f in findings_of(default, "VPN-IKE-014")] == ["ike_crypto_profile legacy"]
    included = audit_sections(sections, include_unused=True)
    assert [f["object"] for f in findings_of(included, "VPN-CRY-001")] == ["ike_crypto_profile legacy"]


def test_unused_predefined_profiles_never_checked():
    result = audit_sections(good_sections(), include_unused=True)
    assert result["findings"] == []


def test_implicit_default_ike_profile_is_audited():
    """A gateway that names no IKE profile uses 'default', which the file need not contain."""
    root = build(good_sections())
    gateway = find_entry(root, "network/ike/gateway", "gw1")
    ikev2 = gateway.find("protocol/ikev2")
    ikev2.remove(ikev2.find("ike-crypto-profile"))
    result = run(root)
    cry010 = findings_of(result, "VPN-CRY-010")
    assert [f["object"] for f in cry010] == ["ike_gateway gw1"]
    assert cry010[0]["evidence"]["implicit"] is True
    weak = findings_of(result, "VPN-CRY-002")
    assert [f["object"] for f in weak] == ["ike_crypto_profile default"]
    assert weak[0]["evidence"]["predefined"] is True
    assert weak[0]["evidence"]["used_by"] == ["ike_gateway gw1"]


def test_implicit_default_ipsec_profile_on_tunnel():
    root = build(good_sections())
    auto_key = find_entry(root, "network/tunnel/ipsec", "t1").find("auto-key")
    auto_key.remove(auto_key.find("ipsec-crypto-profile"))
    found = findings_of(run(root), "VPN-CRY-010")
    assert [(f["object"], f["evidence"]["implicit"]) for f in found] == [("ipsec_tunnel t1", True)]


def test_ikev2_preferred_falls_back_to_default_ikev1_profile():
    root = build(changed(ike_gateways={"version": "ikev2-preferred"}))
    ikev1 = find_entry(root, "network/ike/gateway", "gw1").find("protocol/ikev1")
    ikev1.remove(ikev1.find("ike-crypto-profile"))
    found = findings_of(run(root), "VPN-CRY-010")
    assert [(f["object"], f["evidence"]["ike_version_slot"]) for f in found] == [("ike_gateway gw1", "ikev1")]


def test_gcm_on_ikev2_gateway_is_fine():
    result = audit_sections(changed(**{IKE: {"encryption": ["aes-256-gcm"], "hash": ["non-auth"]}}))
    assert findings_of(result, "VPN-CRY-015") == []
    assert findings_of(result, "VPN-CRY-003") == []


def test_gcm_with_none_authentication_has_integrity():
    assert findings_of(audit_sections(good_sections()), "VPN-CRY-006") == []


def test_old_aes_spelling_counts_as_strong():
    root = build(changed(**{IKE: {"encryption": ["aes128", "3des"]}}))
    mixed = findings_of(run(root), "VPN-CRY-011")
    assert mixed[0]["evidence"]["encryption"] == {"weak": ["3des"], "strong": ["aes-128-cbc"]}


def test_lifetime_bounds_only_in_nist_and_cnsa():
    sections = changed(**{IKE: {"lifetime": "48h"}, IPSEC: {"lifetime": "12h"}})
    baseline = audit_sections(sections)
    assert findings_of(baseline, "VPN-CRY-012") == []
    nist = audit_sections(sections, pack="nist-800-77r1")
    assert sorted(f["object"] for f in findings_of(nist, "VPN-CRY-012")) == [
        "ike_crypto_profile ike-strong",
        "ipsec_crypto_profile ipsec-strong",
    ]


def test_lifetime_in_seconds_compared_in_seconds():
    """3600 s IPsec against 28800 s IKE is shorter; the units do not matter."""
    sections = changed(**{IKE: {"lifetime": "28800s"}, IPSEC: {"lifetime": "3600s"}})
    assert findings_of(audit_sections(sections, pack="nist-800-77r1"), "VPN-CRY-012") == []


def test_expected_lifetime_mismatch():
    expected = {"ike_gateways": {"gw1": {"ike_lifetime": "24h"}}, "ipsec_tunnels": {"t1": {"ipsec_lifetime": "2h"}}}
    result = audit_sections(good_sections(), expected=expected)
    found = findings_of(result, "VPN-CRY-013")
    assert [(f["severity"], f["object"], f["evidence"]["lifetime"], f["evidence"]["expected_lifetime"]) for f in found] == [
        ("medium", "ike_gateway gw1", "8h", "24h"),
        ("medium", "ipsec_tunnel t1", "1h", "2h"),
    ]


def test_expected_lifetime_matching_is_quiet():
    expected = {"ike_gateways": {"gw1": {"ike_lifetime": "28800s"}}, "ipsec_tunnels": {"t1": {"ipsec_lifetime": 3600}}}
    assert findings_of(audit_sections(good_sections(), expected=expected), "VPN-CRY-013") == []


def test_cnsa_rules_only_in_cnsa_pack():
    sections = changed(**{IKE: {"dh_group": ["group14"]}})
    assert findings_of(audit_sections(sections, pack="nist-800-77r1"), "VPN-CRY-014") == []
    cnsa = findings_of(audit_sections(sections, pack="cnsa"), "VPN-CRY-014")
    assert ("high", "ike_crypto_profile ike-strong") in [(f["severity"], f["object"]) for f in cnsa]
    assert any("group14" in f["message"] for f in cnsa)


def test_cnsa_certificate_and_gcm_pass():
    sections = copy.deepcopy(good_sections())
    sections[IKE][0].update(encryption=["aes-256-gcm"], hash=["non-auth"])
    gateway = sections["ike_gateways"][0]
    gateway.pop("pre_shared_key")
    certificate = {"local_certificate": "fw-p384", "certificate_profile": "vpn-ca", "strict_validation_revocation": True}
    gateway.update(authentication_type="certificate", certificate=certificate)
    assert findings_of(audit_sections(sections, pack="cnsa"), "VPN-CRY-014") == []


def test_cnsa_raises_no_pfs_to_high():
    sections = changed(**{IPSEC: {"dh_group": "no-pfs"}})
    assert findings_of(audit_sections(sections), "VPN-CRY-008")[0]["severity"] == "medium"
    assert findings_of(audit_sections(sections, pack="cnsa"), "VPN-CRY-008")[0]["severity"] == "high"
