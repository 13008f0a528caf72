# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A declared third-party tunnel end: its options and the ``TunnelEnd`` built from them.

vpn_peer_check and vpn_rehearse take the same declared form, so both read it here.
"""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _peer_check as peer_check
from ansible_collections.ipsec.panos.plugins.module_utils import _validate as check
from ansible_collections.ipsec.panos.plugins.module_utils._argspec import IKE_CRYPTO_PROFILE_OPTIONS, IPSEC_CRYPTO_PROFILE_OPTIONS

ID_OPTIONS = dict(type=dict(type="str", required=True), id=dict(type="str", required=True), matching=dict(type="str", choices=["exact", "wildcard"]))
DECLARED_OPTIONS = dict(
    name=dict(type="str", default="declared-peer"),
    local_address=dict(type="str", required=True),
    peer_address=dict(type="str", required=True),
    version=dict(type="str", default="ikev2", choices=["ikev1", "ikev2", "ikev2-preferred"]),
    pre_shared_key=dict(type="str", no_log=True),
    local_id=dict(type="dict", options=ID_OPTIONS),
    peer_id=dict(type="dict", options=ID_OPTIONS),
    passive=dict(type="bool", default=False),
    ike=dict(
        type="dict",
        required=True,
        options=dict(
            encryption=dict(type="list", elements="str", required=True, choices=IKE_CRYPTO_PROFILE_OPTIONS["encryption"]["choices"]),
            hash=dict(type="list", elements="str", required=True, choices=IKE_CRYPTO_PROFILE_OPTIONS["hash"]["choices"]),
            dh_group=dict(type="list", elements="str", required=True, choices=IKE_CRYPTO_PROFILE_OPTIONS["dh_group"]["choices"]),
            lifetime=dict(type="raw"),
        ),
    ),
    esp=dict(
        type="dict",
        required=True,
        options=dict(
            encryption=dict(type="list", elements="str", required=True, choices=IPSEC_CRYPTO_PROFILE_OPTIONS["esp_encryption"]["choices"]),
            authentication=dict(type="list", elements="str", required=True, choices=IPSEC_CRYPTO_PROFILE_OPTIONS["esp_authentication"]["choices"]),
            dh_group=dict(type="str", required=True, choices=IPSEC_CRYPTO_PROFILE_OPTIONS["dh_group"]["choices"]),
            lifetime=dict(type="raw"),
        ),
    ),
    proxy_ids=dict(
        type="list",
        elements="dict",
        options=dict(
            local=dict(type="str", required=True),
            remote=dict(type="str", required=True),
            protocol=dict(type="str", default="any", choices=["any", "number", "tcp", "udp"]),
            protocol_number=dict(type="int"),
            local_port=dict(type="int"),
            remote_port=dict(type="int"),
        ),
    ),
    liveness=dict(type="int"),
    nat_traversal=dict(type="bool", default=False),
)


def check_declared(declared, where="peer.declared"):
    """Reject declared values that would only show up later as a false mismatch."""
    errors = []
    for option in ("local_address", "peer_address"):
        errors += check.check_ip(declared[option], "%s.%s" % (where, option))
    for section in ("ike", "esp"):
        lifetime = declared[section].get("lifetime")
        if lifetime is not None and peer_check.lifetime_seconds(lifetime, None) is None:
            errors.append("%s.%s.lifetime: %r is not a duration such as 28800, 8h or 480m" % (where, section, lifetime))
    for index, proxy_id in enumerate(declared.get("proxy_ids") or []):
        for option in ("local", "remote"):
            errors += check.check_prefix(proxy_id[option], "%s.proxy_ids[%d].%s" % (where, index, option))
    if errors:
        raise engine.ValidationError(errors)


def declared_end(declared, where="peer.declared"):
    """Check a declared peer and return its ``TunnelEnd``."""
    check_declared(declared, where)
    return peer_check.TunnelEnd(
        declared["name"],
        declared["name"],
        declared["name"],
        version=declared["version"],
        local_address=declared["local_address"],
        peer_address=declared["peer_address"],
        pre_shared_key=declared.get("pre_shared_key"),
        local_id=declared.get("local_id"),
        peer_id=declared.get("peer_id"),
        passive=declared.get("passive"),
        ike={
            "encryption": declared["ike"]["encryption"],
            "hash": declared["ike"]["hash"],
            "dh_group": declared["ike"]["dh_group"],
            "lifetime": peer_check.lifetime_seconds(declared["ike"].get("lifetime"), peer_check.DEFAULT_IKE_LIFETIME),
        },
        esp={
            "encryption": declared["esp"]["encryption"],
            "authentication": declared["esp"]["authentication"],
            "dh_group": declared["esp"]["dh_group"],
            "lifetime": peer_check.lifetime_seconds(declared["esp"].get("lifetime"), peer_check.DEFAULT_IPSEC_LIFETIME),
        },
        proxy_ids=declared.get("proxy_ids"),
        liveness=declared.get("liveness"),
        nat_traversal=declared.get("nat_traversal"),
    )
