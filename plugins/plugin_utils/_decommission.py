# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Decommissioning: what a device loses when sites leave a topology.

A topology's design plans each device twice, once with every site and once with the
leaving sites excluded. Objects only in the first plan are deleted. Objects in both plans
that differ (a hub tunnel whose proxy IDs named a leaving spoke's network) are replaced
with their new form.
"""

from __future__ import annotations


class DecommissionError(ValueError):
    """The two plans cannot be compared."""


def _sections(plan, which):
    if not isinstance(plan, dict) or not isinstance(plan.get("config"), dict):
        raise DecommissionError("the %s plan has no config dict; pass the plan a topology design returns" % which)
    return plan["config"]


def plan_removal(before, after):
    """Return ``{"delete": {...}, "replace": {...}}`` to go from plan ``before`` to plan ``after``.

    Both results are in the form of the vpn module's ``config``, with only the sections that
    have something to do. ``delete`` lists objects by name only, in the order ``before`` has
    them; ``replace`` contains the objects of ``after`` that differ from ``before``.
    """
    old = _sections(before, "before")
    new = _sections(after, "after")
    delete = {}
    replace = {}
    for section, objects in old.items():
        remaining = {item["name"]: item for item in new.get(section) or []}
        gone = [{"name": item["name"]} for item in objects or [] if item["name"] not in remaining]
        if gone:
            delete[section] = gone
        previous = {item["name"]: item for item in objects or []}
        changed = [item for name, item in remaining.items() if name in previous and previous[name] != item]
        if changed:
            replace[section] = changed
    return {"delete": delete, "replace": replace}
