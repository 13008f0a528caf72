"""Dispatch of one XML API request to a device, independent of HTTP.

``handle_request`` takes the merged query and form parameters and returns a
Reply with the HTTP status, body and a summary for the request log. The
summary never contains the API key, passwords, ``element`` bodies or command
arguments, because those can carry secrets.

A request to a Panorama with ``target=<serial>`` runs on that managed
firewall, as the Panorama admin, the way pan-os-python reaches a
``Firewall(serial=...)`` attached to a ``Panorama``.
"""

import logging
import os
import traceback
from dataclasses import dataclass, field

from pansim import configtree, errors, ops, responses
from pansim.device import MultiConfigError
from pansim.errors import ApiError, ConfigError
from pansim.node import to_xml

LOG = logging.getLogger("pansim")
XML_CONTENT_TYPE = "application/xml; charset=UTF-8"
_MAX_LOGGED_XPATH = 400


@dataclass
class Reply:
    body: str
    http_status: int = 200
    headers: dict = field(default_factory=dict)
    status: str = "success"
    code: object = None
    admin: str = None
    request_type: str = None
    action: str = None
    xpath: str = None
    target: str = None


def loggable_xpath(text):
    """Shorten an xpath for the log and drop predicates on ``key`` steps, which could quote a secret."""
    if not text:
        return None
    cut = text.find("key[")
    if cut >= 0:
        text = text[:cut + 3] + "[...]"
    if len(text) > _MAX_LOGGED_XPATH:
        text = text[:_MAX_LOGGED_XPATH] + "..."
    return text


def _error_reply(exc):
    if exc.http_status == 403:
        return Reply(responses.INVALID_CREDENTIAL, 403, status="error", code=exc.code)
    return Reply(responses.error(exc.code, exc.lines), exc.http_status, status="error", code=exc.code)


def _authenticate(device, params, headers):
    key = params.get("key") or headers.get("X-PAN-KEY")
    return device.admin_for_key(key)


# type=config


def _config_read(device, action, params):
    xpath_text = params.get("xpath")
    if action == "get":
        return Reply(responses.get_result(device.get(xpath_text)))

    value = device.show(xpath_text)
    if isinstance(value, str):
        # An attribute xpath such as .../entry/@name shows the value as text.
        inner = value.replace("&", "&amp;").replace("<", "&lt;")
    else:
        inner = to_xml(value)
    return Reply(responses.result(inner))


def _config_write(device, admin, action, params):
    elements = None
    if action in ("set", "edit"):
        elements = configtree.parse_elements(params.get("element"))
    write = configtree.build_write(
        action,
        params.get("xpath"),
        elements=elements,
        newname=params.get("newname"),
        where=params.get("where"),
        dst=params.get("dst"),
        source=params.get("from"),
    )

    code = device.write(admin, write)
    if code == errors.OBJECT_NOT_PRESENT:
        return Reply(responses.success_message("Object doesn't exist", code=code), code=code)
    return Reply(responses.success_message(code=code), code=code)


def _multi_config_actions(element_text):
    """Parse ``<multi-config>`` into (id, Write or ApiError) pairs.

    A malformed action becomes an ApiError in its slot, so the reply can report
    it with its id as the device does.
    """
    roots = configtree.parse_elements(element_text)
    if len(roots) != 1 or roots[0].tag != "multi-config":
        raise ConfigError(errors.MALFORMED_COMMAND, "element must be one <multi-config> element")

    actions = []
    for node in roots[0].children:
        action_id = node.attrib.get("id")
        try:
            for child in node.children:
                child.parent = None
            write = configtree.build_write(
                node.tag,
                node.attrib.get("xpath"),
                elements=list(node.children),
                newname=node.attrib.get("newname"),
                where=node.attrib.get("where"),
                dst=node.attrib.get("dst"),
                source=node.attrib.get("from"),
            )
        except ApiError as exc:
            write = exc
        actions.append((action_id, write))
    return actions


def _sub_response(result):
    lines = responses.lines_xml(result.lines)
    return responses.envelope(result.status, f"<msg>{lines}</msg>", result.code, id=result.id)


def _summary_line(result):
    """Format one action as pan-python 0.26 formats nested multi-config replies."""
    identity = f' id="{result.id}"' if result.id is not None else ""
    return f'status="{result.status}" code="{result.code}"{identity} ' + " ".join(result.lines)


def _multi_config(device, admin, params):
    actions = _multi_config_actions(params.get("element"))
    strict = (params.get("strict-transactional") or "no").lower() == "yes"
    try:
        results = device.multi_config(admin, actions, strict=strict)
    except MultiConfigError as exc:
        nested = "".join(_sub_response(result) for result in exc.results)
        # pan-python 0.17 reads only the outer <msg>, so the outer reply repeats
        # the nested statuses in the form newer pan-python builds from them.
        summary = responses.lines_xml(_summary_line(result) for result in exc.results)
        body = responses.envelope("error", f"<msg>{summary}</msg>{nested}", exc.code)
        return Reply(body, status="error", code=exc.code)

    nested = "".join(_sub_response(result) for result in results)
    return Reply(responses.envelope("success", nested, errors.SUCCESS_COMMAND), code=errors.SUCCESS_COMMAND)


def _config(device, admin, params):
    action = params.get("action")
    if action in ("get", "show"):
        return _config_read(device, action, params)
    if action in configtree.WRITE_ACTIONS:
        return _config_write(device, admin, action, params)
    if action == "multi-config":
        return _multi_config(device, admin, params)
    raise ApiError(errors.BAD_REQUEST, f'Illegal value for parameter "action" [{action}].')


# Other request types


def _keygen(device, params):
    key = device.keygen(params.get("user"), params.get("password"))
    return Reply(responses.result(f"<key>{key}</key>"))


def _version(device):
    fields = dict(device.system_info())
    names = [name for name in ("sw-version", "multi-vsys", "model", "serial") if name in fields]
    inner = "".join(f"<{name}>{fields[name]}</{name}>" for name in names)
    return Reply(responses.result(inner))


def _export(device, params):
    category = params.get("category")
    if category != "configuration":
        raise ApiError(errors.BAD_REQUEST, f'Illegal value for parameter "category" [{category}].')
    headers = {"Content-Disposition": "attachment; filename=running-config.xml"}
    return Reply(device.running_xml(), headers=headers)


def _dispatch(device, request_type, params, headers, client, reply_fields):
    if request_type == "keygen":
        # A keygen with target still authenticates against this device, like a plain one.
        reply_fields["admin"] = params.get("user")
        return _keygen(device, params)

    admin = _authenticate(device, params, headers)
    reply_fields["admin"] = admin
    device.touch_session(admin, client)

    target = params.get("target")
    if not target:
        return _run(device, admin, request_type, params)

    # Lock order is always Panorama, then firewall; a firewall never takes a Panorama's lock.
    routed = device.route(target)
    if routed is device:
        return _run(device, admin, request_type, params)
    with routed.lock:
        routed.advance()
        routed.touch_session(admin, client)
        return _run(routed, admin, request_type, params)


def _run(device, admin, request_type, params):
    """Run an authenticated request of ``admin`` on ``device``."""
    if request_type == "config":
        return _config(device, admin, params)
    if request_type == "op":
        return Reply(ops.run_op(device, admin, params.get("cmd"), params.get("vsys")))
    if request_type == "commit":
        return Reply(ops.run_commit(device, admin, params.get("cmd"), params.get("action")))
    if request_type == "version":
        return _version(device)
    if request_type == "export":
        return _export(device, params)
    if request_type == "log":
        return Reply(ops.run_log(device, params))
    raise ApiError(errors.BAD_REQUEST, f'Illegal value for parameter "type" [{request_type}].')


def _describe(request_type, params):
    """Return the action (or op command words) and xpath to log for a request."""
    if request_type == "config":
        return params.get("action"), loggable_xpath(params.get("xpath"))
    if request_type == "op":
        return ops.command_label(params.get("cmd") or ""), None
    if request_type == "commit":
        return ops.command_label(params.get("cmd") or "<commit/>"), None
    if request_type == "export":
        return params.get("category"), None
    if request_type == "log":
        return params.get("action") or params.get("log-type"), None
    return None, None


def handle_request(device, params, headers, client="127.0.0.1"):
    """Run one API request against ``device`` (whose lock the caller holds)."""
    request_type = params.get("type")
    reply_fields = {}
    device.advance()
    try:
        if not request_type:
            raise ApiError(errors.BAD_REQUEST, "Missing parameter: type")
        reply = _dispatch(device, request_type, params, headers, client, reply_fields)
    except ApiError as exc:
        reply = _error_reply(exc)
    except Exception as exc:  # noqa: BLE001 - a pansim bug must not stop the listener
        # The exception message is left out of the log because it may quote request values.
        LOG.error("device=%s internal error %s at %s", device.name, type(exc).__name__, _innermost_frame(exc))
        reply = _error_reply(ApiError(errors.INTERNAL_ERROR, "Internal error in pansim. See the pansim log."))

    reply.admin = reply_fields.get("admin")
    reply.target = params.get("target") or None
    reply.request_type = request_type
    reply.action, reply.xpath = _describe(request_type, params)
    if reply.code is None and reply.status == "success":
        reply.code = _code_of(reply.body)
    return reply


def _innermost_frame(exc):
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown location"
    frame = frames[-1]
    return f"{os.path.basename(frame.filename)}:{frame.lineno} in {frame.name}"


def _code_of(body):
    """Return the code attribute of a reply envelope, for the request log."""
    marker = ' code="'
    start = body.find(marker, 0, 80)
    if start < 0:
        return None
    end = body.find('"', start + len(marker))
    return body[start + len(marker):end]

