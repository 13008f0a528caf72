# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Compliance audit of the IPsec VPN configuration of a PAN-OS device or configuration file.

The rules live in one module per area (crypto, gateway, tunnel, routing, policy) and
register themselves in ``core.RULES`` on import. ``run_audit`` reads the configuration,
runs the rules of one pack, applies the waivers and builds the module's result.
"""

from __future__ import annotations

import datetime

from ansible_collections.ipsec.panos.plugins.module_utils._audit import core, crypto, gateway, inputs, policy, routing, tunnel
from ansible_collections.ipsec.panos.plugins.module_utils._audit.model import VpnConfig
from ansible_collections.ipsec.panos.plugins.module_utils._audit.waivers import apply_waivers, parse_waivers
from ansible_collections.ipsec.panos.plugins.module_utils._engine import Scope, ValidationError, parse_version
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext

# The modules whose rules register in core.RULES when imported.
RULE_AREAS = (crypto, gateway, tunnel, routing, policy)

# Rules of the reference table that this module does not evaluate, and why.
NOT_EVALUATED = {
    "VPN-IKE-003": "needs a site-count policy for when certificates are required; the cnsa pack requires certificates (VPN-CRY-014)",
    "VPN-IKE-004": "the device stores pre-shared keys encrypted, so their strength can only be checked on input",
    "VPN-TUN-005": "needs the peer's configuration to compare proxy IDs with",
    "VPN-TUN-007": "needs the platform's tunnel capacity, which the configuration does not hold",
    "VPN-TUN-008": "needs the peer's proxy ID protocols",
    "VPN-NET-007": "ECMP sizing needs the intended number of paths",
    "VPN-NET-008": "policy-based forwarding rules are not read",
    "VPN-NET-009": "BGP timers and filters depend on the peer",
    "VPN-POL-002": "needs service objects and destination NAT matching, which are not read",
    "VPN-POL-003": "needs the default intrazone and interzone rule overrides and the peer's ingress zone",
    "VPN-POL-005": "needs the intended spoke-to-spoke design",
    "VPN-OPS-*": "operational state needs op commands (show vpn ike-sa, ipsec-sa, flow) and system logs, not the configuration",
}


def run_audit(params, today=None):
    """Run the audit the module's parameters describe and return the module's result.

    Reads the running configuration from ``params['running_config']`` when given, else
    from the device in ``params['provider']`` in one request. ``today`` decides which
    waivers have expired, the current date by default.
    """
    pack = params.get("pack") or core.BASELINE
    waivers = parse_waivers(params.get("waivers"))
    expected = inputs.parse_expected(params.get("expected"))
    scope = Scope(vsys=params.get("vsys") or "vsys1", template=params.get("template"))

    if params.get("running_config") is not None:
        root = inputs.load_config_text(params["running_config"])
        version = inputs.config_version(root, parse_version(params.get("panos_version") or "10.2.0"))
        origin = "running_config"
    else:
        root, version = inputs.read_running_config(params.get("provider") or {}, panorama=scope.on_panorama)
        origin = "device"
    if scope.template and not _template_exists(root, params["template"]):
        raise ValidationError(["template: %r not found in this configuration; give the name of a Panorama template" % params["template"]])
    if not scope.template:
        vsys_names = [entry.get("name") for entry in root.findall("devices/entry/vsys/entry")]
        if vsys_names and scope.vsys not in vsys_names:
            raise ValidationError(["vsys: %r not found in this configuration, which has %s" % (scope.vsys, ", ".join(vsys_names))])

    config = VpnConfig(root, scope, RenderContext(version), expected, include_unused=params.get("include_unused", True) is not False)
    unknown = _unknown_expected(expected, config)
    if unknown:
        raise ValidationError(unknown)
    return audit_config(config, pack, waivers, today or datetime.date.today(), origin)


def _unknown_expected(expected, config):
    """Return errors for ``expected`` entries that name no gateway or tunnel of the configuration."""
    errors = []
    for section, known in (("ike_gateways", config.gateways), ("ipsec_tunnels", config.tunnels)):
        for name in sorted(set(expected.get(section) or {}) - set(known)):
            errors.append(
                "expected.%s.%s: no such object in the configuration, which has %s"
                % (section, name, ", ".join(sorted(known)) or "none")
            )
    return errors


def _template_exists(root, name):
    return any(entry.get("name") == name for entry in root.findall("devices/entry/template/entry"))


def audit_config(config, pack, waivers, today, origin="running_config"):
    """Evaluate ``pack`` over a parsed VpnConfig and build the result dict."""
    if pack not in core.PACKS:
        raise ValidationError(["pack: %r is invalid; use one of %s" % (pack, ", ".join(core.PACKS))])
    findings = core.evaluate(config, pack)
    if not config.gateways and not config.tunnels:
        meta = core.RULES["VPN-AUD-004"]
        hit = core.Hit(
            "empty", "configuration", origin,
            "The configuration has no IKE gateway and no IPsec tunnel, so no VPN rule had anything to check",
            {"ike_gateways": 0, "ipsec_tunnels": 0},
            "Check that the right device, vsys or file was audited",
        )
        findings.append(core.make_finding(meta, meta.severity("empty", pack), hit))
    active, waived = apply_waivers(findings, waivers, today, pack)
    active = core.sort_findings(active)
    skipped = [{"rule_id": rule_id, "reason": reason} for rule_id, reason in NOT_EVALUATED.items()]
    if not config.has_rulebase:
        skipped += [{"rule_id": rule_id, "reason": "Panorama templates hold no rulebase"} for rule_id in policy.POLICY_RULES]
    return {
        "changed": False,
        "pack": pack,
        "source": origin,
        "panos_version": ".".join(str(part) for part in config.context.version),
        "passed": not any(finding["severity"] != "info" for finding in active),
        "findings": active,
        "waived": core.sort_findings(waived),
        "summary": core.summarize(active),
        "rules_checked": sorted(rule_id for rule_id, entry in core.RULES.items() if entry.check is not None and entry.in_pack(pack)),
        "skipped_rules": skipped,
    }


def failure_message(result, fail_on):
    """Return the failure message when a finding is at or above ``fail_on``, else None."""
    failing = core.at_or_above(result["findings"], fail_on)
    if not failing:
        return None
    counts = {}
    for finding in failing:
        counts[finding["rule_id"]] = counts.get(finding["rule_id"], 0) + 1
    listed = ", ".join("%s (%d)" % (rule_id, count) for rule_id, count in sorted(counts.items()))
    return "VPN audit failed with fail_on=%s (pack %s): %d unwaived findings at or above %s: %s" % (
        fail_on, result["pack"], len(failing), fail_on, listed,
    )
