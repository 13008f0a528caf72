# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: vpn_plan_removal
short_description: Work out what a device loses when sites leave a VPN topology
version_added: 0.2.0
description:
  - Compares two plans of one device made by a topology design filter, such as
    P(ipsec.panos.hub_and_spoke_design#filter), one with every site and one with the leaving
    sites excluded.
  - Objects only in the first plan are to be deleted. Objects in both plans that differ, such
    as a tunnel whose proxy IDs named a leaving site's network, are to be replaced.
author:
  - ipsec.panos maintainers (@ipsec-panos)
positional: after
options:
  _input:
    description: The plan with every site.
    type: dict
    required: true
  after:
    description: The plan with the leaving sites excluded.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Objects to delete and to replace on this device
  ansible.builtin.set_fact:
    removal: "{{ plan_with_every_site | ipsec.panos.vpn_plan_removal(plan_without_branch2) }}"
  no_log: true
"""

RETURN = r"""
_value:
  description:
    - C(remove), the objects to delete, by name, in the form of the C(config) option of
      M(ipsec.panos.vpn) with O(ipsec.panos.vpn#module:state=deleted).
    - C(update), the objects to replace, whole, for O(ipsec.panos.vpn#module:state=replaced).
    - Each holds only the object types that have something to do.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipsec.panos.plugins.plugin_utils._decommission import DecommissionError, plan_removal


def vpn_plan_removal(before, after):
    try:
        return plan_removal(before, after)
    except DecommissionError as error:
        raise AnsibleFilterError("vpn_plan_removal: %s" % error) from None


class FilterModule:
    def filters(self):
        return {"vpn_plan_removal": vpn_plan_removal}
