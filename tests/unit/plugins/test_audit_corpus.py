"""Every public configuration in the corpus audits without errors, with findings that fit its content.

Whole exports (``*.xml``) are audited as they are. The sub-directories contain skillet
snippets with Jinja placeholders. Each snippet is rendered with made-up values and placed
into one ``<config>`` at the xpath its skillet sets it, so the skillet's VPN is audited whole.
"""

import glob
import os
import xml.etree.ElementTree as ET

import jinja2
import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _audit as audit
from ansible_collections.ipsec.panos.plugins.module_utils._audit import core

CORPUS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "corpus", "panos-configs"))
FULL_CONFIGS = sorted(glob.glob(os.path.join(CORPUS, "*.xml")))
SNIPPET_DIRS = sorted(path for path in glob.glob(os.path.join(CORPUS, "*")) if os.path.isdir(path))

pytestmark = pytest.mark.skipif(not FULL_CONFIGS, reason="corpus not found at %s" % CORPUS)

# Values for the skillets' placeholders: two tunnels to two cloud peers from ethernet1/1.
SNIPPET_VALUES = {
    "aws_vpn_name": "cloud", "gcp_vpn_name": "cloud",
    "panos_tunnel_1": "tunnel.1", "panos_tunnel_2": "tunnel.2",
    "panos_tunnel_ip_1": "169.254.10.2/30", "panos_tunnel_ip_2": "169.254.11.2/30",
    "panos_ipsec_interface": "ethernet1/1", "panos_virtualrouter": "default",
    "aws_vgw_ip_1": "198.51.100.10", "aws_vgw_ip_2": "198.51.100.11",
    "gcp_vgw_ip_1": "198.51.100.10", "gcp_vgw_ip_2": "198.51.100.11",
    "aws_bgp_peer_1": "169.254.10.1", "aws_bgp_peer_2": "169.254.11.1",
    "gcp_bgp_peer_1": "169.254.10.1", "gcp_bgp_peer_2": "169.254.11.1",
    "aws_bgp_as": "64512", "gcp_bgp_as": "64513", "panos_bgp_as": "65001", "panos_bgp_peer": "203.0.113.5",
    "fw_public_ip": "203.0.113.5",
    "panos_ike_presharedkey_1": "Corpus-psk-1", "panos_ike_presharedkey_2": "Corpus-psk-2",
}
# Where each snippet goes, relative to the device entry: the usual place of its object type.
SNIPPET_PLACES = {
    "ikecrypto.xml": "network/ike/crypto-profiles/ike-crypto-profiles",
    "ipseccrypto.xml": "network/ike/crypto-profiles/ipsec-crypto-profiles",
    "ikeprofile.xml": "network/ike/gateway",
    "ipsecprofile.xml": "network/tunnel/ipsec",
    "interface.xml": "network/interface",
    "routing.xml": "network/virtual-router",
    "zone.xml": "vsys/entry[vsys1]/zone",
}


def audit_text(text, pack="baseline"):
    return audit.run_audit({"running_config": text, "pack": pack})


@pytest.mark.parametrize("pack", core.PACKS)
@pytest.mark.parametrize("path", FULL_CONFIGS, ids=os.path.basename)
def test_corpus_file_audits(path, pack):
    with open(path, encoding="utf-8") as handle:
        result = audit_text(handle.read(), pack)
    assert [f for f in result["findings"] if f["rule_id"] == "VPN-AUD-003"] == []
    for finding in result["findings"]:
        assert finding["fix"]
        assert finding["message"]
        assert finding["source"]


def test_iron_skillet_has_no_vpn_findings():
    """A clean baseline with only the predefined profiles: nothing uses them, and the audit reports that it found no VPN."""
    with open(os.path.join(CORPUS, "iron-skillet__sample-mgmt-static__iron_skillet_panos_full.xml"), encoding="utf-8") as handle:
        result = audit_text(handle.read(), "cnsa")
    assert [f["rule_id"] for f in result["findings"]] == ["VPN-AUD-004"]
    assert result["passed"] is True


def test_stage00_unused_profiles_and_interfaces_only():
    with open(os.path.join(CORPUS, "pan-os-php__appid-toolbox-stage00.xml"), encoding="utf-8") as handle:
        result = audit.run_audit({"running_config": handle.read(), "include_unused": False})
    assert {f["rule_id"] for f in result["findings"]} == {"VPN-IKE-014", "VPN-AUD-004"}
    objects = {f["object"] for f in result["findings"]}
    assert "ipsec_crypto_profile esp-3des-sha1-g2-3600" in objects
    assert "tunnel_interface tunnel.21" in objects
    assert not [o for o in objects if o.endswith(" default")]


def test_stage00_weak_profiles_reported_by_default():
    with open(os.path.join(CORPUS, "pan-os-php__appid-toolbox-stage00.xml"), encoding="utf-8") as handle:
        result = audit.run_audit({"running_config": handle.read()})
    found = {(f["rule_id"], f["object"]) for f in result["findings"]}
    rules = {rule for rule, _object in found}
    assert "VPN-CRY-002" in rules  # 3DES in an IKE profile
    assert "VPN-CRY-003" in rules  # MD5 or SHA-1 hash
    assert "VPN-CRY-004" in rules  # DH group 2
    assert "VPN-CRY-005" in rules  # 3DES in ESP
    assert ("VPN-CRY-005", "ipsec_crypto_profile esp-3des-sha1-g2-3600") in found
    weak = [f for f in result["findings"] if f["rule_id"] in ("VPN-CRY-003", "VPN-CRY-006")]
    assert any("md5" in str(f["evidence"]).lower() for f in weak)
    assert any("group2" in str(f["evidence"]) for f in result["findings"] if f["rule_id"] == "VPN-CRY-004")


def test_best_practices_pre_70_gateway_on_default_profiles():
    with open(os.path.join(CORPUS, "pan-os-php__policy-best-practices.xml"), encoding="utf-8") as handle:
        result = audit_text(handle.read())
    found = {(f["rule_id"], f["object"]) for f in result["findings"]}
    assert ("VPN-CRY-010", "ike_gateway SuperPatnerCorp") in found
    assert ("VPN-CRY-010", "ipsec_tunnel SuperPartner-ipsec") in found
    assert ("VPN-IKE-001", "ike_gateway SuperPatnerCorp") in found
    assert ("VPN-NET-001", "ipsec_tunnel SuperPartner-ipsec") in found
    assert result["panos_version"] == "6.1.0"


def snippet_config(directory):
    """Render a skillet directory's snippets and place them into one configuration."""
    root = ET.fromstring('<config version="10.1.0"><devices><entry name="localhost.localdomain"><network/>'
                         '<vsys><entry name="vsys1"/></vsys></entry></devices></config>')
    device = root.find("devices/entry")
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    for name, place in SNIPPET_PLACES.items():
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as handle:
            text = environment.from_string(handle.read()).render(**SNIPPET_VALUES)
        parent = device.find("vsys/entry") if place.startswith("vsys/") else device
        for step in place.split("/")[2 if place.startswith("vsys/") else 0:]:
            child = parent.find(step)
            parent = child if child is not None else ET.SubElement(parent, step)
        for element in ET.fromstring("<snippet>%s</snippet>" % text):
            parent.append(element)
    ethernet = ET.SubElement(ET.SubElement(device.find("network/interface"), "ethernet"), "entry", name="ethernet1/1")
    ET.SubElement(ET.SubElement(ET.SubElement(ethernet, "layer3"), "ip"), "entry", name="203.0.113.5/24")
    return ET.tostring(root, encoding="unicode")


@pytest.mark.parametrize("directory", SNIPPET_DIRS, ids=os.path.basename)
def test_skillet_vpn_audits(directory):
    result = audit_text(snippet_config(directory), "nist-800-77r1")
    rules = {f["rule_id"] for f in result["findings"]}
    assert "VPN-AUD-003" not in rules
    # Both skillets use SHA-1 and DH group 2 in phase 1 and 2.
    assert {"VPN-CRY-003", "VPN-CRY-004", "VPN-CRY-009"} <= rules
    # Two tunnels, each over its own tunnel interface with an address and BGP: wired, numbered, routed by BGP.
    assert not rules & {"VPN-TUN-001", "VPN-TUN-003", "VPN-NET-001"}
    assert "Corpus-psk" not in repr(result)


def test_aws_skillet_is_ikev1_gcp_is_ikev2():
    by_name = {os.path.basename(d): d for d in SNIPPET_DIRS}
    aws = audit_text(snippet_config(by_name["cestebanez91__AWS-VGW-PANOS"]))
    gcp = audit_text(snippet_config(by_name["cestebanez91__GCP-VPN-PANOS"]), "nist-800-77r1")
    assert {f["object"] for f in aws["findings"] if f["rule_id"] == "VPN-IKE-001"} == {"ike_gateway cloud-IKE-tunnel.1", "ike_gateway cloud-IKE-tunnel.2"}
    assert [f for f in gcp["findings"] if f["rule_id"] == "VPN-IKE-001"] == []
    # 36000 s IKE and 10800 s IPsec lifetimes: within 24 hours, under 8 hours, IPsec shorter.
    assert [f for f in gcp["findings"] if f["rule_id"] == "VPN-CRY-012"] == []


def test_gcp_skillet_ikev2_uses_default():
    """The GCP skillet names its IKE profile under protocol/ikev1 of IKEv2 gateways, so IKEv2 uses 'default'."""
    by_name = {os.path.basename(d): d for d in SNIPPET_DIRS}
    gcp = audit_text(snippet_config(by_name["cestebanez91__GCP-VPN-PANOS"]))
    defaults = [f for f in gcp["findings"] if f["rule_id"] == "VPN-CRY-010"]
    assert {(f["object"], f["evidence"]["implicit"]) for f in defaults} == {
        ("ike_gateway cloud-IKE-tunnel.1", True),
        ("ike_gateway cloud-IKE-tunnel.2", True),
    }


def test_empty_configuration_reported():
    result = audit_text("<config/>")
    assert [f["rule_id"] for f in result["findings"]] == ["VPN-AUD-004"]
    assert result["findings"][0]["severity"] == "info"


def test_missing_vsys_rejected():
    from ansible_collections.ipsec.panos.plugins.module_utils._engine import ValidationError

    text = "<config><devices><entry name='localhost.localdomain'><vsys><entry name='vsys1'/></vsys></entry></devices></config>"
    with pytest.raises(ValidationError, match="vsys: 'vsys9' not found in this configuration, which has vsys1"):
        audit.run_audit({"running_config": text, "vsys": "vsys9"})


def test_expected_for_unknown_gateway_rejected():
    from ansible_collections.ipsec.panos.plugins.module_utils._engine import ValidationError

    with pytest.raises(ValidationError, match="expected.ike_gateways.gw-nope: no such object in the configuration"):
        audit.run_audit({"running_config": "<config/>", "expected": {"ike_gateways": {"gw-nope": {"behind_nat": True}}}})
