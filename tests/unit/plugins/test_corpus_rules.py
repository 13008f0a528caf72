"""Every corpus configuration parses through the rule modules' parsed state."""

import glob
import os

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _resources as resources
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext

CORPUS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "corpus", "panos-configs"))
FULL_CONFIGS = sorted(glob.glob(os.path.join(CORPUS, "*.xml")))

pytestmark = pytest.mark.skipif(not FULL_CONFIGS, reason="corpus not found at %s" % CORPUS)


@pytest.mark.parametrize("path", FULL_CONFIGS, ids=os.path.basename)
@pytest.mark.parametrize("rule_class", [resources.SecurityRule, resources.NatExemptRule], ids=lambda c: c.__name__)
def test_corpus_rules_parse(path, rule_class):
    resource = rule_class.from_params({"state": "parsed"})
    with open(path, encoding="utf-8") as handle:
        have = engine.read_config_file(handle.read(), resource, engine.Scope(), RenderContext((10, 1, 0)))
    for existing in have.values():
        assert resource.display(existing.item, RenderContext((10, 1, 0)))["name"]


def test_best_practices_has_security_rules():
    resource = resources.SecurityRule.from_params({"state": "parsed"})
    path = os.path.join(CORPUS, "pan-os-php__policy-best-practices.xml")
    with open(path, encoding="utf-8") as handle:
        have = engine.read_config_file(handle.read(), resource, engine.Scope(), RenderContext((10, 1, 0)))
    assert len(have) > 0
