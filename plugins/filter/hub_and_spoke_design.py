# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: hub_and_spoke_design
short_description: Plan one device's part of a hub-and-spoke IPsec VPN from the inventory
version_added: 0.1.0
description:
  - Takes the sites of a hub-and-spoke VPN (the hub and every spoke, each with its public
    address and networks) and returns the objects one device needs, ready for the
    C(config) option of the ipsec.panos modules.
  - On the hub, every spoke gets an IKE gateway, an IPsec tunnel, a tunnel interface and routes
    to its networks. Every spoke gets the mirror image towards the hub.
  - Tunnel interface addresses come from a pool, one /30 per spoke, chosen by the spoke's
    C(spoke_id) so that adding a spoke never renumbers the others.
author:
  - ipsec.panos maintainers (@ipsec-panos)
positional: hubs, spokes, device, settings
options:
  _input:
    description:
      - The play's C(hostvars). Each site reads these host variables
        C(vpn_public_ip) (the outside address, with prefix length to pin the gateway's local address),
        C(vpn_networks) (the prefixes behind the site), for spokes C(vpn_spoke_id) (a unique
        whole number from 1), and optionally C(vpn_pre_shared_key), which then both ends of
        that spoke's tunnel use.
    type: dict
    required: true
  hubs:
    description: Inventory hostnames of the hub group. Exactly one.
    type: list
    elements: str
    required: true
  spokes:
    description: Inventory hostnames of the spoke group.
    type: list
    elements: str
    required: true
  device:
    description: The inventory hostname to plan for.
    type: str
    required: true
  settings:
    description:
      - C(pre_shared_key), C(tunnel_pool), C(zone), C(virtual_router), C(interface),
        C(ike_profile), C(ipsec_profile), C(proxy_ids) and C(spoke_to_spoke), as documented in
        the ipsec.panos.hub_and_spoke role.
      - C(exclude), a list of sites to plan as if they were not in the inventory. A device
        with no tunnel left (an excluded spoke, or every device when the hub or the last
        spoke is excluded) gets a plan with no objects. The decommission role uses this.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Plan this firewall's objects
  ansible.builtin.set_fact:
    vpn_plan: "{{ hostvars | ipsec.panos.hub_and_spoke_design(groups['vpn_hubs'], groups['vpn_spokes'], inventory_hostname, settings) }}"
  no_log: true

- name: Apply it in one transaction
  ipsec.panos.vpn:
    config: "{{ vpn_plan.config }}"
    virtual_router: "{{ vpn_plan.virtual_router }}"
"""

RETURN = r"""
_value:
  description:
    - C(ike_crypto_profiles), C(ipsec_crypto_profiles), C(tunnel_interfaces), C(ike_gateways),
      C(ipsec_tunnels) and C(static_routes) lists, plus C(role) and C(tunnel_count).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipsec.panos.plugins.plugin_utils._hub_and_spoke import DesignError, plan_device


def _site(variables, role):
    site = {
        "role": role,
        "public_ip": variables.get("vpn_public_ip"),
        "networks": list(variables.get("vpn_networks") or []),
        "pre_shared_key": variables.get("vpn_pre_shared_key"),
    }
    if role == "spoke":
        site["spoke_id"] = variables.get("vpn_spoke_id")
    return site


def hub_and_spoke_design(hostvars, hubs, spokes, device, settings):
    try:
        both = sorted(set(hubs) & set(spokes))
        if both:
            raise DesignError("%s %s in both the hub group and the spoke group; put each host in one" % (", ".join(both), "is" if len(both) == 1 else "are"))
        sites = {name: _site(hostvars[name], "hub") for name in hubs}
        sites.update({name: _site(hostvars[name], "spoke") for name in spokes})
        return plan_device(sites, device, settings)
    except DesignError as error:
        raise AnsibleFilterError("hub_and_spoke_design: %s" % error) from None


class FilterModule:
    def filters(self):
        return {"hub_and_spoke_design": hub_and_spoke_design}
