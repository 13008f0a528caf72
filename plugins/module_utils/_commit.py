# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Commit the candidate configuration as a job and wait for its result."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

from ansible_collections.ipsec.panos.plugins.module_utils._connection import DeviceError


class CommitFailed(Exception):
    """A commit that did not succeed. ``described`` means the message already contains the job's detail lines."""

    def __init__(self, message, job=None, described=False):
        super().__init__(message)
        self.job = job or {}
        self.described = described


def failure_message(error):
    """Build the message of a CommitFailed with the job's detail lines, which carry the device's reasons."""
    details = error.job.get("details") or []
    if details and not error.described:
        return "%s: %s" % (error, " | ".join(details))
    return str(error)


def build_commit_command(admins=None, description=None, force=False):
    """Build the ``<commit>`` element: partial by admin unless ``admins`` is empty."""
    root = ET.Element("commit")
    if force:
        ET.SubElement(root, "force")
    if admins:
        admin = ET.SubElement(ET.SubElement(root, "partial"), "admin")
        for name in admins:
            ET.SubElement(admin, "member").text = name
    if description:
        ET.SubElement(root, "description").text = description
    return ET.tostring(root, encoding="unicode")


def build_push_command(template=None, template_stack=None):
    """Build the ``<commit-all>`` element that pushes a template or template stack to its firewalls."""
    root = ET.Element("commit-all")
    kind, name = ("template", template) if template else ("template-stack", template_stack)
    ET.SubElement(ET.SubElement(root, kind), "name").text = name
    return ET.tostring(root, encoding="unicode")


def _text(node, path):
    found = node.find(path) if node is not None else None
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _lines(node, path):
    found = node.find(path) if node is not None else None
    if found is None:
        return []
    return [" ".join(t.split()) for t in found.itertext() if t.strip()]


def job_summary(job):
    summary = {
        "id": _text(job, "id"),
        "status": _text(job, "status"),
        "result": _text(job, "result"),
        "progress": _text(job, "progress"),
        "user": _text(job, "user"),
        "details": _lines(job, "details"),
        "warnings": _lines(job, "warnings"),
    }
    devices = job.findall("devices/entry")
    if devices:
        summary["devices"] = [
            {
                "serial": _text(device, "serial-no"),
                "name": _text(device, "devicename"),
                "result": _text(device, "result"),
                "details": _lines(device, "details"),
            }
            for device in devices
        ]
    return summary


def pending_changes(device):
    root = device.op("<check><pending-changes></pending-changes></check>")
    return _text(root, "result") == "yes"


# Replies that mean another commit or validate job runs now; the commit can be sent again later.
_BUSY_MARKERS = ("Another commit/validate is in progress", "A commit is in progress")


class CommitNotStarted(Exception):
    """The device did not start the commit job: it rejected the commit or stayed busy. ``error`` is the DeviceError."""

    def __init__(self, message, error, busy=False):
        super().__init__(message)
        self.error = error
        self.busy = busy


def _commit_jobs(device, admin):
    """Return the ids of the commit jobs that ``admin`` started, from ``show jobs all``."""
    root = device.op("<show><jobs><all></all></jobs></show>")
    ids = set()
    for job in root.iter("job"):
        kind = (_text(job, "type") or "").lower()
        if kind.startswith("commit") and _text(job, "user") == admin:
            ids.add(_text(job, "id"))
    return ids


def start_commit(device, command, timeout, interval=1.0, action=None):
    """Send the commit and return the id of its job, or None when there was nothing to commit.

    While another commit runs, the commit is sent again until ``timeout``. When the
    connection drops after sending, the device's job list shows whether the commit
    started. If it did not, the commit is sent again, up to ``provider.retries`` times.
    """
    deadline = time.monotonic() + timeout
    before = None
    retries = max(0, int(device.provider.get("retries") or 0))
    lost = 0
    while True:
        if before is None:
            before = _commit_jobs(device, device.admin)
        try:
            root = device.commit(command, action=action)
        except DeviceError as error:
            if error.transport:
                try:
                    started = _commit_jobs(device, device.admin) - before
                except DeviceError as again:
                    raise CommitFailed(
                        "the connection was lost while starting the commit, and the device could not be asked "
                        "whether it started (%s); check 'show jobs all' on the device before you commit again" % again.message,
                        {"status": "unknown"},
                    ) from None
                if started:
                    return max(started, key=int)
                lost += 1
                if lost > retries:
                    raise CommitNotStarted("the commit was not started: %s" % error.message, error) from None
                time.sleep(min(8.0, 0.5 * (2 ** (lost - 1))))
                continue
            if any(marker in error.message for marker in _BUSY_MARKERS):
                if time.monotonic() < deadline:
                    time.sleep(max(0.2, min(5.0, interval)))
                    continue
                raise CommitNotStarted(
                    "another commit was still running after %d seconds, so this commit was not started: %s"
                    % (timeout, error.message),
                    error,
                    busy=True,
                ) from None
            raise CommitNotStarted("PAN-OS rejected the commit: %s" % error.message, error) from None
        return _text(root, "result/job")


def commit_and_wait(device, command, timeout, interval=1.0, action=None):
    """Start a commit (``action="all"`` for a push) and poll the job; return None when there was nothing to commit."""
    job_id = start_commit(device, command, timeout, interval, action)
    if not job_id:
        return None
    return wait_for_job(device, job_id, timeout, interval, action)


def wait_for_job(device, job_id, timeout, interval=1.0, action=None):
    """Poll a commit or push job until it finishes; raise CommitFailed when it fails or takes longer than ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            reply = device.op("<show><jobs><id>%s</id></jobs></show>" % job_id)
        except DeviceError as error:
            if not error.transport:
                raise
            raise CommitFailed(
                "commit job %s was accepted, but the connection was lost while waiting for it, so its result is "
                "unknown; check it with 'show jobs id %s' on the device (%s)" % (job_id, job_id, error.message),
                {"id": job_id, "status": "unknown"},
            ) from None
        job = reply.find("result/job")
        if job is None:
            raise DeviceError("show jobs id %s returned no job" % job_id)
        summary = job_summary(job)
        if summary["status"] == "FIN":
            failed_devices = [d for d in summary.get("devices", []) if d["result"] != "OK"]
            if summary["result"] != "OK" or failed_devices:
                what = "push job" if action == "all" else "commit job"
                if failed_devices and not summary["details"]:
                    summary["details"] = [
                        "%s (%s): %s" % (d["name"], d["serial"], " ".join(d["details"]) or d["result"]) for d in failed_devices
                    ]
                raise CommitFailed("%s %s failed" % (what, job_id), summary)
            return summary
        if time.monotonic() >= deadline:
            raise CommitFailed(
                "commit job %s did not finish within %d seconds (status %s, %s%% done); it may still be "
                "running: check it with 'show jobs id %s'" % (job_id, timeout, summary["status"], summary["progress"], job_id),
                summary,
            )
        time.sleep(interval)


def _running_commit_jobs(device):
    root = device.op("<show><jobs><all></all></jobs></show>")
    return [
        _text(job, "id")
        for job in root.iter("job")
        if (_text(job, "type") or "").lower().startswith("commit") and _text(job, "status") != "FIN"
    ]


def revert_uncommitted(device, admins, busy=False):
    """Revert the uncommitted changes of ``admins`` when that cannot take out another run's work.

    Return a sentence that describes what was done, for the end of the error message. The revert
    is skipped when another session of this administrator holds the configuration lock (a
    second run, whose changes would go too), and when a commit job runs after ``busy``
    (it may be committing these changes).
    """
    manual = "'revert config partial admin %s' on the CLI" % " ".join(admins)
    try:
        if busy and _running_commit_jobs(device):
            return "the changes were not reverted, because a commit job is running that may be committing them; check 'show jobs all'"
        own_comment = device.lock_comment
        other_runs = [
            lock for lock in device.config_locks() if lock["admin"] == device.admin and (own_comment is None or lock["comment"] != own_comment)
        ]
    except DeviceError as error:
        return "the changes were not reverted, because the device could not be asked who is working on it (%s); revert them with %s" % (
            error.message,
            manual,
        )
    if other_runs:
        return (
            "the changes were not reverted, because another session of %s holds the configuration lock (comment %r), "
            "and a revert would take out its changes too; revert them with %s once that run has finished"
            % (device.admin, other_runs[0]["comment"], manual)
        )
    try:
        device.revert_changes(admins)
    except DeviceError as error:
        return "reverting the uncommitted changes of %s failed too (%s): revert them with %s before anyone commits" % (
            ", ".join(admins),
            error.message,
            manual,
        )
    return "the uncommitted changes of %s were reverted, so the candidate configuration holds none of them" % ", ".join(admins)


def commit_changes(device, admins, description=None, force=False, timeout=600, interval=1.0, revert=True):
    """Commit the changes of ``admins`` (everyone's when empty) and wait for the job; return its summary, or None when nothing was pending.

    When the commit is rejected, never starts, or its job fails, the changes are reverted
    with ``revert`` (see revert_uncommitted) and the CommitFailed message reports it. A job still running at
    ``timeout`` or lost from sight is not reverted, because it may still succeed.
    """
    command = build_commit_command(admins, description, force)
    # A commit of every administrator's changes reverts only this administrator's.
    reverted = admins or [device.admin]
    try:
        job_id = start_commit(device, command, timeout, interval)
    except CommitNotStarted as error:
        raise CommitFailed(_with_revert(device, reverted, str(error), revert, error.busy)) from None
    except DeviceError as error:
        if error.transport:
            message = "the commit was not sent: %s" % error.message
        else:
            message = "PAN-OS rejected the commit: %s" % error.message
        raise CommitFailed(_with_revert(device, reverted, message, revert)) from None
    if not job_id:
        return None
    try:
        return wait_for_job(device, job_id, timeout, interval)
    except CommitFailed as error:
        if error.job.get("result") != "FAIL":
            raise
        raise CommitFailed(_with_revert(device, reverted, failure_message(error), revert), error.job, described=True) from None


def _with_revert(device, admins, message, revert, busy=False):
    if not revert:
        return message + "; the changes stay in the candidate configuration (revert_on_failure is off)"
    return "%s; %s" % (message, revert_uncommitted(device, admins, busy))
