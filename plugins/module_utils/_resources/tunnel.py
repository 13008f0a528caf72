# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""IPsec tunnels and their proxy IDs."""

from __future__ import annotations

import re

from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import (
    Group,
    Integer,
    Prefix,
    ProxyIdList,
    ProxyProtocol,
    SingleEntryName,
    Text,
    YesNo,
)
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource
from ansible_collections.ipsec.panos.plugins.module_utils._resources.common import (
    check_choice,
    check_length,
    check_tunnel_interface_name,
)


PROXY_ID_FIELDS = [Prefix("local", "local"), Prefix("remote", "remote"), ProxyProtocol()]
ANTI_REPLAY_WINDOWS = (64, 128, 256, 512, 1024, 2048, 4096)
PROXY_ID_NAME_MAX = 63
PROXY_ID_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")


class IpsecTunnel(EntryResource):
    label = "IPsec tunnel"
    container = "network/tunnel/ipsec"
    name_max = 63
    fields = (
        Text("tunnel_interface", "tunnel-interface"),
        SingleEntryName("ike_gateway", "auto-key/ike-gateway"),
        Text("ipsec_crypto_profile", "auto-key/ipsec-crypto-profile", device_default="default"),
        ProxyIdList("proxy_ids", "auto-key/proxy-id", "auto-key/proxy-id-v6", PROXY_ID_FIELDS),
        YesNo("anti_replay", "anti-replay", device_default=True),
        Integer("anti_replay_window", "anti-replay-window", device_default=1024),
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
        errors = check_tunnel_interface_name(item.get("tunnel_interface"), "%s.tunnel_interface" % path)
        errors += check_proxy_ids(item.get("proxy_ids") or [], "%s.proxy_ids" % path)
        errors += check_choice(item.get("anti_replay_window"), ANTI_REPLAY_WINDOWS, "%s.anti_replay_window" % path)
        errors += check_length(item.get("comment"), 1023, "%s.comment" % path)
        monitor = item.get("tunnel_monitor") or {}
        if monitor.get("destination_ip") is not None:
            errors += check.check_ip(monitor["destination_ip"], "%s.tunnel_monitor.destination_ip" % path)
        if monitor.get("enable") and not monitor.get("destination_ip"):
            errors.append("%s.tunnel_monitor.destination_ip: required when tunnel_monitor.enable is true" % path)
        return errors

    def advise(self, desired, path):
        if desired.get("peer_policy_based") and not desired.get("proxy_ids"):
            return [
                "%s.proxy_ids: IPsec tunnel %r goes to a policy-based peer but has no proxy IDs, so PAN-OS proposes "
                "0.0.0.0/0 to 0.0.0.0/0 and the peer will reject phase 2; list the peer's selectors, mirrored"
                % (path, desired["name"])
            ]
        return []

    def validate_complete(self, desired, path, existing):
        errors = []
        action = "is new" if existing is None else "would be incomplete"
        for option in ("tunnel_interface", "ike_gateway", "ipsec_crypto_profile"):
            if not desired.get(option):
                errors.append("%s.%s: missing; IPsec tunnel %r %s without it" % (path, option, desired["name"], action))
        monitored = (desired.get("tunnel_monitor") or {}).get("proxy_id")
        proxy_names = [proxy["name"] for proxy in desired.get("proxy_ids") or []]
        if monitored and monitored not in proxy_names:
            errors.append(
                "%s.tunnel_monitor.proxy_id: %r is not a proxy ID of tunnel %r; its proxy IDs are %s"
                % (path, monitored, desired["name"], ", ".join(proxy_names) or "none")
            )
        return errors


def check_proxy_ids(proxy_ids, path):
    """Check a tunnel's proxy IDs one by one, then check that no two of them overlap."""
    errors = []
    names = {}
    for index, proxy in enumerate(proxy_ids):
        where = "%s[%d]" % (path, index)
        if proxy.get("name") in names:
            errors.append("%s.name: %r is already used by %s[%d]" % (where, proxy["name"], path, names[proxy["name"]]))
        elif proxy.get("name"):
            names[proxy["name"]] = index
        errors += check_proxy_id(proxy, where)
    if errors:
        return errors

    for second in range(1, len(proxy_ids)):
        errors += check_overlaps(proxy_ids[second], "%s[%d]" % (path, second), [
            (proxy_ids[first], "%s[%d]" % (path, first)) for first in range(second)
        ])
    return errors


def check_proxy_id(proxy, where, require_prefixes=True):
    """Check one proxy ID: its name, prefixes, address family and protocol.

    Without ``require_prefixes``, a missing local or remote prefix is not an error, for a
    merge that takes it from the device.
    """
    errors = []
    if not proxy.get("name"):
        errors.append("%s.name: missing" % where)
    elif len(proxy["name"]) > PROXY_ID_NAME_MAX:
        errors.append(
            "%s.name: %r is %d characters long; a proxy ID name can be at most %d"
            % (where, proxy["name"], len(proxy["name"]), PROXY_ID_NAME_MAX)
        )
    elif not PROXY_ID_NAME.match(proxy["name"]):
        errors.append(
            "%s.name: %r is not a valid PAN-OS name; start with a letter or digit and use only letters, digits, "
            "spaces, '-', '_' and '.'" % (where, proxy["name"])
        )
    for side in ("local", "remote"):
        if proxy.get(side) is not None:
            errors += check.check_prefix(proxy[side], "%s.%s" % (where, side))
        elif require_prefixes:
            errors.append("%s.%s: missing; a proxy ID needs both local and remote prefixes" % (where, side))
    if not errors and proxy.get("local") is not None and proxy.get("remote") is not None:
        errors += _check_family(proxy, where)
    return errors + _check_proxy_protocol(proxy, where)


def check_overlaps(proxy, where, others):
    """Return an error for each of ``others`` (pairs of proxy ID and option path) that ``proxy`` overlaps."""
    errors = []
    for other, other_where in others:
        if (
            check.prefixes_overlap(proxy["local"], other["local"])
            and check.prefixes_overlap(proxy["remote"], other["remote"])
            and _protocols_overlap(proxy, other)
        ):
            errors.append(
                "%s: proxy ID %r (%s -> %s) overlaps %s %r (%s -> %s); a peer cannot tell which one a packet "
                "belongs to" % (where, proxy["name"], proxy["local"], proxy["remote"], other_where, other["name"],
                                other["local"], other["remote"])
            )
    return errors


def _family(value):
    text = str(value)
    if text.startswith("$"):
        return None
    return 6 if ":" in text else 4


def _check_family(proxy, where):
    local, remote = _family(proxy["local"]), _family(proxy["remote"])
    if local is not None and remote is not None and local != remote:
        return [
            "%s: local %s is IPv%d but remote %s is IPv%d; a proxy ID covers one address family, so give an "
            "IPv4 and an IPv6 proxy ID separately" % (where, proxy["local"], local, proxy["remote"], remote)
        ]
    return []


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


# IP protocol numbers that name the same traffic as the tcp and udp choices, with any port.
_PORTED_NUMBERS = {6: "tcp", 17: "udp"}


def _as_protocol(proxy):
    """Return the proxy ID's protocol, with protocol number 6 or 17 read as tcp or udp on any port."""
    protocol = proxy.get("protocol") or "any"
    if protocol == "number" and proxy.get("protocol_number") in _PORTED_NUMBERS:
        return {"protocol": _PORTED_NUMBERS[proxy["protocol_number"]], "local_port": 0, "remote_port": 0}
    return proxy


def _protocols_overlap(a, b):
    a, b = _as_protocol(a), _as_protocol(b)
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
