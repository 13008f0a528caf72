#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vpn_audit
short_description: Audit the IPsec VPN configuration of PAN-OS against a policy pack
version_added: 0.2.0
description:
  - Checks crypto profiles, IKE gateways, IPsec tunnels, tunnel interfaces, static routes, zones,
    security rules and NAT rules against the rules of a policy pack, and returns one finding per
    problem with its rule id, severity, object, evidence, fix and source.
  - Reads the running configuration of the device in one request (the whole C(/config)), or parses
    O(running_config) without contacting any device. Nothing is ever written.
  - The rules, their severity in each pack, and what each checks are listed in the collection's
    C(docs/audit.md). Rules that need operational state (VPN-OPS-*) or the peer's configuration are
    not evaluated; RV(skipped_rules) names them with the reason.
  - Crypto rules check the profiles that a gateway, tunnel or other object uses, including the
    predefined C(default) profile that a gateway or tunnel naming no profile falls back to.
    Unused profiles are reported as such (VPN-IKE-014), and their crypto is checked too unless
    O(include_unused=false), because a weak profile left on the device can be put to use by the
    next change.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
  - ipsec.panos.panos.attributes
attributes:
  check_mode:
    support: full
    description: The module only reads, so check mode runs the same audit.
  diff_mode:
    support: none
    description: Returns no diff, because nothing changes.
  idempotent:
    support: full
    description: Never changes anything; C(changed) is always false.
options:
  running_config:
    description:
      - A PAN-OS configuration in XML, as exported from a device (C(<config>)), or a saved API reply
        around one. When set, no device is contacted and O(provider) is ignored.
      - The value is treated as a secret, because an export contains keys and password hashes,
        so it is masked in logs and in the task's invocation.
    type: str
  pack:
    description:
      - The policy pack. V(baseline) holds PAN-OS, RFC 8247/8221 and operational rules.
      - V(nist-800-77r1) adds the NIST SP 800-77r1 lifetime bounds (IKE 1 to 24 hours, IPsec at most
        8 hours) and flags IKEv2 with IKEv1 fallback.
      - V(cnsa) adds the CNSA suite of RFC 9206 (VPN-CRY-014) to the NIST pack and makes IKEv1,
        IKEv1 fallback, disabled PFS and SHA-1 ESP integrity high.
    type: str
    choices: [baseline, nist-800-77r1, cnsa]
    default: baseline
  waivers:
    description:
      - Findings to accept. A waived finding moves from RV(findings) to RV(waived), with the waiver.
      - The first waiver in list order that matches a finding waives it.
      - A waiver whose O(waivers[].expires) date has passed no longer applies and yields an info
        finding VPN-AUD-001. A waiver that matches nothing yields VPN-AUD-002.
    type: list
    elements: dict
    default: []
    suboptions:
      rule:
        description:
          - The rule id, such as V(VPN-CRY-010), or a shell-style glob such as V(VPN-TUN-*).
        type: str
        required: true
      object:
        description:
          - The object, as a glob matched against the whole object (V(ike_gateway gw-aws-1)) or
            its name alone (V(gw-aws-*)). Without it, the waiver covers every object.
        type: str
      reason:
        description:
          - Why the finding is accepted. Returned with each waived finding.
        type: str
        required: true
      expires:
        description:
          - The last day the waiver applies, as V(YYYY-MM-DD). Without it, the waiver does not expire.
        type: str
  fail_on:
    description:
      - Fail the task when any unwaived finding has this severity or a worse one. The result still
        contains every finding, and the message lists the rule ids that caused the failure.
      - V(none) never fails on findings.
    type: str
    choices: [critical, high, medium, low, info, none]
    default: none
  expected:
    description:
      - Values from the inventory that the configuration alone cannot show, keyed by object name.
    type: dict
    suboptions:
      ike_gateways:
        description:
          - Per IKE gateway name, a dict of V(ike_lifetime) (the peer's IKE SA lifetime, such as
            V(8h) or V(28800), for VPN-CRY-013), V(behind_nat) (true when either end sits behind
            NAT, for VPN-IKE-010), V(peer_passive) (true when the peer only responds) and
            V(initiator) (true when this side must start the tunnel, such as a spoke with a
            dynamic address), both for VPN-IKE-007.
        type: dict
      ipsec_tunnels:
        description:
          - Per IPsec tunnel name, a dict of V(ipsec_lifetime) (the peer's IPsec SA lifetime, for
            VPN-CRY-013), V(policy_based) (true when the peer is policy-based and needs proxy IDs,
            for VPN-TUN-004) and V(remote_networks) (a list of the prefixes behind the peer, for
            VPN-NET-001 and VPN-POL-001).
        type: dict
  include_unused:
    description:
      - Also check the crypto of IKE and IPsec profiles that nothing uses. Predefined profiles are
        checked only when used.
    type: bool
    default: true
  vsys:
    description:
      - The virtual system whose zones, security rules and NAT rules are checked. Crypto profiles,
        gateways, tunnels and routes belong to the whole device and are always checked.
    type: str
    default: vsys1
  template:
    description:
      - Audit this Panorama template. O(provider.host) is then the Panorama, or O(running_config) is
        a Panorama configuration.
      - Templates hold no rulebase, so VPN-POL-001 and VPN-POL-004 are skipped.
      - Template stacks are not supported, because their effective configuration is the merge of
        their templates, which this module does not compute.
    type: str
  panos_version:
    description:
      - The PAN-OS version to parse O(running_config) as, when the file's C(<config version=...>)
        attribute does not give one. With a device, its own version is used.
    type: str
    default: 10.2.0
notes:
  - The device's running configuration is read, not the candidate, so uncommitted changes are
    not audited. Audit a candidate by exporting it and passing it in O(running_config).
  - Pre-shared keys are never read into findings, evidence or messages.
seealso:
  - module: ipsec.panos.vpn
"""

EXAMPLES = r"""
- name: Audit a firewall against the baseline pack and fail on high findings
  ipsec.panos.vpn_audit:
    provider: "{{ panos_provider }}"
    fail_on: high
  register: audit

- name: Audit an exported configuration against CNSA, with an accepted finding
  ipsec.panos.vpn_audit:
    running_config: "{{ lookup('ansible.builtin.file', 'backups/fw1-running.xml') }}"
    pack: cnsa
    waivers:
      - rule: VPN-CRY-014
        object: "ike_gateway gw-aws-*"
        reason: AWS Site-to-Site VPN offers no CNSA certificate authentication
        expires: "2026-06-30"

- name: Tell the audit what the peers expect
  ipsec.panos.vpn_audit:
    provider: "{{ panos_provider }}"
    pack: nist-800-77r1
    expected:
      ike_gateways:
        gw-aws-1: {ike_lifetime: 28800, behind_nat: false}
      ipsec_tunnels:
        vpn-aws-1: {ipsec_lifetime: 3600, remote_networks: [10.50.0.0/16]}
        vpn-asa: {policy_based: true}

- name: Show the critical and high findings
  ansible.builtin.debug:
    msg: "{{ audit.findings | selectattr('severity', 'in', ['critical', 'high']) | map(attribute='object') | list }}"
"""

RETURN = r"""
findings:
  description:
    - The unwaived findings, sorted by severity (critical first), then rule id, then object.
    - Includes the info findings about expired (VPN-AUD-001) and unused (VPN-AUD-002) waivers.
  returned: always
  type: list
  elements: dict
  contains:
    rule_id:
      description: The rule, such as V(VPN-CRY-010).
      type: str
    severity:
      description: V(critical), V(high), V(medium), V(low) or V(info), as the pack rates this condition.
      type: str
    object:
      description: The object type and name, such as V(ike_crypto_profile default).
      type: str
    object_type:
      description: The object type, named after the module that manages it, such as V(ike_gateway).
      type: str
    object_name:
      description: The object name.
      type: str
    message:
      description: What is wrong, in one sentence.
      type: str
    evidence:
      description: The values seen, in the option names of the collection's modules.
      type: dict
    fix:
      description: Which option to set to what.
      type: str
    source:
      description: The standard or documentation the rule comes from.
      type: str
  sample:
    - rule_id: VPN-CRY-010
      severity: high
      object: ike_gateway gw-branch1
      object_type: ike_gateway
      object_name: gw-branch1
      message: "IKE gateway 'gw-branch1' uses the predefined IKE crypto profile 'default' for ikev2 ..."
      evidence: {version: ikev2, ike_crypto_profile: default, implicit: false, ike_version_slot: ikev2}
      fix: Create an IKE crypto profile with ... and set ike_crypto_profile of IKE gateway 'gw-branch1' to it
      source: "PAN-OS docs: IKE and IPsec crypto profiles"
waived:
  description: The waived findings, as in RV(findings), each with the C(waiver) that matched it.
  returned: always
  type: list
  elements: dict
summary:
  description: The number of unwaived findings per severity, and C(total).
  returned: always
  type: dict
  sample: {critical: 0, high: 2, medium: 1, low: 0, info: 3, total: 6}
passed:
  description: True when no unwaived finding is above info. Independent of O(fail_on).
  returned: always
  type: bool
pack:
  description: The pack evaluated.
  returned: always
  type: str
source:
  description: Where the configuration came from, V(device) or V(running_config).
  returned: always
  type: str
panos_version:
  description: The PAN-OS version the configuration was parsed as.
  returned: always
  type: str
rules_checked:
  description: The ids of the rules the pack evaluated.
  returned: always
  type: list
  elements: str
skipped_rules:
  description: The rules of the reference table that were not evaluated, each with the reason.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipsec.panos.plugins.module_utils import _audit as audit
from ansible_collections.ipsec.panos.plugins.module_utils._audit.core import FAIL_ON_CHOICES, PACKS
from ansible_collections.ipsec.panos.plugins.module_utils._connection import PROVIDER_SPEC
from ansible_collections.ipsec.panos.plugins.module_utils._engine import run_and_exit

WAIVER_OPTIONS = dict(
    rule=dict(type="str", required=True),
    object=dict(type="str"),
    reason=dict(type="str", required=True),
    expires=dict(type="str"),
)

EXPECTED_OPTIONS = dict(
    ike_gateways=dict(type="dict"),
    ipsec_tunnels=dict(type="dict"),
)


def run_audit(module):
    result = audit.run_audit(module.params)
    message = audit.failure_message(result, module.params["fail_on"])
    if message:
        module.fail_json(msg=message, **result)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            # An export contains keys and password hashes, so it stays out of logs and -vvv output.
            running_config=dict(type="str", no_log=True),
            pack=dict(type="str", default="baseline", choices=list(PACKS)),
            waivers=dict(type="list", elements="dict", default=[], options=WAIVER_OPTIONS),
            fail_on=dict(type="str", default="none", choices=list(FAIL_ON_CHOICES)),
            expected=dict(type="dict", options=EXPECTED_OPTIONS),
            include_unused=dict(type="bool", default=True),
            vsys=dict(type="str", default="vsys1"),
            template=dict(type="str"),
            panos_version=dict(type="str", default="10.2.0"),
            **PROVIDER_SPEC
        ),
        supports_check_mode=True,
    )
    run_and_exit(module, lambda: run_audit(module))


if __name__ == "__main__":
    main()
