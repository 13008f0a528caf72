#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: static_route
short_description: Manage IPv4 static routes of a virtual router on PAN-OS
version_added: 0.1.0
description:
  - Manages the IPv4 static routes of one virtual router, such as the routes that send a
    peer's networks into a C(tunnel.N) interface.
  - A route into a tunnel interface needs no next hop; PAN-OS then stores no C(nexthop) element at all.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
  - ipsec.panos.panos.resource_states
  - ipsec.panos.panos.attributes
options:
  virtual_router:
    description:
      - The virtual router whose routes are managed. O(state=overridden) only touches this router.
      - Ignored when O(logical_router) is set.
    type: str
    default: default
  logical_router:
    description:
      - With advanced routing (PAN-OS 10.2 and later), the logical router whose routes are managed,
        in the VRF named by O(vrf). Routes then live under C(network logical-router) instead of a virtual router.
    type: str
  vrf:
    description:
      - The VRF of O(logical_router).
    type: str
    default: default
  config:
    description:
      - The static routes.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Route name, at most 63 characters, unique in the virtual router.
        type: str
        required: true
      destination:
        description:
          - Destination prefix, such as V(10.11.0.0/24). Required when creating a route.
        type: str
      interface:
        description:
          - Egress interface, such as V(tunnel.11).
        type: str
      nexthop_type:
        description:
          - Next hop kind. V(none) (the default) suits routes into a tunnel interface.
        type: str
        choices: [none, ip-address, next-vr, fqdn, discard]
      nexthop:
        description:
          - Next-hop address, virtual router or FQDN, for the matching O(config[].nexthop_type).
        type: str
      metric:
        description:
          - Route metric, 1 to 65535. The device default is 10.
        type: int
      admin_distance:
        description:
          - Administrative distance, 10 to 240. The device uses the virtual router's default for static routes when unset.
        type: int
      path_monitor:
        description:
          - Path monitoring. The route is withdrawn while its monitor destinations stop
            replying to pings, so that a route with a higher metric, through a backup tunnel, takes over.
          - With O(state=merged) the destinations merge by name.
        type: dict
        suboptions:
          enable:
            description:
              - Turn path monitoring on. The default is V(true) when the route had no path
                monitoring before.
            type: bool
          failure_condition:
            description:
              - Withdraw the route when V(any) destination fails, or only when V(all) fail.
                The device default is V(any).
            type: str
            choices: [any, all]
          hold_time:
            description:
              - Minutes a recovered path must stay up before the route comes back, 0 to 1440.
                The device default is 2.
            type: int
          destinations:
            description:
              - The addresses to ping.
            type: list
            elements: dict
            suboptions:
              name:
                description: Destination name, unique in the route.
                type: str
                required: true
              enable:
                description: Ping this destination. The default for a new destination is V(true).
                type: bool
              source:
                description:
                  - The source address of the pings, an address of the egress interface,
                    such as V(169.254.10.2) on a tunnel interface.
                type: str
              destination:
                description: The address to ping, such as the peer's tunnel address.
                type: str
              interval:
                description: Seconds between pings, 1 to 60. The device default is 3.
                type: int
              count:
                description: Lost pings, 3 to 10, after which the destination counts as down. The device default is 5.
                type: int
"""

EXAMPLES = r"""
- name: Send a branch's networks into its tunnel
  ipsec.panos.static_route:
    provider: "{{ panos_provider }}"
    virtual_router: default
    config:
      - name: branch1-lan
        destination: 10.11.0.0/24
        interface: tunnel.11

- name: A primary and a backup route to a VPC, the primary monitored through its tunnel
  ipsec.panos.static_route:
    provider: "{{ panos_provider }}"
    config:
      - name: vpc-primary
        destination: 10.100.0.0/16
        interface: tunnel.1
        metric: 10
        path_monitor:
          failure_condition: any
          destinations:
            - name: aws-1
              source: 169.254.10.2
              destination: 169.254.10.1
      - name: vpc-backup
        destination: 10.100.0.0/16
        interface: tunnel.2
        metric: 20
"""

RETURN = r"""
before:
  description: The routes of the virtual router before the task.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
after:
  description: The routes after the task. In check mode, the prediction.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
commands:
  description: The API actions sent in the multi-config request.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
gathered:
  description: The routes read from the device.
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The API actions that would create O(config) on an empty device.
  returned: when O(state=rendered)
  type: list
  elements: dict
parsed:
  description: The routes read from O(running_config).
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipsec.panos.plugins.module_utils._argspec import STATIC_ROUTE_OPTIONS as CONFIG_OPTIONS
from ansible_collections.ipsec.panos.plugins.module_utils._engine import (
    COMMON_REQUIRED_IF,
    COMMON_RESOURCE_OPTIONS,
    run_resource_module,
)
from ansible_collections.ipsec.panos.plugins.module_utils._resources import StaticRoute


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="list", elements="dict", options=CONFIG_OPTIONS),
            virtual_router=dict(type="str", default="default"),
            logical_router=dict(type="str"),
            vrf=dict(type="str", default="default"),
            **COMMON_RESOURCE_OPTIONS
        ),
        required_if=COMMON_REQUIRED_IF,
        supports_check_mode=True,
    )
    run_resource_module(module, StaticRoute())


if __name__ == "__main__":
    main()
