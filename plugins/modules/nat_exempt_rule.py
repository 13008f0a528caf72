#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: nat_exempt_rule
short_description: Keep VPN traffic out of source NAT on PAN-OS with NAT rules that translate nothing
version_added: 0.1.0
description:
  - Manages NAT-exempt rules under C(rulebase nat rules) of one vsys. A NAT-exempt rule has no
    source or destination translation. Traffic that matches it first leaves the firewall
    untranslated, which VPN traffic needs when a generic outbound source-NAT rule would
    otherwise match it.
  - PAN-OS applies the first NAT rule that matches, so the module places each rule directly above
    the first source-NAT rule that would translate the same traffic, and leaves it where it is
    when it already sits above every such rule. A second run moves nothing.
  - A source-NAT rule catches the exempt rule's traffic when their source zones, destination
    zones, egress interfaces, source addresses and destination addresses all overlap. Address
    objects and groups are resolved from the vsys and from C(shared). Members that cannot be
    resolved (FQDN objects, dynamic groups, external lists) and all services count as
    overlapping, so an exempt rule may end up higher than needed, but never too low. Disabled
    source-NAT rules count too, so enabling one later does not start translating VPN traffic.
  - After a write, the module reads the NAT rulebase once more and fails, naming both rules, when
    an exempt rule of the task sits below a source-NAT rule that catches its traffic.
  - Only rules without any translation are managed, gathered and deleted. A name that belongs to a
    NAT rule with a translation is rejected before anything is written, and source-NAT rules are
    never changed or moved.
  - B(State overridden needs O(managed_tag)), and so does O(state=deleted) with no O(config). Those
    states then delete only the NAT-exempt rules that carry the tag.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
  - ipsec.panos.panos.resource_states
  - ipsec.panos.panos.attributes
notes:
  - O(template) and O(template_stack) are rejected, because Panorama keeps rules in device groups,
    which this module does not manage.
options:
  managed_tag:
    description:
      - A tag that marks the rules this task owns. Every rule in O(config) gets the tag, and the
        tag object is created in the vsys when neither the vsys nor C(shared) has it.
      - Required with O(state=overridden), and with O(state=deleted) when O(config) is empty.
        Those states then delete only the NAT-exempt rules that carry this tag and that O(config)
        does not list.
      - At most 127 characters.
    type: str
  config:
    description:
      - The NAT-exempt rules.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Rule name, at most 63 characters.
        type: str
        required: true
      description:
        description:
          - Free-form description.
        type: str
      from_zones:
        description:
          - Source zones of the original packet, or V([any]). Required when creating a rule.
        type: list
        elements: str
      to_zones:
        description:
          - The destination zone of the original packet, usually the VPN zone, or V([any]).
            A NAT rule has exactly one destination zone. Required when creating a rule.
        type: list
        elements: str
      to_interface:
        description:
          - The egress interface, such as V(tunnel.1). The device default is V(any).
        type: str
      source:
        description:
          - Source addresses of the original packet. Each is an IP address, a prefix without host
            bits such as V(10.1.0.0/16), a range such as V(10.1.0.1-10.1.0.9), or the name of an
            address object or group. V(any) stands alone.
          - When creating a rule, the default is V([any]).
        type: list
        elements: str
      destination:
        description:
          - Destination addresses of the original packet, in the same forms as O(config[].source).
          - When creating a rule, the default is V([any]).
        type: list
        elements: str
      service:
        description:
          - The service, or V(any). When creating a rule, the default is V(any).
        type: str
      disabled:
        description:
          - Disable the rule.
        type: bool
      tag:
        description:
          - Tags of the rule. O(managed_tag) is added to them.
        type: list
        elements: str
"""

EXAMPLES = r"""
- name: Keep traffic from the office to the branch out of the outbound source NAT
  ipsec.panos.nat_exempt_rule:
    provider: "{{ panos_provider }}"
    config:
      - name: no-nat-branch1
        from_zones: [trust]
        to_zones: [vpn]
        to_interface: tunnel.11
        source: [10.0.0.0/16]
        destination: [10.11.0.0/24]
        description: VPN traffic to branch1 keeps its addresses

- name: Show the NAT-exempt rules of vsys1
  ipsec.panos.nat_exempt_rule:
    provider: "{{ panos_provider }}"
    state: gathered
  register: exempt_rules
"""

RETURN = r"""
before:
  description: The NAT-exempt rules before the task.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
after:
  description: The NAT-exempt rules after the task. In check mode, the prediction. The list is not in rulebase order.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
commands:
  description: The API actions sent in the multi-config request, moves included.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
gathered:
  description: The NAT rules without translation read from the device, in rulebase order.
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The API actions that would create O(config) on an empty device, which has no source-NAT rule to move above.
  returned: when O(state=rendered)
  type: list
  elements: dict
parsed:
  description: The NAT rules without translation read from O(running_config), in rulebase order.
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipsec.panos.plugins.module_utils._argspec import NAT_EXEMPT_RULE_OPTIONS as CONFIG_OPTIONS
from ansible_collections.ipsec.panos.plugins.module_utils._engine import COMMON_REQUIRED_IF, COMMON_RESOURCE_OPTIONS
from ansible_collections.ipsec.panos.plugins.module_utils._resources import NatExemptRule
from ansible_collections.ipsec.panos.plugins.module_utils._resources.policy import run_rule_module


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="list", elements="dict", options=CONFIG_OPTIONS),
            managed_tag=dict(type="str"),
            **COMMON_RESOURCE_OPTIONS
        ),
        required_if=COMMON_REQUIRED_IF,
        supports_check_mode=True,
    )
    run_rule_module(module, NatExemptRule)


if __name__ == "__main__":
    main()
