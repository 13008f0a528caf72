"""Site-to-site planning: presets as data, the pre-push proposal check, and the strongSwan side."""

import contextlib
import copy
import io
import ipaddress
import json
import os
import re
import shutil
import subprocess
import time

import pytest

from ansible.errors import AnsibleFilterError
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ipsec.panos.plugins.filter.site_to_site_design import site_to_site_design
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import duration_seconds
from ansible_collections.ipsec.panos.plugins.modules import vpn
from ansible_collections.ipsec.panos.plugins.plugin_utils import _site_to_site as design
from ansible_collections.ipsec.panos.plugins.plugin_utils._site_to_site import DesignError, load_preset_data, load_presets, plan_device

PRESETS = load_presets()
FIREWALL = {"role": "firewall", "public_ip": "198.51.100.10/24", "networks": ["10.0.0.0/16"]}
AWS = {
    "role": "peer",
    "id": 1,
    "preset": "aws",
    "peer_addresses": ["203.0.113.11", "203.0.113.12"],
    "pre_shared_keys": ["aws-key-1", "aws-key-2"],
    "inside_cidrs": ["169.254.10.0/30", "169.254.11.0/30"],
    "remote_networks": ["172.31.0.0/16"],
}
SWAN = {"role": "peer", "id": 2, "preset": "strongswan", "peer_address": "192.0.2.20", "remote_networks": ["10.20.0.0/24"]}
ASA = {
    "role": "peer",
    "id": 3,
    "preset": "cisco_asa",
    "peer_address": "192.0.2.30",
    "remote_networks": ["10.30.0.0/24", "10.31.0.0/24"],
    "local_networks": ["10.0.1.0/24", "10.0.2.0/24"],
}
SITES = {"fw1": FIREWALL, "aws-vpc1": AWS, "lab-swan": SWAN, "branch-asa": ASA}
SETTINGS = {"pre_shared_key": "default-key"}

# One minimal peer per preset, for checks that every preset must pass.
MINIMAL_PEERS = {
    "aws": dict(AWS),
    "azure": {"id": 1, "preset": "azure", "peer_address": "203.0.113.40", "remote_networks": ["10.40.0.0/16"]},
    "gcp": {
        "id": 1,
        "preset": "gcp",
        "peer_addresses": ["203.0.113.50", "203.0.113.51"],
        "inside_cidrs": ["169.254.50.0/30", "169.254.51.0/30"],
        "remote_networks": ["10.50.0.0/16"],
    },
    "cisco_asa": dict(ASA, id=1),
    "strongswan": dict(SWAN, id=1),
    "panos": {"id": 1, "preset": "panos", "peer_address": "203.0.113.60", "remote_networks": ["10.60.0.0/16"]},
}


def sites_with(**peers):
    sites = {"fw1": FIREWALL}
    for name, peer in peers.items():
        sites[name.replace("_", "-")] = dict(peer, role="peer")
    return sites


def plan_one(peer, settings=None, presets=None):
    return plan_device(sites_with(peer1=peer), "fw1", dict(SETTINGS, **(settings or {})), presets)


def by_name(items):
    return {item["name"]: item for item in items}


def leaf_paths(value, prefix=""):
    """Return the dotted paths of a preset's values; a mapping that is not a profile is one value."""
    paths = []
    for key, item in value.items():
        path = prefix + key
        if isinstance(item, dict) and key in ("peer_accepts", "ike_profile", "ipsec_profile"):
            paths.extend(leaf_paths(item, path + "."))
        else:
            paths.append(path)
    return paths


# -- presets as data ---------------------------------------------------------------


def test_presets_cover_every_peer_kind():
    assert sorted(PRESETS) == ["aws", "azure", "cisco_asa", "gcp", "panos", "strongswan"]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_has_every_value_of_aws(name):
    assert set(leaf_paths(PRESETS[name])) == set(leaf_paths(PRESETS["aws"]))


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_value_has_source(name):
    preset = PRESETS[name]
    values = [path for path in leaf_paths(preset) if path not in ("title", "sources")]
    assert sorted(preset["sources"]) == sorted(values)
    for path, source in preset["sources"].items():
        assert isinstance(source, str) and source.strip(), path


def test_sources_name_known_references():
    data = load_preset_data()
    references = set(data["references"])
    for name, preset in data["presets"].items():
        for path, source in preset["sources"].items():
            cited = re.match(r"^([a-z0-9-]+): ", source)
            if cited and cited.group(1) not in ("unverified", "corpus"):
                assert cited.group(1) in references, (name, path, source)


def test_unverified_values_are_marked():
    # The tunnel MTU of strongSwan and ASA peers was not found in any vendor page.
    assert PRESETS["strongswan"]["sources"]["tunnel_mtu"].startswith("unverified")
    assert PRESETS["cisco_asa"]["sources"]["tunnel_mtu"].startswith("unverified")
    assert "unverified" in PRESETS["gcp"]["sources"]["peer_accepts.ike_encryption"]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_defaults_pass_audit_rules(name):
    preset = PRESETS[name]
    ike, ipsec = preset["ike_profile"], preset["ipsec_profile"]
    weak = {"sha1", "md5", "3des", "des"}
    assert preset["ike_version"] == "ikev2"
    assert ipsec["esp_encryption"] and all(cipher.endswith("-gcm") for cipher in ipsec["esp_encryption"])
    assert ipsec["esp_authentication"] == ["none"]
    assert set(ike["dh_group"]) <= {"group19", "group20"}
    assert ipsec["dh_group"] in ("group19", "group20")
    assert not weak & set(ike["encryption"] + ike["hash"] + ipsec["esp_encryption"])
    ike_seconds = duration_seconds(ike["lifetime"])
    ipsec_seconds = duration_seconds(ipsec["lifetime"])
    assert 3600 <= ike_seconds <= 86400
    assert ipsec_seconds <= 8 * 3600
    assert ipsec_seconds < ike_seconds


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_defaults_match_own_peer(name):
    plan = plan_one(MINIMAL_PEERS[name])
    assert plan["tunnel_count"] == len(MINIMAL_PEERS[name].get("peer_addresses") or [1])
    assert [p["name"] for p in plan["config"]["ike_crypto_profiles"]] == ["s2s-%s-ike" % name]
    assert [p["name"] for p in plan["config"]["ipsec_crypto_profiles"]] == ["s2s-%s-ipsec" % name]


def render_with_vpn_module(config, virtual_router):
    """Run the vpn module in state rendered, which validates every element and contacts no device."""
    printed = io.StringIO()
    with patch_module_args({"state": "rendered", "config": config, "virtual_router": virtual_router}):
        with contextlib.redirect_stdout(printed), pytest.raises(SystemExit):
            vpn.main()
    return json.loads(printed.getvalue())


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_vpn_module_accepts_preset_plan(name):
    plan = plan_one(MINIMAL_PEERS[name])
    result = render_with_vpn_module(plan["config"], plan["virtual_router"])
    assert not result.get("failed"), result.get("msg")
    assert result["rendered"]


def test_tests_can_feed_own_presets():
    presets = {"lab": copy.deepcopy(PRESETS["panos"])}
    presets["lab"]["ike_profile"]["dh_group"] = ["group19"]
    plan = plan_one({"id": 1, "preset": "lab", "peer_address": "203.0.113.9", "remote_networks": ["10.9.0.0/16"]}, presets=presets)
    assert plan["config"]["ike_crypto_profiles"][0] == {
        "name": "s2s-lab-ike",
        "encryption": ["aes-256-cbc"],
        "hash": ["sha256"],
        "dh_group": ["group19"],
        "lifetime": "8h",
    }


# -- the plan ---------------------------------------------------------------------------


def test_aws_two_tunnels_in_one_zone():
    plan = plan_device(SITES, "fw1", SETTINGS)
    config = plan["config"]
    interfaces = by_name(config["tunnel_interfaces"])
    assert interfaces["tunnel.201"]["ip"] == ["169.254.10.2/30"]
    assert interfaces["tunnel.202"]["ip"] == ["169.254.11.2/30"]
    assert interfaces["tunnel.201"]["zone"] == interfaces["tunnel.202"]["zone"] == "vpn"
    assert interfaces["tunnel.201"]["mtu"] == 1427
    assert config["zones"] == [{"name": "vpn"}]

    gateways = by_name(config["ike_gateways"])
    assert gateways["gw-aws-vpc1-1"]["peer_address"] == "203.0.113.11"
    assert gateways["gw-aws-vpc1-2"]["pre_shared_key"] == "aws-key-2"
    assert gateways["gw-aws-vpc1-1"]["passive_mode"] is False
    assert gateways["gw-aws-vpc1-1"]["local_ip"] == "198.51.100.10/24"
    assert gateways["gw-aws-vpc1-1"]["liveness_interval"] == 10


def test_two_tunnels_get_backup_metric_and_monitor():
    config = plan_device(SITES, "fw1", SETTINGS)["config"]
    routes = by_name(config["static_routes"])
    assert routes["s2s-aws-vpc1-1-1"] == {"name": "s2s-aws-vpc1-1-1", "destination": "172.31.0.0/16", "interface": "tunnel.201", "metric": 10}
    assert routes["s2s-aws-vpc1-2-1"]["interface"] == "tunnel.202"
    assert routes["s2s-aws-vpc1-2-1"]["metric"] == 20
    tunnels = by_name(config["ipsec_tunnels"])
    assert tunnels["vpn-aws-vpc1-1"]["tunnel_monitor"] == {"enable": True, "destination_ip": "169.254.10.1", "profile": "s2s-fail-over"}
    assert tunnels["vpn-aws-vpc1-2"]["tunnel_monitor"]["destination_ip"] == "169.254.11.1"
    assert config["tunnel_monitor_profiles"] == [{"name": "s2s-fail-over", "action": "fail-over", "interval": 3, "threshold": 5}]
    # One tunnel has no backup, so neither monitor nor metric 20.
    assert "tunnel_monitor" not in tunnels["vpn-lab-swan-1"]
    assert routes["s2s-lab-swan-1-1"]["metric"] == 10


def test_policy_based_peer_gets_mirrored_proxy_ids():
    plan = plan_device(SITES, "fw1", SETTINGS)
    tunnel = by_name(plan["config"]["ipsec_tunnels"])["vpn-branch-asa-1"]
    pairs = {(p["local"], p["remote"]) for p in tunnel["proxy_ids"]}
    assert pairs == {
        ("10.0.1.0/24", "10.30.0.0/24"),
        ("10.0.1.0/24", "10.31.0.0/24"),
        ("10.0.2.0/24", "10.30.0.0/24"),
        ("10.0.2.0/24", "10.31.0.0/24"),
    }
    assert len({p["name"] for p in tunnel["proxy_ids"]}) == 4
    peer = by_name(plan["peers"])["branch-asa"]
    assert {(s["remote"], s["local"]) for s in peer["peer_selectors"]} == pairs
    assert "proxy_ids" not in by_name(plan["config"]["ipsec_tunnels"])["vpn-aws-vpc1-1"]


def test_route_based_peer_has_no_proxy_ids():
    tunnel = plan_one(MINIMAL_PEERS["panos"])["config"]["ipsec_tunnels"][0]
    assert "proxy_ids" not in tunnel


def test_profiles_shared_per_preset():
    aws_b = dict(AWS, id=4, inside_cidrs=["169.254.20.0/30", "169.254.21.0/30"], remote_networks=["172.30.0.0/16"])
    sites = sites_with(aws_a=AWS, aws_b=aws_b)
    config = plan_device(sites, "fw1", SETTINGS)["config"]
    assert [p["name"] for p in config["ike_crypto_profiles"]] == ["s2s-aws-ike"]
    assert {g["ike_crypto_profile"] for g in config["ike_gateways"]} == {"s2s-aws-ike"}


def test_peer_override_gets_own_profile():
    peer = dict(AWS, overrides={"ike_profile": {"dh_group": ["group19"]}})
    config = plan_one(peer)["config"]
    profile = by_name(config["ike_crypto_profiles"])["s2s-peer1-ike"]
    assert profile["dh_group"] == ["group19"]
    assert profile["hash"] == ["sha256"]
    assert {g["ike_crypto_profile"] for g in config["ike_gateways"]} == {"s2s-peer1-ike"}
    assert [p["name"] for p in config["ipsec_crypto_profiles"]] == ["s2s-aws-ipsec"]


def test_gcm_override_switches_hash_to_non_auth():
    peer = dict(AWS, overrides={"ike_profile": {"encryption": ["aes-256-gcm"]}})
    profile = plan_one(peer)["config"]["ike_crypto_profiles"][0]
    assert profile["hash"] == ["non-auth"]


def test_cbc_override_gets_esp_authentication():
    peer = dict(AWS, overrides={"ipsec_profile": {"esp_encryption": ["aes-256-cbc"]}})
    profile = plan_one(peer)["config"]["ipsec_crypto_profiles"][0]
    assert profile["esp_authentication"] == ["sha256"]


def test_preset_override_keeps_shared_name():
    plan = plan_one(AWS, {"preset_overrides": {"aws": {"ike_profile": {"dh_group": ["group19"]}, "tunnel_mtu": 1399}}})
    profile = plan["config"]["ike_crypto_profiles"][0]
    assert profile["name"] == "s2s-aws-ike"
    assert profile["dh_group"] == ["group19"]
    assert plan["config"]["tunnel_interfaces"][0]["mtu"] == 1399


def test_conflicting_profile_names_rejected():
    first = dict(AWS, overrides={"ike_profile": {"name": "shared-ike", "dh_group": ["group19"]}})
    second = dict(MINIMAL_PEERS["panos"], id=5, overrides={"ike_profile": {"name": "shared-ike"}})
    with pytest.raises(DesignError, match="shared-ike is defined differently"):
        plan_device(sites_with(first=first, second=second), "fw1", SETTINGS)


def test_pool_addresses_follow_peer_id():
    config = plan_device(SITES, "fw1", SETTINGS)["config"]
    interfaces = by_name(config["tunnel_interfaces"])
    # Peer 2 owns tunnel.203/204 and the third and fourth /30 of 169.254.200.0/24.
    assert interfaces["tunnel.203"]["ip"] == ["169.254.200.9/30"]
    assert interfaces["tunnel.205"]["ip"] == ["169.254.200.17/30"]
    assert "tunnel.204" not in interfaces


def test_same_input_same_plan():
    first = plan_device(copy.deepcopy(SITES), "fw1", SETTINGS)
    second = plan_device(copy.deepcopy(SITES), "fw1", SETTINGS)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


# -- exclude ------------------------------------------------------------------------------


def test_exclude_drops_peer_objects_only():
    everything = plan_device(SITES, "fw1", SETTINGS)["config"]
    without = plan_device(SITES, "fw1", dict(SETTINGS, exclude=["branch-asa"]))["config"]
    assert "gw-branch-asa-1" not in by_name(without["ike_gateways"])
    assert "tunnel.205" not in by_name(without["tunnel_interfaces"])
    assert "s2s-cisco_asa-ike" not in by_name(without["ike_crypto_profiles"])
    for section in everything:
        kept = [item for item in everything[section] if "branch-asa" not in json.dumps(item) and "cisco_asa" not in json.dumps(item)]
        assert without[section] == kept, section


def test_shared_profile_stays_while_preset_used():
    sites = sites_with(aws_a=AWS, aws_b=dict(AWS, id=4, inside_cidrs=["169.254.20.0/30", "169.254.21.0/30"]))
    config = plan_device(sites, "fw1", dict(SETTINGS, exclude=["aws-a"]))["config"]
    assert [p["name"] for p in config["ike_crypto_profiles"]] == ["s2s-aws-ike"]
    assert [t["name"] for t in config["tunnel_interfaces"]] == ["tunnel.207", "tunnel.208"]


def test_exclude_device_gives_empty_plan():
    plan = plan_device(SITES, "fw1", dict(SETTINGS, exclude=["fw1"]))
    assert plan["config"] == {section: [] for section in design.SECTIONS}
    assert plan["strongswan"] == []


def test_exclude_every_peer_gives_empty_plan():
    plan = plan_device(SITES, "fw1", dict(SETTINGS, exclude=["aws-vpc1", "lab-swan", "branch-asa"]))
    assert all(items == [] for items in plan["config"].values())


def test_exclude_unknown_name_rejected():
    with pytest.raises(DesignError, match="exclude names nope, which is not one of the sites"):
        plan_device(SITES, "fw1", dict(SETTINGS, exclude=["nope"]))


# -- the proposal check, one test per kind of mismatch ------------------------------------


def test_dh_mismatch_message():
    peer = dict(AWS, overrides={"ike_profile": {"hash": ["sha1"], "dh_group": ["group5"]}})
    with pytest.raises(DesignError) as error:
        plan_one(peer)
    assert str(error.value).startswith(
        "peer peer1 (preset aws): IKE crypto profile s2s-peer1-ike offers aes-256-cbc/sha1/group5; the peer accepts "
        "aes-128-cbc, aes-256-cbc, aes-128-gcm, aes-256-gcm / sha1, sha256, sha384, sha512 / group2, group14, group15, "
        "group16, group19, group20, group21; no common DH group; change ike_profile"
    )


def test_ike_version_mismatch():
    peer = dict(AWS, overrides={"ike_version": "ikev1", "peer_accepts": {"ike_versions": ["ikev2"]}})
    with pytest.raises(DesignError, match=r"IKE gateways use ikev1; the peer accepts ikev2; no common IKE version"):
        plan_one(peer)


def test_ike_version_preferred_negotiates():
    peer = dict(AWS, overrides={"ike_version": "ikev2-preferred", "peer_accepts": {"ike_versions": ["ikev1"]}})
    gateways = plan_one(peer)["config"]["ike_gateways"]
    assert gateways[0]["version"] == "ikev2-preferred"
    assert gateways[0]["dpd_interval"] == 10


def test_ike_encryption_mismatch():
    peer = dict(AWS, overrides={"ike_profile": {"encryption": ["aes-192-cbc"]}})
    with pytest.raises(DesignError, match=r"offers aes-192-cbc/sha256/group20; .*; no common encryption;"):
        plan_one(peer)


def test_ike_hash_mismatch():
    peer = dict(AWS, overrides={"ike_profile": {"hash": ["md5"]}})
    with pytest.raises(DesignError, match=r"IKE crypto profile s2s-peer1-ike offers aes-256-cbc/md5/group20; .*; no common hash;"):
        plan_one(peer)


def test_ike_gcm_needs_ikev2():
    peer = dict(AWS, overrides={"ike_version": "ikev1", "ike_profile": {"encryption": ["aes-256-gcm"]}})
    with pytest.raises(DesignError, match=r"AES-GCM in IKE needs IKEv2"):
        plan_one(peer)


def test_ike_gcm_with_ikev2_accepted():
    peer = dict(AWS, overrides={"ike_profile": {"encryption": ["aes-256-gcm"]}})
    assert plan_one(peer)["config"]["ike_crypto_profiles"][0]["encryption"] == ["aes-256-gcm"]


def test_esp_encryption_mismatch():
    peer = dict(AWS, overrides={"ipsec_profile": {"esp_encryption": ["aes-128-ccm"], "esp_authentication": ["sha256"]}})
    with pytest.raises(DesignError, match=r"IPsec crypto profile s2s-peer1-ipsec offers aes-128-ccm/sha256/group20; .*; no common ESP encryption;"):
        plan_one(peer)


def test_esp_authentication_mismatch():
    peer = dict(AWS, overrides={"ipsec_profile": {"esp_encryption": ["aes-256-cbc"], "esp_authentication": ["md5"]}})
    with pytest.raises(DesignError, match=r"offers aes-256-cbc/md5/group20; .*; no common ESP authentication;"):
        plan_one(peer)


def test_pfs_off_against_peer_requiring_pfs():
    peer = dict(AWS, overrides={"ipsec_profile": {"dh_group": "no-pfs"}})
    with pytest.raises(DesignError, match=r"turns PFS off \(no-pfs\), but the peer requires PFS"):
        plan_one(peer)


def test_pfs_on_against_peer_without_pfs():
    peer = dict(MINIMAL_PEERS["panos"], overrides={"peer_accepts": {"pfs_group": ["no-pfs"]}})
    with pytest.raises(DesignError, match=r"uses PFS group20, but the peer does not use PFS"):
        plan_one(peer)


def test_pfs_group_mismatch():
    peer = dict(AWS, overrides={"ipsec_profile": {"dh_group": "group1"}})
    with pytest.raises(DesignError, match=r"/ PFS group2, group5, .*; no common PFS group;"):
        plan_one(peer)


def test_check_uses_preset_overrides():
    with pytest.raises(DesignError, match=r"IKE crypto profile s2s-aws-ike offers aes-256-cbc/sha256/group1;"):
        plan_one(AWS, {"preset_overrides": {"aws": {"ike_profile": {"dh_group": ["group1"]}}}})


def test_excluded_peer_not_checked():
    bad = dict(MINIMAL_PEERS["panos"], id=6, overrides={"ipsec_profile": {"dh_group": "no-pfs"}, "peer_accepts": {"pfs_group": ["group20"]}})
    plan = plan_device(sites_with(good=AWS, bad=bad), "fw1", dict(SETTINGS, exclude=["bad"]))
    assert plan["tunnel_count"] == 2


# -- inventory checks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "peer, fragment",
    [
        (dict(AWS, peer_addresses=["203.0.113.11"]), "preset aws builds 2 tunnel(s), one per peer address, but 1 peer address(es) are given"),
        (dict(AWS, inside_cidrs=None), "preset aws needs the inside /30 of each tunnel"),
        (dict(AWS, inside_cidrs=["169.254.1.0/30", "169.254.11.0/30"]), "169.254.1.0/30 is reserved by the provider"),
        (dict(AWS, inside_cidrs=["10.1.1.0/30", "169.254.11.0/30"]), "10.1.1.0/30 is outside 169.254.0.0/16"),
        (dict(AWS, inside_cidrs=["169.254.10.0/29", "169.254.11.0/30"]), "is not an IPv4 /30"),
        (dict(AWS, inside_cidrs=["169.254.10.1/30", "169.254.11.0/30"]), "host bits set"),
        (dict(AWS, passive_mode=True), "the IKE gateways must not be passive"),
        (dict(AWS, pre_shared_keys=["only-one"]), "give one key per tunnel (2), got 1"),
        (dict(AWS, remote_networks=[]), "remote_networks: missing"),
        (dict(AWS, remote_networks=["172.31.0.1/16"]), "host bits set; did you mean 172.31.0.0/16?"),
        (dict(AWS, preset="fortigate"), "preset 'fortigate' is unknown"),
        (dict(AWS, id=0), "id must be a whole number from 1"),
        (dict(AWS, color="blue"), "unknown key color"),
        (dict(AWS, overrides={"title": "x"}), "title cannot be overridden"),
        (dict(AWS, overrides={"ike_profile": ["aes"]}), "overrides.ike_profile: must be a mapping"),
        (dict(AWS, peer_addresses=["203.0.113.11", "not-an-ip"]), "'not-an-ip' is not an IP address"),
    ],
)
def test_bad_peer_rejected(peer, fragment):
    with pytest.raises(DesignError) as error:
        plan_one(peer)
    assert fragment in str(error.value)
    assert str(error.value).startswith("fw1: site_to_site_peers entry 'peer1'")


def test_missing_key_names_variable():
    peer = dict(MINIMAL_PEERS["panos"])
    with pytest.raises(DesignError, match="site_to_site_psk"):
        plan_device(sites_with(peer1=peer), "fw1", {})


def test_duplicate_ids_rejected():
    with pytest.raises(DesignError, match="id 1 is already used by peer"):
        plan_device(sites_with(a=MINIMAL_PEERS["panos"], b=dict(MINIMAL_PEERS["panos"], peer_address="203.0.113.61")), "fw1", SETTINGS)


def test_overlapping_inside_networks_rejected():
    other = dict(AWS, id=4)
    with pytest.raises(DesignError, match="overlaps 169.254.10.0/30 of peer"):
        plan_device(sites_with(a=AWS, b=other), "fw1", SETTINGS)


def test_pool_exhaustion_rejected():
    peer = dict(MINIMAL_PEERS["panos"], id=40)
    with pytest.raises(DesignError, match="has no room for peer peer1"):
        plan_one(peer)


def test_long_profile_name_rejected():
    peer = dict(MINIMAL_PEERS["panos"], overrides={"ike_profile": {"dh_group": ["group19"]}})
    sites = {"fw1": FIREWALL, "a-rather-long-peer-name-x": dict(peer, role="peer")}
    with pytest.raises(DesignError, match="longer than the 31 characters PAN-OS allows; set overrides.ike_profile.name"):
        plan_device(sites, "fw1", SETTINGS)


# -- the filter ----------------------------------------------------------------------------------


def test_filter_builds_sites_from_peers():
    peers = [dict(MINIMAL_PEERS["panos"], name="pa2")]
    plan = site_to_site_design(peers, "fw1", {"public_ip": "198.51.100.10/24", "networks": ["10.0.0.0/16"]}, SETTINGS)
    assert plan["config"]["ike_gateways"][0]["name"] == "gw-pa2-1"


def test_filter_rejects_peer_named_like_firewall():
    peers = [dict(MINIMAL_PEERS["panos"], name="fw1")]
    with pytest.raises(AnsibleFilterError, match="site_to_site_design: fw1: site_to_site_peers\\[0\\]: name 'fw1' is the firewall's own name"):
        site_to_site_design(peers, "fw1", {}, SETTINGS)


def test_filter_reports_proposal_mismatch():
    peers = [dict(MINIMAL_PEERS["panos"], name="pa2", overrides={"ipsec_profile": {"dh_group": "no-pfs"}, "peer_accepts": {"pfs_group": ["group20"]}})]
    with pytest.raises(AnsibleFilterError, match="site_to_site_design: peer pa2 \\(preset panos\\): IPsec crypto profile s2s-pa2-ipsec"):
        site_to_site_design(peers, "fw1", {}, SETTINGS)


# -- strongSwan ------------------------------------------------------------------------------------


def swanctl_of(plan, peer):
    return by_name([dict(item, name=item["peer"]) for item in plan["strongswan"]])[peer]["content"]


def parse_swanctl(text):
    """Parse swanctl.conf into nested dicts; fail on unbalanced braces or a stray line."""
    root = {}
    stack = [root]
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("{"):
            section = {}
            stack[-1][line[:-1].strip()] = section
            stack.append(section)
        elif line == "}":
            stack.pop()
            assert stack, "unbalanced closing brace at line %d" % number
        else:
            key, separator, value = line.partition(" = ")
            assert separator, "line %d is neither a section nor key = value: %r" % (number, raw)
            stack[-1][key] = value
    assert len(stack) == 1, "unclosed section"
    return root


def test_swanctl_structure():
    plan = plan_device(SITES, "fw1", SETTINGS)
    assert [item["file"] for item in plan["strongswan"]] == ["fw1-lab-swan.conf"]
    parsed = parse_swanctl(swanctl_of(plan, "lab-swan"))
    conn = parsed["connections"]["fw1-lab-swan"]
    assert conn["version"] == "2"
    assert conn["local_addrs"] == "192.0.2.20"
    assert conn["remote_addrs"] == "198.51.100.10"
    assert conn["proposals"] == "aes256-sha384-ecp384"
    assert conn["rekey_time"] == "28800s"
    assert conn["dpd_delay"] == "10s"
    assert conn["local"] == {"auth": "psk", "id": "192.0.2.20"}
    assert conn["remote"] == {"auth": "psk", "id": "198.51.100.10"}
    child = conn["children"]["fw1-lab-swan-1"]
    assert child["local_ts"] == "10.20.0.0/24"
    assert child["remote_ts"] == "10.0.0.0/16"
    assert child["esp_proposals"] == "aes256gcm16-ecp384"
    assert child["rekey_time"] == "3600s"
    assert child["start_action"] == "trap"
    assert parsed["secrets"]["ike-lab-swan"] == {"id-1": "192.0.2.20", "id-2": "198.51.100.10", "secret": '"default-key"'}


def test_swanctl_children_mirror_proxy_ids():
    peer = dict(SWAN, remote_networks=["10.20.0.0/24", "10.21.0.0/24"], local_networks=["10.0.1.0/24", "10.0.2.0/24"])
    plan = plan_one(peer)
    proxies = {(p["local"], p["remote"]) for p in plan["config"]["ipsec_tunnels"][0]["proxy_ids"]}
    children = parse_swanctl(swanctl_of(plan, "peer1"))["connections"]["fw1-peer1"]["children"]
    assert len(children) == len(proxies) == 4
    assert {(c["remote_ts"], c["local_ts"]) for c in children.values()} == proxies


def test_swanctl_passive_firewall_starts_peer():
    plan = plan_one(dict(SWAN, passive_mode=True))
    child = parse_swanctl(swanctl_of(plan, "peer1"))["connections"]["fw1-peer1"]["children"]["fw1-peer1-1"]
    assert child["start_action"] == "start"
    assert child["dpd_action"] == "restart"
    assert plan["config"]["ike_gateways"][0]["passive_mode"] is True


def test_swanctl_ids_follow_gateway_ids():
    peer = dict(SWAN, peer_id={"type": "fqdn", "id": "swan.example.net"}, local_id={"type": "fqdn", "id": "fw1.example.net"})
    plan = plan_one(peer)
    conn = parse_swanctl(swanctl_of(plan, "peer1"))["connections"]["fw1-peer1"]
    assert conn["local"]["id"] == "swan.example.net"
    assert conn["remote"]["id"] == "fw1.example.net"
    assert plan["config"]["ike_gateways"][0]["peer_id"] == {"type": "fqdn", "id": "swan.example.net"}


@pytest.mark.parametrize(
    "overrides, ike, esp",
    [
        ({}, "aes256-sha384-ecp384", "aes256gcm16-ecp384"),
        (
            {"ike_profile": {"encryption": ["aes-256-gcm", "aes-128-gcm"], "dh_group": ["group19", "group14"]}},
            "aes256gcm16-aes128gcm16-prfsha512-prfsha384-prfsha256-ecp256-modp2048",
            "aes256gcm16-ecp384",
        ),
        (
            {"ipsec_profile": {"esp_encryption": ["aes-256-cbc", "aes-128-cbc"], "esp_authentication": ["sha256", "sha1"], "dh_group": "no-pfs"}},
            "aes256-sha384-ecp384",
            "aes256-aes128-sha256-sha1",
        ),
        (
            {"ike_version": "ikev1", "ike_profile": {"encryption": ["aes-256-cbc", "aes-128-cbc"], "hash": ["sha256"], "dh_group": ["group14"]}},
            "aes256-sha256-modp2048, aes128-sha256-modp2048",
            "aes256gcm16-ecp384",
        ),
    ],
)
def test_swanctl_proposal_translation(overrides, ike, esp):
    plan = plan_one(dict(SWAN, overrides=overrides))
    conn = parse_swanctl(swanctl_of(plan, "peer1"))["connections"]["fw1-peer1"]
    assert conn["proposals"] == ike
    assert conn["children"]["fw1-peer1-1"]["esp_proposals"] == esp


@pytest.mark.parametrize(
    "key, written",
    [
        ("plain-Key_1", '"plain-Key_1"'),
        ('with "quote"', "0x" + 'with "quote"'.encode().hex()),
        ("0xlooks-hex", "0x" + "0xlooks-hex".encode().hex()),
        ("back\\slash", "0x" + "back\\slash".encode().hex()),
    ],
)
def test_swanctl_secret_encoding(key, written):
    plan = plan_one(dict(SWAN, pre_shared_key=key))
    assert parse_swanctl(swanctl_of(plan, "peer1"))["secrets"]["ike-peer1"]["secret"] == written


def test_swanctl_needs_public_ip():
    sites = {"fw1": dict(FIREWALL, public_ip=None), "s": dict(SWAN)}
    with pytest.raises(DesignError, match="the strongSwan peer s needs the firewall's address"):
        plan_device(sites, "fw1", SETTINGS)


def test_swanctl_route_based_child_accepts_any():
    plan = plan_one(dict(SWAN, overrides={"policy_based": False}))
    child = parse_swanctl(swanctl_of(plan, "peer1"))["connections"]["fw1-peer1"]["children"]["fw1-peer1-1"]
    assert child["local_ts"] == child["remote_ts"] == "0.0.0.0/0"


def test_swanctl_deterministic():
    assert swanctl_of(plan_device(SITES, "fw1", SETTINGS), "lab-swan") == swanctl_of(plan_device(copy.deepcopy(SITES), "fw1", SETTINGS), "lab-swan")


# strongSwan itself checks the syntax and every proposal keyword when it loads a file, so a
# private charon daemon is the strictest parser at hand. It needs root, unshare and the
# strongswan-swanctl and strongswan-charon packages; without them the test is skipped.
CHARON = "/usr/lib/ipsec/charon"


@pytest.fixture(scope="module")
def charon(tmp_path_factory):
    if not (shutil.which("swanctl") and os.path.exists(CHARON) and shutil.which("unshare") and os.geteuid() == 0):
        pytest.skip("swanctl, charon, unshare or root is missing; the structure tests above still run")

    workdir = tmp_path_factory.mktemp("charon")
    socket = workdir / "charon.vici"
    conf = workdir / "strongswan.conf"
    conf.write_text(
        "charon {\n  port = 0\n  port_nat_t = 0\n  install_routes = no\n  plugins {\n"
        "    vici {\n      socket = unix://%s\n    }\n"
        "    ha {\n      load = no\n    }\n    forecast {\n      load = no\n    }\n"
        "    error-notify {\n      load = no\n    }\n  }\n}\n" % socket
    )

    environment = dict(os.environ, STRONGSWAN_CONF=str(conf))
    # A private /run, so that this charon does not collide with another one's pid file.
    process = subprocess.Popen(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /run && exec %s" % CHARON],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    deadline = time.monotonic() + 20
    while not socket.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.skip("charon did not start here")
        time.sleep(0.1)
    yield "unix://%s" % socket

    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def swanctl_load(uri, path):
    completed = subprocess.run(
        ["swanctl", "--load-all", "--file", str(path), "--uri", uri], capture_output=True, text=True, timeout=60, check=False
    )
    return completed.returncode, completed.stdout + completed.stderr


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"ike_profile": {"encryption": ["aes-256-gcm", "aes-128-gcm"], "dh_group": ["group21", "group14"]}},
        {"ipsec_profile": {"esp_encryption": ["aes-256-cbc"], "esp_authentication": ["sha512"], "dh_group": "no-pfs"}},
        {"ike_version": "ikev1", "ike_profile": {"encryption": ["aes-256-cbc", "aes-128-cbc"], "hash": ["sha256", "sha1"]}},
        {"ike_version": "ikev2-preferred", "policy_based": False},
    ],
)
def test_swanctl_loads_into_strongswan(charon, tmp_path, overrides):
    peer = dict(SWAN, pre_shared_key='key with "quotes"', remote_networks=["10.20.0.0/24", "10.21.0.0/24"], overrides=overrides)
    path = tmp_path / "swanctl.conf"
    path.write_text(swanctl_of(plan_one(peer), "peer1"))
    returncode, output = swanctl_load(charon, path)
    assert returncode == 0, output
    assert "loaded connection 'fw1-peer1'" in output
    assert "loaded ike secret 'ike-peer1'" in output


def test_strongswan_rejects_bad_proposal(charon, tmp_path):
    # The daemon really checks keywords: a file with a misspelt one fails to load.
    path = tmp_path / "swanctl.conf"
    path.write_text(swanctl_of(plan_one(dict(SWAN)), "peer1").replace("aes256-sha384-ecp384", "aes256-sha385-ecp384"))
    returncode, output = swanctl_load(charon, path)
    assert returncode != 0
    assert "invalid value for: proposals" in output


def test_inside_addresses_are_link_local_pairs():
    for tunnel in by_name(plan_device(SITES, "fw1", SETTINGS)["peers"])["aws-vpc1"]["tunnels"]:
        local = ipaddress.ip_interface(tunnel["local_inside"])
        assert ipaddress.ip_address(tunnel["remote_inside"]) in local.network
        assert local.ip != ipaddress.ip_address(tunnel["remote_inside"])


# -- input checks of networks, keys and the pool ----------------------------------------------------


def test_both_key_forms_rejected():
    peer = dict(AWS, pre_shared_key="one-for-all")
    with pytest.raises(DesignError) as error:
        plan_one(peer)
    assert "fw1: site_to_site_peers entry 'peer1': give pre_shared_key (one key for every tunnel) or pre_shared_keys" in str(error.value)
    assert "not both" in str(error.value)


@pytest.mark.parametrize(
    "peers, fragment",
    [
        (
            {"a": MINIMAL_PEERS["panos"], "b": dict(MINIMAL_PEERS["azure"], id=2)},
            None,
        ),
        (
            {"a": MINIMAL_PEERS["panos"], "b": dict(MINIMAL_PEERS["azure"], id=2, remote_networks=["10.60.0.0/16"])},
            "fw1: site_to_site_peers entry 'b'.remote_networks[0]: 10.60.0.0/16 overlaps 10.60.0.0/16 in remote_networks[0] of peer a",
        ),
        (
            {"a": MINIMAL_PEERS["panos"], "b": dict(MINIMAL_PEERS["azure"], id=2, remote_networks=["10.40.0.0/16", "10.60.128.0/17"])},
            "fw1: site_to_site_peers entry 'b'.remote_networks[1]: 10.60.128.0/17 overlaps 10.60.0.0/16 in remote_networks[0] of peer a",
        ),
    ],
)
def test_remote_networks_of_two_peers_must_not_overlap(peers, fragment):
    sites = sites_with(**peers)
    if fragment is None:
        assert plan_device(sites, "fw1", SETTINGS)["tunnel_count"] == 2
        return
    with pytest.raises(DesignError) as error:
        plan_device(sites, "fw1", SETTINGS)
    assert fragment in str(error.value)


def test_overlap_with_excluded_peer_ignored():
    peers = {"a": MINIMAL_PEERS["panos"], "b": dict(MINIMAL_PEERS["azure"], id=2, remote_networks=["10.60.0.0/16"])}
    assert plan_device(sites_with(**peers), "fw1", dict(SETTINGS, exclude=["a"]))["tunnel_count"] == 1


@pytest.mark.parametrize(
    "peer, fragment",
    [
        (
            dict(MINIMAL_PEERS["panos"], remote_networks=["10.0.5.0/24"]),
            "'peer1'.remote_networks[0]: 10.0.5.0/24 overlaps the local network 10.0.0.0/16 (vpn_networks (site_to_site_local_networks)[0])",
        ),
        (
            dict(ASA, remote_networks=["10.30.0.0/24", "10.0.2.0/25"]),
            "'peer1'.remote_networks[1]: 10.0.2.0/25 overlaps the local network 10.0.2.0/24 (local_networks[1])",
        ),
        (
            dict(ASA, remote_networks=["10.0.200.0/24"]),
            "'peer1'.remote_networks[0]: 10.0.200.0/24 overlaps the local network 10.0.0.0/16 (vpn_networks (site_to_site_local_networks)[0])",
        ),
        (dict(SWAN, remote_networks=["10.20.0.0"]), "'peer1'.remote_networks[0]: 10.20.0.0 has no prefix length; write 10.20.0.0/24 or 10.20.0.0/32"),
        (dict(ASA, local_networks=["10.0.1.9"]), "'peer1'.local_networks[0]: 10.0.1.9 has no prefix length; write 10.0.1.0/24 or 10.0.1.9/32"),
        (dict(AWS, inside_cidrs=["169.254.10.0", "169.254.11.0/30"]), "'peer1'.inside_cidrs[0]: 169.254.10.0 has no prefix length"),
        (
            dict(SWAN, remote_networks=["10.20.0.0/24", "10.20.0.0/24"]),
            "'peer1'.remote_networks[1]: 10.20.0.0/24 is listed twice, also at index 0; list each network once",
        ),
    ],
)
def test_bad_networks_rejected(peer, fragment):
    with pytest.raises(DesignError) as error:
        plan_one(peer)
    assert fragment in str(error.value)
    assert str(error.value).startswith("fw1: site_to_site_peers entry 'peer1'")


@pytest.mark.parametrize(
    "networks, fragment",
    [
        (["10.0.0.0"], "fw1: vpn_networks (site_to_site_local_networks)[0]: 10.0.0.0 has no prefix length; write 10.0.0.0/24 or 10.0.0.0/32"),
        ("10.0.0.0/16", "fw1: vpn_networks (site_to_site_local_networks): must be a list of prefixes, got '10.0.0.0/16'"),
    ],
)
def test_bad_firewall_networks_rejected(networks, fragment):
    # The peer has its own local_networks, so only the check of the whole inventory reads the firewall's networks.
    with pytest.raises(AnsibleFilterError) as error:
        site_to_site_design([dict(ASA, name="asa")], "fw1", {"public_ip": "198.51.100.10/24", "networks": networks}, SETTINGS)
    assert fragment in str(error.value)


@pytest.mark.parametrize(
    "pool, fragment",
    [
        ("fd00:200::/64", "site_to_site_tunnel_pool: fd00:200::/64 is an IPv6 prefix; only IPv4 pools are supported"),
        ("169.254.200.0", "site_to_site_tunnel_pool: 169.254.200.0 has no prefix length"),
        ("169.254.200.0/31", "site_to_site_tunnel_pool: 169.254.200.0/31 is smaller than one /30 block"),
    ],
)
def test_bad_tunnel_pool_rejected(pool, fragment):
    # Every peer here has its own inside_cidrs and takes nothing from the pool, but the pool is checked anyway.
    with pytest.raises(DesignError) as error:
        plan_one(AWS, {"tunnel_pool": pool})
    assert fragment in str(error.value)


@pytest.mark.parametrize(
    "version, liveness_check, dpd",
    [("ikev2", True, None), ("ikev1", None, True), ("ikev2-preferred", True, True)],
)
def test_gateways_state_liveness_of_version(version, liveness_check, dpd):
    peer = dict(MINIMAL_PEERS["panos"], overrides={"ike_version": version})
    gateway = plan_one(peer)["config"]["ike_gateways"][0]
    assert gateway["version"] == version
    assert gateway.get("liveness_check") is liveness_check
    assert gateway.get("dpd") is dpd


def test_exclude_unknown_name_names_variable():
    with pytest.raises(DesignError, match=r"fw1: site_to_site_exclude names nobody, which is not one of the sites"):
        plan_device(SITES, "fw1", dict(SETTINGS, exclude=["nobody"]))
