#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vpn_peer_check
short_description: Check that both ends of PAN-OS IPsec tunnels agree, before they have to negotiate
version_added: 0.2.0
description:
  - Compares the two ends of each IPsec tunnel setting by setting, and reports every
    disagreement that would keep the tunnel down or make it flap, with the fix.
  - The local end is the device in O(provider), or the configuration file in
    O(running_config). The far end is another PAN-OS device (O(peer.provider)), its
    configuration file (O(peer.running_config)), or a declared third-party peer
    (O(peer.declared)).
  - Tunnels are paired by address, each gateway's peer address being the other end's local
    address. Tunnels with no partner are listed in RV(unpaired).
  - Checks that both ends are enabled, the IKE version, the addresses, the IKE and ESP proposals (at least one in common
    for encryption, hash and DH group, and for ESP encryption and authentication), PFS, the
    pre-shared key, the IDs each end sends and expects, mirrored proxy IDs, that at least one
    end initiates, lifetimes, dead peer detection or liveness, and NAT traversal.
  - Pre-shared keys are compared by the SHA-1 that PAN-OS stores with each encrypted key. They
    are never decrypted and never shown. A declared peer's key is given in clear and compared
    by its SHA-1 in the same way.
  - Reads the running configuration of each device, or the candidate configuration with
    O(config_source=candidate), in one request per device. Writes nothing.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
attributes:
  check_mode:
    support: full
    description: Reads only, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Returns no diff.
  platform:
    platforms: panos
    support: full
    description: Palo Alto Networks PAN-OS firewalls.
  action_group:
    support: full
    membership:
      - ipsec.panos.panos
    description: Use C(group/ipsec.panos.panos) in C(module_defaults) to set O(provider) once.
options:
  running_config:
    description:
      - The local end's configuration as XML text, such as an exported running configuration,
        instead of reading the device in O(provider).
    type: str
  vsys:
    description: Virtual system of the local end.
    type: str
    default: vsys1
  config_source:
    description:
      - Which configuration of the devices to read. V(candidate) checks changes that are not
        committed yet.
    type: str
    choices: [running, candidate]
    default: running
  tunnels:
    description: Check only these IPsec tunnels of the local end. All by default.
    type: list
    elements: str
  peer:
    description: The far end. Give exactly one of O(peer.provider), O(peer.running_config) and O(peer.declared).
    type: dict
    required: true
    suboptions:
      provider:
        description:
          - How to reach the far PAN-OS device. Nothing falls back to the C(PANOS_*) environment
            variables here, because they belong to the local end.
        type: dict
        suboptions:
          host:
            description: Hostname or IP address of the far device's management interface.
            type: str
          port:
            description: HTTPS port of the XML API.
            type: int
            default: 443
          username:
            description: Administrator name, used to get an API key when O(peer.provider.api_key) is not set.
            type: str
            default: admin
          password:
            description: Password of O(peer.provider.username).
            type: str
          api_key:
            description: API key, used instead of a username and password.
            type: str
          validate_certs:
            description: Verify the device's TLS certificate.
            type: bool
            default: true
          ca_path:
            description: CA bundle to verify the certificate with.
            type: path
          timeout:
            description: Seconds to wait for each API request.
            type: int
            default: 60
          retries:
            description: How often a request that failed in transit is sent again.
            type: int
            default: 3
          serial:
            description: Serial number of a firewall reached through the Panorama in O(peer.provider.host).
            type: str
      running_config:
        description: The far end's configuration as XML text.
        type: str
      vsys:
        description: Virtual system of the far end.
        type: str
        default: vsys1
      declared:
        description:
          - A third-party peer, described by the settings of its end of one tunnel.
          - Values use PAN-OS names, such as C(aes-256-gcm), C(non-auth), C(group20) and C(no-pfs).
        type: dict
        suboptions:
          name:
            description: A name for the peer, shown as its tunnel and gateway in the results.
            type: str
            default: declared-peer
          local_address:
            description: The peer's own outside address, which the PAN-OS gateway names as its peer address.
            type: str
            required: true
          peer_address:
            description: The address the peer sends IKE to, which is the PAN-OS gateway's local address.
            type: str
            required: true
          version:
            description: The IKE version the peer runs.
            type: str
            choices: [ikev1, ikev2, ikev2-preferred]
            default: ikev2
          pre_shared_key:
            description: The peer's pre-shared key, compared by its SHA-1 and hidden in all output.
            type: str
          local_id:
            description: The ID the peer sends. Without it, the peer is taken to send its address.
            type: dict
            suboptions:
              type:
                description: ID type.
                type: str
                required: true
              id:
                description: ID value.
                type: str
                required: true
              matching:
                description: How the ID is matched.
                type: str
                choices: [exact, wildcard]
          peer_id:
            description: The ID the peer expects from PAN-OS. Without it, the peer accepts any.
            type: dict
            suboptions:
              type:
                description: ID type.
                type: str
                required: true
              id:
                description: ID value, a pattern with O(peer.declared.peer_id.matching=wildcard).
                type: str
                required: true
              matching:
                description: How the ID is matched.
                type: str
                choices: [exact, wildcard]
          passive:
            description: The peer only responds and never starts IKE.
            type: bool
            default: false
          ike:
            description: What the peer accepts in phase 1.
            type: dict
            required: true
            suboptions:
              encryption:
                description: Encryption algorithms, such as C(aes-256-cbc) or C(aes-256-gcm).
                type: list
                elements: str
                required: true
                choices: [aes-128-cbc, aes-192-cbc, aes-256-cbc, aes-128-gcm, aes-256-gcm, 3des, des]
              hash:
                description: Integrity algorithms, such as C(sha256), or C(non-auth) with GCM.
                type: list
                elements: str
                required: true
                choices: [non-auth, md5, sha1, sha256, sha384, sha512]
              dh_group:
                description: DH groups, such as C(group20).
                type: list
                elements: str
                required: true
                choices: [group1, group2, group5, group14, group15, group16, group19, group20, group21]
              lifetime:
                description: The IKE SA lifetime, in seconds or as C(8h), C(480m).
                type: raw
          esp:
            description: What the peer accepts in phase 2.
            type: dict
            required: true
            suboptions:
              encryption:
                description: ESP encryption algorithms.
                type: list
                elements: str
                required: true
                choices: [aes-128-cbc, aes-192-cbc, aes-256-cbc, aes-128-ccm, aes-128-gcm, aes-256-gcm, 3des, des, "null"]
              authentication:
                description: ESP authentication algorithms, C(none) with GCM.
                type: list
                elements: str
                required: true
                choices: [none, md5, sha1, sha256, sha384, sha512]
              dh_group:
                description: The PFS group, or C(no-pfs).
                type: str
                required: true
                choices: [no-pfs, group1, group2, group5, group14, group15, group16, group19, group20, group21]
              lifetime:
                description: The IPsec SA lifetime, in seconds or as C(1h).
                type: raw
          proxy_ids:
            description: The peer's traffic selectors, from the peer's side (its local is PAN-OS's remote).
            type: list
            elements: dict
            suboptions:
              local:
                description: The peer's local prefix.
                type: str
                required: true
              remote:
                description: The peer's remote prefix.
                type: str
                required: true
              protocol:
                description: Protocol of the selector.
                type: str
                choices: [any, number, tcp, udp]
                default: any
              protocol_number:
                description: IP protocol number with O(peer.declared.proxy_ids[].protocol=number).
                type: int
              local_port:
                description: The peer's local port, for tcp and udp.
                type: int
              remote_port:
                description: The peer's remote port, for tcp and udp.
                type: int
          liveness:
            description: Dead peer detection or liveness interval in seconds; leave unset when off.
            type: int
          nat_traversal:
            description: NAT traversal is on at the peer.
            type: bool
            default: false
  fail_on_mismatch:
    description: Fail the task when any tunnel has a mismatch. The results are returned either way.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Check the hub's tunnel to branch1 against branch1 itself
  ipsec.panos.vpn_peer_check:
    provider: "{{ hostvars['hub'].panos_provider }}"
    peer:
      provider: "{{ hostvars['branch1'].panos_provider }}"
    fail_on_mismatch: true
  register: check

- name: Check a firewall against a strongSwan peer before the change window
  ipsec.panos.vpn_peer_check:
    config_source: candidate
    tunnels: [vpn-lab]
    peer:
      declared:
        name: lab-strongswan
        local_address: 192.0.2.10
        peer_address: 198.51.100.1
        version: ikev2
        pre_shared_key: "{{ lab_psk }}"
        ike: {encryption: [aes-256-gcm], hash: [non-auth], dh_group: [group20], lifetime: 28800}
        esp: {encryption: [aes-256-gcm], authentication: [none], dh_group: group20, lifetime: 3600}
        proxy_ids:
          - {local: 10.50.0.0/24, remote: 10.0.0.0/16}
"""

RETURN = r"""
consistent:
  description:
    - True when at least one pair of tunnels was compared and none has a mismatch. Warnings do
      not count.
    - False when a tunnel named in O(tunnels) has no partner at the far end.
  returned: always
  type: bool
tunnels:
  description: One entry per pair of tunnel ends.
  returned: always
  type: list
  elements: dict
  contains:
    local:
      description: The local end's tunnel, gateway, addresses and IKE version.
      type: dict
    peer:
      description: The far end's tunnel, gateway, addresses and IKE version.
      type: dict
    consistent:
      description: True when no check of this pair is a mismatch.
      type: bool
    mismatches:
      description: The names of the checks that failed.
      type: list
      elements: str
    warnings:
      description: The names of the checks that passed with a warning, such as different lifetimes.
      type: list
      elements: str
    checks:
      description:
        - Every check, with C(check), C(status) (match, mismatch, warning or unknown), the
          C(local) and C(peer) values, a C(message) and, unless it matched, a C(fix).
        - Keys show only as C(********).
      type: list
      elements: dict
  sample:
    - local: {tunnel: vpn-branch1, gateway: gw-branch1, local_address: 198.51.100.1, peer_address: 203.0.113.11, version: ikev2}
      peer: {tunnel: vpn-hub, gateway: gw-hub, local_address: 203.0.113.11, peer_address: 198.51.100.1, version: ikev2}
      consistent: false
      mismatches: [pre_shared_key]
      warnings: []
unpaired_reasons:
  description: For each unpaired tunnel, where it sends IKE and which local addresses the other end's tunnels have.
  returned: always
  type: list
  elements: str
unpaired:
  description: The tunnels of each end that no tunnel of the other end points at, by name.
  returned: always
  type: dict
  sample: {local: [vpn-branch2], peer: []}
"""

import re
import xml.etree.ElementTree as ET

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _declared_peer as declared_peer
from ansible_collections.ipsec.panos.plugins.module_utils import _peer_check as peer_check
from ansible_collections.ipsec.panos.plugins.module_utils._connection import PROVIDER_SPEC, ConnectionSettingsError, Device, provider_options_without_env
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext

# The far end's provider has the same options without the environment fallbacks.
PEER_PROVIDER_OPTIONS = provider_options_without_env()


def _config_from_text(text, option):
    return engine.config_from_text(text, option), RenderContext(engine.parse_version("10.2.0"))


def _config_from_device(provider, source, option):
    try:
        device = Device(provider).open()
    except ConnectionSettingsError as error:
        if option == "running_config":
            raise
        # The far end's settings have no environment fallback, so name them as peer.provider.
        message = re.sub(r" \(or the PANOS_\w+( or PANOS_\w+)* environment variables?\)", "", str(error))
        raise ConnectionSettingsError(re.sub(r"\bprovider\.", "peer.provider.", message)) from None
    result = device.show("/config") if source == "running" else device.get("/config")
    root = result.find("config")
    if root is None:
        root = ET.Element("config")
    return root, RenderContext(device.version)


def _ends(label, provider, running_config, vsys, source, option):
    scope = engine.Scope(vsys=vsys or "vsys1")
    if running_config is not None:
        root, context = _config_from_text(running_config, option)
    else:
        root, context = _config_from_device(provider, source, option)
    objects, addresses = peer_check.objects_from_config(root, scope, context)
    return peer_check.ends_from_config(label, objects, addresses)


def run(module):
    params = module.params
    peer = params["peer"]
    given = [key for key in ("provider", "running_config", "declared") if peer.get(key) is not None]
    if len(given) != 1:
        raise engine.ValidationError(
            ["peer: give exactly one of provider, running_config and declared; got %s" % (", ".join(given) or "none")]
        )

    local = _ends("local", params["provider"], params.get("running_config"), params["vsys"], params["config_source"], "running_config")
    if params.get("tunnels"):
        unknown = sorted(set(params["tunnels"]) - {end.tunnel for end in local})
        if unknown:
            raise engine.ValidationError(
                ["tunnels: %s not found on the local end, which has %s" % (", ".join(unknown), ", ".join(e.tunnel for e in local) or "no tunnels")]
            )
        local = [end for end in local if end.tunnel in params["tunnels"]]

    if peer.get("provider") is not None and not peer["provider"].get("host"):
        raise engine.ValidationError(["peer.provider.host: missing; the far device's address is required"])
    if peer.get("declared") is not None:
        far = [declared_peer.declared_end(peer["declared"])]
    else:
        far = _ends("peer", peer.get("provider"), peer.get("running_config"), peer.get("vsys"), params["config_source"], "peer.running_config")

    pairs, unpaired_local, unpaired_far = peer_check.pair_ends(local, far)
    tunnels = []
    for left, right in pairs:
        checks = peer_check.compare(left, right)
        entry = {"local": left.summary(), "peer": right.summary(), "checks": checks}
        entry.update(peer_check.summarize(checks))
        tunnels.append(entry)
    # A tunnel that was asked for, or a check with nothing to compare, is not a pass.
    requested_unpaired = [end.tunnel for end in unpaired_local] if params.get("tunnels") else []
    result = {
        "changed": False,
        "consistent": bool(tunnels) and not requested_unpaired and all(entry["consistent"] for entry in tunnels),
        "tunnels": tunnels,
        "unpaired": {"local": [e.tunnel for e in unpaired_local], "peer": [e.tunnel for e in unpaired_far]},
        "unpaired_reasons": peer_check.unpaired_reasons(unpaired_local, far, "far") + peer_check.unpaired_reasons(unpaired_far, local, "local"),
    }
    if params["fail_on_mismatch"] and not result["consistent"]:
        failing = ["%s: %s" % (entry["local"]["tunnel"], ", ".join(entry["mismatches"])) for entry in tunnels if not entry["consistent"]]
        failing += ["%s: no tunnel of the far end points at it (check the addresses)" % name for name in requested_unpaired]
        if not tunnels and not requested_unpaired:
            failing.append("no tunnel of one end points at a tunnel of the other, so nothing was compared")
        module.fail_json(msg="the tunnel ends disagree: %s" % "; ".join(failing), **result)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            running_config=dict(type="str", no_log=True),
            vsys=dict(type="str", default="vsys1"),
            config_source=dict(type="str", default="running", choices=["running", "candidate"]),
            tunnels=dict(type="list", elements="str"),
            peer=dict(
                type="dict",
                required=True,
                options=dict(
                    provider=dict(type="dict", options=PEER_PROVIDER_OPTIONS),
                    running_config=dict(type="str", no_log=True),
                    vsys=dict(type="str", default="vsys1"),
                    declared=dict(type="dict", options=declared_peer.DECLARED_OPTIONS),
                ),
            ),
            fail_on_mismatch=dict(type="bool", default=False),
            **PROVIDER_SPEC
        ),
        supports_check_mode=True,
    )
    engine.run_and_exit(module, lambda: run(module))


if __name__ == "__main__":
    main()
