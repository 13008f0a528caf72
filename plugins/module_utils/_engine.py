# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The resource engine: gather, compare, plan and apply for a whole ``config`` list.

Every config module runs this one cycle. A task makes one configuration read (a
``get`` of a union xpath covering everything the resource needs) and at most one
write (a single all-or-nothing ``multi-config``). Check mode stops before the write,
so nothing reaches the candidate configuration, and ``after`` is the prediction.
"""

from __future__ import annotations

import os
import re
import socket
import traceback
import xml.etree.ElementTree as ET

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.ipsec.panos.plugins.module_utils import _references as references
from ansible_collections.ipsec.panos.plugins.module_utils import _secrets as secrets
from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils import _variables as variables
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._commit import (
    CommitFailed,
    commit_changes,
    failure_message,
    revert_uncommitted,
)
from ansible_collections.ipsec.panos.plugins.module_utils._connection import (
    PROVIDER_SPEC,
    ConnectionSettingsError,
    Device,
    DeviceError,
    release_config_locks,
)
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import MappingError, RenderContext

WRITE_STATES = ("merged", "replaced", "overridden", "deleted")
ALL_STATES = WRITE_STATES + ("gathered", "rendered", "parsed")

COMMON_RESOURCE_OPTIONS = dict(
    state=dict(type="str", default="merged", choices=list(ALL_STATES)),
    vsys=dict(type="str", default="vsys1"),
    template=dict(type="str"),
    template_stack=dict(type="str"),
    # An exported configuration carries encrypted keys and password hashes.
    running_config=dict(type="str", no_log=True),
    config_lock=dict(type="bool", default=False),
    lock_timeout=dict(type="int", default=0),
    revert_on_failure=dict(type="bool", default=True),
    panos_version=dict(type="str", default="10.2.0"),
)
COMMON_RESOURCE_OPTIONS.update(PROVIDER_SPEC)

COMMON_REQUIRED_IF = [
    ("state", "merged", ["config"]),
    ("state", "replaced", ["config"]),
    ("state", "overridden", ["config"]),
    ("state", "rendered", ["config"]),
    ("state", "parsed", ["running_config"]),
]


class ValidationError(ValueError):
    """Invalid input found before any write; each error names its option path."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


class Scope:
    """The location of the objects: a firewall, or a Panorama template or template stack, and one vsys."""

    def __init__(
        self, vsys="vsys1", virtual_router="default", template=None, template_stack=None, logical_router=None, vrf="default"
    ):
        self.vsys = vsys
        self.virtual_router = virtual_router
        self.template = template
        self.template_stack = template_stack
        self.logical_router = logical_router
        self.vrf = vrf

    @classmethod
    def from_params(cls, params):
        if params.get("template") and params.get("template_stack"):
            raise ValidationError(
                ["template, template_stack: give one of them; a task writes to one template or one template stack"]
            )
        return cls(
            vsys=params.get("vsys") or "vsys1",
            virtual_router=params.get("virtual_router") or "default",
            template=params.get("template"),
            template_stack=params.get("template_stack"),
            logical_router=params.get("logical_router"),
            vrf=params.get("vrf") or "default",
        )

    @property
    def on_panorama(self):
        return bool(self.template or self.template_stack)

    @property
    def device_root(self):
        """The ``devices/entry`` that contains ``network`` and ``vsys``, on the firewall or in the template."""
        if self.template:
            return "%s/template/%s/config/devices/entry[@name='localhost.localdomain']" % (
                xml.DEVICE_ROOT,
                xml.entry_step(self.template),
            )
        if self.template_stack:
            return "%s/template-stack/%s/config/devices/entry[@name='localhost.localdomain']" % (
                xml.DEVICE_ROOT,
                xml.entry_step(self.template_stack),
            )
        return xml.DEVICE_ROOT

    def root(self, rooted_in):
        if rooted_in == "vsys":
            return "%s/vsys/%s" % (self.device_root, xml.entry_step(self.vsys))
        return self.device_root


class Op:
    """One configuration action of a multi-config request."""

    def __init__(self, action, xpath, element=None, children=None, attributes=None):
        self.action = action
        self.xpath = xpath
        self.element = element
        self.children = children or []
        # Extra request attributes, such as where= and dst= of a move or newname= of a rename.
        self.attributes = attributes or {}

    def to_element(self, op_id):
        node = ET.Element(self.action)
        node.set("id", str(op_id))
        node.set("xpath", self.xpath)
        for name, value in self.attributes.items():
            node.set(name, value)
        if self.element is not None:
            node.append(self.element)
        for child in self.children:
            node.append(child)
        return node

    def describe(self):
        """Return the action as a dict for ``commands`` output, with secrets masked."""
        description = {"action": self.action, "xpath": self.xpath}
        description.update(self.attributes)
        parts = []
        if self.element is not None:
            parts.append(self.element)
        parts.extend(self.children)
        if parts:
            description["element"] = "".join(xml.to_string(xml.mask_secrets(p, secrets.MASK)) for p in parts)
        return description


class Existing:
    """An object read from the device: its option values and its raw entry element."""

    def __init__(self, item, element=None):
        self.item = item
        self.element = element


class Plan:
    def __init__(self):
        self.delete_ops = []
        self.write_ops = []
        self.before = {}
        self.after = {}
        # The full desired item of every object the plan writes, for reference checks.
        self.written = {}
        self.warnings = []

    @property
    def ops(self):
        return self.delete_ops + self.write_ops

    def labels(self):
        return {str(op_id): "%s %s" % (op.action, op.xpath) for op_id, op in enumerate(self.ops, start=1)}

    def multi_config_text(self):
        root = ET.Element("multi-config")
        for op_id, op in enumerate(self.ops, start=1):
            root.append(op.to_element(op_id))
        return xml.to_string(root)


def remove_none(value):
    """Drop unset suboptions, which Ansible fills with None, at every depth."""
    if isinstance(value, dict):
        return {k: remove_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [remove_none(v) for v in value]
    return value


def parse_version(text):
    match = re.match(r"^\s*(\d+)\.(\d+)(?:\.(\d+))?", str(text or ""))
    if not match:
        raise ValidationError(["panos_version: expected a PAN-OS version such as 10.2.0, got %r" % (text,)])
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def union_xpath(xpaths):
    return "|".join(xpaths)


def _check_unique_names(config, prefix="config"):
    errors = []
    seen = {}
    for index, item in enumerate(config):
        name = item.get("name")
        if name in seen:
            errors.append(
                "%s[%d].name: %r is already used by %s[%d]; each name may appear once"
                % (prefix, index, name, prefix, seen[name])
            )
        else:
            seen[name] = index
    return errors


def validate_config(resource, config, state, scope=None, prefix="config"):
    """Check the whole ``config`` list before any request is made."""
    check.allow_template_variables(scope is not None and scope.on_panorama)
    errors = _check_unique_names(config, prefix)
    for index, item in enumerate(config):
        path = "%s[%d]" % (prefix, index)
        errors.extend(resource.validate_name(item.get("name"), path))
        if state != "deleted":
            errors.extend(resource.validate_item(item, path))
    if errors:
        raise ValidationError(errors)


def config_from_text(text, option="running_config"):
    """Parse an exported configuration, or a saved API reply around one; return its ``<config>`` element."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise ValidationError(["%s: not well-formed XML (%s)" % (option, error)]) from None
    if root.tag == "response":
        inner = root.find("result/config")
        root = inner if inner is not None else root
    if root.tag != "config":
        raise ValidationError(["%s: expected a <config> document, found <%s>" % (option, root.tag)])
    return root


def select_read(root, resource, scope):
    """Return a ``<result>`` holding what the resource's read xpaths select in the ``<config>`` element ``root``."""
    result = ET.Element("result")
    for xpath in resource.read_xpaths(scope):
        for node in xml.select(root, xpath):
            result.append(node)
    return result


def read_config_file(text, resource, scope, context):
    """Parse an exported running configuration for the ``parsed`` state."""
    root = config_from_text(text)
    return resource.parse_read(select_read(root, resource, scope), scope, context)


def plan_changes(resource, want, have, state, scope, context, prefix="config"):
    """Work out the actions that make the device match ``want`` under ``state``."""
    # The object as written is validated again below, in the scope of this plan.
    check.allow_template_variables(scope is not None and scope.on_panorama)
    plan = Plan()
    errors = []
    if state != "deleted":
        # Inside a transaction the prefix names the object list whose scope is wrong.
        scope_prefix = "%s: " % prefix if prefix != "config" else ""
        errors.extend(scope_prefix + error for error in resource.validate_scope(scope))
    requested_names = set()

    for index, item in enumerate(want):
        name = item["name"]
        path = "%s[%d]" % (prefix, index)
        requested_names.add(name)
        existing = have.get(name)

        if state == "deleted":
            if name in resource.predefined:
                errors.append(
                    "%s.name: %r is a predefined %s; PAN-OS needs it, so it cannot be deleted"
                    % (path, name, resource.label)
                )
                continue
            if existing is not None:
                errors.extend(resource.check_deletable(name, path))
                plan.delete_ops[:0] = resource.delete_ops(name, existing, scope)
                plan.before[name] = resource.display(existing.item, context)
                plan.after[name] = None
            continue

        # In a template stack, an object the stack does not hold yet usually overrides one of
        # its templates: only the options given are written, and the rest come from the template.
        stack_override = existing is None and scope.template_stack and state == "merged"
        if state == "merged" and existing is not None:
            desired = resource.merge(existing.item, item)
        elif stack_override:
            desired = dict(item)
        else:
            desired = resource.with_defaults(item, existing)
        if not stack_override:
            errors.extend(resource.validate_complete(desired, path, existing))
        desired = resource.carry_secrets(desired, existing)

        plan.warnings.extend(_ignored_options(resource, item, desired, context, path))
        if existing is not None and resource.same(desired, existing.item, context):
            continue

        # The task's own options were checked before the read. The object as it will be
        # written can still be wrong, through a default or a value kept from the device.
        for error in resource.validate_item(_applicable_only(resource, desired, context), path):
            if error not in errors:
                errors.append(error)
        errors.extend(resource.validate_version(desired, path, context))
        plan.warnings.extend(resource.advise(desired, path))
        plan.write_ops.extend(resource.write_ops(name, desired, existing, scope, context))
        plan.written[name] = desired
        plan.before[name] = resource.display(existing.item, context) if existing else None
        plan.after[name] = resource.display(desired, context, previous=existing.item if existing else None)

    if state == "deleted" and not want and not resource.allow_delete_all:
        errors.append("%s: empty with state=deleted, which would delete every %s; name the ones to delete" % (prefix, resource.label))
    elif state == "overridden" or (state == "deleted" and not want):
        for name, existing in have.items():
            if name in requested_names or name in resource.predefined:
                continue
            errors.extend(resource.check_deletable(name, prefix))
            plan.delete_ops[:0] = resource.delete_ops(name, existing, scope)
            plan.before[name] = resource.display(existing.item, context)
            plan.after[name] = None

    if errors:
        raise ValidationError(errors)
    return plan


def _applicable_only(resource, desired, context):
    """Drop the options that do not apply to this object, such as defaults for the other IKE version."""
    applicable = dict(desired)
    for field in resource.fields:
        if field.applies(desired, context):
            continue
        for option in field.options():
            others = [f for f in resource.fields if option in f.options() and f is not field]
            if not any(other.applies(desired, context) for other in others):
                applicable.pop(option, None)
    return applicable


def _ignored_options(resource, item, desired, context, path):
    """Warn about options the task gave that do not apply to this object, such as IKEv1 DPD on IKEv2."""
    warnings = []
    for option in item:
        fields = [field for field in resource.fields if option in field.options()]
        if fields and not any(field.applies(desired, context) for field in fields):
            warnings.append(
                "%s.%s is ignored: it does not apply to %s %r with these settings (for example an IKEv1 "
                "option on an IKEv2 gateway, or an option this PAN-OS version does not have)"
                % (path, option, resource.label, item["name"])
            )
    return warnings


def predicted_lists(resource, have, plan, context):
    """Build the full ``before`` and ``after`` lists of this resource in this scope."""
    before = [resource.display(existing.item, context) for existing in have.values()]
    after = []
    for name, existing in have.items():
        if name in plan.after:
            if plan.after[name] is not None:
                after.append(plan.after[name])
        else:
            after.append(resource.display(existing.item, context))
    for name, predicted in plan.after.items():
        if name not in have and predicted is not None:
            after.append(predicted)
    return before, after


def _diff(plan, resource, scope):
    before = {name: value for name, value in plan.before.items() if value is not None}
    after = {name: value for name, value in plan.after.items() if value is not None}
    header = resource.container_xpath(scope)
    return {"before": before, "after": after, "before_header": header, "after_header": header}


def execute(module, resource):
    """Run one resource module task and return its result dict."""
    params = module.params
    check_task_options(params, module.warn)
    state = params["state"]
    scope = Scope.from_params(params)
    want = remove_none(params.get("config") or [])
    if state == "overridden" and not want:
        raise ValidationError(
            [
                "config: empty with state=overridden, which would delete every %s in this scope; to do that on "
                "purpose, use state=deleted with no config" % resource.label
            ]
        )
    validate_config(resource, want, state, scope)

    if state == "parsed":
        context = RenderContext(parse_version(params.get("panos_version")))
        have = read_config_file(params["running_config"], resource, scope, context)
        return {"changed": False, "parsed": [resource.display(e.item, context) for e in have.values()]}

    if state == "rendered":
        context = RenderContext(parse_version(params.get("panos_version")))
        plan = plan_changes(resource, want, {}, "replaced", scope, context)
        return {"changed": False, "rendered": [op.describe() for op in plan.ops]}

    # Objects in a template stack may refer to objects in its member templates, which
    # this task does not read, so references are only checked in the other scopes.
    related = {} if scope.template_stack or state == "gathered" else references.related_resources(resource, state)
    reads = list(resource.read_xpaths(scope))
    for other in related.values():
        reads.extend(x for x in other.read_xpaths(scope) if x not in reads)
    reads.extend(variables.definition_xpaths(scope))

    device = Device(params["provider"], panorama=scope.on_panorama).open()
    lock_if_requested(module, device, state)
    context = RenderContext(device.version)
    result = device.get(union_xpath(reads))
    have = resource.parse_read(result, scope, context)

    if state == "gathered":
        return {"changed": False, "gathered": [resource.display(e.item, context) for e in have.values()]}

    plan = plan_changes(resource, want, have, state, scope, context)
    related_have = {name: other.parse_read(result, scope, context) for name, other in related.items()}
    errors = references.check_references(resource, want, plan, related_have)
    if scope.on_panorama:
        errors.extend(variables.check_defined(plan, want, variables.defined_names(result)))
    if errors:
        raise ValidationError(errors)
    if plan.ops and not module.check_mode:
        write_changes(module, device, plan, lambda: resource.verify_after_write(device, scope, plan, context))

    for warning in plan.warnings:
        module.warn(warning)
    before, after = predicted_lists(resource, have, plan, context)
    output = {
        "changed": bool(plan.ops),
        "before": before,
        "after": after,
        "commands": [op.describe() for op in plan.ops],
    }
    if module._diff:
        output["diff"] = _diff(plan, resource, scope)
    return output


WRITE_STATES = ("merged", "replaced", "overridden", "deleted")


def check_task_options(params, warn=None):
    """Reject lock and commit settings that cannot work, before any request; warn about settings that do nothing."""
    errors = []
    if params.get("commit") and params.get("state") not in WRITE_STATES:
        errors.append("commit: applies only to state=merged, replaced, overridden or deleted, not state=%s" % params.get("state"))
    if warn is not None:
        if params.get("lock_timeout") and not params.get("config_lock"):
            warn("lock_timeout has no effect without config_lock: true")
        if params.get("commit_description") and not params.get("commit"):
            warn("commit_description has no effect without commit: true")
    if params.get("lock_timeout") is not None and params["lock_timeout"] < 0:
        errors.append("lock_timeout: %s is invalid; give the seconds to wait for the lock, 0 or more" % params["lock_timeout"])
    if params.get("commit_timeout") is not None and params["commit_timeout"] < 1:
        errors.append("commit_timeout: %s is invalid; give the seconds to wait for the commit job, 1 or more" % params["commit_timeout"])
    if errors:
        raise ValidationError(errors)


def lock_if_requested(module, device, state):
    """Take the configuration lock for a writing task with config_lock; run_and_exit releases it."""
    params = module.params
    if params.get("config_lock") and state in WRITE_STATES and not module.check_mode:
        # The comment names the task, the controller and the module's process, which distinguishes this
        # session's lock from another run's when both belong to one administrator.
        comment = "%s on %s pid %d" % (module._name, socket.gethostname(), os.getpid())
        device.lock_config(comment, wait=params.get("lock_timeout") or 0)


def write_changes(module, device, plan, verify):
    """Send the plan's one multi-config request, then run ``verify``.

    When anything fails after the write may have landed (the connection dropped during
    the write, or the check after it failed), the administrator's uncommitted changes are
    reverted with O(revert_on_failure), so no half-written change is left in the candidate
    configuration. A write the device rejected was not applied, so nothing is reverted then.
    """
    try:
        device.multi_config(plan.multi_config_text(), plan.labels())
    except DeviceError as error:
        if error.transport:
            raise revert_after_failure(module, device, error) from None
        raise
    try:
        verify()
    except (DeviceError, ValidationError) as error:
        raise revert_after_failure(module, device, error) from None


def revert_after_failure(module, device, error):
    """Revert this administrator's candidate changes after ``error``; return the DeviceError to raise."""
    message = error.message if isinstance(error, DeviceError) else str(error)
    if module.params.get("revert_on_failure", True):
        message += "; " + revert_uncommitted(device, [device.admin])
    else:
        message += (
            "; the candidate configuration may hold this task's changes (revert_on_failure is off): review them, "
            "or revert them with 'revert config partial admin %s' on the CLI" % device.admin
        )
    return DeviceError(
        message,
        code=getattr(error, "code", None),
        details=list(getattr(error, "details", None) or []),
        transport=getattr(error, "transport", False),
    )


def commit_if_requested(module, device):
    """Commit this administrator's changes at the end of a task with ``commit``; return the result entries."""
    params = module.params
    if not params.get("commit") or module.check_mode:
        return {}
    job = commit_changes(
        device,
        [device.admin],
        params.get("commit_description"),
        timeout=params.get("commit_timeout") or 600,
        interval=1.0,
        revert=params.get("revert_on_failure", True),
    )
    if job is None:
        return {"commit": {"msg": "There are no changes to commit."}}
    return {"commit": {"job": job}}


def run_resource_module(module, resource):
    """Run one resource module task."""
    run_and_exit(module, lambda: execute(module, resource))


def _work_then_unlock(module, work):
    """Run ``work`` and release any configuration lock it took, also when it fails."""
    try:
        result = work()
    finally:
        for error in release_config_locks():
            module.warn("the configuration lock could not be released; release it with 'request config-lock remove': %s" % error)
    return result


def run_and_exit(module, work):
    """Run ``work`` and turn every failure into one ``fail_json`` with a useful message."""
    try:
        result = _work_then_unlock(module, work)
    except ValidationError as error:
        module.fail_json(msg="Invalid input: %s" % error, errors=error.errors)
    except MappingError as error:
        module.fail_json(msg="Invalid input: %s" % error)
    except ConnectionSettingsError as error:
        module.fail_json(msg=str(error))
    except DeviceError as error:
        message = "PAN-OS rejected the request: %s" % error.message if error.rejected and not error.transport else error.message
        if error.details:
            message += ": %s" % "; ".join(error.details)
        module.fail_json(msg=message, code=error.code, details=error.details)
    except CommitFailed as error:
        # A job that is still running, or out of sight, may yet succeed.
        known = not error.job or error.job.get("result") == "FAIL"
        lead = "The changes were written, but the commit failed" if known else "The changes were written, but the commit's result is not known"
        if error.job:
            module.fail_json(msg="%s: %s" % (lead, failure_message(error)), job=error.job)
        module.fail_json(msg="%s: %s" % (lead, failure_message(error)))
    except ImportError:
        module.fail_json(msg=missing_required_lib("pan-os-python"), exception=traceback.format_exc())
    module.exit_json(**result)
