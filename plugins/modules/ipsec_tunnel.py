#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ipsec_tunnel
short_description: Manage auto-key IPsec tunnels and their proxy IDs on PAN-OS
version_added: 0.1.0
description:
  - Manages the IPsec tunnels under C(network tunnel ipsec), with their tunnel interface, IKE
    gateway, IPsec crypto profile, proxy IDs and tunnel monitoring.
  - With O(state=merged), proxy IDs are merged by name, so proxy IDs the task does not
    list stay on the device.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
  - ipsec.panos.panos.resource_states
  - ipsec.panos.panos.attributes
options:
  config:
    description:
      - The IPsec tunnels.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Tunnel name, at most 63 characters.
        type: str
        required: true
      tunnel_interface:
        description:
          - The C(tunnel.N) interface the tunnel is bound to. Required when creating a tunnel.
        type: str
      ike_gateway:
        description:
          - The IKE gateway for phase 1. Required when creating a tunnel.
        type: str
      ipsec_crypto_profile:
        description:
          - The IPsec crypto profile for phase 2. Required when creating a tunnel, so that a
            tunnel never falls back to the weak predefined C(default) profile by accident.
        type: str
      proxy_ids:
        description:
          - Proxy IDs (traffic selectors), IPv4 and IPv6. Policy-based peers need them to match
            their own selectors exactly. Without proxy IDs PAN-OS proposes 0.0.0.0/0 to 0.0.0.0/0.
          - The address family of the prefixes decides where a proxy ID is stored, in
            C(proxy-id) for IPv4 or C(proxy-id-v6) for IPv6. Local and remote must be of one family.
          - Prefixes must not have host bits set. Two proxy IDs of one tunnel must not overlap.
          - With O(state=replaced) or O(state=overridden) the tunnel gets exactly these proxy IDs.
            Manage proxy IDs with M(ipsec.panos.proxy_id) instead when other tasks add proxy IDs to the tunnel.
        type: list
        elements: dict
        suboptions:
          name:
            description: Proxy ID name, unique in the tunnel.
            type: str
            required: true
          local:
            description: Local prefix, such as V(10.1.0.0/16) or V(2001:db8:1::/48).
            type: str
            required: true
          remote:
            description: Remote prefix, such as V(10.2.0.0/16) or V(2001:db8:2::/48).
            type: str
            required: true
          protocol:
            description: The protocol the proxy ID covers. The default is V(any).
            type: str
            choices: [any, number, tcp, udp]
          protocol_number:
            description: IP protocol number, 1 to 254, with O(config[].proxy_ids[].protocol=number).
            type: int
          local_port:
            description: Local port with V(tcp) or V(udp); 0 means any.
            type: int
          remote_port:
            description: Remote port with V(tcp) or V(udp); 0 means any.
            type: int
      anti_replay:
        description:
          - Anti-replay protection. The device default is V(true).
        type: bool
      anti_replay_window:
        description:
          - Size of the anti-replay window in packets. The device default is 1024.
        type: int
        choices: [64, 128, 256, 512, 1024, 2048, 4096]
      copy_tos:
        description:
          - Copy the ToS header from the inner to the outer IP header.
        type: bool
      tunnel_monitor:
        description:
          - Tunnel monitoring. The tunnel interface needs an address for it.
        type: dict
        suboptions:
          enable:
            description: Turn monitoring on.
            type: bool
          destination_ip:
            description: The address to probe across the tunnel.
            type: str
          proxy_id:
            description:
              - The proxy ID whose SA carries the probes, for tunnels with proxy IDs. It must
                be one of the tunnel's proxy IDs.
            type: str
          profile:
            description:
              - The tunnel monitor profile, which sets wait-recover or fail-over. A redundant
                pair of tunnels needs a fail-over profile, made with M(ipsec.panos.tunnel_monitor_profile).
            type: str
      disabled:
        description:
          - Disable the tunnel.
        type: bool
      comment:
        description:
          - Free-form comment, at most 1023 characters.
        type: str
      peer_policy_based:
        description:
          - Say that the peer is policy-based (a Cisco ASA crypto map, a Check Point traditional
            community, an Azure policy-based gateway). Such a peer needs proxy IDs identical to its
            own selectors, so the task warns when the tunnel has none, because PAN-OS would then
            propose 0.0.0.0/0 and the peer would reject phase 2.
          - Not stored on the device.
        type: bool
"""

EXAMPLES = r"""
- name: A tunnel to a branch with mirrored proxy IDs
  ipsec.panos.ipsec_tunnel:
    provider: "{{ panos_provider }}"
    config:
      - name: vpn-branch1
        tunnel_interface: tunnel.11
        ike_gateway: gw-branch1
        ipsec_crypto_profile: ipsec-gcm256-g20
        proxy_ids:
          - name: hq-to-branch1
            local: 10.0.0.0/16
            remote: 10.11.0.0/24

- name: One of a redundant pair of tunnels, monitored and failing over to the other
  ipsec.panos.ipsec_tunnel:
    provider: "{{ panos_provider }}"
    config:
      - name: vpn-aws-1
        tunnel_interface: tunnel.1
        ike_gateway: gw-aws-1
        ipsec_crypto_profile: ipsec-gcm256-g20
        anti_replay_window: 2048
        tunnel_monitor:
          enable: true
          destination_ip: 169.254.10.1
          profile: fail-over-3s

- name: Show every tunnel on the device
  ipsec.panos.ipsec_tunnel:
    provider: "{{ panos_provider }}"
    state: gathered
  register: tunnels
"""

RETURN = r"""
before:
  description: The tunnels before the task.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
after:
  description: The tunnels after the task. In check mode, the prediction.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
commands:
  description: The API actions sent in the multi-config request.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
gathered:
  description: The tunnels read from the device.
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The API actions that would create O(config) on an empty device.
  returned: when O(state=rendered)
  type: list
  elements: dict
parsed:
  description: The tunnels read from O(running_config).
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipsec.panos.plugins.module_utils._argspec import IPSEC_TUNNEL_OPTIONS as CONFIG_OPTIONS
from ansible_collections.ipsec.panos.plugins.module_utils._engine import (
    COMMON_REQUIRED_IF,
    COMMON_RESOURCE_OPTIONS,
    run_resource_module,
)
from ansible_collections.ipsec.panos.plugins.module_utils._resources import IpsecTunnel


def main():
    module = AnsibleModule(
        argument_spec=dict(config=dict(type="list", elements="dict", options=CONFIG_OPTIONS), **COMMON_RESOURCE_OPTIONS),
        required_if=COMMON_REQUIRED_IF,
        supports_check_mode=True,
    )
    run_resource_module(module, IpsecTunnel())


if __name__ == "__main__":
    main()
