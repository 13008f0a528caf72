# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""swanctl.conf and strongswan.conf of one tunnel end, rendered from a ``TunnelEnd``.

Pre-shared keys: a device or an exported configuration carries only the encrypted key and
the SHA-1 that PAN-OS embeds in it, while a role's plan and a declared peer carry the key in
clear. To treat both alike, the daemons never get the key itself. Each end gets
HMAC-SHA256(random salt of the run, SHA-1 of its key) instead, so equal keys give equal
secrets and the daemons authenticate, and different keys give different secrets and the
daemons fail with AUTHENTICATION_FAILED, as the devices would.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets as random_secrets

from ansible_collections.ipsec.panos.plugins.module_utils import _secrets as secrets
from ansible_collections.ipsec.panos.plugins.module_utils._rehearse import proposals

# swanctl identity prefixes for the PAN-OS ID types.
ID_PREFIX = {"fqdn": "fqdn:", "ufqdn": "email:", "keyid": "keyid:"}
PROTOCOL_NAMES = {"tcp": "tcp", "udp": "udp"}


def derived_secret(pre_shared_key, salt):
    """Return the hex secret the daemons use for ``pre_shared_key`` (clear or PAN-OS encrypted).

    A missing key gets a random secret, so an end without a key never authenticates.
    """
    if not pre_shared_key:
        return random_secrets.token_hex(32)
    if secrets.is_encrypted(pre_shared_key):
        digest = secrets.embedded_fingerprint(pre_shared_key)
    else:
        digest = secrets.fingerprint(pre_shared_key)
    return hmac.new(salt, digest.encode("ascii"), hashlib.sha256).hexdigest()


def swan_identity(identity):
    """Return a PAN-OS ID (``{"type": "fqdn", "id": "vpn.example.com"}``) in swanctl syntax."""
    kind = identity.get("type") or "ipaddr"
    value = str(identity.get("id"))
    if kind == "ipaddr":
        return value
    if kind == "dn":
        # strongSwan parses a DN written as text; asn1dn: wants DER in hex.
        return '"%s"' % value.replace('"', "")
    return "%s%s" % (ID_PREFIX.get(kind, ""), value)


def _selector_text(network, protocol, number, port):
    if protocol in PROTOCOL_NAMES:
        return "%s[%s%s]" % (network, PROTOCOL_NAMES[protocol], "/%d" % port if port else "")
    if protocol == "number" and number:
        return "%s[%d]" % (network, int(number))
    return network


def children_selectors(end):
    """Return (local_ts, remote_ts) per child: one child per proxy ID, or 0.0.0.0/0 both ways without proxy IDs."""
    if not end.proxy_ids:
        return [("0.0.0.0/0", "0.0.0.0/0")]
    pairs = []
    for local, remote, protocol, number, local_port, remote_port in sorted(end.proxy_ids):
        pairs.append((_selector_text(local, protocol, number, local_port), _selector_text(remote, protocol, number, remote_port)))
    return pairs


def negotiated_version(end):
    return proposals.VERSION.get(end.version, "1")


def swanctl_conf(end, secret, initiates, connection="tunnel"):
    """Return the swanctl.conf text of one end. It contains ``secret``, so write it readable by root only."""
    version = end.version
    proposal_version = "ikev1" if version == "ikev1" else "ikev2"
    ike = proposals.ike_proposals(end.ike.get("encryption"), end.ike.get("hash"), end.ike.get("dh_group"), proposal_version)
    esp = proposals.esp_proposals(end.esp.get("encryption"), end.esp.get("authentication"), end.esp.get("dh_group"), proposal_version)
    local_id = swan_identity(end.local_id) if end.local_id else end.local_address
    remote_id = swan_identity(end.peer_id) if end.peer_id else "%any"
    ike_lifetime = int(end.ike.get("lifetime") or 28800)
    ipsec_lifetime = int(end.esp.get("lifetime") or 3600)
    lines = [
        "connections {",
        "    %s {" % connection,
        "        version = %s" % negotiated_version(end),
        "        local_addrs = %s" % end.local_address,
        "        remote_addrs = %s" % end.peer_address,
        # An empty proposal list would make strongSwan fall back to its defaults, so an
        # end that offers nothing gets null-md5-modp768, which no PAN-OS profile offers.
        "        proposals = %s" % (", ".join(ike) or "null-md5-modp768"),
        "        rekey_time = %ds" % ike_lifetime,
        "        keyingtries = 1",
        "        unique = never",
    ]
    if end.liveness:
        lines.append("        dpd_delay = %ds" % int(end.liveness))
    if end.nat_traversal:
        lines.append("        encap = yes")
    if version == "ikev1" and getattr(end, "exchange_mode", None) == "aggressive":
        lines.append("        aggressive = yes")
    lines += [
        "        local {",
        "            auth = psk",
        "            id = %s" % local_id,
        "        }",
        "        remote {",
        "            auth = psk",
        "            id = %s" % remote_id,
        "        }",
        "        children {",
    ]
    for index, (local_ts, remote_ts) in enumerate(children_selectors(end), start=1):
        lines += [
            "            %s-%d {" % (connection, index),
            "                local_ts = %s" % local_ts,
            "                remote_ts = %s" % remote_ts,
            "                esp_proposals = %s" % (", ".join(esp) or "null-md5-modp768"),
            "                life_time = %ds" % ipsec_lifetime,
            "                rekey_time = %ds" % max(1, ipsec_lifetime * 9 // 10),
            # A passive end only responds; the other end starts the tunnel when loaded.
            "                start_action = %s" % ("start" if initiates else "none"),
            "                close_action = none",
            "                dpd_action = clear",
            "            }",
        ]
    lines += ["        }", "    }", "}", "", "secrets {", "    ike-%s {" % connection, "        secret = 0x%s" % secret, "    }", "}", ""]
    return "\n".join(lines)


def strongswan_conf(workdir):
    """Return the strongswan.conf of one private charon, its socket and log under ``workdir``."""
    return "\n".join(
        [
            "charon {",
            "    # PAN-OS offers IKEv1 aggressive mode with a pre-shared key, which strongSwan refuses unless told.",
            "    i_dont_care_about_security_and_use_aggressive_mode_psk = yes",
            "    # The kernel may lack XFRM, so ESP runs in user space (kernel-libipsec, on a TUN device).",
            "    plugins {",
            "        kernel-libipsec {",
            "            load = 5",
            "        }",
            "        kernel-netlink {",
            "            load = yes",
            "        }",
            "        vici {",
            "            socket = unix://%s/charon.vici" % workdir,
            "        }",
            "        ha {",
            "            load = no",
            "        }",
            "        forecast {",
            "            load = no",
            "        }",
            "        error-notify {",
            "            load = no",
            "        }",
            "        bypass-lan {",
            "            load = no",
            "        }",
            "        resolve {",
            "            load = no",
            "        }",
            "    }",
            "    filelog {",
            "        rehearse {",
            "            path = %s/charon.log" % workdir,
            "            default = 1",
            "            flush_line = yes",
            "        }",
            "    }",
            "}",
            "",
        ]
    )


def protected_address(network_text):
    """Return the address a protected subnet gets on the namespace's ``lo``: its first host."""
    network = ipaddress.ip_network(str(network_text).split("[", 1)[0], strict=False)
    if network.num_addresses == 1:
        return str(network.network_address)
    return str(network.network_address + 1)
