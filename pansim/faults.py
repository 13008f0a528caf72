# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection: make chosen API requests of one device fail the way a device or its network fails.

Each device has a FaultTable. A fault has a kind (KINDS), a match on request
parameters and a count of requests left to fail (None for every request).
``serve_api_request`` takes the first fault that matches a request and
consumes one of its count. It returns an Outcome with the reply to send and how
long to hold the request first, or no reply when the connection is to be dropped.
"""

import hashlib
import json
import logging
import threading
import weakref
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from pansim import errors, responses
from pansim.api import Reply, handle_request
from pansim.device import COMMIT_IN_PROGRESS, Lock

LOG = logging.getLogger("pansim")

HTTP_500 = "http-500"
HTTP_502 = "http-502"
TIMEOUT = "timeout"
DROP_BEFORE = "drop_before"
DROP_AFTER = "drop_after"
EXPIRED_KEY = "expired-key"
CONFIG_LOCKED = "config-locked"
COMMIT_FAIL = "commit-fail"
COMMIT_IN_PROGRESS_FAULT = "commit-in-progress"
SESSION_TIMEOUT = "session-timeout"
# Not a failure: the request is served, and its reply held back for ``hold`` seconds.
SLOW = "slow"
KINDS = (
    HTTP_500, HTTP_502, TIMEOUT, DROP_BEFORE, DROP_AFTER, EXPIRED_KEY,
    CONFIG_LOCKED, COMMIT_FAIL, COMMIT_IN_PROGRESS_FAULT, SESSION_TIMEOUT, SLOW,
)
MATCH_FIELDS = ("type", "action", "cmd", "xpath")
# Matched by exact value; the others match when the request value contains them.
EXACT_MATCH_FIELDS = ("type", "action")
DEFAULT_HOLD_SECONDS = 60.0
MAX_HOLD_SECONDS = 3600.0
DEFAULT_LOCK_ADMIN = "other-admin"
# The scope of the injected config lock when the request names no vsys; any config lock blocks other admins' writes in pansim.
LOCK_SCOPE = "shared"
DEFAULT_COMMIT_DETAILS = (
    " network -> ike -> gateway is invalid: commit failure injected by pansim",
)
COMMIT_FAILED_LINE = "commit failed"
SESSION_TIMED_OUT = 22

_HTML_ERRORS = {
    HTTP_500: (500, "Internal Server Error"),
    HTTP_502: (502, "Bad Gateway"),
}


class FaultSpecError(ValueError):
    """An invalid fault definition. The message names the field and what is allowed."""


@dataclass
class Fault:
    """One active fault. ``remaining`` is the number of requests left to fail, None for every one."""

    id: int
    kind: str
    match: dict
    remaining: int = 1
    hold: float = DEFAULT_HOLD_SECONDS
    admin: str = DEFAULT_LOCK_ADMIN
    details: list = field(default_factory=lambda: list(DEFAULT_COMMIT_DETAILS))

    def matches(self, params):
        for name, expected in self.match.items():
            value = params.get(name)
            if value is None:
                return False
            if name in EXACT_MATCH_FIELDS and value != expected:
                return False
            if name not in EXACT_MATCH_FIELDS and expected not in value:
                return False
        return True

    def match_text(self):
        return "&".join(f"{name}={value}" for name, value in self.match.items()) or "*"

    def count_text(self):
        return "every" if self.remaining is None else str(self.remaining)


@dataclass
class Outcome:
    """The HTTP layer's handling of one request: ``reply`` sent after ``hold`` seconds, or a dropped connection when ``reply`` is None."""

    reply: Reply = None
    hold: float = 0.0


# Parsing fault definitions (control endpoint and devices file)


def parse_match(value):
    """Read a match from ``type=config&action=multi-config`` text or a mapping; empty means every request."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        pairs = parse_qs(value, keep_blank_values=True)
        match = {name: values[-1] for name, values in pairs.items()}
    elif isinstance(value, dict):
        match = {str(name): str(item) for name, item in value.items()}
    else:
        raise FaultSpecError(f"invalid match {value!r}: use text such as type=config&action=multi-config or a mapping")
    unknown = sorted(set(match) - set(MATCH_FIELDS))
    if unknown:
        raise FaultSpecError(f"invalid match field(s) {unknown}: allowed are {list(MATCH_FIELDS)}")
    return {name: match[name] for name in MATCH_FIELDS if name in match}


def _parse_count(value):
    if value is None or value == "":
        return 1
    if isinstance(value, str) and value.strip().lower() in ("every", "all"):
        return None
    try:
        count = int(value)
    except (TypeError, ValueError):
        raise FaultSpecError(f"invalid count {value!r}: use a positive integer or 'every'") from None
    if count < 1:
        raise FaultSpecError(f"invalid count {value!r}: use a positive integer or 'every'")
    return count


def _parse_hold(value):
    if value is None or value == "":
        return DEFAULT_HOLD_SECONDS
    try:
        hold = float(value)
    except (TypeError, ValueError):
        raise FaultSpecError(f"invalid hold {value!r}: use seconds from 0 to {MAX_HOLD_SECONDS:g}") from None
    if not 0 <= hold <= MAX_HOLD_SECONDS:
        raise FaultSpecError(f"invalid hold {value!r}: use seconds from 0 to {MAX_HOLD_SECONDS:g}")
    return hold


def _parse_details(value):
    if value is None or value == "":
        lines = list(DEFAULT_COMMIT_DETAILS)
    elif isinstance(value, str):
        lines = value.split("\n")
    elif isinstance(value, list):
        lines = [str(line) for line in value]
    else:
        raise FaultSpecError(f"invalid details {value!r}: use a list of lines or text with one line per row")
    if not lines or lines[-1] != COMMIT_FAILED_LINE:
        lines.append(COMMIT_FAILED_LINE)
    return lines


def parse_fault(fields):
    """Check one fault definition (a mapping of fault, match, count, hold, admin, details) and return Fault arguments."""
    kind = str(fields.get("fault") or "").strip()
    if kind not in KINDS:
        raise FaultSpecError(f"invalid fault {kind!r}: use one of {', '.join(KINDS)}")
    unknown = sorted(set(fields) - {"fault", "match", "count", "hold", "admin", "details"})
    if unknown:
        raise FaultSpecError(f"invalid field(s) {unknown}: allowed are fault, match, count, hold, admin, details")
    admin = str(fields.get("admin") or DEFAULT_LOCK_ADMIN)
    return {
        "kind": kind,
        "match": parse_match(fields.get("match")),
        "remaining": _parse_count(fields.get("count")),
        "hold": _parse_hold(fields.get("hold")),
        "admin": admin,
        "details": _parse_details(fields.get("details")),
    }


def parse_control_body(body, content_type, params):
    """Return the fault fields of a control request: the JSON body, or else the query and form fields without the API key."""
    if (content_type or "").split(";")[0].strip().lower() == "application/json":
        try:
            document = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError) as exc:
            raise FaultSpecError(f"request body is not valid JSON: {exc}") from None
        if not isinstance(document, dict):
            raise FaultSpecError("JSON body must be an object with fault, match and count")
        return document
    return {name: value for name, value in params.items() if name != "key"}


# Fault table of each device


class FaultTable:
    """The active faults of one device, and the keys whose session a fault timed out.

    A timed-out key keeps failing with code 22 until the faults are cleared. The
    admin's next keygen issues a new key, because the fault also revoked the old one.
    """

    def __init__(self, device_name):
        self.device_name = device_name
        self._faults = []
        self._next_id = 1
        # SHA-256 digests, so the table never stores a usable key.
        self._timed_out_keys = set()

    def add(self, kind, match, remaining=1, hold=DEFAULT_HOLD_SECONDS, admin=DEFAULT_LOCK_ADMIN, details=None):
        fault = Fault(self._next_id, kind, match, remaining, hold, admin, list(details or DEFAULT_COMMIT_DETAILS))
        self._next_id += 1
        self._faults.append(fault)
        LOG.info(
            "device=%s fault added id=%s fault=%s match=%s count=%s", self.device_name, fault.id, kind, fault.match_text(), fault.count_text()
        )
        return fault

    def faults(self):
        return list(self._faults)

    def clear(self, fault_id=None):
        """Remove one fault, or every fault and timed-out session when ``fault_id`` is None; return the number removed."""
        if fault_id is None:
            removed = len(self._faults)
            self._faults = []
            self._timed_out_keys.clear()
        else:
            kept = [fault for fault in self._faults if fault.id != fault_id]
            removed = len(self._faults) - len(kept)
            self._faults = kept
        LOG.info("device=%s faults cleared id=%s removed=%s", self.device_name, fault_id if fault_id is not None else "all", removed)
        return removed

    def take(self, params):
        """Return the first fault matching ``params`` and consume one of its count, or None."""
        for fault in self._faults:
            if not fault.matches(params):
                continue
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
            return fault
        return None

    def time_out(self, key):
        self._timed_out_keys.add(_digest(key))

    def is_timed_out(self, key):
        return bool(key) and _digest(key) in self._timed_out_keys


def _digest(key):
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


_REGISTRY_LOCK = threading.Lock()
_TABLES = weakref.WeakKeyDictionary()


def table_of(device):
    """Return the fault table of ``device``, creating an empty one on first use."""
    with _REGISTRY_LOCK:
        table = _TABLES.get(device)
        if table is None:
            table = FaultTable(device.name)
            _TABLES[device] = table
        return table


# Serving an API request with faults


def _request_key(params, headers):
    return params.get("key") or headers.get("X-PAN-KEY")


def _revoke_key(device, key):
    """Make ``key`` invalid, so the admin's next keygen issues a new one."""
    # NOTE: Device has no public call to revoke a key, so this edits its key table directly.
    if key:
        device._keys.pop(key, None)  # pylint: disable=protected-access


def _labelled(reply, params, admin=None):
    reply.request_type = params.get("type")
    reply.action = params.get("action")
    reply.admin = admin
    return reply


def _html_error(kind):
    status, phrase = _HTML_ERRORS[kind]
    body = f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n<center><h1>{status} {phrase}</h1></center>\r\n</body>\r\n</html>\r\n"
    return Reply(body, status, headers={"Content-Type": "text/html"}, status="error", code=status)


def _session_timed_out():
    return Reply(responses.error(SESSION_TIMED_OUT, ["Session timed out"]), status="error", code=SESSION_TIMED_OUT)


def _known_admin(device, key):
    for known, admin in device._keys.items():  # pylint: disable=protected-access
        if key and known == key:
            return admin
    return None


def _log_injection(device, fault, params):
    LOG.warning(
        "device=%s fault injected id=%s fault=%s type=%s action=%s remaining=%s",
        device.name,
        fault.id,
        fault.kind,
        params.get("type") or "-",
        params.get("action") or "-",
        fault.count_text(),
    )


def _with_config_lock(device, fault, params, headers, client):
    """Run the request while ``fault.admin`` holds a config lock in its scope, unless a lock already holds that scope."""
    scope = params.get("vsys") or LOCK_SCOPE
    if scope in device.config_locks:
        return handle_request(device, params, headers, client)
    injected = Lock(fault.admin, "config lock injected by pansim", device.clock())
    device.config_locks[scope] = injected
    try:
        return handle_request(device, params, headers, client)
    finally:
        if device.config_locks.get(scope) is injected:
            del device.config_locks[scope]


def _with_failing_jobs(device, fault, params, headers, client):
    """Run the request so that every job it starts ends in FAIL with ``fault.details``."""
    device.jobs.forced_failure = list(fault.details)
    try:
        return handle_request(device, params, headers, client)
    finally:
        device.jobs.forced_failure = None


def _apply(device, fault, params, headers, client):
    """Return the Outcome of a request that ``fault`` matched."""
    key = _request_key(params, headers)
    if fault.kind in _HTML_ERRORS:
        return Outcome(_labelled(_html_error(fault.kind), params))
    if fault.kind == TIMEOUT:
        return Outcome(None, fault.hold)
    if fault.kind == DROP_BEFORE:
        return Outcome(None)
    if fault.kind == DROP_AFTER:
        handle_request(device, params, headers, client)
        return Outcome(None)
    if fault.kind == SLOW:
        return Outcome(handle_request(device, params, headers, client), fault.hold)
    if fault.kind == EXPIRED_KEY:
        if params.get("type") != "keygen":
            _revoke_key(device, key)
        reply = Reply(responses.INVALID_CREDENTIAL, 403, status="error", code=errors.FORBIDDEN)
        return Outcome(_labelled(reply, params))
    if fault.kind == SESSION_TIMEOUT:
        admin = _known_admin(device, key)
        if params.get("type") != "keygen" and admin is not None:
            _revoke_key(device, key)
            table_of(device).time_out(key)
        return Outcome(_labelled(_session_timed_out(), params, admin))
    if fault.kind == COMMIT_IN_PROGRESS_FAULT:
        reply = Reply(responses.error(errors.OPERATION_NOT_POSSIBLE, [COMMIT_IN_PROGRESS]), status="error", code=errors.OPERATION_NOT_POSSIBLE)
        return Outcome(_labelled(reply, params, _known_admin(device, key)))
    if fault.kind == CONFIG_LOCKED:
        return Outcome(_with_config_lock(device, fault, params, headers, client))
    return Outcome(_with_failing_jobs(device, fault, params, headers, client))


def serve_api_request(device, params, headers, client):
    """Run one ``/api/`` request with the device's faults applied. The caller must own ``device.lock``."""
    table = table_of(device)
    key = _request_key(params, headers)
    if params.get("type") != "keygen" and table.is_timed_out(key):
        return Outcome(_labelled(_session_timed_out(), params))

    fault = table.take(params)
    if fault is None:
        outcome = Outcome(handle_request(device, params, headers, client))
    else:
        _log_injection(device, fault, params)
        outcome = _apply(device, fault, params, headers, client)
    return outcome
