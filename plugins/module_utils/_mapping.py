# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Declarative mapping between module options and the XML of a PAN-OS entry.

A resource lists its fields once. The same list parses a device entry into option values
and renders option values into XML. It also names the XML each field owns, so the engine
can rewrite managed fields in an existing entry and leave the elements it does not model.
"""

from __future__ import annotations

import re

from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml


class MappingError(ValueError):
    """An option value that cannot be expressed in PAN-OS XML."""


class RenderContext:
    """The target facts a mapping depends on: the PAN-OS version."""

    def __init__(self, version=(10, 2, 0)):
        self.version = tuple(version)


class Field:
    """One module option stored at one or more paths inside an entry."""

    secret = False

    def __init__(self, option, path, default=None, device_default=None, when=None, since=None):
        self.option = option
        self.path = path
        self.default = default
        self.device_default = device_default
        self.when = when
        self.since = since

    def applies(self, item, context):
        if self.since is not None and context.version < self.since:
            return False
        if self.when is not None and not self.when(item):
            return False
        return True

    def owned_paths(self):
        return [self.path]

    def clear(self, entry):
        for path in self.owned_paths():
            xml.remove_path(entry, path)

    def options(self):
        return [self.option]

    def canonical(self, value):
        """Return the value in the form used for comparison and output."""
        return value

    def parse(self, entry):
        raise NotImplementedError

    def render(self, entry, value):
        raise NotImplementedError

    def parse_into(self, entry, item):
        item[self.option] = self.parse(entry)

    def canonical_into(self, item, result):
        """Copy this field from ``item`` into ``result`` in comparable form.

        An absent value takes the device default, so a task that leaves an option
        out compares equal to a device that never wrote the element.
        """
        value = item.get(self.option)
        if value is None:
            value = self.device_default
        result[self.option] = self.canonical(value)

    def render_from(self, entry, item):
        value = item.get(self.option)
        if value is not None:
            self.render(entry, value)


class Text(Field):
    def parse(self, entry):
        return xml.text_of(entry, self.path)

    def canonical(self, value):
        # PAN-OS stores no element for an empty string, so "" and absent are the same.
        return None if value == "" else value

    def render_from(self, entry, item):
        if item.get(self.option) == "":
            return
        super().render_from(entry, item)

    def render(self, entry, value):
        xml.ensure_path(entry, self.path).text = str(value)


class Secret(Text):
    """A secret leaf. The device returns it encrypted, so it is compared by fingerprint."""

    secret = True


class Integer(Field):
    def parse(self, entry):
        text = xml.text_of(entry, self.path)
        if text is None:
            return None
        try:
            return int(text)
        except ValueError:
            return text

    def canonical(self, value):
        if isinstance(value, str) and value.isdigit():
            return int(value)
        return value

    def render(self, entry, value):
        xml.ensure_path(entry, self.path).text = str(int(value))


class YesNo(Field):
    def parse(self, entry):
        text = xml.text_of(entry, self.path)
        if text is None:
            return None
        return text == "yes"

    def render(self, entry, value):
        xml.ensure_path(entry, self.path).text = "yes" if value else "no"


class Members(Field):
    """A ``<member>`` list. Order is kept, because PAN-OS proposes algorithms in list order."""

    def parse(self, entry):
        members = xml.members_of(entry, self.path)
        return members or None

    def canonical(self, value):
        if not value:
            return None
        return list(value)

    def render(self, entry, value):
        node = xml.ensure_path(entry, self.path)
        for member in value:
            xml.ET.SubElement(node, "member").text = str(member)


class MemberSet(Members):
    """A ``<member>`` list whose order carries no meaning, such as a zone's interfaces."""

    def canonical(self, value):
        if not value:
            return None
        return sorted(set(value))


class EntryNames(Field):
    """An ``<entry name=…/>`` list holding only names, such as a tunnel's IKE gateway."""

    def parse(self, entry):
        node = xml.find_path(entry, self.path)
        if node is None:
            return None
        names = [child.get("name") for child in node.findall("entry") if child.get("name")]
        return names or None

    def canonical(self, value):
        if not value:
            return None
        return list(value)

    def render(self, entry, value):
        node = xml.ensure_path(entry, self.path)
        for name in value:
            xml.ET.SubElement(node, "entry").set("name", name)


class Variant(Field):
    """A choice between child elements, such as ``peer-address/{ip,fqdn,dynamic}``.

    ``variants`` maps each option value to the child tag. The child contains the value of
    ``value_option`` as text, unless it is listed in ``empty`` and written as ``<tag/>``.
    The engine reads both options through this one field.
    """

    def __init__(self, option, path, variants, value_option=None, empty=(), **kwargs):
        super().__init__(option, path, **kwargs)
        self.variants = variants
        self.value_option = value_option
        self.empty = set(empty)

    def owned_paths(self):
        return ["%s/%s" % (self.path, tag) for tag in self.variants.values()]

    def options(self):
        return [self.option] + ([self.value_option] if self.value_option else [])

    def parse_into(self, entry, item):
        choice, value = None, None
        parent = xml.find_path(entry, self.path)
        if parent is not None:
            for candidate, tag in self.variants.items():
                child = parent.find(tag)
                if child is None:
                    continue
                choice = candidate
                if candidate not in self.empty and child.text and child.text.strip():
                    value = child.text.strip()
                break
        item[self.option] = choice
        if self.value_option:
            item[self.value_option] = value

    def canonical_into(self, item, result):
        choice = item.get(self.option)
        if choice is None:
            choice = self.device_default
        result[self.option] = choice
        if self.value_option:
            value = item.get(self.value_option)
            result[self.value_option] = None if choice in self.empty or choice not in self.variants else value

    def render_from(self, entry, item):
        choice = item.get(self.option)
        if choice is None and self.value_option and item.get(self.value_option) is not None:
            # A value given without its kind, as in a template-stack override, takes the default kind.
            choice = self.default
        if choice is None or choice not in self.variants:
            return
        node = xml.ensure_path(entry, "%s/%s" % (self.path, self.variants[choice]))
        value = item.get(self.value_option) if self.value_option else None
        if choice not in self.empty and value is not None:
            node.text = str(value)


_DURATION_UNITS = (("days", "d", 86400), ("hours", "h", 3600), ("minutes", "m", 60), ("seconds", "s", 1))
_DURATION_PATTERN = re.compile(r"^\s*(\d+)\s*(s|sec|seconds?|m|min|minutes?|h|hours?|d|days?)?\s*$", re.IGNORECASE)


def duration_seconds(value, option="lifetime"):
    """Convert ``28800``, ``"8h"``, ``"480 minutes"`` or ``{hours: 8}`` to seconds."""
    if isinstance(value, bool):
        raise MappingError("%s: expected a duration such as 8h, 3600s or 30m, got %r" % (option, value))
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        if len(value) != 1:
            raise MappingError("%s: give exactly one of seconds, minutes, hours or days" % option)
        unit, amount = next(iter(value.items()))
        for name, _suffix, factor in _DURATION_UNITS:
            if unit == name:
                return int(amount) * factor
        raise MappingError("%s: unknown unit %r; use seconds, minutes, hours or days" % (option, unit))
    match = _DURATION_PATTERN.match(str(value))
    if not match:
        raise MappingError("%s: expected a duration such as 8h, 3600s or 30m, got %r" % (option, value))
    amount = int(match.group(1))
    unit = (match.group(2) or "s")[0].lower()
    for _name, suffix, factor in _DURATION_UNITS:
        if unit == suffix:
            return amount * factor
    raise MappingError("%s: unknown unit in %r" % (option, value))


class Duration(Field):
    """A lifetime written as one of ``{seconds,minutes,hours,days}``.

    Values compare in seconds, so 3600 seconds on the device equals ``1h`` in a task.
    The canonical form uses the largest unit that divides the value exactly and stays
    within that unit's PAN-OS range.
    """

    def __init__(self, option, path, limits, **kwargs):
        super().__init__(option, path, **kwargs)
        self.limits = limits

    def owned_paths(self):
        return ["%s/%s" % (self.path, name) for name, _suffix, _factor in _DURATION_UNITS]

    def parse(self, entry):
        parent = xml.find_path(entry, self.path)
        if parent is None:
            return None
        for name, _suffix, factor in _DURATION_UNITS:
            text = xml.text_of(parent, name)
            if text is not None and text.isdigit():
                return self.canonical(int(text) * factor)
        return None

    def best_unit(self, seconds):
        for name, suffix, factor in _DURATION_UNITS:
            low, high = self.limits[name]
            if seconds % factor == 0 and low <= seconds // factor <= high:
                return name, suffix, seconds // factor
        return None

    def canonical(self, value):
        if value is None:
            return None
        seconds = duration_seconds(value, self.option)
        unit = self.best_unit(seconds)
        if unit is None:
            return "%ss" % seconds
        return "%d%s" % (unit[2], unit[1])

    def render(self, entry, value):
        seconds = duration_seconds(value, self.option)
        unit = self.best_unit(seconds)
        if unit is None:
            raise MappingError("%s: %s seconds is outside every PAN-OS lifetime range" % (self.option, seconds))
        xml.ensure_path(entry, "%s/%s" % (self.path, unit[0])).text = str(unit[2])


_SIZE_UNITS = (("tb", 1024 ** 3), ("gb", 1024 ** 2), ("mb", 1024), ("kb", 1))
_SIZE_PATTERN = re.compile(r"^\s*(\d+)\s*(k|kb|m|mb|g|gb|t|tb)?\s*$", re.IGNORECASE)
# PAN-OS accepts 1 to 65535 in each lifesize unit.
SIZE_UNIT_MAX = 65535


def size_kilobytes(value, option="lifesize"):
    """Convert ``10240``, ``"10gb"``, ``"512 MB"`` or ``{gb: 10}`` to kilobytes. A plain number is kilobytes."""
    if isinstance(value, bool):
        raise MappingError("%s: expected a size such as 10gb, 512mb or 1tb, got %r" % (option, value))
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        if len(value) != 1:
            raise MappingError("%s: give exactly one of kb, mb, gb or tb" % option)
        unit, amount = next(iter(value.items()))
        for name, factor in _SIZE_UNITS:
            if unit == name:
                return int(amount) * factor
        raise MappingError("%s: unknown unit %r; use kb, mb, gb or tb" % (option, unit))
    match = _SIZE_PATTERN.match(str(value))
    if not match:
        raise MappingError("%s: expected a size such as 10gb, 512mb or 1tb, got %r" % (option, value))
    suffix = (match.group(2) or "k")[0].lower()
    for name, factor in _SIZE_UNITS:
        if name[0] == suffix:
            return int(match.group(1)) * factor
    raise MappingError("%s: unknown unit in %r" % (option, value))


def best_size_unit(kilobytes):
    """Return ``(unit, amount)`` in the largest unit that expresses the size exactly within 1 to 65535, or None."""
    for name, factor in _SIZE_UNITS:
        if kilobytes % factor == 0 and 1 <= kilobytes // factor <= SIZE_UNIT_MAX:
            return name, kilobytes // factor
    return None


class Lifesize(Field):
    """An IPsec SA lifesize written as one of ``{kb,mb,gb,tb}``.

    Values compare in kilobytes, so ``<mb>1024</mb>`` on the device equals ``1gb`` in a task.
    """

    def owned_paths(self):
        return ["%s/%s" % (self.path, name) for name, _factor in _SIZE_UNITS]

    def parse(self, entry):
        parent = xml.find_path(entry, self.path)
        if parent is None:
            return None
        for name, factor in _SIZE_UNITS:
            text = xml.text_of(parent, name)
            if text is not None and text.isdigit():
                return self.canonical(int(text) * factor)
        return None

    def canonical(self, value):
        if value is None:
            return None
        kilobytes = size_kilobytes(value, self.option)
        unit = best_size_unit(kilobytes)
        if unit is None:
            return "%skb" % kilobytes
        return "%d%s" % (unit[1], unit[0])

    def render(self, entry, value):
        kilobytes = size_kilobytes(value, self.option)
        unit = best_size_unit(kilobytes)
        if unit is None:
            raise MappingError("%s: %s KB is outside every PAN-OS lifesize range" % (self.option, kilobytes))
        xml.ensure_path(entry, "%s/%s" % (self.path, unit[0])).text = str(unit[1])


class Group(Field):
    """A nested dict option, such as ``local_id: {type, id}``, stored under one element."""

    def __init__(self, option, path, fields, **kwargs):
        super().__init__(option, path, **kwargs)
        self.fields = fields

    def owned_paths(self):
        """Return the paths of the inner fields, so that children no field models survive a rewrite."""
        return ["%s/%s" % (self.path, inner) for field in self.fields for inner in field.owned_paths()]

    def parse(self, entry):
        node = xml.find_path(entry, self.path)
        if node is None:
            return None
        value = {}
        for field in self.fields:
            field.parse_into(node, value)
        if all(v is None for v in value.values()):
            return None
        return value

    def canonical(self, value):
        """Fill device defaults, so that an absent group equals one that contains only defaults.

        A group with no value and no device default at all is None.
        """
        result = {}
        for field in self.fields:
            field.canonical_into(value or {}, result)
        if all(v is None for v in result.values()):
            return None
        return result

    def render(self, entry, value):
        node = xml.ensure_path(entry, self.path)
        for field in self.fields:
            field.render_from(node, value)


class EntryList(Field):
    """A list of named entries with their own fields, such as a tunnel's proxy IDs."""

    def __init__(self, option, path, fields, **kwargs):
        super().__init__(option, path, **kwargs)
        self.fields = fields

    def parse(self, entry):
        return self.parse_entries(entry, self.path) or None

    def parse_entries(self, entry, path):
        node = xml.find_path(entry, path)
        if node is None:
            return []
        items = []
        for child in node.findall("entry"):
            item = {"name": child.get("name")}
            for field in self.fields:
                field.parse_into(child, item)
            items.append(item)
        return items

    def canonical(self, value):
        if not value:
            return None
        result = []
        for item in sorted(value, key=lambda i: i["name"]):
            canonical_item = {"name": item["name"]}
            for field in self.fields:
                field.canonical_into(item, canonical_item)
            result.append(canonical_item)
        return result

    def render(self, entry, value):
        self.render_entries(entry, self.path, value)

    def render_entries(self, entry, path, items):
        node = xml.ensure_path(entry, path)
        for item in items:
            child = xml.new_entry(item["name"])
            node.append(child)
            for field in self.fields:
                field.render_from(child, item)


def is_ipv6_selector(item):
    """Tell whether a proxy ID is IPv6, from the address family of its local and remote prefixes.

    A template variable such as ``$lan`` shows no family, so a proxy ID whose prefixes are
    both variables counts as IPv4.
    """
    for side in ("local", "remote"):
        value = str(item.get(side) or "")
        if not value.startswith("$") and ":" in value:
            return True
    return False


class ProxyIdList(EntryList):
    """A tunnel's proxy IDs as one list, stored as ``proxy-id`` (IPv4) and ``proxy-id-v6`` (IPv6) entries.

    The address family of each proxy ID's prefixes decides where it is written.
    """

    def __init__(self, option, path, v6_path, fields, **kwargs):
        super().__init__(option, path, fields, **kwargs)
        self.v6_path = v6_path

    def owned_paths(self):
        return [self.path, self.v6_path]

    def parse(self, entry):
        items = self.parse_entries(entry, self.path) + self.parse_entries(entry, self.v6_path)
        return items or None

    def render(self, entry, value):
        ipv4 = [item for item in value if not is_ipv6_selector(item)]
        ipv6 = [item for item in value if is_ipv6_selector(item)]
        if ipv4:
            self.render_entries(entry, self.path, ipv4)
        if ipv6:
            self.render_entries(entry, self.v6_path, ipv6)


class ProxyProtocol(Field):
    """The protocol of a proxy ID: ``any``, an IP protocol number, or TCP/UDP with ports."""

    def __init__(self, path="protocol"):
        super().__init__("protocol", path, device_default="any")

    def options(self):
        return ["protocol", "protocol_number", "local_port", "remote_port"]

    def owned_paths(self):
        return [self.path]

    def parse_into(self, entry, item):
        item.update(protocol=None, protocol_number=None, local_port=None, remote_port=None)
        node = xml.find_path(entry, self.path)
        if node is None or not len(node):
            return
        child = node[0]
        item["protocol"] = child.tag
        if child.tag == "number":
            item["protocol_number"] = Integer("n", ".").canonical(xml.text_of(node, "number"))
        elif child.tag in ("tcp", "udp"):
            item["local_port"] = Integer("p", "local-port").parse(child)
            item["remote_port"] = Integer("p", "remote-port").parse(child)

    def canonical_into(self, item, result):
        protocol = item.get("protocol") or "any"
        result["protocol"] = protocol
        result["protocol_number"] = item.get("protocol_number") if protocol == "number" else None
        ported = protocol in ("tcp", "udp")
        result["local_port"] = (item.get("local_port") or 0) if ported else None
        result["remote_port"] = (item.get("remote_port") or 0) if ported else None

    def render_from(self, entry, item):
        protocol = item.get("protocol") or "any"
        node = xml.ensure_path(entry, self.path)
        if protocol == "any":
            xml.ET.SubElement(node, "any")
        elif protocol == "number":
            xml.ET.SubElement(node, "number").text = str(int(item["protocol_number"]))
        else:
            ported = xml.ET.SubElement(node, protocol)
            xml.ET.SubElement(ported, "local-port").text = str(int(item.get("local_port") or 0))
            xml.ET.SubElement(ported, "remote-port").text = str(int(item.get("remote_port") or 0))


class SingleEntryName(Field):
    """A one-name ``<entry name=…/>`` list exposed as a string, such as a tunnel's IKE gateway."""

    def parse(self, entry):
        node = xml.find_path(entry, self.path)
        if node is None:
            return None
        for child in node.findall("entry"):
            if child.get("name"):
                return child.get("name")
        return None

    def render(self, entry, value):
        xml.ET.SubElement(xml.ensure_path(entry, self.path), "entry").set("name", value)


class Prefix(Text):
    """An IP prefix. A bare address compares equal to its host prefix (/32 or /128)."""

    def canonical(self, value):
        if value is None:
            return None
        return canonical_prefix(value)


def canonical_prefix(value):
    text = str(value).strip()
    if text.startswith("$") or "/" in text or not text:
        return text
    return "%s/%d" % (text, 128 if ":" in text else 32)
