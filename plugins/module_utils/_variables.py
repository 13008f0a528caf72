# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Template variables: every ``$name`` a task writes must be defined where Panorama looks.

Panorama resolves a variable from the template (for a template stack, from the stack, its
per-device values or one of its templates). An undefined one is only reported by
Panorama's commit, so the task reads the definitions in its one union get and checks first.
"""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml


def definition_xpaths(scope):
    """Return the xpaths of the variable definitions a task may use, none outside Panorama."""
    if scope.template:
        return ["%s/template/%s/variable" % (xml.DEVICE_ROOT, xml.entry_step(scope.template))]
    if scope.template_stack:
        stack = "%s/template-stack/%s" % (xml.DEVICE_ROOT, xml.entry_step(scope.template_stack))
        # NOTE: variables of every template count, not only the stack's members, because the
        # member list is not known before the one read.
        return [stack + "/variable", stack + "/devices/entry/variable", "%s/template/entry/variable" % xml.DEVICE_ROOT]
    return []


def defined_names(result):
    names = set()
    for container in result:
        if container.tag != "variable":
            continue
        names.update(entry.get("name") for entry in container.findall("entry") if entry.get("name"))
    return names


def used_names(value):
    """Collect every string starting with ``$`` in an item, at any depth."""
    if isinstance(value, dict):
        return set().union(*(used_names(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(used_names(v) for v in value)) if value else set()
    if isinstance(value, str) and value.startswith("$"):
        return {value}
    return set()


def check_defined(plan, want, defined, prefix="config"):
    """Return an error for each undefined variable in the objects the plan writes."""
    errors = []
    positions = {item["name"]: index for index, item in enumerate(want)}
    for name, desired in plan.written.items():
        for variable in sorted(used_names(desired) - defined):
            where = "%s[%d]" % (prefix, positions[name]) if name in positions else prefix
            errors.append(
                "%s: template variable %s is not defined in the template or stack; define it there first, or Panorama's "
                "commit will fail" % (where, variable)
            )
    return errors
