# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 3 security zones of a vsys, with their interfaces."""

from __future__ import annotations

import copy

from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import MemberSet, Text, YesNo
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource
from ansible_collections.ipsec.panos.plugins.module_utils._resources.common import check_length, check_tunnel_interface_name

ZONE_MODES = ("layer3", "layer2", "virtual-wire", "tap", "external", "tunnel")

# Key that marks an item of a member-removing "deleted" task, which the module runs as a
# merge (see member_removal_task). Its value is "members" or "zone".
REMOVE = "_remove"


class _ZoneMember:
    """The user of a zone that one of its interfaces is, as users_of_deleted reports it."""

    label = "interface"


class Zone(EntryResource):
    """A layer 3 zone. Zones of other types are never read, changed or deleted."""

    label = "zone"
    container = "zone"
    rooted_in = "vsys"
    name_max = 31
    # The trust and untrust zones hold the firewall's own interfaces; never delete them wholesale.
    allow_delete_all = False
    fields = (
        MemberSet("interfaces", "network/layer3"),
        Text("zone_protection_profile", "network/zone-protection-profile"),
        Text("log_setting", "network/log-setting"),
        YesNo("enable_user_identification", "enable-user-identification", device_default=False),
    )

    def __init__(self):
        # Zones of another type, by name, from the read: a task may not turn them into layer 3 zones.
        self.other_zones = {}

    # -- reading ------------------------------------------------------------

    def parse_read(self, result, scope, context):
        have = super().parse_read(result, scope, context)
        self.other_zones = {}
        for name, existing in list(have.items()):
            mode = _zone_mode(existing.element)
            if mode not in (None, "layer3"):
                self.other_zones[name] = mode
                del have[name]
        return have

    # -- desired state ------------------------------------------------------

    def merge(self, existing_item, item):
        """Add the listed interfaces to the zone's members, or remove them in a member-removing task."""
        removal = item.get(REMOVE)
        if removal == "zone":
            return dict(copy.deepcopy(existing_item), **{REMOVE: removal})
        if removal == "members":
            desired = copy.deepcopy(existing_item)
            gone = set(item.get("interfaces") or [])
            desired["interfaces"] = [name for name in existing_item.get("interfaces") or [] if name not in gone]
            desired[REMOVE] = removal
            return desired

        desired = super().merge(existing_item, {k: v for k, v in item.items() if k != "interfaces"})
        if item.get("interfaces") is not None:
            current = list(existing_item.get("interfaces") or [])
            desired["interfaces"] = current + [name for name in item["interfaces"] if name not in current]
        return desired

    def remaining_users(self, name, plan, transaction):
        """Return the zone's member interfaces that stay in it after this transaction."""
        members = (plan.before.get(name) or {}).get("interfaces") or []
        interfaces = transaction.get("TunnelInterface")
        remaining = []
        for member in members:
            if interfaces is not None and member in interfaces.after:
                predicted = interfaces.after[member]
                if predicted is None or predicted.get("zone") != name:
                    continue
            remaining.append((_ZoneMember, member, "interfaces"))
        return remaining

    def same(self, desired, existing, context):
        if desired.get(REMOVE) == "zone":
            return False
        return super().same(desired, existing, context)

    def display(self, item, context, previous=None):
        # A removal leaves nothing to show when the zone goes, or when there was no zone.
        if item.get(REMOVE) == "zone" or (item.get(REMOVE) and previous is None):
            return None
        return super().display(item, context, previous)

    # -- validation -----------------------------------------------------------

    def validate_item(self, item, path):
        errors = []
        for index, interface in enumerate(item.get("interfaces") or []):
            where = "%s.interfaces[%d]" % (path, index)
            if not interface:
                errors.append("%s: empty interface name" % where)
            elif str(interface).startswith("tunnel"):
                errors += check_tunnel_interface_name(interface, where)
        if item.get(REMOVE):
            return errors
        errors += check_length(item.get("zone_protection_profile"), 31, "%s.zone_protection_profile" % path)
        errors += check_length(item.get("log_setting"), 63, "%s.log_setting" % path)
        return errors

    def validate_complete(self, desired, path, existing):
        mode = self.other_zones.get(desired["name"])
        if mode is not None and not desired.get(REMOVE):
            return [
                "%s.name: zone %r exists as a %s zone; this module manages layer 3 zones and does not change the "
                "type of a zone" % (path, desired["name"], mode)
            ]
        return []

    # -- writing ------------------------------------------------------------

    def render_entry(self, desired, existing, context):
        entry = super().render_entry(desired, existing, context)
        # An empty <layer3/> is what makes a zone without interfaces a layer 3 zone.
        xml.ensure_path(entry, "network/layer3")
        return entry

    def write_ops(self, name, desired, existing, scope, context):
        from ansible_collections.ipsec.panos.plugins.module_utils._engine import Op

        removal = desired.get(REMOVE)
        if removal and existing is None:
            return []
        if removal == "zone":
            return [Op("delete", self.entry_xpath(scope, name))]
        return super().write_ops(name, desired, existing, scope, context)


def _zone_mode(entry):
    network = entry.find("network") if entry is not None else None
    if network is None:
        return None
    for child in network:
        if child.tag in ZONE_MODES:
            return child.tag
    return None


def member_removal_task(params):
    """Run a ``deleted`` task that lists interfaces as a merge that removes them.

    With state deleted, a zone whose ``interfaces`` are given loses only those members and
    stays; a zone given without ``interfaces`` is deleted. The engine deletes whole objects
    in its deleted state, so when any zone lists interfaces the task runs as a merge whose
    items carry a removal mark, and ``merge``, ``write_ops`` and ``display`` act on the mark.
    The predicted ``after`` then shows the zone with its remaining members.
    """
    config = params.get("config") or []
    if params.get("state") != "deleted" or not any(item.get("interfaces") is not None for item in config):
        return params
    params["state"] = "merged"
    for item in config:
        item[REMOVE] = "members" if item.get("interfaces") is not None else "zone"
    return params
