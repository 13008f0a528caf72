# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Base class for a PAN-OS object type that lives as named entries under one container."""

from __future__ import annotations

import copy
import re

from ansible_collections.ipsec.panos.plugins.module_utils import _secrets as secrets
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import EntryList, Group

# PAN-OS names: start with a letter or digit, then letters, digits, space, '-', '_' and '.'.
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")


class EntryResource:
    """One object type: where it lives, how its options map to XML, and how to change it.

    Subclasses set the class attributes and may override the hooks for objects that
    reach outside their own entry (a tunnel interface's zone, for example).
    """

    label = "object"
    container = ""
    rooted_in = "device"
    fields = ()
    predefined = ()
    name_max = 63
    # Options that are not stored in the entry itself but compared like fields.
    extra_options = ()
    # Whether state=deleted with an empty config may delete every object of this type.
    allow_delete_all = True

    # -- where --------------------------------------------------------------

    def container_xpath(self, scope):
        return "%s/%s" % (scope.root(self.rooted_in), self.container)

    def entry_xpath(self, scope, name):
        return "%s/%s" % (self.container_xpath(scope), xml.entry_step(name))

    def read_xpaths(self, scope):
        return [self.container_xpath(scope)]

    @property
    def container_tag(self):
        return self.container.rsplit("/", maxsplit=1)[-1]

    # -- reading ------------------------------------------------------------

    def parse_read(self, result, scope, context):
        """Turn the ``<result>`` of the read into ``{name: Existing}``."""
        from ansible_collections.ipsec.panos.plugins.module_utils._engine import Existing

        container = self.locate_container(result)
        have = {}
        if container is None:
            return have
        for entry in container.findall("entry"):
            name = entry.get("name")
            if name is None:
                continue
            xml.strip_whitespace(entry)
            have[name] = Existing(self.parse_entry(entry, context), entry)
        return have

    def locate_container(self, result):
        """Find this resource's container among the children of a union read's ``<result>``."""
        return self.find_container(result, self.container_tag)

    @staticmethod
    def find_container(result, tag):
        for child in result:
            if child.tag == tag:
                return child
        return None

    def parse_entry(self, entry, context):
        item = {"name": entry.get("name")}
        for field in self.fields:
            if field.since is not None and context.version < field.since:
                continue
            if field.when is not None and not field.when(item):
                continue
            field.parse_into(entry, item)
        return item

    # -- comparing ----------------------------------------------------------

    def field_for(self, option):
        for field in self.fields:
            if option in field.options():
                return field
        return None

    def canonical(self, item, context):
        """Return the comparable form of an item: every applicable option, defaults filled."""
        result = {"name": item["name"]}
        for field in self.fields:
            if not field.applies(item, context):
                continue
            if field.option in result and result[field.option] is not None:
                continue
            field.canonical_into(item, result)
        for option in self.extra_options:
            result[option] = item.get(option)
        return result

    def secret_options(self):
        return [field.option for field in self.fields if field.secret]

    def same(self, desired, existing, context):
        left = self.canonical(desired, context)
        right = self.canonical(existing, context)
        for option in self.secret_options():
            if not secrets.secrets_equal(left.pop(option, None), right.pop(option, None)):
                return False
        return left == right

    def display(self, item, context, previous=None):
        """Return the item as displayed in before, after and diff, secrets masked."""
        displayed = self.canonical(item, context)
        for option in self.secret_options():
            value = displayed.get(option)
            if value is None:
                continue
            changed = previous is not None and not secrets.secrets_equal(value, previous.get(option))
            displayed[option] = secrets.MASK_CHANGED if changed else secrets.MASK
        return displayed

    # -- desired state ------------------------------------------------------

    def defaults(self, item):
        """Module defaults for a new or replaced object. Override for dependent defaults."""
        values = {}
        for field in self.fields:
            if field.default is not None:
                values[field.option] = copy.deepcopy(field.default)
        return values

    def with_defaults(self, item, existing):
        desired = self.defaults(item)
        desired.update(copy.deepcopy(item))
        return desired

    def merge(self, existing_item, item):
        merged = copy.deepcopy(existing_item)
        for option, value in item.items():
            field = self.field_for(option)
            if isinstance(field, EntryList) and merged.get(option):
                merged[option] = _merge_entries(merged[option], value)
            elif isinstance(field, Group) and isinstance(merged.get(option), dict):
                inner = dict(merged[option])
                inner.update(value)
                merged[option] = inner
            else:
                merged[option] = copy.deepcopy(value)
        return merged

    def carry_secrets(self, desired, existing):
        """Keep the device's encrypted value when the requested secret matches it.

        Writing the encrypted value back leaves the key unchanged on the device and
        keeps the plaintext out of the request.
        """
        if existing is None:
            return desired
        for option in self.secret_options():
            stored = existing.item.get(option)
            requested = desired.get(option)
            if stored is not None and requested is not None and secrets.secret_matches(stored, requested):
                desired[option] = stored
        return desired

    # -- validation -----------------------------------------------------------

    def validate_name(self, name, path):
        if not name:
            return ["%s.name: missing; every %s needs a name" % (path, self.label)]
        errors = []
        if len(name) > self.name_max:
            errors.append(
                "%s.name: %r is %d characters long; a %s name can be at most %d"
                % (path, name, len(name), self.label, self.name_max)
            )
        if not _NAME_PATTERN.match(name):
            errors.append(
                "%s.name: %r is not a valid PAN-OS name; start with a letter or digit and use only "
                "letters, digits, spaces, '-', '_' and '.'" % (path, name)
            )
        return errors

    def validate_item(self, item, path):
        """Static checks of one requested item. Override to add rules."""
        return []

    def validate_complete(self, desired, path, existing):
        """Checks of the object as it will be written, after merging with the device."""
        return []

    def validate_version(self, desired, path, context):
        """Check the object against what the target's PAN-OS version accepts. Override to add rules."""
        return []

    def check_deletable(self, name, path):
        return []

    def validate_scope(self, scope):
        """Return errors about the task's scope that only the read can show, such as a missing virtual router."""
        return []

    def remaining_users(self, name, plan, transaction):
        """Return users of ``name`` that are not references, as (resource, user, option) tuples.

        ``plan`` deletes ``name``; ``transaction`` maps resource class names to the plans of
        the same request. Resources whose objects hold other objects (a zone and its
        interfaces) override this.
        """
        return []

    def advise(self, desired, path):
        """Return warnings about a valid but risky object, such as a dynamic peer without passive mode."""
        return []

    # -- writing ------------------------------------------------------------

    def render_entry(self, desired, existing, context):
        """Build the entry to write, keeping elements of the existing entry that no field owns."""
        if existing is not None and existing.element is not None:
            entry = xml.clone(existing.element)
            for field in self.fields:
                field.clear(entry)
        else:
            entry = xml.new_entry(desired["name"])
        for field in self.fields:
            if field.applies(desired, context):
                field.render_from(entry, desired)
        return entry

    def write_ops(self, name, desired, existing, scope, context):
        from ansible_collections.ipsec.panos.plugins.module_utils._engine import Op

        entry = self.render_entry(desired, existing, context)
        return [Op("edit", self.entry_xpath(scope, name), element=entry)]

    def delete_ops(self, name, existing, scope):
        from ansible_collections.ipsec.panos.plugins.module_utils._engine import Op

        return [Op("delete", self.entry_xpath(scope, name))]

    def verify_after_write(self, device, scope, plan, context):
        """Check the device after a write. Only resources whose result depends on order
        (rules moved into place) read back; raise DeviceError when the check fails."""
        return None


def _merge_entries(current, update):
    by_name = {entry["name"]: dict(entry) for entry in current}
    order = [entry["name"] for entry in current]
    for entry in update:
        if entry["name"] in by_name:
            by_name[entry["name"]].update(entry)
        else:
            by_name[entry["name"]] = dict(entry)
            order.append(entry["name"])
    return [by_name[name] for name in order]
