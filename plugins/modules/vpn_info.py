#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vpn_info
short_description: Report the state of PAN-OS IPsec tunnels, and why each one that is down is down
version_added: 0.2.0
description:
  - For each IPsec tunnel of the firewall, reports phase 1 and phase 2 (negotiated algorithms,
    lifetimes and expiry), the tunnel monitor, and the traffic counters.
  - Each tunnel that is not up gets a diagnosis built from its SAs, its gateway's settings and
    the newest VPN event of the system log about it. The causes are proposal mismatch (phase 1
    or 2), pre-shared key mismatch, peer ID mismatch, proxy ID mismatch, PFS mismatch, IKE
    version or exchange mode mismatch, no matching gateway at the peer, peer unreachable, a
    passive end waiting for a peer that never starts (both ends passive), and a disabled tunnel
    or gateway. Each diagnosis comes with the fix and the log lines it rests on.
  - Also returns the firewall's CPU and memory figures from C(show system resources).
  - With O(initiate=true), starts the negotiation of every tunnel that is down with
    C(test vpn ike-sa) and C(test vpn ipsec-sa), waits O(initiate_wait) seconds and reads
    again. It never does so in check mode.
  - Reads the running configuration once, then runs the op commands C(show vpn ike-sa),
    C(show vpn ipsec-sa), C(show vpn flow), one C(show vpn flow tunnel-id) per tunnel flow for
    the counters, and one system log query.
author:
  - ipsec.panos maintainers (@ipsec-panos)
extends_documentation_fragment:
  - ipsec.panos.panos.provider
attributes:
  check_mode:
    support: full
    description: Reads only in check mode; O(initiate) is skipped and reported in RV(skipped).
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
  tunnels:
    description: Report only these IPsec tunnels. All by default.
    type: list
    elements: str
  vsys:
    description: Virtual system of the tunnels.
    type: str
    default: vsys1
  initiate:
    description:
      - Start the negotiation of each tunnel that is down, then read its state again.
      - A passive gateway does not initiate; the diagnosis then says it waits for the peer.
    type: bool
    default: false
  initiate_wait:
    description: Seconds to wait after starting negotiations before reading the state again, 0 to 300.
    type: int
    default: 5
  counters:
    description:
      - Read each tunnel flow's traffic and error counters, one request per flow. Turn off on
        firewalls with many tunnels when only the state matters.
    type: bool
    default: true
  log_entries:
    description: How many of the newest VPN system log entries to read for the diagnosis, 1 to 5000.
    type: int
    default: 200
"""

EXAMPLES = r"""
- name: State of every tunnel, with a diagnosis for those that are down
  ipsec.panos.vpn_info:
  register: vpn

- name: Show the tunnels that are down and why
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.diagnosis.message }}. Fix: {{ item.diagnosis.fix }}"
  loop: "{{ vpn.tunnels | rejectattr('state', 'equalto', 'up') | list }}"
  loop_control:
    label: "{{ item.name }}"

- name: Bring up a tunnel after a change, and report it
  ipsec.panos.vpn_info:
    tunnels: [vpn-branch1]
    initiate: true
    initiate_wait: 10
"""

RETURN = r"""
tunnels:
  description: One entry per IPsec tunnel.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The IPsec tunnel.
      type: str
    gateway:
      description: Its IKE gateway.
      type: str
    state:
      description: C(up) when every proxy ID (or the tunnel) has an IPsec SA, C(partial) when some have, else C(down).
      type: str
    phase1:
      description: The IKE SA, with C(state), C(role), C(mode), C(algorithm), C(created) and C(expires).
      type: dict
    phase2:
      description: C(state) and the IPsec SAs (C(sas)), each with its name, encryption, hash, DH group, lifetime and remaining seconds.
      type: dict
    monitor:
      description: The tunnel monitor, C(up), C(down), C(off), or C(unknown) when configured but not reported.
      type: str
    counters:
      description: Packets and bytes each way, and replay, authentication and decryption errors, summed over the tunnel's flows.
      type: dict
    diagnosis:
      description:
        - For a tunnel that is not up, C(cause), C(phase), C(message), C(fix) and the C(evidence)
          log entries. Null when the tunnel is up.
      type: dict
  sample:
    - name: vpn-branch2
      gateway: gw-branch2
      state: down
      phase1: {state: down}
      phase2: {state: down, sas: []}
      monitor: off
      counters: {}
      diagnosis:
        cause: psk_mismatch
        phase: 1
        message: "phase 1 failed at authentication: the pre-shared keys differ (or, less often, the IDs)"
        fix: write the same pre_shared_key to both gateways; vpn_peer_check compares them without showing them
        evidence: [{time: "2026/12/04 10:00:01", eventid: ikev2-nego-ike-fail, object: gw-branch2, message: "... Due to authentication failure."}]
summary:
  description: How many tunnels are up, partial and down.
  returned: always
  type: dict
  sample: {up: 2, partial: 0, down: 1}
system:
  description:
    - The firewall's load average, CPU use in percent and memory in KiB (total, free, used,
      buffers and cache) from C(show system resources).
  returned: when the firewall's reply to the command can be parsed
  type: dict
unmatched_requests:
  description: System log entries of IKE requests from addresses no gateway of this firewall matches.
  returned: always
  type: list
  elements: dict
initiated:
  description: The tunnels whose negotiation the task started.
  returned: always
  type: list
  elements: str
not_initiated:
  description:
    - With O(initiate=true), the tunnels that are down but whose negotiation this end did not
      start, because its gateway is passive, disabled or has a dynamic peer.
  returned: when O(initiate=true) ran
  type: list
  elements: str
skipped:
  description: Why O(initiate) did nothing, such as check mode.
  returned: when O(initiate=true) did not run
  type: str
"""

import re
import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _status as status
from ansible_collections.ipsec.panos.plugins.module_utils._connection import PROVIDER_SPEC, Device, DeviceError
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext
from ansible_collections.ipsec.panos.plugins.module_utils._resources import IkeGateway, IpsecTunnel


def _configured(device, scope):
    """Read the configured tunnels and gateways from the running configuration, in one request."""
    root = device.show("/config").find("config")
    vsys_names = [entry.get("name") for entry in root.findall("devices/entry/vsys/entry")] if root is not None else []
    if vsys_names and scope.vsys not in vsys_names:
        raise engine.ValidationError(["vsys: %r not found on the firewall, which has %s" % (scope.vsys, ", ".join(vsys_names))])
    context = RenderContext(device.version)
    found = {}
    for key, resource in (("ipsec_tunnels", IpsecTunnel()), ("ike_gateways", IkeGateway())):
        if root is None:
            found[key] = {}
            continue
        have = resource.parse_read(engine.select_read(root, resource, scope), scope, context)
        found[key] = {name: existing.item for name, existing in have.items()}
    return found


def _read_state(device, is_reported, counters):
    ike_sas = status.parse_ike_sas(device.op("<show><vpn><ike-sa/></vpn></show>"))
    ipsec_sas = status.parse_ipsec_sas(device.op("<show><vpn><ipsec-sa/></vpn></show>"))
    flows = status.parse_flows(device.op("<show><vpn><flow/></vpn></show>"))
    details = {}
    if counters:
        for flow in flows:
            if is_reported(flow["name"]) and flow.get("id"):
                reply = device.op("<show><vpn><flow><tunnel-id>%s</tunnel-id></flow></vpn></show>" % int(flow["id"]))
                details[flow["id"]] = status.parse_flow_detail(reply)
    return ike_sas, ipsec_sas, flows, details


def _system_log(device, count):
    return status.parse_system_log(device.system_log("(subtype eq vpn)", count))


def _system_resources(device):
    """Return CPU and memory figures, or None when the firewall's top output cannot be parsed."""
    try:
        figures = device.system_resources()
    except DeviceError:
        # Releases word the top output differently; the figures are optional.
        return None
    return {
        "load_average": float(figures["load"]),
        "cpu_percent": float(figures["cpu"]),
        "memory_total_kib": figures["mem_total"],
        "memory_free_kib": figures["mem_free"],
        "memory_used_kib": figures["mem_used"],
        "memory_buffer_cache_kib": figures["mem_buffer"],
    }


def run(module):
    params = module.params
    if not status.HAS_XMLTODICT:
        module.fail_json(msg=missing_required_lib("xmltodict"))
    if not 1 <= params["log_entries"] <= 5000:
        raise engine.ValidationError(["log_entries: %s is out of range; give 1 to 5000" % params["log_entries"]])
    if not 0 <= params["initiate_wait"] <= 300:
        raise engine.ValidationError(["initiate_wait: %s is out of range; give 0 to 300 seconds" % params["initiate_wait"]])

    scope = engine.Scope(vsys=params["vsys"])
    device = Device(params["provider"]).open()
    configured = _configured(device, scope)
    tunnels = configured["ipsec_tunnels"]
    if params.get("tunnels"):
        unknown = sorted(set(params["tunnels"]) - set(tunnels))
        if unknown:
            raise engine.ValidationError(
                ["tunnels: %s not found in the running configuration, which has %s" % (", ".join(unknown), ", ".join(sorted(tunnels)) or "no tunnels")]
            )
        tunnels = {name: tunnels[name] for name in params["tunnels"]}

    def is_reported(flow_name):
        return flow_name.split(":", 1)[0] in tunnels

    def build(state):
        ike_sas, ipsec_sas, flows, details = state
        return {
            name: status.tunnel_status(name, tunnel, configured["ike_gateways"].get(tunnel.get("ike_gateway")), ike_sas, ipsec_sas, flows, details)
            for name, tunnel in sorted(tunnels.items())
        }

    statuses = build(_read_state(device, is_reported, params["counters"]))
    result = {"changed": False, "initiated": []}

    down = [name for name, entry in statuses.items() if entry["state"] != "up"]
    if params["initiate"] and down:
        if module.check_mode:
            result["skipped"] = "check mode: no negotiation was started"
        else:
            result["not_initiated"] = []
            for name in down:
                gateway = statuses[name]["gateway"]
                started = 0
                if gateway:
                    started += _started(device.op("<test><vpn><ike-sa><gateway>%s</gateway></ike-sa></vpn></test>" % _xml_text(gateway)))
                started += _started(device.op("<test><vpn><ipsec-sa><tunnel>%s</tunnel></ipsec-sa></vpn></test>" % _xml_text(name)))
                if started:
                    result["initiated"].append(name)
                else:
                    result["not_initiated"].append(name)
            if result["initiated"]:
                time.sleep(params["initiate_wait"])
                statuses = build(_read_state(device, is_reported, params["counters"]))

    events = _system_log(device, params["log_entries"])
    entries = []
    for entry in statuses.values():
        entry["diagnosis"] = status.diagnose(entry, events)
        for key in ("disabled", "gateway_disabled", "passive"):
            entry.pop(key, None)
        entries.append(entry)

    result["tunnels"] = entries
    result["summary"] = {state: sum(1 for e in entries if e["state"] == state) for state in ("up", "partial", "down")}
    result["unmatched_requests"] = status.unmatched_requests(events)
    resources = _system_resources(device)
    if resources is not None:
        result["system"] = resources
    return result


def _started(reply):
    """Return how many SAs a ``test vpn`` reply reports as started; 0 on a passive or disabled end."""
    text = "".join(reply.itertext()) if reply is not None else ""
    counts = [int(number) for number in re.findall(r"Initiate (\d+)", text)]
    # NOTE: a reply without an "Initiate N" line is taken as started, so a release that words
    # it differently still waits and reads again.
    return sum(counts) if counts else 1


def _xml_text(value):
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            tunnels=dict(type="list", elements="str"),
            vsys=dict(type="str", default="vsys1"),
            initiate=dict(type="bool", default=False),
            initiate_wait=dict(type="int", default=5),
            counters=dict(type="bool", default=True),
            log_entries=dict(type="int", default=200),
            **PROVIDER_SPEC
        ),
        supports_check_mode=True,
    )
    engine.run_and_exit(module, lambda: run(module))


if __name__ == "__main__":
    main()
