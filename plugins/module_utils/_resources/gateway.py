# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""IKE gateways."""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils import _secrets as secrets
from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import Group, Integer, Secret, Text, Variant, YesNo
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource
from ansible_collections.ipsec.panos.plugins.module_utils._resources import reachability
from ansible_collections.ipsec.panos.plugins.module_utils._resources.common import check_length
from ansible_collections.ipsec.panos.plugins.module_utils._resources.crypto import GCM_CIPHERS

PSK = "pre-shared-key"
CERTIFICATE = "certificate"


def _version(item):
    return item.get("version") or "ikev1"


def _uses_ikev2(item):
    return _version(item) != "ikev1"


def _uses_ikev1(item):
    return _version(item) != "ikev2"


def _authentication(item):
    return item.get("authentication_type") or PSK


def _uses_psk(item):
    return _authentication(item) == PSK


def _uses_certificate(item):
    return _authentication(item) == CERTIFICATE


IDENTITY_FIELDS = [Text("type", "type"), Text("id", "id")]

CERTIFICATE_FIELDS = [
    Text("local_certificate", "local-certificate/name"),
    Text("certificate_profile", "certificate-profile"),
    YesNo("hash_and_url", "local-certificate/hash-and-url/enable", device_default=False),
    Text("base_url", "local-certificate/hash-and-url/base-url"),
    YesNo("use_management_as_source", "use-management-as-source", device_default=False),
    YesNo("allow_id_payload_mismatch", "allow-id-payload-mismatch", device_default=False),
    YesNo("strict_validation_revocation", "strict-validation-revocation", device_default=False),
]


class IkeGateway(EntryResource):
    label = "IKE gateway"
    container = "network/ike/gateway"
    name_max = 63
    fields = (
        Text("version", "protocol/version", default="ikev2", device_default="ikev1", since=(7, 0, 0)),
        Text("interface", "local-address/interface"),
        # An interface alone writes neither ip nor floating-ip, and PAN-OS then uses the interface's address.
        Variant("local_ip_type", "local-address", {"ip": "ip", "floating-ip": "floating-ip"}, value_option="local_ip"),
        Variant(
            "peer_type",
            "peer-address",
            {"ip": "ip", "fqdn": "fqdn", "dynamic": "dynamic"},
            value_option="peer_address",
            empty=("dynamic",),
            default="ip",
        ),
        Variant(
            "authentication_type",
            "authentication",
            {PSK: PSK, CERTIFICATE: CERTIFICATE},
            empty=(PSK, CERTIFICATE),
            default=PSK,
        ),
        Secret("pre_shared_key", "authentication/pre-shared-key/key", when=_uses_psk),
        Group("certificate", "authentication/certificate", CERTIFICATE_FIELDS, when=_uses_certificate),
        Group("local_id", "local-id", IDENTITY_FIELDS),
        Group("peer_id", "peer-id", IDENTITY_FIELDS + [Text("matching", "matching")]),
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
        Integer("nat_traversal_keepalive", "protocol-common/nat-traversal/keep-alive-interval", device_default=20),
        YesNo("nat_traversal_udp_checksum", "protocol-common/nat-traversal/udp-checksum-enable", device_default=False),
        YesNo("fragmentation", "protocol-common/fragmentation/enable", device_default=False, when=_uses_ikev1),
        YesNo("enable_ipv6", "ipv6", device_default=False, since=(7, 0, 0)),
        YesNo("disabled", "disabled", device_default=False, since=(7, 0, 0)),
        Text("comment", "comment"),
    )

    def __init__(self):
        # Encryption algorithms of each IKE crypto profile on the device, filled by parse_read.
        # None until a read, as in the rendered state, where the profile check is skipped.
        self.profile_ciphers = None

    # -- reading: the gateways and, in the same request, the IKE crypto profiles --------

    def profiles_container(self, scope):
        return "%s/network/ike/crypto-profiles/ike-crypto-profiles" % scope.root("device")

    def read_xpaths(self, scope):
        root = "%s/network" % scope.device_root
        return [
            self.container_xpath(scope),
            self.profiles_container(scope),
            # The local interfaces and routers, read only to warn about a gateway that
            # cannot reach its peer. Loopback, VLAN and tunnel interfaces are not read.
            root + "/interface/ethernet",
            root + "/interface/aggregate-ethernet",
            root + "/virtual-router",
        ]

    def parse_read(self, result, scope, context):
        have = super().parse_read(result, scope, context)
        self.profile_ciphers = {}
        profiles = self.find_container(result, "ike-crypto-profiles")
        if profiles is not None:
            for entry in profiles.findall("entry"):
                self.profile_ciphers[entry.get("name")] = xml.members_of(entry, "encryption") or []
        self.reachability = reachability.Reachability.from_result(result, self.find_container)
        return have

    # -- desired state -------------------------------------------------------

    def with_defaults(self, item, existing):
        return _complete(super().with_defaults(item, existing))

    def merge(self, existing_item, item):
        merged = super().merge(existing_item, item)
        if item.get("authentication_type") and item["authentication_type"] != _authentication(existing_item):
            # The device's settings of the old authentication type go with it.
            merged.pop("pre_shared_key" if item["authentication_type"] == CERTIFICATE else "certificate", None)
        if _uses_psk(merged) and item.get("peer_id") and "matching" not in item["peer_id"] and merged.get("peer_id"):
            # A peer ID given without matching replaces one that had it, which only certificates use.
            merged["peer_id"] = {k: v for k, v in merged["peer_id"].items() if k != "matching"}
        return _complete(merged)

    # -- validation ------------------------------------------------------------

    def validate_item(self, item, path):
        errors = _check_peer(item, path)
        errors += _check_local_address(item, path)
        errors += check.check_range(item.get("dpd_interval"), 2, 100, "%s.dpd_interval" % path, "seconds")
        errors += check.check_range(item.get("dpd_retry"), 2, 100, "%s.dpd_retry" % path)
        errors += check.check_range(item.get("liveness_interval"), 2, 100, "%s.liveness_interval" % path, "seconds")
        errors += check.check_range(
            item.get("nat_traversal_keepalive"), 10, 3600, "%s.nat_traversal_keepalive" % path, "seconds"
        )
        if not secrets.is_encrypted(item.get("pre_shared_key")):
            # An encrypted value is the device's own, carried over unchanged.
            errors += check_length(item.get("pre_shared_key"), 255, "%s.pre_shared_key" % path, minimum=1)
        errors += check_length(item.get("comment"), 1023, "%s.comment" % path)
        for option in ("local_id", "peer_id"):
            if item.get(option):
                errors += _check_identity(item[option], "%s.%s" % (path, option))
        errors += _check_certificate_options(item, path)
        # A merge may take the authentication type from the device. The engine checks the
        # merged object with this method again before it writes it.
        kind = item.get("authentication_type") or (PSK if item.get("pre_shared_key") is not None else None)
        return errors + _check_authentication(item, kind, path)

    def advise(self, desired, path):
        advice = []
        if desired.get("peer_type") == "dynamic" and not desired.get("passive_mode"):
            advice.append(
                "%s: IKE gateway %r has a dynamic peer but passive_mode is off; a gateway that accepts "
                "peers from any address should only respond, so set passive_mode to true" % (path, desired["name"])
            )
        known = getattr(self, "reachability", None)
        if known is not None:
            advice.extend(known.advise(desired, path))
        return advice

    def validate_complete(self, desired, path, existing):
        errors = []
        known = getattr(self, "reachability", None)
        if known is not None:
            errors.extend(known.errors(desired, path))
        action = "is new" if existing is None else "would be incomplete"
        required = ["interface", "ike_crypto_profile"] + (["pre_shared_key"] if _uses_psk(desired) else [])
        for option in required:
            if not desired.get(option):
                errors.append("%s.%s: missing; IKE gateway %r %s without it" % (path, option, desired["name"], action))
        if _uses_certificate(desired) and not (desired.get("certificate") or {}).get("local_certificate"):
            errors.append(
                "%s.certificate.local_certificate: missing; certificate authentication needs the name of a local "
                "certificate" % path
            )
        if desired.get("peer_type", "ip") != "dynamic" and not desired.get("peer_address"):
            errors.append("%s.peer_address: missing; set the peer's address, or set peer_type to dynamic" % path)
        # The device's options are read for the authentication type the gateway uses, so a
        # mismatch here comes from the task, or from a peer_id.matching stored with a pre-shared key.
        errors += _check_authentication(desired, _authentication(desired), path)
        errors += _check_dynamic_ikev1_peer(desired, path)
        errors += self._check_ikev1_profile(desired, path)
        return errors

    def _check_ikev1_profile(self, desired, path):
        """IKEv1 has no AES-GCM, so an IKEv1 gateway cannot use a profile that proposes it."""
        profile = desired.get("ike_crypto_profile")
        if _version(desired) != "ikev1" or self.profile_ciphers is None or profile not in self.profile_ciphers:
            return []
        gcm = [cipher for cipher in self.profile_ciphers[profile] if cipher in GCM_CIPHERS]
        if not gcm:
            return []
        return [
            "%s.ike_crypto_profile: IKE crypto profile %r proposes %s, which IKEv1 does not support; use a profile "
            "with CBC encryption, or set version to ikev2" % (path, profile, ", ".join(gcm))
        ]


def _complete(desired):
    """Make a local_ip given without local_ip_type an address of the interface."""
    if desired.get("local_ip") is not None and not desired.get("local_ip_type"):
        desired["local_ip_type"] = "ip"
    return desired


def _check_peer(item, path):
    peer_type = item.get("peer_type")
    peer = item.get("peer_address")
    if peer is None:
        return []
    if peer_type is None:
        # A merged task may leave peer_type to the device; the object as written is checked again.
        as_ip = check.check_ip(peer, "%s.peer_address" % path)
        if not as_ip or str(peer).startswith("$"):
            return as_ip
        if not check.check_fqdn(peer, path):
            return []
        return ["%s.peer_address: %r is neither an IP address nor a host name" % (path, peer)]
    if peer_type == "ip":
        errors = check.check_ip(peer, "%s.peer_address" % path)
        if errors and not check.check_fqdn(peer, path):
            errors = ["%s; for a host name set peer_type to fqdn" % errors[0]]
        return errors
    if peer_type == "fqdn":
        return check.check_fqdn(peer, "%s.peer_address" % path)
    return ["%s.peer_address: must be empty when peer_type is dynamic" % path]


def _check_local_address(item, path):
    errors = []
    if item.get("local_ip") is not None:
        errors += check.check_interface_address(item["local_ip"], "%s.local_ip" % path)
        errors += check_length(item["local_ip"], 63, "%s.local_ip" % path)
    elif item.get("local_ip_type"):
        errors.append(
            "%s.local_ip: missing; local_ip_type %s needs an address. Leave both out to use the interface's "
            "address" % (path, item["local_ip_type"])
        )
    return errors


def _check_identity(identity, path):
    """Check a local or peer IKE identity: its length, and the form that its type requires."""
    value = identity.get("id")
    errors = check_length(value, 1024, "%s.id" % path, minimum=1)
    if errors or value is None:
        return errors
    kind = identity.get("type")
    if kind == "ipaddr":
        errors += check.check_ip(value, "%s.id" % path)
    elif kind == "fqdn":
        errors += check.check_fqdn(value, "%s.id" % path)
    elif kind == "ufqdn" and "@" not in value and not value.startswith("$"):
        errors.append("%s.id: %r is not a user FQDN such as vpn@example.net" % (path, value))
    return errors


def _check_certificate_options(item, path):
    certificate = item.get("certificate") or {}
    errors = check_length(certificate.get("local_certificate"), 255, "%s.certificate.local_certificate" % path)
    errors += check_length(certificate.get("base_url"), 1024, "%s.certificate.base_url" % path)
    if certificate.get("hash_and_url") and not certificate.get("base_url"):
        errors.append("%s.certificate.base_url: missing; hash_and_url needs the base URL of the certificates" % path)
    if certificate.get("base_url") and certificate.get("hash_and_url") is False:
        errors.append("%s.certificate.base_url: only used when hash_and_url is true" % path)
    return errors


def _check_authentication(item, kind, path):
    """Reject options of the other authentication type than ``kind``."""
    errors = []
    if kind == CERTIFICATE and item.get("pre_shared_key") is not None:
        errors.append(
            "%s.pre_shared_key: only used with authentication_type pre-shared-key, not certificate" % path
        )
    if kind == PSK:
        if item.get("certificate"):
            errors.append(
                "%s.certificate: only used with authentication_type certificate; this gateway uses a pre-shared key"
                % path
            )
        if (item.get("peer_id") or {}).get("matching"):
            errors.append(
                "%s.peer_id.matching: only used with certificate authentication; with a pre-shared key give "
                "peer_id type and id alone" % path
            )
    return errors


def _check_dynamic_ikev1_peer(desired, path):
    """An IKEv1 responder cannot find the gateway of a dynamic peer in main mode, nor without its ID."""
    if _version(desired) != "ikev1" or desired.get("peer_type") != "dynamic":
        return []
    errors = []
    if (desired.get("exchange_mode") or "auto") == "main":
        errors.append(
            "%s.exchange_mode: main does not work for an IKEv1 gateway with a dynamic peer; use aggressive or auto"
            % path
        )
    if not desired.get("peer_id"):
        errors.append(
            "%s.peer_id: missing; an IKEv1 gateway with a dynamic peer needs the peer's ID to tell peers apart"
            % path
        )
    return errors
