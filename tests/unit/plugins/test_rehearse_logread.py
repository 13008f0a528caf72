"""Reading charon logs of a failed rehearsal into a cause, a reason and the PAN-OS fix.

The log lines are the ones strongSwan 5.9.8 (Debian 12) wrote in rehearsals of each case.
"""

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils._peer_check import TunnelEnd
from ansible_collections.ipsec.panos.plugins.module_utils._rehearse import logread


def make_end(source, local, peer, **settings):
    base = dict(
        version="ikev2",
        local_address=local,
        peer_address=peer,
        ike={"encryption": ["aes-256-cbc"], "hash": ["sha256"], "dh_group": ["group14"], "lifetime": 28800},
        esp={"encryption": ["aes-256-gcm"], "authentication": ["none"], "dh_group": "group20", "lifetime": 3600},
    )
    base.update(settings)
    end = TunnelEnd(source, "vpn-" + source, "gw-" + source, **base)
    end.ike_profile = "ike-" + source
    end.ipsec_profile = "ipsec-" + source
    return end


HUB = make_end("hub", "198.51.100.1", "203.0.113.11")
BRANCH = make_end("branch", "203.0.113.11", "198.51.100.1")
FAILED_PHASE1 = {"initiator": "left", "phase1": "failed", "phase2": "not started"}
FAILED_PHASE2 = {"initiator": "left", "phase1": "established", "phase2": "failed"}

LOGS = {
    "ike-version-mismatch": (
        FAILED_PHASE1,
        ["11[IKE] received NO_PROPOSAL_CHOSEN notify error"],
        ["11[IKE] no IKE config found for 203.0.113.11...198.51.100.1, sending NO_PROPOSAL_CHOSEN"],
    ),
    "ike-proposal-mismatch": (
        FAILED_PHASE1,
        ["07[IKE] received NO_PROPOSAL_CHOSEN notify error"],
        [
            "16[CFG]   no acceptable ENCRYPTION_ALGORITHM found",
            "16[CFG] received proposals: IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_384",
            "16[CFG] configured proposals: IKE:AES_GCM_16_256/PRF_HMAC_SHA2_512/PRF_HMAC_SHA2_384/PRF_HMAC_SHA2_256/ECP_256",
            "16[IKE] received proposals unacceptable",
        ],
    ),
    "authentication-failure": (
        FAILED_PHASE1,
        ["12[IKE] received AUTHENTICATION_FAILED notify error"],
        ["02[IKE] tried 1 shared key for '%any' - '198.51.100.1', but MAC mismatched"],
    ),
    "peer-id-mismatch": (
        FAILED_PHASE1,
        ["09[IKE] received AUTHENTICATION_FAILED notify error"],
        ["12[CFG] no matching peer config found"],
    ),
    "proxy-id-mismatch": (
        FAILED_PHASE2,
        ["09[IKE] received TS_UNACCEPTABLE notify, no CHILD_SA built", "09[IKE] failed to establish CHILD_SA, keeping IKE_SA"],
        ["10[IKE] traffic selectors 10.2.0.0/24 === 10.1.0.0/24 unacceptable"],
    ),
    "esp-proposal-mismatch": (
        FAILED_PHASE2,
        ["14[IKE] received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built"],
        ["13[IKE] no acceptable proposal found", "13[IKE] failed to establish CHILD_SA, keeping IKE_SA"],
    ),
}


@pytest.mark.parametrize("cause", sorted(LOGS))
def test_cause_from_log(cause):
    result, initiator, responder = LOGS[cause]
    explained = logread.explain({"initiator": initiator, "responder": responder}, HUB, BRANCH, result)
    assert explained["cause"] == cause
    assert explained["reason"]
    assert explained["fix"]
    assert explained["log"]


def test_ike_proposal_reason_names_profiles_and_offers():
    branch = make_end("branch", "203.0.113.11", "198.51.100.1", ike={"encryption": ["aes-256-gcm"], "hash": ["non-auth"], "dh_group": ["group20"]})
    result, initiator, responder = LOGS["ike-proposal-mismatch"]
    explained = logread.explain({"initiator": initiator, "responder": responder}, HUB, branch, result)
    assert explained["reason"] == (
        "IKE crypto profile `ike-hub` (hub tunnel vpn-hub (gateway gw-hub)) offers aes-256-cbc/sha256/group14; "
        "the peer (branch tunnel vpn-branch (gateway gw-branch), IKE crypto profile `ike-branch`) offers aes-256-gcm/group20 only"
    )
    # Both ends often use the same profile name, so the fix names each profile's site.
    assert "IKE crypto profile `ike-hub` on hub or `ike-branch` on branch" in explained["fix"]


def test_evidence_labels_each_end_and_drops_prefix():
    result, initiator, responder = LOGS["authentication-failure"]
    explained = logread.explain({"initiator": initiator, "responder": responder}, HUB, BRANCH, result)
    assert explained["log"] == [
        "initiator: received AUTHENTICATION_FAILED notify error",
        "responder: tried 1 shared key for '%any' - '198.51.100.1', but MAC mismatched",
    ]


def test_ikev1_wrong_key_is_authentication():
    logs = {"initiator": ["13[ENC] invalid HASH_V1 payload length, decryption failed?"], "responder": ["12[ENC] could not decrypt payloads"]}
    assert logread.classify(logs, FAILED_PHASE1) == "authentication-failure"


def test_ikev1_pfs_reported_as_pfs():
    # IKEv1 carries the PFS group in the ESP proposal, so strongSwan reports no proposal.
    hub = make_end("hub", "198.51.100.1", "203.0.113.11", version="ikev1")
    branch = make_end("branch", "203.0.113.11", "198.51.100.1", version="ikev1",
                      esp={"encryption": ["aes-256-gcm"], "authentication": ["none"], "dh_group": "group14"})
    logs = {"initiator": ["received NO_PROPOSAL_CHOSEN error notify"], "responder": ["no matching proposal found, sending NO_PROPOSAL_CHOSEN"]}
    explained = logread.explain(logs, hub, branch, FAILED_PHASE2)
    assert explained["cause"] == "pfs-group-mismatch"
    assert "in quick mode" in explained["reason"]


def test_rekey_failure_is_pfs():
    explained = logread.explain({"initiator": [], "responder": []}, HUB, BRANCH, dict(FAILED_PHASE2, rekey="failed"))
    assert explained["cause"] == "pfs-group-mismatch"
    assert "first rekey" in explained["reason"]


def test_both_passive_without_log():
    explained = logread.explain({}, HUB, BRANCH, {"initiator": None, "phase1": "not started", "phase2": "not started"})
    assert explained["cause"] == "both-passive"
    assert "passive_mode" in explained["fix"]
    assert explained["log"] == []


def test_silence_is_timeout():
    explained = logread.explain({"initiator": ["initiating IKE_SA tunnel[1] to 203.0.113.11"]}, HUB, BRANCH, FAILED_PHASE1, timeout=7)
    assert explained["cause"] == "timeout"
    assert "7 seconds" in explained["reason"]


def test_peer_id_reason_names_expecting_gateway():
    hub = make_end("hub", "198.51.100.1", "203.0.113.11", peer_id={"type": "fqdn", "id": "branch.example.net"})
    result, initiator, responder = LOGS["peer-id-mismatch"]
    explained = logread.explain({"initiator": initiator, "responder": responder}, hub, BRANCH, result)
    assert explained["reason"] == (
        "IKE gateway gw-hub expects peer ID fqdn:branch.example.net, but branch tunnel vpn-branch (gateway gw-branch) sends ipaddr:203.0.113.11"
    )


def test_terminal_lines_end_the_wait():
    assert logread.is_terminal(["received AUTHENTICATION_FAILED notify error"])
    assert not logread.is_terminal(["initiating IKE_SA tunnel[1] to 203.0.113.11"])


def test_established_phase1_ignores_phase1_patterns():
    # After phase 1, a NO_PROPOSAL_CHOSEN belongs to the child SA.
    logs = {"initiator": ["received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built"], "responder": ["no acceptable proposal found"]}
    assert logread.classify(logs, FAILED_PHASE2) == "esp-proposal-mismatch"
