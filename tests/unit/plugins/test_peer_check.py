"""Comparing two tunnel ends: one test per kind of disagreement."""

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _peer_check as peer_check
from ansible_collections.ipsec.panos.plugins.module_utils._secrets import fingerprint

IKE = {"encryption": ["aes-256-cbc"], "hash": ["sha256"], "dh_group": ["group20"], "lifetime": 28800}
ESP = {"encryption": ["aes-256-gcm"], "authentication": ["none"], "dh_group": "group20", "lifetime": 3600}


def end(name, local, peer, **settings):
    values = dict(version="ikev2", local_address=local, peer_address=peer, pre_shared_key="secret-key", ike=dict(IKE), esp=dict(ESP))
    values.update(settings)
    return peer_check.TunnelEnd("test", name, "gw-" + name, **values)


def hub(**settings):
    return end("hub", "198.51.100.1", "203.0.113.11", **settings)


def spoke(**settings):
    return end("spoke", "203.0.113.11", "198.51.100.1", **settings)


def statuses(left, right):
    return {check["check"]: check["status"] for check in peer_check.compare(left, right)}


def mismatches(left, right):
    return peer_check.summarize(peer_check.compare(left, right))["mismatches"]


def test_agreeing_ends_match():
    assert mismatches(hub(), spoke()) == []
    assert peer_check.summarize(peer_check.compare(hub(), spoke()))["warnings"] == []


@pytest.mark.parametrize(
    "left, right, expected",
    [
        (hub(version="ikev1"), spoke(version="ikev2"), ["ike_version"]),
        (hub(ike=dict(IKE, dh_group=["group14"])), spoke(), ["ike_proposals"]),
        (hub(ike=dict(IKE, hash=["sha1"])), spoke(), ["ike_proposals"]),
        (hub(esp=dict(ESP, encryption=["aes-128-cbc"], authentication=["sha256"])), spoke(), ["esp_proposals"]),
        (hub(esp=dict(ESP, dh_group="no-pfs")), spoke(), ["pfs"]),
        (hub(pre_shared_key="other-key"), spoke(), ["pre_shared_key"]),
        (hub(passive=True), spoke(passive=True), ["initiator"]),
        (hub(proxy_ids=[{"local": "10.0.0.0/16", "remote": "10.11.0.0/24"}]), spoke(), ["proxy_ids"]),
        (hub(peer_id={"type": "fqdn", "id": "spoke.example.net"}), spoke(), ["peer_end_id"]),
        (hub(peer_address="203.0.113.99"), spoke(), ["addresses"]),
    ],
)
def test_each_disagreement_reported(left, right, expected):
    assert mismatches(left, right) == expected


def test_ikev1_ignores_gcm_in_ike_profile():
    gcm_only = dict(IKE, encryption=["aes-256-gcm"], hash=["non-auth"])
    assert mismatches(hub(version="ikev1", ike=gcm_only), spoke(version="ikev1", ike=gcm_only)) == ["ike_proposals"]
    assert mismatches(hub(ike=gcm_only), spoke(ike=gcm_only)) == []


def test_ikev2_preferred_falls_back_with_warning():
    result = statuses(hub(version="ikev2-preferred"), spoke(version="ikev1"))
    assert result["ike_version"] == "warning"


def test_pfs_mismatch_explains_ikev2_rekey():
    check = next(c for c in peer_check.compare(hub(esp=dict(ESP, dh_group="group19")), spoke()) if c["check"] == "pfs")
    assert "drops at the first rekey" in check["message"]


def test_mirrored_proxy_ids_match():
    left = hub(proxy_ids=[{"local": "10.0.0.0/16", "remote": "10.11.0.0/24", "protocol": "tcp", "local_port": 0, "remote_port": 443}])
    right = spoke(proxy_ids=[{"local": "10.11.0.0/24", "remote": "10.0.0.0/16", "protocol": "tcp", "local_port": 443, "remote_port": 0}])
    assert statuses(left, right)["proxy_ids"] == "match"


def test_proxy_id_host_address_equals_slash_32():
    left = hub(proxy_ids=[{"local": "10.0.0.1", "remote": "10.11.0.0/24"}])
    right = spoke(proxy_ids=[{"local": "10.11.0.0/24", "remote": "10.0.0.1/32"}])
    assert statuses(left, right)["proxy_ids"] == "match"


def test_encrypted_keys_compared_by_fingerprint():
    stored = "-AQ==" + fingerprint("secret-key") + "cipher-one"
    other = "-AQ==" + fingerprint("secret-key") + "cipher-two"
    assert statuses(hub(pre_shared_key=stored), spoke(pre_shared_key=other))["pre_shared_key"] == "match"
    assert statuses(hub(pre_shared_key=stored), spoke(pre_shared_key="secret-key"))["pre_shared_key"] == "match"
    assert statuses(hub(pre_shared_key=stored), spoke(pre_shared_key="wrong"))["pre_shared_key"] == "mismatch"


def test_keys_never_in_results():
    for check in peer_check.compare(hub(pre_shared_key="topsecret1"), spoke(pre_shared_key="topsecret2")):
        assert "topsecret" not in str(check)


def test_peer_id_defaults_to_local_address():
    left = hub(peer_id={"type": "ipaddr", "id": "203.0.113.11"})
    assert statuses(left, spoke())["peer_end_id"] == "match"


def test_wildcard_peer_id():
    left = hub(peer_id={"type": "fqdn", "id": "*.branches.example.net", "matching": "wildcard"})
    right = spoke(local_id={"type": "fqdn", "id": "b1.branches.example.net"})
    assert statuses(left, right)["peer_end_id"] == "match"


@pytest.mark.parametrize(
    "left, right, check",
    [
        (hub(ike=dict(IKE, lifetime=86400)), spoke(), "ike_lifetime"),
        (hub(esp=dict(ESP, lifetime=7200)), spoke(), "ipsec_lifetime"),
        (hub(liveness=5), spoke(), "liveness"),
        (hub(nat_traversal=True), spoke(), "nat_traversal"),
    ],
)
def test_warnings_do_not_break_consistency(left, right, check):
    summary = peer_check.summarize(peer_check.compare(left, right))
    assert summary["consistent"] is True
    assert summary["warnings"] == [check]


def test_pairing_by_address():
    first, second = hub(), end("hub2", "198.51.100.1", "203.0.113.12")
    pairs, unpaired_left, unpaired_right = peer_check.pair_ends([first, second], [spoke()])
    assert [(a.tunnel, b.tunnel) for a, b in pairs] == [("hub", "spoke")]
    assert [e.tunnel for e in unpaired_left] == ["hub2"]
    assert unpaired_right == []


def test_predefined_profile_used_when_absent():
    objects = {
        "ike_gateways": {"gw": {"name": "gw", "version": "ikev2", "local_ip": "198.51.100.1/24", "peer_address": "203.0.113.11"}},
        "ipsec_tunnels": {"t": {"name": "t", "ike_gateway": "gw"}},
    }
    (built,) = peer_check.ends_from_config("device", objects)
    assert built.ike["dh_group"] == ["group2"]
    assert built.esp["encryption"] == ["aes-128-cbc", "3des"]
    assert built.local_address == "198.51.100.1"


def test_local_address_from_interface():
    objects = {
        "ike_gateways": {"gw": {"name": "gw", "interface": "ethernet1/1", "peer_address": "203.0.113.11"}},
        "ipsec_tunnels": {"t": {"name": "t", "ike_gateway": "gw"}},
    }
    (built,) = peer_check.ends_from_config("device", objects, {"ethernet1/1": ["198.51.100.1/24"]})
    assert built.local_address == "198.51.100.1"
