#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ike_gateway
short_description: Manage IKE gateways (phase 1 peers) on PAN-OS
version_added: 0.1.0
description:
  - Manages the IKE gateways under C(network ike gateway).
  - A gateway names the peer, the local interface and address, the authentication and
    the IKE version and crypto profile for phase 1.
  - An IKEv2-only gateway carries no IKEv1 settings at all, and an IKEv1-only gateway no IKEv2 settings.
    An option of the other IKE version is not written, and the task warns about it.
  - An IKEv1 gateway whose IKE crypto profile proposes AES-GCM is rejected before any write,
    because IKEv1 has no GCM. The task reads the profiles in the same request as the gateways.
  - The pre-shared key is compared by the SHA-1 fingerprint that PAN-OS stores with the
    encrypted key, so a second run with the same key reports no change and the key is never read back.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
  - ipsec.panos.panos.resource_states
  - ipsec.panos.panos.attributes
options:
  config:
    description:
      - The IKE gateways.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Gateway name, at most 63 characters.
        type: str
        required: true
      version:
        description:
          - IKE version. V(ikev2-preferred) tries IKEv2 and falls back to IKEv1.
          - When creating a gateway the default is V(ikev2). The device default is V(ikev1).
        type: str
        choices: [ikev1, ikev2, ikev2-preferred]
      interface:
        description:
          - The local interface IKE runs on, such as V(ethernet1/1). Required when creating a gateway.
        type: str
      local_ip:
        description:
          - The local address on O(config[].interface), as configured there, such as V(198.51.100.1/24).
          - Leave it out to use the interface's only address. The gateway then carries only
            the interface, and reads back with O(config[].local_ip) and O(config[].local_ip_type) unset.
        type: str
      local_ip_type:
        description:
          - What O(config[].local_ip) is. V(ip) is an address of the interface, V(floating-ip)
            a floating address of an active/active HA pair.
          - The default is V(ip) when O(config[].local_ip) is given.
        type: str
        choices: [ip, floating-ip]
      peer_type:
        description:
          - How the peer is identified. V(dynamic) accepts a peer from any address; pair it with
            O(config[].passive_mode) and a O(config[].peer_id).
          - The default is V(ip).
        type: str
        choices: [ip, fqdn, dynamic]
      peer_address:
        description:
          - The peer's IP address (O(config[].peer_type=ip)) or FQDN (O(config[].peer_type=fqdn)).
        type: str
      authentication_type:
        description:
          - How the peers authenticate. V(certificate) needs O(config[].certificate.local_certificate).
          - When creating a gateway the default is V(pre-shared-key).
        type: str
        choices: [pre-shared-key, certificate]
      pre_shared_key:
        description:
          - The pre-shared key, 1 to 255 characters. Required when creating a gateway that
            uses a pre-shared key, and not allowed with certificate authentication.
          - Never shown in output, diffs or logs.
        type: str
      certificate:
        description:
          - Certificate authentication settings, used with O(config[].authentication_type=certificate).
            Giving them to a gateway that uses a pre-shared key is an error.
        type: dict
        suboptions:
          local_certificate:
            description: Name of the local certificate the gateway presents.
            type: str
          certificate_profile:
            description: Certificate profile that validates the peer's certificate.
            type: str
          hash_and_url:
            description:
              - Send the hash and URL of the local certificate instead of the certificate
                itself (RFC 7296 hash and URL encoding). Needs O(config[].certificate.base_url).
            type: bool
          base_url:
            description: The HTTP URL of the directory from which the peer fetches the local certificate.
            type: str
          use_management_as_source:
            description: Fetch certificates over HTTP from the management interface's address.
            type: bool
          allow_id_payload_mismatch:
            description: Accept a peer whose IKE ID differs from the identity in its certificate.
            type: bool
          strict_validation_revocation:
            description: Strict validation of the peer certificate's extended key use.
            type: bool
      local_id:
        description:
          - The local IKE identity sent to the peer.
        type: dict
        suboptions:
          type:
            description: Identity type.
            type: str
            choices: [ipaddr, fqdn, ufqdn, keyid, dn]
            required: true
          id:
            description: Identity value.
            type: str
            required: true
      peer_id:
        description:
          - The identity expected from the peer.
        type: dict
        suboptions:
          type:
            description: Identity type.
            type: str
            choices: [ipaddr, fqdn, ufqdn, keyid, dn]
            required: true
          id:
            description: Identity value.
            type: str
            required: true
          matching:
            description:
              - How the peer's identity is matched against its certificate. Only used with
                certificate authentication; with a pre-shared key it is an error, and a peer
                ID needs only O(config[].peer_id.type) and O(config[].peer_id.id).
            type: str
            choices: [exact, wildcard]
      ike_crypto_profile:
        description:
          - The IKE crypto profile for phase 1, used for every IKE version the gateway runs.
            Required when creating a gateway.
        type: str
      exchange_mode:
        description:
          - IKEv1 exchange mode. The device default is V(auto).
          - An IKEv1 gateway with a dynamic peer needs V(auto) or V(aggressive) and a O(config[].peer_id).
        type: str
        choices: [auto, main, aggressive]
      dpd:
        description:
          - IKEv1 dead peer detection. The default when creating a gateway is V(true).
        type: bool
      dpd_interval:
        description:
          - IKEv1 dead peer detection interval in seconds, 2 to 100. The device default is 5.
        type: int
      dpd_retry:
        description:
          - IKEv1 dead peer detection retries, 2 to 100. The device default is 5.
        type: int
      liveness_check:
        description:
          - IKEv2 liveness check. The default when creating a gateway is V(true).
        type: bool
      liveness_interval:
        description:
          - IKEv2 liveness check interval in seconds, 2 to 100. The device default is 5.
        type: int
      cookie_validation:
        description:
          - IKEv2 cookie validation (require a cookie from initiators).
        type: bool
      passive_mode:
        description:
          - Only respond to IKE; never initiate. Hubs that accept spokes usually run passive.
        type: bool
      nat_traversal:
        description:
          - NAT traversal (UDP 4500 encapsulation). Turn it on when either end is behind NAT.
        type: bool
      nat_traversal_keepalive:
        description:
          - Interval of NAT keep-alive packets in seconds, 10 to 3600. The device default is 20.
        type: int
      nat_traversal_udp_checksum:
        description:
          - Compute UDP checksums of NAT traversal packets.
        type: bool
      fragmentation:
        description:
          - IKEv1 fragmentation. Written only for IKEv1 and IKEv2-preferred gateways.
        type: bool
      enable_ipv6:
        description:
          - Run IKE over IPv6; the local and peer addresses are then IPv6 addresses.
        type: bool
      disabled:
        description:
          - Disable the gateway.
        type: bool
      comment:
        description:
          - Free-form comment, at most 1023 characters.
        type: str
"""

EXAMPLES = r"""
- name: A hub gateway that waits for a spoke
  ipsec.panos.ike_gateway:
    provider: "{{ panos_provider }}"
    config:
      - name: gw-branch1
        version: ikev2
        interface: ethernet1/1
        peer_address: 203.0.113.21
        pre_shared_key: "{{ vault_branch1_psk }}"
        ike_crypto_profile: ike-aes256-sha256-g20
        passive_mode: true

- name: A gateway to a peer with a changing address, identified by FQDN
  ipsec.panos.ike_gateway:
    provider: "{{ panos_provider }}"
    config:
      - name: gw-mobile
        interface: ethernet1/1
        peer_type: dynamic
        peer_id: {type: fqdn, id: branch9.example.net}
        pre_shared_key: "{{ vault_branch9_psk }}"
        ike_crypto_profile: ike-aes256-sha256-g20
        passive_mode: true

- name: A gateway that authenticates with certificates, on a floating address of an HA pair
  ipsec.panos.ike_gateway:
    provider: "{{ panos_provider }}"
    config:
      - name: gw-partner
        interface: ethernet1/1
        local_ip: 198.51.100.10/24
        local_ip_type: floating-ip
        peer_address: 192.0.2.77
        authentication_type: certificate
        certificate:
          local_certificate: fw-vpn-cert
          certificate_profile: partner-ca
        local_id: {type: fqdn, id: fw.example.com}
        peer_id: {type: fqdn, id: vpn.partner.example, matching: exact}
        ike_crypto_profile: ike-aes256-sha256-g20
        nat_traversal: true
        nat_traversal_keepalive: 20
"""

RETURN = r"""
before:
  description: The gateways of this scope before the task. Pre-shared keys are masked.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
after:
  description: The gateways after the task. In check mode, the prediction. A changed key shows as C(******** (new value)).
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
commands:
  description: The API actions sent in the multi-config request, keys masked.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
gathered:
  description: The gateways read from the device.
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The API actions that would create O(config) on an empty device, keys masked.
  returned: when O(state=rendered)
  type: list
  elements: dict
parsed:
  description: The gateways read from O(running_config).
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipsec.panos.plugins.module_utils._argspec import IKE_GATEWAY_OPTIONS as CONFIG_OPTIONS
from ansible_collections.ipsec.panos.plugins.module_utils._engine import (
    COMMON_REQUIRED_IF,
    COMMON_RESOURCE_OPTIONS,
    run_resource_module,
)
from ansible_collections.ipsec.panos.plugins.module_utils._resources import IkeGateway


def main():
    module = AnsibleModule(
        argument_spec=dict(config=dict(type="list", elements="dict", options=CONFIG_OPTIONS), **COMMON_RESOURCE_OPTIONS),
        required_if=COMMON_REQUIRED_IF,
        supports_check_mode=True,
    )
    run_resource_module(module, IkeGateway())


if __name__ == "__main__":
    main()
