#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ipsec_crypto_profile
short_description: Manage IPsec crypto profiles (phase 2 proposals) on PAN-OS
version_added: 0.1.0
description:
  - Manages the IPsec crypto profiles under C(network ike crypto-profiles ipsec-crypto-profiles).
  - A profile sets the ESP (or AH) algorithms, the PFS Diffie-Hellman group and the IPsec SA lifetime.
  - The defaults are strong, namely ESP AES-256-GCM, PFS with DH group 20 and a 1-hour lifetime.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
  - ipsec.panos.panos.resource_states
  - ipsec.panos.panos.attributes
options:
  config:
    description:
      - The IPsec crypto profiles.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Profile name, at most 31 characters.
        type: str
        required: true
      esp_encryption:
        description:
          - ESP encryption algorithms, in order of preference.
          - When creating an ESP profile the default is V([aes-256-gcm]).
        type: list
        elements: str
        choices: [aes-128-cbc, aes-192-cbc, aes-256-cbc, aes-128-ccm, aes-128-gcm, aes-256-gcm, 3des, des, "null"]
      esp_authentication:
        description:
          - ESP integrity algorithms, in order of preference.
          - Use V([none]) with GCM, which carries its own integrity check.
          - The default is V([none]) with GCM encryption and V([sha256]) otherwise.
        type: list
        elements: str
        choices: [none, md5, sha1, sha256, sha384, sha512]
      ah_authentication:
        description:
          - AH integrity algorithms. Setting this makes an AH profile, which has no ESP settings.
        type: list
        elements: str
        choices: [md5, sha1, sha256, sha384, sha512]
      dh_group:
        description:
          - The Diffie-Hellman group for perfect forward secrecy, or V(no-pfs) to turn PFS off.
          - V(group15), V(group16) and V(group21) need PAN-OS 10.2 or later. A value that the
            target's version does not accept is rejected before any write.
          - When creating a profile the default is V(group20). The device default is V(group2).
        type: str
        choices: [no-pfs, group1, group2, group5, group14, group15, group16, group19, group20, group21]
      lifetime:
        description:
          - IPsec SA lifetime, such as V(1h), V(3600), V(60m). A plain number is seconds.
          - Compared in seconds, so V(3600) equals a device value of one hour.
          - PAN-OS takes a whole number of one unit, 180 to 65535 seconds, 3 to 65535 minutes,
            1 to 65535 hours or 1 to 365 days.
          - When left out, no lifetime is written and PAN-OS uses its default of 1 hour, so a
            profile without a lifetime on the device compares equal to V(1h).
        type: str
      lifesize:
        description:
          - IPsec SA lifesize, the traffic after which the SA is renewed, such as V(10gb),
            V(512mb) or V(1tb). A plain number is kilobytes.
          - Compared in kilobytes, so V(1gb) equals a device value of 1024 MB.
          - PAN-OS takes a whole number of one unit, 1 to 65535 KB, MB, GB or TB.
          - When left out, the SA has no size limit.
        type: str
"""

EXAMPLES = r"""
- name: Create the phase 2 profile used by the hub-and-spoke tunnels
  ipsec.panos.ipsec_crypto_profile:
    provider: "{{ panos_provider }}"
    config:
      - name: ipsec-gcm256-g20
        esp_encryption: [aes-256-gcm]
        esp_authentication: [none]
        dh_group: group20
        lifetime: 1h

- name: A profile for a peer that only speaks AES-CBC with SHA-256 and no PFS
  ipsec.panos.ipsec_crypto_profile:
    provider: "{{ panos_provider }}"
    config:
      - name: legacy-peer
        esp_encryption: [aes-256-cbc]
        esp_authentication: [sha256]
        dh_group: no-pfs

- name: Renew the SA every 8 hours or every 50 GB, whichever comes first
  ipsec.panos.ipsec_crypto_profile:
    provider: "{{ panos_provider }}"
    config:
      - name: ipsec-bulk
        lifetime: 8h
        lifesize: 50gb
"""

RETURN = r"""
before:
  description: The profiles of this scope before the task.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
after:
  description: The profiles after the task. In check mode, the prediction.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
commands:
  description: The API actions sent in the multi-config request, or that would be sent in check mode.
  returned: when O(state) is V(merged), V(replaced), V(overridden) or V(deleted)
  type: list
  elements: dict
gathered:
  description: The profiles read from the device.
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The API actions that would create O(config) on an empty device.
  returned: when O(state=rendered)
  type: list
  elements: dict
parsed:
  description: The profiles read from O(running_config).
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipsec.panos.plugins.module_utils._argspec import IPSEC_CRYPTO_PROFILE_OPTIONS as CONFIG_OPTIONS
from ansible_collections.ipsec.panos.plugins.module_utils._engine import (
    COMMON_REQUIRED_IF,
    COMMON_RESOURCE_OPTIONS,
    run_resource_module,
)
from ansible_collections.ipsec.panos.plugins.module_utils._resources import IpsecCryptoProfile


def main():
    module = AnsibleModule(
        argument_spec=dict(config=dict(type="list", elements="dict", options=CONFIG_OPTIONS), **COMMON_RESOURCE_OPTIONS),
        required_if=COMMON_REQUIRED_IF,
        supports_check_mode=True,
    )
    run_resource_module(module, IpsecCryptoProfile())


if __name__ == "__main__":
    main()
