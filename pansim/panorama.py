"""Panorama: template checks at commit, commit-all pushes to managed firewalls, and managed-device lists.

A Panorama device in pansim keeps firewall configuration in templates and
template stacks (see ``pansim/templates.py``). Its commit runs the firewall
reference checks on each template and on each stack's merged configuration,
and reports problems with the template path in front. ``commit-all`` for a
template or template stack merges that configuration, with template variables
resolved, into the running and candidate configuration of each assigned
firewall that this pansim process runs.

Error wording here is reconstructed from PAN-OS message patterns, not copied from a device.
"""

from dataclasses import dataclass

from pansim import commit_check, configtree, errors, templates
from pansim.commit_check import CheckResult
from pansim.errors import ApiError
from pansim.factory import DEVICE_ENTRY
from pansim.jobs import DeviceResult
from pansim.node import Node, element, leaf

PANORAMA_MODEL = "Panorama"
PUSH_KINDS = ("template", "template-stack")


def is_panorama_model(model):
    """pan-os-python builds a Panorama for model "Panorama" and for M-series appliances."""
    return model == PANORAMA_MODEL or model.upper().startswith("M-")


# Reading Panorama's configuration


def _device_entry(root):
    devices = root.find_child("devices")
    return devices.find_entry("entry", DEVICE_ENTRY) if devices is not None else None


def locations(root, kind):
    """Return {name: entry} of the templates, template stacks or device groups in ``root``."""
    entry = _device_entry(root)
    container = entry.find_child(kind) if entry is not None else None
    if container is None:
        return {}
    return {location.name: location for location in container.iter_tag("entry")}


def managed_serials(root):
    """Return the serials listed under ``mgt-config/devices``, in order."""
    container = root.find_path("mgt-config", "devices")
    return [entry.name for entry in container.iter_tag("entry")] if container is not None else []


def assigned_serials(holder):
    container = holder.find_child("devices")
    return [entry.name for entry in container.iter_tag("entry")] if container is not None else []


def stack_members(stack):
    container = stack.find_child("templates")
    return [member.text for member in container.iter_tag("member") if member.text] if container is not None else []


def variables(holder):
    """Return {name: value} of the variables defined on a template, a stack or a stack's device entry."""
    container = holder.find_child("variable") if holder is not None else None
    if container is None:
        return {}
    found = {}
    for entry in container.iter_tag("entry"):
        type_node = entry.find_child("type")
        value = type_node.children[0].text if type_node is not None and type_node.children else None
        found[entry.name] = value
    return found


def stack_variables(stack, templates_by_name, serial=None):
    """Return the variables a stack resolves: a device's overrides, then the stack's, then its templates'.

    Among the templates, the first member has the highest priority.
    """
    values = {}
    for name in reversed(stack_members(stack)):
        values.update(variables(templates_by_name.get(name)))
    values.update(variables(stack))
    if serial is not None:
        devices = stack.find_child("devices")
        values.update(variables(devices.find_entry("entry", serial) if devices is not None else None))
    return values


def merged_config(layers, exclusive):
    """Merge configuration layers, lowest priority first, into a new ``<config>`` tree."""
    merged = Node("config")
    journal = configtree.Journal(record=False)
    for layer in layers:
        if layer is None:
            continue
        for child in layer.children:
            configtree.merge(merged, child.copy(), journal, exclusive)
    return merged


def stack_layers(stack, templates_by_name):
    """Return a stack's configurations, lowest priority first: its templates from last to first, then its own."""
    members = [templates_by_name[name] for name in stack_members(stack) if name in templates_by_name]
    return [template.find_child("config") for template in reversed(members)] + [stack.find_child("config")]


# Template variables at address leaves


def _walk_values(device, visit):
    """Call ``visit(node, key, words)`` for every node below a ``devices/entry``.

    ``key`` is the tag path below the device root, as schema rules use it, and
    ``words`` is the path as messages show it (entry names in place of ``entry``).
    """
    pending = [(child, (child.tag,), (child.tag,)) for child in reversed(device.children)]
    while pending:
        node, key, words = pending.pop()
        visit(node, key, words)
        for child in reversed(node.children):
            word = child.attrib.get("name", child.tag) if child.tag == "entry" else child.tag
            pending.append((child, key + (child.tag,), words + (word,)))


def _variable_uses(node, key):
    """Yield (is_entry_name, value) for a variable used at an address entry name or leaf."""
    name = node.attrib.get("name")
    if name is not None and key in templates.ADDRESS_ENTRIES and templates.is_variable(name):
        yield True, name
    if not node.children and key in templates.ADDRESS_LEAVES and templates.is_variable(node.text):
        yield False, node.text


def undefined_variables(device, defined):
    """Return (path words, name) for each variable at an address that ``defined`` lacks."""
    found = []

    def visit(node, key, words):
        for is_entry_name, value in _variable_uses(node, key):
            if value not in defined:
                found.append((words[:-1] if is_entry_name else words, value))

    _walk_values(device, visit)
    return found


def resolve_variables(config, values):
    """Replace variable names by their values in place, and return (path words, name) of those left unresolved.

    Any leaf or entry name equal to a defined variable is replaced. An undefined
    variable counts as unresolved only where an address is expected.
    """
    unresolved = []

    def visit(node, key, words):
        name = node.attrib.get("name")
        if name is not None and values.get(name) is not None:
            node.set_attr("name", values[name])
        if not node.children and node.text is not None and values.get(node.text) is not None:
            node.set_text(values[node.text])
        for is_entry_name, value in _variable_uses(node, key):
            unresolved.append((words[:-1] if is_entry_name else words, value))

    for device in _device_entries(config):
        _walk_values(device, visit)
    return unresolved


def _device_entries(config):
    devices = config.find_child("devices") if config is not None else None
    return list(devices.iter_tag("entry")) if devices is not None else []


def _not_a_reference(words, value):
    return f" {' -> '.join(words)} '{value}' is not a valid reference"


# Commit checks


def check_config(root, exclusive):
    """Check every template and template stack of a Panorama configuration.

    A template that belongs to a stack is checked as part of the stack's merged
    configuration, because it may use objects that another member defines.
    """
    result = CheckResult()
    templates_by_name = locations(root, "template")
    managed = set(managed_serials(root))
    stacked = set()

    for name, stack in locations(root, "template-stack").items():
        prefix = ["template-stack", name]
        for member in stack_members(stack):
            stacked.add(member)
            if member not in templates_by_name:
                result.errors.append(_not_a_reference(prefix + ["templates"], member))
        _check_assigned_devices(stack, prefix, managed, result)
        config = merged_config(stack_layers(stack, templates_by_name), exclusive)
        _check_location(config, prefix, set(stack_variables(stack, templates_by_name)), result)

    for name, template in templates_by_name.items():
        prefix = ["template", name]
        _check_assigned_devices(template, prefix, managed, result)
        if name not in stacked:
            _check_location(template.find_child("config"), prefix, set(variables(template)), result)
    return result


def _check_assigned_devices(holder, prefix, managed, result):
    for serial in assigned_serials(holder):
        if serial not in managed:
            result.errors.append(_not_a_reference(prefix + ["devices"], serial))


def _check_location(config, prefix, defined, result):
    """Run the firewall checks on a template's configuration and put the template path before each line."""
    for device in _device_entries(config):
        check = commit_check.check_device(config, device, template_variables=defined)
        problems = [_not_a_reference(words, value) for words, value in undefined_variables(device, defined)]
        head = " -> ".join(prefix + ["config", "devices", device.name])
        result.errors.extend(f" {head} -> {line.strip()}" for line in check.errors + problems)
        result.warnings.extend(f"{' '.join(prefix)}: {line}" for line in check.warnings)


# Readonly ids


def sync_readonly(root):
    """Give each device group, template and template stack an id under ``readonly``, as PAN-OS does.

    New locations get the next ``max-internal-id``; ids of deleted ones are dropped.
    """
    readonly = root.find_child("readonly")
    entry = _device_entry(readonly) if readonly is not None else None
    if entry is None:
        return
    counter = readonly.find_child("max-internal-id")
    highest = int(counter.text) if counter is not None and (counter.text or "").isdigit() else 0

    for kind in ("device-group", "template", "template-stack"):
        configured = locations(root, kind)
        container = entry.find_child(kind)
        if container is None:
            container = Node(kind)
            entry.append(container)
        for stale in [item for item in container.iter_tag("entry") if item.name not in configured]:
            container.remove(stale)
        for name in configured:
            if container.find_entry("entry", name) is None:
                highest += 1
                container.append(element("entry", leaf("id", str(highest)), attrib={"name": name}))

    if counter is None:
        counter = Node("max-internal-id")
        readonly.append(counter)
    counter.set_text(str(highest))


# commit-all


@dataclass
class PushRequest:
    kind: str
    name: str
    description: str = None
    serials: list = None


def parse_commit_all(root):
    """Read the location and device filter of a ``<commit-all>`` command."""
    if root.tag != "commit-all":
        raise ApiError(errors.INVALID_COMMAND, [f" {root.tag} is unexpected", "Invalid command"])
    for kind in PUSH_KINDS:
        body = root.find_child(kind)
        if body is None:
            continue
        name = body.child_text("name")
        if not name:
            raise ApiError(errors.INVALID_COMMAND, [f" commit-all -> {kind} -> name is missing", "Invalid command"])
        device_list = body.find_child("device")
        serials = None
        if device_list is not None:
            serials = [member.text for member in device_list.iter_tag("member") if member.text]
        return PushRequest(kind, name, body.child_text("description"), serials)

    kinds = [child.tag for child in root.children] or ["(empty)"]
    return PushRequest(kinds[0], None)


def start_commit_all(device, admin, root):
    """Start a commit-all job on a Panorama and return it."""
    request = parse_commit_all(root)
    device.check_commit_allowed(admin)

    if request.kind not in PUSH_KINDS:
        message = (
            f"pansim cannot push '{request.kind}' to devices; "
            "commit-all supports only template and template-stack pushes"
        )
        return device.enqueue_job("CommitAll", admin, [message], [message, "commit failed"], [], request.description)

    running = device.running
    holder = locations(running, request.kind).get(request.name)
    if holder is None:
        raise ApiError(errors.OBJECT_NOT_PRESENT, _not_a_reference(["commit-all", request.kind, "name"], request.name))

    templates_by_name = locations(running, "template")
    if request.kind == "template-stack":
        layers = stack_layers(holder, templates_by_name)
    else:
        layers = [holder.find_child("config")]
    layer = merged_config(layers, device.schema.conflicting_tags)

    serials = [serial for serial in assigned_serials(holder) if request.serials is None or serial in request.serials]
    results = [DeviceResult(serial, device.managed_name(serial)) for serial in serials]

    def push():
        now = device.clock()
        for result in results:
            if request.kind == "template-stack":
                values = stack_variables(holder, templates_by_name, result.serial)
            else:
                values = variables(holder)
            push_to_firewall(device.managed.get(result.serial), layer, values, result, now)

    details = [f"Push of {request.kind} {request.name} to {len(serials)} device(s)"]
    return device.enqueue_job("CommitAll", admin, [], details, [], request.description, push, devices=results)


def push_to_firewall(firewall, layer, values, result, now):
    """Merge a template layer into one firewall's running and candidate configuration, and record the outcome."""
    result.started = now
    result.finished = now
    if firewall is None:
        result.result = "FAIL"
        result.errors = [f"device {result.serial} is not connected"]
        return

    with firewall.lock:
        firewall.advance()
        resolved = layer.copy()
        unresolved = resolve_variables(resolved, values)
        problems = [_not_a_reference(words, value) for words, value in unresolved]
        if not problems:
            for child in resolved.children:
                problems.extend(firewall.schema.check_element((("config", None),), child))

        warnings = []
        target = None
        if not problems:
            target = _merged_into(firewall.running, resolved, firewall.schema.conflicting_tags)
            check = commit_check.check_config(target)
            problems, warnings = check.errors, check.warnings

        result.warnings = warnings
        if problems:
            result.result = "FAIL"
            result.errors = problems
            return
        firewall.running = target
        firewall.candidate = _merged_into(firewall.candidate, resolved, firewall.schema.conflicting_tags)
        result.result = "OK"


def _merged_into(config, layer, exclusive):
    merged = config.copy()
    journal = configtree.Journal(record=False)
    for child in layer.children:
        configtree.merge(merged, child.copy(), journal, exclusive)
    return merged


# Managed devices


def _connected_entry(panorama, serial, firewall):
    """Describe a managed firewall as ``show devices`` does, in the fields pan-os-python reads."""
    with firewall.lock:
        fields = dict(firewall.system_info())
    unsupported = firewall.schema.version[:2] > panorama.schema.version[:2]
    vsys = element(
        "vsys",
        element("entry", leaf("display-name", "vsys1"), leaf("shared-policy-status"), attrib={"name": "vsys1"}),
    )
    return element(
        "entry",
        leaf("serial", serial),
        leaf("connected", "yes"),
        leaf("unsupported-version", "yes" if unsupported else "no"),
        leaf("deactivated", "no"),
        leaf("hostname", fields["hostname"]),
        leaf("ip-address", fields["ip-address"]),
        leaf("ipv6-address", fields["ipv6-address"]),
        leaf("mac-addr", fields["mac-address"]),
        leaf("uptime", fields["uptime"]),
        leaf("family", fields["family"]),
        leaf("model", fields["model"]),
        leaf("sw-version", fields["sw-version"]),
        leaf("app-version", fields["app-version"]),
        leaf("av-version", fields["av-version"]),
        leaf("threat-version", fields["threat-version"]),
        leaf("wildfire-version", fields["wildfire-version"]),
        leaf("logdb-version", fields["logdb-version"]),
        leaf("is-dhcp", "no"),
        leaf("vpn-disable-mode", "no"),
        leaf("operational-mode", "normal"),
        leaf("multi-vsys", "no"),
        vsys,
        attrib={"name": serial},
    )


def _disconnected_entry(serial):
    return element(
        "entry",
        leaf("serial", serial),
        leaf("connected", "no"),
        leaf("unsupported-version", "no"),
        leaf("deactivated", "no"),
        leaf("multi-vsys", "no"),
        element("vsys", element("entry", leaf("display-name", "vsys1"), attrib={"name": "vsys1"})),
        attrib={"name": serial},
    )


def devices_node(panorama, connected_only):
    """Build ``<devices>`` for ``show devices all`` or ``show devices connected``.

    A serial under ``mgt-config/devices`` is connected when it belongs to a
    firewall in the same pansim process that the Panorama manages.
    """
    devices = Node("devices")
    for serial in managed_serials(panorama.running):
        firewall = panorama.managed.get(serial)
        if firewall is not None:
            devices.append(_connected_entry(panorama, serial, firewall))
        elif not connected_only:
            devices.append(_disconnected_entry(serial))
    return devices


def devicegroups_node(panorama):
    """Build ``<devicegroups>`` for ``show devicegroups``: each group with its firewalls' serials."""
    groups = Node("devicegroups")
    for name, group in locations(panorama.running, "device-group").items():
        members = Node("devices")
        for serial in assigned_serials(group):
            connected = "yes" if serial in panorama.managed else "no"
            members.append(
                element(
                    "entry",
                    leaf("serial", serial),
                    leaf("connected", connected),
                    leaf("shared-policy-status", "In Sync"),
                    attrib={"name": serial},
                )
            )
        groups.append(element("entry", members, attrib={"name": name}))
    return groups
