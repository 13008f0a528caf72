# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""References between VPN objects, checked before any write.

PAN-OS accepts a dangling reference when it is written and only rejects it at
commit, after the change window has started. The engine reads the objects a task
refers to, and the objects that refer to what a task deletes, in the same single
read, so both mistakes are reported before anything is written.
"""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils import _resources


class Reference:
    """``referrer.option`` names an object of type ``target``."""

    def __init__(self, referrer, option, target, applies=None, check_target=True):
        self.referrer = referrer
        self.option = option
        self.target = target
        self.applies = applies or (lambda value: True)
        # False where the target resource does not read every object the option may name
        # (a rule may name a tap or virtual-wire zone, which the zone module never reads).
        self.check_target = check_target

    def value(self, item):
        value = item
        for step in self.option.split("."):
            if not isinstance(value, dict):
                return None
            value = value.get(step)
        if value is None or isinstance(value, list) or not self.applies(value):
            return None
        return value

    def names(self, item):
        """Return every object name in the option: one for a scalar option, all members of a list option."""
        value = item
        for step in self.option.split("."):
            if not isinstance(value, dict):
                return []
            value = value.get(step)
        values = value if isinstance(value, list) else [value]
        return [v for v in values if v is not None and self.applies(v)]


def _is_tunnel_interface(value):
    return str(value).startswith("tunnel.")


REFERENCES = (
    Reference("IkeGateway", "ike_crypto_profile", "IkeCryptoProfile"),
    Reference("IpsecTunnel", "ike_gateway", "IkeGateway"),
    Reference("IpsecTunnel", "ipsec_crypto_profile", "IpsecCryptoProfile"),
    Reference("IpsecTunnel", "tunnel_interface", "TunnelInterface"),
    Reference("IpsecTunnel", "tunnel_monitor.profile", "TunnelMonitorProfile"),
    Reference("StaticRoute", "interface", "TunnelInterface", applies=_is_tunnel_interface),
    Reference("SecurityRule", "from_zones", "Zone", check_target=False),
    Reference("SecurityRule", "to_zones", "Zone", check_target=False),
    Reference("NatExemptRule", "from_zones", "Zone", check_target=False),
    Reference("NatExemptRule", "to_zones", "Zone", check_target=False),
    Reference("NatExemptRule", "to_interface", "TunnelInterface", applies=_is_tunnel_interface, check_target=False),
)


def resource_named(name):
    """Return an instance of the resource class ``name``, or None if this collection has none."""
    cls = getattr(_resources, name, None)
    return cls() if cls is not None else None


def outgoing(resource):
    """References from objects of this resource to other objects."""
    name = type(resource).__name__
    return [
        ref for ref in REFERENCES if ref.referrer == name and ref.check_target and resource_named(ref.target) is not None
    ]


def incoming(resource):
    """References to objects of this resource from other objects."""
    name = type(resource).__name__
    return [ref for ref in REFERENCES if ref.target == name and resource_named(ref.referrer) is not None]


def related_resources(resource, state):
    """The other resources a task must read to check references for this state."""
    related = {}
    if state in ("merged", "replaced", "overridden"):
        for ref in outgoing(resource):
            related.setdefault(ref.target, resource_named(ref.target))
    if state in ("deleted", "overridden"):
        for ref in incoming(resource):
            related.setdefault(ref.referrer, resource_named(ref.referrer))
    return related


def check_references(resource, want, plan, related_have, prefix="config", transaction=None):
    """Return errors for dangling references in what the plan writes, and for deletes of used objects.

    ``transaction`` maps a resource class name to the plan of the same request, so an object
    created in that request counts as existing, and one deleted in it as gone.
    """
    errors = []
    transaction = transaction or {}
    positions = {item["name"]: index for index, item in enumerate(want)}

    for ref in outgoing(resource):
        targets = related_have.get(ref.target)
        if targets is None:
            continue
        target = resource_named(ref.target)
        target_plan = transaction.get(ref.target)
        created = set(target_plan.written) if target_plan else set()
        removed = {n for n, p in target_plan.after.items() if p is None} if target_plan else set()
        for name, predicted in plan.after.items():
            if predicted is None or name not in plan.written:
                continue
            value = ref.value(plan.written[name])
            if value is None or value in target.predefined or value in created:
                continue
            if value in targets and value not in removed:
                continue
            where = "%s[%d].%s" % (prefix, positions[name], ref.option) if name in positions else ref.option
            errors.append(
                "%s: %s %r does not exist, so %s %r would fail at commit; create it first or correct the name"
                % (where, target.label, value, resource.label, name)
            )

    for name, uses in sorted(users_of_deleted(resource, plan, related_have, transaction).items()):
        referrer, user, option = uses[0]
        where = "%s[%d]" % (prefix, positions[name]) if name in positions else prefix
        errors.append(
            "%s: cannot delete %s %r because %s %r uses it (%s); change or delete that %s first"
            % (where, resource.label, name, referrer.label, user, option, referrer.label)
        )
    return errors


def users_of_deleted(resource, plan, related_have, transaction=None):
    """Return, for each object the plan deletes that is still in use, its users.

    The result maps the object's name to a list of (referrer resource, user name, option).
    A user that the same transaction deletes, or rewrites without the reference, does not
    count. The resource's own ``remaining_users`` hook adds users that are not references,
    such as the interfaces left in a zone.
    """
    transaction = transaction or {}
    deleted = {name for name, predicted in plan.after.items() if predicted is None}
    found = {}
    for ref in incoming(resource):
        referrers = related_have.get(ref.referrer)
        if not referrers:
            continue
        referrer = resource_named(ref.referrer)
        referrer_plan = transaction.get(ref.referrer)
        for name in sorted(deleted):
            users = sorted(user for user, existing in referrers.items() if name in ref.names(existing.item))
            for user in users:
                if referrer_plan is not None:
                    if referrer_plan.after.get(user, "unchanged") is None:
                        continue
                    rewritten = referrer_plan.written.get(user)
                    if rewritten is not None and name not in ref.names(rewritten):
                        continue
                found.setdefault(name, []).append((referrer, user, ref.option))
    for name in sorted(deleted):
        found_here = resource.remaining_users(name, plan, transaction)
        if found_here:
            found.setdefault(name, []).extend(found_here)
    return found
