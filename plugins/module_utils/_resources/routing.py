# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Static routes of a virtual router."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import EntryList, Group, Integer, Prefix, Text, Variant, YesNo
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource
from ansible_collections.ipsec.panos.plugins.module_utils._resources.common import check_choice, check_length

MONITOR_DESTINATION_FIELDS = [
    YesNo("enable", "enable", device_default=False),
    Text("source", "source"),
    Text("destination", "destination"),
    Integer("interval", "interval", device_default=3),
    Integer("count", "count", device_default=5),
]


class StaticRoute(EntryResource):
    """An IPv4 static route in one virtual router (the module's ``virtual_router`` option)."""

    label = "static route"
    container = "static-route"
    name_max = 63
    fields = (
        Prefix("destination", "destination"),
        Text("interface", "interface"),
        Variant(
            "nexthop_type",
            "nexthop",
            {"ip-address": "ip-address", "next-vr": "next-vr", "fqdn": "fqdn", "discard": "discard"},
            value_option="nexthop",
            empty=("discard",),
            device_default="none",
        ),
        Integer("metric", "metric", device_default=10),
        Integer("admin_distance", "admin-dist"),
        Group(
            "path_monitor",
            "path-monitor",
            [
                YesNo("enable", "enable", device_default=False),
                Text("failure_condition", "failure-condition", device_default="any"),
                Integer("hold_time", "hold-time", device_default=2),
                EntryList("destinations", "monitor-destinations", MONITOR_DESTINATION_FIELDS),
            ],
        ),
    )

    def container_xpath(self, scope):
        if getattr(scope, "logical_router", None):
            # Advanced routing (PAN-OS 10.2+) keeps routes per VRF of a logical router.
            return "%s/network/logical-router/%s/vrf/%s/routing-table/ip/static-route" % (
                scope.device_root,
                xml.entry_step(scope.logical_router),
                xml.entry_step(scope.vrf),
            )
        return "%s/network/virtual-router/%s/routing-table/ip/static-route" % (
            scope.device_root,
            xml.entry_step(scope.virtual_router),
        )

    def __init__(self):
        # The virtual routers the read found, or None before the read and where it cannot tell.
        self.known_routers = None

    def read_xpaths(self, scope):
        if getattr(scope, "logical_router", None) or scope.template_stack:
            return [self.container_xpath(scope)]
        # The whole virtual-router container, so a misspelt router is reported instead of
        # being created by the first write; tunnel interfaces read the same container.
        return ["%s/network/virtual-router" % scope.device_root]

    def parse_read(self, result, scope, context):
        if getattr(scope, "logical_router", None) or scope.template_stack:
            return super().parse_read(result, scope, context)
        routers = self.find_container(result, "virtual-router")
        # A read without the container tells nothing (advanced routing, a partial export).
        self.known_routers = {entry.get("name") for entry in routers.findall("entry")} if routers is not None else None
        selected = ET.Element("result")
        router = routers.find("entry[@name='%s']" % scope.virtual_router) if routers is not None and "'" not in scope.virtual_router else None
        routes = router.find("routing-table/ip/static-route") if router is not None else None
        if routes is not None:
            selected.append(routes)
        return super().parse_read(selected, scope, context)

    def validate_scope(self, scope):
        if self.known_routers is None or scope.virtual_router in self.known_routers:
            return []
        return [
            "virtual_router: virtual router %r does not exist (the device has %s); create it first or correct the name, "
            "because writing a route would create an empty router" % (scope.virtual_router, ", ".join(sorted(self.known_routers)) or "none")
        ]

    def validate_item(self, item, path):
        errors = []
        if item.get("nexthop") is not None and item.get("nexthop_type") in (None, "none", "discard"):
            errors.append(
                "%s.nexthop: set nexthop_type (ip-address, next-vr or fqdn) together with nexthop; without it the "
                "next hop would be dropped" % path
            )
        if item.get("destination") is not None:
            errors += check.check_prefix(item["destination"], "%s.destination" % path)
            if ":" in str(item["destination"]):
                errors.append(
                    "%s.destination: %s is an IPv6 prefix; this module manages the IPv4 routing table"
                    % (path, item["destination"])
                )
        nexthop_type = item.get("nexthop_type")
        if nexthop_type == "ip-address":
            if item.get("nexthop") is None:
                errors.append("%s.nexthop: required when nexthop_type is ip-address" % path)
            else:
                errors += check.check_ip(item["nexthop"], "%s.nexthop" % path)
        elif nexthop_type in ("none", "discard") and item.get("nexthop") is not None:
            errors.append("%s.nexthop: must be empty when nexthop_type is %s" % (path, nexthop_type))
        errors += check.check_range(item.get("metric"), 1, 65535, "%s.metric" % path)
        errors += check.check_range(item.get("admin_distance"), 10, 240, "%s.admin_distance" % path)
        if item.get("path_monitor"):
            errors += _check_path_monitor(item["path_monitor"], "%s.path_monitor" % path)
        return errors

    def validate_complete(self, desired, path, existing):
        errors = []
        if not desired.get("destination"):
            errors.append("%s.destination: missing; static route %r needs a destination prefix" % (path, desired["name"]))
        if not desired.get("interface") and (desired.get("nexthop_type") or "none") == "none":
            errors.append(
                "%s: static route %r needs an interface (a tunnel.N route needs no next hop) or a next hop"
                % (path, desired["name"])
            )
        monitor = desired.get("path_monitor") or {}
        if monitor.get("enable") and not monitor.get("destinations"):
            errors.append(
                "%s.path_monitor.destinations: missing; path monitoring of static route %r needs at least one "
                "destination" % (path, desired["name"])
            )
        for index, destination in enumerate(monitor.get("destinations") or []):
            for option in ("source", "destination"):
                if not destination.get(option):
                    errors.append(
                        "%s.path_monitor.destinations[%d].%s: missing; monitor destination %r needs a source and "
                        "a destination address" % (path, index, option, destination.get("name"))
                    )
        return errors

    # -- desired state: path monitoring turns on when given -----------------------

    def with_defaults(self, item, existing):
        desired = super().with_defaults(item, existing)
        if desired.get("path_monitor"):
            _enable_new_monitoring(desired["path_monitor"], known_destinations=(), monitor_is_new=True)
        return desired

    def merge(self, existing_item, item):
        current = existing_item.get("path_monitor") or {}
        merged = super().merge(existing_item, item)
        requested = item.get("path_monitor")
        if requested:
            monitor = merged["path_monitor"]
            known = [destination["name"] for destination in current.get("destinations") or []]
            if requested.get("destinations") is not None:
                # Destinations merge by name, as the task's other lists do.
                monitor["destinations"] = _merge_by_name(current.get("destinations") or [], requested["destinations"])
            _enable_new_monitoring(monitor, known, monitor_is_new=not current)
        return merged


def _enable_new_monitoring(monitor, known_destinations, monitor_is_new):
    """Turn on path monitoring and each new destination unless the task sets enable."""
    if monitor_is_new and monitor.get("enable") is None:
        monitor["enable"] = True
    for destination in monitor.get("destinations") or []:
        if destination.get("enable") is None and destination.get("name") not in known_destinations:
            destination["enable"] = True


def _merge_by_name(current, update):
    by_name = {entry["name"]: dict(entry) for entry in current}
    order = [entry["name"] for entry in current]
    for entry in update:
        if entry["name"] in by_name:
            by_name[entry["name"]].update(entry)
        else:
            by_name[entry["name"]] = dict(entry)
            order.append(entry["name"])
    return [by_name[name] for name in order]


def _check_path_monitor(monitor, path):
    errors = check_choice(monitor.get("failure_condition"), ("any", "all"), "%s.failure_condition" % path)
    errors += check.check_range(monitor.get("hold_time"), 0, 1440, "%s.hold_time" % path, "minutes")
    names = {}
    for index, destination in enumerate(monitor.get("destinations") or []):
        where = "%s.destinations[%d]" % (path, index)
        name = destination.get("name")
        if not name:
            errors.append("%s.name: missing" % where)
        elif name in names:
            errors.append("%s.name: %r is already used by %s.destinations[%d]" % (where, name, path, names[name]))
        else:
            names[name] = index
            errors += check_length(name, 63, "%s.name" % where, minimum=1)
        if destination.get("source") is not None:
            errors += check.check_interface_address(destination["source"], "%s.source" % where)
        if destination.get("destination") is not None:
            errors += check.check_ip(destination["destination"], "%s.destination" % where)
        errors += check.check_range(destination.get("interval"), 1, 60, "%s.interval" % where, "seconds")
        errors += check.check_range(destination.get("count"), 3, 10, "%s.count" % where)
    return errors
