"""Fuzz the configuration parsers with hypothesis, starting from the public corpus configs.

Each example takes the VPN part of a real configuration, mutates it (drops elements, changes
text, duplicates entries, adds unknown elements), and parses it with every resource and the
audit model. A parser may reject the input with ValidationError or MappingError, and must
raise nothing else. Whatever it accepts must survive a display, which is what the modules
return.
"""

import copy
import glob
import os
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.ipsec.panos.plugins.module_utils import _audit as audit
from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _resources as resources
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import MappingError, RenderContext

CORPUS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "corpus", "panos-configs"))
FULL_CONFIGS = sorted(glob.glob(os.path.join(CORPUS, "*.xml")))
RESOURCES = (
    resources.IkeCryptoProfile,
    resources.IpsecCryptoProfile,
    resources.IkeGateway,
    resources.IpsecTunnel,
    resources.TunnelInterface,
    resources.TunnelMonitorProfile,
    resources.Zone,
    resources.StaticRoute,
)
CONTEXT = RenderContext((10, 2, 0))
SCOPE = engine.Scope()

pytestmark = pytest.mark.skipif(not FULL_CONFIGS, reason="corpus not found at %s" % CORPUS)


def _roots():
    roots = []
    for path in FULL_CONFIGS:
        try:
            roots.append(engine.config_from_text(open(path, encoding="utf-8").read()))
        except engine.ValidationError:
            continue
    return roots


ROOTS = _roots() if FULL_CONFIGS else []
TEXTS = st.one_of(
    st.sampled_from(["", "yes", "no", "0", "-1", "99999999", "group20", "aes-256-gcm", "$var", "10.0.0.0/33", "tunnel.0", "a" * 300]),
    st.text(max_size=20),
)


def _mutate(root, choices):
    """Apply a sequence of (kind, position, text) mutations to a copy of ``root``."""
    root = copy.deepcopy(root)
    elements = [element for element in root.iter() if element is not root]
    for kind, position, text in choices:
        if not elements:
            break
        element = elements[position % len(elements)]
        if kind == "text":
            element.text = text
        elif kind == "drop":
            for parent in root.iter():
                if element in list(parent):
                    parent.remove(element)
                    break
        elif kind == "duplicate":
            for parent in root.iter():
                if element in list(parent):
                    parent.append(copy.deepcopy(element))
                    break
        elif kind == "unknown":
            ET.SubElement(element, "unknown-%d" % (position % 7)).text = text
        elif kind == "rename":
            if element.get("name") is not None:
                element.set("name", text)
        elements = [element for element in root.iter() if element is not root]
    return root


MUTATIONS = st.lists(
    st.tuples(st.sampled_from(["text", "drop", "duplicate", "unknown", "rename"]), st.integers(min_value=0, max_value=10**6), TEXTS),
    min_size=1,
    max_size=12,
)


def _vpn_part(root):
    """Keep the network and vsys subtrees that the resources read, so mutations land there."""
    for entry in root.findall("devices/entry"):
        for child in list(entry):
            if child.tag not in ("network", "vsys"):
                entry.remove(child)
    for child in list(root):
        if child.tag != "devices":
            root.remove(child)
    return root


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(min_value=0, max_value=100), mutations=MUTATIONS)
def test_mutated_corpus_parses_or_rejects(index, mutations):
    root = _mutate(_vpn_part(copy.deepcopy(ROOTS[index % len(ROOTS)])), mutations)
    for cls in RESOURCES:
        resource = cls()
        try:
            have = resource.parse_read(engine.select_read(root, resource, SCOPE), SCOPE, CONTEXT)
            for existing in have.values():
                resource.display(existing.item, CONTEXT)
        except (engine.ValidationError, MappingError):
            continue


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(min_value=0, max_value=100), mutations=MUTATIONS)
def test_mutated_corpus_audits_or_rejects(index, mutations):
    root = _mutate(_vpn_part(copy.deepcopy(ROOTS[index % len(ROOTS)])), mutations)
    text = ET.tostring(root, encoding="unicode")
    try:
        result = audit.run_audit({"running_config": text})
    except engine.ValidationError:
        return
    assert "VPN-AUD-003" not in {finding["rule_id"] for finding in result["findings"]}, result["findings"]
