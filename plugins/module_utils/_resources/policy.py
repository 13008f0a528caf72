# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Security rules and NAT-exempt rules of a vsys rulebase, and where they sit in it.

PAN-OS evaluates both rulebases from the top and applies the first rule that matches,
so a rule's place matters as much as its content. A security rule goes where the
task's ``position`` puts it. A NAT-exempt rule goes above the first source-NAT rule
that would otherwise translate the same VPN traffic.
"""

from __future__ import annotations

import re
import traceback

try:
    import netaddr
except ImportError:
    HAS_NETADDR = False
    NETADDR_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_NETADDR = True
    NETADDR_IMPORT_ERROR = None

from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._connection import DeviceError
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import Field, Members, Text, YesNo
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource

ANY = "any"
POSITIONS = ("top", "bottom", "before", "after")
SECURITY_ACTIONS = ("allow", "deny", "drop", "reset-client", "reset-server", "reset-both")
RULE_TYPES = ("universal", "intrazone", "interzone")

# Name limits. The GUI help gives 31 characters for zones and 127 for tags. Address objects
# take 63, because a device rejects a 64-character name with code 12.
ZONE_NAME_MAX = 31
ADDRESS_NAME_MAX = 63
TAG_NAME_MAX = 127
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")
# Object names cannot contain ':' or '/', so a value with either is an address. A value of
# only digits and dots (and one '-' for a range) is read as an IPv4 address too.
_IPV4_LIKE = re.compile(r"^[0-9.]+(/[0-9]+)?(-[0-9.]+)?$")

ADDRESS_TYPES = ("ip-netmask", "ip-range", "ip-wildcard", "fqdn")
TRANSLATIONS = ("source-translation", "destination-translation", "dynamic-destination-translation")


def _require_netaddr():
    if not HAS_NETADDR:
        raise ImportError(NETADDR_IMPORT_ERROR)


# -- field types ----------------------------------------------------------------


class MemberSet(Members):
    """A ``<member>`` list whose order means nothing to PAN-OS, such as a rule's zones."""

    def canonical(self, value):
        if not value:
            return None
        return sorted(set(str(member) for member in value))


class AddressSet(MemberSet):
    """A rule's source or destination. A bare IP compares equal to its host prefix."""

    def canonical(self, value):
        if not value:
            return None
        return sorted(set(canonical_address(member) for member in value))


class ProfileGroup(Field):
    """The security profile group of a rule, ``profile-setting/group``.

    A group and individual profiles exclude each other, so writing a group removes
    ``profile-setting/profiles``. Individual profiles are otherwise left untouched.
    """

    def parse(self, entry):
        members = xml.members_of(entry, self.path)
        return members[0] if members else None

    def render(self, entry, value):
        xml.remove_path(entry, "profile-setting/profiles")
        node = xml.ensure_path(entry, self.path)
        xml.ET.SubElement(node, "member").text = str(value)


def looks_like_address(text):
    """Tell whether a member is meant as an IP address, prefix or range rather than an object name."""
    return ":" in text or "/" in text or bool(_IPV4_LIKE.match(text))


def canonical_address(value):
    """Return a bare IP address as its host prefix; leave prefixes, ranges and names as they are."""
    text = str(value).strip()
    if "/" in text or "-" in text or not looks_like_address(text):
        return text
    _require_netaddr()
    try:
        address = netaddr.IPAddress(text)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return text
    return "%s/%d" % (address, 32 if address.version == 4 else 128)


# -- input checks ------------------------------------------------------------------


def check_members(values, path):
    """Check a member list: not empty, and ``any`` only on its own."""
    if values is None:
        return []
    if not values:
        return ["%s: empty list; give at least one member, or [any]" % path]
    if ANY in values and len(values) > 1:
        others = [v for v in values if v != ANY]
        return ["%s: 'any' cannot be combined with other members (%s); use [any] alone or list only the members" % (path, ", ".join(others))]
    return []


def check_zones(values, path):
    errors = check_members(values, path)
    for index, zone in enumerate(values or []):
        if zone == ANY:
            continue
        where = "%s[%d]" % (path, index)
        if len(zone) > ZONE_NAME_MAX:
            errors.append("%s: %r is %d characters long; a zone name can be at most %d" % (where, zone, len(zone), ZONE_NAME_MAX))
        if not _NAME_PATTERN.match(zone):
            errors.append(
                "%s: %r is not a valid zone name; start with a letter or digit and use only letters, digits, "
                "spaces, '-', '_' and '.'" % (where, zone)
            )
    return errors


def check_address(value, path):
    """Check one address: an IP address, a prefix without host bits, a range ``first-last``, or an object name."""
    text = str(value).strip()
    if text == ANY:
        return []
    if looks_like_address(text) and "-" in text:
        return _check_range(text, path)
    if looks_like_address(text):
        return check.check_prefix(text, path)
    if len(text) > ADDRESS_NAME_MAX or not _NAME_PATTERN.match(text):
        return [
            "%s: %r is neither an IP address, a prefix (10.1.0.0/16) or a range (10.1.0.1-10.1.0.9) nor a valid "
            "address object name (at most %d characters: letters, digits, spaces, '-', '_' and '.')"
            % (path, value, ADDRESS_NAME_MAX)
        ]
    return []


def _check_range(text, path):
    _require_netaddr()
    first, last = (part.strip() for part in text.split("-", 1))
    try:
        low, high = netaddr.IPAddress(first), netaddr.IPAddress(last)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return ["%s: %r is not a valid address range such as 10.1.0.1-10.1.0.9" % (path, text)]
    if low.version != high.version:
        return ["%s: range %r mixes IPv4 and IPv6" % (path, text)]
    if low > high:
        return ["%s: range %r ends before it starts; write the lower address first" % (path, text)]
    return []


def check_addresses(values, path):
    errors = check_members(values, path)
    for index, value in enumerate(values or []):
        errors += check_address(value, "%s[%d]" % (path, index))
    return errors


def check_position(item, path):
    """Check ``position`` and ``reference_rule`` of one rule: a known keyword, and a reference exactly when needed."""
    position = item.get("position")
    reference = item.get("reference_rule")
    if position is None:
        if reference is not None:
            return ["%s.reference_rule: only used with position before or after; set position too" % path]
        return []
    if position not in POSITIONS:
        return ["%s.position: %r is not a position; use one of %s" % (path, position, ", ".join(POSITIONS))]
    if position in ("top", "bottom"):
        if reference is not None:
            return ["%s.reference_rule: not used with position %s; remove it, or use before or after" % (path, position)]
        return []
    if not reference:
        return ["%s.reference_rule: required with position %s; name the rule to place this one %s" % (path, position, position)]
    if reference == item.get("name"):
        return ["%s.reference_rule: %r is this rule itself; a rule cannot be placed %s itself" % (path, reference, position)]
    return []


def check_task_options(params, label):
    """Check the task-wide options of a rule module before any request is made, and return the errors."""
    errors = []
    if params.get("template") or params.get("template_stack"):
        errors.append(
            "template, template_stack: a %s lives in the rulebase of a firewall vsys; Panorama keeps rules in "
            "device groups, which this module does not manage" % label
        )
    tag = params.get("managed_tag")
    state = params.get("state")
    vsys = params.get("vsys") or "vsys1"
    if tag is not None and not 1 <= len(tag) <= TAG_NAME_MAX:
        errors.append("managed_tag: a tag name must be 1 to %d characters long" % TAG_NAME_MAX)
    if state == "overridden" and not tag:
        errors.append(
            "managed_tag: required with state=overridden. Without it, overridden would delete every %s in vsys %s "
            "that config does not list, including rules that other people or tools manage. Set managed_tag to "
            "a tag that only the rules of this task carry; overridden then deletes only rules with that tag"
            % (label, vsys)
        )
    if state == "deleted" and not params.get("config") and not tag:
        errors.append(
            "managed_tag: required with state=deleted and no config. Without it, the task would delete every %s "
            "in vsys %s. Set managed_tag to delete only the rules with that tag, or list the rules in config"
            % (label, vsys)
        )
    return errors


def run_rule_module(module, resource_class):
    """Check the task-wide options, then run the resource engine for a rule module."""
    from ansible_collections.ipsec.panos.plugins.module_utils._engine import run_resource_module

    errors = check_task_options(module.params, resource_class.label)
    if errors:
        module.fail_json(msg="Invalid input: %s" % "; ".join(errors), errors=errors)
    run_resource_module(module, resource_class.from_params(module.params))


# -- security rule order -------------------------------------------------------------


class Move:
    """One ``move`` action: put ``rule`` at the top or bottom, or directly before or after ``reference``."""

    def __init__(self, rule, where, reference=None):
        self.rule = rule
        self.where = where
        self.reference = reference

    def attributes(self):
        attributes = {"where": self.where}
        if self.reference is not None:
            attributes["dst"] = self.reference
        return attributes

    def __repr__(self):
        return "Move(%r, %r, %r)" % (self.rule, self.where, self.reference)

    def __eq__(self, other):
        return isinstance(other, Move) and (self.rule, self.where, self.reference) == (other.rule, other.where, other.reference)


def _move_holds(order, move):
    index = order.index(move.rule)
    if move.where == "top":
        return index == 0
    if move.where == "bottom":
        return index == len(order) - 1
    if move.where == "before":
        return index + 1 < len(order) and order[index + 1] == move.reference
    return index > 0 and order[index - 1] == move.reference


def apply_move(order, move):
    """Apply ``move`` to a list of rule names the way PAN-OS applies a move action."""
    order.remove(move.rule)
    if move.where == "top":
        order.insert(0, move.rule)
    elif move.where == "bottom":
        order.append(move.rule)
    elif move.where == "before":
        order.insert(order.index(move.reference), move.rule)
    else:
        order.insert(order.index(move.reference) + 1, move.rule)


def plan_rule_order(current, placements, created=()):
    """Work out the rule order a task requests, and the fewest moves that reach it from ``current``.

    ``current`` lists the rulebase in order. ``created`` lists the rules the task creates,
    which PAN-OS appends at the bottom. ``placements`` lists ``(rule, where, reference)``
    in task order. Rules of one task that share a position keep task order: two rules
    ``before: X`` end up directly above X in the order the task lists them, and so do
    two rules ``top``.

    Returns ``(target, moves, errors)``. ``errors`` maps a rule to what is wrong with its
    reference; then ``moves`` is empty. Rules the task does not place keep their order.
    When ``current`` already is the target, ``moves`` is empty.
    """
    start = list(current) + [name for name in created if name not in current]
    requested = {name: (where, reference) for name, where, reference in placements}
    target = [name for name in start if name not in requested]
    errors = {}
    pending = set(requested)
    group_tail = {}

    for name, where, reference in placements:
        pending.discard(name)
        if where in ("before", "after") and reference not in target:
            if reference in pending:
                errors[name] = "reference rule %r is placed later in this task; list %r before %r in config" % (reference, reference, name)
            elif reference in requested:
                errors[name] = "reference rule %r has no place itself, because of the error in its own position" % reference
            else:
                errors[name] = "reference rule %r does not exist in the rulebase" % reference
            continue
        key = (where, reference)
        if where == "top":
            index = target.index(group_tail[key]) + 1 if key in group_tail else 0
        elif where == "bottom":
            index = len(target)
        elif where == "before":
            index = target.index(reference)
        else:
            index = target.index(group_tail.get(key, reference)) + 1
        target.insert(index, name)
        group_tail[key] = name

    if errors:
        return target, [], errors

    # Each placed rule is tied to its neighbour in the target, in target order. Rules
    # the task does not place never move, and a later move never comes between a rule
    # and the neighbour it was tied to, so the moves end exactly at the target.
    order = list(start)
    moves = []
    for index, name in enumerate(target):
        if name not in requested:
            continue
        where, reference = requested[name]
        following = target[index + 1] if index + 1 < len(target) else None
        if index == 0:
            move = Move(name, "top")
        elif where == "before" and following == reference and following not in requested:
            move = Move(name, "before", following)
        elif where == "bottom" and following is None:
            move = Move(name, "bottom")
        else:
            move = Move(name, "after", target[index - 1])
        if _move_holds(order, move):
            continue
        apply_move(order, move)
        moves.append(move)
    return target, moves, {}


# -- addresses and NAT matching ----------------------------------------------------------


class AddressBook:
    """Address objects and address groups of a vsys and of ``shared``, resolved to IP sets.

    A name defined in both the vsys and ``shared`` resolves to the union of both
    definitions. That can only make rules look more overlapping than they are, which
    places a NAT-exempt rule higher, never lower.
    """

    def __init__(self):
        self.addresses = {}
        # name -> static member names, or None for a dynamic group
        self.groups = {}

    @classmethod
    def from_entries(cls, entries):
        """Build the book from bare ``<entry>`` elements of address and address-group reads."""
        book = cls()
        for entry in entries:
            name = entry.get("name")
            if not name:
                continue
            kind = _address_kind(entry)
            if kind is not None:
                book.addresses.setdefault(name, []).append((kind, xml.text_of(entry, kind)))
            elif entry.find("static") is not None:
                book.groups[name] = (book.groups.get(name) or []) + (xml.members_of(entry, "static") or [])
            elif entry.find("dynamic") is not None:
                book.groups[name] = None
        return book

    def resolve(self, members):
        """Return the IP set that a member list covers, or None when some member cannot be resolved."""
        _require_netaddr()
        covered = netaddr.IPSet()
        for member in members or [ANY]:
            resolved = self._resolve_member(member, set())
            if resolved is None:
                return None
            covered |= resolved
        return covered

    def _resolve_member(self, member, seen):
        if member == ANY:
            return netaddr.IPSet(["0.0.0.0/0", "::/0"])
        if member in seen:
            return None
        if member in self.addresses:
            covered = netaddr.IPSet()
            for kind, value in self.addresses[member]:
                part = _literal_set(value) if kind in ("ip-netmask", "ip-range") and value else None
                if part is None:
                    return None
                covered |= part
            return covered
        if member in self.groups:
            if self.groups[member] is None:
                return None
            covered = netaddr.IPSet()
            for child in self.groups[member]:
                part = self._resolve_member(child, seen | {member})
                if part is None:
                    return None
                covered |= part
            return covered
        # An FQDN, an external dynamic list, a region or an unknown name: no IP set is known.
        return _literal_set(member) if looks_like_address(member) else None


def _address_kind(entry):
    for kind in ADDRESS_TYPES:
        if entry.find(kind) is not None:
            return kind
    return None


def _literal_set(text):
    text = str(text).strip()
    try:
        if "-" in text:
            first, last = (part.strip() for part in text.split("-", 1))
            return netaddr.IPSet(netaddr.IPRange(first, last))
        return netaddr.IPSet([netaddr.IPNetwork(text).cidr])
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return None


def nat_rule_view(entry):
    """Return what placement and matching need from a ``rulebase/nat/rules`` entry.

    The keys are the module's option names, so a NAT-exempt rule from a task works as a
    view too, plus ``source_nat`` (the rule has a source translation) and ``translates``
    (any translation at all).
    """
    source_translation = entry.find("source-translation")
    return {
        "name": entry.get("name"),
        "from_zones": xml.members_of(entry, "from"),
        "to_zones": xml.members_of(entry, "to"),
        "to_interface": xml.text_of(entry, "to-interface"),
        "source": xml.members_of(entry, "source"),
        "destination": xml.members_of(entry, "destination"),
        "service": xml.text_of(entry, "service"),
        "disabled": xml.text_of(entry, "disabled") == "yes",
        "nat_type": xml.text_of(entry, "nat-type"),
        "source_nat": source_translation is not None and len(source_translation) > 0,
        "translates": any(entry.find(tag) is not None for tag in TRANSLATIONS),
    }


def _zones_overlap(left, right):
    left, right = set(left or [ANY]), set(right or [ANY])
    return ANY in left or ANY in right or bool(left & right)


def _interfaces_overlap(left, right):
    if left in (None, ANY) or right in (None, ANY):
        return True
    return left == right


def _addresses_overlap(left, right, book):
    first, second = book.resolve(left), book.resolve(right)
    if first is None or second is None:
        return True
    return not first.isdisjoint(second)


def catches(rule, exempt, book):
    """Tell whether source-NAT ``rule`` could translate traffic that NAT-exempt rule ``exempt`` covers.

    Zones, egress interface and addresses must overlap. Services are not resolved, so
    any two services count as overlapping. Disabled rules count too, so that enabling
    one later cannot start translating VPN traffic. Members that cannot be resolved
    (FQDN objects, dynamic groups, external lists) count as overlapping.
    """
    if not rule.get("source_nat") or rule.get("name") == exempt.get("name"):
        return False
    if rule.get("nat_type") not in (None, "ipv4"):
        return False
    return (
        _zones_overlap(rule.get("from_zones"), exempt.get("from_zones"))
        and _zones_overlap(rule.get("to_zones"), exempt.get("to_zones"))
        and _interfaces_overlap(rule.get("to_interface"), exempt.get("to_interface"))
        and _addresses_overlap(rule.get("source"), exempt.get("source"), book)
        and _addresses_overlap(rule.get("destination"), exempt.get("destination"), book)
    )


def _address_matches(members, address, book):
    covered = book.resolve(members)
    if covered is None:
        return True
    return netaddr.IPAddress(address) in covered


def _zone_matches(members, zone):
    members = members or [ANY]
    return ANY in members or zone in members


def first_matching_rule(rules, packet, book=None):
    """Return the first enabled NAT rule in ``rules`` that matches ``packet``, or None.

    ``rules`` are views as returned by ``nat_rule_view``, in rulebase order. ``packet``
    has ``from_zone``, ``to_zone``, ``source`` and ``destination`` (IP addresses) and
    optionally ``to_interface`` and ``service`` (a service name). Members that cannot
    be resolved are taken to match, and a rule's service matches when it is ``any`` or
    names the packet's service.
    """
    book = book or AddressBook()
    for rule in rules:
        if rule.get("disabled"):
            continue
        if not _zone_matches(rule.get("from_zones"), packet["from_zone"]):
            continue
        if not _zone_matches(rule.get("to_zones"), packet["to_zone"]):
            continue
        if packet.get("to_interface") and not _interfaces_overlap(rule.get("to_interface"), packet["to_interface"]):
            continue
        if not _address_matches(rule.get("source"), packet["source"], book):
            continue
        if not _address_matches(rule.get("destination"), packet["destination"], book):
            continue
        service = rule.get("service") or ANY
        if service != ANY and packet.get("service") not in (None, service):
            continue
        return rule
    return None


# -- resources -------------------------------------------------------------------------


def _bare_entries(result):
    return [child for child in result if child.tag == "entry"]


def _is_tag_entry(entry):
    """Tell a tag object from an address or address group read in the same request."""
    return _address_kind(entry) is None and entry.find("static") is None and entry.find("dynamic") is None


class RuleResource(EntryResource):
    """Base class of security and NAT-exempt rules: the vsys rulebase, task-wide options and the managed tag.

    ``managed_tag`` marks the rules a task owns. Every rule the task writes gets the
    tag, and the bulk deletes (state overridden, and deleted with no config) only
    remove rules that carry it.
    """

    rooted_in = "vsys"
    name_max = 63

    def __init__(self, state="merged", config=None, managed_tag=None):
        self.state = state
        self.config = [item for item in config or [] if item and item.get("name")]
        self.managed_tag = managed_tag
        self._have = None
        self._protected = frozenset()
        self._tag_exists = False
        self._tag_op_added = False

    @classmethod
    def from_params(cls, params):
        return cls(state=params.get("state") or "merged", config=params.get("config"), managed_tag=params.get("managed_tag"))

    @property
    def predefined(self):
        """Rules that the engine's bulk deletes must keep: every rule without the managed tag.

        Under state overridden, and deleted with no config, the engine deletes every rule
        it read except the ones named here.
        """
        return self._protected

    def remember_read(self, have, result):
        """Keep what the planning needs from the read: the rules, the protected names and the tag object."""
        self._have = have
        if self.managed_tag:
            self._protected = frozenset(name for name, existing in have.items() if self.managed_tag not in (existing.item.get("tag") or []))
        else:
            self._protected = frozenset(have)
        for entry in _bare_entries(result):
            if entry.get("name") == self.managed_tag and _is_tag_entry(entry):
                self._tag_exists = True

    def config_names(self):
        return [item["name"] for item in self.config]

    def removed_by_task(self):
        """Rules that state overridden deletes: tagged rules that config does not list."""
        if self.state != "overridden" or self._have is None:
            return set()
        keep = set(self.config_names()) | set(self.predefined)
        return {name for name in self._have if name not in keep}

    # -- where the rules are read ---------------------------------------------------

    def rulebase_xpath(self, scope):
        """Return the xpath of the rulebase (security or nat) around the rules list.

        Both lists are called ``rules``; reading their parents keeps them apart when one
        union get reads security and NAT rules together.
        """
        return self.container_xpath(scope).rsplit("/", 1)[0]

    def locate_container(self, result):
        rulebase = self.find_container(result, self.container.split("/")[1])
        if rulebase is not None:
            return rulebase.find("rules")
        # A result that contains the rules list itself, as unit tests build it.
        return self.find_container(result, "rules")

    # -- managed tag --------------------------------------------------------------

    def tag_xpaths(self, scope):
        if not self.managed_tag:
            return []
        step = xml.entry_step(self.managed_tag)
        return ["%s/tag/%s" % (scope.root("vsys"), step), "/config/shared/tag/%s" % step]

    def tag_ops(self, scope):
        """Create the managed tag object once, when no vsys or shared tag of that name exists."""
        from ansible_collections.ipsec.panos.plugins.module_utils._engine import Op

        if not self.managed_tag or self._tag_exists or self._tag_op_added:
            return []
        self._tag_op_added = True
        return [Op("set", "%s/tag" % scope.root("vsys"), children=[xml.new_entry(self.managed_tag)])]

    def _with_managed_tag(self, desired):
        if self.managed_tag:
            tags = list(desired.get("tag") or [])
            if self.managed_tag not in tags:
                tags.append(self.managed_tag)
            desired["tag"] = tags
        return desired

    def with_defaults(self, item, existing):
        return self._with_managed_tag(super().with_defaults(item, existing))

    def merge(self, existing_item, item):
        return self._with_managed_tag(super().merge(existing_item, item))

    def content_same(self, desired, existing_item, context):
        return EntryResource.same(self, desired, existing_item, context)

    def move_op(self, scope, move):
        from ansible_collections.ipsec.panos.plugins.module_utils._engine import Op

        return Op("move", self.entry_xpath(scope, move.rule), attributes=move.attributes())


class SecurityRule(RuleResource):
    """A security rule, placed by the task's ``position`` and ``reference_rule``."""

    label = "security rule"
    container = "rulebase/security/rules"
    fields = (
        MemberSet("from_zones", "from"),
        MemberSet("to_zones", "to"),
        AddressSet("source", "source", default=[ANY], device_default=[ANY]),
        AddressSet("destination", "destination", default=[ANY], device_default=[ANY]),
        MemberSet("source_user", "source-user", default=[ANY], device_default=[ANY]),
        MemberSet("application", "application", default=[ANY], device_default=[ANY]),
        MemberSet("service", "service", default=["application-default"]),
        MemberSet("category", "category", default=[ANY], device_default=[ANY]),
        Text("action", "action"),
        YesNo("log_start", "log-start", device_default=False),
        YesNo("log_end", "log-end", default=True, device_default=True),
        Text("log_setting", "log-setting"),
        ProfileGroup("profile_group", "profile-setting/group"),
        YesNo("disabled", "disabled", device_default=False),
        MemberSet("tag", "tag"),
        YesNo("negate_source", "negate-source", device_default=False),
        YesNo("negate_destination", "negate-destination", device_default=False),
        Text("rule_type", "rule-type", device_default="universal"),
        Text("description", "description"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._order = None
        self._plan = None

    def read_xpaths(self, scope):
        return [self.rulebase_xpath(scope)] + self.tag_xpaths(scope)

    def parse_read(self, result, scope, context):
        have = super().parse_read(result, scope, context)
        self.remember_read(have, result)
        self._order = list(have)
        return have

    # -- validation ---------------------------------------------------------------

    def validate_item(self, item, path):
        errors = []
        errors += check_zones(item.get("from_zones"), "%s.from_zones" % path)
        errors += check_zones(item.get("to_zones"), "%s.to_zones" % path)
        errors += check_addresses(item.get("source"), "%s.source" % path)
        errors += check_addresses(item.get("destination"), "%s.destination" % path)
        for option in ("source_user", "application", "service", "category"):
            errors += check_members(item.get(option), "%s.%s" % (path, option))
        action = item.get("action")
        if action is not None and action not in SECURITY_ACTIONS:
            errors.append("%s.action: %r is not an action; use one of %s" % (path, action, ", ".join(SECURITY_ACTIONS)))
        rule_type = item.get("rule_type")
        if rule_type is not None and rule_type not in RULE_TYPES:
            errors.append("%s.rule_type: %r is not a rule type; use one of %s" % (path, rule_type, ", ".join(RULE_TYPES)))
        errors += check_position(item, path)
        return errors

    def validate_complete(self, desired, path, existing):
        errors = []
        name = desired["name"]
        state = "is new" if existing is None else "would be incomplete"
        for option, needed in (("from_zones", "source zones"), ("to_zones", "destination zones"), ("action", "an action")):
            if not desired.get(option):
                errors.append("%s.%s: missing; security rule %r %s without %s" % (path, option, name, state, needed))
        if desired.get("rule_type") == "intrazone" and desired.get("from_zones") and desired.get("to_zones"):
            if set(desired["from_zones"]) != set(desired["to_zones"]):
                errors.append(
                    "%s.to_zones: an intrazone rule matches traffic within its source zones, so to_zones must equal "
                    "from_zones (%s)" % (path, ", ".join(desired["from_zones"]))
                )
        problem = self._order_plan()["errors"].get(name)
        if problem:
            errors.append("%s.reference_rule: %s; nothing was written" % (path, problem))
        return errors

    # -- placement ----------------------------------------------------------------

    def _order_plan(self):
        """Plan the moves of the whole task once, after the read.

        Every move goes into one write_ops call, the ``host``: the last rule the task
        creates, because PAN-OS appends new rules at the bottom and a move may refer to
        them, or else the last rule that moves. Without a device read (state rendered),
        each rule gets the move it requests, right after its own edit.
        """
        if self._plan is not None:
            return self._plan
        placements = []
        if self.state != "deleted":
            placements = [(item["name"], item["position"], item.get("reference_rule")) for item in self.config if item.get("position")]

        if self._order is None:
            literal = {name: Move(name, where, reference) for name, where, reference in placements}
            self._plan = {"errors": {}, "moves": [], "moved": set(), "host": None, "literal": literal}
            return self._plan

        removed = self.removed_by_task()
        current = [name for name in self._order if name not in removed]
        created = [name for name in self.config_names() if name not in self._have] if self.state != "deleted" else []
        _target, moves, errors = plan_rule_order(current, placements, created)
        moved = {move.rule for move in moves}
        host = None
        if moves:
            host = created[-1] if created else [name for name in self.config_names() if name in moved][-1]
        self._plan = {"errors": errors, "moves": moves, "moved": moved, "host": host, "literal": {}}
        return self._plan

    def same(self, desired, existing, context):
        if not self.content_same(desired, existing, context):
            return False
        return desired["name"] not in self._order_plan()["moved"]

    def write_ops(self, name, desired, existing, scope, context):
        ops = []
        if existing is None or not self.content_same(desired, existing.item, context):
            ops += self.tag_ops(scope)
            ops += super().write_ops(name, desired, existing, scope, context)
        plan = self._order_plan()
        if name in plan["literal"]:
            ops.append(self.move_op(scope, plan["literal"][name]))
        if name == plan["host"]:
            ops += [self.move_op(scope, move) for move in plan["moves"]]
        return ops


class NatExemptRule(RuleResource):
    """A NAT rule with no translation, kept above every source-NAT rule that would catch its traffic.

    The resource reads the whole NAT rulebase, but manages (and gathers) only rules
    without any translation. A source-NAT rule is never changed or moved.
    """

    label = "NAT-exempt rule"
    container = "rulebase/nat/rules"
    fields = (
        MemberSet("from_zones", "from"),
        MemberSet("to_zones", "to"),
        Text("to_interface", "to-interface", device_default=ANY),
        AddressSet("source", "source", default=[ANY], device_default=[ANY]),
        AddressSet("destination", "destination", default=[ANY], device_default=[ANY]),
        Text("service", "service", default=ANY, device_default=ANY),
        Text("description", "description"),
        YesNo("disabled", "disabled", device_default=False),
        MemberSet("tag", "tag"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._rules = None
        self._order = None
        self._book = AddressBook()
        self._translating = set()

    def read_xpaths(self, scope):
        vsys = scope.root("vsys")
        # Entries rather than containers: the vsys and shared containers share their tag
        # names, and an entry's children tell an address from a group or a tag.
        return [
            self.rulebase_xpath(scope),
            "%s/address/entry" % vsys,
            "%s/address-group/entry" % vsys,
            "/config/shared/address/entry",
            "/config/shared/address-group/entry",
        ] + self.tag_xpaths(scope)

    def parse_read(self, result, scope, context):
        from ansible_collections.ipsec.panos.plugins.module_utils._engine import Existing

        have = {}
        self._rules = []
        self._translating = set()
        container = self.locate_container(result)
        for entry in container.findall("entry") if container is not None else []:
            if entry.get("name") is None:
                continue
            xml.strip_whitespace(entry)
            view = nat_rule_view(entry)
            self._rules.append(view)
            if view["translates"]:
                self._translating.add(view["name"])
            else:
                have[view["name"]] = Existing(self.parse_entry(entry, context), entry)
        self.remember_read(have, result)
        self._order = [view["name"] for view in self._rules]
        self._book = AddressBook.from_entries(_bare_entries(result))
        return have

    # -- validation ---------------------------------------------------------------

    def validate_item(self, item, path):
        errors = []
        errors += check_zones(item.get("from_zones"), "%s.from_zones" % path)
        errors += check_zones(item.get("to_zones"), "%s.to_zones" % path)
        if len(item.get("to_zones") or []) > 1:
            errors.append("%s.to_zones: a NAT rule has one destination zone, got %d" % (path, len(item["to_zones"])))
        errors += check_addresses(item.get("source"), "%s.source" % path)
        errors += check_addresses(item.get("destination"), "%s.destination" % path)
        service = item.get("service")
        if service is not None and service != ANY and not _NAME_PATTERN.match(service):
            errors.append("%s.service: %r is not a valid service name; use any or the name of a service object" % (path, service))
        return errors

    def validate_complete(self, desired, path, existing):
        name = desired["name"]
        if name in self._translating:
            return [
                "%s.name: NAT rule %r exists and translates addresses; this module manages only rules without "
                "translation, so choose another name" % (path, name)
            ]
        errors = []
        state = "is new" if existing is None else "would be incomplete"
        for option, needed in (("from_zones", "source zones"), ("to_zones", "a destination zone")):
            if not desired.get(option):
                errors.append("%s.%s: missing; NAT-exempt rule %r %s without %s" % (path, option, name, state, needed))
        return errors

    # -- writing and placement ----------------------------------------------------------

    def render_entry(self, desired, existing, context):
        entry = super().render_entry(desired, existing, context)
        if existing is None:
            xml.ensure_path(entry, "nat-type").text = "ipv4"
        return entry

    def first_catching_rule(self, name, exempt, order):
        """Return the first source-NAT rule in ``order`` that catches ``exempt``, when ``name`` sits below it."""
        views = {view["name"]: view for view in self._rules}
        catching = [rule for rule in order if rule in views and catches(views[rule], exempt, self._book)]
        if not catching or order.index(name) < order.index(catching[0]):
            return None
        return catching[0]

    def same(self, desired, existing, context):
        if not self.content_same(desired, existing, context):
            return False
        if self._order is None:
            return True
        return self.first_catching_rule(desired["name"], desired, self._order) is None

    def write_ops(self, name, desired, existing, scope, context):
        ops = []
        if existing is None or not self.content_same(desired, existing.item, context):
            ops += self.tag_ops(scope)
            ops += super().write_ops(name, desired, existing, scope, context)
        if self._order is None:
            return ops
        if name not in self._order:
            self._order.append(name)
        reference = self.first_catching_rule(name, desired, self._order)
        if reference is not None:
            move = Move(name, "before", reference)
            apply_move(self._order, move)
            ops.append(self.move_op(scope, move))
        return ops

    def verify_after_write(self, device, scope, plan, context):
        """Read the NAT rulebase once more and check that each rule of the task sits above its catching rules."""
        if self.state == "deleted" or not self.config:
            return
        result = device.get(self.container_xpath(scope))
        container = self.find_container(result, self.container_tag)
        views = []
        for entry in container.findall("entry") if container is not None else []:
            views.append(nat_rule_view(xml.strip_whitespace(entry)))
        names = [view["name"] for view in views]
        for name in self.config_names():
            if name not in names:
                raise DeviceError("NAT rule %r is not in the NAT rulebase after the write" % name)
            index = names.index(name)
            for view in views[:index]:
                if catches(view, views[index], self._book):
                    raise DeviceError(
                        "NAT rule %r sits below source NAT rule %r, which translates the same traffic, after the "
                        "write; move %r above %r" % (name, view["name"], name, view["name"])
                    )
