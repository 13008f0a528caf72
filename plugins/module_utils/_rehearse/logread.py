# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Turn the charon logs of a failed rehearsal into a cause, a reason and the PAN-OS setting to change.

The log decides which exchange failed and why, from the lines strongSwan 5.9.8 writes, such as
``no acceptable ENCRYPTION_ALGORITHM found`` or ``received TS_UNACCEPTABLE notify``. The two
ends' settings then name the profile, gateway or tunnel to change. Cause names are the ones
pansim uses for the same failure, so the two can be compared.
"""

from __future__ import annotations

import re

# (cause, pattern) in the order the exchanges happen; the first match wins.
PATTERNS = (
    ("ike-version-mismatch", re.compile(r"no IKE config found for .*, sending NO_PROPOSAL_CHOSEN|received IKEv\d .* but .* configured|invalid major version")),
    ("ike-proposal-mismatch", re.compile(r"received proposals unacceptable|received NO_PROPOSAL_CHOSEN notify error|no proposal found|"
                                         r"received NO_PROPOSAL_CHOSEN error notify(?!.*quick)")),
    ("peer-id-mismatch", re.compile(r"no matching peer config found|constraint check failed|selected peer config .* unacceptable")),
    # IKEv1 main mode encrypts with a key derived from the pre-shared key, so a wrong key shows as undecryptable payloads.
    (
        "authentication-failure",
        re.compile(r"MAC mismatched|received AUTHENTICATION_FAILED|verification of .* failed|decryption failed\?|could not decrypt payloads"),
    ),
    ("proxy-id-mismatch", re.compile(r"TS_UNACCEPTABLE|traffic selectors .* unacceptable|no matching CHILD_SA config found|INVALID_ID_INFORMATION")),
    ("esp-proposal-mismatch", re.compile(r"no CHILD_SA built|no acceptable proposal found|no matching proposal found")),
)
EVIDENCE = re.compile(
    r"no IKE config found|proposals unacceptable|NO_PROPOSAL_CHOSEN|no acceptable|received proposals:|configured proposals:|"
    r"MAC mismatched|AUTHENTICATION_FAILED|no matching peer config|constraint check|TS_UNACCEPTABLE|unacceptable|"
    r"rekeying failed|no CHILD_SA built|INVALID_KE_PAYLOAD|giving up|decryption failed|INVALID_ID_INFORMATION|no matching CHILD_SA config|no matching proposal"
)
# Lines that end the wait early: the initiator has given up on this attempt.
TERMINAL = re.compile(r"notify error|no CHILD_SA built|failed to establish CHILD_SA|giving up after|establishing IKE_SA failed|error notify|decryption failed")


def _strip(line):
    """Drop the thread and subsystem prefix, such as ``12[IKE] ``."""
    return re.sub(r"^\s*\d+\[\w+\]\s*", "", line)


def evidence(logs, limit=12):
    """Return the log lines that explain the outcome, labelled by end."""
    lines = []
    for role in ("initiator", "responder"):
        for line in logs.get(role) or []:
            if EVIDENCE.search(line) and "[LIB]" not in line:
                lines.append("%s: %s" % (role, _strip(line)))
    return lines[:limit]


def classify(logs, result):
    """Return the cause of a failure from the logs and the observed state, or None."""
    if result.get("initiator") is None and result.get("phase1") == "not started":
        return "both-passive"
    if result.get("rekey") == "failed":
        return "pfs-group-mismatch"
    text = "\n".join((logs.get("initiator") or []) + (logs.get("responder") or []))
    established = result.get("phase1") == "established"
    for cause, pattern in PATTERNS:
        if established and cause in ("ike-version-mismatch", "ike-proposal-mismatch", "peer-id-mismatch", "authentication-failure"):
            continue
        if not established and cause in ("proxy-id-mismatch", "esp-proposal-mismatch"):
            continue
        if pattern.search(text):
            return cause
    if result.get("phase2") == "established" and not result.get("traffic_passed"):
        return "traffic-not-passed"
    return "timeout"


def is_terminal(lines):
    return any(TERMINAL.search(line) for line in lines)


def _offer(values):
    return ", ".join(str(v) for v in values or [] if v != "non-auth") or "-"


def _ike_offer(end):
    return "/".join(_offer(end.ike.get(key)) for key in ("encryption", "hash", "dh_group") if _offer(end.ike.get(key)) != "-")


def _esp_offer(end):
    parts = [_offer(end.esp.get("encryption"))]
    if _offer(end.esp.get("authentication")) not in ("-", "none"):
        parts.append(_offer([a for a in end.esp.get("authentication") or [] if a != "none"]))
    parts.append(str(end.esp.get("dh_group")))
    return "/".join(parts)


def _name(end, attribute, default):
    return getattr(end, attribute, None) or default


def _id_text(identity):
    return "%s:%s" % (identity.get("type"), identity.get("id")) if identity else None


def _sent_id(end):
    if end.local_id:
        return _id_text(end.local_id)
    return "ipaddr:%s" % end.local_address


def _id_accepts(receiver, sender):
    expected = receiver.peer_id
    if not expected:
        return True
    sent = sender.local_id or {"type": "ipaddr", "id": sender.local_address}
    return expected.get("type") == sent.get("type") and str(expected.get("id")) == str(sent.get("id"))


def describe(cause, initiator, responder, timeout=None):
    """Return (reason, fix) for a cause, naming the PAN-OS objects of both ends."""
    a, b = initiator, responder
    if cause == "both-passive":
        return (
            "both gateways (%s and %s) are passive, so neither starts IKE and the tunnel never comes up" % (a.label, b.label),
            "set passive_mode to false on the IKE gateway of the end that should initiate (%s or %s)" % (a.gateway, b.gateway),
        )
    if cause == "ike-version-mismatch":
        return (
            "%s runs %s, but %s runs %s, so the responder has no IKE configuration for the request" % (a.label, a.version, b.label, b.version),
            "set version of IKE gateways %s and %s to the same value (ikev2 where both support it)" % (a.gateway, b.gateway),
        )
    if cause == "ike-proposal-mismatch":
        return (
            "IKE crypto profile `%s` (%s) offers %s; the peer (%s, IKE crypto profile `%s`) offers %s only"
            % (_name(a, "ike_profile", "default"), a.label, _ike_offer(a), b.label, _name(b, "ike_profile", "default"), _ike_offer(b)),
            "add a common encryption, hash and dh_group to IKE crypto profile `%s` on %s or `%s` on %s"
            % (_name(a, "ike_profile", "default"), a.source, _name(b, "ike_profile", "default"), b.source),
        )
    if cause == "peer-id-mismatch":
        for receiver, sender in ((b, a), (a, b)):
            if not _id_accepts(receiver, sender):
                return (
                    "IKE gateway %s expects peer ID %s, but %s sends %s" % (receiver.gateway, _id_text(receiver.peer_id), sender.label, _sent_id(sender)),
                    "set peer_id on IKE gateway %s to %s, or local_id on IKE gateway %s to %s"
                    % (receiver.gateway, _sent_id(sender), sender.gateway, _id_text(receiver.peer_id)),
                )
        return ("the responder found no gateway for the IDs sent", "check local_id and peer_id of IKE gateways %s and %s" % (a.gateway, b.gateway))
    if cause == "authentication-failure":
        return (
            "the pre-shared keys of IKE gateways %s and %s differ, so authentication fails (AUTHENTICATION_FAILED)" % (a.gateway, b.gateway),
            "write the same pre_shared_key to IKE gateways %s and %s" % (a.gateway, b.gateway),
        )
    if cause == "proxy-id-mismatch":
        return (
            "the proxy IDs of tunnels %s (%s) and %s (%s) do not mirror each other, so the responder rejects the traffic selectors (TS_UNACCEPTABLE)"
            % (a.tunnel, _selectors(a), b.tunnel, _selectors(b)),
            "give tunnel %s the proxy IDs of tunnel %s with local and remote swapped" % (b.tunnel, a.tunnel),
        )
    if cause == "esp-proposal-mismatch":
        return (
            "IPsec crypto profile `%s` (%s) offers %s; the peer (%s, IPsec crypto profile `%s`) offers %s only"
            % (_name(a, "ipsec_profile", "default"), a.label, _esp_offer(a), b.label, _name(b, "ipsec_profile", "default"), _esp_offer(b)),
            "add a common esp_encryption and esp_authentication to IPsec crypto profile `%s` on %s or `%s` on %s"
            % (_name(a, "ipsec_profile", "default"), a.source, _name(b, "ipsec_profile", "default"), b.source),
        )
    if cause == "pfs-group-mismatch":
        return (
            "IPsec crypto profile `%s` uses PFS %s, but `%s` uses %s, so the child SA fails %s"
            % (_name(a, "ipsec_profile", "default"), a.esp.get("dh_group"), _name(b, "ipsec_profile", "default"), b.esp.get("dh_group"),
               "at its first rekey (IKEv2 creates the first child SA without a DH exchange)" if "ikev2" in (a.version, b.version) else "in quick mode"),
            "set dh_group of IPsec crypto profiles `%s` on %s and `%s` on %s to the same value"
            % (_name(a, "ipsec_profile", "default"), a.source, _name(b, "ipsec_profile", "default"), b.source),
        )
    if cause == "traffic-not-passed":
        return ("the tunnel came up, but the test datagram did not arrive through it", "check the proxy IDs and the routes into the tunnel")
    return (
        "no IKE exchange finished within %s seconds" % timeout,
        "check that the peer addresses of IKE gateways %s and %s point at each other" % (a.gateway, b.gateway),
    )


def _selectors(end):
    if not end.proxy_ids:
        return "none, so 0.0.0.0/0"
    return ", ".join("%s -> %s" % (local, remote) for local, remote, _p, _n, _lp, _rp in sorted(end.proxy_ids))


def _esp_differs_only_in_pfs(a, b):
    common_encryption = set(a.esp.get("encryption") or []) & set(b.esp.get("encryption") or [])
    common_auth = set(a.esp.get("authentication") or []) & set(b.esp.get("authentication") or [])
    return bool(common_encryption and common_auth) and a.esp.get("dh_group") != b.esp.get("dh_group")


def explain(logs, initiator, responder, result, timeout=None):
    """Return ``cause``, ``reason``, ``fix`` and ``log`` (the evidence lines) of a failed rehearsal."""
    cause = classify(logs, result)
    if cause == "esp-proposal-mismatch" and _esp_differs_only_in_pfs(initiator, responder):
        # IKEv1 negotiates the PFS group inside the ESP proposal, so strongSwan reports it as no proposal.
        cause = "pfs-group-mismatch"
    reason, fix = describe(cause, initiator, responder, timeout)
    return {"cause": cause, "reason": reason, "fix": fix, "log": evidence(logs)}


def disabled_reason(left, right):
    for end in (left, right):
        if end.disabled:
            return {
                "cause": "disabled",
                "reason": "%s: %s, so it neither starts nor answers IKE" % (end.label, end.disabled),
                "fix": "set disabled to false on tunnel %s and IKE gateway %s" % (end.tunnel, end.gateway),
            }
    return {}
