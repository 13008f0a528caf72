"""Operational commands (``type=op``), commit requests (``type=commit``) and log queries (``type=log``).

Commands arrive as XML, for example ``<show><system><info/></system></show>``.
The dispatcher follows single-child elements to build the command words
(``show system info``) and picks the handler of the longest known prefix.
New commands register in COMMANDS; the VPN commands live in ``pansim.vpn_ops`` and the
routing commands in ``pansim.routing_ops``.
"""

import time
from dataclasses import dataclass

from pansim import errors, panorama, responses, routing_ops, sysinfo, system_log, vpn_ops
from pansim.vpn_runtime import fabric_of
from pansim.errors import ApiError
from pansim.factory import PANORAMA_LOCATIONS
from pansim.node import element, leaf, parse_xml, to_xml

RUNNING_CONFIG_FILE = "running-config.xml"


def parse_command(text):
    if not text:
        raise ApiError(errors.BAD_REQUEST, "Missing parameter: cmd")
    try:
        return parse_xml(text)
    except ValueError as exc:
        raise ApiError(errors.MALFORMED_COMMAND, f"Malformed command: {exc}") from exc


def command_words(root):
    """Return the tags along the chain of single children, and the last node of that chain."""
    words = [root.tag]
    node = root
    while len(node.children) == 1:
        node = node.children[0]
        words.append(node.tag)
    return words, node


def command_label(text):
    """Return the command words of an op command for logs, leaving out argument text."""
    try:
        words, _ = command_words(parse_xml(text))
    except ValueError:
        return "<malformed>"
    return " ".join(words)


@dataclass
class OpContext:
    device: object
    admin: str
    vsys: str
    root: object
    node: object


def _text_argument(node):
    return node.text.strip() if node.text else None


def show_system_info(ctx):
    system = element("system", *(leaf(name, value) for name, value in sysinfo.system_info_fields(ctx.device)))
    return responses.result(to_xml(system))


# Management-plane processes listed by ``show system resources``: name, resident KiB, %CPU.
_TOP_PROCESSES = (
    ("mgmtsrvr", 412376, 1.3),
    ("devsrvr", 298112, 0.7),
    ("ikemgr", 61220, 0.3),
    ("keymgr", 20480, 0.0),
    ("routed", 88064, 0.3),
    ("logrcvr", 154880, 0.3),
)


def show_system_resources(ctx):
    """Return top output; the ikemgr line grows with the number of IKE SAs the firewall holds."""
    # The header layout matches the regular expression pan-os-python applies for PAN-OS 9.0 and later.
    uptime = sysinfo.uptime_text(ctx.device.clock() - ctx.device.started)
    ike_sas = 0 if ctx.device.is_panorama else len(fabric_of(ctx.device).view(ctx.device).ike_sas)
    text = (
        f"top - {time.strftime('%H:%M:%S')} up {uptime},  1 user,  load average: 0.52, 0.40, 0.35\n"
        "Tasks: 150 total,   1 running, 149 sleeping,   0 stopped,   0 zombie\n"
        "%Cpu(s):  3.1 us,  1.2 sy,  0.0 ni, 95.5 id,  0.2 wa,  0.0 hi,  0.0 si,  0.0 st\n"
        "KiB Mem :  8167848 total,   512000 free,  4096000 used,  3559848 buff/cache\n"
        "KiB Swap:        0 total,        0 free,        0 used.  3000000 avail Mem\n"
        "\n"
        "  PID USER      PR  NI    VIRT    RES    SHR S  %CPU %MEM     TIME+ COMMAND\n"
    )
    for pid, (name, resident, cpu) in enumerate(_TOP_PROCESSES, start=2101):
        if name == "ikemgr":
            resident += 64 * ike_sas
            cpu += 0.1 * ike_sas
        memory = 100.0 * resident / 8167848
        text += f"{pid:5d} root      20   0 {resident * 3:7d} {resident:6d} {resident // 4:6d} S {cpu:5.1f} {memory:4.1f}   1:02.17 {name}\n"
    return responses.result(responses.cdata(text))


def show_job(ctx):
    value = _text_argument(ctx.node)
    job = ctx.device.jobs.get(int(value)) if value and value.isdigit() else None
    if job is None:
        raise ApiError(errors.OBJECT_NOT_PRESENT, f"job {value} not found")
    return responses.result(to_xml(job.to_node(ctx.device.clock())))


def show_all_jobs(ctx):
    now = ctx.device.clock()
    return responses.result("".join(to_xml(job.to_node(now)) for job in ctx.device.jobs.all()))


def check_pending_changes(ctx):
    return responses.result("yes" if ctx.device.pending_changes() else "no")


def _timestamp(seconds):
    return time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(seconds))


def _lock_entries(tag, locks):
    container = element(tag)
    for scope, lock in sorted(locks.items()):
        container.append(
            element(
                "entry",
                leaf("name", lock.admin),
                leaf("scope", scope),
                leaf("created", _timestamp(lock.created)),
                leaf("loggedin", "yes"),
                leaf("comment", lock.comment),
                attrib={"name": lock.admin},
            )
        )
    return responses.result(to_xml(container))


def show_config_locks(ctx):
    return _lock_entries("config-locks", ctx.device.config_locks)


def show_commit_locks(ctx):
    return _lock_entries("commit-locks", ctx.device.commit_locks)


def _comment(ctx):
    comment = ctx.root.find_path("config-lock", "add", "comment") or ctx.root.find_path("commit-lock", "add", "comment")
    return comment.text if comment is not None else None


def add_config_lock(ctx):
    ctx.device.add_lock("config", ctx.admin, ctx.vsys, _comment(ctx))
    return responses.result(
        "Successfully acquired lock. Other administrators will not be able to modify configuration "
        f"for scope {ctx.vsys} until lock is released"
    )


def remove_config_lock(ctx):
    ctx.device.remove_lock("config", ctx.admin, ctx.vsys)
    return responses.result(f"Config lock released for scope {ctx.vsys}")


def add_commit_lock(ctx):
    ctx.device.add_lock("commit", ctx.admin, ctx.vsys, _comment(ctx))
    return responses.result(
        f"Successfully acquired commit lock. Other administrators will not be able to commit for scope {ctx.vsys}"
    )


def remove_commit_lock(ctx):
    owner = ctx.root.find_path("commit-lock", "remove", "admin")
    ctx.device.remove_lock("commit", ctx.admin, ctx.vsys, owner.text if owner is not None else None)
    return responses.result(f"Commit lock released for scope {ctx.vsys}")


def load_config(ctx):
    source = _text_argument(ctx.node)
    if source != RUNNING_CONFIG_FILE:
        raise ApiError(
            errors.OBJECT_NOT_PRESENT,
            f"Config file {source} not found. pansim can only load {RUNNING_CONFIG_FILE}",
        )
    ctx.device.revert()
    return responses.result(f"<msg><line>Config loaded from {RUNNING_CONFIG_FILE}</line></msg>")


def _partial_admins(partial):
    if partial is None:
        return None
    admin = partial.find_child("admin")
    if admin is None:
        return None
    return [member.text for member in admin.iter_tag("member") if member.text]


def revert_config(ctx):
    admins = _partial_admins(ctx.root.find_path("config", "partial"))
    ctx.device.revert(admins)
    scope = "all administrators" if admins is None else ", ".join(admins)
    return responses.result(f"Candidate configuration reverted for {scope}")


def show_chassis_ready(ctx):
    return responses.result("yes")


def show_admins(ctx):
    admins = element("admins")
    for name, session in sorted(ctx.device.sessions.items()):
        entry = element(
            "entry",
            leaf("admin", name),
            leaf("from", session.client),
            leaf("type", "Web"),
            leaf("start-from", _timestamp(session.first_seen)),
            leaf("idle-for", f"{int(ctx.device.clock() - session.last_seen)}s"),
        )
        if name == ctx.admin:
            entry.append(leaf("self"))
        admins.append(entry)
    return responses.result(to_xml(admins))


def validate_full(ctx):
    job = ctx.device.validate(ctx.admin)
    return responses.result(
        f"<msg><line>Validate job enqueued with jobid {job.id}</line></msg><job>{job.id}</job>", 19
    )


def _require_panorama(ctx):
    """Reject a Panorama-only command on a firewall, naming its first two words."""
    if not ctx.device.is_panorama:
        words = command_words(ctx.root)[0][:2]
        raise ApiError(errors.INVALID_COMMAND, [f" {' -> '.join(words)} is unexpected", "Invalid command"])


def show_devices(ctx):
    _require_panorama(ctx)
    connected_only = ctx.node.tag == "connected"
    return responses.result(to_xml(panorama.devices_node(ctx.device, connected_only)))


def show_devicegroups(ctx):
    _require_panorama(ctx)
    return responses.result(to_xml(panorama.devicegroups_node(ctx.device)))


def show_config(ctx):
    which = ctx.node.tag
    tree = ctx.device.running if which == "running" else ctx.device.candidate
    return responses.result(to_xml(tree))


COMMANDS = {
    ("show", "system", "info"): show_system_info,
    ("show", "system", "resources"): show_system_resources,
    ("show", "jobs", "id"): show_job,
    ("show", "jobs", "all"): show_all_jobs,
    ("check", "pending-changes"): check_pending_changes,
    ("show", "config-locks"): show_config_locks,
    ("show", "commit-locks"): show_commit_locks,
    ("request", "config-lock", "add"): add_config_lock,
    ("request", "config-lock", "remove"): remove_config_lock,
    ("request", "commit-lock", "add"): add_commit_lock,
    ("request", "commit-lock", "remove"): remove_commit_lock,
    ("load", "config", "from"): load_config,
    ("revert", "config"): revert_config,
    ("show", "chassis-ready"): show_chassis_ready,
    ("show", "admins"): show_admins,
    ("validate", "full"): validate_full,
    ("show", "config", "running"): show_config,
    ("show", "config", "candidate"): show_config,
    ("show", "devices", "all"): show_devices,
    ("show", "devices", "connected"): show_devices,
    ("show", "devicegroups"): show_devicegroups,
    **vpn_ops.COMMANDS,
    **routing_ops.COMMANDS,
}


def _unknown_command(words):
    """Build the device-style error for the first word no command expects."""
    known = 0
    for key in COMMANDS:
        matched = 0
        while matched < min(len(key), len(words)) and key[matched] == words[matched]:
            matched += 1
        known = max(known, matched)
    shown = words[:known + 1]
    return ApiError(errors.INVALID_COMMAND, [f" {' -> '.join(shown)} is unexpected", "Invalid command"])


def _find_handler(root, words):
    """Return (handler, node at the end of the matched words) for the longest known prefix."""
    for length in range(len(words), 0, -1):
        handler = COMMANDS.get(tuple(words[:length]))
        if handler is not None:
            node = root
            for _ in range(length - 1):
                node = node.children[0]
            return handler, node
    return None, None


def run_op(device, admin, cmd_text, vsys=None):
    """Run one operational command and return the reply XML."""
    root = parse_command(cmd_text)
    words, _ = command_words(root)
    handler, node = _find_handler(root, words)
    if handler is None:
        raise _unknown_command(words)
    return handler(OpContext(device, admin, vsys or "shared", root, node))


# Commit requests


@dataclass
class CommitOptions:
    """The changes a ``<commit>`` selects. ``locations`` are Panorama (kind, name) pairs, or None for all."""

    force: bool = False
    description: str = None
    admins: list = None
    excluded: tuple = ()
    locations: set = None


EXCLUDABLE_REGIONS = ("device-and-network", "policy-and-objects", "shared-object")


def parse_commit_options(root):
    """Read force, description, partial admins and excluded regions from a ``<commit>`` command."""
    if root.tag != "commit":
        raise ApiError(errors.INVALID_COMMAND, [f" {root.tag} is unexpected", "Invalid command"])

    force = root.find_child("force")
    partial = root.find_child("partial")
    if partial is None and force is not None:
        partial = force.find_child("partial")

    excluded = ()
    if partial is not None:
        # FirewallCommit writes <region>excluded</region>, and older helpers send an empty tag.
        excluded = tuple(
            region
            for region in EXCLUDABLE_REGIONS
            if partial.find_child(region) is not None
            and (partial.find_child(region).text or "excluded") == "excluded"
        )

    return CommitOptions(
        force=force is not None,
        description=root.child_text("description"),
        admins=_partial_admins(partial),
        excluded=excluded,
        locations=_partial_locations(partial),
    )


def _partial_locations(partial):
    """Read the template, template-stack and device-group members of a PanoramaCommit ``<partial>``."""
    if partial is None:
        return None
    locations = set()
    listed = False
    for kind in PANORAMA_LOCATIONS:
        container = partial.find_child(kind)
        if container is None:
            continue
        listed = True
        locations.update((kind, member.text) for member in container.iter_tag("member") if member.text)
    return locations if listed else None


def _job_enqueued(job):
    return responses.result(f"<msg><line>Commit job enqueued with jobid {job.id}</line></msg><job>{job.id}</job>", 19)


def run_commit(device, admin, cmd_text, action=None):
    """Start a commit (or, on Panorama with ``action=all``, a commit-all) and return the reply XML."""
    if action == "all" and device.is_panorama:
        return _job_enqueued(panorama.start_commit_all(device, admin, parse_command(cmd_text)))
    if action is not None:
        raise ApiError(errors.BAD_REQUEST, f'Illegal value for parameter "action" [{action}].')

    options = parse_commit_options(parse_command(cmd_text or "<commit/>"))
    job = device.commit(admin, options)
    if job is None:
        return responses.success_message("There are no changes to commit.", code=19)
    return _job_enqueued(job)


# Log queries


def run_log(device, params):
    """Serve a ``type=log`` request from the device's system log, after bringing VPN state up to date."""
    if device.is_panorama:
        raise ApiError(errors.BAD_REQUEST, "pansim keeps no logs on a Panorama")
    fabric = fabric_of(device)
    with fabric.lock:
        log = fabric.system_log(device)
        return system_log.handle_log_request(log, params, fabric.clock())
