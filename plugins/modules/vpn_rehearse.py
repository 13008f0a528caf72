#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vpn_rehearse
short_description: Negotiate PAN-OS IPsec tunnels between two real strongSwan daemons before the change
version_added: 0.3.0
description:
  - Translates both ends of each IPsec tunnel into a strongSwan configuration, starts two
    charon daemons in two network namespaces joined by a veth pair, lets them negotiate, and
    sends one UDP datagram from one protected subnet to the other through the tunnel.
  - Each site in O(sites) is a PAN-OS device (O(sites[].provider)), its configuration file
    (O(sites[].running_config)), the plan a topology role rendered (O(sites[].config)), or a
    declared third-party peer (O(sites[].declared)). Tunnels are paired by address across all
    sites, each gateway's peer address being the other end's local address.
  - Over IKEv2 the first child SA is created without a DH exchange, so each child SA is rekeyed
    once after it comes up; a PFS group mismatch shows there, as it would at the first rekey.
  - For a failure, the reason comes from the strongSwan log and names the PAN-OS object and
    setting to change.
  - The daemons never get a pre-shared key. Each end gets an HMAC-SHA256 of the key's SHA-1
    under a random salt of the run, which PAN-OS's encrypted keys allow, because they embed
    that SHA-1. Equal keys authenticate and different keys fail with AUTHENTICATION_FAILED, as
    on the devices.
  - Everything it creates (namespaces C(panos-rehearse-<pid>-*), daemons, veths, a temporary
    directory of mode 0700 with files of mode 0600) is removed when it finishes, fails, or gets
    SIGTERM or SIGINT. Namespaces of a killed run are removed by the next run.
  - Needs root and the Debian packages C(strongswan-charon), C(strongswan-swanctl),
    C(libcharon-extra-plugins) (for kernel-libipsec, user-space ESP) and C(iproute2).
  - Writes nothing to any device. Certificate authentication and IPv6 are not rehearsed.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
attributes:
  check_mode:
    support: full
    description: Writes nothing to devices, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Returns no diff.
  platform:
    platforms: panos
    support: full
    description: Palo Alto Networks PAN-OS firewalls; runs on the Ansible controller.
  action_group:
    support: full
    membership:
      - ipsec.panos.panos
    description: Use C(group/ipsec.panos.panos) in C(module_defaults) to set O(provider) once.
options:
  sites:
    description:
      - The sites whose tunnels to rehearse. Give each site at most one of provider, running_config, config and declared.
      - A site with none of them is the device in O(provider), the task's own device.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: A name for the site, shown in the results.
        type: str
        required: true
      config:
        description:
          - A plan of a topology role, in the form of the vpn module's O(ipsec.panos.vpn#module:config),
            such as C(hostvars[host].hub_and_spoke_plan.config). Its pre-shared keys are hidden in all output.
        type: dict
      running_config:
        description: The site's configuration as XML text, such as an exported running configuration.
        type: str
      provider:
        description:
          - How to reach the PAN-OS device. Nothing falls back to the C(PANOS_*) environment variables.
        type: dict
        suboptions:
          host:
            description: Hostname or IP address of the device's management interface.
            type: str
            required: true
          port:
            description: HTTPS port of the XML API.
            type: int
            default: 443
          username:
            description: Administrator name, used to get an API key when O(sites[].provider.api_key) is not set.
            type: str
            default: admin
          password:
            description: Password of O(sites[].provider.username).
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
            description: Serial number of a firewall reached through the Panorama in O(sites[].provider.host).
            type: str
      config_source:
        description: Which configuration of the device in O(sites[].provider) to read.
        type: str
        choices: [running, candidate]
        default: candidate
      vsys:
        description: Virtual system of the site.
        type: str
        default: vsys1
      declared:
        description:
          - A third-party peer, in the form of the O(ipsec.panos.vpn_peer_check#module:peer.declared) option of vpn_peer_check.
        type: dict
        suboptions:
          name:
            description: A name for the peer, shown as its tunnel and gateway in the results.
            type: str
            default: declared-peer
          local_address:
            description: The peer's own outside address.
            type: str
            required: true
          peer_address:
            description: The address the peer sends IKE to.
            type: str
            required: true
          version:
            description: The IKE version the peer runs.
            type: str
            choices: [ikev1, ikev2, ikev2-preferred]
            default: ikev2
          pre_shared_key:
            description: The peer's pre-shared key, hidden in all output.
            type: str
          local_id:
            description: The ID the peer sends. Without it, the peer sends its address.
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
            description: The ID the peer expects. Without it, the peer accepts any.
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
          passive:
            description: The peer only responds and never starts IKE.
            type: bool
            default: false
          ike:
            description: What the peer accepts in phase 1, with PAN-OS names.
            type: dict
            required: true
            suboptions:
              encryption:
                description: Encryption algorithms.
                type: list
                elements: str
                required: true
                choices: [aes-128-cbc, aes-192-cbc, aes-256-cbc, aes-128-gcm, aes-256-gcm, 3des, des]
              hash:
                description: Integrity algorithms, or C(non-auth) with GCM.
                type: list
                elements: str
                required: true
                choices: [non-auth, md5, sha1, sha256, sha384, sha512]
              dh_group:
                description: DH groups.
                type: list
                elements: str
                required: true
                choices: [group1, group2, group5, group14, group15, group16, group19, group20, group21]
              lifetime:
                description: The IKE SA lifetime, in seconds or as C(8h).
                type: raw
          esp:
            description: What the peer accepts in phase 2, with PAN-OS names.
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
            description: The peer's traffic selectors, from the peer's side.
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
                description: IP protocol number with O(sites[].declared.proxy_ids[].protocol=number).
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
  tunnels:
    description: Rehearse only the tunnels with these names (at either end). All paired tunnels by default.
    type: list
    elements: str
  timeout:
    description: Seconds to wait for each tunnel to come up.
    type: int
    default: 20
  fail_on_down:
    description:
      - Fail the task when a rehearsed tunnel does not come up and carry the datagram, or no tunnel was paired. The results are returned either way.
      - Tunnels whose far end is not among O(sites) are listed in RV(unpaired) with a warning, and do not fail the task.
    type: bool
    default: false
notes:
  - Runs on the controller (or wherever the task runs), which must be Linux with network namespaces.
seealso:
  - module: ipsec.panos.vpn_peer_check
"""

EXAMPLES = r"""
- name: Rehearse the hub-and-spoke plans of all hosts before the push
  ipsec.panos.vpn_rehearse:
    sites: >-
      {{ groups['vpn_hubs'] + groups['vpn_spokes']
         | map('extract', hostvars)
         | map(attribute='hub_and_spoke_plan.config') | list
         | zip(groups['vpn_hubs'] + groups['vpn_spokes'])
         | map('community.general.dict_kv', 'config') | list }}
    fail_on_down: true
  run_once: true
  become: true

- name: Rehearse a firewall's candidate configuration against a strongSwan peer
  ipsec.panos.vpn_rehearse:
    sites:
      - name: fw1
        provider: "{{ panos_provider }}"
      - name: lab
        declared:
          local_address: 192.0.2.10
          peer_address: 198.51.100.1
          pre_shared_key: "{{ lab_psk }}"
          ike: {encryption: [aes-256-gcm], hash: [non-auth], dh_group: [group20]}
          esp: {encryption: [aes-256-gcm], authentication: [none], dh_group: group20}
  register: rehearsal
"""

RETURN = r"""
established:
  description: True when at least one tunnel was rehearsed and every one came up and carried the datagram.
  returned: always
  type: bool
tunnels:
  description: One entry per rehearsed tunnel.
  returned: always
  type: list
  elements: dict
  contains:
    left:
      description: The first end's site, tunnel, gateway, addresses and IKE version.
      type: dict
    right:
      description: The second end's site, tunnel, gateway, addresses and IKE version.
      type: dict
    initiator:
      description: The end that started IKE, C(left) or C(right), or null when both are passive.
      type: str
    phase1:
      description: C(established), C(failed) or C(not started).
      type: str
    phase2:
      description: C(established), C(failed), C(failed at rekey) or C(not started).
      type: str
    ike_version:
      description: The IKE version negotiated.
      type: str
    ike_proposal:
      description: The IKE proposal selected, in strongSwan's names, such as C(AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_384).
      type: str
    esp_proposals:
      description: The ESP proposal selected for each child SA.
      type: list
      elements: str
    rekey:
      description: C(ok) or C(failed) for the forced child SA rekey over IKEv2; null otherwise.
      type: str
    traffic:
      description: Each datagram sent, with C(source), C(destination) and C(arrived).
      type: list
      elements: dict
    traffic_passed:
      description: True when every datagram arrived.
      type: bool
    established:
      description: True when both phases came up, survived the rekey and carried the datagram.
      type: bool
    cause:
      description:
        - For a failure, one of C(ike-version-mismatch), C(ike-proposal-mismatch), C(peer-id-mismatch),
          C(authentication-failure), C(proxy-id-mismatch), C(esp-proposal-mismatch), C(pfs-group-mismatch),
          C(both-passive), C(disabled), C(traffic-not-passed), C(timeout), C(address-unknown) or C(certificates-not-rehearsed).
      type: str
    reason:
      description: Why the tunnel failed, naming the PAN-OS objects and what each end offers.
      type: str
    fix:
      description: The PAN-OS setting to change.
      type: str
    log:
      description: The strongSwan log lines behind the reason.
      type: list
      elements: str
  sample:
    - left: {site: hub, tunnel: vpn-branch1, gateway: gw-branch1, local_address: 198.51.100.1, peer_address: 203.0.113.11, version: ikev2}
      right: {site: branch1, tunnel: vpn-hub, gateway: gw-hub, local_address: 203.0.113.11, peer_address: 198.51.100.1, version: ikev2}
      initiator: right
      phase1: established
      phase2: established
      ike_proposal: AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_384
      esp_proposals: [AES_GCM_16-256/ECP_384]
      traffic_passed: true
      established: true
unpaired:
  description: The tunnels that no tunnel of another site points at, as C(site/tunnel).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipsec.panos.plugins.module_utils import _declared_peer as declared_peer
from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils._argspec import TRANSACTION_CONFIG_OPTIONS, no_log_values
from ansible_collections.ipsec.panos.plugins.module_utils._connection import PROVIDER_SPEC, provider_options_without_env
from ansible_collections.ipsec.panos.plugins.module_utils._rehearse import core, ends as ends_module, runner

# A site's provider has the same options without the environment fallbacks, and needs a host.
SITE_PROVIDER_OPTIONS = provider_options_without_env(host_required=True)
SOURCES = ("provider", "running_config", "config", "declared")


class RehearseModule(AnsibleModule):
    """AnsibleModule that hides the keys inside each site's ``config`` from the moment it loads its parameters."""

    # NOTE: _load_params is an internal method of AnsibleModule, as in the vpn module.
    def _load_params(self):
        super()._load_params()
        for site in self.params.get("sites") or []:
            if isinstance(site, dict) and isinstance(site.get("config"), dict):
                self.no_log_values.update(no_log_values(TRANSACTION_CONFIG_OPTIONS, site["config"]))


def _site_ends(index, site, provider):
    where = "sites[%d]" % index
    given = [key for key in SOURCES if site.get(key) is not None]
    if len(given) > 1:
        raise engine.ValidationError(["%s (%s): give at most one of %s; got %s" % (where, site["name"], ", ".join(SOURCES), ", ".join(given))])
    if not given:
        if not (provider or {}).get("host"):
            message = "%s (%s): give one of %s, or set provider.host for the task's own device" % (where, site["name"], ", ".join(SOURCES))
            raise engine.ValidationError([message])
        return ends_module.ends_from_device(site["name"], provider, site["config_source"], site["vsys"])
    if site.get("config") is not None:
        return ends_module.ends_from_plan(site["name"], site["config"])
    if site.get("running_config") is not None:
        return ends_module.ends_from_text(site["name"], site["running_config"], site["vsys"], "%s.running_config" % where)
    if site.get("declared") is not None:
        return ends_module.ends_from_declared(site["name"], site["declared"], "%s.declared" % where)
    return ends_module.ends_from_device(site["name"], site["provider"], site["config_source"], site["vsys"])


def _summary(end):
    summary = end.summary()
    summary["site"] = summary.pop("source")
    return summary


def run(module):
    params = module.params
    if params["timeout"] < 1:
        module.fail_json(msg="timeout: %s is invalid; give the seconds to wait for each tunnel, 1 or more" % params["timeout"])
    if len(params["sites"]) < 2:
        module.fail_json(msg="sites: %d given; give at least two sites, the ends of the tunnels to rehearse" % len(params["sites"]))
    names = [site["name"] for site in params["sites"]]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        module.fail_json(msg="sites: the name(s) %s appear more than once; give each site its own name, so results can be told apart" % ", ".join(repeated))
    sites = [(site["name"], _site_ends(index, site, params["provider"])) for index, site in enumerate(params["sites"])]
    pairs, unpaired = ends_module.pair_sites(sites)
    if params.get("tunnels"):
        requested = set(params["tunnels"])
        pairs = [(a, b) for a, b in pairs if a.tunnel in requested or b.tunnel in requested]
        unpaired = [end for end in unpaired if end.tunnel in requested]

    tunnels = []
    if pairs:
        try:
            runner.check_requirements()
        except runner.RehearsalError as error:
            module.fail_json(msg=str(error))
        try:
            with runner.Runner(timeout=params["timeout"]) as run_:
                for left, right in pairs:
                    entry = {"left": _summary(left), "right": _summary(right)}
                    entry.update(core.rehearse_pair(run_, left, right, params["timeout"]))
                    tunnels.append(entry)
        except runner.Interrupted as error:
            module.fail_json(msg="the rehearsal was %s; its namespaces, daemons and files were removed" % error, tunnels=tunnels)
        except runner.RehearsalError as error:
            module.fail_json(msg="the rehearsal failed: %s; its namespaces, daemons and files were removed" % error, tunnels=tunnels)

    result = {
        "changed": False,
        "established": bool(tunnels) and all(entry["established"] for entry in tunnels),
        "tunnels": tunnels,
        "unpaired": ["%s/%s" % (end.source, end.tunnel) for end in unpaired],
    }
    # A tunnel whose far end is not among the sites (a host left out by --limit, say) is not
    # rehearsed, so it is reported and warned about, but it does not fail the task.
    if result["unpaired"]:
        module.warn(
            "not rehearsed, because no tunnel of another site points at them (is the far end among the sites, and does "
            "its gateway's peer address match this end's local address?): %s" % ", ".join(result["unpaired"])
        )
    if params["fail_on_down"] and (not tunnels or not result["established"]):
        failing = [
            "%s/%s: %s%s" % (e["left"]["site"], e["left"]["tunnel"], e["reason"], " (fix: %s)" % e["fix"] if e.get("fix") else "")
            for e in tunnels
            if not e["established"]
        ]
        if not tunnels:
            failing.append("no tunnel of one site points at a tunnel of another, so nothing was rehearsed")
        module.fail_json(msg="the rehearsal found tunnels that would not come up: %s" % "; ".join(failing), **result)
    return result


def main():
    module = RehearseModule(
        argument_spec=dict(
            sites=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    name=dict(type="str", required=True),
                    config=dict(type="dict"),
                    running_config=dict(type="str", no_log=True),
                    provider=dict(type="dict", options=SITE_PROVIDER_OPTIONS),
                    config_source=dict(type="str", default="candidate", choices=["running", "candidate"]),
                    vsys=dict(type="str", default="vsys1"),
                    declared=dict(type="dict", options=declared_peer.DECLARED_OPTIONS),
                ),
            ),
            tunnels=dict(type="list", elements="str"),
            timeout=dict(type="int", default=20),
            fail_on_down=dict(type="bool", default=False),
            **PROVIDER_SPEC
        ),
        supports_check_mode=True,
    )
    engine.run_and_exit(module, lambda: run(module))


if __name__ == "__main__":
    main()
