# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""IPsec tunnels and their proxy IDs."""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import (
    EntryList,
    Group,
    Prefix,
    ProxyProtocol,
    SingleEntryName,
    Text,
    YesNo,
)
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource
from ansible_collections.ipsec.panos.plugins.module_utils._resources.common import TUNNEL_NAME


PROXY_ID_FIELDS = [Prefix("local", "local"), Prefix("remote", "remote"), ProxyProtocol()]


class IpsecTunnel(EntryResource):
    label = "IPsec tunnel"
    container = "network/tunnel/ipsec"
    name_max = 63
    fields = (
        Text("tunnel_interface", "tunnel-interface"),
        SingleEntryName("ike_gateway", "auto-key/ike-gateway"),
        Text("ipsec_crypto_profile", "auto-key/ipsec-crypto-profile", device_default="default"),
        EntryList("proxy_ids", "auto-key/proxy-id", PROXY_ID_FIELDS),
        YesNo("anti_replay", "anti-replay", device_default=True),
        YesNo("copy_tos", "copy-tos", device_default=False),
        Group(
            "tunnel_monitor",
            "tunnel-monitor",
            [
                YesNo("enable", "enable", device_default=False),
                Text("destination_ip", "destination-ip"),
                Text("proxy_id", "proxy-id"),
                Text("profile", "tunnel-monitor-profile"),
            ],
        ),
        YesNo("disabled", "disabled", device_default=False, since=(7, 0, 0)),
        Text("comment", "comment"),
    )

    def validate_item(self, item, path):
        errors = []
        name = item.get("tunnel_interface")
        if name is not None and not TUNNEL_NAME.match(name):
            errors.append(
                "%s.tunnel_interface: %r is not a tunnel interface name; use tunnel.N with N from 1 to 9999"
                % (path, name)
            )
        errors += _check_proxy_ids(item.get("proxy_ids") or [], "%s.proxy_ids" % path)
        monitor = item.get("tunnel_monitor") or {}
        if monitor.get("destination_ip") is not None:
            errors += check.check_ip(monitor["destination_ip"], "%s.tunnel_monitor.destination_ip" % path)
        if monitor.get("enable") and not monitor.get("destination_ip"):
            errors.append("%s.tunnel_monitor.destination_ip: required when tunnel_monitor.enable is true" % path)
        return errors

    def validate_complete(self, desired, path, existing):
        errors = []
        action = "is new" if existing is None else "would be incomplete"
        for option in ("tunnel_interface", "ike_gateway", "ipsec_crypto_profile"):
            if not desired.get(option):
                errors.append("%s.%s: missing; IPsec tunnel %r %s without it" % (path, option, desired["name"], action))
        return errors


def _check_proxy_ids(proxy_ids, path):
    errors = []
    names = {}
    for index, proxy in enumerate(proxy_ids):
        where = "%s[%d]" % (path, index)
        if not proxy.get("name"):
            errors.append("%s.name: missing" % where)
        elif proxy["name"] in names:
            errors.append("%s.name: %r is already used by %s[%d]" % (where, proxy["name"], path, names[proxy["name"]]))
        else:
            names[proxy["name"]] = index
        for side in ("local", "remote"):
            if proxy.get(side) is None:
                errors.append("%s.%s: missing; a proxy ID needs both local and remote prefixes" % (where, side))
            else:
                errors += check.check_prefix(proxy[side], "%s.%s" % (where, side))
        errors += _check_proxy_protocol(proxy, where)
    if errors:
        return errors

    for first in range(len(proxy_ids)):
        for second in range(first + 1, len(proxy_ids)):
            a, b = proxy_ids[first], proxy_ids[second]
            if check.prefixes_overlap(a["local"], b["local"]) and check.prefixes_overlap(a["remote"], b["remote"]):
                if _protocols_overlap(a, b):
                    errors.append(
                        "%s[%d]: proxy ID %r (%s -> %s) overlaps %s[%d] %r (%s -> %s); a peer cannot tell "
                        "which one a packet belongs to"
                        % (path, second, b["name"], b["local"], b["remote"], path, first, a["name"], a["local"], a["remote"])
                    )
    return errors


def _check_proxy_protocol(proxy, where):
    protocol = proxy.get("protocol") or "any"
    errors = []
    if protocol == "number":
        if proxy.get("protocol_number") is None:
            errors.append("%s.protocol_number: required when protocol is number" % where)
        else:
            errors += check.check_range(proxy["protocol_number"], 1, 254, "%s.protocol_number" % where)
    elif proxy.get("protocol_number") is not None:
        errors.append("%s.protocol_number: only allowed when protocol is number, not %s" % (where, protocol))
    if protocol in ("tcp", "udp"):
        for port in ("local_port", "remote_port"):
            errors += check.check_range(proxy.get(port), 0, 65535, "%s.%s" % (where, port))
    elif proxy.get("local_port") is not None or proxy.get("remote_port") is not None:
        errors.append("%s: local_port and remote_port are only allowed when protocol is tcp or udp" % where)
    return errors


def _protocols_overlap(a, b):
    pa, pb = a.get("protocol") or "any", b.get("protocol") or "any"
    if "any" in (pa, pb):
        return True
    if pa != pb:
        return False
    if pa == "number":
        return a.get("protocol_number") == b.get("protocol_number")
    ports_a = (a.get("local_port") or 0, a.get("remote_port") or 0)
    ports_b = (b.get("local_port") or 0, b.get("remote_port") or 0)
    return all(x == 0 or y == 0 or x == y for x, y in zip(ports_a, ports_b))
