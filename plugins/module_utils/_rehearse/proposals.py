# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""PAN-OS crypto profile values as strongSwan (swanctl.conf) proposal strings.

The site_to_site design renders a strongSwan peer's file with these, and the rehearsal
renders both ends of a tunnel with them, so the two always agree on the mapping.
"""

from __future__ import annotations

ENCRYPTION = {
    "des": "des",
    "3des": "3des",
    "aes-128-cbc": "aes128",
    "aes-192-cbc": "aes192",
    "aes-256-cbc": "aes256",
    "aes-128-gcm": "aes128gcm16",
    "aes-256-gcm": "aes256gcm16",
    "aes-128-ccm": "aes128ccm16",
    "null": "null",
}
INTEGRITY = {"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
DH_GROUP = {
    "group1": "modp768",
    "group2": "modp1024",
    "group5": "modp1536",
    "group14": "modp2048",
    "group15": "modp3072",
    "group16": "modp4096",
    "group19": "ecp256",
    "group20": "ecp384",
    "group21": "ecp521",
}
VERSION = {"ikev1": "1", "ikev2": "2", "ikev2-preferred": "0"}
AEAD_CIPHERS = ("aes-128-gcm", "aes-256-gcm")
# PRFs offered with IKE AES-GCM, which has no integrity algorithm to derive one from.
# NOTE: the PRF that PAN-OS pairs with IKE AES-GCM is not documented in the pages read.
# Offering the three SHA-2 PRFs lets strongSwan accept any of them.
GCM_PRFS = ("prfsha512", "prfsha384", "prfsha256")


def ike_proposals(encryption, hashes, dh_groups, ike_version):
    """Return the swanctl ``proposals`` list of an IKE crypto profile, in the profile's order."""
    classic = [ENCRYPTION[c] for c in encryption or [] if c not in AEAD_CIPHERS]
    aead = [ENCRYPTION[c] for c in encryption or [] if c in AEAD_CIPHERS]
    integrity = [INTEGRITY[h] for h in hashes or [] if h in INTEGRITY]
    groups = [DH_GROUP[g] for g in dh_groups or []]
    if ike_version == "ikev1":
        # IKEv1 takes one algorithm of each kind per proposal, so each combination is its own proposal.
        return ["-".join((c, i, g)) for c in classic for i in integrity for g in groups]
    proposals = []
    if classic and integrity:
        proposals.append("-".join(classic + integrity + groups))
    if aead:
        # AEAD and classic algorithms must not share a proposal.
        proposals.append("-".join(aead + list(GCM_PRFS) + groups))
    return proposals


def esp_proposals(encryption, authentication, dh_group, ike_version):
    """Return the swanctl ``esp_proposals`` list of an IPsec crypto profile; a DH group in it means PFS."""
    classic = [ENCRYPTION[c] for c in encryption or [] if c not in AEAD_CIPHERS]
    aead = [ENCRYPTION[c] for c in encryption or [] if c in AEAD_CIPHERS]
    integrity = [INTEGRITY[a] for a in authentication or [] if a in INTEGRITY]
    group = dh_group or "group2"
    groups = [] if group == "no-pfs" else [DH_GROUP[group]]
    if ike_version == "ikev1":
        return ["-".join([c, i] + groups) for c in classic for i in integrity] + ["-".join([c] + groups) for c in aead]
    proposals = []
    if classic and integrity:
        proposals.append("-".join(classic + integrity + groups))
    if aead:
        proposals.append("-".join(aead + groups))
    return proposals
