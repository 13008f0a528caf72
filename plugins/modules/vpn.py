#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vpn
short_description: Apply the objects of route-based VPNs on PAN-OS in one transaction
version_added: 0.1.0
description:
  - Applies crypto profiles, tunnel monitor profiles, zones, tunnel interfaces, IKE gateways,
    IPsec tunnels and static routes in one task, with one configuration read and one
    all-or-nothing C(multi-config) write. Either every change lands in the candidate
    configuration or none does.
  - Each list in O(config) takes the same options, defaults and checks as the module for that
    object type. Every element is validated before any request, and an error names its path,
    such as C(config.ipsec_tunnels[0].proxy_ids[1].protocol).
  - Writes go in dependency order. IKE crypto profiles, IPsec crypto profiles and tunnel monitor
    profiles come first, then zones, tunnel interfaces, IKE gateways, IPsec tunnels, static
    routes, security rules and NAT-exempt rules. Deletes go in the reverse order, all before the writes.
  - References are checked across the whole task before anything is written. A gateway may
    name an IKE crypto profile that the same task creates. Deleting an object that another
    object still uses fails and names that object, unless the same task also deletes or
    changes the user.
  - A key left out of O(config) is not touched, whatever O(state) is. With O(state=overridden),
    only the types given in O(config) are made exact, and objects of other types stay.
  - With O(state=deleted), an empty list deletes every object of that type that is not
    predefined. Zones are deleted whole, so an element of O(config.zones) in a deleted task
    must not give C(interfaces). M(ipsec.panos.zone) takes single interfaces out of a zone.
  - With O(state=replaced) or O(state=overridden), a zone in O(config.zones) must list every
    tunnel interface that O(config.tunnel_interfaces) puts in it. Otherwise the two would undo
    each other on every run.
  - Security rules and NAT-exempt rules are placed as M(ipsec.panos.security_rule) and
    M(ipsec.panos.nat_exempt_rule) place them. O(state=overridden), and O(state=deleted) with an
    empty list, need O(managed_tag) for them, and then only touch rules with that tag.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
  - ipsec.panos.panos.resource_states
  - ipsec.panos.panos.attributes
options:
  config:
    description:
      - The objects of the transaction, one list per object type.
      - O(state=gathered) and O(state=parsed) return every type, whichever keys are given.
    type: dict
    suboptions:
      ike_crypto_profiles:
        description:
          - IKE crypto profiles. Each element takes the options of
            O(ipsec.panos.ike_crypto_profile#module:config).
        type: list
        elements: dict
      ipsec_crypto_profiles:
        description:
          - IPsec crypto profiles. Each element takes the options of
            O(ipsec.panos.ipsec_crypto_profile#module:config).
        type: list
        elements: dict
      tunnel_monitor_profiles:
        description:
          - Tunnel monitor profiles. Each element takes the options of
            O(ipsec.panos.tunnel_monitor_profile#module:config).
        type: list
        elements: dict
      zones:
        description:
          - Layer 3 zones of O(vsys). Each element takes the options of
            O(ipsec.panos.zone#module:config).
        type: list
        elements: dict
      tunnel_interfaces:
        description:
          - Tunnel interfaces, with their zone and virtual router. Each element takes the options of
            O(ipsec.panos.tunnel_interface#module:config).
        type: list
        elements: dict
      ike_gateways:
        description:
          - IKE gateways. Each element takes the options of
            O(ipsec.panos.ike_gateway#module:config).
          - C(pre_shared_key) is masked in all output and logs, as in M(ipsec.panos.ike_gateway).
        type: list
        elements: dict
      ipsec_tunnels:
        description:
          - IPsec tunnels with their proxy IDs. Each element takes the options of
            O(ipsec.panos.ipsec_tunnel#module:config).
        type: list
        elements: dict
      static_routes:
        description:
          - Static routes in the virtual router O(virtual_router). Each element takes the options of
            O(ipsec.panos.static_route#module:config).
        type: list
        elements: dict
      security_rules:
        description:
          - Security rules of O(vsys). Each element takes the options of
            O(ipsec.panos.security_rule#module:config).
        type: list
        elements: dict
      nat_exempt_rules:
        description:
          - NAT-exempt rules of O(vsys). Each element takes the options of
            O(ipsec.panos.nat_exempt_rule#module:config).
        type: list
        elements: dict
  managed_tag:
    description:
      - The tag that marks the rules this task manages, as in M(ipsec.panos.security_rule).
        Every rule the task writes gets it.
    type: str
  keep_used:
    description:
      - With O(state=deleted), keep each object that something outside the task still uses, and
        list it in RV(kept), instead of failing the task. An IKE crypto profile that another
        gateway names stays, and so does a zone that still has interfaces or rules.
      - Deletes are weighed from the last type written to the first, so a gateway kept because
        a tunnel outside the task names it keeps its IKE crypto profile too.
      - Only with O(state=deleted).
    type: bool
    default: false
  commit:
    description:
      - After the write, commit this administrator's changes (a partial commit by
        O(provider.username)) and wait for the job, in the same task. With O(config_lock), the
        lock is held from before the read until the device has accepted the commit, so the read,
        the write and the commit form one unit that a second run cannot mix changes into.
      - The commit is sent even when the task writes nothing, so changes that an earlier failed
        run left behind are committed too. PAN-OS reports a commit with nothing pending as no
        change.
      - When the commit fails, the changes are reverted as O(revert_on_failure) describes, and
        the task fails with the job id and the device's detail lines.
      - Not in check mode, and only with O(state=merged), O(state=replaced),
        O(state=overridden) or O(state=deleted).
    type: bool
    default: false
  commit_description:
    description: The description of the commit, with O(commit).
    type: str
  commit_timeout:
    description: Seconds to wait for the commit job, with O(commit).
    type: int
    default: 600
  virtual_router:
    description:
      - The virtual router of O(config.static_routes). O(state=overridden) only touches the
        routes of this router.
      - Tunnel interfaces name their own virtual router.
    type: str
    default: default
"""

EXAMPLES = r"""
- name: The hub side of a VPN to a branch, in one transaction
  ipsec.panos.vpn:
    provider: "{{ panos_provider }}"
    config:
      ike_crypto_profiles:
        - name: ike-aes256-sha256-g20
          encryption: [aes-256-cbc]
          hash: [sha256]
          dh_group: [group20]
      ipsec_crypto_profiles:
        - name: ipsec-gcm256-g20
          esp_encryption: [aes-256-gcm]
          dh_group: group20
      tunnel_interfaces:
        - name: tunnel.11
          zone: vpn
          virtual_router: default
      ike_gateways:
        - name: gw-branch1
          interface: ethernet1/1
          peer_address: 203.0.113.11
          pre_shared_key: "{{ vault_branch1_psk }}"
          ike_crypto_profile: ike-aes256-sha256-g20
      ipsec_tunnels:
        - name: vpn-branch1
          tunnel_interface: tunnel.11
          ike_gateway: gw-branch1
          ipsec_crypto_profile: ipsec-gcm256-g20
          proxy_ids:
            - name: hq-to-branch1
              local: 10.0.0.0/16
              remote: 10.11.0.0/24
      static_routes:
        - name: branch1-lan
          destination: 10.11.0.0/24
          interface: tunnel.11

- name: Take the branch's VPN down again; the shared IKE profile stays
  ipsec.panos.vpn:
    provider: "{{ panos_provider }}"
    state: deleted
    config:
      static_routes: [{name: branch1-lan}]
      ipsec_tunnels: [{name: vpn-branch1}]
      ike_gateways: [{name: gw-branch1}]
      tunnel_interfaces: [{name: tunnel.11}]

- name: Remove a whole VPN, but keep the profiles and zone that other tunnels still use
  ipsec.panos.vpn:
    provider: "{{ panos_provider }}"
    state: deleted
    keep_used: true
    config:
      static_routes: [{name: branch1-lan}]
      ipsec_tunnels: [{name: vpn-branch1}]
      ike_gateways: [{name: gw-branch1}]
      tunnel_interfaces: [{name: tunnel.11}]
      zones: [{name: vpn}]
      ike_crypto_profiles: [{name: ike-aes256-sha256-g20}]
      ipsec_crypto_profiles: [{name: ipsec-gcm256-g20}]
  register: removal

- name: Read every VPN object of the firewall
  ipsec.panos.vpn:
    provider: "{{ panos_provider }}"
    state: gathered
  register: vpn
"""

RETURN = r"""
before:
  description: The objects of each type in O(config) before the task, keyed by the O(config) key.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: dict
  sample: {ike_gateways: [{name: gw-branch1, peer_address: 203.0.113.11, pre_shared_key: "********"}]}
after:
  description:
    - The objects of each type in O(config) after the task, keyed by the O(config) key.
    - In check mode, the prediction.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: dict
commands:
  description: The API actions sent in the one multi-config request, deletes first, in the order sent.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
commit:
  description:
    - With O(commit), the finished commit job (C(job), with its id, result and detail lines),
      or a C(msg) when PAN-OS had nothing to commit.
  returned: when O(commit=true), outside check mode
  type: dict
  sample: {job: {id: "7", status: FIN, result: OK, details: [Configuration committed successfully]}}
kept:
  description:
    - With O(keep_used), the objects the task was asked to delete and kept, because other
      objects still use them. Each names its O(config) key, its name and its users.
    - Empty without O(keep_used).
  returned: when O(state=deleted)
  type: list
  elements: dict
  sample: [{type: ike_crypto_profiles, name: hub-spoke-ike, used_by: ["IKE gateway gw-partner (ike_crypto_profile)"]}]
gathered:
  description: The objects of every type read from the device, keyed by the O(config) key.
  returned: when O(state=gathered)
  type: dict
rendered:
  description: The API actions that would create O(config) on an empty device, in write order.
  returned: when O(state=rendered)
  type: list
  elements: dict
parsed:
  description: The objects of every type read from O(running_config), keyed by the O(config) key.
  returned: when O(state=parsed)
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipsec.panos.plugins.module_utils._argspec import (
    TRANSACTION_CONFIG_OPTIONS,
    no_log_values,
    validate_options,
)
from ansible_collections.ipsec.panos.plugins.module_utils._engine import (
    COMMON_REQUIRED_IF,
    COMMON_RESOURCE_OPTIONS,
    ValidationError,
    run_and_exit,
)
from ansible_collections.ipsec.panos.plugins.module_utils._transaction import execute_transaction

# The lists have no suboptions here, because validated_config() checks their elements
# against the spec of each type's own module and so names the element in each error.
CONFIG_LISTS = {key: dict(type="list", elements="dict") for key in TRANSACTION_CONFIG_OPTIONS}


class TransactionModule(AnsibleModule):
    """AnsibleModule that masks the no_log options inside ``config`` from the moment it loads its parameters.

    Ansible reads no_log only from the argument spec, which has no suboptions for the lists.
    Collecting the values right after loading covers the messages of the argument validation
    and the invocation log entry, which AnsibleModule writes before its constructor returns.
    """

    # NOTE: _load_params is an internal method of AnsibleModule (read in ansible-core 2.19).
    # The key-masking tests of the vpn module fail when it is no longer called.
    def _load_params(self):
        super()._load_params()
        self.no_log_values.update(no_log_values(TRANSACTION_CONFIG_OPTIONS, self.params.get("config")))


def validated_config(config):
    """Validate every element of every list in ``config`` before any request is made."""
    validated, errors = validate_options(TRANSACTION_CONFIG_OPTIONS, config or {}, "config")
    if errors:
        raise ValidationError(errors)
    return validated


def main():
    module = TransactionModule(
        argument_spec=dict(
            config=dict(type="dict", options=CONFIG_LISTS),
            managed_tag=dict(type="str"),
            keep_used=dict(type="bool", default=False),
            commit=dict(type="bool", default=False),
            commit_description=dict(type="str"),
            commit_timeout=dict(type="int", default=600),
            virtual_router=dict(type="str", default="default"),
            **COMMON_RESOURCE_OPTIONS
        ),
        required_if=COMMON_REQUIRED_IF,
        supports_check_mode=True,
    )
    run_and_exit(module, lambda: execute_transaction(module, validated_config(module.params.get("config"))))


if __name__ == "__main__":
    main()
