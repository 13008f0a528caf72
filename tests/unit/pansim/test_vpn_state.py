"""Negotiation state decided from two running configurations (pansim.vpn), one mismatch kind at a time."""

import ipaddress

import pytest
from _vpn_builders import (
    ADDRESSES,
    HUB_IP,
    PSK,
    SPOKE_IP,
    GatewaySpec,
    TunnelSpec,
    build,
    config,
    ends,
    hub_gateway,
    ike_profile,
    ipsec_profile,
    monitor_profile,
    negotiate,
    spoke_gateway,
)

from pansim import vpn
from pansim.vpn import Blocker, Cause, End

# Parsing


def test_parse_local_ip_from_interface():
    hub, _ = ends()
    assert hub.gateways["gw"].local_ip == HUB_IP
    assert hub.gateways["gw"].peer_ip == SPOKE_IP


def test_parse_explicit_local_ip_and_address_object():
    device = build(
        "hub",
        HUB_IP,
        [hub_gateway(peer="spoke-public", local_ip="198.51.100.1/24")],
        extra=[(ADDRESSES, f'<entry name="spoke-public"><ip-netmask>{SPOKE_IP}/32</ip-netmask></entry>')],
    )
    gateway = config(device).gateways["gw"]
    assert gateway.local_ip == HUB_IP
    assert gateway.peer_ip == SPOKE_IP


def test_parse_predefined_default_profile():
    device = build("hub", HUB_IP, [hub_gateway(version="ikev1", ike_profile="default")], [TunnelSpec("t1", "tunnel.1", "gw", ipsec_profile="default")])
    parsed = config(device)
    profile = parsed.gateways["gw"].ike_profiles["ikev1"]
    assert profile.encryption == ("aes-128-cbc", "3des")
    assert profile.dh_groups == ("group2",)
    assert profile.lifetime == 8 * 3600
    assert parsed.tunnels["t1"].ipsec_profile.lifetime == 3600
    assert parsed.tunnels["t1"].ipsec_profile.dh_group == "group2"


def test_parse_profile_lifetimes_and_lifesize():
    device = build(
        "hub",
        HUB_IP,
        [hub_gateway()],
        [TunnelSpec("t1", "tunnel.1", "gw")],
        ike=ike_profile("ike-p1", hours=12),
        ipsec=ipsec_profile("ipsec-p2", hours=2, lifesize_mb=4),
    )
    parsed = config(device)
    assert parsed.gateways["gw"].ike_profiles["ikev2"].lifetime == 12 * 3600
    assert parsed.tunnels["t1"].ipsec_profile.lifetime == 7200
    assert parsed.tunnels["t1"].ipsec_profile.lifesize_kb == 4096


def test_parse_proxy_ids_and_monitor():
    tunnel = TunnelSpec(
        "t1",
        "tunnel.1",
        "gw",
        proxy_ids=[("web", "10.1.0.0/16", "10.2.0.10", "<tcp><local-port>0</local-port><remote-port>443</remote-port></tcp>")],
        monitor=("169.254.0.2", "fast"),
    )
    device = build("hub", HUB_IP, [hub_gateway()], [tunnel], extra=[monitor_profile("fast", interval=2, threshold=3)])
    parsed = config(device).tunnels["t1"]
    (selector,) = parsed.selectors
    assert parsed.has_proxy_ids
    assert selector.local == ipaddress.ip_network("10.1.0.0/16")
    assert selector.remote == ipaddress.ip_network("10.2.0.10/32")
    assert (selector.protocol, selector.local_port, selector.remote_port) == (6, 0, 443)
    assert parsed.monitor == vpn.Monitor("169.254.0.2", "fast", 2, 3, "fail-over")


def test_parse_no_proxy_ids_is_any_selector():
    hub, _ = ends()
    assert hub.tunnels["t1"].selectors == (vpn.ANY_SELECTOR,)
    assert not hub.tunnels["t1"].has_proxy_ids


def test_parse_keeps_key_fingerprint_out_of_repr():
    hub, _ = ends()
    gateway = hub.gateways["gw"]
    assert gateway.psk_fingerprint == vpn.key_fingerprint(PSK)
    assert gateway.psk_fingerprint not in repr(gateway)
    assert PSK not in repr(gateway)


def test_stored_keys_of_two_devices_compare_equal():
    # Each device encrypts with its own random key; the fingerprint part is still equal.
    hub = build("hub", HUB_IP, [hub_gateway()])
    spoke = build("spoke", SPOKE_IP, [spoke_gateway()])
    hub_key = hub.candidate.find_child("devices").find_entry("entry", "localhost.localdomain")
    stored = hub_key.find_path("network", "ike", "gateway").find_entry("entry", "gw").child_text("authentication", "pre-shared-key", "key")
    assert stored.startswith("-AQ==")
    assert config(hub).gateways["gw"].psk_fingerprint == config(spoke).gateways["gw"].psk_fingerprint


# Far end lookup


def test_locate_far_end_found():
    hub, spoke = ends()
    far = vpn.locate_far_end(hub, hub.gateways["gw"], [spoke])
    assert far.config is spoke
    assert far.gateway.name == "gw"
    assert far.interface == "ethernet1/1"


def test_locate_far_end_no_device():
    hub, spoke = ends(hub_gw=hub_gateway(peer="192.0.2.99"))
    assert vpn.locate_far_end(hub, hub.gateways["gw"], [spoke]) == vpn.FarEnd()


def test_locate_far_end_device_without_matching_gateway():
    hub, spoke = ends(spoke_gw=spoke_gateway(peer="192.0.2.50"))
    far = vpn.locate_far_end(hub, hub.gateways["gw"], [spoke])
    assert far.config is spoke
    assert far.gateway is None


def test_locate_far_end_skips_disabled_gateway():
    hub, spoke = ends(spoke_gw=spoke_gateway(disabled=True))
    assert vpn.locate_far_end(hub, hub.gateways["gw"], [spoke]).gateway is None


def test_locate_far_end_prefers_exact_peer_over_dynamic():
    hub = config(build("hub", HUB_IP, [hub_gateway()]))
    spoke = config(build("spoke", SPOKE_IP, [GatewaySpec("any-peer", "ethernet1/1", "dynamic", PSK), GatewaySpec("exact", "ethernet1/1", HUB_IP, PSK)]))
    assert vpn.locate_far_end(hub, hub.gateways["gw"], [spoke]).gateway.name == "exact"


def test_locate_far_end_accepts_dynamic_peer():
    hub = config(build("hub", HUB_IP, [hub_gateway()]))
    spoke = config(build("spoke", SPOKE_IP, [GatewaySpec("any-peer", "ethernet1/1", "dynamic", PSK)]))
    assert vpn.locate_far_end(hub, hub.gateways["gw"], [spoke]).gateway.name == "any-peer"


# Matching case


def test_matching_ends_establish():
    negotiation = negotiate(*ends())
    assert negotiation.established
    assert negotiation.failure is None
    assert negotiation.phase1 == vpn.Phase1("ikev2", None, "aes-256-cbc", "sha256", "group14", "pre-shared-key")
    (child,) = negotiation.children
    assert (child.protocol, child.encryption, child.authentication, child.dh_group) == ("esp", "aes-256-gcm", "none", "group20")
    assert child.responder_tunnel.name == "t1"


def test_ikev1_main_mode_establishes():
    negotiation = negotiate(*ends(hub_gw=hub_gateway(version="ikev1"), spoke_gw=spoke_gateway(version="ikev1")))
    assert negotiation.established
    assert (negotiation.phase1.version, negotiation.phase1.mode) == ("ikev1", "main")


def test_proposal_follows_initiator_order():
    hub_ike = ike_profile("ike-p1", encryption=("aes-256-cbc", "aes-128-cbc"), hashes=("sha384", "sha256"), dh_groups=("group20", "group14"))
    spoke_ike = ike_profile("ike-p1", encryption=("aes-128-cbc", "aes-256-cbc"), hashes=("sha256", "sha384"), dh_groups=("group14", "group20"))
    negotiation = negotiate(*ends(hub_ike=hub_ike, spoke_ike=spoke_ike))
    assert (negotiation.phase1.encryption, negotiation.phase1.hash, negotiation.phase1.dh_group) == ("aes-256-cbc", "sha384", "group20")


def test_ike_gcm_with_non_auth_on_ikev2():
    profile = ike_profile("ike-p1", encryption=("aes-256-gcm",), hashes=("non-auth",), dh_groups=("group20",))
    negotiation = negotiate(*ends(hub_ike=profile, spoke_ike=profile))
    assert negotiation.established
    assert (negotiation.phase1.encryption, negotiation.phase1.hash) == ("aes-256-gcm", "non-auth")


# IKE version


@pytest.mark.parametrize(
    "hub_version, spoke_version, expected",
    [
        ("ikev2-preferred", "ikev1", "ikev1"),
        ("ikev1", "ikev2-preferred", "ikev1"),
        ("ikev2-preferred", "ikev2-preferred", "ikev2"),
        ("ikev2", "ikev2-preferred", "ikev2"),
    ],
)
def test_ike_version_agreement(hub_version, spoke_version, expected):
    negotiation = negotiate(*ends(hub_gw=hub_gateway(version=hub_version), spoke_gw=spoke_gateway(version=spoke_version)))
    assert negotiation.established
    assert negotiation.phase1.version == expected


@pytest.mark.parametrize("hub_version, spoke_version", [("ikev1", "ikev2"), ("ikev2", "ikev1")])
def test_ike_version_mismatch(hub_version, spoke_version):
    negotiation = negotiate(*ends(hub_gw=hub_gateway(version=hub_version), spoke_gw=spoke_gateway(version=spoke_version)))
    assert negotiation.cause == Cause.IKE_VERSION
    assert negotiation.detail["offered_version"] == hub_version
    assert negotiation.phase1 is None
    assert not negotiation.children


def test_exchange_mode_mismatch():
    hub_gw = hub_gateway(version="ikev1", exchange_mode="aggressive")
    spoke_gw = spoke_gateway(version="ikev1", exchange_mode="main")
    negotiation = negotiate(*ends(hub_gw=hub_gw, spoke_gw=spoke_gw))
    assert negotiation.cause == Cause.EXCHANGE_MODE


def test_aggressive_mode_against_auto():
    hub_gw = hub_gateway(version="ikev1", exchange_mode="aggressive")
    negotiation = negotiate(*ends(hub_gw=hub_gw, spoke_gw=spoke_gateway(version="ikev1")))
    assert negotiation.established
    assert negotiation.phase1.mode == "aggressive"


# IKE proposals


@pytest.mark.parametrize(
    "spoke_ike",
    [
        ike_profile("ike-p1", encryption=("aes-128-cbc",)),
        ike_profile("ike-p1", hashes=("sha512",)),
        ike_profile("ike-p1", dh_groups=("group19",)),
    ],
    ids=["encryption", "hash", "dh-group"],
)
def test_ike_proposal_mismatch(spoke_ike):
    negotiation = negotiate(*ends(spoke_ike=spoke_ike))
    assert negotiation.cause == Cause.IKE_PROPOSAL
    assert negotiation.phase1 is None


def test_ike_gcm_is_not_offered_over_ikev1():
    profile = ike_profile("ike-p1", encryption=("aes-256-gcm", "aes-128-cbc"), hashes=("sha256",), dh_groups=("group14",))
    negotiation = negotiate(*ends(hub_gw=hub_gateway(version="ikev1"), spoke_gw=spoke_gateway(version="ikev1"), hub_ike=profile, spoke_ike=profile))
    assert negotiation.phase1.encryption == "aes-128-cbc"


def test_non_auth_needs_gcm():
    profile = ike_profile("ike-p1", encryption=("aes-256-cbc",), hashes=("non-auth",), dh_groups=("group14",))
    negotiation = negotiate(*ends(hub_ike=profile, spoke_ike=profile))
    assert negotiation.cause == Cause.IKE_PROPOSAL


# Authentication and identities


def test_pre_shared_key_mismatch():
    negotiation = negotiate(*ends(spoke_gw=spoke_gateway(psk="Other-Key-0815")))
    assert negotiation.cause == Cause.AUTHENTICATION
    assert negotiation.phase1 is None


def test_key_mismatch_detail_has_no_keys():
    negotiation = negotiate(*ends(spoke_gw=spoke_gateway(psk="Other-Key-0815")))
    text = repr(negotiation.detail)
    assert PSK not in text
    assert "Other-Key-0815" not in text
    assert vpn.key_fingerprint(PSK) not in text


def test_peer_id_rejected_by_responder():
    negotiation = negotiate(*ends(spoke_gw=spoke_gateway(peer_id=("fqdn", "hub.example"))))
    assert negotiation.cause == Cause.PEER_ID_AT_RESPONDER
    assert negotiation.detail["received_id"] == f"ipaddr:{HUB_IP}"
    assert negotiation.detail["expected_id"] == "fqdn:hub.example"


def test_peer_id_rejected_by_initiator():
    negotiation = negotiate(*ends(hub_gw=hub_gateway(peer_id=("fqdn", "spoke.example")), spoke_gw=spoke_gateway(local_id=("fqdn", "branch.example"))))
    assert negotiation.cause == Cause.PEER_ID_AT_INITIATOR
    assert negotiation.detail["received_id"] == "fqdn:branch.example"


def test_matching_ids_establish():
    hub_gw = hub_gateway(local_id=("fqdn", "hub.example"), peer_id=("fqdn", "spoke.example"))
    spoke_gw = spoke_gateway(local_id=("fqdn", "spoke.example"), peer_id=("fqdn", "hub.example"))
    assert negotiate(*ends(hub_gw=hub_gw, spoke_gw=spoke_gw)).established


def test_peer_id_default_is_address():
    spoke_gw = spoke_gateway(peer_id=("ipaddr", HUB_IP))
    assert negotiate(*ends(spoke_gw=spoke_gw)).established


def test_identity_wildcard_matching():
    configured = vpn.Identity("fqdn", "*.example")
    assert configured.matches(vpn.Identity("fqdn", "hub.example"), wildcard=True)
    assert not configured.matches(vpn.Identity("fqdn", "hub.example"))
    assert not configured.matches(vpn.Identity("ufqdn", "hub.example"), wildcard=True)


# Phase 2


def test_esp_proposal_mismatch():
    negotiation = negotiate(*ends(spoke_ipsec=ipsec_profile("ipsec-p2", encryption=("aes-128-cbc",), authentication=("sha256",))))
    assert negotiation.phase1_ok
    assert negotiation.failure == Cause.ESP_PROPOSAL
    assert not negotiation.established


def test_esp_against_ah_mismatch():
    negotiation = negotiate(*ends(spoke_ipsec=ipsec_profile("ipsec-p2", authentication=("sha256",), ah=True)))
    assert negotiation.failure == Cause.ESP_PROPOSAL


def test_esp_cbc_needs_authentication():
    profile = ipsec_profile("ipsec-p2", encryption=("aes-256-cbc",), authentication=("none", "sha256"))
    negotiation = negotiate(*ends(hub_ipsec=profile, spoke_ipsec=profile))
    assert negotiation.children[0].authentication == "sha256"


@pytest.mark.parametrize("hub_group, spoke_group", [("no-pfs", "group20"), ("group20", "no-pfs"), ("group14", "group20")])
def test_pfs_group_mismatch(hub_group, spoke_group):
    negotiation = negotiate(*ends(hub_ipsec=ipsec_profile("ipsec-p2", dh_group=hub_group), spoke_ipsec=ipsec_profile("ipsec-p2", dh_group=spoke_group)))
    assert negotiation.phase1_ok
    assert negotiation.failure == Cause.PFS_GROUP


def test_no_pfs_on_both_ends_establishes():
    profile = ipsec_profile("ipsec-p2", dh_group="no-pfs")
    negotiation = negotiate(*ends(hub_ipsec=profile, spoke_ipsec=profile))
    assert negotiation.established
    assert negotiation.children[0].dh_group == "no-pfs"


# Proxy IDs


def test_mirrored_proxy_ids_establish():
    hub_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("lan", "10.1.0.0/16", "10.2.0.0/16")])
    spoke_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("lan", "10.2.0.0/16", "10.1.0.0/16")])
    negotiation = negotiate(*ends(hub_tunnel=hub_tunnel, spoke_tunnel=spoke_tunnel))
    assert negotiation.established
    assert negotiation.children[0].responder_selector.name == "lan"


def test_unmirrored_proxy_ids_fail():
    hub_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("lan", "10.1.0.0/16", "10.2.0.0/16")])
    spoke_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("lan", "10.2.0.0/24", "10.1.0.0/16")])
    negotiation = negotiate(*ends(hub_tunnel=hub_tunnel, spoke_tunnel=spoke_tunnel))
    assert negotiation.phase1_ok
    assert negotiation.failure == Cause.PROXY_ID


@pytest.mark.parametrize("proxy_on", ["hub", "spoke"])
def test_proxy_ids_on_one_side_only_fail(proxy_on):
    with_proxy = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("lan", "10.1.0.0/16", "10.2.0.0/16")])
    if proxy_on == "hub":
        negotiation = negotiate(*ends(hub_tunnel=with_proxy))
    else:
        negotiation = negotiate(*ends(spoke_tunnel=with_proxy))
    assert negotiation.failure == Cause.PROXY_ID


def test_proxy_id_explicit_any_matches_no_proxy_id():
    hub_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("all", "0.0.0.0/0", "0.0.0.0/0")])
    negotiation = negotiate(*ends(hub_tunnel=hub_tunnel))
    assert negotiation.established


def test_proxy_id_protocol_mismatch():
    tcp = "<tcp><local-port>0</local-port><remote-port>443</remote-port></tcp>"
    udp = "<udp><local-port>443</local-port><remote-port>0</remote-port></udp>"
    hub_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("web", "10.1.0.0/16", "10.2.0.0/16", tcp)])
    spoke_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("web", "10.2.0.0/16", "10.1.0.0/16", udp)])
    assert negotiate(*ends(hub_tunnel=hub_tunnel, spoke_tunnel=spoke_tunnel)).failure == Cause.PROXY_ID


def test_proxy_id_ports_mirror():
    ours = "<tcp><local-port>0</local-port><remote-port>443</remote-port></tcp>"
    mirrored = "<tcp><local-port>443</local-port><remote-port>0</remote-port></tcp>"
    hub_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("web", "10.1.0.0/16", "10.2.0.0/16", ours)])
    spoke_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("web", "10.2.0.0/16", "10.1.0.0/16", mirrored)])
    assert negotiate(*ends(hub_tunnel=hub_tunnel, spoke_tunnel=spoke_tunnel)).established
    unmirrored = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("web", "10.2.0.0/16", "10.1.0.0/16", ours)])
    assert negotiate(*ends(hub_tunnel=hub_tunnel, spoke_tunnel=unmirrored)).failure == Cause.PROXY_ID


@pytest.mark.parametrize("spoke_ports", [(443, 8080), (8443, 80)], ids=["local-port", "remote-port"])
def test_proxy_id_each_port_must_mirror(spoke_ports):
    hub_protocol = "<tcp><local-port>80</local-port><remote-port>443</remote-port></tcp>"
    hub_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("web", "10.1.0.0/16", "10.2.0.0/16", hub_protocol)])
    spoke_protocol = f"<tcp><local-port>{spoke_ports[0]}</local-port><remote-port>{spoke_ports[1]}</remote-port></tcp>"
    spoke_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("web", "10.2.0.0/16", "10.1.0.0/16", spoke_protocol)])
    assert negotiate(*ends(hub_tunnel=hub_tunnel, spoke_tunnel=spoke_tunnel)).failure == Cause.PROXY_ID


def test_each_proxy_id_negotiates_alone():
    hub_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("a", "10.1.0.0/16", "10.2.0.0/16"), ("b", "10.1.0.0/16", "10.3.0.0/16")])
    spoke_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("a", "10.2.0.0/16", "10.1.0.0/16")])
    negotiation = negotiate(*ends(hub_tunnel=hub_tunnel, spoke_tunnel=spoke_tunnel))
    assert [child.ok for child in negotiation.children] == [True, False]
    assert negotiation.children[1].cause == Cause.PROXY_ID
    assert not negotiation.established


def test_responder_may_split_proxy_ids_over_tunnels():
    hub_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("a", "10.1.0.0/16", "10.2.0.0/16"), ("b", "10.1.0.0/16", "10.3.0.0/16")])
    hub = config(build("hub", HUB_IP, [hub_gateway()], [hub_tunnel]))
    spoke = config(
        build(
            "spoke",
            SPOKE_IP,
            [spoke_gateway()],
            [
                TunnelSpec("ta", "tunnel.1", "gw", proxy_ids=[("a", "10.2.0.0/16", "10.1.0.0/16")]),
                TunnelSpec("tb", "tunnel.2", "gw", proxy_ids=[("b", "10.3.0.0/16", "10.1.0.0/16")]),
            ],
        )
    )
    negotiation = negotiate(hub, spoke)
    assert negotiation.established
    assert [child.responder_tunnel.name for child in negotiation.children] == ["ta", "tb"]


def test_far_tunnel_disabled_fails_phase_two():
    negotiation = negotiate(*ends(spoke_tunnel=TunnelSpec("t1", "tunnel.1", "gw", disabled=True)))
    assert negotiation.phase1_ok
    assert negotiation.failure == Cause.PROXY_ID
    assert negotiation.children[0].responder_tunnel is None


def test_phase_two_not_run_without_tunnel():
    hub, spoke = ends()
    gateway = hub.gateways["gw"]
    negotiation = vpn.negotiate(End(hub, gateway), vpn.locate_far_end(hub, gateway, [spoke]))
    assert negotiation.phase1_ok
    assert negotiation.children == []
    assert not negotiation.established


# Reachability


def test_peer_without_device_is_unreachable():
    negotiation = negotiate(*ends(hub_gw=hub_gateway(peer="192.0.2.99")))
    assert negotiation.cause == Cause.PEER_UNREACHABLE
    assert negotiation.responder is None


def test_path_down_is_unreachable():
    negotiation = negotiate(*ends(), path_up=False)
    assert negotiation.cause == Cause.PEER_UNREACHABLE


def test_far_device_without_gateway():
    negotiation = negotiate(*ends(spoke_gw=spoke_gateway(peer="192.0.2.50")))
    assert negotiation.cause == Cause.NO_PEER_GATEWAY
    assert negotiation.far.config.device == "spoke"


def test_far_gateway_disabled_is_no_peer_gateway():
    negotiation = negotiate(*ends(spoke_gw=spoke_gateway(disabled=True)))
    assert negotiation.cause == Cause.NO_PEER_GATEWAY


# Who initiates (decide)


def test_decide_local_initiates():
    hub, spoke = ends()
    decision = vpn.decide(hub, "t1", [spoke])
    assert decision.initiator.device == "hub"
    assert decision.up


def test_decide_passive_local_lets_far_end_initiate():
    hub, spoke = ends(hub_gw=hub_gateway(passive=True))
    decision = vpn.decide(hub, "t1", [spoke])
    assert decision.initiator.device == "spoke"
    assert decision.up


def test_decide_both_passive_never_comes_up():
    hub, spoke = ends(hub_gw=hub_gateway(passive=True), spoke_gw=spoke_gateway(passive=True))
    decision = vpn.decide(hub, "t1", [spoke])
    assert decision.blocker == Blocker.BOTH_PASSIVE
    assert decision.negotiation is None
    assert not decision.up


def test_decide_dynamic_local_peer_waits_for_far_end():
    hub = config(build("hub", HUB_IP, [GatewaySpec("gw", "ethernet1/1", "dynamic", PSK)], [TunnelSpec("t1", "tunnel.1", "gw")]))
    spoke = config(build("spoke", SPOKE_IP, [spoke_gateway()], [TunnelSpec("t1", "tunnel.1", "gw")]))
    decision = vpn.decide(hub, "t1", [spoke])
    assert decision.initiator.device == "spoke"
    assert decision.up


@pytest.mark.parametrize(
    "hub_gw, hub_tunnel, blocker",
    [
        (hub_gateway(disabled=True), TunnelSpec("t1", "tunnel.1", "gw"), Blocker.GATEWAY_DISABLED),
        (hub_gateway(), TunnelSpec("t1", "tunnel.1", "gw", disabled=True), Blocker.TUNNEL_DISABLED),
    ],
    ids=["gateway", "tunnel"],
)
def test_decide_disabled_local_end(hub_gw, hub_tunnel, blocker):
    hub, spoke = ends(hub_gw=hub_gw, hub_tunnel=hub_tunnel)
    decision = vpn.decide(hub, "t1", [spoke])
    assert decision.blocker == blocker
    assert not decision.up


def test_decide_far_gateway_disabled():
    hub, spoke = ends(spoke_gw=spoke_gateway(disabled=True))
    decision = vpn.decide(hub, "t1", [spoke])
    assert decision.negotiation.cause == Cause.NO_PEER_GATEWAY
    assert not decision.up


@pytest.mark.parametrize("down", [("hub", "ethernet1/1"), ("spoke", "ethernet1/1")], ids=["local-link", "far-link"])
def test_decide_link_down_is_unreachable(down):
    hub, spoke = ends()
    decision = vpn.decide(hub, "t1", [spoke], down_links={down})
    assert decision.negotiation.cause == Cause.PEER_UNREACHABLE


def test_decide_fqdn_peer_does_not_initiate():
    hub, spoke = ends(hub_gw=hub_gateway(peer="fqdn:spoke.example"))
    decision = vpn.decide(hub, "t1", [spoke])
    assert decision.blocker == Blocker.FQDN_PEER
