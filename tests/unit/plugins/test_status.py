"""Parsing the VPN op replies and diagnosing tunnels that are down."""

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _status as status

IKE_SA = """<response status="success"><result><entry><gwid>1</gwid><name>gw-hub</name><role>Init</role><mode>IKEv2</mode>
<algo>PSK/DH20/A256/SHA256</algo><created>Dec.04 10:00:00</created><expires>Dec.04 18:00:00</expires></entry></result></response>"""
IPSEC_SA = """<response status="success"><result><entries><entry><gwid>1</gwid><gateway>gw-hub</gateway><tid>1</tid><remote>198.51.100.1</remote>
<name>vpn-hub</name><proto>ESP</proto><enc>G256</enc><hash>NONE</hash><i_spi>1</i_spi><o_spi>2</o_spi><dh>DH20</dh><kb>Unlimited</kb>
<life>3600</life><remain>3500</remain></entry></entries></result></response>"""
FLOW = """<response status="success"><result><dp>dp0</dp><total>1</total><IPSec><entry><name>vpn-hub</name><id>1</id><gwid>1</gwid>
<inner-if>tunnel.101</inner-if><outer-if>ethernet1/1</outer-if><localip>203.0.113.11</localip><peerip>198.51.100.1</peerip>
<state>active</state><mon>off</mon><owner>1</owner></entry></IPSec></result></response>"""
EMPTY = '<response status="success"><result/></response>'


def parse(text):
    return ET.fromstring(text)


def configured(**tunnel):
    return dict({"name": "vpn-hub", "ike_gateway": "gw-hub", "tunnel_interface": "tunnel.101"}, **tunnel)


def status_of(ike=EMPTY, ipsec=EMPTY, flow=EMPTY, gateway=None, **tunnel):
    return status.tunnel_status(
        "vpn-hub", configured(**tunnel), gateway or {"name": "gw-hub"},
        status.parse_ike_sas(parse(ike)), status.parse_ipsec_sas(parse(ipsec)), status.parse_flows(parse(flow)), {},
    )


def event(message, obj="gw-hub", seqno=1):
    return {"time": "2026/12/04 10:00:00", "seqno": seqno, "eventid": "x", "object": obj, "severity": "high", "message": message}


def test_up_tunnel_parsed():
    entry = status_of(IKE_SA, IPSEC_SA, FLOW)
    assert entry["state"] == "up"
    assert entry["phase1"]["algorithm"] == "PSK/DH20/A256/SHA256"
    assert entry["phase2"]["sas"][0]["remaining"] == 3500
    assert status.diagnose(entry, []) is None


def test_empty_replies_mean_down():
    entry = status_of()
    assert entry["state"] == "down"
    assert entry["phase1"] == {"state": "down"}


def test_partial_when_some_proxy_ids_lack_sa():
    entry = status_of(IKE_SA, IPSEC_SA.replace("<name>vpn-hub</name>", "<name>vpn-hub:p1</name>"), proxy_ids=[{"name": "p1"}, {"name": "p2"}])
    assert entry["state"] == "partial"


@pytest.mark.parametrize(
    "message, cause, phase",
    [
        ("IKEv2 IKE SA negotiation is failed as initiator, non-rekey. Due to AUTHENTICATION_FAILED notification received from peer.", "psk_mismatch", 1),
        ("IKE phase-1 negotiation is failed as responder, main mode. Due to authentication failure.", "psk_mismatch", 1),
        ("IKE phase-1 negotiation is failed as initiator, main mode. Due to timeout.", "peer_unreachable", 1),
        ("IKE phase-1 negotiation is failed as responder. Due to no suitable proposal found in peer's SA payload.", "ike_proposal_mismatch", 1),
        ("IKE phase-2 negotiation is failed as responder, quick mode. Due to no suitable proposal found in peer's SA payload.", "esp_proposal_mismatch", 2),
        ("IKE phase-2 negotiation failed when processing Proxy ID. Received local id: 10.0.0.0/16", "proxy_id_mismatch", 2),
        ("IKEv2 child SA negotiation is failed as initiator. Due to TS_UNACCEPTABLE notification received from peer.", "proxy_id_mismatch", 2),
        ("IKE phase-2 negotiation is failed as responder. Due to pfs group mismatched: peer proposed group19.", "pfs_mismatch", 2),
        ("IKE phase-1 negotiation is failed as responder. Due to peer ID mismatch: received ID ipaddr:1.2.3.4, expected fqdn:x.", "peer_id_mismatch", 1),
        ("IKE phase-1 negotiation is failed. Due to IKE version mismatch: peer sent IKEv1.", "ike_version_mismatch", 1),
        ("IKE phase-2 negotiation is failed as initiator, quick mode. Due to timeout.", "phase2_no_answer", 2),
    ],
)
def test_failure_classified(message, cause, phase):
    diagnosis = status.diagnose(status_of(), [event(message, obj="vpn-hub" if "phase-2" in message or "child" in message else "gw-hub")])
    assert diagnosis["cause"] == cause
    assert diagnosis["phase"] == phase
    assert diagnosis["fix"]
    assert diagnosis["evidence"][0]["message"] == message


def test_newest_failure_wins():
    events = status.parse_system_log(parse(
        '<response status="success"><result><log><logs count="2">'
        '<entry><seqno>1</seqno><object>gw-hub</object><opaque>IKE phase-1 negotiation is failed. Due to timeout.</opaque></entry>'
        '<entry><seqno>2</seqno><object>gw-hub</object><opaque>IKE phase-1 negotiation is failed. Due to authentication failure.</opaque></entry>'
        '</logs></log></result></response>'
    ))
    assert status.diagnose(status_of(), events)["cause"] == "psk_mismatch"


def test_other_gateway_events_ignored():
    diagnosis = status.diagnose(status_of(), [event("IKE phase-1 negotiation is failed. Due to timeout.", obj="gw-other")])
    assert diagnosis["cause"] == "not_initiated"


def test_passive_gateway_waits():
    entry = status_of(gateway={"name": "gw-hub", "passive_mode": True})
    assert status.diagnose(entry, [])["cause"] == "passive_waiting"


def test_disabled_tunnel_reported():
    assert status.diagnose(status_of(disabled=True), [])["cause"] == "disabled"


def test_phase1_up_without_phase2():
    assert status.diagnose(status_of(IKE_SA), [])["cause"] == "phase2_not_negotiated"


def test_unmatched_requests_listed():
    events = [event("IKEv2 IKE SA negotiation is failed. Couldn't find configuration for IKEv2 request for peer IP 192.0.2.9[500].", obj="")]
    assert status.unmatched_requests(events)[0]["message"].startswith("IKEv2 IKE SA negotiation is failed")


def test_failures_before_last_success_ignored():
    events = [
        event("IKE phase-1 negotiation is failed as initiator. Due to timeout.", seqno=3),
        event("IKEv2 IKE SA negotiation is succeeded as initiator, non-rekey. Established SA: 1[500]-2[500].", seqno=2),
        event("IKE phase-2 negotiation failed when processing Proxy ID. Received local id: 10.0.0.0/16", obj="vpn-hub", seqno=1),
    ]
    diagnosis = status.diagnose(status_of(), events)
    assert diagnosis["cause"] == "peer_unreachable"
    assert [e["message"][:20] for e in diagnosis["evidence"]] == ["IKE phase-1 negotiat"]


def test_old_failure_not_blamed():
    events = [
        event("IPSec tunnel vpn-hub is up.", obj="vpn-hub", seqno=2),
        event("IKE phase-1 negotiation is failed as initiator. Due to authentication failure.", seqno=1),
    ]
    assert status.diagnose(status_of(gateway={"name": "gw-hub", "passive_mode": True}), events)["cause"] == "passive_waiting"


def test_phase2_proposal_fix_mentions_pfs():
    message = "IKEv2 child SA negotiation is failed as initiator, non-rekey. Due to NO_PROPOSAL_CHOSEN notification received from peer."
    diagnosis = status.diagnose(status_of(), [event(message, obj="vpn-hub")])
    assert diagnosis["cause"] == "esp_proposal_mismatch"
    assert "dh_group (PFS)" in diagnosis["fix"]
