# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Commit the candidate configuration as a job and wait for its result."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

from ansible_collections.ipsec.panos.plugins.module_utils._connection import DeviceError


class CommitFailed(Exception):
    def __init__(self, message, job=None):
        super().__init__(message)
        self.job = job or {}


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


def commit_and_wait(device, command, timeout, interval=1.0, action=None):
    """Start a commit (``action="all"`` for a push) and poll the job; return None when there was nothing to commit."""
    root = device.commit(command, action=action)
    job_id = _text(root, "result/job")
    if not job_id:
        return None

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
