# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulator-only controls served next to ``/api/`` on each device port. No PAN-OS device has them.

``/_pansim/link`` takes an outside link down or up, so tests can exercise
tunnel-monitor failover:

* ``POST /_pansim/link`` with form fields ``interface`` and ``state`` (up or
  down) changes one interface of this firewall and returns every link's state.
* ``GET /_pansim/link`` returns every link's state.

``/_pansim/fault`` adds, lists and clears injected faults (pansim/faults.py).

Every control request needs the API key of one of the device's admins (``key`` or ``X-PAN-KEY``),
as ``/api/`` does. While a link is down, every tunnel whose IKE gateway uses it,
on either end, fails as peer unreachable.
"""

from pansim import errors, faults, responses
from pansim.api import Reply
from pansim.errors import ApiError
from pansim.node import element, leaf, to_xml
from pansim.vpn_runtime import LinkError, fabric_of

LINK_PATH = "/_pansim/link"
STATES = ("up", "down")


def _links_reply(links, admin, action, interface):
    entries = element("links", *(element("entry", leaf("state", state), attrib={"name": name}) for name, state in links))
    return Reply(responses.result(to_xml(entries)), admin=admin, request_type="pansim", action=action, xpath=interface)


def _error(code, message, http_status, admin=None):
    return Reply(responses.error(code, [message]), http_status, status="error", code=code, admin=admin, request_type="pansim", action="link")


def handle_link_request(device, method, params, headers):
    """Serve GET or POST on ``/_pansim/link`` for ``device`` (whose lock the caller holds)."""
    try:
        admin = device.admin_for_key(params.get("key") or headers.get("X-PAN-KEY"))
    except ApiError:
        return Reply(responses.INVALID_CREDENTIAL, 403, status="error", code=errors.FORBIDDEN, request_type="pansim", action="link")
    if device.is_panorama:
        return _error(errors.BAD_REQUEST, f"device {device.name} is a Panorama and has no data links", 400, admin)

    fabric = fabric_of(device)
    if method == "GET":
        return _links_reply(fabric.links(device), admin, "link", None)
    if method != "POST":
        return _error(errors.BAD_REQUEST, f"method {method} is not allowed; use GET or POST", 405, admin)

    interface = (params.get("interface") or "").strip()
    state = (params.get("state") or "").strip().lower()
    if not interface:
        return _error(errors.BAD_REQUEST, "missing parameter: interface", 400, admin)
    if state not in STATES:
        return _error(errors.BAD_REQUEST, f"invalid state {state!r}: use up or down", 400, admin)
    try:
        links = fabric.set_link(device, interface, state == "up")
    except LinkError as exc:
        return _error(errors.OBJECT_NOT_PRESENT, str(exc), 400, admin)
    return _links_reply(links, admin, f"link-{state}", interface)


# Fault injection (see pansim/faults.py and the Faults section of pansim/README.md)

FAULT_PATH = "/_pansim/fault"
FAULT_CLEAR_PATH = "/_pansim/fault/clear"
FAULT_PATHS = (FAULT_PATH, FAULT_CLEAR_PATH)


def _faults_reply(table, admin, action, code=None):
    entries = []
    for fault in table.faults():
        fields = [leaf("fault", fault.kind), leaf("match", fault.match_text()), leaf("count", fault.count_text())]
        if fault.kind == faults.TIMEOUT:
            fields.append(leaf("hold", f"{fault.hold:g}"))
        if fault.kind == faults.CONFIG_LOCKED:
            fields.append(leaf("admin", fault.admin))
        if fault.kind == faults.COMMIT_FAIL:
            fields.append(element("details", *(leaf("line", line) for line in fault.details)))
        entries.append(element("entry", *fields, attrib={"id": str(fault.id)}))
    body = responses.result(to_xml(element("faults", *entries)), code)
    return Reply(body, admin=admin, request_type="pansim", action=action)


def _fault_error(message, http_status, admin):
    return Reply(
        responses.error(errors.BAD_REQUEST, [message]), http_status, status="error", code=errors.BAD_REQUEST, admin=admin,
        request_type="pansim", action="fault",
    )


def _fault_id(value, admin):
    """Return (id or None, error Reply or None) for the optional ``id`` field of a clear request."""
    if value in (None, ""):
        return None, None
    try:
        return int(value), None
    except (TypeError, ValueError):
        return None, _fault_error(f"invalid id {value!r}: use the id of a fault from GET {FAULT_PATH}", 400, admin)


def handle_fault_request(device, method, path, params, headers, body):
    """Serve GET, POST and DELETE on ``/_pansim/fault`` and POST on ``/_pansim/fault/clear`` (the caller holds the device lock)."""
    try:
        admin = device.admin_for_key(params.get("key") or headers.get("X-PAN-KEY"))
    except ApiError:
        return Reply(responses.INVALID_CREDENTIAL, 403, status="error", code=errors.FORBIDDEN, request_type="pansim", action="fault")

    table = faults.table_of(device)
    clearing = method == "DELETE" or (method == "POST" and path == FAULT_CLEAR_PATH)
    if method == "GET" and path == FAULT_PATH:
        return _faults_reply(table, admin, "fault-list")
    if clearing:
        fault_id, problem = _fault_id(params.get("id"), admin)
        if problem is not None:
            return problem
        table.clear(fault_id)
        return _faults_reply(table, admin, "fault-clear")
    if method != "POST" or path != FAULT_PATH:
        return _fault_error(f"method {method} is not allowed on {path}; use GET, POST or DELETE on {FAULT_PATH}", 405, admin)

    try:
        fields = faults.parse_control_body(body, headers.get("Content-Type"), params)
        definition = faults.parse_fault(fields)
    except faults.FaultSpecError as exc:
        return _fault_error(str(exc), 400, admin)
    table.add(**definition)
    return _faults_reply(table, admin, "fault-add")
