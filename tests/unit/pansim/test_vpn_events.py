"""System log wording of VPN negotiations (pansim.vpn_events): which firewall logs what, per failure cause."""

import pytest
from _vpn_builders import HUB_IP, PSK, SPOKE_IP, TunnelSpec, ends, hub_gateway, ike_profile, ipsec_profile, negotiate, spoke_gateway

from pansim import vpn_events
from pansim.vpn_events import Identifiers

IDS = Identifiers(0x1111111111111111, 0x2222222222222222, ((0x0A, 0xAAAA0001, 0xBBBB0002),))
HUB_SOCKETS = f"{HUB_IP}[500]-{SPOKE_IP}[500]"
SPOKE_SOCKETS = f"{SPOKE_IP}[500]-{HUB_IP}[500]"


def events_of(negotiation):
    events = vpn_events.phase1_events(negotiation, IDS)
    if negotiation.phase1_ok and negotiation.children:
        events += vpn_events.phase2_events(negotiation, IDS)
    return events


def texts(events, device):
    return [event.description for event in events if event.device == device]


def v1():
    return {"hub_gw": hub_gateway(version="ikev1"), "spoke_gw": spoke_gateway(version="ikev1")}


def test_established_ikev2_events_on_both_ends():
    events = events_of(negotiate(*ends()))
    assert [event.eventid for event in events if event.device == "hub"] == [
        "ikev2-nego-ike-start",
        "ikev2-nego-ike-succ",
        "ikev2-nego-child-start",
        "ikev2-nego-child-succ",
        "ipsec-key-install",
    ]
    established = f"Established SA: {SPOKE_SOCKETS} SPI:1111111111111111:2222222222222222 lifetime 28800 Sec."
    assert f"IKEv2 IKE SA negotiation is succeeded as responder, non-rekey. {established}" in texts(events, "spoke")
    assert f"IPSec key installed. Installed SA: {HUB_SOCKETS} SPI:0xAAAA0001/0xBBBB0002 lifetime 3600 Sec tunnel t1." in texts(events, "hub")
    assert f"IPSec key installed. Installed SA: {SPOKE_SOCKETS} SPI:0xBBBB0002/0xAAAA0001 lifetime 3600 Sec tunnel t1." in texts(events, "spoke")
    assert {event.severity for event in events} == {"informational"}


def test_established_ikev1_uses_main_and_quick_mode():
    events = events_of(negotiate(*ends(**v1())))
    hub = texts(events, "hub")
    assert hub[0] == f"IKE phase-1 negotiation is started as initiator, main mode. Initiated SA: {HUB_SOCKETS} cookie:1111111111111111:0000000000000000."
    assert f"IKE phase-2 negotiation is started as initiator, quick mode. Initiated SA: {HUB_SOCKETS} message id:0x0000000A." in hub


def test_unreachable_peer_times_out_on_initiator_only():
    events = events_of(negotiate(*ends(**v1()), path_up=False))
    assert {event.device for event in events} == {"hub"}
    assert events[-1].eventid == "ike-nego-p1-fail"
    assert events[-1].severity == "high"
    assert events[-1].description == (
        f"IKE phase-1 negotiation is failed as initiator, main mode. Failed SA: {HUB_SOCKETS} cookie:1111111111111111:0000000000000000. Due to timeout."
    )


def test_unreachable_ikev2_wording():
    events = events_of(negotiate(*ends(), path_up=False))
    assert events[-1].description.startswith("IKEv2 IKE SA negotiation is failed as initiator, non-rekey. Failed SA:")
    assert events[-1].description.endswith("Due to timeout.")


def test_no_peer_gateway_logged_by_far_firewall():
    events = events_of(negotiate(*ends(hub_gw=hub_gateway(version="ikev1"), spoke_gw=spoke_gateway(version="ikev1", peer="192.0.2.50"))))
    (far,) = [event for event in events if event.device == "spoke"]
    assert far.eventid == "ike-nego-p1-fail-common"
    assert far.description == f"IKE phase-1 negotiation is failed. Couldn't find configuration for IKE phase-1 request for peer IP {HUB_IP}[500]."
    assert texts(events, "hub")[-1].endswith("Due to timeout.")


def test_ike_version_mismatch_logged_by_responder():
    events = events_of(negotiate(*ends(hub_gw=hub_gateway(version="ikev1"), spoke_gw=spoke_gateway(version="ikev2"))))
    assert texts(events, "spoke") == [
        f"IKE phase-1 negotiation is failed as responder, main mode. Failed SA: {SPOKE_SOCKETS} cookie:1111111111111111:0000000000000000. "
        "Due to IKE version mismatch: peer sent IKEv1, gateway gw accepts IKEv2 only."
    ]
    assert texts(events, "hub")[-1].endswith("Due to timeout.")


def test_exchange_mode_mismatch_logged_by_responder():
    hub_gw = hub_gateway(version="ikev1", exchange_mode="aggressive")
    events = events_of(negotiate(*ends(hub_gw=hub_gw, spoke_gw=spoke_gateway(version="ikev1", exchange_mode="main"))))
    assert "exchange mode mismatch: peer sent aggressive mode, gateway gw uses main mode" in texts(events, "spoke")[-1]


@pytest.mark.parametrize("version, notify", [("ikev1", "NO-PROPOSAL-CHOSEN"), ("ikev2", "NO_PROPOSAL_CHOSEN")])
def test_ike_proposal_mismatch_wording(version, notify):
    negotiation = negotiate(
        *ends(hub_gw=hub_gateway(version=version), spoke_gw=spoke_gateway(version=version), spoke_ike=ike_profile("ike-p1", dh_groups=("group19",)))
    )
    events = events_of(negotiation)
    assert texts(events, "spoke")[-1].endswith("Due to no suitable proposal found in peer's SA payload.")
    assert texts(events, "hub")[-1].endswith(f"Due to {notify} notification received from peer.")


@pytest.mark.parametrize("version, initiator_reason", [("ikev1", "timeout"), ("ikev2", "AUTHENTICATION_FAILED notification received from peer")])
def test_pre_shared_key_mismatch_logged_by_responder(version, initiator_reason):
    negotiation = negotiate(*ends(hub_gw=hub_gateway(version=version), spoke_gw=spoke_gateway(version=version, psk="Other-Key-0815")))
    events = events_of(negotiation)
    responder = [event for event in events if event.device == "spoke" and event.severity == "high"]
    assert len(responder) == 1
    assert "as responder" in responder[0].description
    assert responder[0].description.endswith("Due to authentication failure.")
    assert texts(events, "hub")[-1].endswith(f"Due to {initiator_reason}.")


def test_pre_shared_key_never_in_events():
    negotiation = negotiate(*ends(spoke_gw=spoke_gateway(psk="Other-Key-0815")))
    for event in events_of(negotiation):
        assert PSK not in event.description
        assert "Other-Key-0815" not in event.description


def test_peer_id_mismatch_at_responder_wording():
    events = events_of(negotiate(*ends(spoke_gw=spoke_gateway(peer_id=("fqdn", "hub.example")))))
    assert texts(events, "spoke")[-1].endswith(f"Due to peer ID mismatch: received ID ipaddr:{HUB_IP}, expected fqdn:hub.example.")
    assert texts(events, "hub")[-1].endswith("Due to AUTHENTICATION_FAILED notification received from peer.")


def test_peer_id_mismatch_at_initiator_wording():
    events = events_of(negotiate(*ends(hub_gw=hub_gateway(peer_id=("fqdn", "spoke.example")))))
    assert texts(events, "hub")[-1].endswith(f"Due to peer ID mismatch: received ID ipaddr:{SPOKE_IP}, expected fqdn:spoke.example.")
    assert texts(events, "spoke")[-1].endswith("Due to AUTHENTICATION_FAILED notification received from peer.")


@pytest.mark.parametrize(
    "version, head, initiator_reason",
    [
        ("ikev1", "IKE phase-2 negotiation failed when processing Proxy ID.", "timeout"),
        ("ikev2", "IKEv2 child SA negotiation failed when processing traffic selector.", "TS_UNACCEPTABLE notification received from peer"),
    ],
)
def test_proxy_id_mismatch_wording(version, head, initiator_reason):
    hub_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("lan", "10.1.0.0/16", "10.2.0.0/16")])
    spoke_tunnel = TunnelSpec("t1", "tunnel.1", "gw", proxy_ids=[("lan", "10.2.0.0/24", "10.1.0.0/16")])
    gateways = {"hub_gw": hub_gateway(version=version), "spoke_gw": spoke_gateway(version=version)}
    negotiation = negotiate(*ends(hub_tunnel=hub_tunnel, spoke_tunnel=spoke_tunnel, **gateways))
    events = events_of(negotiation)
    assert texts(events, "spoke")[-1] == (
        f"{head} Received local id: 10.1.0.0/16 type IPv4_subnet protocol 0 port 0, received remote id: 10.2.0.0/16 type IPv4_subnet protocol 0 port 0."
    )
    assert [event.object for event in events if event.device == "hub"][-1] == "t1:lan"
    assert texts(events, "hub")[-1].endswith(f"Due to {initiator_reason}.")


def test_esp_proposal_mismatch_wording():
    negotiation = negotiate(*ends(spoke_ipsec=ipsec_profile("ipsec-p2", encryption=("aes-128-cbc",), authentication=("sha256",))))
    events = events_of(negotiation)
    assert texts(events, "spoke")[-1].startswith("IKEv2 child SA negotiation is failed as responder, non-rekey.")
    assert texts(events, "spoke")[-1].endswith("Due to no suitable proposal found in peer's SA payload.")
    assert texts(events, "hub")[-1].endswith("Due to NO_PROPOSAL_CHOSEN notification received from peer.")
    assert not [event for event in events if event.eventid == "ipsec-key-install"]


def test_pfs_mismatch_wording():
    negotiation = negotiate(*ends(spoke_ipsec=ipsec_profile("ipsec-p2", dh_group="group14")))
    events = events_of(negotiation)
    assert texts(events, "spoke")[-1].endswith("Due to pfs group mismatched: peer proposed group20, tunnel t1 uses group14.")


def test_tunnel_and_monitor_events():
    up = vpn_events.tunnel_status_event("hub", "t1", True)
    down = vpn_events.monitor_event("hub", "t1", "169.254.0.2", False)
    assert (up.eventid, up.description, up.severity) == ("tunnel-status-up", "IPSec tunnel t1 is up.", "informational")
    assert (down.eventid, down.severity) == ("tunnel-monitor-down", "high")
    assert down.description == "Tunnel monitor for tunnel t1 is down: destination 169.254.0.2 does not reply."
