#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: security_rule
short_description: Manage security rules of a PAN-OS vsys and their place in the rulebase
version_added: 0.1.0
description:
  - Manages the security rules under C(rulebase security rules) of one vsys, such as the rules
    that allow traffic between the internal zones and a VPN zone.
  - PAN-OS applies the first rule that matches, so O(config[].position) places a rule. A rule
    that already sits where it is asked to be is not moved, and a second run reports no change.
  - Member lists compare as sets, so the order of zones, addresses or applications in a task
    never causes a change.
  - B(State overridden needs O(managed_tag).) Without it, overridden would delete every security
    rule of the vsys that O(config) does not list, including rules other people or tools manage.
    With O(managed_tag), overridden deletes only the rules that carry that tag. The same holds
    for O(state=deleted) with no O(config).
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
  - ipsec.panos.panos.resource_states
  - ipsec.panos.panos.attributes
notes:
  - O(template) and O(template_stack) are rejected, because Panorama keeps rules in device groups,
    which this module does not manage.
  - Zones, address objects, tags and profiles that a rule names must exist when you commit.
    This module creates only the tag object of O(managed_tag).
options:
  managed_tag:
    description:
      - A tag that marks the rules this task owns. Every rule in O(config) gets the tag, and the
        tag object is created in the vsys when neither the vsys nor C(shared) has it.
      - Required with O(state=overridden), and with O(state=deleted) when O(config) is empty.
        Those states then delete only the rules that carry this tag and that O(config) does not
        list. Rules without the tag are never deleted by them.
      - At most 127 characters.
    type: str
  config:
    description:
      - The security rules.
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
          - Source zones, or V([any]). Required when creating a rule.
        type: list
        elements: str
      to_zones:
        description:
          - Destination zones, or V([any]). Required when creating a rule.
          - For VPN traffic this is the zone of the tunnel interface, because PAN-OS picks the
            destination zone from the route to the destination.
        type: list
        elements: str
      source:
        description:
          - Source addresses. Each is an IP address, a prefix without host bits such as
            V(10.1.0.0/16), a range such as V(10.1.0.1-10.1.0.9), or the name of an address
            object or group. V(any) stands alone.
          - When creating a rule, the default is V([any]).
        type: list
        elements: str
      destination:
        description:
          - Destination addresses, in the same forms as O(config[].source).
          - When creating a rule, the default is V([any]).
        type: list
        elements: str
      source_user:
        description:
          - Source users or groups. When creating a rule, the default is V([any]).
        type: list
        elements: str
      application:
        description:
          - Applications, such as V(ssl) or V(ping). When creating a rule, the default is V([any]).
        type: list
        elements: str
      service:
        description:
          - Services, V(any), or V(application-default), which allows each application only on
            its standard ports. When creating a rule, the default is V([application-default]).
        type: list
        elements: str
      category:
        description:
          - URL categories. When creating a rule, the default is V([any]).
        type: list
        elements: str
      action:
        description:
          - What to do with matching traffic. Required when creating a rule.
        type: str
        choices: [allow, deny, drop, reset-client, reset-server, reset-both]
      log_start:
        description:
          - Log at session start. The device default is V(false).
        type: bool
      log_end:
        description:
          - Log at session end. When creating a rule, the default is V(true).
        type: bool
      log_setting:
        description:
          - The log forwarding profile.
        type: str
      profile_group:
        description:
          - The security profile group. Setting it removes individual security profiles from
            the rule, because a rule has either a group or individual profiles.
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
      negate_source:
        description:
          - Match every source except O(config[].source).
        type: bool
      negate_destination:
        description:
          - Match every destination except O(config[].destination).
        type: bool
      rule_type:
        description:
          - V(universal) matches traffic within and between zones, V(intrazone) only within
            the source zones (then O(config[].to_zones) must equal O(config[].from_zones)),
            V(interzone) only between different zones. The device default is V(universal).
        type: str
        choices: [universal, intrazone, interzone]
      position:
        description:
          - Where the rule goes in the rulebase. Without it, a rule stays where it is and a new
            rule goes to the bottom.
          - V(top) and V(bottom) put it first or last. V(before) and V(after) put it directly
            above or below O(config[].reference_rule).
          - Rules of one task with the same position keep the order of O(config). For example,
            two rules with V(before) the same reference rule end up directly above it in the
            order listed, and two rules with V(top) become the first two rules.
          - A rule already in its place is not moved. A move is one C(move) action in the same
            C(multi-config) request as the other changes.
        type: str
        choices: [top, bottom, before, after]
      reference_rule:
        description:
          - The rule to place this one before or after, with O(config[].position=before) or
            O(config[].position=after). It must exist on the device or be created by an earlier
            entry of O(config). A reference rule that does not exist fails the task before
            anything is written.
        type: str
"""

EXAMPLES = r"""
- name: Allow traffic between the office and a branch over the VPN, above the other rules
  ipsec.panos.security_rule:
    provider: "{{ panos_provider }}"
    managed_tag: vpn-automation
    config:
      - name: vpn-branch1-out
        from_zones: [trust]
        to_zones: [vpn]
        source: [10.0.0.0/16]
        destination: [10.11.0.0/24]
        application: [any]
        service: [application-default]
        action: allow
        position: top
      - name: vpn-branch1-in
        from_zones: [vpn]
        to_zones: [trust]
        source: [10.11.0.0/24]
        destination: [10.0.0.0/16]
        action: allow
        position: after
        reference_rule: vpn-branch1-out

- name: Remove the VPN rules of branches that are gone; rules without the tag stay
  ipsec.panos.security_rule:
    provider: "{{ panos_provider }}"
    state: overridden
    managed_tag: vpn-automation
    config:
      - name: vpn-branch1-out
        from_zones: [trust]
        to_zones: [vpn]
        source: [10.0.0.0/16]
        destination: [10.11.0.0/24]
        action: allow
"""

RETURN = r"""
before:
  description: The security rules before the task.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
after:
  description: The security rules after the task. In check mode, the prediction. The list is not in rulebase order.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
commands:
  description: The API actions sent in the multi-config request, moves included.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
gathered:
  description: The security rules read from the device, in rulebase order.
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The API actions that would create O(config) on an empty device.
  returned: when O(state=rendered)
  type: list
  elements: dict
parsed:
  description: The security rules read from O(running_config), in rulebase order.
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipsec.panos.plugins.module_utils._argspec import SECURITY_RULE_OPTIONS as CONFIG_OPTIONS
from ansible_collections.ipsec.panos.plugins.module_utils._engine import COMMON_REQUIRED_IF, COMMON_RESOURCE_OPTIONS
from ansible_collections.ipsec.panos.plugins.module_utils._resources import SecurityRule
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
    run_rule_module(module, SecurityRule)


if __name__ == "__main__":
    main()
