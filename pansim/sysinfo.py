"""The fields of ``show system info`` for a firewall or a Panorama.

The field order follows a PA-440 reply on PAN-OS 10.1.12. Fields that only some
releases report are listed in ``pansim/versions.py`` (SYSTEM_INFO_FIELDS) and
left out on the others.
"""

import time

from pansim import versions


def uptime_text(seconds):
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{days} days, {hours}:{minutes:02d}:{secs:02d}"


def family(model):
    """Return the platform family of a model: vm, 400 for PA-440, pc for Panorama VM, m for M-series."""
    upper = model.upper()
    if upper.startswith("PA-VM"):
        return "vm"
    # The Panorama families (pc for the VM, m for M-series appliances) are reconstructed.
    if upper == "PANORAMA":
        return "pc"
    if upper.startswith("M-"):
        return "m"
    digits = "".join(ch for ch in model if ch.isdigit())
    return digits[:1] + "0" * (len(digits) - 1) if digits else "vm"


def _mac_address(serial):
    digest = serial[-6:].rjust(6, "0")
    return ":".join(["00", "1b", "17"] + [digest[i:i + 2] for i in range(0, 6, 2)])


def _common_head(device):
    now = device.clock()
    return [
        ("hostname", device.hostname),
        ("ip-address", "127.0.0.1"),
        ("public-ip-address", "unknown"),
        ("netmask", "255.0.0.0"),
        ("default-gateway", "127.0.0.1"),
        ("is-dhcp", "no"),
        ("ipv6-address", "unknown"),
        ("ipv6-link-local-address", "fe80::1/64"),
        ("mac-address", _mac_address(device.serial)),
        ("time", time.strftime("%a %b %d %H:%M:%S %Y", time.localtime(now))),
        ("uptime", uptime_text(now - device.started)),
        ("devicename", device.hostname),
        ("family", family(device.spec.model)),
        ("model", device.spec.model),
        ("serial", device.serial),
    ]


def _firewall_fields(device):
    spec = device.spec
    major, minor, _ = device.schema.version
    return _common_head(device) + [
        ("cloud-mode", "non-cloud"),
        ("sw-version", spec.sw_version),
        ("global-protect-client-package-version", "0.0.0"),
        ("device-dictionary-version", "0-0"),
        ("app-version", "8800-8000"),
        ("app-release-date", "unknown"),
        ("av-version", "0"),
        ("threat-version", "8800-8000"),
        ("wildfire-version", "0"),
        ("url-db", "paloaltonetworks"),
        ("url-filtering-version", "0000.00.00.000"),
        ("logdb-version", f"{major}.{minor}.0"),
        ("plugin_versions", None),
        ("platform-family", family(spec.model)),
        ("vpn-disable-mode", "off"),
        ("multi-vsys", "off"),
        ("advanced-routing", "off"),
        ("operational-mode", "normal"),
        ("device-certificate-status", "None"),
    ]


def _panorama_fields(device):
    # The Panorama field set (system-mode, licensed-device-capacity) is reconstructed.
    # pan-os-python reads only sw-version, model and serial from it.
    major, minor, _ = device.schema.version
    return _common_head(device) + [
        ("sw-version", device.spec.sw_version),
        ("app-version", "8800-8000"),
        ("app-release-date", "unknown"),
        ("av-version", "0"),
        ("wildfire-version", "0"),
        ("logdb-version", f"{major}.{minor}.0"),
        ("system-mode", "panorama"),
        ("licensed-device-capacity", "1000"),
        ("operational-mode", "normal"),
        ("device-certificate-status", "None"),
    ]


def system_info_fields(device):
    """Return the ``show system info`` fields as (name, value) pairs, for this device's model and version."""
    fields = _panorama_fields(device) if device.is_panorama else _firewall_fields(device)
    version = device.schema.version
    return [
        (name, value)
        for name, value in fields
        if versions.SYSTEM_INFO_FIELDS.get(name, versions.ANY_VERSION).includes(version)
    ]
