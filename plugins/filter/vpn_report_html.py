# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: vpn_report_html
short_description: Render the VPN report of several firewalls as one self-contained HTML page
version_added: 0.2.0
description:
  - Takes one entry per firewall, with its M(ipsec.panos.vpn_info) and M(ipsec.panos.vpn_audit)
    results, and returns an HTML document that loads nothing from anywhere else.
  - The page starts with an inline SVG picture of the topology. Each firewall is a node and each
    tunnel an edge between the two firewalls it joins, green when up, amber when partial, red
    when down and grey when not read. The two ends of a tunnel are paired by address, the peer
    address of one end being the local address of the other. A peer that is not among the
    firewalls is drawn as a node named by its address.
  - Then come a table of the firewalls (tunnel counts, CPU and memory, finding count, read
    errors), a table of every tunnel (state, phase 1 and 2 algorithms, monitor, counters, and
    for a tunnel that is not up the diagnosis, fix and log lines), and the audit findings of each
    firewall with the count per severity.
  - Every value is HTML-escaped. The same input gives the same output.
  - The P(ipsec.panos.vpn_report#role) role calls this filter.
author:
  - ipsec.panos maintainers (@ipsec-panos)
positional: hubs, title, generated
options:
  _input:
    description:
      - A list with one dict per firewall. C(name) is required. C(addresses) lists its outside
        addresses, with or without prefix length, to pair tunnels whose flows show no local
        address. C(info) is a vpn_info result, C(audit) a vpn_audit result, each null when not
        read. C(error) says why a read failed.
    type: list
    elements: dict
    required: true
  hubs:
    description:
      - Firewalls to draw as hubs. One hub goes in the centre with the others on an ellipse
        around it. Several go in a row above the others. With none, every firewall sits on the
        ellipse.
    type: list
    elements: str
    default: []
  title:
    description: The title of the page.
    type: str
    default: IPsec VPN report
  generated:
    description: A text shown under the title, such as the time of the run.
    type: str
"""

EXAMPLES = r"""
- name: Write the report of every firewall of the play
  ansible.builtin.copy:
    content: "{{ firewalls | ipsec.panos.vpn_report_html(hubs=groups['vpn_hubs'], generated=now(utc=true).isoformat()) }}"
    dest: "{{ playbook_dir }}/vpn-report.html"
    mode: "0644"
  vars:
    firewalls:
      - name: hub
        addresses: [198.51.100.1/24]
        info: "{{ hostvars['hub'].vpn_state }}"
        audit: "{{ hostvars['hub'].vpn_findings }}"
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
_value:
  description: The HTML document.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipsec.panos.plugins.plugin_utils._report import ReportError, render_html


def vpn_report_html(firewalls, hubs=None, title="IPsec VPN report", generated=None):
    if hubs is not None and not isinstance(hubs, (list, tuple)):
        raise AnsibleFilterError("vpn_report_html: hubs must be a list of firewall names, got %s" % type(hubs).__name__)
    try:
        return render_html(list(firewalls) if isinstance(firewalls, tuple) else firewalls, hubs or [], title=title, generated=generated)
    except ReportError as error:
        raise AnsibleFilterError("vpn_report_html: %s" % error) from None


class FilterModule:
    def filters(self):
        return {"vpn_report_html": vpn_report_html}
