#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: proxy_id
short_description: Manage the proxy IDs of one IPsec tunnel on PAN-OS
version_added: 0.1.0
description:
  - Manages the proxy IDs (traffic selectors) of the auto-key IPsec tunnel O(tunnel), IPv4
    and IPv6, without rewriting the tunnel itself.
  - A policy-based peer needs proxy IDs that match its own selectors exactly. Without proxy
    IDs PAN-OS proposes 0.0.0.0/0 to 0.0.0.0/0, which such peers reject.
  - The address family of the prefixes decides where a proxy ID is stored, in C(proxy-id)
    for IPv4 or C(proxy-id-v6) for IPv6. Local and remote must be of one family.
  - Every state acts on the proxy IDs of O(tunnel) only. O(state=overridden) and
    O(state=deleted) without O(config) never touch the proxy IDs of another tunnel.
  - The tunnel must exist. A task that would write to a missing tunnel fails before any
    write and names the tunnel. Deleting the proxy IDs of a missing tunnel changes nothing.
  - Prefixes must not have host bits set, and two proxy IDs of the tunnel must not overlap,
    counting the proxy IDs already on the tunnel that the task keeps.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
  - ipsec.panos.panos.resource_states
  - ipsec.panos.panos.attributes
options:
  tunnel:
    description:
      - Name of the IPsec tunnel whose proxy IDs the task manages.
    type: str
    required: true
  config:
    description:
      - The proxy IDs.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Proxy ID name, at most 63 characters, unique in the tunnel across IPv4 and IPv6.
        type: str
        required: true
      local:
        description:
          - Local prefix, such as V(10.1.0.0/16) or V(2001:db8:1::/48). A bare address means
            a host prefix. Required when creating a proxy ID.
        type: str
      remote:
        description:
          - Remote prefix, such as V(192.168.10.0/24). Required when creating a proxy ID.
        type: str
      protocol:
        description:
          - The protocol the proxy ID covers. The default is V(any).
        type: str
        choices: [any, number, tcp, udp]
      protocol_number:
        description:
          - IP protocol number, 1 to 254, with O(config[].protocol=number), such as 47 for GRE.
        type: int
      local_port:
        description:
          - Local port with V(tcp) or V(udp); 0 means any.
        type: int
      remote_port:
        description:
          - Remote port with V(tcp) or V(udp); 0 means any.
        type: int
"""

EXAMPLES = r"""
- name: Proxy IDs that mirror a policy-based peer's crypto ACL
  ipsec.panos.proxy_id:
    provider: "{{ panos_provider }}"
    tunnel: vpn-partner
    config:
      - name: lan1
        local: 10.1.0.0/16
        remote: 192.168.10.0/24
      - name: lan2
        local: 10.2.0.0/16
        remote: 192.168.10.0/24
      - name: v6-lan
        local: 2001:db8:1::/48
        remote: 2001:db8:a::/48

- name: Make the tunnel's proxy IDs exactly these, leaving other tunnels alone
  ipsec.panos.proxy_id:
    provider: "{{ panos_provider }}"
    tunnel: vpn-partner
    state: overridden
    config:
      - name: gre
        local: 10.1.0.0/16
        remote: 192.168.10.0/24
        protocol: number
        protocol_number: 47
"""

RETURN = r"""
before:
  description: The proxy IDs of the tunnel before the task.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
after:
  description: The proxy IDs of the tunnel after the task. In check mode, the prediction.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
commands:
  description: The API actions sent in the multi-config request.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
gathered:
  description: The proxy IDs of the tunnel read from the device; empty when the tunnel does not exist.
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The API actions that would create O(config) in an existing tunnel without proxy IDs.
  returned: when O(state=rendered)
  type: list
  elements: dict
parsed:
  description: The proxy IDs of the tunnel read from O(running_config).
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipsec.panos.plugins.module_utils._engine import (
    COMMON_REQUIRED_IF,
    COMMON_RESOURCE_OPTIONS,
    run_resource_module,
)
from ansible_collections.ipsec.panos.plugins.module_utils._resources import ProxyId

CONFIG_OPTIONS = dict(
    name=dict(type="str", required=True),
    local=dict(type="str"),
    remote=dict(type="str"),
    protocol=dict(type="str", choices=["any", "number", "tcp", "udp"]),
    protocol_number=dict(type="int"),
    local_port=dict(type="int"),
    remote_port=dict(type="int"),
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="list", elements="dict", options=CONFIG_OPTIONS),
            tunnel=dict(type="str", required=True),
            **COMMON_RESOURCE_OPTIONS
        ),
        required_if=COMMON_REQUIRED_IF,
        supports_check_mode=True,
    )
    run_resource_module(module, ProxyId(tunnel=module.params["tunnel"], state=module.params["state"]))


if __name__ == "__main__":
    main()
