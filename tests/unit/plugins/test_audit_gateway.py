"""IKE gateway rules (VPN-IKE-*): each fires on a risky gateway and stays quiet on the good one."""

import copy
import xml.etree.ElementTree as ET

import pytest

from test_audit_support import audit_sections, build, changed, find_entry, findings_of, good_sections, run

GW = "ike_gateways"
DYNAMIC = {"peer_type": "dynamic", "peer_address": None, "passive_mode": True, "cookie_validation": True,
           "peer_id": {"type": "ufqdn", "id": "branch@example.net"}}
CERTIFICATE = {"authentication_type": "certificate", "pre_shared_key": None,
               "certificate": {"local_certificate": "fw", "certificate_profile": "vpn-ca", "strict_validation_revocation": True}}

# (rule, gateway changes, severity in baseline)
TRIGGERS = [
    ("VPN-IKE-001", {"version": "ikev1"}, "medium"),
    ("VPN-IKE-002", {"version": "ikev1", "exchange_mode": "aggressive"}, "high"),
    ("VPN-IKE-005", dict(CERTIFICATE, certificate={"local_certificate": "fw"}), "medium"),
    ("VPN-IKE-005", dict(CERTIFICATE, certificate=dict(CERTIFICATE["certificate"], allow_id_payload_mismatch=True)), "medium"),
    ("VPN-IKE-006", dict(DYNAMIC, peer_id=None), "high"),
    ("VPN-IKE-006", dict(DYNAMIC, peer_id={"type": "ipaddr", "id": "203.0.113.9"}), "high"),
    ("VPN-IKE-008", dict(DYNAMIC, passive_mode=False), "low"),
    ("VPN-IKE-009", {"liveness_check": False}, "medium"),
    ("VPN-IKE-009", {"version": "ikev1", "dpd": False}, "medium"),
    ("VPN-IKE-010", {"peer_address": "10.99.0.1"}, "high"),
    ("VPN-IKE-010", {"peer_address": "100.64.3.4"}, "high"),
    ("VPN-IKE-011", {"version": "ikev1", "fragmentation": True}, "low"),
    ("VPN-IKE-012", dict(DYNAMIC, cookie_validation=False), "low"),
    ("VPN-IKE-014", {"disabled": True}, "info"),
]


@pytest.mark.parametrize("rule_id, edits, severity", TRIGGERS, ids=["%s-%d" % (t[0], i) for i, t in enumerate(TRIGGERS)])
def test_rule_fires_on_gateway(rule_id, edits, severity):
    found = findings_of(audit_sections(changed(ike_gateways=edits)), rule_id)
    assert [(f["severity"], f["object"]) for f in found] == [(severity, "ike_gateway gw1")]


@pytest.mark.parametrize("rule_id", sorted({t[0] for t in TRIGGERS} | {"VPN-IKE-007", "VPN-IKE-013", "VPN-IKE-015"}))
def test_rule_quiet_on_good_gateway(rule_id):
    assert findings_of(audit_sections(good_sections()), rule_id) == []


def test_good_dynamic_and_certificate_gateways_are_quiet():
    dynamic_certificate = dict(CERTIFICATE, **DYNAMIC)
    dynamic_certificate["peer_id"] = {"type": "dn", "id": "CN=branch"}
    for edits in (DYNAMIC, CERTIFICATE, dynamic_certificate):
        result = audit_sections(changed(ike_gateways=edits))
        gateway_rules = [f["rule_id"] for f in result["findings"] if f["object"] == "ike_gateway gw1"]
        assert gateway_rules == [], (edits, result["findings"])


def test_ikev2_preferred_low_only_from_nist():
    sections = changed(ike_gateways={"version": "ikev2-preferred"})
    assert findings_of(audit_sections(sections), "VPN-IKE-001") == []
    assert findings_of(audit_sections(sections, pack="nist-800-77r1"), "VPN-IKE-001")[0]["severity"] == "low"
    assert findings_of(audit_sections(sections, pack="cnsa"), "VPN-IKE-001")[0]["severity"] == "high"


def test_ikev1_high_in_cnsa():
    sections = changed(ike_gateways={"version": "ikev1"})
    assert findings_of(audit_sections(sections, pack="cnsa"), "VPN-IKE-001")[0]["severity"] == "high"


def test_aggressive_mode_ignored_on_ikev2_only_gateway():
    root = build(good_sections())
    gateway = find_entry(root, "network/ike/gateway", "gw1")
    ikev1 = ET.SubElement(gateway.find("protocol"), "ikev1")
    ET.SubElement(ikev1, "exchange-mode").text = "aggressive"
    assert findings_of(run(root), "VPN-IKE-002") == []


def test_passive_with_passive_peer_from_inventory():
    sections = changed(ike_gateways={"passive_mode": True})
    assert findings_of(audit_sections(sections), "VPN-IKE-007") == []
    expected = {"ike_gateways": {"gw1": {"peer_passive": True}}}
    found = findings_of(audit_sections(sections, expected=expected), "VPN-IKE-007")
    assert [(f["severity"], f["evidence"]["expected_peer_passive"]) for f in found] == [("high", True)]


def test_passive_initiator_from_inventory():
    sections = changed(ike_gateways={"passive_mode": True})
    found = findings_of(audit_sections(sections, expected={"ike_gateways": {"gw1": {"initiator": True}}}), "VPN-IKE-007")
    assert [f["object"] for f in found] == ["ike_gateway gw1"]


def test_passive_on_dhcp_spoke_must_initiate():
    sections = changed(ike_gateways={"passive_mode": True, "local_ip": None})
    root = build(sections)
    layer3 = find_entry(root, "network/interface/ethernet", "ethernet1/1").find("layer3")
    layer3.remove(layer3.find("ip"))
    ET.SubElement(layer3, "dhcp-client")
    found = findings_of(run(root), "VPN-IKE-007")
    assert [(f["object"], f["evidence"]["dynamic_local_address"]) for f in found] == [("ike_gateway gw1", True)]


def test_nat_traversal_on_is_quiet_behind_nat():
    sections = changed(ike_gateways={"peer_address": "10.99.0.1", "nat_traversal": True})
    assert findings_of(audit_sections(sections), "VPN-IKE-010") == []


def test_nat_from_inventory_and_private_local_address():
    found = findings_of(audit_sections(good_sections(), expected={"ike_gateways": {"gw1": {"behind_nat": True}}}), "VPN-IKE-010")
    assert "inventory" in found[0]["message"]
    local = findings_of(audit_sections(changed(ike_gateways={"interface": "ethernet1/2", "local_ip": "10.0.0.1/16"})), "VPN-IKE-010")
    assert local[0]["evidence"]["local_addresses"] == ["10.0.0.1"]


def test_several_addresses_without_local_ip():
    root = build(changed(ike_gateways={"local_ip": None}))
    ip = find_entry(root, "network/interface/ethernet", "ethernet1/1").find("layer3/ip")
    ET.SubElement(ip, "entry", name="198.51.100.2/24")
    found = findings_of(run(root), "VPN-IKE-013")
    assert [(f["severity"], f["object"]) for f in found] == [("low", "ike_gateway gw1")]
    single = build(changed(ike_gateways={"local_ip": None}))
    assert findings_of(run(single), "VPN-IKE-013") == []


def test_unused_objects_are_reported():
    sections = copy.deepcopy(good_sections())
    sections["ike_crypto_profiles"].append({"name": "spare-ike"})
    sections["ipsec_crypto_profiles"].append({"name": "spare-ipsec"})
    sections["tunnel_monitor_profiles"].append({"name": "spare-monitor", "action": "fail-over"})
    sections["tunnel_interfaces"].append({"name": "tunnel.9", "zone": "vpn", "virtual_router": "default"})
    sections["ike_gateways"].append(dict(sections["ike_gateways"][0], name="gw-spare", peer_address="203.0.113.99"))
    found = findings_of(audit_sections(sections), "VPN-IKE-014")
    assert sorted(f["object"] for f in found) == [
        "ike_crypto_profile spare-ike",
        "ike_gateway gw-spare",
        "ipsec_crypto_profile spare-ipsec",
        "tunnel_interface tunnel.9",
        "tunnel_monitor_profile spare-monitor",
    ]
    assert {f["severity"] for f in found} == {"info"}


def test_dynamic_gateways_on_one_interface_share_profile():
    sections = copy.deepcopy(good_sections())
    sections["ike_crypto_profiles"].append({"name": "ike-other", "encryption": ["aes-256-cbc"], "hash": ["sha256"], "dh_group": ["group19"]})
    first = dict(sections["ike_gateways"][0], **DYNAMIC)
    second = dict(first, name="gw2", peer_id={"type": "ufqdn", "id": "b2@example.net"}, ike_crypto_profile="ike-other")
    sections["ike_gateways"] = [first, second]
    sections["ipsec_tunnels"].append(dict(sections["ipsec_tunnels"][0], name="t2", ike_gateway="gw2"))
    found = findings_of(audit_sections(sections), "VPN-IKE-015")
    assert sorted(f["object"] for f in found) == ["ike_gateway gw1", "ike_gateway gw2"]
    sections["ike_gateways"][1]["ike_crypto_profile"] = "ike-strong"
    assert findings_of(audit_sections(sections), "VPN-IKE-015") == []
