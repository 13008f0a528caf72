# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waivers: accepted findings, by rule and object, with a reason and an optional expiry date.

``rule`` and ``object`` are shell-style globs (``*``, ``?``, ``[...]``), matched case-sensitively.
``object`` matches either the finding's whole object (``ike_gateway gw-aws-1``) or its name
alone (``gw-aws-*``). A waiver whose date has passed no longer applies and yields a
VPN-AUD-001 finding; a waiver that matches nothing yields VPN-AUD-002. Findings of the
audit itself (VPN-AUD-*) cannot be waived.
"""

from __future__ import annotations

import datetime
import fnmatch

from ansible_collections.ipsec.panos.plugins.module_utils._audit.core import RULES, Hit, make_finding
from ansible_collections.ipsec.panos.plugins.module_utils._engine import ValidationError

_GLOB_CHARACTERS = set("*?[")


class Waiver:
    def __init__(self, index, rule, object_pattern, reason, expires):
        self.index = index
        self.rule = rule
        self.object = object_pattern
        self.reason = reason
        self.expires = expires
        self.matched = 0

    def expired(self, today):
        return self.expires is not None and self.expires < today

    def matches(self, finding):
        if finding["rule_id"].startswith("VPN-AUD-") or not fnmatch.fnmatchcase(finding["rule_id"], self.rule):
            return False
        if self.object is None:
            return True
        return fnmatch.fnmatchcase(finding["object"], self.object) or fnmatch.fnmatchcase(finding["object_name"], self.object)

    def describe(self):
        described = {"rule": self.rule, "object": self.object, "reason": self.reason}
        described["expires"] = self.expires.isoformat() if self.expires else None
        return described

    def label(self):
        return "waivers[%d] %s %s" % (self.index, self.rule, self.object or "*")


def parse_waivers(raw):
    """Check the ``waivers`` option and return Waiver objects; raise ValidationError naming each bad entry."""
    waivers, errors = [], []
    for index, entry in enumerate(raw or []):
        path = "waivers[%d]" % index
        rule_pattern = str(entry.get("rule") or "").strip()
        reason = str(entry.get("reason") or "").strip()
        if not rule_pattern:
            errors.append("%s.rule: missing; give a rule id such as VPN-CRY-010, or a glob such as VPN-TUN-*" % path)
        elif not _GLOB_CHARACTERS & set(rule_pattern) and rule_pattern not in RULES:
            errors.append("%s.rule: %r is not a rule id; the ids are listed in docs/audit.md" % (path, rule_pattern))
        elif not any(fnmatch.fnmatchcase(rule_id, rule_pattern) for rule_id in RULES):
            errors.append("%s.rule: %r matches no rule id" % (path, rule_pattern))
        if not reason:
            errors.append("%s.reason: missing; say why the finding is accepted, for the next audit's reader" % path)
        expires = None
        if entry.get("expires") not in (None, ""):
            expires = _parse_date(entry["expires"])
            if expires is None:
                errors.append("%s.expires: %r is not a date; write it as YYYY-MM-DD" % (path, entry["expires"]))
        object_pattern = entry.get("object")
        waivers.append(Waiver(index, rule_pattern, str(object_pattern) if object_pattern not in (None, "") else None, reason, expires))
    if errors:
        raise ValidationError(errors)
    return waivers


def _parse_date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def apply_waivers(findings, waivers, today, pack):
    """Split ``findings`` into (active, waived) and add the notes about expired and unused waivers to active.

    The first waiver in list order that matches a finding waives it. Each waived finding
    carries the waiver in its ``waiver`` key.
    """
    valid = [waiver for waiver in waivers if not waiver.expired(today)]
    active, waived = [], []
    for finding in findings:
        waiver = next((candidate for candidate in valid if candidate.matches(finding)), None)
        if waiver is None:
            active.append(finding)
            continue
        waiver.matched += 1
        waived.append(dict(finding, waiver=waiver.describe()))

    for waiver in waivers:
        if waiver.expired(today):
            covered = sum(1 for finding in findings if waiver.matches(finding))
            active.append(_note("VPN-AUD-001", "expired", waiver, pack,
                                "The waiver for %s expired on %s, so the %d findings it matches count again" % (waiver.label(), waiver.expires, covered),
                                dict(waiver.describe(), findings=covered),
                                "Review the findings; renew the waiver with a new expires date, or fix them and remove the waiver"))
        elif waiver.matched == 0:
            active.append(_note("VPN-AUD-002", "unused", waiver, pack,
                                "The waiver for %s matches no finding of pack %s" % (waiver.label(), pack),
                                waiver.describe(),
                                "Remove the waiver if its finding was fixed, or correct its rule or object pattern"))
    return active, waived


def _note(rule_id, condition, waiver, pack, message, evidence, fix):
    meta = RULES[rule_id]
    hit = Hit(condition, "waiver", "%d" % waiver.index, message, evidence, fix)
    return make_finding(meta, meta.severity(condition, pack), hit)
