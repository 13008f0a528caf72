# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Several object types in one transaction: one read, one multi-config, dependency order.

Writes go profiles first, then zones and interfaces, gateways, tunnels, routes and rules,
so every reference points at an object that exists by the time PAN-OS reads it. Deletes
go in the reverse order. An object created in the same request counts as existing for the
reference checks, and one deleted in it as gone.
"""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _references as references
from ansible_collections.ipsec.panos.plugins.module_utils._connection import Device
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext
from ansible_collections.ipsec.panos.plugins.module_utils._resources import policy

# (config key, resource class name), in write order.
SECTIONS = (
    ("ike_crypto_profiles", "IkeCryptoProfile"),
    ("ipsec_crypto_profiles", "IpsecCryptoProfile"),
    ("tunnel_monitor_profiles", "TunnelMonitorProfile"),
    ("zones", "Zone"),
    ("tunnel_interfaces", "TunnelInterface"),
    ("ike_gateways", "IkeGateway"),
    ("ipsec_tunnels", "IpsecTunnel"),
    ("static_routes", "StaticRoute"),
    ("security_rules", "SecurityRule"),
    ("nat_exempt_rules", "NatExemptRule"),
)

# Rule resources are built from the task: their planned order and managed_tag depend on it.
RULE_SECTIONS = ("security_rules", "nat_exempt_rules")


def available_sections():
    """Return the sections whose resource this collection has, in write order."""
    return [(key, name) for key, name in SECTIONS if references.resource_named(name) is not None]


class Section:
    def __init__(self, key, resource, want):
        self.key = key
        self.resource = resource
        self.want = want
        self.prefix = "config.%s" % key
        self.have = {}
        self.plan = None

    @property
    def type_name(self):
        return type(self.resource).__name__


def build_sections(config, state, params=None):
    """Turn the module's ``config`` dict into sections.

    A key left out is not touched, except that gathered and parsed read every type.
    ``params`` carries the task-wide options that rule sections take, such as managed_tag.
    """
    sections = []
    for key, name in available_sections():
        items = (config or {}).get(key)
        if items is None and state not in ("gathered", "parsed"):
            continue
        want = engine.remove_none(items or [])
        if key in RULE_SECTIONS:
            task = dict(params or {}, state=state, config=want)
            resource = type(references.resource_named(name)).from_params(task)
        else:
            resource = references.resource_named(name)
        sections.append(Section(key, resource, want))
    return sections


def _validate(sections, state, scope, params=None):
    errors = []
    for section in sections:
        if section.key in RULE_SECTIONS:
            task = dict(params or {}, state=state, config=section.want)
            errors.extend("%s: %s" % (section.prefix, error) for error in policy.check_task_options(task, section.resource.label))
        if state == "overridden" and not section.want:
            errors.append(
                "%s: empty with state=overridden, which would delete every %s; leave the key out to keep them"
                % (section.prefix, section.resource.label)
            )
            continue
        if state == "deleted" and section.key == "zones":
            errors.extend(
                "%s[%d].interfaces: in a transaction, deleted removes whole zones; remove single members "
                "with the zone module" % (section.prefix, index)
                for index, item in enumerate(section.want)
                if item.get("interfaces")
            )
        try:
            engine.validate_config(section.resource, section.want, state, scope, section.prefix)
        except engine.ValidationError as error:
            errors.extend(error.errors)
    errors.extend(_zone_member_conflicts(sections, state))
    if errors:
        raise engine.ValidationError(errors)


def _zone_member_conflicts(sections, state):
    """Return errors where ``zones`` and ``tunnel_interfaces`` disagree about a zone's members.

    Each section would undo the other's change, so the task would report a change on every
    run, or leave an interface in two zones, which PAN-OS rejects at commit.
    """
    by_key = {section.key: section for section in sections}
    zones = by_key.get("zones")
    interfaces = by_key.get("tunnel_interfaces")
    if state == "deleted" or zones is None or interfaces is None:
        return []

    errors = []
    for zone_index, zone in enumerate(zones.want):
        members = zone.get("interfaces") or []
        where = "%s[%d].interfaces" % (zones.prefix, zone_index)
        for index, interface in enumerate(interfaces.want):
            name = interface.get("name")
            target = interface.get("zone")
            if target is not None and target != zone.get("name") and name in members:
                errors.append(
                    "%s: lists %r, which %s[%d].zone puts in zone %r. An interface can be in only one zone"
                    % (where, name, interfaces.prefix, index, target)
                )
            elif target == zone.get("name") and name not in members and state in ("replaced", "overridden"):
                errors.append(
                    "%s: must list %r, because %s[%d].zone puts it in zone %r and state=%s leaves the zone "
                    "with only the interfaces listed here" % (where, name, interfaces.prefix, index, target, state)
                )
    return errors


def _reads(sections, state, scope):
    """Collect every xpath the transaction needs, for one union get."""
    reads = []
    present = {section.type_name for section in sections}
    related = {}
    for section in sections:
        for xpath in section.resource.read_xpaths(scope):
            if xpath not in reads:
                reads.append(xpath)
        if not scope.template_stack:
            for name, other in references.related_resources(section.resource, state).items():
                if name not in present:
                    related.setdefault(name, other)
    for other in related.values():
        reads.extend(x for x in other.read_xpaths(scope) if x not in reads)
    return reads, related


def execute_transaction(module, config):
    """Run one transaction task and return its result dict."""
    params = module.params
    engine.check_task_options(params, module.warn)
    state = params["state"]
    scope = engine.Scope.from_params(params)
    sections = build_sections(config, state, params)
    if state in ("merged", "replaced", "overridden", "deleted", "rendered") and not sections:
        raise engine.ValidationError(["config: give at least one object list, such as config.ike_gateways"])
    if params.get("keep_used") and state != "deleted":
        raise engine.ValidationError(["keep_used: applies only to state=deleted, not state=%s" % state])
    _validate(sections, state, scope, params)

    if state in ("parsed", "rendered"):
        context = RenderContext(engine.parse_version(params.get("panos_version")))
        if state == "parsed":
            parsed = {}
            for section in sections:
                have = engine.read_config_file(params["running_config"], section.resource, scope, context)
                parsed[section.key] = [section.resource.display(e.item, context) for e in have.values()]
            return {"changed": False, "parsed": parsed}
        rendered = []
        for section in sections:
            plan = engine.plan_changes(section.resource, section.want, {}, "replaced", scope, context, section.prefix)
            rendered.extend(op.describe() for op in plan.ops)
        return {"changed": False, "rendered": rendered}

    reads, related = _reads(sections, state, scope)
    device = Device(params["provider"], panorama=scope.on_panorama).open()
    engine.lock_if_requested(module, device, state)
    context = RenderContext(device.version)
    result = device.get(engine.union_xpath(reads))
    for section in sections:
        section.have = section.resource.parse_read(result, scope, context)
    share_planned_profiles(sections, state)

    if state == "gathered":
        gathered = {}
        for section in sections:
            gathered[section.key] = [section.resource.display(e.item, context) for e in section.have.values()]
        return {"changed": False, "gathered": gathered}

    errors = []
    for section in sections:
        try:
            section.plan = engine.plan_changes(section.resource, section.want, section.have, state, scope, context, section.prefix)
        except engine.ValidationError as error:
            errors.extend(error.errors)
    if errors:
        raise engine.ValidationError(errors)

    transaction = {section.type_name: section.plan for section in sections}
    related_have = {name: other.parse_read(result, scope, context) for name, other in related.items()}
    related_have.update({section.type_name: section.have for section in sections})
    kept = []
    if state == "deleted" and params.get("keep_used"):
        kept = _keep_used(sections, related_have, transaction, scope, context)
    for section in sections:
        errors.extend(
            references.check_references(section.resource, section.want, section.plan, related_have, section.prefix, transaction)
        )
    if errors:
        raise engine.ValidationError(errors)

    combined = combine(sections)
    if combined.ops and not module.check_mode:

        def verify():
            for section in sections:
                if section.plan.ops:
                    section.resource.verify_after_write(device, scope, section.plan, context)

        engine.write_changes(module, device, combined, verify)
    committed = engine.commit_if_requested(module, device) if state in engine.WRITE_STATES else {}

    output = _output(module, sections, combined, scope, context)
    output.update(committed)
    if committed.get("commit", {}).get("job"):
        output["changed"] = True
    if state == "deleted":
        output["kept"] = kept
    return output


def _keep_used(sections, related_have, transaction, scope, context):
    """Take out of the plans every delete of an object that something outside the task still uses.

    Sections go from the last written type to the first, so a gateway kept because a tunnel
    still names it keeps its IKE crypto profile in turn. Return what was kept, and why.
    """
    kept = []
    for section in reversed(sections):
        in_use = references.users_of_deleted(section.resource, section.plan, related_have, transaction)
        if not in_use:
            continue
        for name in sorted(in_use):
            kept.append({
                "type": section.key,
                "name": name,
                "used_by": ["%s %s (%s)" % (referrer.label, user, option) for referrer, user, option in in_use[name]],
            })
        deleting = [name for name, predicted in section.plan.after.items() if predicted is None and name not in in_use]
        if deleting:
            want = [{"name": name} for name in deleting]
            section.plan = engine.plan_changes(section.resource, want, section.have, "deleted", scope, context, section.prefix)
        else:
            section.plan = engine.Plan()
        transaction[section.type_name] = section.plan
    return kept


def share_planned_profiles(sections, state):
    """Tell the gateway section about the IKE crypto profiles the same task writes.

    The gateway checks that an IKEv1 gateway does not use a GCM profile, but its read contains
    only the profiles on the device. A profile created or changed in the same task must count
    as it will be written, or the mistake shows only when the commit fails.
    """
    by_key = {section.key: section for section in sections}
    profiles = by_key.get("ike_crypto_profiles")
    gateways = by_key.get("ike_gateways")
    if profiles is None or gateways is None or state in ("deleted", "gathered", "parsed"):
        return
    ciphers = gateways.resource.profile_ciphers
    if ciphers is None:
        ciphers = gateways.resource.profile_ciphers = {}
    for item in profiles.want:
        if item.get("encryption") is not None:
            ciphers[item["name"]] = list(item["encryption"])


def combine(sections):
    """Merge the sections into one plan, with deletes in reverse dependency order and then writes in order."""
    combined = engine.Plan()
    for section in reversed(sections):
        combined.delete_ops.extend(section.plan.delete_ops)
    for section in sections:
        combined.write_ops.extend(section.plan.write_ops)
    return combined


def _output(module, sections, combined, scope, context):
    output = {"changed": bool(combined.ops), "before": {}, "after": {}, "commands": [op.describe() for op in combined.ops]}
    diff_before, diff_after = {}, {}
    for section in sections:
        for warning in section.plan.warnings:
            module.warn(warning)
        before, after = engine.predicted_lists(section.resource, section.have, section.plan, context)
        output["before"][section.key] = before
        output["after"][section.key] = after
        changed_before = {n: v for n, v in section.plan.before.items() if v is not None}
        changed_after = {n: v for n, v in section.plan.after.items() if v is not None}
        if changed_before:
            diff_before[section.key] = changed_before
        if changed_after:
            diff_after[section.key] = changed_after
    if module._diff:
        output["diff"] = {"before": diff_before, "after": diff_after}
    return output
