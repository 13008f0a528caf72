"""A small in-memory device for the object tests: plan a task, apply its actions, read back.

The device is a ``<config>`` tree. ``run`` reads it the way the ``parsed`` state reads an
exported configuration, with the resource's own read xpaths and parse_read. It plans the
task with the engine and applies the planned ``edit``, ``set`` and ``delete`` actions with
the XML API's semantics. A test can so run a task twice and see what the second run plans.
"""

import base64
import copy
import hashlib
import xml.etree.ElementTree as ET

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext

CONTEXT = RenderContext((10, 2, 0))
SCOPE = engine.Scope()


def encrypted(plaintext):
    """The form in which PAN-OS returns a secret: -AQ==, base64(SHA-1), ciphertext."""
    digest = base64.b64encode(hashlib.sha1(plaintext.encode()).digest()).decode()
    return "-AQ==" + digest + "c2ltdWxhdGVkLWNpcGhlcnRleHQ="


def empty_config():
    config = ET.Element("config")
    device = ET.SubElement(ET.SubElement(config, "devices"), "entry", name="localhost.localdomain")
    ET.SubElement(device, "network")
    ET.SubElement(ET.SubElement(device, "vsys"), "entry", name="vsys1")
    return config


def config_from(text):
    return ET.fromstring(text)


def read(resource, config, context=CONTEXT, scope=SCOPE):
    return engine.read_config_file(ET.tostring(config, encoding="unicode"), resource, scope, context)


def plan(resource, want, config=None, state="merged", context=CONTEXT, scope=SCOPE):
    """Validate and plan a task against ``config`` (an empty device when None)."""
    engine.validate_config(resource, want, state, scope)
    have = read(resource, config, context, scope) if config is not None else {}
    return engine.plan_changes(resource, want, have, state, scope, context)


def run(resource_factory, want, config, state="merged", context=CONTEXT, scope=SCOPE):
    """Plan a task with a fresh resource and apply its actions to ``config``; return the plan."""
    planned = plan(resource_factory(), want, config, state, context, scope)
    apply(config, planned)
    return planned


def apply(config, planned):
    for op in planned.ops:
        if op.action == "edit":
            _edit(config, op.xpath, op.element)
        elif op.action == "set":
            _set(config, op.xpath, [op.element] if op.element is not None else op.children)
        elif op.action == "delete":
            _delete(config, op.xpath)
        else:
            raise AssertionError("unexpected action %s" % op.action)


def encrypt_keys(config):
    """Store every pre-shared key the way PAN-OS returns it."""
    for key in config.iter("key"):
        if key.text and not key.text.startswith("-AQ=="):
            key.text = encrypted(key.text)


def _parse_step(step):
    if "[" not in step:
        return step, None, None
    tag, predicate = step.split("[", 1)
    predicate = predicate.rstrip("]")
    kind, literal = predicate.split("=", 1)
    return tag, kind, literal.strip("'\"")


def _find_or_create(config, steps):
    node = config
    for step in steps[1:]:
        tag, kind, value = _parse_step(step)
        match = None
        for child in node:
            if child.tag != tag:
                continue
            if kind == "@name" and child.get("name") != value:
                continue
            if kind == "text()" and (child.text or "") != value:
                continue
            match = child
            break
        if match is None:
            match = ET.SubElement(node, tag)
            if kind == "@name":
                match.set("name", value)
            elif kind == "text()":
                match.text = value
        node = match
    return node


def _edit(config, xpath, element):
    """Replace the node at ``xpath`` with ``element``, creating missing ancestors."""
    steps = xml.split_xpath(xpath)
    parent = _find_or_create(config, steps[:-1])
    tag, kind, value = _parse_step(steps[-1])
    for index, child in enumerate(list(parent)):
        if child.tag == tag and (kind is None or child.get("name") == value):
            parent.remove(child)
            parent.insert(index, copy.deepcopy(element))
            return
    parent.append(copy.deepcopy(element))


def _merge_into(node, element):
    if element.tag == "member":
        if not any(child.tag == "member" and child.text == element.text for child in node):
            node.append(copy.deepcopy(element))
        return
    for child in node:
        if child.tag == element.tag and child.get("name") == element.get("name"):
            if len(element) == 0:
                child.text = element.text
            for grandchild in element:
                _merge_into(child, grandchild)
            return
    node.append(copy.deepcopy(element))


def _set(config, xpath, children):
    node = _find_or_create(config, xml.split_xpath(xpath))
    for child in children:
        _merge_into(node, child)


def _delete(config, xpath):
    steps = xml.split_xpath(xpath)
    parents = xml.select(config, "/" + "/".join(steps[:-1]))
    tag, kind, value = _parse_step(steps[-1])
    for parent in parents:
        for child in list(parent):
            if child.tag != tag:
                continue
            if kind == "@name" and child.get("name") != value:
                continue
            if kind == "text()" and (child.text or "").strip() != value:
                continue
            parent.remove(child)
