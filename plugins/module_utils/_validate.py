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


_VARIABLE_PATTERN = re.compile(r"^\$[A-Za-z0-9][A-Za-z0-9_.-]*$")


class _TemplateVariables:
    """Whether values such as ``$peer_ip`` are accepted where an address is expected.

    Only a Panorama template or template stack resolves variables, so the engine
    turns this on for those scopes while it validates and plans a task.
    """

    allowed = False


def allow_template_variables(allowed):
    _TemplateVariables.allowed = bool(allowed)


def _variable_errors(value, path):
    """Return None when ``value`` is not a variable, else the errors for it (maybe none)."""
    text = str(value)
    if not text.startswith("$"):
        return None
    if not _TemplateVariables.allowed:
        return [
            "%s: %r is a template variable; variables are only allowed with the template or "
            "template_stack option, because only Panorama resolves them" % (path, value)
        ]
    if not _VARIABLE_PATTERN.match(text):
        return ["%s: %r is not a valid template variable name such as $peer_ip" % (path, value)]
    return []


def _require_netaddr():
    if not HAS_NETADDR:
        raise ImportError(NETADDR_IMPORT_ERROR)


def check_ip(value, path):
    """Check an address without a prefix length, such as a peer address."""
    variable = _variable_errors(value, path)
    if variable is not None:
        return variable
    _require_netaddr()
    try:
        netaddr.IPAddress(str(value))
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return ["%s: %r is not a valid IPv4 or IPv6 address" % (path, value)]
    return []


def check_interface_address(value, path):
    """Check an interface address, with or without a prefix length (198.51.100.1/24)."""
    variable = _variable_errors(value, path)
    if variable is not None:
        return variable
    _require_netaddr()
    try:
        netaddr.IPNetwork(str(value))
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return ["%s: %r is not a valid address or address/prefix-length" % (path, value)]
    return []


def check_prefix(value, path):
    """Check a network prefix. Host bits must be clear, and a bare address means a host prefix."""
    variable = _variable_errors(value, path)
    if variable is not None:
        return variable
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
    variable = _variable_errors(value, path)
    if variable is not None:
        return variable
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
    """Tell whether two prefixes share an address. Template variables never overlap."""
    if str(left).startswith("$") or str(right).startswith("$"):
        return False
    _require_netaddr()
    first = netaddr.IPNetwork(str(left))
    second = netaddr.IPNetwork(str(right))
    if first.version != second.version:
        return False
    return first.first <= second.last and second.first <= first.last


def canonical_interface_address(value):
    """Return an interface address in one spelling: with a prefix length, IPv6 compressed in lower case."""
    text = str(value).strip()
    if text.startswith("$") or not HAS_NETADDR:
        return text
    try:
        network = netaddr.IPNetwork(text)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return text
    return "%s/%d" % (network.ip, network.prefixlen)


def prefix_contains(prefix, address):
    """Tell whether ``address`` falls inside ``prefix`` (an interface address counts as its subnet)."""
    if not HAS_NETADDR:
        return True
    try:
        return netaddr.IPAddress(str(address)) in netaddr.IPNetwork(str(prefix)).cidr
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return False
