# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: site_to_site_rehearsal
short_description: The sites that ipsec.panos.vpn_rehearse negotiates for site_to_site plans
version_added: 0.3.0
description:
  - Takes the site_to_site plans of several firewalls and returns the O(ipsec.panos.vpn_rehearse#module:sites)
    of the ipsec.panos.vpn_rehearse module, each firewall's plan followed by one declared peer per
    peer tunnel.
  - A peer is modelled by what its preset (with overrides) accepts. Its PFS group is the
    firewall's own group when the peer accepts it. Its IDs, pre-shared key and proxy IDs mirror
    the firewall's gateway and tunnel.
  - The result contains pre-shared keys, so pass it only to tasks with no_log or to vpn_rehearse,
    which hides them.
author:
  - ipsec.panos maintainers (@ipsec-panos)
options:
  _input:
    description: The plans, by inventory hostname, as the site_to_site role sets them in C(site_to_site_plan).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Rehearse every firewall's peers
  ipsec.panos.vpn_rehearse:
    sites: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'site_to_site_plan'))) | ipsec.panos.site_to_site_rehearsal }}"
    fail_on_down: true
  run_once: true
"""

RETURN = r"""
_value:
  description: A list of sites, each C(name) and either C(config) (a firewall) or C(declared) (a peer tunnel).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipsec.panos.plugins.plugin_utils._site_to_site_rehearsal import RehearsalSitesError, rehearsal_sites


def site_to_site_rehearsal(plans):
    try:
        return rehearsal_sites(plans)
    except RehearsalSitesError as error:
        raise AnsibleFilterError("site_to_site_rehearsal: %s" % error) from None


class FilterModule:
    def filters(self):
        return {"site_to_site_rehearsal": site_to_site_rehearsal}
