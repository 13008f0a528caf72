# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tunnel monitor profiles: what a tunnel does when its monitor stops getting replies."""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import Integer, Text
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource

MONITOR_ACTIONS = ("wait-recover", "fail-over")
# PAN-OS web help gives 2 to 10 for both. NOTE: the 10.x/11.x XML schema allows an
# interval up to 100 seconds; this keeps to the documented range.
INTERVAL_RANGE = (2, 10)
THRESHOLD_RANGE = (2, 10)


class TunnelMonitorProfile(EntryResource):
    label = "tunnel monitor profile"
    container = "network/profiles/monitor-profile"
    name_max = 31
    predefined = ("default",)
    fields = (
        Text("action", "action", device_default="wait-recover"),
        Integer("interval", "interval", device_default=3),
        Integer("threshold", "threshold", device_default=5),
    )

    def validate_item(self, item, path):
        errors = []
        if item.get("action") is not None and item["action"] not in MONITOR_ACTIONS:
            errors.append("%s.action: %r is not allowed; use wait-recover or fail-over" % (path, item["action"]))
        errors += check.check_range(item.get("interval"), INTERVAL_RANGE[0], INTERVAL_RANGE[1], "%s.interval" % path, "seconds")
        errors += check.check_range(item.get("threshold"), THRESHOLD_RANGE[0], THRESHOLD_RANGE[1], "%s.threshold" % path)
        return errors

    def validate_complete(self, desired, path, existing):
        # The device default is wait-recover, which never moves traffic to a backup tunnel.
        # A profile meant for a redundant pair that silently got it would not fail over.
        if desired.get("action") is None:
            return [
                "%s.action: missing; tunnel monitor profile %r needs an action: fail-over moves traffic to a "
                "backup path, wait-recover keeps the tunnel and waits for it" % (path, desired["name"])
            ]
        return []
