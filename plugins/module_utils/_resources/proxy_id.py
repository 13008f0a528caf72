# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The proxy IDs of one IPsec tunnel, IPv4 and IPv6, managed on their own."""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import is_ipv6_selector
from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource
from ansible_collections.ipsec.panos.plugins.module_utils._resources.tunnel import (
    PROXY_ID_FIELDS,
    PROXY_ID_NAME_MAX,
    check_overlaps,
    check_proxy_id,
)

# Private key of a parsed proxy ID: whether it sits in the proxy-id-v6 list.
_IPV6 = "_ipv6"


class ProxyId(EntryResource):
    """The proxy IDs under ``network/tunnel/ipsec/entry[@name=T]/auto-key``.

    The read covers that one tunnel, so ``overridden`` and ``deleted`` never touch the
    proxy IDs of another tunnel. Each proxy ID goes to ``proxy-id`` or ``proxy-id-v6``
    by the address family of its prefixes.
    """

    label = "proxy ID"
    name_max = PROXY_ID_NAME_MAX
    fields = tuple(PROXY_ID_FIELDS)

    def __init__(self, tunnel=None, state=None):
        self.tunnel = tunnel
        self.state = state
        # What the read found: None before a read (rendered state), else whether the
        # tunnel exists, and which key type it uses.
        self.tunnel_found = None
        self.tunnel_key_type = None
        self.have = {}
        # Proxy IDs of this task as they will be written, with their option paths, for the overlap check.
        self.planned = []
        self.reported_missing_tunnel = False

    # -- where --------------------------------------------------------------

    def tunnel_xpath(self, scope):
        return "%s/network/tunnel/ipsec/%s" % (scope.root("device"), xml.entry_step(self.tunnel or ""))

    def container_xpath(self, scope):
        return "%s/auto-key" % self.tunnel_xpath(scope)

    def list_xpath(self, scope, ipv6):
        return "%s/%s" % (self.container_xpath(scope), "proxy-id-v6" if ipv6 else "proxy-id")

    def entry_xpath(self, scope, name, ipv6=False):
        return "%s/%s" % (self.list_xpath(scope, ipv6), xml.entry_step(name))

    def read_xpaths(self, scope):
        return [self.tunnel_xpath(scope)]

    # -- reading ------------------------------------------------------------

    def parse_read(self, result, scope, context):
        from ansible_collections.ipsec.panos.plugins.module_utils._engine import Existing

        tunnel = None
        for child in result:
            if child.tag == "entry" and child.get("name") == self.tunnel:
                tunnel = child
        self.tunnel_found = tunnel is not None
        self.have = {}
        if tunnel is None:
            return self.have

        for key_type in ("auto-key", "manual-key", "global-protect-satellite"):
            if tunnel.find(key_type) is not None:
                self.tunnel_key_type = key_type
        self.monitor_proxy_id = xml.text_of(tunnel, "tunnel-monitor/proxy-id")
        for ipv6, tag in ((False, "proxy-id"), (True, "proxy-id-v6")):
            container = xml.find_path(tunnel, "auto-key/%s" % tag)
            if container is None:
                continue
            for entry in container.findall("entry"):
                if entry.get("name") is None:
                    continue
                xml.strip_whitespace(entry)
                item = self.parse_entry(entry, context)
                item[_IPV6] = ipv6
                # NOTE: an IPv4 and an IPv6 proxy ID with the same name would share one key here.
                # Tunnel monitoring names a proxy ID without its family, so names are kept unique.
                self.have[item["name"]] = Existing(item, entry)
        return self.have

    # -- validation -----------------------------------------------------------

    def validate_item(self, item, path):
        return check_proxy_id(item, path, require_prefixes=False)

    def validate_complete(self, desired, path, existing):
        errors = self._check_tunnel()
        for side in ("local", "remote"):
            if desired.get(side) is None:
                errors.append("%s.%s: missing; proxy ID %r needs both local and remote prefixes" % (path, side, desired["name"]))
        if errors:
            return errors
        errors += check_proxy_id(desired, path)
        if errors:
            return errors

        requested = {item["name"] for item, _where in self.planned}
        requested.add(desired["name"])
        others = list(self.planned)
        if self.state != "overridden":
            # Proxy IDs that the task does not name stay on the tunnel, except with overridden.
            others += [
                (other.item, "proxy ID %r of tunnel %r on the device" % (name, self.tunnel))
                for name, other in sorted(self.have.items())
                if name not in requested
            ]
        errors += check_overlaps(desired, path, others)
        self.planned.append((desired, path))
        return errors

    def _check_tunnel(self):
        if self.reported_missing_tunnel:
            return []
        if self.tunnel_found is False:
            self.reported_missing_tunnel = True
            return [
                "tunnel: IPsec tunnel %r not found; create it first, for example with ipsec.panos.ipsec_tunnel"
                % self.tunnel
            ]
        if self.tunnel_key_type not in (None, "auto-key"):
            self.reported_missing_tunnel = True
            return [
                "tunnel: IPsec tunnel %r uses %s, and only auto-key tunnels have proxy IDs"
                % (self.tunnel, self.tunnel_key_type)
            ]
        return []

    # -- writing ------------------------------------------------------------

    def write_ops(self, name, desired, existing, scope, context):
        from ansible_collections.ipsec.panos.plugins.module_utils._engine import Op

        ipv6 = is_ipv6_selector(desired)
        ops = []
        if existing is not None and existing.item.get(_IPV6) != ipv6:
            # The address family changed, so the proxy ID moves to the other list.
            ops.append(Op("delete", self.entry_xpath(scope, name, existing.item.get(_IPV6))))
            existing = None
        entry = self.render_entry(desired, existing, context)
        ops.append(Op("edit", self.entry_xpath(scope, name, ipv6), element=entry))
        return ops

    def check_deletable(self, name, path):
        if name and name == getattr(self, "monitor_proxy_id", None):
            return [
                "%s: cannot delete proxy ID %r because tunnel %r monitors through it (tunnel_monitor.proxy_id); "
                "change the tunnel monitor first" % (path, name, self.tunnel)
            ]
        return []

    def delete_ops(self, name, existing, scope):
        from ansible_collections.ipsec.panos.plugins.module_utils._engine import Op

        return [Op("delete", self.entry_xpath(scope, name, existing.item.get(_IPV6)))]
