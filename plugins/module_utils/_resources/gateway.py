# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""IKE gateways."""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import Group, Integer, Secret, Text, Variant, YesNo
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource


def _version(item):
    return item.get("version") or "ikev1"


def _uses_ikev2(item):
    return _version(item) != "ikev1"


def _uses_ikev1(item):
    return _version(item) != "ikev2"


class IkeGateway(EntryResource):
    label = "IKE gateway"
    container = "network/ike/gateway"
    name_max = 63
    fields = (
        Text("version", "protocol/version", default="ikev2", device_default="ikev1", since=(7, 0, 0)),
        Text("interface", "local-address/interface"),
        Text("local_ip", "local-address/ip"),
        Variant(
            "peer_type",
            "peer-address",
            {"ip": "ip", "fqdn": "fqdn", "dynamic": "dynamic"},
            value_option="peer_address",
            empty=("dynamic",),
            default="ip",
        ),
        Secret("pre_shared_key", "authentication/pre-shared-key/key"),
        Group("local_id", "local-id", [Text("type", "type"), Text("id", "id")]),
        Group("peer_id", "peer-id", [Text("type", "type"), Text("id", "id"), Text("matching", "matching")]),
        Text("ike_crypto_profile", "protocol/ikev2/ike-crypto-profile", when=_uses_ikev2),
        Text("ike_crypto_profile", "protocol/ikev1/ike-crypto-profile", when=_uses_ikev1),
        Text("exchange_mode", "protocol/ikev1/exchange-mode", device_default="auto", when=_uses_ikev1),
        YesNo("dpd", "protocol/ikev1/dpd/enable", default=True, when=_uses_ikev1),
        Integer("dpd_interval", "protocol/ikev1/dpd/interval", device_default=5, when=_uses_ikev1),
        Integer("dpd_retry", "protocol/ikev1/dpd/retry", device_default=5, when=_uses_ikev1),
        YesNo("liveness_check", "protocol/ikev2/dpd/enable", default=True, when=_uses_ikev2),
        Integer("liveness_interval", "protocol/ikev2/dpd/interval", device_default=5, when=_uses_ikev2),
        YesNo("cookie_validation", "protocol/ikev2/require-cookie", device_default=False, when=_uses_ikev2),
        YesNo("passive_mode", "protocol-common/passive-mode", device_default=False),
        YesNo("nat_traversal", "protocol-common/nat-traversal/enable", device_default=False),
        YesNo("fragmentation", "protocol-common/fragmentation/enable", device_default=False, when=_uses_ikev1),
        YesNo("disabled", "disabled", device_default=False, since=(7, 0, 0)),
    )

    def validate_item(self, item, path):
        errors = []
        peer_type = item.get("peer_type", "ip")
        peer = item.get("peer_address")
        if peer is not None and peer_type == "ip":
            errors += check.check_ip(peer, "%s.peer_address" % path)
        elif peer is not None and peer_type == "fqdn":
            errors += check.check_fqdn(peer, "%s.peer_address" % path)
        elif peer is not None and peer_type == "dynamic":
            errors.append("%s.peer_address: must be empty when peer_type is dynamic" % path)
        if item.get("local_ip") is not None:
            errors += check.check_interface_address(item["local_ip"], "%s.local_ip" % path)
        errors += check.check_range(item.get("dpd_interval"), 2, 100, "%s.dpd_interval" % path, "seconds")
        errors += check.check_range(item.get("dpd_retry"), 2, 100, "%s.dpd_retry" % path)
        errors += check.check_range(item.get("liveness_interval"), 2, 100, "%s.liveness_interval" % path, "seconds")
        psk = item.get("pre_shared_key")
        if psk is not None and not 1 <= len(psk) <= 255:
            errors.append("%s.pre_shared_key: must be 1 to 255 characters long" % path)
        return errors

    def validate_complete(self, desired, path, existing):
        errors = []
        action = "is new" if existing is None else "would be incomplete"
        for option in ("interface", "ike_crypto_profile", "pre_shared_key"):
            if not desired.get(option):
                errors.append("%s.%s: missing; IKE gateway %r %s without it" % (path, option, desired["name"], action))
        if desired.get("peer_type", "ip") != "dynamic" and not desired.get("peer_address"):
            errors.append(
                "%s.peer_address: missing; set the peer's address, or set peer_type to dynamic" % path
            )
        return errors
