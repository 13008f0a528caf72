#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ike_crypto_profile
short_description: Manage IKE crypto profiles (phase 1 proposals) on PAN-OS
version_added: 0.1.0
description:
  - Manages the IKE crypto profiles under C(network ike crypto-profiles ike-crypto-profiles).
  - A profile lists the encryption, hash and Diffie-Hellman groups PAN-OS proposes or
    accepts for phase 1, and the IKE SA lifetime.
  - The defaults are strong, namely AES-256-CBC, SHA-256, DH group 20 and an 8-hour lifetime.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
  - ipsec.panos.panos.resource_states
  - ipsec.panos.panos.attributes
options:
  config:
    description:
      - The IKE crypto profiles.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Profile name, at most 31 characters.
        type: str
        required: true
      encryption:
        description:
          - Encryption algorithms, in order of preference.
          - V(aes-128-gcm) and V(aes-256-gcm) need IKEv2, PAN-OS 10.0.3 or later, and O(config[].hash=[non-auth]).
            An IKEv1 gateway that uses a profile with GCM is rejected before any write.
          - When creating a profile the default is V([aes-256-cbc]).
        type: list
        elements: str
        choices: [aes-128-cbc, aes-192-cbc, aes-256-cbc, aes-128-gcm, aes-256-gcm, 3des, des]
      hash:
        description:
          - Integrity (and PRF) algorithms, in order of preference.
          - V(non-auth) is for GCM encryption only, and needs PAN-OS 10.0.3 or later.
          - When creating a profile the default is V([non-auth]) when every encryption algorithm
            is GCM, and V([sha256]) otherwise.
        type: list
        elements: str
        choices: [non-auth, md5, sha1, sha256, sha384, sha512]
        aliases: [authentication]
      dh_group:
        description:
          - Diffie-Hellman groups, in order of preference.
          - V(group15), V(group16) and V(group21) need PAN-OS 10.2 or later. A value that the
            target's version does not accept is rejected before any write.
          - When creating a profile the default is V([group20]).
        type: list
        elements: str
        choices: [group1, group2, group5, group14, group15, group16, group19, group20, group21]
      lifetime:
        description:
          - IKE SA lifetime, such as V(8h), V(28800), V(480m) or V(1d). A plain number is seconds.
          - Compared in seconds, so V(3600) equals a device value of one hour.
          - PAN-OS takes a whole number of one unit, 180 to 65535 seconds, 3 to 65535 minutes,
            1 to 65535 hours or 1 to 365 days.
          - When left out, no lifetime is written and PAN-OS uses its default of 8 hours, so a
            profile without a lifetime on the device compares equal to V(8h).
        type: str
      authentication_multiple:
        description:
          - How many IKEv2 SA rekeys happen before a full re-authentication. 0 turns re-authentication off.
          - From 0 to 50. The device default is 0.
        type: int
"""

EXAMPLES = r"""
- name: Create the phase 1 profile used by the hub-and-spoke tunnels
  ipsec.panos.ike_crypto_profile:
    provider: "{{ panos_provider }}"
    config:
      - name: ike-aes256-sha256-g20
        encryption: [aes-256-cbc]
        hash: [sha256]
        dh_group: [group20]
        lifetime: 8h

- name: Replace a profile completely; options left out take their defaults
  ipsec.panos.ike_crypto_profile:
    provider: "{{ panos_provider }}"
    state: replaced
    config:
      - name: ike-gcm
        encryption: [aes-256-gcm]
        hash: [non-auth]
        dh_group: [group20, group19]

- name: Read every IKE crypto profile
  ipsec.panos.ike_crypto_profile:
    provider: "{{ panos_provider }}"
    state: gathered
  register: ike_profiles
"""

RETURN = r"""
before:
  description: The profiles of this scope before the task, secrets masked.
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
  sample:
    - action: edit
      xpath: /config/devices/entry[@name='localhost.localdomain']/network/ike/crypto-profiles/ike-crypto-profiles/entry[@name='p1']
      element: <entry name="p1"><encryption><member>aes-256-cbc</member></encryption></entry>
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

from ansible_collections.ipsec.panos.plugins.module_utils._argspec import IKE_CRYPTO_PROFILE_OPTIONS as CONFIG_OPTIONS
from ansible_collections.ipsec.panos.plugins.module_utils._engine import (
    COMMON_REQUIRED_IF,
    COMMON_RESOURCE_OPTIONS,
    run_resource_module,
)
from ansible_collections.ipsec.panos.plugins.module_utils._resources import IkeCryptoProfile


def main():
    module = AnsibleModule(
        argument_spec=dict(config=dict(type="list", elements="dict", options=CONFIG_OPTIONS), **COMMON_RESOURCE_OPTIONS),
        required_if=COMMON_REQUIRED_IF,
        supports_check_mode=True,
    )
    run_resource_module(module, IkeCryptoProfile())


if __name__ == "__main__":
    main()
