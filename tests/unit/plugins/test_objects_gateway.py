"""IKE gateways: authentication, identities, local address, NAT traversal, IKE versions."""

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _resources as resources
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml

from _objects import CONTEXT, empty_config, encrypt_keys, plan, read, run

PSK_GATEWAY = {
    "name": "gw1",
    "interface": "ethernet1/1",
    "peer_address": "198.51.100.2",
    "pre_shared_key": "lab-secret-1",
    "ike_crypto_profile": "p-ike2",
}
CERT_GATEWAY = {
    "name": "gw-cert",
    "interface": "ethernet1/1",
    "peer_address": "198.51.100.3",
    "authentication_type": "certificate",
    "certificate": {
        "local_certificate": "fw-cert",
        "certificate_profile": "partner-ca",
        "hash_and_url": True,
        "base_url": "http://certs.example.net/",
        "use_management_as_source": True,
        "allow_id_payload_mismatch": True,
        "strict_validation_revocation": True,
    },
    "local_id": {"type": "fqdn", "id": "fw.example.com"},
    "peer_id": {"type": "dn", "id": "CN=vpn.partner.example", "matching": "wildcard"},
    "ike_crypto_profile": "p-ike2",
}


def entry_of(result):
    return result.write_ops[0].element


def run_twice(item, config=None, state="merged"):
    config = config if config is not None else empty_config()
    first = run(resources.IkeGateway, [item], config, state=state)
    encrypt_keys(config)
    second = run(resources.IkeGateway, [item], config, state=state)
    return config, first, second


def test_ikev2_gateway_never_carries_ikev1_block():
    config, first, second = run_twice(dict(PSK_GATEWAY, version="ikev2"))
    entry = entry_of(first)
    assert xml.text_of(entry, "protocol/version") == "ikev2"
    assert xml.text_of(entry, "protocol/ikev2/ike-crypto-profile") == "p-ike2"
    assert xml.find_path(entry, "protocol/ikev1") is None
    assert xml.find_path(entry, "protocol-common/fragmentation") is None
    assert second.ops == []


def test_ikev1_gateway_never_carries_ikev2_block():
    config, first, second = run_twice(dict(PSK_GATEWAY, version="ikev1", fragmentation=True))
    entry = entry_of(first)
    assert xml.text_of(entry, "protocol/ikev1/ike-crypto-profile") == "p-ike2"
    assert xml.text_of(entry, "protocol-common/fragmentation/enable") == "yes"
    assert xml.find_path(entry, "protocol/ikev2") is None
    assert second.ops == []


def test_ikev2_preferred_carries_both_profiles():
    entry = entry_of(plan(resources.IkeGateway(), [dict(PSK_GATEWAY, version="ikev2-preferred")]))
    assert xml.text_of(entry, "protocol/ikev1/ike-crypto-profile") == "p-ike2"
    assert xml.text_of(entry, "protocol/ikev2/ike-crypto-profile") == "p-ike2"


@pytest.mark.parametrize(
    "version, option, value",
    [("ikev2", "fragmentation", True), ("ikev2", "exchange_mode", "main"), ("ikev1", "liveness_interval", 10)],
)
def test_option_of_other_ike_version_warned_not_written(version, option, value):
    result = plan(resources.IkeGateway(), [dict(PSK_GATEWAY, version=version, **{option: value})])
    assert any(warning.startswith("config[0].%s is ignored" % option) for warning in result.warnings)
    entry = entry_of(result)
    assert xml.find_path(entry, "protocol/%s" % ("ikev1" if version == "ikev2" else "ikev2")) is None
    assert xml.find_path(entry, "protocol-common/fragmentation") is None


def test_psk_with_peer_id_needs_no_certificate_option():
    item = dict(PSK_GATEWAY, peer_id={"type": "fqdn", "id": "peer.example"}, local_id={"type": "ipaddr", "id": "203.0.113.10"})
    config, first, second = run_twice(item)
    entry = entry_of(first)
    assert xml.text_of(entry, "peer-id/type") == "fqdn"
    assert xml.text_of(entry, "peer-id/id") == "peer.example"
    assert xml.find_path(entry, "peer-id/matching") is None
    assert xml.find_path(entry, "authentication/certificate") is None
    assert xml.text_of(entry, "local-id/id") == "203.0.113.10"
    assert second.ops == []


@pytest.mark.parametrize(
    "extra, path",
    [
        ({"peer_id": {"type": "fqdn", "id": "peer.example", "matching": "exact"}}, "config[0].peer_id.matching"),
        ({"certificate": {"local_certificate": "c"}}, "config[0].certificate"),
        ({"authentication_type": "pre-shared-key", "certificate": {"allow_id_payload_mismatch": True}}, "config[0].certificate"),
    ],
)
def test_certificate_option_with_psk_rejected(extra, path):
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeGateway(), [dict(PSK_GATEWAY, **extra)])
    assert "%s: only used with" % path in str(error.value)


def test_certificate_option_merged_onto_psk_gateway_rejected():
    config, _first, _second = run_twice(PSK_GATEWAY)
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeGateway(), [{"name": "gw1", "certificate": {"local_certificate": "c"}}], config)
    assert "config[0].certificate: only used with authentication_type certificate" in str(error.value)


def test_peer_id_without_matching_clears_it():
    """A pre-shared key gateway that another tool left with peer-id/matching is fixed by giving the peer ID."""
    config, _first, _second = run_twice(dict(PSK_GATEWAY, peer_id={"type": "fqdn", "id": "peer.example"}))
    entry = config.find(".//gateway/entry[@name='gw1']")
    xml.ensure_path(entry, "peer-id/matching").text = "exact"
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeGateway(), [{"name": "gw1", "comment": "x"}], config)
    assert "config[0].peer_id.matching: only used with certificate authentication" in str(error.value)
    result = run(resources.IkeGateway, [{"name": "gw1", "peer_id": {"type": "fqdn", "id": "peer.example"}}], config)
    assert xml.find_path(entry_of(result), "peer-id/matching") is None


def test_psk_with_certificate_authentication_rejected():
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeGateway(), [dict(CERT_GATEWAY, pre_shared_key="k")])
    assert "config[0].pre_shared_key: only used with authentication_type pre-shared-key" in str(error.value)


def test_certificate_gateway_round_trips():
    config, first, second = run_twice(CERT_GATEWAY)
    entry = entry_of(first)
    assert xml.find_path(entry, "authentication/pre-shared-key") is None
    assert xml.text_of(entry, "authentication/certificate/local-certificate/name") == "fw-cert"
    assert xml.text_of(entry, "authentication/certificate/local-certificate/hash-and-url/enable") == "yes"
    assert xml.text_of(entry, "authentication/certificate/local-certificate/hash-and-url/base-url") == "http://certs.example.net/"
    assert xml.text_of(entry, "authentication/certificate/certificate-profile") == "partner-ca"
    assert xml.text_of(entry, "authentication/certificate/use-management-as-source") == "yes"
    assert xml.text_of(entry, "authentication/certificate/allow-id-payload-mismatch") == "yes"
    assert xml.text_of(entry, "authentication/certificate/strict-validation-revocation") == "yes"
    assert xml.text_of(entry, "peer-id/matching") == "wildcard"
    assert second.ops == []
    gathered = resources.IkeGateway().display(read(resources.IkeGateway(), config)["gw-cert"].item, CONTEXT)
    assert gathered["certificate"]["local_certificate"] == "fw-cert"
    assert "pre_shared_key" not in gathered


def test_certificate_authentication_needs_local_certificate():
    item = dict(CERT_GATEWAY, certificate={"certificate_profile": "partner-ca"})
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeGateway(), [item])
    assert "config[0].certificate.local_certificate: missing" in str(error.value)


def test_switch_from_psk_to_certificate_drops_key():
    config, _first, _second = run_twice(PSK_GATEWAY)
    item = dict(CERT_GATEWAY, name="gw1")
    entry = entry_of(run(resources.IkeGateway, [item], config))
    assert xml.find_path(entry, "authentication/pre-shared-key") is None
    assert xml.text_of(entry, "authentication/certificate/local-certificate/name") == "fw-cert"


def test_hash_and_url_needs_base_url():
    item = dict(CERT_GATEWAY, certificate={"local_certificate": "c", "hash_and_url": True})
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeGateway(), [item])
    assert "config[0].certificate.base_url: missing" in str(error.value)


@pytest.mark.parametrize(
    "identity",
    [
        {"type": "ipaddr", "id": "203.0.113.10"},
        {"type": "fqdn", "id": "fw.example.com"},
        {"type": "ufqdn", "id": "vpn@example.com"},
        {"type": "keyid", "id": "0a1b2c3d"},
        {"type": "dn", "id": "CN=fw,O=Example"},
    ],
    ids=lambda identity: identity["type"],
)
def test_every_identity_type_round_trips(identity):
    item = dict(PSK_GATEWAY, local_id=identity, peer_id=identity)
    config, first, second = run_twice(item)
    entry = entry_of(first)
    for element in ("local-id", "peer-id"):
        assert xml.text_of(entry, "%s/type" % element) == identity["type"]
        assert xml.text_of(entry, "%s/id" % element) == identity["id"]
    assert second.ops == []


@pytest.mark.parametrize(
    "identity, fragment",
    [
        ({"type": "ipaddr", "id": "not-an-ip"}, "config[0].local_id.id: 'not-an-ip' is not a valid IPv4 or IPv6 address"),
        ({"type": "fqdn", "id": "bad_name!"}, "config[0].local_id.id: 'bad_name!' is not a valid FQDN"),
        ({"type": "ufqdn", "id": "example.com"}, "config[0].local_id.id: 'example.com' is not a user FQDN"),
        ({"type": "keyid", "id": "k" * 1025}, "config[0].local_id.id: is 1025 characters long"),
    ],
)
def test_invalid_identity_rejected(identity, fragment):
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeGateway(), [dict(PSK_GATEWAY, local_id=identity)])
    assert fragment in str(error.value)


def test_no_identities_render_nothing_and_read_back_none():
    config, first, second = run_twice(PSK_GATEWAY)
    entry = entry_of(first)
    assert entry.find("local-id") is None
    assert entry.find("peer-id") is None
    item = read(resources.IkeGateway(), config)["gw1"].item
    assert item["local_id"] is None
    assert item["peer_id"] is None
    assert second.ops == []


def test_interface_alone_renders_no_local_ip():
    config, first, second = run_twice(PSK_GATEWAY)
    entry = entry_of(first)
    assert [child.tag for child in entry.find("local-address")] == ["interface"]
    item = read(resources.IkeGateway(), config)["gw1"].item
    assert item["local_ip"] is None
    assert item["local_ip_type"] is None
    assert second.ops == []


@pytest.mark.parametrize("local_ip_type, tag", [(None, "ip"), ("ip", "ip"), ("floating-ip", "floating-ip")])
def test_local_address_variants(local_ip_type, tag):
    item = dict(PSK_GATEWAY, local_ip="198.51.100.1/24")
    if local_ip_type:
        item["local_ip_type"] = local_ip_type
    config, first, second = run_twice(item)
    entry = entry_of(first)
    assert xml.text_of(entry, "local-address/%s" % tag) == "198.51.100.1/24"
    assert len(entry.find("local-address")) == 2
    assert second.ops == []


def test_switch_to_floating_ip_replaces_ip():
    config, _first, _second = run_twice(dict(PSK_GATEWAY, local_ip="198.51.100.1/24"))
    entry = entry_of(run(resources.IkeGateway, [{"name": "gw1", "local_ip": "198.51.100.9/24", "local_ip_type": "floating-ip"}], config))
    assert entry.find("local-address/ip") is None
    assert xml.text_of(entry, "local-address/floating-ip") == "198.51.100.9/24"


def test_local_ip_type_without_address_rejected():
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeGateway(), [dict(PSK_GATEWAY, local_ip_type="floating-ip")])
    assert "config[0].local_ip: missing" in str(error.value)


def test_nat_traversal_in_protocol_common():
    item = dict(PSK_GATEWAY, version="ikev1", nat_traversal=True, nat_traversal_keepalive=20, nat_traversal_udp_checksum=True,
                fragmentation=True, dpd_interval=5, dpd_retry=5)
    config, first, second = run_twice(item)
    entry = entry_of(first)
    assert xml.text_of(entry, "protocol-common/nat-traversal/enable") == "yes"
    assert xml.text_of(entry, "protocol-common/nat-traversal/keep-alive-interval") == "20"
    assert xml.text_of(entry, "protocol-common/nat-traversal/udp-checksum-enable") == "yes"
    assert xml.text_of(entry, "protocol-common/fragmentation/enable") == "yes"
    assert xml.text_of(entry, "protocol/ikev1/dpd/interval") == "5"
    assert second.ops == []


def test_nat_traversal_on_ikev2_gateway():
    config, first, second = run_twice(dict(PSK_GATEWAY, nat_traversal=True))
    assert xml.text_of(entry_of(first), "protocol-common/nat-traversal/enable") == "yes"
    assert second.ops == []


@pytest.mark.parametrize("value", [9, 3601])
def test_nat_keepalive_range(value):
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeGateway(), [dict(PSK_GATEWAY, nat_traversal_keepalive=value)])
    assert "config[0].nat_traversal_keepalive: %d is out of range; allowed is 10 to 3600 seconds" % value in str(error.value)


def test_false_booleans_written_and_compared():
    item = dict(PSK_GATEWAY, passive_mode=False, nat_traversal=False, enable_ipv6=False, disabled=False, liveness_check=False)
    config, first, second = run_twice(item)
    entry = entry_of(first)
    assert xml.text_of(entry, "protocol-common/passive-mode") == "no"
    assert xml.text_of(entry, "ipv6") == "no"
    assert xml.text_of(entry, "protocol/ikev2/dpd/enable") == "no"
    assert second.ops == []
    changed = run(resources.IkeGateway, [{"name": "gw1", "enable_ipv6": True, "comment": "to branch"}], config)
    entry = entry_of(changed)
    assert xml.text_of(entry, "ipv6") == "yes"
    assert xml.text_of(entry, "comment") == "to branch"


def test_passive_dynamic_peer_and_fqdn_peer():
    dynamic = dict(PSK_GATEWAY, name="gw-dyn", peer_type="dynamic", passive_mode=True, peer_id={"type": "fqdn", "id": "branch9.example.net"})
    del dynamic["peer_address"]
    fqdn = dict(PSK_GATEWAY, name="gw-fqdn", peer_type="fqdn", peer_address="vpn.example.net")
    config = empty_config()
    first = run(resources.IkeGateway, [dynamic, fqdn], config)
    encrypt_keys(config)
    entries = {op.element.get("name"): op.element for op in first.write_ops}
    assert entries["gw-dyn"].find("peer-address/dynamic") is not None
    assert xml.text_of(entries["gw-dyn"], "protocol-common/passive-mode") == "yes"
    assert xml.text_of(entries["gw-fqdn"], "peer-address/fqdn") == "vpn.example.net"
    assert run(resources.IkeGateway, [dynamic, fqdn], config).ops == []


@pytest.mark.parametrize(
    "extra, fragment",
    [
        ({"exchange_mode": "main", "peer_id": {"type": "fqdn", "id": "b.example"}}, "config[0].exchange_mode: main does not work"),
        ({"exchange_mode": "aggressive"}, "config[0].peer_id: missing"),
        ({}, "config[0].peer_id: missing"),
    ],
)
def test_ikev1_dynamic_peer_rules(extra, fragment):
    item = dict(PSK_GATEWAY, version="ikev1", peer_type="dynamic", **extra)
    del item["peer_address"]
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeGateway(), [item])
    assert fragment in str(error.value)


def test_ikev1_dynamic_peer_aggressive_accepted():
    item = dict(PSK_GATEWAY, version="ikev1", peer_type="dynamic", exchange_mode="aggressive", peer_id={"type": "fqdn", "id": "b.example"})
    del item["peer_address"]
    assert plan(resources.IkeGateway(), [item]).ops


def profiles_config(encryption):
    """A device with IKE crypto profile p-ike, written as another tool may have left it."""
    config = empty_config()
    network = config.find("devices/entry/network")
    profile = xml.ensure_path(network, "ike/crypto-profiles/ike-crypto-profiles")
    entry = xml.ET.SubElement(profile, "entry", name="p-ike")
    for cipher in encryption:
        xml.ET.SubElement(xml.ensure_path(entry, "encryption"), "member").text = cipher
    return config


@pytest.mark.parametrize("encryption", [["aes-256-gcm"], ["aes-256-cbc", "aes-128-gcm"]])
def test_ikev1_gateway_with_gcm_profile_rejected(encryption):
    config = profiles_config(encryption)
    item = dict(PSK_GATEWAY, version="ikev1", ike_crypto_profile="p-ike")
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeGateway(), [item], config)
    message = str(error.value)
    assert "config[0].ike_crypto_profile: IKE crypto profile 'p-ike' proposes" in message
    assert "IKEv1 does not support" in message


def test_ikev2_gateway_with_gcm_profile_accepted():
    config = profiles_config(["aes-256-gcm"])
    assert plan(resources.IkeGateway(), [dict(PSK_GATEWAY, ike_crypto_profile="p-ike")], config).ops


def test_gateway_read_includes_profiles_in_one_union():
    xpaths = resources.IkeGateway().read_xpaths(engine.Scope())
    assert xpaths[1].endswith("/network/ike/crypto-profiles/ike-crypto-profiles")
    assert xpaths[2].endswith("/network/interface/ethernet")
    assert xpaths[4].endswith("/network/virtual-router")


def test_switch_to_ikev1_with_gcm_profile_rejected():
    config = profiles_config(["aes-256-gcm"])
    run(resources.IkeGateway, [dict(PSK_GATEWAY, ike_crypto_profile="p-ike")], config)
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IkeGateway(), [{"name": "gw1", "version": "ikev1"}], config)
    assert "config[0].ike_crypto_profile" in str(error.value)


def test_psk_round_trip_not_resent():
    config, first, second = run_twice(PSK_GATEWAY)
    assert "lab-secret-1" not in repr([op.describe() for op in first.ops])
    assert second.ops == []
    changed = run(resources.IkeGateway, [dict(PSK_GATEWAY, comment="x")], config)
    assert "lab-secret-1" not in changed.multi_config_text()
