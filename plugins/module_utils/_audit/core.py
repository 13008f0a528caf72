# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Severities, policy packs, the rule catalog and findings of the VPN audit.

Each rule lists its conditions with one severity per pack, in the order of ``PACKS``.
None means the pack does not check that condition. A rule's check yields ``Hit``
objects, and ``evaluate`` turns each hit into a finding at the severity of the chosen
pack, so the area modules never deal with packs.
"""

from __future__ import annotations

SEVERITIES = ("critical", "high", "medium", "low", "info")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
FAIL_ON_CHOICES = SEVERITIES + ("none",)

BASELINE = "baseline"
NIST = "nist-800-77r1"
CNSA = "cnsa"
PACKS = (BASELINE, NIST, CNSA)

# Source documents of the rules, by the short keys the rule catalog uses.
SOURCES = {
    "PANc": "PAN-OS docs: IKE and IPsec crypto profiles",
    "PANt": "PAN-OS docs: tunnel interfaces and IPsec tunnels",
    "PANm": "PAN-OS help: tunnel monitor profiles",
    "PANp": "PAN-OS knowledge base: proxy IDs",
    "8247": "RFC 8247",
    "8221": "RFC 8221",
    "77r1": "NIST SP 800-77r1",
    "131A": "NIST SP 800-131A",
    "CNSA": "RFC 9206 (CNSA suite for IPsec)",
    "OPS": "operational practice",
}


class Rule:
    """One audit rule: its id, what it checks, its sources and its severity per condition and pack."""

    def __init__(self, rule_id, title, sources, severities, check=None):
        self.rule_id = rule_id
        self.title = title
        self.sources = tuple(sources)
        # {condition: (baseline, nist-800-77r1, cnsa)}, each a severity or None.
        self.severities = severities
        self.check = check
        for condition, levels in severities.items():
            if len(levels) != len(PACKS) or any(level not in SEVERITIES + (None,) for level in levels):
                raise ValueError("%s: condition %s needs one severity (or None) per pack" % (rule_id, condition))

    @property
    def source(self):
        return "; ".join(SOURCES[key] for key in self.sources)

    def severity(self, condition, pack):
        return self.severities[condition][PACKS.index(pack)]

    def in_pack(self, pack):
        return any(levels[PACKS.index(pack)] is not None for levels in self.severities.values())


RULES = {}


def rule(rule_id, title, sources, severities):
    """Register the decorated generator function as the check of a rule."""

    def register(check):
        if rule_id in RULES:
            raise ValueError("rule %s is registered twice" % rule_id)
        RULES[rule_id] = Rule(rule_id, title, sources, severities, check)
        return check

    return register


def register_meta_rule(rule_id, title, sources, severities):
    """Register a rule whose findings come from the audit itself, such as an expired waiver."""
    RULES[rule_id] = Rule(rule_id, title, sources, severities)


class Hit:
    """One object that breaks one condition of a rule, before the pack gives it a severity.

    ``evidence`` contains the values seen, in the option names of the collection's modules.
    ``fix`` names the option to set and the value to set it to.
    """

    def __init__(self, condition, object_type, object_name, message, evidence, fix):
        self.condition = condition
        self.object_type = object_type
        self.object_name = object_name
        self.message = message
        self.evidence = evidence
        self.fix = fix


def make_finding(rule_entry, severity, hit):
    return {
        "rule_id": rule_entry.rule_id,
        "severity": severity,
        "object": "%s %s" % (hit.object_type, hit.object_name),
        "object_type": hit.object_type,
        "object_name": hit.object_name,
        "message": hit.message,
        "evidence": hit.evidence,
        "fix": hit.fix,
        "source": rule_entry.source,
    }


# The id of the finding made when a rule's check raises on a configuration it does not expect.
RULE_ERROR = "VPN-AUD-003"


def evaluate(config, pack):
    """Run every rule of ``pack`` over ``config`` (a VpnConfig) and return the findings, unsorted.

    A check that raises does not stop the audit: the rule yields one info finding with
    the error instead, so that the other rules still report.
    """
    findings = []
    for rule_entry in RULES.values():
        if rule_entry.check is None or not rule_entry.in_pack(pack):
            continue
        try:
            hits = list(rule_entry.check(config))
        except Exception as error:  # pylint: disable=broad-except
            hits = []
            findings.append(rule_error_finding(rule_entry, error, pack))
        for hit in hits:
            severity = rule_entry.severity(hit.condition, pack)
            if severity is not None:
                findings.append(make_finding(rule_entry, severity, hit))
    return findings


def rule_error_finding(failed_rule, error, pack):
    meta = RULES[RULE_ERROR]
    hit = Hit(
        "error",
        "rule",
        failed_rule.rule_id,
        "Rule %s could not be evaluated on this configuration, so its result is unknown" % failed_rule.rule_id,
        {"error": "%s: %s" % (type(error).__name__, error)},
        "Check the objects this rule reads by hand, and report the error with the configuration that caused it",
    )
    return make_finding(meta, meta.severity("error", pack), hit)


def sort_findings(findings):
    return sorted(findings, key=lambda f: (SEVERITY_RANK[f["severity"]], f["rule_id"], f["object"]))


def summarize(findings):
    """Count findings per severity; every severity appears, with 0 when there is none."""
    counts = {severity: 0 for severity in SEVERITIES}
    for finding in findings:
        counts[finding["severity"]] += 1
    counts["total"] = len(findings)
    return counts


def at_or_above(findings, threshold):
    """Return the findings whose severity is ``threshold`` or worse; none for threshold ``none``."""
    if threshold in (None, "none"):
        return []
    limit = SEVERITY_RANK[threshold]
    return [finding for finding in findings if SEVERITY_RANK[finding["severity"]] <= limit]


register_meta_rule(
    "VPN-AUD-001",
    "A waiver has expired, so it no longer applies",
    ("OPS",),
    {"expired": ("info", "info", "info")},
)
register_meta_rule(
    "VPN-AUD-002",
    "A waiver matches no finding",
    ("OPS",),
    {"unused": ("info", "info", "info")},
)
register_meta_rule(
    "VPN-AUD-004",
    "The configuration has no IKE gateway and no IPsec tunnel, so there was nothing to audit",
    ("OPS",),
    {"empty": ("info", "info", "info")},
)
register_meta_rule(
    RULE_ERROR,
    "A rule could not be evaluated on this configuration",
    ("OPS",),
    {"error": ("info", "info", "info")},
)
