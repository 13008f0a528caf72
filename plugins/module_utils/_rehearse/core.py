# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rehearse one tunnel: pick the initiator, run both daemons, observe, and explain the outcome."""

from __future__ import annotations

import copy
import ipaddress
import time

from ansible_collections.ipsec.panos.plugins.module_utils import _peer_check as peer_check
from ansible_collections.ipsec.panos.plugins.module_utils._rehearse import logread, render, runner as runner_module

CONNECTION = "tunnel"
# How long two passive ends are watched for an IKE exchange that neither starts.
IDLE_SECONDS = 2
REKEY_SECONDS = 8


def initiator_side(left, right):
    """Return "left", "right" or None: the end that starts IKE, preferring the left one as pansim does."""
    if not left.passive:
        return "left"
    if not right.passive:
        return "right"
    return None


def _first_network(networks):
    for network in networks or []:
        try:
            return ipaddress.ip_network(str(network), strict=False)
        except ValueError:
            continue
    return None


def traffic_pairs(left, right):
    """Return ``[(left address, right address)]``, one per child, for the datagram test."""
    if left.proxy_ids:
        pairs = []
        for local_ts, remote_ts in render.children_selectors(left):
            pairs.append((render.protected_address(local_ts), render.protected_address(remote_ts)))
        return pairs
    # Selectors 0.0.0.0/0: the networks each end routes into the tunnel are the other end's.
    left_net = _first_network(getattr(right, "routed", None))
    right_net = _first_network(getattr(left, "routed", None))
    left_address = render.protected_address(left_net) if left_net else runner_module.SYNTHETIC[0]
    right_address = render.protected_address(right_net) if right_net else runner_module.SYNTHETIC[1]
    if left_address == right_address:
        left_address, right_address = runner_module.SYNTHETIC
    return [(left_address, right_address)]


def _right_inside(left, right, pairs):
    if right.proxy_ids:
        return [render.protected_address(local_ts) for local_ts, _remote in render.children_selectors(right)]
    return [pair[1] for pair in pairs]


def _ike_text(ike):
    if not ike:
        return None
    parts = ["%s-%s" % (ike.get("encr-alg"), ike.get("encr-keysize")) if ike.get("encr-keysize") else ike.get("encr-alg")]
    for key in ("integ-alg", "prf-alg", "dh-group"):
        if ike.get(key):
            parts.append(ike[key])
    return "/".join(p for p in parts if p)


def _child_text(child):
    parts = ["%s-%s" % (child.get("encr-alg"), child.get("encr-keysize")) if child.get("encr-keysize") else child.get("encr-alg")]
    for key in ("integ-alg", "dh-group"):
        if child.get(key):
            parts.append(child[key])
    return "/".join(p for p in parts if p)


def _children_by_name(ike):
    found = {}
    for child in ((ike or {}).get("child-sas") or {}).values():
        if child.get("state") == "INSTALLED":
            found[child.get("name")] = child
    return found


def rehearse_pair(run, left, right, timeout):
    """Rehearse one pair of ``TunnelEnd`` objects and return the result of the tunnel."""
    result = {
        "phase1": "not started",
        "phase2": "not started",
        "initiator": None,
        "ike_version": None,
        "ike_proposal": None,
        "esp_proposals": [],
        "rekey": None,
        "traffic": [],
        "traffic_passed": False,
        "established": False,
        "cause": None,
        "reason": None,
        "fix": None,
    }
    disabled = left.disabled or right.disabled
    if disabled:
        result.update(logread.disabled_reason(left, right))
        return result
    for end in (left, right):
        if not end.local_address or not end.peer_address:
            result.update(
                cause="address-unknown", reason="%s has no known local or peer IP address" % end.label, fix="set local_ip and peer_address on %s" % end.gateway
            )
            return result
    if left.authentication != "pre-shared-key" or right.authentication != "pre-shared-key":
        result.update(cause="certificates-not-rehearsed", reason="certificate authentication is not rehearsed; only pre-shared keys are", fix=None)
        return result

    left, right = _effective_versions(left, right)
    side = initiator_side(left, right)
    result["initiator"] = side
    initiator, responder = (left, right) if side != "right" else (right, left)
    pairs = traffic_pairs(initiator, responder)
    initiator_inside = [pair[0] for pair in pairs]
    responder_inside = _right_inside(initiator, responder, pairs)
    ends = run.rehearse(initiator, responder, True if side else None, initiator_inside, responder_inside)
    first, second = ends["l"], ends["r"]
    children = ["%s-%d" % (CONNECTION, index) for index in range(1, len(render.children_selectors(initiator)) + 1)]

    if side is None:
        time.sleep(IDLE_SECONDS)
        sas = run.list_sas(first["uri"])
    else:
        sas = run.wait_for(first["uri"], children, timeout, lambda: logread.is_terminal(runner_module.read_log(first["directory"])))
    ike = sas.get(CONNECTION)
    installed = _children_by_name(ike)
    if ike:
        result["ike_version"] = "ikev%s" % ike.get("version")
    if ike and ike.get("state") == "ESTABLISHED":
        result["phase1"] = "established"
        result["ike_proposal"] = _ike_text(ike)
    elif side is not None:
        result["phase1"] = "failed"
    result["esp_proposals"] = [_child_text(installed[name]) for name in children if name in installed]
    if installed and set(children) <= set(installed):
        result["phase2"] = "established"
    elif result["phase1"] == "established":
        result["phase2"] = "failed"

    if result["phase2"] == "established" and result["ike_version"] == "ikev2":
        result["rekey"] = _rekey(run, first, children, installed)
        if result["rekey"] != "ok":
            result["phase2"] = "failed at rekey"

    if result["phase2"] == "established":
        for source, destination in pairs:
            arrived = run.send_datagram(first["ns"], source, second["ns"], destination)
            result["traffic"].append({"source": source, "destination": destination, "arrived": arrived})
        result["traffic_passed"] = bool(result["traffic"]) and all(item["arrived"] for item in result["traffic"])
    # strongSwan narrows traffic selectors that do not mirror each other; PAN-OS needs them to mirror.
    narrowed = None
    if result["phase2"] == "established":
        check = peer_check.check_proxy_ids(initiator, responder)
        if check["status"] == peer_check.MISMATCH:
            narrowed = check
            result["phase2"] = "failed"
    result["established"] = result["phase2"] == "established" and narrowed is None

    if not result["established"] or not result["traffic_passed"]:
        logs = {"initiator": runner_module.read_log(first["directory"]), "responder": runner_module.read_log(second["directory"])}
        result.update(logread.explain(logs, initiator, responder, result, timeout))
    if narrowed is not None:
        result.update(
            cause="proxy-id-mismatch",
            reason="strongSwan narrowed the traffic selectors and came up, but PAN-OS needs proxy IDs that mirror each "
            "other: %s (%s: %s; %s: %s)"
            % (narrowed["message"], initiator.label, ", ".join(narrowed["local"]) or "none", responder.label, ", ".join(narrowed["peer"]) or "none"),
            fix="%s, on IPsec tunnels %s and %s" % (narrowed["fix"], initiator.tunnel, responder.tunnel),
        )
    run.finish_pair()
    return result


def _effective_versions(left, right):
    """Return the two ends with the IKE version PAN-OS would negotiate: ikev2-preferred falls back to an IKEv1 peer."""
    versions = {left.version, right.version}
    if "ikev2-preferred" not in versions:
        return left, right
    chosen = "ikev1" if "ikev1" in versions else "ikev2"
    ends = []
    for end in (left, right):
        if end.version == "ikev2-preferred":
            end = copy.copy(end)
            end.version = chosen
        ends.append(end)
    return ends[0], ends[1]


def _rekey(run, initiator, children, installed):
    """Rekey every child once and return "ok" or "failed": IKEv2 uses the PFS group only from the first rekey."""
    uri = initiator["uri"]
    before = {name: installed[name].get("uniqueid") for name in children}
    for name in children:
        run.swanctl(uri, "--rekey", "--child", name)
    deadline = time.monotonic() + REKEY_SECONDS
    while time.monotonic() < deadline:
        listed = ((run.list_sas(uri).get(CONNECTION) or {}).get("child-sas") or {}).values()
        now = {(child.get("name"), child.get("uniqueid")) for child in listed if child.get("state") == "INSTALLED"}
        if all(any(name == n and uid != before[name] for n, uid in now) for name in children):
            return "ok"
        if any("CHILD_SA rekeying failed" in line for line in runner_module.read_log(initiator["directory"])):
            return "failed"
        time.sleep(0.2)
    return "failed"
