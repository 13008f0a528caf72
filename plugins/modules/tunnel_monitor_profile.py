#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tunnel_monitor_profile
short_description: Manage tunnel monitor profiles on PAN-OS
version_added: 0.1.0
description:
  - Manages the monitor profiles under C(network profiles monitor-profile), which an IPsec
    tunnel's monitoring uses (O(config[].name) goes into the C(tunnel_monitor.profile) option
    of M(ipsec.panos.ipsec_tunnel)).
  - A profile says what happens when the monitored address stops answering. V(wait-recover)
    keeps the tunnel and waits for it to recover; V(fail-over) moves traffic to a backup path
    such as a second tunnel. In both cases PAN-OS renegotiates the keys.
  - The predefined C(default) profile (wait-recover) is never deleted.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
  - ipsec.panos.panos.resource_states
  - ipsec.panos.panos.attributes
options:
  config:
    description:
      - The tunnel monitor profiles.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Profile name, at most 31 characters.
        type: str
        required: true
      action:
        description:
          - What to do when the monitored address is lost.
          - Required when creating or replacing a profile, because the device default
            V(wait-recover) never moves traffic to a backup tunnel.
        type: str
        choices: [wait-recover, fail-over]
      interval:
        description:
          - Seconds between probes, 2 to 10. The device default is 3.
        type: int
      threshold:
        description:
          - Lost probes, 2 to 10, after which the action is taken. The device default is 5.
        type: int
"""

EXAMPLES = r"""
- name: A profile for a redundant pair of tunnels
  ipsec.panos.tunnel_monitor_profile:
    provider: "{{ panos_provider }}"
    config:
      - name: fail-over-3s
        action: fail-over
        interval: 3
        threshold: 5
"""

RETURN = r"""
before:
  description: The profiles before the task.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
after:
  description: The profiles after the task. In check mode, the prediction.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
commands:
  description: The API actions sent in the multi-config request.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
gathered:
  description: The profiles read from the device.
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The API actions that would create O(config) on an empty device.
  returned: when O(state=rendered)
  type: list
  elements: dict
parsed:
  description: The profiles read from O(running_config).
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipsec.panos.plugins.module_utils._argspec import TUNNEL_MONITOR_PROFILE_OPTIONS as CONFIG_OPTIONS
from ansible_collections.ipsec.panos.plugins.module_utils._engine import (
    COMMON_REQUIRED_IF,
    COMMON_RESOURCE_OPTIONS,
    run_resource_module,
)
from ansible_collections.ipsec.panos.plugins.module_utils._resources import TunnelMonitorProfile


def main():
    module = AnsibleModule(
        argument_spec=dict(config=dict(type="list", elements="dict", options=CONFIG_OPTIONS), **COMMON_RESOURCE_OPTIONS),
        required_if=COMMON_REQUIRED_IF,
        supports_check_mode=True,
    )
    run_resource_module(module, TunnelMonitorProfile())


if __name__ == "__main__":
    main()
