# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""IKE and IPsec crypto profiles."""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import Duration, Integer, MappingError, Members, Text, duration_seconds
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource


LIFETIME_LIMITS = {"seconds": (180, 65535), "minutes": (3, 65535), "hours": (1, 65535), "days": (1, 365)}
CRYPTO_PREDEFINED = ("default", "Suite-B-GCM-128", "Suite-B-GCM-256")


def _check_lifetime(item, path):
    value = item.get("lifetime")
    if value is None:
        return []
    try:
        seconds = duration_seconds(value, "%s.lifetime" % path)
    except MappingError as error:
        return [str(error)]
    if not 180 <= seconds <= 365 * 86400:
        return ["%s.lifetime: %r is out of range; allowed is 3 minutes (180 seconds) to 365 days" % (path, value)]
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
        Duration("lifetime", "lifetime", LIFETIME_LIMITS, default="8h"),
        Integer("authentication_multiple", "authentication-multiple", device_default=0, since=(7, 0, 0)),
    )

    def validate_item(self, item, path):
        errors = _check_lifetime(item, path)
        errors += check.check_range(item.get("authentication_multiple"), 0, 50, "%s.authentication_multiple" % path)
        gcm = [e for e in item.get("encryption") or [] if e.endswith("-gcm")]
        hashes = item.get("hash") or []
        if gcm and hashes and hashes != ["non-auth"]:
            errors.append(
                "%s.hash: %s with GCM encryption (%s); GCM carries its own integrity check, so set hash to "
                "[non-auth]" % (path, hashes, ", ".join(gcm))
            )
        if "non-auth" in hashes and not gcm:
            errors.append("%s.hash: non-auth is allowed only with aes-128-gcm or aes-256-gcm encryption" % path)
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
        Text("dh_group", "dh-group", default="group20", device_default="group2"),
        Duration("lifetime", "lifetime", LIFETIME_LIMITS, default="1h"),
    )

    def defaults(self, item):
        values = super().defaults(item)
        if item.get("ah_authentication"):
            values.pop("esp_encryption", None)
            values.pop("esp_authentication", None)
        elif item.get("esp_encryption") and not any(e.endswith("-gcm") for e in item["esp_encryption"]):
            # A CBC cipher needs an integrity algorithm; 'none' is only right with GCM.
            values["esp_authentication"] = ["sha256"]
        return values

    def validate_item(self, item, path):
        errors = _check_lifetime(item, path)
        if item.get("ah_authentication") and (item.get("esp_encryption") or item.get("esp_authentication")):
            errors.append("%s: give either ESP (esp_encryption, esp_authentication) or AH (ah_authentication), not both" % path)
        gcm = [e for e in item.get("esp_encryption") or [] if e.endswith("-gcm")]
        auth = item.get("esp_authentication") or []
        if gcm and auth and auth != ["none"]:
            errors.append(
                "%s.esp_authentication: %s with GCM encryption (%s); GCM carries its own integrity check, so set "
                "esp_authentication to [none]" % (path, auth, ", ".join(gcm))
            )
        return errors
