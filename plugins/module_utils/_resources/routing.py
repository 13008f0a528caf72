# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Static routes of a virtual router."""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import Integer, Prefix, Text, Variant
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource


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
    )

    def container_xpath(self, scope):
        return "%s/network/virtual-router/%s/routing-table/ip/static-route" % (
            scope.device_root,
            xml.entry_step(scope.virtual_router),
        )

    def validate_item(self, item, path):
        errors = []
        if item.get("destination") is not None:
            errors += check.check_prefix(item["destination"], "%s.destination" % path)
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
        return errors
