# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""XML helpers shared by the resource engine: xpath quoting and element surgery."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

DEVICE_ROOT = "/config/devices/entry[@name='localhost.localdomain']"


def quote_xpath_literal(value):
    """Quote a name for an xpath predicate the way PAN-OS and pan-os-python do."""
    if "'" not in value:
        return "'%s'" % value
    if '"' not in value:
        return '"%s"' % value
    parts = value.split("'")
    pieces = []
    for index, part in enumerate(parts):
        if index:
            pieces.append('"\'"')
        if part:
            pieces.append("'%s'" % part)
    return "concat(%s)" % ", ".join(pieces)


def entry_step(name):
    return "entry[@name=%s]" % quote_xpath_literal(name)


def member_step(name):
    return "member[text()=%s]" % quote_xpath_literal(name)


def new_entry(name):
    element = ET.Element("entry")
    element.set("name", name)
    return element


def to_string(element):
    return ET.tostring(element, encoding="unicode")


def from_string(text):
    return ET.fromstring(text)


def clone(element):
    return copy.deepcopy(element)


def find_path(element, path):
    """Return the element at a slash-separated relative path, or None."""
    node = element
    for step in path.split("/"):
        if node is None:
            return None
        node = node.find(step)
    return node


def ensure_path(element, path):
    """Return the element at a relative path, creating missing steps."""
    node = element
    for step in path.split("/"):
        child = node.find(step)
        if child is None:
            child = ET.SubElement(node, step)
        node = child
    return node


def remove_path(element, path):
    """Remove the element at a relative path and prune parents left empty."""
    steps = path.split("/")
    chain = [element]
    for step in steps:
        child = chain[-1].find(step)
        if child is None:
            return
        chain.append(child)

    chain[-2].remove(chain[-1])
    for depth in range(len(chain) - 2, 0, -1):
        node = chain[depth]
        if len(node) or (node.text and node.text.strip()) or node.attrib:
            break
        chain[depth - 1].remove(node)


def text_of(element, path):
    node = find_path(element, path)
    if node is None or node.text is None:
        return None
    text = node.text.strip()
    return text if text else None


def members_of(element, path):
    node = find_path(element, path)
    if node is None:
        return None
    return [m.text.strip() for m in node.findall("member") if m.text and m.text.strip()]


def strip_whitespace(element):
    """Drop indentation text so that elements compare and serialise compactly."""
    for node in element.iter():
        if node.text is not None and not node.text.strip() and len(node):
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
    return element


# Parents of the ``<key>`` leaves that hold secrets: pre-shared keys and manual-key
# authentication and encryption keys.
_SECRET_KEY_PARENTS = frozenset(
    ["pre-shared-key", "md5", "sha1", "sha256", "sha384", "sha512", "encryption", "authentication"]
)


def mask_secrets(element, mask):
    """Return a copy of ``element`` with every secret ``<key>`` text replaced by ``mask``."""
    masked = copy.deepcopy(element)
    for parent in masked.iter():
        if parent.tag not in _SECRET_KEY_PARENTS:
            continue
        for child in parent:
            if child.tag == "key" and child.text:
                child.text = mask
    return masked


def split_xpath(xpath):
    """Split an absolute xpath into steps, keeping predicates intact."""
    steps = []
    current = []
    depth = 0
    quote = None
    for char in xpath.strip("/"):
        if quote:
            current.append(char)
            if char == quote:
                quote = None
            continue
        if char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "/" and depth == 0:
            steps.append("".join(current))
            current = []
            continue
        current.append(char)
    if current:
        steps.append("".join(current))
    return steps


def _step_matches(node, step):
    if "[" not in step:
        return node.tag == step
    tag, predicate = step.split("[", 1)
    if node.tag != tag:
        return False
    predicate = predicate.rstrip("]")
    if predicate.startswith("@name="):
        return node.get("name") == _unquote(predicate[len("@name="):])
    if predicate.startswith("text()="):
        return (node.text or "").strip() == _unquote(predicate[len("text()="):])
    raise ValueError("unsupported xpath predicate: [%s]" % predicate)


def _unquote(literal):
    literal = literal.strip()
    if literal.startswith("concat("):
        parts = []
        for piece in split_concat(literal[len("concat("):-1]):
            parts.append(piece.strip()[1:-1])
        return "".join(parts)
    return literal[1:-1]


def split_concat(arguments):
    pieces, current, quote = [], [], None
    for char in arguments:
        if quote:
            current.append(char)
            if char == quote:
                quote = None
            continue
        if char in "'\"":
            quote = char
            current.append(char)
        elif char == ",":
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces


def select(root, xpath):
    """Evaluate one of the engine's own absolute xpaths against a ``<config>`` tree.

    Only the forms the engine writes are supported: plain steps and ``entry[@name=…]``
    or ``member[text()=…]`` predicates. This serves the ``parsed`` state, which reads an
    exported configuration without a device.
    """
    steps = split_xpath(xpath)
    if not steps or not _step_matches(root, steps[0]):
        return []
    nodes = [root]
    for step in steps[1:]:
        nodes = [child for node in nodes for child in node if _step_matches(child, step)]
        if not nodes:
            return []
    return nodes
