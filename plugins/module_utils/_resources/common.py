# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Facts and checks shared by several object types."""

from __future__ import annotations

import re

# Tunnel interfaces are tunnel.N with N from 1 to 9999.
TUNNEL_NAME = re.compile(r"^tunnel\.([1-9][0-9]{0,3})$")


def version_text(version):
    return ".".join(str(part) for part in version)


def check_minimum_version(values, minimum_versions, version, path):
    """Return an error for each value that the target's PAN-OS version does not accept yet.

    ``minimum_versions`` maps a value to the first version that accepts it; values it does
    not list are accepted by every version.
    """
    errors = []
    for value in values or []:
        needed = minimum_versions.get(value)
        if needed is not None and tuple(version) < needed:
            errors.append(
                "%s: %s needs PAN-OS %s or later, but the target runs PAN-OS %s"
                % (path, value, version_text(needed), version_text(version))
            )
    return errors


def check_tunnel_interface_name(name, path):
    if name is not None and not TUNNEL_NAME.match(str(name)):
        return ["%s: %r is not a tunnel interface name; use tunnel.N with N from 1 to 9999" % (path, name)]
    return []


def check_choice(value, allowed, path):
    if value is not None and value not in allowed:
        return ["%s: %r is not allowed; use one of %s" % (path, value, ", ".join(str(a) for a in allowed))]
    return []


def check_length(value, maximum, path, minimum=0):
    """Check a text length. The message never repeats the value, which may be a secret."""
    if value is None:
        return []
    length = len(str(value))
    if not minimum <= length <= maximum:
        return ["%s: is %d characters long; allowed is %d to %d" % (path, length, minimum, maximum)]
    return []
