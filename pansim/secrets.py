"""Encrypted storage of pre-shared keys and manual keys, in the PAN-OS format.

PAN-OS never returns a secret as plaintext. It stores and returns
``-AQ==`` + base64(SHA-1(plaintext)) (28 characters) + ciphertext, and
pan-os-python compares secrets through the 28-character hash at ``[5:33]``.
pansim keeps that layout; its ciphertext is AES-256-GCM under a random key
that each simulated device generates at start.
"""

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "-AQ=="
HASH_LENGTH = 28
_NONCE_BYTES = 12


def fingerprint(plaintext):
    """Return base64(SHA-1(plaintext)), the hash part of an encrypted value."""
    digest = hashlib.sha1(plaintext.encode("utf-8")).digest()
    return base64.b64encode(digest).decode("ascii")


def is_encrypted(value):
    return bool(value) and value.startswith(PREFIX) and len(value) > len(PREFIX) + HASH_LENGTH


def matches(stored, plaintext):
    """Return True when ``stored`` is the encrypted form of ``plaintext``."""
    if not is_encrypted(stored):
        return False
    expected = fingerprint(plaintext)
    return hmac.compare_digest(stored[len(PREFIX):len(PREFIX) + HASH_LENGTH], expected)


def is_secret_path(tags):
    """Return True for the tag paths whose leaf text is a secret.

    Secrets are ``.../authentication/pre-shared-key/key`` of IKE gateways, the
    ``key`` leaves under an IPsec tunnel's ``manual-key``, and the ``key``
    leaves under a gateway's post-quantum pre-shared keys (``pq-ppk``).
    """
    if not tags or tags[-1] != "key":
        return False
    if len(tags) >= 2 and tags[-2] == "pre-shared-key":
        return True
    return "manual-key" in tags or "pq-ppk" in tags


class SecretBox:
    """Encrypt and decrypt secrets with one device's random key."""

    def __init__(self, key=None):
        self._aead = AESGCM(key or AESGCM.generate_key(bit_length=256))

    def encrypt(self, plaintext):
        """Return the stored form of ``plaintext``. An encrypted value is returned as is."""
        if is_encrypted(plaintext):
            return plaintext

        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), None)
        body = base64.b64encode(nonce + sealed).decode("ascii")
        return PREFIX + fingerprint(plaintext) + body

    def decrypt(self, stored):
        """Return the plaintext of a value this box encrypted.

        Raises ValueError for values encrypted elsewhere (for example blobs in a
        loaded configuration file), because their key is unknown.
        """
        if not is_encrypted(stored):
            raise ValueError("value is not in the encrypted format")
        try:
            raw = base64.b64decode(stored[len(PREFIX) + HASH_LENGTH:], validate=True)
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode("utf-8")
        except Exception as exc:
            raise ValueError("value was not encrypted by this device") from exc

    def protect(self, node, parent_tags=()):
        """Encrypt, in place, every plaintext secret leaf in the subtree of ``node``.

        ``parent_tags`` are the tags above ``node``, so a subtree that starts
        inside a gateway is still recognised. Returns the number of values encrypted.
        """
        tags = parent_tags + (node.tag,)
        if not node.children:
            if node.text is not None and is_secret_path(tags) and not is_encrypted(node.text):
                node.text = self.encrypt(node.text)
                return 1
            return 0
        return sum(self.protect(child, tags) for child in node.children)
