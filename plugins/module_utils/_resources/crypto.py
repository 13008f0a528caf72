# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""IKE and IPsec crypto profiles."""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import (
    Duration,
    Integer,
    Lifesize,
    MappingError,
    Members,
    SIZE_UNIT_MAX,
    Text,
    best_size_unit,
    duration_seconds,
    size_kilobytes,
)
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource
from ansible_collections.ipsec.panos.plugins.module_utils._resources.common import (
    check_minimum_version,
)


LIFETIME_LIMITS = {"seconds": (180, 65535), "minutes": (3, 65535), "hours": (1, 65535), "days": (1, 365)}
CRYPTO_PREDEFINED = ("default", "Suite-B-GCM-128", "Suite-B-GCM-256")

# The contents of the predefined profiles, in module option form. A device always has them,
# but an exported or hand-made configuration may leave them out while objects still use
# them. pansim preloads the same values.
# NOTE: taken from the PAN-OS documentation of the predefined profiles, not read from a
# factory configuration of every release.
PREDEFINED_IKE_PROFILES = {
    "default": {"encryption": ["aes-128-cbc", "3des"], "hash": ["sha1"], "dh_group": ["group2"], "lifetime": "8h"},
    "Suite-B-GCM-128": {"encryption": ["aes-128-cbc"], "hash": ["sha256"], "dh_group": ["group19"], "lifetime": "8h"},
    "Suite-B-GCM-256": {"encryption": ["aes-256-cbc"], "hash": ["sha384"], "dh_group": ["group20"], "lifetime": "8h"},
}
PREDEFINED_IPSEC_PROFILES = {
    "default": {"esp_encryption": ["aes-128-cbc", "3des"], "esp_authentication": ["sha1"], "dh_group": "group2", "lifetime": "1h"},
    "Suite-B-GCM-128": {"esp_encryption": ["aes-128-gcm"], "esp_authentication": ["none"], "dh_group": "group19", "lifetime": "1h"},
    "Suite-B-GCM-256": {"esp_encryption": ["aes-256-gcm"], "esp_authentication": ["none"], "dh_group": "group20", "lifetime": "1h"},
}
GCM_CIPHERS = ("aes-128-gcm", "aes-256-gcm")

# The first PAN-OS release that accepts each value. Values not listed work on every
# supported release. DH groups 15, 16 and 21 arrived in 10.2, and IKE AES-GCM with the
# non-auth hash in 10.0.3 (vendor documentation of the crypto profiles).
DH_GROUP_SINCE = {"group15": (10, 2, 0), "group16": (10, 2, 0), "group21": (10, 2, 0)}
IKE_ENCRYPTION_SINCE = {"aes-128-gcm": (10, 0, 3), "aes-256-gcm": (10, 0, 3)}
IKE_HASH_SINCE = {"non-auth": (10, 0, 3)}

# Used only for its unit arithmetic when checking input.
_LIFETIME = Duration("lifetime", "lifetime", LIFETIME_LIMITS)


def _check_lifetime(item, path):
    value = item.get("lifetime")
    if value is None:
        return []
    try:
        seconds = duration_seconds(value, "%s.lifetime" % path)
    except MappingError as error:
        return [str(error)]
    if _LIFETIME.best_unit(seconds) is None:
        return [
            "%s.lifetime: %r cannot be written; PAN-OS takes 180 to 65535 seconds, 3 to 65535 minutes, "
            "1 to 65535 hours or 1 to 365 days, as a whole number of one unit" % (path, value)
        ]
    return []


def _check_lifesize(item, path):
    value = item.get("lifesize")
    if value is None:
        return []
    try:
        kilobytes = size_kilobytes(value, "%s.lifesize" % path)
    except MappingError as error:
        return [str(error)]
    if best_size_unit(kilobytes) is None:
        return [
            "%s.lifesize: %r cannot be written; PAN-OS takes 1 to %d in one of kb, mb, gb or tb, "
            "as a whole number of one unit" % (path, value, SIZE_UNIT_MAX)
        ]
    return []


def _check_ike_hash(item, path):
    gcm = [e for e in item.get("encryption") or [] if e in GCM_CIPHERS]
    hashes = item.get("hash") or []
    if gcm and hashes and hashes != ["non-auth"]:
        return [
            "%s.hash: %s with GCM encryption (%s); GCM carries its own integrity check, so set hash to "
            "[non-auth]" % (path, hashes, ", ".join(gcm))
        ]
    if "non-auth" in hashes and item.get("encryption") and not gcm:
        return ["%s.hash: non-auth is allowed only with aes-128-gcm or aes-256-gcm encryption" % path]
    return []


def _check_esp_authentication(item, path):
    if not _uses_esp(item):
        return []
    gcm = [e for e in item.get("esp_encryption") or [] if e in GCM_CIPHERS]
    auth = item.get("esp_authentication") or []
    if gcm and auth and auth != ["none"]:
        return [
            "%s.esp_authentication: %s with GCM encryption (%s); GCM carries its own integrity check, so set "
            "esp_authentication to [none]" % (path, auth, ", ".join(gcm))
        ]
    return []


class IkeCryptoProfile(EntryResource):
    label = "IKE crypto profile"
    container = "network/ike/crypto-profiles/ike-crypto-profiles"
    name_max = 31
    predefined = CRYPTO_PREDEFINED
    fields = (
        Members("encryption", "encryption", default=["aes-256-cbc"]),
        Members("hash", "hash", default=["sha256"]),
        Members("dh_group", "dh-group", default=["group20"]),
        # No module default: PAN-OS uses 8 hours when the element is absent, so a profile
        # that leaves the lifetime out writes nothing and compares equal to 8h.
        Duration("lifetime", "lifetime", LIFETIME_LIMITS, device_default="8h"),
        Integer("authentication_multiple", "authentication-multiple", device_default=0, since=(7, 0, 0)),
    )

    def defaults(self, item):
        values = super().defaults(item)
        encryption = item.get("encryption")
        if encryption and all(e in GCM_CIPHERS for e in encryption):
            # GCM carries its own integrity check; PAN-OS wants the non-auth hash with it.
            values["hash"] = ["non-auth"]
        return values

    def validate_item(self, item, path):
        errors = _check_lifetime(item, path)
        errors += check.check_range(item.get("authentication_multiple"), 0, 50, "%s.authentication_multiple" % path)
        return errors + _check_ike_hash(item, path)

    def read_xpaths(self, scope):
        # The gateways are read too: GCM in a profile that an IKEv1 gateway uses fails at commit.
        return [self.container_xpath(scope), "%s/network/ike/gateway" % scope.device_root]

    def parse_read(self, result, scope, context):
        have = super().parse_read(result, scope, context)
        self.ikev1_users = {}
        gateways = self.find_container(result, "gateway")
        if gateways is not None:
            for entry in gateways.findall("entry"):
                if (xml.text_of(entry, "protocol/version") or "ikev1") != "ikev1":
                    continue
                profile = xml.text_of(entry, "protocol/ikev1/ike-crypto-profile")
                if profile:
                    self.ikev1_users.setdefault(profile, []).append(entry.get("name"))
        return have

    def validate_complete(self, desired, path, existing):
        gcm = [cipher for cipher in desired.get("encryption") or [] if cipher.endswith("-gcm")]
        users = getattr(self, "ikev1_users", {}).get(desired["name"])
        if gcm and users:
            return [
                "%s.encryption: %s needs IKEv2, but IKEv1 gateway %s uses profile %r; move the gateway to IKEv2 "
                "or use CBC ciphers" % (path, ", ".join(gcm), ", ".join(repr(u) for u in sorted(users)), desired["name"])
            ]
        return []

    def validate_version(self, desired, path, context):
        errors = check_minimum_version(desired.get("encryption"), IKE_ENCRYPTION_SINCE, context.version, path + ".encryption")
        errors += check_minimum_version(desired.get("hash"), IKE_HASH_SINCE, context.version, path + ".hash")
        errors += check_minimum_version(desired.get("dh_group"), DH_GROUP_SINCE, context.version, path + ".dh_group")
        return errors


def _uses_esp(item):
    return not item.get("ah_authentication")


class IpsecCryptoProfile(EntryResource):
    label = "IPsec crypto profile"
    container = "network/ike/crypto-profiles/ipsec-crypto-profiles"
    name_max = 31
    predefined = CRYPTO_PREDEFINED
    fields = (
        Members("esp_encryption", "esp/encryption", default=["aes-256-gcm"], when=_uses_esp),
        Members("esp_authentication", "esp/authentication", default=["none"], when=_uses_esp),
        Members("ah_authentication", "ah/authentication"),
        # A single <dh-group> text element, unlike the member list of IKE profiles.
        Text("dh_group", "dh-group", default="group20", device_default="group2"),
        # No module default: PAN-OS uses 1 hour when the element is absent.
        Duration("lifetime", "lifetime", LIFETIME_LIMITS, device_default="1h"),
        Lifesize("lifesize", "lifesize"),
    )

    def defaults(self, item):
        values = super().defaults(item)
        if item.get("ah_authentication"):
            values.pop("esp_encryption", None)
            values.pop("esp_authentication", None)
        elif item.get("esp_encryption") and not any(e in GCM_CIPHERS for e in item["esp_encryption"]):
            # A CBC cipher needs an integrity algorithm; 'none' is only right with GCM.
            values["esp_authentication"] = ["sha256"]
        return values

    def validate_item(self, item, path):
        errors = _check_lifetime(item, path) + _check_lifesize(item, path)
        if item.get("ah_authentication") and (item.get("esp_encryption") or item.get("esp_authentication")):
            errors.append("%s: give either ESP (esp_encryption, esp_authentication) or AH (ah_authentication), not both" % path)
        return errors + _check_esp_authentication(item, path)

    def validate_version(self, desired, path, context):
        dh_group = desired.get("dh_group")
        return check_minimum_version([dh_group] if dh_group else [], DH_GROUP_SINCE, context.version, path + ".dh_group")
