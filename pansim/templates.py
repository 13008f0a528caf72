"""Panorama template scopes: where a path sits, which roots each device model has, and template variables.

A Panorama keeps firewall configuration inside templates and template stacks:
``/config/devices/entry[@name='localhost.localdomain']/template/entry[@name='T']/config/...``
contains a copy of the firewall tree. Values there may name a template variable
such as ``$peer_ip`` where an address is expected. The variable is defined at
``template/entry[@name='T']/variable/entry[@name='$peer_ip']/type/ip-netmask``,
and Panorama resolves it per firewall when it pushes the template.

Tag paths here are relative to the device root, as in ``pansim/schema.py``.
"""

import ipaddress

TEMPLATE_KINDS = ("template", "template-stack")

# Children of ``/config/devices/entry`` that only one model has. Writing one on the
# other model fails with "<tag> unexpected here".
# Both sets are reconstructed from the Panorama and firewall configuration trees, not from a device reply.
PANORAMA_ONLY_ROOTS = frozenset({"template", "template-stack", "device-group", "log-collector", "log-collector-group"})
FIREWALL_ONLY_ROOTS = frozenset({"network", "vsys"})

# Leaves and entry names that hold an address, where a template may use a variable.
_GATEWAY = ("network", "ike", "gateway", "entry")
_TUNNEL = ("network", "tunnel", "ipsec", "entry")
_ROUTER = ("network", "virtual-router", "entry", "routing-table")
ADDRESS_LEAVES = frozenset(
    [
        _GATEWAY + ("peer-address", "ip"),
        _GATEWAY + ("peer-address", "fqdn"),
        _GATEWAY + ("local-address", "ip"),
        _GATEWAY + ("local-address", "floating-ip"),
        _TUNNEL + ("tunnel-monitor", "destination-ip"),
    ]
    + [_TUNNEL + ("auto-key", family, "entry", side) for family in ("proxy-id", "proxy-id-v6") for side in ("local", "remote")]
    + [
        _ROUTER + (family, "static-route", "entry") + leaf
        for family in ("ip", "ipv6")
        for leaf in (("destination",), ("nexthop", "ip-address"), ("nexthop", "ipv6-address"), ("nexthop", "fqdn"))
    ]
)
ADDRESS_ENTRIES = frozenset(
    [
        ("network", "interface", kind, "units", "entry", "ip", "entry")
        for kind in ("tunnel", "loopback", "vlan")
    ]
    + [
        ("network", "interface", "tunnel", "units", "entry", "ipv6", "address", "entry"),
        ("network", "interface", "ethernet", "entry", "layer3", "ip", "entry"),
        ("network", "interface", "ethernet", "entry", "layer3", "ipv6", "address", "entry"),
        ("network", "interface", "ethernet", "entry", "layer3", "units", "entry", "ip", "entry"),
    ]
)

# Variable names: "$" and at least one more character, 63 characters in all (pan-os-codegen spec).
VARIABLE_NAME_MAX = 63


def is_variable(value):
    return bool(value) and value.startswith("$")


def template_scope(location):
    """Return ("template" or "template-stack", name) for a location inside one, else None."""
    if len(location) < 5 or location[3][0] not in TEMPLATE_KINDS or location[4][0] != "entry":
        return None
    if tuple(tag for tag, _ in location[:3]) != ("config", "devices", "entry"):
        return None
    return location[3][0], location[4][1]


def model_root_problem(location, panorama):
    """Return an error line when ``location`` starts with a root the device model does not have."""
    tags = [tag for tag, _ in location]
    if len(tags) >= 2 and tags[0] == "config" and tags[1] == "readonly":
        # PAN-OS maintains readonly itself. The wording is reconstructed.
        return " readonly is read-only"
    if len(tags) < 4 or tags[:3] != ["config", "devices", "entry"]:
        return None
    wrong_roots = FIREWALL_ONLY_ROOTS if panorama else PANORAMA_ONLY_ROOTS
    if tags[3] in wrong_roots:
        return f" {tags[3]} unexpected here"
    return None


def variable_name_problem(name):
    if not is_variable(name) or len(name) < 2:
        return f" variable '{name}' is not a valid template variable name. Start it with $, as in $peer_ip"
    if len(name) > VARIABLE_NAME_MAX:
        return f" {name} can be at most {VARIABLE_NAME_MAX} characters, but current length: {len(name)}"
    return None


def variable_use_problem(path, value, in_template):
    """Return an error line for a ``$`` value at an address leaf, or None when it is acceptable.

    On a firewall the value is neither an address nor a valid object name. In a
    template the name must be well formed, and the commit checks that it is defined.
    """
    if not in_template:
        # A firewall has no template variables to resolve. The wording is reconstructed.
        return f" {path} '{value}' is not a valid IP address or address object name"
    if len(value) < 2 or len(value) > VARIABLE_NAME_MAX or any(ch.isspace() for ch in value):
        return f" {path} '{value}' is not a valid template variable name"
    return None


def variable_value_problem(path, variable_type, value):
    """Check the value of an ip-netmask or ip-range variable. Values of other types are not checked."""
    if value is None:
        return None
    if variable_type == "ip-netmask" and not _is_ip_netmask(value):
        return f" {path} '{value}' is not a valid IP address or netmask"
    if variable_type == "ip-range":
        low, separator, high = value.partition("-")
        if not separator or not (_is_ip_netmask(low) and _is_ip_netmask(high)) or "/" in value:
            return f" {path} '{value}' is not a valid IP range such as 192.0.2.1-192.0.2.9"
    return None


def _is_ip_netmask(value):
    try:
        ipaddress.ip_interface(value.strip())
    except ValueError:
        return False
    return True
