# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A firewall's system log and the ``type=log`` API that reads it.

``type=log&log-type=system&query=...&nlogs=N`` enqueues a query job and returns
its id. ``type=log&action=get&job-id=N`` returns the job with its entries, which
pan-python's ``PanXapi.log()`` polls until the job status is FIN. Jobs here
finish at once: their entries are taken when the query is enqueued.

Queries take ``(field op value)`` terms joined by ``and``/``or`` (``and`` binds
tighter), with ``not`` and parentheses. Operators are eq, neq, contains, and
geq/leq (severity by rank, times as text). Fields are the entry's element names,
and ``description`` is an alias of ``opaque``.

NOTE: the entry fields follow the PAN-OS system log field list; the job
wording ("query job enqueued with jobid N") and error texts are reconstructed.
"""

import re
import time
from dataclasses import dataclass

from pansim import errors, responses
from pansim.errors import ApiError
from pansim.node import element, leaf, to_xml

LOG_TYPES = frozenset(
    {"traffic", "threat", "config", "system", "hipmatch", "url", "data", "wildfire", "userid", "tunnel", "auth", "decryption", "globalprotect"}
)
DEFAULT_NLOGS = 20
MAX_NLOGS = 5000
# Entries kept per firewall; older ones are dropped first.
MAX_ENTRIES = 20000
SEVERITIES = ("informational", "low", "medium", "high", "critical")
FIELD_ALIASES = {"description": "opaque"}


def _timestamp(seconds):
    return time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(seconds))


def _clock_time(seconds):
    return time.strftime("%H:%M:%S", time.localtime(seconds))


@dataclass(frozen=True)
class LogEntry:
    """One system log entry: sequence number, time, and the event's fields."""

    seqno: int
    time: float
    serial: str
    device_name: str
    subtype: str
    eventid: str
    object: str
    severity: str
    opaque: str
    module: str = "general"

    def field(self, name):
        name = FIELD_ALIASES.get(name, name)
        if name in ("receive_time", "time_generated"):
            return _timestamp(self.time)
        if name == "type":
            return "SYSTEM"
        value = getattr(self, name, None) if name in LogEntry.__dataclass_fields__ else None
        return None if value is None else str(value)

    def to_node(self):
        stamp = _timestamp(self.time)
        fields = [
            ("domain", "1"),
            ("receive_time", stamp),
            ("serial", self.serial),
            ("seqno", str(self.seqno)),
            ("actionflags", "0x0"),
            ("is-logging-service", "no"),
            ("type", "SYSTEM"),
            ("subtype", self.subtype),
            ("config_ver", "0"),
            ("time_generated", stamp),
            ("dg_hier_level_1", "0"),
            ("dg_hier_level_2", "0"),
            ("dg_hier_level_3", "0"),
            ("dg_hier_level_4", "0"),
            ("device_name", self.device_name),
            ("vsys_id", "0"),
            ("eventid", self.eventid),
            ("object", self.object or None),
            ("fmt", "0"),
            ("id", "0"),
            ("module", self.module),
            ("severity", self.severity),
            ("opaque", self.opaque),
        ]
        return element("entry", *(leaf(name, value) for name, value in fields), attrib={"logid": str(self.seqno)})


@dataclass
class LogJob:
    id: int
    enqueued: float
    entries: list
    finished: bool = False


class SystemLog:
    """The system log entries and log query jobs of one firewall."""

    def __init__(self, device):
        self._device = device
        self.entries = []
        self._next_seqno = 1
        self._jobs = {}
        self._next_job = 1

    def append(self, event, now, subtype="vpn"):
        self.entries.append(
            LogEntry(
                seqno=self._next_seqno,
                time=now,
                serial=self._device.serial,
                device_name=self._device.hostname,
                subtype=subtype,
                eventid=event.eventid,
                object=event.object,
                severity=event.severity,
                opaque=event.description,
            )
        )
        self._next_seqno += 1
        if len(self.entries) > MAX_ENTRIES:
            del self.entries[: len(self.entries) - MAX_ENTRIES]

    def enqueue(self, entries, now):
        job = LogJob(self._next_job, now, entries)
        self._jobs[job.id] = job
        self._next_job += 1
        return job

    def job(self, value):
        job = self._jobs.get(int(value)) if value and str(value).isdigit() else None
        if job is None:
            raise ApiError(errors.OBJECT_NOT_PRESENT, f"Log query job {value} not found")
        return job


# Query language


_TOKEN = re.compile(r"""\s*(?:(\()|(\))|'([^']*)'|"([^"]*)"|([^\s()'"]+))""")
_OPERATORS = ("eq", "neq", "contains", "geq", "leq")


def _tokens(text):
    tokens = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ApiError(errors.BAD_REQUEST, f"Invalid query: cannot read {text[position:]!r}")
        opening, closing, single, double, word = match.groups()
        if opening:
            tokens.append(("(", None))
        elif closing:
            tokens.append((")", None))
        elif single is not None or double is not None:
            tokens.append(("value", single if single is not None else double))
        else:
            tokens.append(("word", word))
        position = match.end()
    return tokens


class _Parser:
    """Recursive-descent parser from a query string to a predicate over LogEntry."""

    def __init__(self, text):
        self.text = text
        self.tokens = _tokens(text)
        self.position = 0

    def _peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else (None, None)

    def _take(self):
        token = self._peek()
        self.position += 1
        return token

    def _fail(self, message):
        raise ApiError(errors.BAD_REQUEST, f"Invalid query {self.text!r}: {message}")

    def parse(self):
        predicate = self._or()
        if self._peek()[0] is not None:
            self._fail(f"unexpected {self._peek()[1] or self._peek()[0]!r}")
        return predicate

    def _or(self):
        terms = [self._and()]
        while self._peek() == ("word", "or"):
            self._take()
            terms.append(self._and())
        return terms[0] if len(terms) == 1 else (lambda entry: any(term(entry) for term in terms))

    def _and(self):
        terms = [self._not()]
        while self._peek() == ("word", "and"):
            self._take()
            terms.append(self._not())
        return terms[0] if len(terms) == 1 else (lambda entry: all(term(entry) for term in terms))

    def _not(self):
        if self._peek() == ("word", "not"):
            self._take()
            inner = self._not()
            return lambda entry: not inner(entry)
        return self._primary()

    def _primary(self):
        kind, _ = self._peek()
        if kind == "(":
            self._take()
            inner = self._or()
            if self._take()[0] != ")":
                self._fail("missing ')'")
            return inner
        return self._comparison()

    def _comparison(self):
        kind, name = self._take()
        if kind != "word":
            self._fail("expected a field name")
        kind, operator = self._take()
        if kind != "word" or operator not in _OPERATORS:
            self._fail(f"expected one of {', '.join(_OPERATORS)} after {name}")
        kind, value = self._take()
        if kind not in ("word", "value"):
            self._fail(f"expected a value after {name} {operator}")
        return _predicate(name, operator, value)


def _rank(field, value):
    if field == "severity" and value in SEVERITIES:
        return SEVERITIES.index(value)
    return value


def _predicate(name, operator, value):
    def test(entry):
        actual = entry.field(name)
        if actual is None:
            return operator == "neq"
        if operator == "eq":
            return actual == value
        if operator == "neq":
            return actual != value
        if operator == "contains":
            return value.lower() in actual.lower()
        left, right = _rank(name, actual), _rank(name, value)
        if type(left) is not type(right):
            return False
        return left >= right if operator == "geq" else left <= right

    return test


def parse_query(text):
    """Return a predicate over LogEntry for a query string (everything matches an empty one)."""
    if not text or not text.strip():
        return lambda entry: True
    return _Parser(text).parse()


# The type=log request


def _integer(params, name, default, low, high):
    text = params.get(name)
    if text is None or text == "":
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise ApiError(errors.BAD_REQUEST, f'Illegal value for parameter "{name}" [{text}].')
    return int(text)


def _select(log, params):
    log_type = params.get("log-type")
    if log_type not in LOG_TYPES:
        raise ApiError(errors.BAD_REQUEST, f'Illegal value for parameter "log-type" [{log_type}].')
    nlogs = _integer(params, "nlogs", DEFAULT_NLOGS, 1, MAX_NLOGS)
    skip = _integer(params, "skip", 0, 0, 1_000_000)
    direction = params.get("dir") or "backward"
    if direction not in ("backward", "forward"):
        raise ApiError(errors.BAD_REQUEST, f'Illegal value for parameter "dir" [{direction}].')
    predicate = parse_query(params.get("query"))

    # pansim keeps only the system log; the other log types are valid and empty.
    entries = [entry for entry in log.entries if predicate(entry)] if log_type == "system" else []
    if direction == "backward":
        entries.reverse()
    return entries[skip:skip + nlogs]


def _job_reply(job):
    count = str(len(job.entries))
    stamp = _clock_time(job.enqueued)
    state = element(
        "job",
        leaf("tenq", stamp),
        leaf("tdeq", stamp),
        leaf("tlast", stamp),
        leaf("status", "FIN"),
        leaf("id", str(job.id)),
        leaf("cached-logs", count),
    )
    logs = element("logs", *(entry.to_node() for entry in job.entries), attrib={"count": count, "progress": "100"})
    return responses.result(to_xml(state) + to_xml(element("log", logs)))


def handle_log_request(log, params, now):
    """Serve one ``type=log`` request against a firewall's SystemLog."""
    action = params.get("action")
    if action is None:
        job = log.enqueue(_select(log, params), now)
        return responses.result(f"<msg><line>query job enqueued with jobid {job.id}</line></msg><job>{job.id}</job>", 19)
    if action == "get":
        return _job_reply(log.job(params.get("job-id")))
    if action == "finish":
        job = log.job(params.get("job-id"))
        job.finished = True
        return responses.result(f"<msg><line>Log query job {job.id} finished</line></msg>")
    raise ApiError(errors.BAD_REQUEST, f'Illegal value for parameter "action" [{action}].')
