"""Every public configuration in the corpus parses through every resource."""

import glob
import os

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _resources as resources
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext

CORPUS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "corpus", "panos-configs"))
FULL_CONFIGS = sorted(glob.glob(os.path.join(CORPUS, "*.xml")))
RESOURCES = [
    resources.IkeCryptoProfile(),
    resources.IpsecCryptoProfile(),
    resources.IkeGateway(),
    resources.TunnelInterface(),
    resources.IpsecTunnel(),
    resources.StaticRoute(),
]
CONTEXT = RenderContext((10, 1, 0))

pytestmark = pytest.mark.skipif(not FULL_CONFIGS, reason="corpus not found at %s" % CORPUS)


def parse(path, resource, scope=None):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return engine.read_config_file(text, resource, scope or engine.Scope(), CONTEXT)


@pytest.mark.parametrize("path", FULL_CONFIGS, ids=os.path.basename)
@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: type(r).__name__)
def test_corpus_file_parses(path, resource):
    have = parse(path, resource)
    for existing in have.values():
        displayed = resource.display(existing.item, CONTEXT)
        assert displayed["name"]


def test_iron_skillet_has_predefined_profiles():
    path = os.path.join(CORPUS, "iron-skillet__sample-mgmt-static__iron_skillet_panos_full.xml")
    have = parse(path, resources.IkeCryptoProfile())
    assert set(have) >= {"default", "Suite-B-GCM-128", "Suite-B-GCM-256"}
    assert have["default"].item["dh_group"] == ["group2"]


def test_stage00_route_without_nexthop():
    path = os.path.join(CORPUS, "pan-os-php__appid-toolbox-stage00.xml")
    have = parse(path, resources.StaticRoute())
    via_tunnel = [e.item for e in have.values() if e.item.get("interface") == "tunnel.21"]
    assert via_tunnel
    displayed = resources.StaticRoute().display(via_tunnel[0], CONTEXT)
    assert displayed["nexthop_type"] == "none"
    assert displayed["nexthop"] is None


def test_stage00_seconds_lifetime_normalised():
    path = os.path.join(CORPUS, "pan-os-php__appid-toolbox-stage00.xml")
    have = parse(path, resources.IkeCryptoProfile())
    lifetimes = {resources.IkeCryptoProfile().display(e.item, CONTEXT)["lifetime"] for e in have.values()}
    assert all(value is None or value[-1] in "smhd" for value in lifetimes)


def test_best_practices_proxy_id_on_tunnel():
    path = os.path.join(CORPUS, "pan-os-php__policy-best-practices.xml")
    have = parse(path, resources.IpsecTunnel())
    assert len(have) == 1
    tunnel = resources.IpsecTunnel().display(next(iter(have.values())).item, CONTEXT)
    assert tunnel["tunnel_interface"] == "tunnel.2"
    assert tunnel["proxy_ids"][0]["remote"] == "192.168.1.0/32"


def test_best_practices_pre_70_gateway():
    path = os.path.join(CORPUS, "pan-os-php__policy-best-practices.xml")
    have = parse(path, resources.IkeGateway())
    gateway = resources.IkeGateway().display(next(iter(have.values())).item, CONTEXT)
    assert gateway["version"] == "ikev1"
    assert gateway["pre_shared_key"] == "********"
    assert gateway["dpd"] is True
