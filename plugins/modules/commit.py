#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: commit
short_description: Commit the PAN-OS candidate configuration and wait for the job
version_added: 0.1.0
description:
  - Commits the candidate configuration and polls the commit job until it finishes or O(timeout) passes.
  - By default only the changes of the administrator in O(provider.username) are committed, so
    changes another administrator is still working on are left pending.
  - When the commit fails, the task fails with the device's own detail lines.
  - When there is nothing to commit, the task reports no change.
  - With O(template) or O(template_stack), O(provider.host) is a Panorama. The task commits
    Panorama's candidate configuration, then pushes the template or stack to the firewalls it
    is assigned to and waits for every firewall's result. When there was nothing to commit, it
    pushes only with O(force=true).
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
attributes:
  check_mode:
    support: partial
    description: Can run in check mode.
    details: Reports whether the device has uncommitted changes and commits nothing. It cannot
      tell whose changes they are, and changes that other tasks skipped in check mode are not pending.
  diff_mode:
    support: none
    description: Returns no diff.
  platform:
    platforms: panos
    support: full
    description: Palo Alto Networks PAN-OS firewalls.
  action_group:
    support: full
    membership:
      - ipsec.panos.panos
    description: Use C(group/ipsec.panos.panos) in C(module_defaults) to set O(provider) once.
options:
  admins:
    description:
      - Commit only the changes of these administrators.
      - Defaults to O(provider.username). Ignored with O(all_changes=true).
    type: list
    elements: str
  all_changes:
    description:
      - Commit every pending change, whoever made it.
    type: bool
    default: false
  description:
    description:
      - Commit description, shown in the device's job and config audit logs.
    type: str
  force:
    description:
      - Commit even when the device reports no changes.
    type: bool
    default: false
  template:
    description:
      - After committing Panorama, push this template to its firewalls.
      - Mutually exclusive with O(template_stack).
    type: str
  template_stack:
    description:
      - After committing Panorama, push this template stack to its firewalls.
      - Mutually exclusive with O(template).
    type: str
  timeout:
    description:
      - How long to wait for the commit job, in seconds.
    type: int
    default: 600
  poll_interval:
    description:
      - Seconds between two checks of the job status.
    type: float
    default: 1.0
  revert_on_failure:
    description:
      - When the device rejects the commit, never starts it, or its job fails, revert the
        uncommitted changes it was committing (those of O(admins), or of O(provider.username)
        with O(all_changes=true)), so that no failed change waits in the candidate configuration
        for the next commit.
      - Nothing is reverted when the job did not finish within O(timeout), or the connection was
        lost while waiting for it, because the commit may still succeed. The message gives the
        job id to check.
      - Nothing is reverted either while another session of the same administrator holds the
        configuration lock (another run, whose changes a revert would take out too), or when
        the commit did not start because a commit job was running that may be committing them.
        The message then names what to revert by hand.
      - This also reverts changes those administrators made before the play. Turn it off to keep
        the failed changes in the candidate configuration for a fix by hand.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Commit this playbook's changes
  ipsec.panos.commit:
    provider: "{{ panos_provider }}"
    description: hub-and-spoke VPN change 4711
"""

RETURN = r"""
job:
  description: The finished commit job, or nothing when there was nothing to commit.
  returned: when a commit ran
  type: dict
  contains:
    id:
      description: Job id.
      type: str
    result:
      description: V(OK) or V(FAIL).
      type: str
    details:
      description: The device's detail lines.
      type: list
      elements: str
    devices:
      description: For a push, each firewall's result.
      type: list
      elements: dict
    warnings:
      description: The device's warning lines.
      type: list
      elements: str
  sample:
    id: "7"
    result: OK
    details: [Configuration committed successfully]
    warnings: []
command:
  description: The commit command sent.
  returned: always
  type: str
push:
  description: The finished push job, with one result per firewall.
  returned: when O(template) or O(template_stack) is set and a push ran
  type: dict
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ipsec.panos.plugins.module_utils._commit import (
    CommitFailed,
    build_commit_command,
    build_push_command,
    commit_and_wait,
    commit_changes,
    failure_message,
    pending_changes,
)
from ansible_collections.ipsec.panos.plugins.module_utils._connection import (
    PROVIDER_SPEC,
    ConnectionSettingsError,
    Device,
    DeviceError,
    release_config_locks,
)


def run(module):
    params = module.params
    if params["timeout"] < 1:
        raise ConnectionSettingsError("timeout: %s is invalid; give the seconds to wait for the commit job, 1 or more" % params["timeout"])
    if params["poll_interval"] <= 0:
        raise ConnectionSettingsError("poll_interval: %s is invalid; give the seconds between two job checks, more than 0" % params["poll_interval"])
    admins = None
    if not params["all_changes"]:
        admins = params["admins"] or [params["provider"].get("username") or "admin"]
    command = build_commit_command(admins, params["description"], params["force"])

    push_to = params["template"] or params["template_stack"]
    device = Device(params["provider"], panorama=bool(push_to)).open()
    if module.check_mode:
        return {"changed": pending_changes(device), "command": command}

    result = {"changed": False, "command": command}
    job = commit_changes(
        device,
        admins,
        params["description"],
        params["force"],
        params["timeout"],
        params["poll_interval"],
        params["revert_on_failure"],
    )
    if job is None:
        result["msg"] = "There are no changes to commit."
    else:
        result.update(changed=True, job=job)

    # Push only what this commit changed, or on force, so a rerun reports no change.
    if push_to and (job is not None or params["force"]):
        push = build_push_command(params["template"], params["template_stack"])
        pushed = commit_and_wait(device, push, params["timeout"], params["poll_interval"], action="all")
        if pushed is not None:
            result.update(changed=True, push=pushed)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            admins=dict(type="list", elements="str"),
            all_changes=dict(type="bool", default=False),
            description=dict(type="str"),
            force=dict(type="bool", default=False),
            timeout=dict(type="int", default=600),
            poll_interval=dict(type="float", default=1.0),
            revert_on_failure=dict(type="bool", default=True),
            template=dict(type="str"),
            template_stack=dict(type="str"),
            **PROVIDER_SPEC
        ),
        mutually_exclusive=[("template", "template_stack")],
        supports_check_mode=True,
    )
    try:
        try:
            result = run(module)
        finally:
            # The revert of a failed commit may take the configuration lock; it must not outlive the task.
            for error in release_config_locks():
                module.warn("the configuration lock could not be released; release it with 'request config-lock remove': %s" % error)
    except CommitFailed as error:
        message = failure_message(error)
        if error.job:
            module.fail_json(msg=message, job=error.job)
        module.fail_json(msg=message)
    except ConnectionSettingsError as error:
        module.fail_json(msg=str(error))
    except DeviceError as error:
        message = error.message if error.transport else "PAN-OS rejected the commit: %s" % error.message
        module.fail_json(msg=message, code=error.code)
    except ImportError:
        module.fail_json(msg=missing_required_lib("pan-os-python"), exception=traceback.format_exc())
    module.exit_json(**result)


if __name__ == "__main__":
    main()
