# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Secret handling: compare pre-shared keys without decrypting them, and mask them in output.

PAN-OS returns a secret as ``-AQ==`` followed by base64(SHA-1(plaintext)) and the
ciphertext. pan-os-python 1.13 compares secrets the same way (``ParamPath._sha1_hash``).
Comparing the embedded SHA-1 lets a second run report no change without ever reading
the key back in clear.
"""

from __future__ import annotations

import base64
import hashlib

MASK = "********"
MASK_CHANGED = "******** (new value)"
ENCRYPTED_PREFIX = "-AQ=="
_FINGERPRINT_LENGTH = 28


def fingerprint(plaintext):
    digest = hashlib.sha1(plaintext.encode("utf-8")).digest()
    return base64.b64encode(digest).decode("ascii")


def is_encrypted(value):
    return isinstance(value, str) and value.startswith(ENCRYPTED_PREFIX)


def embedded_fingerprint(encrypted):
    start = len(ENCRYPTED_PREFIX)
    return encrypted[start:start + _FINGERPRINT_LENGTH]


def secret_matches(stored, plaintext):
    """Tell whether a device value contains this plaintext.

    A stored value that is not in the encrypted form (a hand-edited export, for
    example) is compared as plain text.
    """
    if stored is None or plaintext is None:
        return stored is None and plaintext is None
    if is_encrypted(stored):
        return embedded_fingerprint(stored) == fingerprint(plaintext)
    return stored == plaintext


def secrets_equal(left, right):
    """Compare two values that may each be plaintext or encrypted."""
    if left is None or right is None:
        return left is None and right is None
    if is_encrypted(left) and is_encrypted(right):
        return embedded_fingerprint(left) == embedded_fingerprint(right)
    if is_encrypted(left):
        return secret_matches(left, right)
    return secret_matches(right, left)
