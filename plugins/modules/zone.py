#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: zone
short_description: Manage layer 3 security zones and their interfaces on PAN-OS
version_added: 0.1.0
description:
  - Manages the layer 3 zones under C(vsys zone) of O(vsys), such as the zone that holds a
    route-based VPN's tunnel interfaces.
  - The interfaces of a zone are a set, so their order never counts as a change.
  - With O(state=merged), the listed interfaces are added to the zone, and interfaces the
    task does not list stay in it.
  - With O(state=replaced) and O(state=overridden), the zone holds exactly the listed
    interfaces, and others are taken out of it, including tunnel interfaces that
    M(ipsec.panos.tunnel_interface) put there.
  - With O(state=deleted), a zone given with O(config[].interfaces) loses only those
    interfaces and stays, even when it ends up empty. A zone given without
    O(config[].interfaces) is deleted.
  - Zones of other types (layer 2, virtual wire, tap, tunnel, external) are never changed,
    deleted or returned. Naming one of them in O(config) is an error.
  - An interface can be in only one zone. PAN-OS reports one in two zones at commit.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
  - ipsec.panos.panos.resource_states
  - ipsec.panos.panos.attributes
options:
  config:
    description:
      - The zones.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Zone name, at most 31 characters.
        type: str
        required: true
      interfaces:
        description:
          - Interfaces of the zone, such as V(tunnel.11) or V(ethernet1/2). How the list
            applies depends on O(state), as described above.
        type: list
        elements: str
      zone_protection_profile:
        description:
          - Zone protection profile.
        type: str
      log_setting:
        description:
          - Log forwarding profile for the zone's protection logs.
        type: str
      enable_user_identification:
        description:
          - Map addresses in this zone to users (User-ID).
        type: bool
"""

EXAMPLES = r"""
- name: A VPN zone with the hub's tunnel interfaces
  ipsec.panos.zone:
    provider: "{{ panos_provider }}"
    config:
      - name: vpn
        interfaces: [tunnel.11, tunnel.12]
        zone_protection_profile: Recommended_Zone_Protection

- name: Take one tunnel interface out of the zone and keep the zone
  ipsec.panos.zone:
    provider: "{{ panos_provider }}"
    state: deleted
    config:
      - name: vpn
        interfaces: [tunnel.12]

- name: Delete the zone
  ipsec.panos.zone:
    provider: "{{ panos_provider }}"
    state: deleted
    config:
      - name: vpn
"""

RETURN = r"""
before:
  description: The layer 3 zones of the vsys before the task.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
after:
  description: The layer 3 zones after the task. In check mode, the prediction.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
commands:
  description: The API actions sent in the multi-config request.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
gathered:
  description: The layer 3 zones read from the device.
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The API actions that would create O(config) on an empty device.
  returned: when O(state=rendered)
  type: list
  elements: dict
parsed:
  description: The layer 3 zones read from O(running_config).
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipsec.panos.plugins.module_utils._argspec import ZONE_OPTIONS as CONFIG_OPTIONS
from ansible_collections.ipsec.panos.plugins.module_utils._engine import (
    COMMON_REQUIRED_IF,
    COMMON_RESOURCE_OPTIONS,
    run_resource_module,
)
from ansible_collections.ipsec.panos.plugins.module_utils._resources import Zone
from ansible_collections.ipsec.panos.plugins.module_utils._resources.zone import member_removal_task


def main():
    module = AnsibleModule(
        argument_spec=dict(config=dict(type="list", elements="dict", options=CONFIG_OPTIONS), **COMMON_RESOURCE_OPTIONS),
        required_if=COMMON_REQUIRED_IF,
        supports_check_mode=True,
    )
    member_removal_task(module.params)
    run_resource_module(module, Zone())


if __name__ == "__main__":
    main()
