#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tunnel_interface
short_description: Manage tunnel interfaces with their zone and virtual router on PAN-OS
version_added: 0.1.0
description:
  - Manages C(tunnel.N) logical interfaces under C(network interface tunnel units).
  - Binds each interface to a security zone and a virtual router in the same request, and
    imports it into the vsys, so a route-based VPN's interface is usable as soon as it exists.
  - Adding an interface to a zone that does not exist yet creates that zone as a layer 3 zone.
  - Other members of the zone and the virtual router are never removed.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
  - ipsec.panos.panos.resource_states
  - ipsec.panos.panos.attributes
options:
  config:
    description:
      - The tunnel interfaces.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Interface name, C(tunnel.N) with N from 1 to 9999.
        type: str
        required: true
      ip:
        description:
          - Addresses with prefix length, such as V(169.254.100.1/30). An address is needed
            only for tunnel monitoring and dynamic routing.
        type: list
        elements: str
      mtu:
        description:
          - MTU in bytes, 576 to 9216.
        type: int
      comment:
        description:
          - Free-form comment.
        type: str
      management_profile:
        description:
          - Interface management profile, for example one that allows ping for monitoring.
        type: str
      netflow_profile:
        description:
          - NetFlow server profile that exports the interface's flows.
        type: str
      ipv6:
        description:
          - IPv6 on the interface.
        type: dict
        suboptions:
          enable:
            description: Turn IPv6 on for the interface.
            type: bool
          addresses:
            description:
              - IPv6 addresses with prefix length, such as V(2001:db8:ffff::1/64), each
                configured on the interface.
            type: list
            elements: str
      zone:
        description:
          - Security zone of the interface, in O(vsys).
        type: str
      virtual_router:
        description:
          - Virtual router the interface belongs to.
        type: str
"""

EXAMPLES = r"""
- name: Tunnel interfaces of a hub, in the VPN zone and the default virtual router
  ipsec.panos.tunnel_interface:
    provider: "{{ panos_provider }}"
    config:
      - name: tunnel.11
        ip: [169.254.100.1/30]
        zone: vpn
        virtual_router: default
        comment: to branch1
"""

RETURN = r"""
before:
  description: The tunnel interfaces before the task, with their zone and virtual router.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
after:
  description: The tunnel interfaces after the task. In check mode, the prediction.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
commands:
  description: The API actions sent in the multi-config request.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
gathered:
  description: The tunnel interfaces read from the device.
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The API actions that would create O(config) on an empty device.
  returned: when O(state=rendered)
  type: list
  elements: dict
parsed:
  description: The tunnel interfaces read from O(running_config).
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipsec.panos.plugins.module_utils._argspec import TUNNEL_INTERFACE_OPTIONS as CONFIG_OPTIONS
from ansible_collections.ipsec.panos.plugins.module_utils._engine import (
    COMMON_REQUIRED_IF,
    COMMON_RESOURCE_OPTIONS,
    run_resource_module,
)
from ansible_collections.ipsec.panos.plugins.module_utils._resources import TunnelInterface


def main():
    module = AnsibleModule(
        argument_spec=dict(config=dict(type="list", elements="dict", options=CONFIG_OPTIONS), **COMMON_RESOURCE_OPTIONS),
        required_if=COMMON_REQUIRED_IF,
        supports_check_mode=True,
    )
    run_resource_module(module, TunnelInterface())


if __name__ == "__main__":
    main()
