"""Rendering one tunnel end as swanctl.conf for the rehearsal, and its derived key."""

import re

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _secrets as secrets
from ansible_collections.ipsec.panos.plugins.module_utils._peer_check import TunnelEnd
from ansible_collections.ipsec.panos.plugins.module_utils._rehearse import core, render
from ansible_collections.ipsec.panos.plugins.module_utils._rehearse.ends import ends_from_plan, pair_sites
from ansible_collections.ipsec.panos.plugins.module_utils._rehearse.proposals import esp_proposals, ike_proposals
from ansible_collections.ipsec.panos.plugins.module_utils._declared_peer import declared_end as _declared_end
from ansible_collections.ipsec.panos.plugins.plugin_utils._site_to_site_rehearsal import rehearsal_sites

SALT = b"s" * 32


def make_end(**settings):
    base = dict(
        version="ikev2",
        local_address="198.51.100.1",
        peer_address="203.0.113.11",
        pre_shared_key="clear-key",
        ike={"encryption": ["aes-256-cbc"], "hash": ["sha256"], "dh_group": ["group20"], "lifetime": 28800},
        esp={"encryption": ["aes-256-gcm"], "authentication": ["none"], "dh_group": "group20", "lifetime": 3600},
        liveness=5,
    )
    base.update(settings)
    return TunnelEnd("hub", "vpn-b1", "gw-b1", **base)


def option(text, name):
    return re.findall(r"^\s*%s = (.*)$" % name, text, re.M)


def test_ikev2_connection_options():
    text = render.swanctl_conf(make_end(), "ab" * 32, initiates=True)
    assert option(text, "version") == ["2"]
    assert option(text, "local_addrs") == ["198.51.100.1"]
    assert option(text, "remote_addrs") == ["203.0.113.11"]
    assert option(text, "proposals") == ["aes256-sha256-ecp384"]
    assert option(text, "esp_proposals") == ["aes256gcm16-ecp384"]
    assert option(text, "rekey_time") == ["28800s", "3240s"]
    assert option(text, "life_time") == ["3600s"]
    assert option(text, "dpd_delay") == ["5s"]
    assert option(text, "start_action") == ["start"]
    assert option(text, "secret") == ["0x" + "ab" * 32]


def test_passive_end_waits():
    text = render.swanctl_conf(make_end(passive=True), "ab", initiates=False)
    assert option(text, "start_action") == ["none"]


def test_ikev1_aggressive_and_nat_traversal():
    end = make_end(version="ikev1", nat_traversal=True)
    end.exchange_mode = "aggressive"
    text = render.swanctl_conf(end, "ab", initiates=True)
    assert option(text, "version") == ["1"]
    assert option(text, "aggressive") == ["yes"]
    assert option(text, "encap") == ["yes"]
    # IKEv1 takes one algorithm of each kind per proposal.
    assert option(text, "proposals") == ["aes256-sha256-ecp384"]


def test_no_pfs_leaves_group_out():
    end = make_end(esp={"encryption": ["aes-128-cbc"], "authentication": ["sha256"], "dh_group": "no-pfs", "lifetime": 3600})
    assert option(render.swanctl_conf(end, "ab", True), "esp_proposals") == ["aes128-sha256"]


def test_one_child_per_proxy_id():
    end = make_end(proxy_ids=[
        {"local": "10.1.0.0/24", "remote": "10.2.0.0/24"},
        {"local": "10.1.0.0/24", "remote": "10.3.0.0/24", "protocol": "tcp", "local_port": 0, "remote_port": 443},
    ])
    text = render.swanctl_conf(end, "ab", True)
    assert option(text, "local_ts") == ["10.1.0.0/24", "10.1.0.0/24[tcp]"]
    assert option(text, "remote_ts") == ["10.2.0.0/24", "10.3.0.0/24[tcp/443]"]
    assert re.findall(r"^\s*(tunnel-\d) \{", text, re.M) == ["tunnel-1", "tunnel-2"]


def test_no_proxy_ids_means_any():
    text = render.swanctl_conf(make_end(), "ab", True)
    assert option(text, "local_ts") == ["0.0.0.0/0"]
    assert option(text, "remote_ts") == ["0.0.0.0/0"]


def test_identities_typed():
    end = make_end(local_id={"type": "fqdn", "id": "hub.example.net"}, peer_id={"type": "ufqdn", "id": "vpn@example.org"})
    text = render.swanctl_conf(end, "ab", True)
    assert option(text, "id") == ["fqdn:hub.example.net", "email:vpn@example.org"]
    text = render.swanctl_conf(make_end(), "ab", True)
    assert option(text, "id") == ["198.51.100.1", "%any"]


def test_derived_secret_same_for_clear_and_encrypted():
    encrypted = secrets.ENCRYPTED_PREFIX + secrets.fingerprint("clear-key") + "Y2lwaGVydGV4dA=="
    assert render.derived_secret("clear-key", SALT) == render.derived_secret(encrypted, SALT)
    assert render.derived_secret("clear-key", SALT) != render.derived_secret("other-key", SALT)
    assert render.derived_secret("clear-key", SALT) != render.derived_secret("clear-key", b"t" * 32)


def test_derived_secret_never_contains_key():
    derived = render.derived_secret("clear-key", SALT)
    assert "clear-key" not in derived
    assert "clear-key" not in render.swanctl_conf(make_end(), derived, True)


def test_missing_key_gets_random_secret():
    assert render.derived_secret(None, SALT) != render.derived_secret(None, SALT)


def test_gcm_ike_proposal_has_prfs():
    assert ike_proposals(["aes-256-gcm"], ["non-auth"], ["group20"], "ikev2") == ["aes256gcm16-prfsha512-prfsha384-prfsha256-ecp384"]
    assert ike_proposals(["aes-256-gcm"], ["non-auth"], ["group20"], "ikev1") == []
    assert esp_proposals(["aes-256-gcm", "aes-128-cbc"], ["none", "sha256"], "group14", "ikev2") == ["aes128-sha256-modp2048", "aes256gcm16-modp2048"]


def test_protected_address_first_host():
    assert render.protected_address("10.1.0.0/24") == "10.1.0.1"
    assert render.protected_address("10.1.0.7/32") == "10.1.0.7"
    assert render.protected_address("10.1.0.0/24[tcp/443]") == "10.1.0.1"


def plan(local, peer, local_net, remote_net, **gateway):
    return {
        "ike_crypto_profiles": [{"name": "ike", "encryption": ["aes-256-cbc"], "hash": ["sha256"], "dh_group": ["group20"]}],
        "ipsec_crypto_profiles": [{"name": "ipsec", "esp_encryption": ["aes-256-gcm"], "esp_authentication": ["none"], "dh_group": "group20"}],
        "ike_gateways": [dict({"name": "gw", "local_ip": local + "/24", "peer_address": peer, "pre_shared_key": "k", "ike_crypto_profile": "ike"}, **gateway)],
        "ipsec_tunnels": [{"name": "vpn", "tunnel_interface": "tunnel.1", "ike_gateway": "gw", "ipsec_crypto_profile": "ipsec"}],
        "static_routes": [{"name": "r", "destination": remote_net, "interface": "tunnel.1"}],
    }


def test_plan_ends_take_module_defaults():
    (end,) = ends_from_plan("hub", plan("198.51.100.1", "203.0.113.11", "10.0.0.0/16", "10.11.0.0/24"))
    # The vpn module writes ikev2 when the plan leaves version out.
    assert end.version == "ikev2"
    assert end.ike_profile == "ike"
    assert end.ipsec_profile == "ipsec"
    assert end.routed == ["10.11.0.0/24"]
    assert end.local_address == "198.51.100.1"


def test_sites_paired_and_traffic_between_routed_networks():
    hub = ends_from_plan("hub", plan("198.51.100.1", "203.0.113.11", "10.0.0.0/16", "10.11.0.0/24", passive_mode=True))
    spoke = ends_from_plan("b1", plan("203.0.113.11", "198.51.100.1", "10.11.0.0/24", "10.0.0.0/16"))
    stray = ends_from_plan("b2", plan("203.0.113.12", "198.51.100.9", "10.12.0.0/24", "10.0.0.0/16"))
    pairs, unpaired = pair_sites([("hub", hub), ("b1", spoke), ("b2", stray)])
    assert [(a.source, b.source) for a, b in pairs] == [("hub", "b1")]
    assert [end.source for end in unpaired] == ["b2"]
    assert core.initiator_side(hub[0], spoke[0]) == "right"
    # The spoke initiates: from its network (which the hub routes in) to the hub's.
    assert core.traffic_pairs(spoke[0], hub[0]) == [("10.11.0.1", "10.0.0.1")]


def test_traffic_synthetic_without_routes():
    left, right = make_end(), make_end(local_address="203.0.113.11", peer_address="198.51.100.1")
    assert core.traffic_pairs(left, right) == [("198.18.0.1", "198.19.0.1")]


def test_both_passive_has_no_initiator():
    assert core.initiator_side(make_end(passive=True), make_end(passive=True)) is None


def declared_end(declared):
    # The module fills the defaults of the declared options before it builds the end.
    defaults = {"name": "declared-peer", "version": "ikev2", "passive": False, "nat_traversal": False}
    full = dict(defaults, **declared)
    full["ike"] = dict({"lifetime": None}, **declared["ike"])
    full["esp"] = dict({"lifetime": None}, **declared["esp"])
    return _declared_end(full)


def test_site_to_site_peers_become_declared_sites():
    from ansible_collections.ipsec.panos.plugins.plugin_utils._site_to_site import plan_device
    from test_site_to_site_design import SETTINGS, SITES

    plan = plan_device(SITES, "fw1", SETTINGS)
    sites = rehearsal_sites({"fw1": plan})
    assert sites[0] == {"name": "fw1", "config": plan["config"]}
    declared = {site["name"]: site["declared"] for site in sites[1:]}
    tunnels = sum(len(peer["tunnels"]) for peer in plan["peers"])
    assert len(declared) == tunnels
    for peer in plan["peers"]:
        first = declared["%s-1" % peer["name"]]
        assert first["local_address"] == peer["tunnels"][0]["peer_address"]
        assert first["esp"]["encryption"] == peer["peer_accepts"]["esp_encryption"]
        assert ("proxy_ids" in first) == bool(peer["policy_based"])
    # Every declared site pairs with one of the firewall's tunnels.
    ends = [(site["name"], ends_from_plan(site["name"], site["config"]) if "config" in site else [declared_end(site["declared"])]) for site in sites]
    pairs, unpaired = pair_sites(ends)
    assert len(pairs) == tunnels
    assert unpaired == []


def test_requirements_name_missing_packages(monkeypatch):
    from ansible_collections.ipsec.panos.plugins.module_utils._rehearse import runner

    monkeypatch.setattr(runner.os, "geteuid", lambda: 0)
    monkeypatch.setattr(runner.os.path, "exists", lambda path: "swanctl" in path or path.endswith("/ip"))
    monkeypatch.setattr(runner.shutil, "which", lambda name: None)
    with pytest.raises(runner.RehearsalError) as error:
        runner.check_requirements()
    assert str(error.value) == (
        "missing packages: strongswan-charon, libcharon-extra-plugins, util-linux; "
        "install with: apt-get install strongswan-charon libcharon-extra-plugins util-linux"
    )


def test_requirements_need_root(monkeypatch):
    from ansible_collections.ipsec.panos.plugins.module_utils._rehearse import runner

    monkeypatch.setattr(runner.os, "geteuid", lambda: 1000)
    with pytest.raises(runner.RehearsalError) as error:
        runner.check_requirements()
    assert "must run as root" in str(error.value)


def test_list_sas_raw_parsed():
    from ansible_collections.ipsec.panos.plugins.module_utils._rehearse import runner

    raw = (
        "list-sa event {tunnel {uniqueid=1 version=2 state=ESTABLISHED encr-alg=AES_CBC encr-keysize=256 "
        "integ-alg=HMAC_SHA2_256_128 prf-alg=PRF_HMAC_SHA2_256 dh-group=ECP_384 child-sas {tunnel-1-1 {name=tunnel-1 "
        "uniqueid=1 state=INSTALLED encr-alg=AES_GCM_16 encr-keysize=256 local-ts=[0.0.0.0/0] remote-ts=[0.0.0.0/0]}}}}\n"
        "list-sas reply {}\n"
    )
    parsed = runner.parse_raw(raw)
    assert parsed["tunnel"]["state"] == "ESTABLISHED"
    assert parsed["tunnel"]["dh-group"] == "ECP_384"
    child = parsed["tunnel"]["child-sas"]["tunnel-1-1"]
    assert child["local-ts"] == ["0.0.0.0/0"]
    assert runner.installed_children(parsed["tunnel"]) == {"tunnel-1"}
