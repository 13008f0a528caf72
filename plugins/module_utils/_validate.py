# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Input checks for addresses, prefixes and ranges. Each returns error strings naming the option path."""

from __future__ import annotations

import re
import traceback

try:
    import netaddr
except ImportError:
    HAS_NETADDR = False
    NETADDR_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_NETADDR = True
    NETADDR_IMPORT_ERROR = None

_FQDN_PATTERN = re.compile(r"^(?=.{1,255}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$")


def _require_netaddr():
    if not HAS_NETADDR:
        raise ImportError(NETADDR_IMPORT_ERROR)


def check_ip(value, path):
    """An address without a prefix length, such as a peer address."""
    _require_netaddr()
    try:
        netaddr.IPAddress(str(value))
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return ["%s: %r is not a valid IPv4 or IPv6 address" % (path, value)]
    return []


def check_interface_address(value, path):
    """An interface address, with or without a prefix length (198.51.100.1/24)."""
    _require_netaddr()
    try:
        netaddr.IPNetwork(str(value))
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return ["%s: %r is not a valid address or address/prefix-length" % (path, value)]
    return []


def check_prefix(value, path):
    """A network prefix with no host bits set; a bare address means a host prefix."""
    _require_netaddr()
    try:
        network = netaddr.IPNetwork(str(value))
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return ["%s: %r is not a valid prefix such as 10.1.0.0/16" % (path, value)]
    if network.ip != network.network:
        return [
            "%s: %r has host bits set; did you mean %s/%d?" % (path, value, network.network, network.prefixlen)
        ]
    return []


def check_fqdn(value, path):
    if not _FQDN_PATTERN.match(str(value)):
        return ["%s: %r is not a valid FQDN" % (path, value)]
    return []


def check_range(value, low, high, path, unit=""):
    if value is None:
        return []
    if not low <= int(value) <= high:
        suffix = " %s" % unit if unit else ""
        return ["%s: %s is out of range; allowed is %d to %d%s" % (path, value, low, high, suffix)]
    return []


def prefixes_overlap(left, right):
    _require_netaddr()
    first = netaddr.IPNetwork(str(left))
    second = netaddr.IPNetwork(str(right))
    if first.version != second.version:
        return False
    return first.first <= second.last and second.first <= first.last
