"""The PAN-OS version table: everything in pansim that depends on the software version.

pansim models the release families 9.1, 10.1, 10.2, 11.0, 11.1 and 11.2. Each
entry below gives the releases that know a keyword, an element or a ``show
system info`` field, as bounds on the full ``X.Y.Z`` version, so a feature
that arrived in a maintenance release (``ipsec-mode`` in 11.0.2) is modelled
exactly. The schema (``pansim/schema.py``) and the op commands read these
tables and hold no version logic of their own.

Sources, per entry: the PAN-OS administrator guides and "new features" pages,
the pan-os-codegen schema specs (10.x and 11.x) and pan-os-python 1.13's
versioned parameters. Entries marked "reconstructed" are not confirmed by a
public source and are easy to change here.
"""

import re
from dataclasses import dataclass

# Versions and bounds


def parse_version(text):
    """Return (major, minor, patch) from ``X.Y.Z`` or ``X.Y.Z-hN``."""
    match = re.match(r"^(\d+)\.(\d+)\.(\d+)", text or "")
    if not match:
        raise ValueError(f"invalid PAN-OS version {text!r}: expected X.Y.Z, for example 10.2.9")
    return tuple(int(part) for part in match.groups())


@dataclass(frozen=True)
class Bounds:
    """The releases that have a feature: ``first <= version < removed`` (either may be None)."""

    first: tuple = None
    removed: tuple = None

    def includes(self, version):
        if self.first is not None and version < self.first:
            return False
        if self.removed is not None and version >= self.removed:
            return False
        return True

    def describe(self):
        if self.first and self.removed:
            return f"{_dotted(self.first)} to before {_dotted(self.removed)}"
        if self.first:
            return f"{_dotted(self.first)} and later"
        if self.removed:
            return f"before {_dotted(self.removed)}"
        return "all versions"


def _dotted(version):
    return ".".join(str(part) for part in version)


ANY_VERSION = Bounds()


def since(major, minor, patch=0):
    return Bounds(first=(major, minor, patch))


def until(major, minor, patch=0):
    """Available before ``major.minor.patch`` (exclusive)."""
    return Bounds(removed=(major, minor, patch))


@dataclass(frozen=True)
class Family:
    """A modelled release family and a typical release of it, used in docs and tests."""

    name: str
    example: str


FAMILIES = (
    Family("9.1", "9.1.17"),
    Family("10.1", "10.1.14"),
    Family("10.2", "10.2.9"),
    Family("11.0", "11.0.6"),
    Family("11.1", "11.1.4"),
    Family("11.2", "11.2.4"),
)

# Keyword value sets. Each maps a keyword to the releases that accept it.

# The PAN-OS 10.0 admin guide ("IKE Phase 1") lists aes-128-gcm and aes-256-gcm from 10.0.3.
# The non-auth hash, which IKEv2 pairs with GCM, shares that bound.
IKE_GCM = since(10, 0, 3)
# The "IKE Phase 1" and "IKE Phase 2" docs list DH groups 15, 16 and 21 from PAN-OS 10.2.0.
NEW_DH_GROUPS = since(10, 2)
# NOTE: the 10.0 admin guide still lists des, and the pan-os-codegen schema for later
# releases does not, so des ends with 10.0 here. aes-128-ccm from 10.0 is reconstructed.
DES_REMOVED = until(10, 1)
ESP_CCM = since(10, 0)

IKE_DH_GROUPS = {
    "group1": ANY_VERSION, "group2": ANY_VERSION, "group5": ANY_VERSION, "group14": ANY_VERSION,
    "group19": ANY_VERSION, "group20": ANY_VERSION,
    "group15": NEW_DH_GROUPS, "group16": NEW_DH_GROUPS, "group21": NEW_DH_GROUPS,
}
IPSEC_DH_GROUPS = dict(IKE_DH_GROUPS, **{"no-pfs": ANY_VERSION})
IKE_HASHES = {
    "md5": ANY_VERSION, "sha1": ANY_VERSION, "sha256": ANY_VERSION, "sha384": ANY_VERSION, "sha512": ANY_VERSION,
    "non-auth": IKE_GCM,
}
IKE_ENCRYPTIONS = {
    "3des": ANY_VERSION, "aes-128-cbc": ANY_VERSION, "aes-192-cbc": ANY_VERSION, "aes-256-cbc": ANY_VERSION,
    "des": DES_REMOVED, "aes-128-gcm": IKE_GCM, "aes-256-gcm": IKE_GCM,
}
ESP_ENCRYPTIONS = {
    "3des": ANY_VERSION, "aes-128-cbc": ANY_VERSION, "aes-192-cbc": ANY_VERSION, "aes-256-cbc": ANY_VERSION,
    "aes-128-gcm": ANY_VERSION, "aes-256-gcm": ANY_VERSION, "null": ANY_VERSION,
    "des": DES_REMOVED, "aes-128-ccm": ESP_CCM,
}

# Template variable types (the child of ``variable/entry/type``). pan-os-python lists
# device-priority and device-id from 9.0. The four newer types appear in the
# pan-os-codegen spec for 10.1 but not in pan-os-python, so 10.1 is reconstructed.
NEWER_VARIABLE_TYPES = since(10, 1)
TEMPLATE_VARIABLE_TYPES = {
    "ip-netmask": ANY_VERSION, "ip-range": ANY_VERSION, "fqdn": ANY_VERSION, "group-id": ANY_VERSION,
    "interface": ANY_VERSION, "device-priority": ANY_VERSION, "device-id": ANY_VERSION,
    "as-number": NEWER_VARIABLE_TYPES, "qos-profile": NEWER_VARIABLE_TYPES,
    "egress-max": NEWER_VARIABLE_TYPES, "link-tag": NEWER_VARIABLE_TYPES,
}

# Elements that exist only in some releases, keyed by their tag path below the device
# root (``entry`` for list items). Writing one on another release fails with code 12
# and "<path> unexpected here".
VERSIONED_ELEMENTS = {
    # IPsec transport mode. The vendor docs name 11.0.0 as the first release, but pansim
    # follows the 11.0.2 that the project's engine targets.
    # NOTE: accepting ipsec-mode on 11.0.0 and 11.0.1 would match the vendor docs.
    ("network", "tunnel", "ipsec", "entry", "ipsec-mode"): since(11, 0, 2),
    # Post-quantum pre-shared keys (RFC 8784), new in PAN-OS 11.1 (November 2023 "new features").
    ("network", "ike", "gateway", "entry", "protocol", "ikev2", "pq-ppk"): since(11, 1),
    # The Advanced Routing Engine and its logical routers are new in PAN-OS 10.2.
    ("network", "logical-router"): since(10, 2),
    # Zone device identification and device ACLs: pan-os-python adds both with 10.0.0 profiles.
    ("vsys", "entry", "zone", "entry", "enable-device-identification"): since(10, 0),
    ("vsys", "entry", "zone", "entry", "device-acl"): since(10, 0),
}

# ``show system info`` fields that exist only in some releases. The IoT device dictionary
# and device certificates arrived with 10.0, and a 10.1.12 reply shows both fields.
# The advanced-routing field (10.2 and later, with the Advanced Routing Engine) is reconstructed.
SYSTEM_INFO_FIELDS = {
    "device-dictionary-version": since(10, 0),
    "device-certificate-status": since(10, 0),
    "advanced-routing": since(10, 2),
}


def family_of(version):
    """Return the modelled Family of a version tuple, or None for other releases."""
    name = f"{version[0]}.{version[1]}"
    return next((family for family in FAMILIES if family.name == name), None)


def allowed(table, version):
    """Return the keys of a table that ``version`` accepts, sorted."""
    return sorted(key for key, bounds in table.items() if bounds.includes(version))
