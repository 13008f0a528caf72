# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: redundant_path_design
short_description: Plan one device's part of a redundant-path IPsec VPN over two ISPs from the inventory
version_added: 0.2.0
description:
  - Takes the sites of a redundant-path VPN (one hub and its spokes, each with one or two ISP
    links and the networks behind it) and returns the objects one device needs, ready for the
    C(config) option of M(ipsec.panos.vpn).
  - Every spoke gets two paths to the hub. Path 1 joins the first link of each end, path 2 the
    second link of each end, and a site with a single link uses it for both paths. The hub or
    the spoke must have two links.
  - Each path gets an IKE gateway on its own local interface and address (passive on the hub),
    an IPsec tunnel with tunnel monitoring, a tunnel interface, routes to the far networks and a
    /32 host route to the far public address through the path's ISP. Both tunnel interfaces of
    a spoke sit in the same zone and virtual router.
  - Path 1 routes get the primary metric and path monitoring, path 2 routes the higher backup
    metric. With C(ecmp), both paths get the primary metric and path monitoring.
  - Tunnel interface addresses come from a pool, two /30 subnets per spoke, chosen by the
    spoke's C(vpn_spoke_id) so that adding or leaving out a spoke never renumbers the others.
author:
  - ipsec.panos contributors
positional: hubs, spokes, device, settings
options:
  _input:
    description:
      - The play's C(hostvars). Each site reads the host variables C(vpn_links) (one or two ISP
        links, each with C(interface), C(public_ip) as configured on that interface with its
        prefix length, C(next_hop) of the ISP router and an optional C(name)), C(vpn_networks)
        (the prefixes behind the site), for spokes C(vpn_spoke_id) (a unique whole number from
        1), and optionally C(vpn_pre_shared_key), which then both ends of that spoke's tunnels use.
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
      - C(pre_shared_key), C(exclude), C(tunnel_pool), C(tunnel_base), C(zone),
        C(virtual_router), C(ike_version), C(ike_profile), C(ipsec_profile),
        C(monitor_profile), C(monitor_interval), C(monitor_threshold), C(primary_metric),
        C(backup_metric), C(ecmp), C(path_monitor_interval), C(path_monitor_count),
        C(path_monitor_hold_time) and C(management_profile), as documented for the
        C(redundant_path_*) variables of the ipsec.panos.redundant_path role.
      - C(exclude) lists inventory hostnames to plan as if they were not in the inventory. A
        device that is excluded, or whose hub is, gets a plan with every list empty.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Plan this firewall's objects
  ansible.builtin.set_fact:
    vpn_plan: >-
      {{ hostvars | ipsec.panos.redundant_path_design(groups['vpn_hubs'], groups['vpn_spokes'], inventory_hostname, {
           'pre_shared_key': vault_ipsec_psk,
           'ike_profile': {'name': 'rp-ike', 'encryption': ['aes-256-cbc'], 'hash': ['sha384'], 'dh_group': ['group20']},
           'ipsec_profile': {'name': 'rp-ipsec', 'esp_encryption': ['aes-256-gcm'], 'dh_group': 'group20'}}) }}
  no_log: true

- name: Apply it in one transaction
  ipsec.panos.vpn:
    config: "{{ vpn_plan.config }}"
    virtual_router: "{{ vpn_plan.virtual_router }}"
"""

RETURN = r"""
_value:
  description:
    - C(config), the objects for the C(config) option of M(ipsec.panos.vpn), with the lists
      C(ike_crypto_profiles), C(ipsec_crypto_profiles), C(tunnel_monitor_profiles), C(zones),
      C(tunnel_interfaces), C(ike_gateways), C(ipsec_tunnels) and C(static_routes).
    - C(virtual_router), the virtual router of the routes, for the module's C(virtual_router) option.
    - C(role) (hub or spoke), C(tunnel_count), C(ecmp), and C(tunnels), one entry per path with
      its peer, path number, IPsec tunnel, tunnel interface, local interface, public and tunnel
      addresses and route metric. C(tunnels) holds no pre-shared key.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipsec.panos.plugins.plugin_utils._redundant_path import HUB_GROUP_VARIABLE, SPOKE_GROUP_VARIABLE, DesignError, plan_device


def _site(variables, role):
    site = {
        "role": role,
        "links": variables.get("vpn_links"),
        "networks": variables.get("vpn_networks"),
        "pre_shared_key": variables.get("vpn_pre_shared_key"),
    }
    if role == "spoke":
        site["spoke_id"] = variables.get("vpn_spoke_id")
    return site


def redundant_path_design(hostvars, hubs, spokes, device, settings):
    try:
        sites = {name: _site(hostvars[name], "hub") for name in hubs}
        for name in spokes:
            if name in sites:
                raise DesignError(
                    "%s is in both the hub group (%s) and the spoke group (%s); put it in one of them"
                    % (name, HUB_GROUP_VARIABLE, SPOKE_GROUP_VARIABLE)
                )
            sites[name] = _site(hostvars[name], "spoke")
        return plan_device(sites, device, settings)
    except DesignError as error:
        raise AnsibleFilterError("redundant_path_design: %s" % error) from None


class FilterModule:
    def filters(self):
        return {"redundant_path_design": redundant_path_design}
