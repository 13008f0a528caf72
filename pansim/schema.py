"""Write-time validation of names and values, per PAN-OS version and device model.

Rules are keyed by the tag path below the device root (``network/...``,
``vsys/entry/...``) or ``shared/...``, with ``entry`` for list items. The
same keys work inside a Panorama template, because the path is taken after
the last ``config/devices/entry`` of the full path.

Every version-dependent value set and element comes from ``pansim/versions.py``.
Enum values and numeric ranges follow the pan-os-codegen specs for PAN-OS
10.x and 11.x, and pan-os-python 1.13 for older releases. Name limits other
than the 63-character address limit come from the GUI help and are not
confirmed on a device, so they live in NAME_RULES where they are easy to change.
"""

import functools
import re
from dataclasses import dataclass

from pansim import templates, versions
from pansim.secrets import is_encrypted, is_secret_path
from pansim.versions import ANY_VERSION, parse_version  # noqa: F401 - parse_version is part of this module's API


# Rule types


@dataclass(frozen=True)
class Keywords:
    """An enumeration whose values may depend on the version family."""

    values: dict

    def check(self, value, version, path):
        bounds = self.values.get(value)
        if bounds is None or not bounds.includes(version):
            return f" {path} '{value}' is not an allowed keyword"
        return None


def keywords(*names):
    return Keywords({name: ANY_VERSION for name in names})


@dataclass(frozen=True)
class IntRange:
    low: int
    high: int

    def check(self, value, version, path):
        if not re.fullmatch(r"-?\d+", value or ""):
            return f" {path} '{value}' is not a valid integer"
        if not self.low <= int(value) <= self.high:
            return f" {path} '{value}' is out of range {self.low}-{self.high}"
        return None


@dataclass(frozen=True)
class MaxLength:
    """A text length limit. The message never repeats the value, which may be a secret."""

    maximum: int
    minimum: int = 1

    def check(self, value, version, path):
        length = len(value or "")
        if length > self.maximum:
            return f" {path} can be at most {self.maximum} characters, but current length: {length}"
        if length < self.minimum:
            return f" {path} must be at least {self.minimum} characters"
        return None


TUNNEL_UNIT_NAME = re.compile(r"^tunnel\.(\d{1,4})$")


def tunnel_unit_problem(name):
    """Return why ``name`` is not ``tunnel.N`` with N from 1 to 9999, or None."""
    match = TUNNEL_UNIT_NAME.match(name or "")
    if match and 1 <= int(match.group(1)) <= 9999:
        return None
    return "is not a valid tunnel interface name. Use tunnel.N with N from 1 to 9999"


@dataclass(frozen=True)
class TunnelUnitRef:
    def check(self, value, version, path):
        problem = tunnel_unit_problem(value)
        return f" {path} '{value}' {problem}" if problem else None


@dataclass(frozen=True)
class NameRule:
    """Limits on an entry name: maximum length, and optionally the character set."""

    maximum: int
    restricted_characters: bool = False
    tunnel_unit: bool = False


# Object roots, relative to the device (or shared) root

IKE_PROFILE = ("network", "ike", "crypto-profiles", "ike-crypto-profiles", "entry")
IPSEC_PROFILE = ("network", "ike", "crypto-profiles", "ipsec-crypto-profiles", "entry")
GATEWAY = ("network", "ike", "gateway", "entry")
TUNNEL = ("network", "tunnel", "ipsec", "entry")
PROXY_ID_V4 = TUNNEL + ("auto-key", "proxy-id", "entry")
PROXY_ID_V6 = TUNNEL + ("auto-key", "proxy-id-v6", "entry")
TUNNEL_UNIT = ("network", "interface", "tunnel", "units", "entry")
ETHERNET = ("network", "interface", "ethernet", "entry")
VIRTUAL_ROUTER = ("network", "virtual-router", "entry")
STATIC_ROUTE_V4 = VIRTUAL_ROUTER + ("routing-table", "ip", "static-route", "entry")
STATIC_ROUTE_V6 = VIRTUAL_ROUTER + ("routing-table", "ipv6", "static-route", "entry")
MONITOR_PROFILE = ("network", "profiles", "monitor-profile", "entry")
ZONE = ("vsys", "entry", "zone", "entry")
VSYS_ADDRESS = ("vsys", "entry", "address", "entry")
SHARED_ADDRESS = ("shared", "address", "entry")
SECURITY_RULE = ("vsys", "entry", "rulebase", "security", "rules", "entry")
NAT_RULE = ("vsys", "entry", "rulebase", "nat", "rules", "entry")

# Name limits. Only the address limit (63) is confirmed on a device.
NAME_RULES = {
    VSYS_ADDRESS: NameRule(63),
    SHARED_ADDRESS: NameRule(63),
    SECURITY_RULE: NameRule(63),
    NAT_RULE: NameRule(63),
    ZONE: NameRule(31, restricted_characters=True),
    IKE_PROFILE: NameRule(31, restricted_characters=True),
    IPSEC_PROFILE: NameRule(31, restricted_characters=True),
    VIRTUAL_ROUTER: NameRule(31, restricted_characters=True),
    GATEWAY: NameRule(63, restricted_characters=True),
    TUNNEL: NameRule(63, restricted_characters=True),
    PROXY_ID_V4: NameRule(63, restricted_characters=True),
    PROXY_ID_V6: NameRule(63, restricted_characters=True),
    STATIC_ROUTE_V4: NameRule(63, restricted_characters=True),
    STATIC_ROUTE_V6: NameRule(63, restricted_characters=True),
    TUNNEL_UNIT: NameRule(len("tunnel.9999"), tunnel_unit=True),
}

_RESTRICTED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")

# Crypto value sets; the releases that accept each keyword are in pansim/versions.py.
IKE_DH_GROUP = Keywords(versions.IKE_DH_GROUPS)
IKE_HASH = Keywords(versions.IKE_HASHES)
IKE_ENCRYPTION = Keywords(versions.IKE_ENCRYPTIONS)
ESP_ENCRYPTION = Keywords(versions.ESP_ENCRYPTIONS)
ESP_AUTHENTICATION = keywords("none", "md5", "sha1", "sha256", "sha384", "sha512")
AH_AUTHENTICATION = keywords("md5", "sha1", "sha256", "sha384", "sha512")
IPSEC_DH_GROUP = Keywords(versions.IPSEC_DH_GROUPS)
MANUAL_KEY_ESP_ALGORITHM = keywords("des", "3des", "aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "null")
YES_NO = keywords("yes", "no")
ID_TYPES = keywords("ipaddr", "fqdn", "ufqdn", "keyid", "dn")
GCM_CIPHERS = frozenset({"aes-128-gcm", "aes-256-gcm"})

LIFETIME = {
    "seconds": IntRange(180, 65535),
    "minutes": IntRange(3, 65535),
    "hours": IntRange(1, 65535),
    "days": IntRange(1, 365),
}
LIFESIZE = {unit: IntRange(1, 65535) for unit in ("kb", "mb", "gb", "tb")}
PORT = IntRange(0, 65535)


def _lifetime_rules(prefix):
    rules = {prefix + ("lifetime", unit): rule for unit, rule in LIFETIME.items()}
    return rules


def _proxy_id_rules(prefix):
    rules = {prefix + ("protocol", "number"): IntRange(1, 254)}
    for protocol in ("tcp", "udp"):
        for port in ("local-port", "remote-port"):
            rules[prefix + ("protocol", protocol, port)] = PORT
    return rules


def _static_route_rules(prefix):
    return {
        prefix + ("admin-dist",): IntRange(10, 240),
        prefix + ("metric",): IntRange(1, 65535),
        prefix + ("path-monitor", "hold-time"): IntRange(0, 1440),
        prefix + ("path-monitor", "failure-condition"): keywords("any", "all"),
        prefix + ("path-monitor", "enable"): YES_NO,
    }


def _build_leaf_rules():
    rules = {
        IKE_PROFILE + ("dh-group", "member"): IKE_DH_GROUP,
        IKE_PROFILE + ("hash", "member"): IKE_HASH,
        IKE_PROFILE + ("encryption", "member"): IKE_ENCRYPTION,
        IKE_PROFILE + ("authentication-multiple",): IntRange(0, 50),
        IPSEC_PROFILE + ("esp", "encryption", "member"): ESP_ENCRYPTION,
        IPSEC_PROFILE + ("esp", "authentication", "member"): ESP_AUTHENTICATION,
        IPSEC_PROFILE + ("ah", "authentication", "member"): AH_AUTHENTICATION,
        IPSEC_PROFILE + ("dh-group",): IPSEC_DH_GROUP,
        GATEWAY + ("protocol", "version"): keywords("ikev1", "ikev2", "ikev2-preferred"),
        GATEWAY + ("protocol", "ikev1", "exchange-mode"): keywords("auto", "main", "aggressive"),
        GATEWAY + ("protocol", "ikev1", "dpd", "interval"): IntRange(2, 100),
        GATEWAY + ("protocol", "ikev1", "dpd", "retry"): IntRange(2, 100),
        GATEWAY + ("protocol", "ikev1", "dpd", "enable"): YES_NO,
        GATEWAY + ("protocol", "ikev2", "dpd", "interval"): IntRange(2, 100),
        GATEWAY + ("protocol", "ikev2", "dpd", "enable"): YES_NO,
        GATEWAY + ("protocol", "ikev2", "require-cookie"): YES_NO,
        # The pq-ppk leaves and values are reconstructed from CLI transcripts of PAN-OS 11.1 and later.
        GATEWAY + ("protocol", "ikev2", "pq-ppk", "enabled"): YES_NO,
        GATEWAY + ("protocol", "ikev2", "pq-ppk", "negotiation-mode"): keywords("mandatory", "preferred"),
        GATEWAY + ("protocol-common", "nat-traversal", "keep-alive-interval"): IntRange(10, 3600),
        GATEWAY + ("protocol-common", "nat-traversal", "enable"): YES_NO,
        GATEWAY + ("protocol-common", "fragmentation", "enable"): YES_NO,
        GATEWAY + ("protocol-common", "passive-mode"): YES_NO,
        GATEWAY + ("authentication", "pre-shared-key", "key"): MaxLength(255),
        GATEWAY + ("local-id", "type"): ID_TYPES,
        GATEWAY + ("peer-id", "type"): ID_TYPES,
        GATEWAY + ("local-id", "id"): MaxLength(1024),
        GATEWAY + ("peer-id", "id"): MaxLength(1024),
        GATEWAY + ("peer-id", "matching"): keywords("exact", "wildcard"),
        GATEWAY + ("peer-address", "fqdn"): MaxLength(255),
        GATEWAY + ("local-address", "ip"): MaxLength(63),
        GATEWAY + ("disabled",): YES_NO,
        GATEWAY + ("ipv6",): YES_NO,
        TUNNEL + ("tunnel-interface",): TunnelUnitRef(),
        TUNNEL + ("anti-replay-window",): keywords("64", "128", "256", "512", "1024", "2048", "4096"),
        TUNNEL + ("ipsec-mode",): keywords("tunnel", "transport"),
        TUNNEL + ("comment",): MaxLength(1023),
        TUNNEL + ("anti-replay",): YES_NO,
        TUNNEL + ("copy-tos",): YES_NO,
        TUNNEL + ("copy-flow-label",): YES_NO,
        TUNNEL + ("disabled",): YES_NO,
        TUNNEL + ("ipv6",): YES_NO,
        TUNNEL + ("tunnel-monitor", "enable"): YES_NO,
        TUNNEL + ("manual-key", "esp", "encryption", "algorithm"): MANUAL_KEY_ESP_ALGORITHM,
        TUNNEL_UNIT + ("mtu",): IntRange(576, 9216),
        TUNNEL_UNIT + ("comment",): MaxLength(1023),
        TUNNEL_UNIT + ("interface-management-profile",): MaxLength(31),
        MONITOR_PROFILE + ("action",): keywords("wait-recover", "fail-over"),
    }
    rules.update(_lifetime_rules(IKE_PROFILE))
    rules.update(_lifetime_rules(IPSEC_PROFILE))
    rules.update({IPSEC_PROFILE + ("lifesize", unit): rule for unit, rule in LIFESIZE.items()})
    rules.update(_proxy_id_rules(PROXY_ID_V4))
    rules.update(_proxy_id_rules(PROXY_ID_V6))
    rules.update(_static_route_rules(STATIC_ROUTE_V4))
    rules.update(_static_route_rules(STATIC_ROUTE_V6))
    return rules


LEAF_RULES = _build_leaf_rules()

# Schema choices: at most one tag of each group may be present under the parent.
LIFETIME_UNITS = frozenset(LIFETIME)
NEXTHOP_KINDS = frozenset({"ip-address", "ipv6-address", "discard", "next-vr", "fqdn", "receive"})
PROXY_ID_PROTOCOLS = frozenset({"any", "number", "tcp", "udp"})
CHOICES = {
    GATEWAY + ("peer-address",): (frozenset({"ip", "dynamic", "fqdn"}),),
    GATEWAY + ("local-address",): (frozenset({"ip", "floating-ip"}),),
    GATEWAY + ("authentication",): (frozenset({"pre-shared-key", "certificate"}),),
    IKE_PROFILE + ("lifetime",): (LIFETIME_UNITS,),
    IPSEC_PROFILE: (frozenset({"esp", "ah"}),),
    IPSEC_PROFILE + ("lifetime",): (LIFETIME_UNITS,),
    IPSEC_PROFILE + ("lifesize",): (frozenset(LIFESIZE),),
    TUNNEL: (frozenset({"auto-key", "manual-key", "global-protect-satellite"}),),
    PROXY_ID_V4 + ("protocol",): (PROXY_ID_PROTOCOLS,),
    PROXY_ID_V6 + ("protocol",): (PROXY_ID_PROTOCOLS,),
    STATIC_ROUTE_V4 + ("nexthop",): (NEXTHOP_KINDS,),
    STATIC_ROUTE_V6 + ("nexthop",): (NEXTHOP_KINDS,),
    ZONE + ("network",): (frozenset({"tap", "virtual-wire", "layer2", "layer3", "external", "tunnel"}),),
    ETHERNET: (
        frozenset({"layer3", "layer2", "virtual-wire", "tap", "ha", "decrypt-mirror", "aggregate-group", "log-card"}),
    ),
}

# Template and template-stack variables, and the per-device overrides of a stack.
VARIABLE_ENTRIES = frozenset(
    [(kind, "entry", "variable", "entry") for kind in templates.TEMPLATE_KINDS]
    + [("template-stack", "entry", "devices", "entry", "variable", "entry")]
)
VARIABLE_TYPES = frozenset(versions.TEMPLATE_VARIABLE_TYPES)
CHOICES.update({key + ("type",): (VARIABLE_TYPES,) for key in VARIABLE_ENTRIES})
VARIABLE_TYPE_PARENTS = frozenset(key + ("type",) for key in VARIABLE_ENTRIES)


# Paths


def _device_root_end(tags):
    """Return the index just past the last device or shared root, and whether it is shared.

    The device root is ``config/devices/entry`` and the shared root is
    ``config/shared``. The result is (None, False) when the path has neither.
    """
    found = (None, False)
    for i, tag in enumerate(tags):
        if tag != "config":
            continue
        if tuple(tags[i + 1:i + 3]) == ("devices", "entry"):
            found = (i + 3, False)
        elif tuple(tags[i + 1:i + 2]) == ("shared",):
            found = (i + 1, True)
    return found


def relative_location(location):
    """Return the part of a location below the device root, or None outside one."""
    tags = [tag for tag, _ in location]
    end, _shared = _device_root_end(tags)
    if end is None:
        return None
    return tuple(location[end:])


def rule_key(location):
    """Return the tag path below the device root that rules are keyed by, or None outside one."""
    return _rule_key_of_tags(tuple(tag for tag, _ in location))


@functools.lru_cache(maxsize=4096)
def _rule_key_of_tags(tags):
    # Tag paths repeat across the entries of a large configuration, so the cache saves most scans.
    end, _shared = _device_root_end(tags)
    return None if end is None else tags[end:]


def display_path(location):
    """Render a location the way device messages do: ``gateway -> gw1 -> protocol``.

    The path starts at the list that contains the first named object. Member
    steps are left out because the message quotes the member value.
    """
    relative = relative_location(location) or tuple(location)
    start = 2 if tuple(tag for tag, _ in relative[:2]) == ("vsys", "entry") else 0

    # Without a named entry (a list itself), the message names only the list.
    anchor = max(len(relative) - 1, start)
    for i in range(start, len(relative)):
        if relative[i][0] == "entry" and relative[i][1] is not None:
            anchor = max(i - 1, start)
            break

    words = []
    for tag, name in relative[anchor:]:
        if tag == "member":
            continue
        words.append(name if tag == "entry" and name is not None else tag)
    return " -> ".join(words)


# Validation


class Schema:
    """Validation rules for one PAN-OS version on a firewall or a Panorama."""

    def __init__(self, sw_version, panorama=False):
        self.version = parse_version(sw_version)
        self.panorama = panorama

    def _in_template(self, location):
        return self.panorama and templates.template_scope(location) is not None

    def element_problem(self, location, key=None):
        """Return "<path> unexpected here" for an element that this version or model lacks, else None."""
        if len(location) in (2, 4):
            problem = templates.model_root_problem(location, self.panorama)
            if problem:
                return problem

        key = rule_key(location) if key is None else key
        bounds = versions.VERSIONED_ELEMENTS.get(key)
        if bounds is not None and not bounds.includes(self.version):
            return f" {display_path(location)} unexpected here"
        if key is not None and key[:-1] in VARIABLE_TYPE_PARENTS:
            bounds = versions.TEMPLATE_VARIABLE_TYPES.get(key[-1])
            if bounds is None or not bounds.includes(self.version):
                return f" {display_path(location)} unexpected here"
        return None

    def name_problem(self, location, key=None):
        """Return an error line for the entry name at the end of ``location``, or None."""
        key = rule_key(location) if key is None else key
        name = location[-1][1]
        if name is None:
            return None
        if key in VARIABLE_ENTRIES:
            return templates.variable_name_problem(name)
        if key in templates.ADDRESS_ENTRIES and templates.is_variable(name):
            return templates.variable_use_problem(display_path(location[:-1]), name, self._in_template(location))

        rule = NAME_RULES.get(key)
        if rule is None:
            return None
        container = display_path(location[:-1])
        if rule.tunnel_unit:
            problem = tunnel_unit_problem(name)
            return f" {container} '{name}' {problem}" if problem else None
        if len(name) > rule.maximum:
            return f" {name} can be at most {rule.maximum} characters, but current length: {len(name)}"
        if rule.restricted_characters and not _RESTRICTED_NAME.match(name):
            return (
                f" {container} '{name}' is not a valid name. Use letters, digits, spaces, hyphens, "
                "underscores and periods, starting with a letter or digit"
            )
        return None

    def leaf_problem(self, location, value, key=None):
        key = rule_key(location) if key is None else key
        if value is None:
            return None
        if key in templates.ADDRESS_LEAVES and templates.is_variable(value):
            return templates.variable_use_problem(display_path(location), value, self._in_template(location))
        if key is not None and key[:-2] in VARIABLE_ENTRIES and key[-2] == "type":
            return templates.variable_value_problem(display_path(location), key[-1], value)

        rule = LEAF_RULES.get(key)
        if rule is None:
            return None
        return rule.check(value, self.version, display_path(location))

    def choice_problems(self, location, node, key=None):
        problems = []
        for group in CHOICES.get(rule_key(location) if key is None else key, ()):
            present = [child.tag for child in node.children if child.tag in group]
            if len(set(present)) > 1:
                extra = next(tag for tag in present if tag != present[0])
                problems.append(f" {display_path(location)} -> {extra} unexpected here")
        return problems

    def check_location(self, location):
        """Check the elements and entry names an xpath names (set creates them when missing)."""
        problems = []
        for i in range(1, len(location) + 1):
            prefix = location[:i]
            key = rule_key(prefix)
            problem = self.element_problem(prefix, key) or self.name_problem(prefix, key)
            if problem:
                problems.append(problem)
        return problems

    def check_element(self, parent_location, node):
        """Check an incoming element and its subtree placed under ``parent_location``."""
        location = tuple(parent_location) + ((node.tag, node.attrib.get("name")),)
        key = rule_key(location)

        # An element the version or model lacks is reported once, without its subtree.
        unexpected = self.element_problem(location, key)
        if unexpected:
            return [unexpected]

        problems = []
        name_problem = self.name_problem(location, key)
        if name_problem:
            problems.append(name_problem)

        if node.children:
            problems.extend(self.choice_problems(location, node, key))
            for child in node.children:
                problems.extend(self.check_element(location, child))
        elif not self._is_stored_secret(location, node.text):
            leaf_problem = self.leaf_problem(location, node.text, key)
            if leaf_problem:
                problems.append(leaf_problem)
        return problems

    @staticmethod
    def _is_stored_secret(location, value):
        """Return True for an encrypted secret (read back and written again), which skips the plaintext limits."""
        return is_encrypted(value) and is_secret_path(tuple(tag for tag, _ in location))

    def conflicting_tags(self, parent, tag):
        """Return the sibling tags that adding ``tag`` under ``parent`` replaces."""
        location = tuple((node.tag, node.attrib.get("name")) for node in parent.ancestors_and_self())
        for group in CHOICES.get(rule_key(location), ()):
            if tag in group:
                return group - {tag}
        return ()

    def allowed_keywords(self, keyword_rule):
        return versions.allowed(keyword_rule.values, self.version)
