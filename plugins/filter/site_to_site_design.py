# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: site_to_site_design
short_description: Plan one PAN-OS firewall's IPsec VPNs to third-party peers from peer presets
version_added: 0.2.0
description:
  - Takes the peers of one firewall (AWS, Azure, GCP, Cisco ASA, strongSwan or another PAN-OS
    firewall) and returns the objects the firewall needs, ready for the C(config) option of
    M(ipsec.panos.vpn).
  - Each peer names a preset that lists what the peer accepts and which PAN-OS settings suit
    it. Before anything is planned, the IKE version and both crypto profiles are checked
    against what the peer accepts.
  - A profile that shares no proposal with the peer fails the filter. The message names the
    peer, the profile, what the profile offers and what the peer accepts.
  - Tunnel numbers and pool addresses come from each peer's C(id), so adding or excluding a
    peer never renumbers another.
  - For a strongSwan peer the result also contains the text of the peer's swanctl.conf, with the
    pre-shared key in it.
author:
  - ipsec.panos maintainers (@ipsec-panos)
positional: device, firewall, settings
options:
  _input:
    description:
      - The peers, the entries of the role variable C(site_to_site_peers). Each has C(name),
        C(id), C(preset), C(peer_address) or C(peer_addresses), C(remote_networks) and
        optionally C(pre_shared_key) or C(pre_shared_keys), C(local_networks),
        C(inside_cidrs), C(peer_id), C(local_id), C(passive_mode) and C(overrides), as
        documented in the ipsec.panos.site_to_site role.
    type: list
    elements: dict
    required: true
  device:
    description: The inventory hostname of the firewall to plan for.
    type: str
    required: true
  firewall:
    description:
      - The firewall's own site, with C(public_ip) (its outside address, with prefix length to
        pin the gateways' local address) and C(networks) (the prefixes behind it, the default
        local networks of every peer).
    type: dict
    required: true
  settings:
    description:
      - C(interface), C(zone), C(virtual_router), C(tunnel_base), C(tunnel_pool),
        C(primary_metric), C(backup_metric), C(monitor_profile), C(pre_shared_key),
        C(preset_overrides) and C(exclude), as documented in the ipsec.panos.site_to_site role.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Plan this firewall's VPNs to its peers
  ansible.builtin.set_fact:
    vpn_plan: >-
      {{ site_to_site_peers | ipsec.panos.site_to_site_design(inventory_hostname,
         {'public_ip': vpn_public_ip, 'networks': vpn_networks},
         {'pre_shared_key': vault_psk, 'interface': 'ethernet1/1'}) }}
  no_log: true
"""

RETURN = r"""
_value:
  description:
    - C(config), the vpn module's C(config) with the lists C(ike_crypto_profiles),
      C(ipsec_crypto_profiles), C(tunnel_monitor_profiles), C(zones), C(tunnel_interfaces),
      C(ike_gateways), C(ipsec_tunnels) and C(static_routes).
    - C(virtual_router), C(tunnel_count), C(peers) (per peer its preset, profiles, tunnels,
      MTU and TCP MSS, and the traffic selectors as the peer sees them) and C(strongswan)
      (per strongSwan peer the file name and the swanctl.conf text).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipsec.panos.plugins.plugin_utils._site_to_site import DesignError, load_presets, plan_device


def _sites(peers, device, firewall):
    if not isinstance(peers, (list, tuple)):
        raise DesignError("%s: site_to_site_peers must be a list of peers, got %r" % (device, peers))
    sites = {device: {"role": "firewall", "public_ip": firewall.get("public_ip") or None, "networks": firewall.get("networks") or []}}
    for index, peer in enumerate(peers):
        if not isinstance(peer, dict) or not peer.get("name"):
            raise DesignError("%s: site_to_site_peers[%d] needs a name" % (device, index))
        name = str(peer["name"])
        if name in sites:
            what = "the firewall's own name" if name == device else "already the name of another peer"
            raise DesignError("%s: site_to_site_peers[%d]: name %r is %s" % (device, index, name, what))
        site = {key: value for key, value in peer.items() if key != "name"}
        site["role"] = "peer"
        sites[name] = site
    return sites


def site_to_site_design(peers, device, firewall, settings):
    try:
        return plan_device(_sites(peers, device, firewall or {}), device, settings, presets=load_presets())
    except DesignError as error:
        raise AnsibleFilterError("site_to_site_design: %s" % error) from None


class FilterModule:
    def filters(self):
        return {"site_to_site_design": site_to_site_design}
