# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tunnel status from the VPN op commands, and a diagnosis for each tunnel that is down.

The op replies (``show vpn ike-sa``, ``ipsec-sa`` and ``flow``) are turned into plain
dicts with xmltodict. A tunnel that is down is diagnosed from its SAs, its gateway's
settings and the newest VPN system log event about it. PAN-OS words these events
differently from release to release, so they are classified by keywords, not by whole
sentences.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

try:
    import xmltodict

    HAS_XMLTODICT = True
except ImportError:  # pragma: no cover - reported by the module
    HAS_XMLTODICT = False


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _result_dict(element):
    """Return the ``<result>`` of an op reply as a dict, {} when it is empty."""
    if element is None:
        return {}
    result = element.find("result") if element.tag == "response" else element
    if result is None or (len(result) == 0 and not (result.text or "").strip()):
        return {}
    parsed = xmltodict.parse(ET.tostring(result))
    return parsed.get("result") or {}


def _integer(value):
    try:
        return int(str(value).strip(), 0) if value is not None else None
    except ValueError:
        return None


def parse_ike_sas(element):
    """Return the phase-1 SAs of ``show vpn ike-sa``, keyed by gateway name."""
    sas = {}
    for entry in _as_list(_result_dict(element).get("entry")):
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        sas[entry["name"]] = {
            "role": entry.get("role"),
            "mode": entry.get("mode"),
            "algorithm": entry.get("algo"),
            "created": entry.get("created"),
            "expires": entry.get("expires"),
        }
    return sas


def parse_ipsec_sas(element):
    """Return the phase-2 SAs of ``show vpn ipsec-sa``, as a list in reply order."""
    entries = (_result_dict(element).get("entries") or {}).get("entry")
    sas = []
    for entry in _as_list(entries):
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        sas.append(
            {
                "name": entry.get("name"),
                "gateway": entry.get("gateway"),
                "remote": entry.get("remote"),
                "protocol": entry.get("proto"),
                "encryption": entry.get("enc"),
                "hash": entry.get("hash"),
                "dh_group": entry.get("dh"),
                "lifetime": _integer(entry.get("life")),
                "remaining": _integer(entry.get("remain")),
            }
        )
    return sas


def parse_flows(element):
    """Return the tunnel flows of ``show vpn flow``: name, id, state, monitor state and addresses."""
    flows = []
    for entry in _as_list((_result_dict(element).get("IPSec") or {}).get("entry")):
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        flows.append(
            {
                "name": entry.get("name"),
                "id": entry.get("id"),
                "state": entry.get("state"),
                "monitor": entry.get("mon"),
                "local_ip": entry.get("localip"),
                "peer_ip": entry.get("peerip"),
                "tunnel_interface": entry.get("inner-if"),
            }
        )
    return flows


COUNTERS = (
    ("pkt-encap", "encap_packets"),
    ("pkt-decap", "decap_packets"),
    ("byte-encap", "encap_bytes"),
    ("byte-decap", "decap_bytes"),
    ("pkt-replay", "replay_errors"),
    ("auth-err", "authentication_errors"),
    ("dec-err", "decryption_errors"),
)


def parse_flow_detail(element):
    """Return the counters and lifetimes of one flow from ``show vpn flow tunnel-id N``."""
    entries = _as_list((_result_dict(element).get("IPSec") or {}).get("entry"))
    if not entries or not isinstance(entries[0], dict):
        return {}
    entry = entries[0]
    detail = {name: _integer(entry.get(key)) for key, name in COUNTERS}
    detail["remaining_lifetime"] = _integer(entry.get("remaintime"))
    detail["mtu"] = _integer(entry.get("mtu"))
    monitor = entry.get("monitor") or {}
    if isinstance(monitor, dict) and monitor.get("on") == "True":
        detail["monitor"] = {
            "destination": monitor.get("dst"),
            "source": monitor.get("src"),
            "packets_sent": _integer(monitor.get("pkt-sent")),
            "packets_received": _integer(monitor.get("pkt-recv")),
        }
    return detail


def parse_system_log(element):
    """Return the entries of a ``type=log`` system log reply, newest first."""
    logs = ((_result_dict(element).get("log") or {}).get("logs") or {}).get("entry")
    events = []
    for entry in _as_list(logs):
        if not isinstance(entry, dict):
            continue
        events.append(
            {
                "time": entry.get("time_generated") or entry.get("receive_time"),
                "seqno": _integer(entry.get("seqno")) or 0,
                "eventid": entry.get("eventid"),
                "object": entry.get("object") or "",
                "severity": entry.get("severity"),
                "message": entry.get("opaque") or "",
            }
        )
    return sorted(events, key=lambda event: event["seqno"], reverse=True)


# -- diagnosis --------------------------------------------------------------------------

# (cause, phase, keywords, what it means, fix), tried in order on the newest failure event.
# More specific causes come first: a proxy-ID failure also mentions phase 2, and an ID
# failure also mentions authentication.
SIGNATURES = (
    (
        "proxy_id_mismatch", 2, ("proxy id", "traffic selector", "ts_unacceptable"),
        "phase 2 failed on the proxy IDs: the two ends do not propose mirror images of each other",
        "give each end the other's proxy IDs with local and remote swapped, or none on both ends for a route-based peer",
    ),
    (
        "pfs_mismatch", 2, ("pfs",),
        "phase 2 failed because the ends use different PFS (DH) groups",
        "set dh_group of both IPsec crypto profiles to the same group, or no-pfs on both",
    ),
    (
        "peer_id_mismatch", 1, ("peer id mismatch", "id mismatch", "peer identity"),
        "phase 1 failed because the ID one end sent is not the ID the other expects",
        "align local_id on one gateway with peer_id on the other (type and value)",
    ),
    (
        "ike_version_mismatch", 1, ("version mismatch",),
        "the ends run different IKE versions",
        "set the same version on both gateways, ikev2 where both support it",
    ),
    (
        "exchange_mode_mismatch", 1, ("exchange mode",),
        "the IKEv1 ends use different exchange modes",
        "set exchange_mode to the same value on both gateways, or auto",
    ),
    (
        "proposal_mismatch", 0, ("no suitable proposal", "no-proposal-chosen", "no_proposal_chosen", "no proposal chosen"),
        "the ends have no phase-1 proposal in common",
        "give both IKE crypto profiles at least one common encryption, hash and DH group; vpn_peer_check shows what each end offers",
    ),
    (
        "psk_mismatch", 1, ("authentication failure", "authentication-failed", "authentication_failed", "authentication result: failure"),
        "phase 1 failed at authentication: the pre-shared keys differ (or, less often, the IDs)",
        "write the same pre_shared_key to both gateways; vpn_peer_check compares them without showing them",
    ),
    (
        "no_matching_gateway", 1, ("couldn't find configuration", "could not find configuration"),
        "the far end received IKE from an address it has no gateway for",
        "set the gateway's peer address to the other end's local address on both ends, and check the local interface and IP",
    ),
    (
        "peer_unreachable", 1, ("timeout", "timed out"),
        "the peer never answered IKE",
        "check the peer address, the route and ISP path to it, that UDP 500 and 4500 reach it, and that the peer has a "
        "gateway for this address and is not waiting passively too",
    ),
)

_FAILED = re.compile(r"\bfail", re.IGNORECASE)
# Events that show the tunnel or its gateway working; failures logged before the newest of
# them belong to an outage that has since ended.
_SUCCEEDED = re.compile(r"negotiation is succeeded|\bestablished\b|key installed|\bis up\b", re.IGNORECASE)


def _events_for(events, gateway, tunnel):
    names = {gateway, tunnel}
    return [
        event
        for event in events
        if event["object"] in names or (tunnel and event["object"].startswith(tunnel + ":"))
    ]


def _phase_of(event):
    text = event["message"].lower()
    if "phase-2" in text or "child sa" in text or "ipsec sa" in text:
        return 2
    return 1


def diagnose(tunnel, events):
    """Return the diagnosis of a tunnel that is not up, or None when it is up.

    ``tunnel`` is a status dict with ``state``, ``phase1``, ``phase2``, ``disabled``,
    ``gateway_disabled``, ``passive`` and the names of the tunnel and gateway.
    """
    if tunnel["state"] == "up":
        return None
    if tunnel.get("disabled") or tunnel.get("gateway_disabled"):
        what = "tunnel" if tunnel.get("disabled") else "gateway %s" % tunnel["gateway"]
        return _diagnosis("disabled", 1, "the %s is disabled in the configuration" % what, "set disabled to false", [])

    related = _events_for(events, tunnel["gateway"], tunnel["name"])
    last_success = next((index for index, event in enumerate(related) if _SUCCEEDED.search(event["message"])), None)
    if last_success is not None:
        related = related[:last_success]
    failures = [event for event in related if _FAILED.search(event["message"]) or "mismatch" in event["message"].lower()]
    if failures:
        newest = failures[0]
        text = newest["message"].lower()
        for cause, phase, keywords, meaning, fix in SIGNATURES:
            if any(keyword in text for keyword in keywords):
                if phase == 0:
                    phase = _phase_of(newest)
                    cause = "ike_proposal_mismatch" if phase == 1 else "esp_proposal_mismatch"
                    if phase == 2:
                        meaning = "the ends have no phase-2 proposal in common, or use different PFS groups"
                        fix = (
                            "give both IPsec crypto profiles a common ESP encryption and authentication and the same "
                            "dh_group (PFS) setting; vpn_peer_check shows what each end offers"
                        )
                if cause == "peer_unreachable" and _phase_of(newest) == 2:
                    # An IKEv1 responder that rejects a proxy ID or proposal sends no reply.
                    return _diagnosis(
                        "phase2_no_answer", 2,
                        "the peer did not answer the phase-2 proposal; it rejected the proxy IDs, the ESP proposal or the "
                        "PFS group, and only its own log says which",
                        "compare both ends with vpn_peer_check, or run vpn_info on the peer",
                        failures[:3],
                    )
                return _diagnosis(cause, phase, meaning, fix, failures[:3])
        return _diagnosis(
            "unknown", _phase_of(newest), "negotiation failed for a reason this module does not recognise",
            "read the evidence, and the peer's log for the same time", failures[:3],
        )

    if tunnel["phase1"]["state"] == "up":
        return _diagnosis(
            "phase2_not_negotiated", 2, "phase 1 is up but no IPsec SA exists and the log has no phase-2 failure",
            "run with initiate=true, or send traffic into the tunnel, then look again", related[:3],
        )
    if tunnel.get("passive"):
        return _diagnosis(
            "passive_waiting", 1,
            "this gateway is passive and the peer has not initiated; if the peer is passive too, the tunnel never comes up",
            "set passive_mode to false on one end, usually the spoke or the end with the static address",
            related[:3],
        )
    return _diagnosis(
        "not_initiated", 1,
        "no negotiation was attempted since the tunnel was last up: no traffic and no tunnel monitor has started it",
        "run with initiate=true, send traffic, or add a tunnel monitor so the firewall keeps the tunnel up", related[:3],
    )


def _diagnosis(cause, phase, message, fix, evidence):
    return {
        "cause": cause,
        "phase": phase,
        "message": message,
        "fix": fix,
        "evidence": [{"time": e["time"], "eventid": e["eventid"], "object": e["object"], "message": e["message"]} for e in evidence],
    }


def tunnel_status(tunnel_name, tunnel, gateway, ike_sas, ipsec_sas, flows, details):
    """Return the status of one configured tunnel from the parsed op replies.

    ``tunnel`` and ``gateway`` are the configured objects as the resources parse them.
    ``details`` maps a flow id to its parsed ``show vpn flow tunnel-id`` detail.
    """
    gateway_name = tunnel.get("ike_gateway")
    own_flows = [flow for flow in flows if flow["name"] == tunnel_name or flow["name"].startswith(tunnel_name + ":")]
    own_sas = [sa for sa in ipsec_sas if sa["name"] == tunnel_name or sa["name"].startswith(tunnel_name + ":")]
    phase1 = ike_sas.get(gateway_name)
    expected_flows = max(1, len(tunnel.get("proxy_ids") or []))

    if own_sas and len(own_sas) >= expected_flows:
        state = "up"
    elif own_sas:
        state = "partial"
    else:
        state = "down"

    monitors = [flow["monitor"] for flow in own_flows if flow.get("monitor")]
    if "down" in monitors:
        monitor = "down"
    elif "up" in monitors:
        monitor = "up"
    else:
        monitor = "off" if not (tunnel.get("tunnel_monitor") or {}).get("enable") else "unknown"

    counters = {}
    for flow in own_flows:
        for key, value in (details.get(flow["id"]) or {}).items():
            if isinstance(value, int):
                counters[key] = counters.get(key, 0) + value
    status = {
        "name": tunnel_name,
        "gateway": gateway_name,
        "tunnel_interface": tunnel.get("tunnel_interface"),
        "peer_address": (gateway or {}).get("peer_address"),
        "state": state,
        "phase1": dict(phase1, state="up") if phase1 else {"state": "down"},
        "phase2": {"state": "up" if own_sas else "down", "sas": own_sas},
        "monitor": monitor,
        "counters": counters,
        "flows": [_with_monitor(flow, details.get(flow["id"]) or {}) for flow in own_flows],
        "disabled": bool(tunnel.get("disabled")),
        "gateway_disabled": bool((gateway or {}).get("disabled")),
        "passive": bool((gateway or {}).get("passive_mode")),
    }
    return status


def _with_monitor(flow, detail):
    """Return the flow with the monitor block of its detail, when the detail has one."""
    if "monitor" not in detail:
        return dict(flow)
    return dict(flow, monitor_detail=detail["monitor"])


def unmatched_requests(events):
    """Return the events of IKE requests from addresses no gateway of this device matches."""
    return [
        {"time": e["time"], "message": e["message"]}
        for e in events
        if not e["object"] and ("couldn't find configuration" in e["message"].lower() or "could not find configuration" in e["message"].lower())
    ]
