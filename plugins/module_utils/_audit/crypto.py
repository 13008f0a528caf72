# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rules on IKE and IPsec crypto profiles (VPN-CRY-*).

Algorithm verdicts follow RFC 8247 (IKEv2) and RFC 8221 (ESP): DES, MD5 and DH group 1
are MUST NOT, 3DES, SHA-1 and DH groups 2 and 5 are on their way out. The profiles a
gateway or tunnel uses are checked; unused profiles only with ``include_unused``.
"""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils._audit.core import Hit, rule
from ansible_collections.ipsec.panos.plugins.module_utils._audit.model import DEFAULT_PROFILE, PREDEFINED_IKE, seconds_of

IKE_PROFILE = "ike_crypto_profile"
IPSEC_PROFILE = "ipsec_crypto_profile"
LABELS = {IKE_PROFILE: "IKE crypto profile", IPSEC_PROFILE: "IPsec crypto profile", "ike_gateway": "IKE gateway"}

# Spellings of PAN-OS releases before 7.0, read as today's names.
_OLD_SPELLINGS = {"aes128": "aes-128-cbc", "aes192": "aes-192-cbc", "aes256": "aes-256-cbc"}

WEAK_IKE_ENCRYPTION = {"des": "critical", "3des": "high"}
WEAK_IKE_HASH = {"md5": "critical", "sha1": "high"}
WEAK_DH_GROUPS = {"group1": "critical", "group2": "high", "group5": "high"}
WEAK_ESP_ENCRYPTION = {"des": "critical", "null": "critical", "3des": "high"}
WEAK_ESP_AUTHENTICATION = {"md5": "critical", "sha1": "medium"}
GCM = ("aes-128-gcm", "aes-256-gcm")
PREDEFINED_NAMES = tuple(PREDEFINED_IKE)

STRONG_IKE_PROPOSAL = "encryption [aes-256-cbc] (or [aes-256-gcm] on IKEv2 gateways), hash [sha256] or stronger, dh_group [group19] or [group20]"
STRONG_IPSEC_PROPOSAL = "esp_encryption [aes-256-gcm] with esp_authentication [none], dh_group group19 or group20"


def normalize(algorithms):
    return [_OLD_SPELLINGS.get(algorithm, algorithm) for algorithm in algorithms or []]


def profiles_to_check(config, kind):
    """Yield (name, profile, users) for each profile the rules look at, users being the referring objects."""
    table = config.ike_profiles if kind == IKE_PROFILE else config.ipsec_profiles
    tag = "ike-crypto-profile" if kind == IKE_PROFILE else "ipsec-crypto-profile"
    users = _profile_users(config, kind)
    for name in sorted(table):
        used = name in config.referenced[tag]
        if used or (config.include_unused and name not in PREDEFINED_NAMES):
            yield name, table[name], users.get(name, [])


def _profile_users(config, kind):
    users = {}
    if kind == IKE_PROFILE:
        for gateway in sorted(config.gateways):
            for profile in set(config.gateway_profiles(gateway).values()):
                users.setdefault(profile, []).append("ike_gateway %s" % gateway)
    else:
        for tunnel in sorted(config.tunnels):
            profile = config.tunnel_ipsec_profile(tunnel)
            if profile:
                users.setdefault(profile, []).append("ipsec_tunnel %s" % tunnel)
    return users


def _evidence(profile, users, **values):
    evidence = dict(values)
    evidence["used_by"] = users
    if profile.get("name") in PREDEFINED_NAMES:
        evidence["predefined"] = True
    return evidence


@rule(
    "VPN-CRY-001",
    "IKE crypto profile proposes DES",
    ("PANc", "8247"),
    {"des": ("critical", "critical", "critical")},
)
def ike_des(config):
    for name, profile, users in profiles_to_check(config, IKE_PROFILE):
        encryption = normalize(profile.get("encryption"))
        if "des" in encryption:
            yield Hit(
                "des", IKE_PROFILE, name,
                "IKE crypto profile %r proposes DES, which RFC 8247 forbids for IKEv2" % name,
                _evidence(profile, users, encryption=encryption),
                "Remove des from encryption of IKE crypto profile %r; use %s" % (name, STRONG_IKE_PROPOSAL),
            )


@rule(
    "VPN-CRY-002",
    "IKE crypto profile proposes 3DES",
    ("PANc", "77r1", "131A"),
    {"3des": ("high", "high", "high")},
)
def ike_3des(config):
    for name, profile, users in profiles_to_check(config, IKE_PROFILE):
        encryption = normalize(profile.get("encryption"))
        if "3des" in encryption:
            yield Hit(
                "3des", IKE_PROFILE, name,
                "IKE crypto profile %r proposes 3DES, which NIST SP 800-131A disallows for encryption after 2023" % name,
                _evidence(profile, users, encryption=encryption),
                "Remove 3des from encryption of IKE crypto profile %r; use [aes-256-cbc] or, with IKEv2 only, [aes-256-gcm]" % name,
            )


@rule(
    "VPN-CRY-003",
    "IKE crypto profile uses an MD5 or SHA-1 hash",
    ("PANc", "8247"),
    {"md5": ("critical", "critical", "critical"), "sha1": ("high", "high", "high")},
)
def ike_hash(config):
    for name, profile, users in profiles_to_check(config, IKE_PROFILE):
        hashes = profile.get("hash") or []
        weak = [value for value in hashes if value in WEAK_IKE_HASH]
        if weak:
            condition = "md5" if "md5" in weak else "sha1"
            yield Hit(
                condition, IKE_PROFILE, name,
                "IKE crypto profile %r uses the hash %s" % (name, ", ".join(weak)),
                _evidence(profile, users, hash=hashes),
                "Set hash of IKE crypto profile %r to [sha256] or stronger ([sha384] for long-lived tunnels); "
                "with GCM encryption use [non-auth]" % name,
            )


@rule(
    "VPN-CRY-004",
    "IKE crypto profile offers DH group 1, 2 or 5",
    ("8247", "77r1"),
    {"group1": ("critical", "critical", "critical"), "group2-5": ("high", "high", "high")},
)
def ike_dh_group(config):
    for name, profile, users in profiles_to_check(config, IKE_PROFILE):
        groups = profile.get("dh_group") or []
        weak = [group for group in groups if group in WEAK_DH_GROUPS]
        if weak:
            yield Hit(
                "group1" if "group1" in weak else "group2-5", IKE_PROFILE, name,
                "IKE crypto profile %r offers %s; the minimum is group14, and group19 or group20 is preferred" % (name, ", ".join(weak)),
                _evidence(profile, users, dh_group=groups),
                "Set dh_group of IKE crypto profile %r to [group20] or [group19] (group14 at least)" % name,
            )


@rule(
    "VPN-CRY-005",
    "IPsec crypto profile proposes DES, NULL or 3DES encryption",
    ("PANc", "8221"),
    {"des-null": ("critical", "critical", "critical"), "3des": ("high", "high", "high")},
)
def esp_encryption(config):
    for name, profile, users in profiles_to_check(config, IPSEC_PROFILE):
        encryption = normalize(profile.get("esp_encryption"))
        weak = [value for value in encryption if value in WEAK_ESP_ENCRYPTION]
        if weak:
            yield Hit(
                "3des" if weak == ["3des"] else "des-null", IPSEC_PROFILE, name,
                "IPsec crypto profile %r proposes ESP encryption %s" % (name, ", ".join(weak)),
                _evidence(profile, users, esp_encryption=encryption),
                "Set esp_encryption of IPsec crypto profile %r to [aes-256-gcm] with esp_authentication [none]" % name,
            )


@rule(
    "VPN-CRY-006",
    "IPsec crypto profile has weak or no ESP integrity",
    ("PANc", "8221"),
    {"md5": ("critical", "critical", "critical"), "sha1": ("medium", "medium", "high"), "no-integrity": ("critical", "critical", "critical")},
)
def esp_authentication(config):
    for name, profile, users in profiles_to_check(config, IPSEC_PROFILE):
        if profile.get("ah_authentication"):
            continue
        encryption = normalize(profile.get("esp_encryption"))
        authentication = profile.get("esp_authentication") or []
        cbc = [value for value in encryption if value not in GCM and value != "null"]
        evidence = _evidence(profile, users, esp_encryption=encryption, esp_authentication=authentication)
        if cbc and (not authentication or "none" in authentication):
            yield Hit(
                "no-integrity", IPSEC_PROFILE, name,
                "IPsec crypto profile %r can negotiate %s without an integrity algorithm, so ESP packets are not "
                "authenticated" % (name, ", ".join(cbc)),
                evidence,
                "Set esp_authentication of IPsec crypto profile %r to [sha256] or stronger, or use only GCM "
                "esp_encryption ([aes-256-gcm]) with esp_authentication [none]" % name,
            )
        weak = [value for value in authentication if value in WEAK_ESP_AUTHENTICATION]
        if weak:
            yield Hit(
                "md5" if "md5" in weak else "sha1", IPSEC_PROFILE, name,
                "IPsec crypto profile %r uses ESP authentication %s" % (name, ", ".join(weak)),
                evidence,
                "Set esp_authentication of IPsec crypto profile %r to [sha256] or stronger, or to [none] with "
                "esp_encryption [aes-256-gcm]" % name,
            )


@rule(
    "VPN-CRY-007",
    "IPsec crypto profile uses AH, which does not encrypt",
    ("PANc",),
    {"ah": ("high", "high", "high")},
)
def ipsec_ah(config):
    for name, profile, users in profiles_to_check(config, IPSEC_PROFILE):
        if profile.get("ah_authentication"):
            yield Hit(
                "ah", IPSEC_PROFILE, name,
                "IPsec crypto profile %r uses AH, which authenticates packets but leaves them unencrypted" % name,
                _evidence(profile, users, ah_authentication=profile["ah_authentication"]),
                "Replace ah_authentication of IPsec crypto profile %r with ESP: %s" % (name, STRONG_IPSEC_PROPOSAL),
            )


@rule(
    "VPN-CRY-008",
    "IPsec crypto profile turns PFS off",
    ("PANc", "77r1"),
    {"no-pfs": ("medium", "medium", "high")},
)
def ipsec_no_pfs(config):
    for name, profile, users in profiles_to_check(config, IPSEC_PROFILE):
        if profile.get("dh_group") == "no-pfs":
            yield Hit(
                "no-pfs", IPSEC_PROFILE, name,
                "IPsec crypto profile %r turns perfect forward secrecy off, so one broken IKE key exposes every "
                "child SA derived from it" % name,
                _evidence(profile, users, dh_group="no-pfs"),
                "Set dh_group of IPsec crypto profile %r to group20 or group19, the same group the peer uses" % name,
            )


@rule(
    "VPN-CRY-009",
    "IPsec crypto profile uses PFS group 1, 2 or 5",
    ("8247",),
    {"weak-pfs": ("high", "high", "high")},
)
def ipsec_weak_pfs(config):
    for name, profile, users in profiles_to_check(config, IPSEC_PROFILE):
        group = profile.get("dh_group")
        if group in WEAK_DH_GROUPS:
            yield Hit(
                "weak-pfs", IPSEC_PROFILE, name,
                "IPsec crypto profile %r uses PFS %s, below the group14 minimum" % (name, group),
                _evidence(profile, users, dh_group=group),
                "Set dh_group of IPsec crypto profile %r to group20 or group19 (group14 at least)" % name,
            )


@rule(
    "VPN-CRY-010",
    "A gateway or tunnel uses the predefined default crypto profile",
    ("PANc",),
    {"default": ("high", "high", "high")},
)
def default_profile(config):
    for name in sorted(config.gateways):
        for version, profile in sorted(config.gateway_profiles(name).items()):
            if profile != DEFAULT_PROFILE:
                continue
            implicit = not config.gateway_profile_slots.get(name, {}).get(version)
            yield Hit(
                "default", "ike_gateway", name,
                "IKE gateway %r uses the predefined IKE crypto profile 'default' for %s%s, which proposes 3DES, "
                "SHA-1 and DH group 2" % (name, version, " because it names no profile" if implicit else ""),
                {"version": config.gateway_version(name), "ike_crypto_profile": DEFAULT_PROFILE, "implicit": implicit, "ike_version_slot": version},
                "Create an IKE crypto profile with %s and set ike_crypto_profile of IKE gateway %r to it" % (STRONG_IKE_PROPOSAL, name),
            )
    for name in sorted(config.tunnels):
        if config.tunnel_ipsec_profile(name) != DEFAULT_PROFILE:
            continue
        implicit = not config.ipsec_profile_named.get(name, False)
        yield Hit(
            "default", "ipsec_tunnel", name,
            "IPsec tunnel %r uses the predefined IPsec crypto profile 'default'%s, which proposes 3DES, SHA-1 and "
            "PFS group 2" % (name, " because it names no profile" if implicit else ""),
            {"ipsec_crypto_profile": DEFAULT_PROFILE, "implicit": implicit},
            "Create an IPsec crypto profile with %s and set ipsec_crypto_profile of IPsec tunnel %r to it" % (STRONG_IPSEC_PROPOSAL, name),
        )


def _weak_values(kind, profile):
    """Return {option: (weak values, strong values)} for the proposal lists of a profile."""
    if kind == IKE_PROFILE:
        lists = {
            "encryption": (normalize(profile.get("encryption")), WEAK_IKE_ENCRYPTION),
            "hash": (profile.get("hash") or [], WEAK_IKE_HASH),
            "dh_group": (profile.get("dh_group") or [], WEAK_DH_GROUPS),
        }
    else:
        lists = {
            "esp_encryption": (normalize(profile.get("esp_encryption")), WEAK_ESP_ENCRYPTION),
            "esp_authentication": (profile.get("esp_authentication") or [], WEAK_ESP_AUTHENTICATION),
        }
    mixed = {}
    for option, (values, weak_table) in lists.items():
        weak = [value for value in values if value in weak_table]
        strong = [value for value in values if value not in weak_table and value != "none"]
        if weak and strong:
            mixed[option] = {"weak": weak, "strong": strong}
    return mixed


@rule(
    "VPN-CRY-011",
    "A crypto profile mixes strong and weak proposals, which allows a downgrade",
    ("77r1",),
    {"mixed": ("medium", "medium", "medium")},
)
def mixed_proposals(config):
    for kind in (IKE_PROFILE, IPSEC_PROFILE):
        for name, profile, users in profiles_to_check(config, kind):
            mixed = _weak_values(kind, profile)
            if not mixed:
                continue
            options = ", ".join("%s (%s)" % (option, ", ".join(values["weak"])) for option, values in sorted(mixed.items()))
            yield Hit(
                "mixed", kind, name,
                "%s %r offers weak proposals next to strong ones in %s; an attacker in the path or a weak peer can "
                "negotiate the weak one" % (LABELS[kind], name, options),
                _evidence(profile, users, **mixed),
                "Remove the weak values from %s of %s %r and keep only the strong ones" % (options, kind, name),
            )


@rule(
    "VPN-CRY-012",
    "Lifetimes out of bounds, or the IPsec lifetime not shorter than the IKE lifetime",
    ("77r1", "OPS"),
    {
        "ipsec-not-shorter": ("low", "low", "low"),
        "ike-bounds": (None, "low", "low"),
        "ipsec-bound": (None, "low", "low"),
    },
)
def lifetimes(config):
    for name, profile, users in profiles_to_check(config, IKE_PROFILE):
        seconds = seconds_of(profile.get("lifetime"))
        if seconds is not None and not 3600 <= seconds <= 86400:
            yield Hit(
                "ike-bounds", IKE_PROFILE, name,
                "IKE crypto profile %r has a lifetime of %s, outside 1 to 24 hours" % (name, profile.get("lifetime")),
                _evidence(profile, users, lifetime=profile.get("lifetime")),
                "Set lifetime of IKE crypto profile %r to a value from 1h to 24h, such as 8h" % name,
            )
    for name, profile, users in profiles_to_check(config, IPSEC_PROFILE):
        seconds = seconds_of(profile.get("lifetime"))
        if seconds is not None and seconds > 8 * 3600:
            yield Hit(
                "ipsec-bound", IPSEC_PROFILE, name,
                "IPsec crypto profile %r has a lifetime of %s, above 8 hours" % (name, profile.get("lifetime")),
                _evidence(profile, users, lifetime=profile.get("lifetime")),
                "Set lifetime of IPsec crypto profile %r to 8h or less, such as 1h" % name,
            )
    for name in sorted(config.tunnels):
        gateway_name = config.tunnels[name].get("ike_gateway")
        ipsec_name = config.tunnel_ipsec_profile(name)
        if gateway_name not in config.gateways or ipsec_name not in config.ipsec_profiles:
            continue
        ipsec_seconds = seconds_of(config.ipsec_profiles[ipsec_name].get("lifetime"))
        for _version, ike_name in sorted(config.gateway_profiles(gateway_name).items()):
            ike_seconds = seconds_of((config.ike_profiles.get(ike_name) or {}).get("lifetime"))
            if ipsec_seconds is None or ike_seconds is None or ipsec_seconds < ike_seconds:
                continue
            yield Hit(
                "ipsec-not-shorter", "ipsec_tunnel", name,
                "IPsec tunnel %r has an IPsec lifetime (%s, profile %r) not shorter than the IKE lifetime of its "
                "gateway %r (%s, profile %r), so child SAs rekey at or after the IKE SA"
                % (name, config.ipsec_profiles[ipsec_name].get("lifetime"), ipsec_name, gateway_name,
                   config.ike_profiles[ike_name].get("lifetime"), ike_name),
                {"ipsec_crypto_profile": ipsec_name, "ipsec_lifetime": config.ipsec_profiles[ipsec_name].get("lifetime"),
                 "ike_gateway": gateway_name, "ike_crypto_profile": ike_name, "ike_lifetime": config.ike_profiles[ike_name].get("lifetime")},
                "Set lifetime of IPsec crypto profile %r below that of IKE crypto profile %r (for example 1h against 8h)"
                % (ipsec_name, ike_name),
            )
            break


@rule(
    "VPN-CRY-013",
    "A lifetime differs from the intended peer value in the inventory",
    ("OPS",),
    {"lifetime": ("medium", "medium", "medium")},
)
def expected_lifetimes(config):
    for name in sorted(config.gateways):
        expected_lifetime = config.expected_gateway(name).get("ike_lifetime")
        if expected_lifetime is None:
            continue
        for _version, profile in sorted(config.gateway_profiles(name).items()):
            actual = (config.ike_profiles.get(profile) or {}).get("lifetime")
            if seconds_of(actual) is not None and seconds_of(actual) != seconds_of(expected_lifetime):
                yield Hit(
                    "lifetime", "ike_gateway", name,
                    "IKE gateway %r uses an IKE lifetime of %s (profile %r), but the peer expects %s; mismatched "
                    "lifetimes cause rekey failures and flaps" % (name, actual, profile, expected_lifetime),
                    {"ike_crypto_profile": profile, "lifetime": actual, "expected_lifetime": expected_lifetime},
                    "Set lifetime of IKE crypto profile %r to %s, or use a profile with that lifetime for gateway %r"
                    % (profile, expected_lifetime, name),
                )
                break
    for name in sorted(config.tunnels):
        expected_lifetime = config.expected_tunnel(name).get("ipsec_lifetime")
        profile = config.tunnel_ipsec_profile(name)
        if expected_lifetime is None or profile is None:
            continue
        actual = (config.ipsec_profiles.get(profile) or {}).get("lifetime")
        if seconds_of(actual) is not None and seconds_of(actual) != seconds_of(expected_lifetime):
            yield Hit(
                "lifetime", "ipsec_tunnel", name,
                "IPsec tunnel %r uses an IPsec lifetime of %s (profile %r), but the peer expects %s" % (name, actual, profile, expected_lifetime),
                {"ipsec_crypto_profile": profile, "lifetime": actual, "expected_lifetime": expected_lifetime},
                "Set lifetime of IPsec crypto profile %r to %s, or use a profile with that lifetime for tunnel %r" % (profile, expected_lifetime, name),
            )


CNSA_GROUPS = ("group20", "group15", "group16")
CNSA_HASHES = ("sha384", "sha512")


@rule(
    "VPN-CRY-014",
    "CNSA (RFC 9206): AES-256, group 20 (or 15/16), SHA-384 or stronger, certificate authentication",
    ("CNSA",),
    {
        "ike-encryption": (None, None, "high"),
        "ike-cbc": (None, None, "low"),
        "ike-hash": (None, None, "high"),
        "ike-dh": (None, None, "high"),
        "esp-encryption": (None, None, "high"),
        "esp-cbc": (None, None, "low"),
        "esp-authentication": (None, None, "high"),
        "pfs": (None, None, "high"),
        "authentication": (None, None, "high"),
    },
)
def cnsa(config):
    for name, profile, users in profiles_to_check(config, IKE_PROFILE):
        encryption = normalize(profile.get("encryption"))
        others = [value for value in encryption if value not in ("aes-256-gcm", "aes-256-cbc")]
        if others:
            yield _cnsa_hit("ike-encryption", IKE_PROFILE, name, "encryption %s is not AES-256" % ", ".join(others),
                            _evidence(profile, users, encryption=encryption), "Set encryption to [aes-256-gcm] (IKEv2) or [aes-256-cbc]")
        elif encryption and "aes-256-gcm" not in encryption:
            yield _cnsa_hit("ike-cbc", IKE_PROFILE, name, "encryption is AES-256-CBC, while CNSA prefers GCM",
                            _evidence(profile, users, encryption=encryption), "Set encryption to [aes-256-gcm] on IKEv2 gateways")
        gcm_only = bool(encryption) and all(value in GCM for value in encryption)
        hashes = profile.get("hash") or []
        bad_hashes = [value for value in hashes if value not in CNSA_HASHES and not (gcm_only and value == "non-auth")]
        if bad_hashes:
            yield _cnsa_hit("ike-hash", IKE_PROFILE, name, "hash %s is weaker than SHA-384" % ", ".join(bad_hashes),
                            _evidence(profile, users, hash=hashes), "Set hash to [sha384] (or [non-auth] with GCM encryption)")
        groups = profile.get("dh_group") or []
        bad_groups = [group for group in groups if group not in CNSA_GROUPS]
        if bad_groups:
            yield _cnsa_hit("ike-dh", IKE_PROFILE, name, "DH groups %s are not P-384 or 3072-bit MODP or larger" % ", ".join(bad_groups),
                            _evidence(profile, users, dh_group=groups), "Set dh_group to [group20] (or group15/group16 on PAN-OS 10.2+)")
    for name, profile, users in profiles_to_check(config, IPSEC_PROFILE):
        encryption = normalize(profile.get("esp_encryption"))
        authentication = profile.get("esp_authentication") or []
        others = [value for value in encryption if value not in ("aes-256-gcm", "aes-256-cbc")]
        if profile.get("ah_authentication") or others:
            yield _cnsa_hit("esp-encryption", IPSEC_PROFILE, name, "ESP encryption %s is not AES-256" % (", ".join(others) or "none (AH)"),
                            _evidence(profile, users, esp_encryption=encryption), "Set esp_encryption to [aes-256-gcm] and esp_authentication to [none]")
        elif encryption and "aes-256-gcm" not in encryption:
            yield _cnsa_hit("esp-cbc", IPSEC_PROFILE, name, "ESP encryption is AES-256-CBC, while CNSA prefers GCM",
                            _evidence(profile, users, esp_encryption=encryption), "Set esp_encryption to [aes-256-gcm] and esp_authentication to [none]")
        if any(value not in GCM for value in encryption):
            bad = [value for value in authentication if value not in CNSA_HASHES]
            if bad:
                yield _cnsa_hit("esp-authentication", IPSEC_PROFILE, name, "ESP authentication %s is weaker than SHA-384" % ", ".join(bad),
                                _evidence(profile, users, esp_authentication=authentication), "Set esp_authentication to [sha384], or use GCM")
        group = profile.get("dh_group")
        if group not in CNSA_GROUPS:
            yield _cnsa_hit("pfs", IPSEC_PROFILE, name, "PFS %s is not group20, group15 or group16" % group,
                            _evidence(profile, users, dh_group=group), "Set dh_group to group20")
    for name in sorted(config.gateways):
        gateway = config.gateways[name]
        if (gateway.get("authentication_type") or "pre-shared-key") != "certificate":
            yield _cnsa_hit("authentication", "ike_gateway", name, "authenticates with a pre-shared key, not a certificate",
                            {"authentication_type": gateway.get("authentication_type") or "pre-shared-key"},
                            "Set authentication_type to certificate with an ECDSA P-384 or RSA 3072-bit (or larger) local certificate")


def _cnsa_hit(condition, object_type, name, problem, evidence, fix):
    return Hit(
        condition, object_type, name,
        "%s %r does not meet CNSA: %s" % (LABELS[object_type], name, problem),
        evidence,
        "%s in %s %r" % (fix, object_type, name),
    )


@rule(
    "VPN-CRY-015",
    "An IKEv1 gateway uses an IKE profile with GCM, which only IKEv2 supports",
    ("PANc",),
    {"gcm-ikev1": ("high", "high", "high")},
)
def gcm_on_ikev1(config):
    for name in sorted(config.gateways):
        profile = config.gateway_profiles(name).get("ikev1")
        if profile is None:
            continue
        encryption = normalize((config.ike_profiles.get(profile) or {}).get("encryption"))
        gcm = [value for value in encryption if value in GCM]
        if gcm:
            yield Hit(
                "gcm-ikev1", "ike_gateway", name,
                "IKE gateway %r speaks IKEv1 with IKE crypto profile %r, which proposes %s; IKE GCM works only with IKEv2"
                % (name, profile, ", ".join(gcm)),
                {"version": config.gateway_version(name), "ike_crypto_profile": profile, "encryption": encryption},
                "Set version of IKE gateway %r to ikev2, or give its IKEv1 side a profile with CBC encryption ([aes-256-cbc])" % name,
            )
