"""Unit tests for pansim.secrets: the stored format and which paths hold secrets."""

import base64
import hashlib

import pytest

from pansim import secrets
from pansim.node import parse_xml, to_xml


def test_encrypted_format():
    box = secrets.SecretBox()
    stored = box.encrypt("s3cret")
    expected_hash = base64.b64encode(hashlib.sha1(b"s3cret").digest()).decode()

    assert stored.startswith("-AQ==")
    assert stored[5:33] == expected_hash
    assert len(stored) > 33
    assert "s3cret" not in stored


def test_matches():
    stored = secrets.SecretBox().encrypt("s3cret")
    assert secrets.matches(stored, "s3cret")
    assert not secrets.matches(stored, "other")
    assert not secrets.matches("s3cret", "s3cret")


def test_encryption_is_randomized_and_reversible():
    box = secrets.SecretBox()
    first, second = box.encrypt("same"), box.encrypt("same")
    assert first != second
    assert box.decrypt(first) == "same"


def test_already_encrypted_value_is_kept():
    box = secrets.SecretBox()
    stored = secrets.SecretBox().encrypt("from-another-device")
    assert box.encrypt(stored) == stored


def test_decrypt_rejects_foreign_values():
    foreign = secrets.SecretBox().encrypt("x")
    with pytest.raises(ValueError):
        secrets.SecretBox().decrypt(foreign)


@pytest.mark.parametrize(
    "tags, expected",
    [
        (("gateway", "entry", "authentication", "pre-shared-key", "key"), True),
        (("ipsec", "entry", "manual-key", "esp", "authentication", "sha256", "key"), True),
        (("ipsec", "entry", "manual-key", "esp", "encryption", "key"), True),
        (("ipsec", "entry", "manual-key", "local-spi"), False),
        (("gateway", "entry", "authentication", "pre-shared-key"), False),
        (("address", "entry", "key"), False),
    ],
)
def test_secret_paths(tags, expected):
    assert secrets.is_secret_path(tags) is expected


def test_protect_subtree():
    box = secrets.SecretBox()
    element = parse_xml(
        '<entry name="gw1"><authentication><pre-shared-key><key>psk-1</key></pre-shared-key></authentication>'
        "<local-id><id>psk-1</id></local-id></entry>"
    )
    count = box.protect(element, ("config", "devices", "entry", "network", "ike", "gateway"))

    assert count == 1
    key = element.find_path("authentication", "pre-shared-key", "key").text
    assert secrets.matches(key, "psk-1")
    assert element.child_text("local-id", "id") == "psk-1"
    assert "<key>psk-1</key>" not in to_xml(element)


def test_protect_leaf_with_parent_tags():
    box = secrets.SecretBox()
    leaf = parse_xml("<key>edited</key>")
    box.protect(leaf, ("gateway", "entry", "authentication", "pre-shared-key"))
    assert secrets.matches(leaf.text, "edited")
