"""Commit and validate jobs that run for a configured time, then finish OK or FAIL.

Jobs advance lazily: the device calls ``advance()`` at the start of each
request (under its lock), so a job's effect on the running configuration
happens in request order and no timer thread touches device state.
"""

import time
from dataclasses import dataclass, field

from pansim.node import Node, element, leaf


def _timestamp(seconds):
    return time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(seconds))


def _clock_time(seconds):
    return time.strftime("%H:%M:%S", time.localtime(seconds))


@dataclass
class DeviceResult:
    """The outcome of a commit-all push on one managed firewall."""

    serial: str
    name: str
    result: str = "PEND"
    started: float = None
    finished: float = None
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def to_node(self):
        """Render one ``devices/entry`` of a commit-all job, in the fields pan-os-python reads."""
        pending = self.result == "PEND"
        if pending:
            status = "PEND"
        elif self.result == "OK":
            status = "commit succeeded"
        else:
            status = "commit failed"
        messages = element(
            "msg",
            element("errors", *(leaf("line", line) for line in self.errors)),
            element("warnings", *(leaf("line", line) for line in self.warnings)),
        )
        return element(
            "entry",
            leaf("serial-no", self.serial),
            leaf("devicename", self.name),
            leaf("result", self.result),
            leaf("status", status),
            leaf("tstart", _timestamp(self.started) if self.started is not None else None),
            leaf("tfin", None if pending or self.finished is None else _timestamp(self.finished)),
            leaf("progress", "0" if pending else "100"),
            element("details", messages),
        )


@dataclass
class Job:
    id: int
    type: str
    user: str
    enqueued: float
    duration: float
    result: str
    details: list
    warnings: list = field(default_factory=list)
    description: str = None
    on_success: object = None
    finished: bool = False
    devices: list = None

    @property
    def deadline(self):
        return self.enqueued + self.duration

    def is_running(self, now):
        return not self.finished and now < self.deadline

    def progress(self, now):
        if self.finished or self.duration <= 0:
            return 100
        elapsed = max(0.0, now - self.enqueued)
        return min(99, int(100 * elapsed / self.duration))

    def to_node(self, now):
        """Render the ``<job>`` element of ``show jobs``."""
        running = not self.finished
        node = element(
            "job",
            leaf("tenq", _timestamp(self.enqueued)),
            leaf("tdeq", _clock_time(self.enqueued)),
            leaf("id", str(self.id)),
            leaf("user", self.user),
            leaf("type", self.type),
            leaf("status", "ACT" if running else "FIN"),
            leaf("queued", "NO"),
            leaf("stoppable", "no"),
            leaf("result", "PEND" if running else self.result),
            leaf("tfin", None if running else _timestamp(self.deadline)),
            leaf("description", self.description),
            leaf("positionInQ", "0"),
            leaf("progress", str(self.progress(now))),
        )

        details = Node("details")
        warnings = Node("warnings")
        if not running:
            for line in self.details:
                details.append(leaf("line", line))
            for line in self.warnings:
                warnings.append(leaf("line", line))
        node.append(details)
        node.append(warnings)
        if self.devices is not None:
            node.append(element("devices", *(device.to_node() for device in self.devices)))
        return node


class JobQueue:
    """The jobs of one device, with increasing ids."""

    def __init__(self):
        self._jobs = {}
        self._next_id = 1
        # Detail lines of an injected failure (pansim/faults.py): while set, every new job ends in FAIL with them.
        self.forced_failure = None

    def enqueue(
        self, job_type, user, now, duration, result, details, warnings=(), description=None, on_success=None, devices=None
    ):
        if self.forced_failure is not None:
            result, details, warnings, on_success = "FAIL", self.forced_failure, (), None
        job = Job(
            id=self._next_id,
            type=job_type,
            user=user,
            enqueued=now,
            duration=duration,
            result=result,
            details=list(details),
            warnings=list(warnings),
            description=description,
            on_success=on_success,
            devices=devices,
        )
        self._jobs[job.id] = job
        self._next_id += 1
        return job

    def advance(self, now, force=False):
        """Finish every job whose time is up (all of them when ``force``), oldest first."""
        for job_id in sorted(self._jobs):
            job = self._jobs[job_id]
            if job.finished or (now < job.deadline and not force):
                continue
            job.finished = True
            if job.result == "OK" and job.on_success is not None:
                job.on_success()
            job.on_success = None

    def running(self, now):
        """Return the unfinished job, if any."""
        for job in self._jobs.values():
            if job.is_running(now):
                return job
        return None

    def get(self, job_id):
        return self._jobs.get(job_id)

    def all(self):
        return [self._jobs[job_id] for job_id in sorted(self._jobs)]
