# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Inputs of the audit: the running configuration (from a device or a file) and the ``expected`` option."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ansible_collections.ipsec.panos.plugins.module_utils._audit.model import parse_network
from ansible_collections.ipsec.panos.plugins.module_utils._connection import Device
from ansible_collections.ipsec.panos.plugins.module_utils._engine import ValidationError, config_from_text
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import MappingError, duration_seconds

EXPECTED_OPTIONS = {
    "ike_gateways": {"ike_lifetime": "lifetime", "behind_nat": "bool", "peer_passive": "bool", "initiator": "bool"},
    "ipsec_tunnels": {"ipsec_lifetime": "lifetime", "policy_based": "bool", "remote_networks": "prefixes"},
}


def read_running_config(provider, panorama=False):
    """Read the whole running ``<config>`` in one request; return it with the device's PAN-OS version."""
    device = Device(provider, panorama=panorama).open()
    config = device.show("/config").find("config")
    if config is None:
        config = ET.Element("config")
    return config, device.version


def load_config_text(text):
    """Parse an exported configuration, or a saved API reply around one, into its ``<config>`` element."""
    return config_from_text(text, "running_config")


def config_version(root, fallback):
    """Return the PAN-OS version the file states in ``<config version=...>``, else ``fallback``."""
    match = re.match(r"^\s*(\d+)\.(\d+)(?:\.(\d+))?", str(root.get("version") or ""))
    if not match:
        return fallback
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def parse_expected(raw):
    """Check the ``expected`` option and return it with every section present; raise ValidationError on bad input."""
    expected = {section: {} for section in EXPECTED_OPTIONS}
    errors = []
    for section, objects in (raw or {}).items():
        if objects is None:
            continue
        if section not in EXPECTED_OPTIONS:
            errors.append("expected.%s: unknown key; use %s" % (section, " or ".join(EXPECTED_OPTIONS)))
            continue
        if not isinstance(objects, dict):
            errors.append("expected.%s: give a dict keyed by object name" % section)
            continue
        for name, values in objects.items():
            path = "expected.%s.%s" % (section, name)
            if not isinstance(values, dict):
                errors.append("%s: give a dict of %s" % (path, ", ".join(EXPECTED_OPTIONS[section])))
                continue
            for option, value in values.items():
                errors.extend(_check_expected(section, option, value, "%s.%s" % (path, option)))
            expected[section][str(name)] = dict(values)
    if errors:
        raise ValidationError(errors)
    return expected


def _check_expected(section, option, value, path):
    kind = EXPECTED_OPTIONS[section].get(option)
    if kind is None:
        return ["%s: unknown key; allowed are %s" % (path, ", ".join(EXPECTED_OPTIONS[section]))]
    if kind == "bool" and not isinstance(value, bool):
        return ["%s: %r is not true or false" % (path, value)]
    if kind == "lifetime":
        try:
            duration_seconds(value, path)
        except MappingError as error:
            return [str(error)]
    if kind == "prefixes":
        if not isinstance(value, list):
            return ["%s: give a list of prefixes such as [10.1.0.0/16]" % path]
        return ["%s[%d]: %r is not a prefix such as 10.1.0.0/16" % (path, index, prefix) for index, prefix in enumerate(value)
                if parse_network(prefix) is None]
    return []
