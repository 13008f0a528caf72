"""Every public configuration parses through every module, and every object survives a round trip.

A round trip parses a device entry, renders it as the module would write it, and parses
that again. The two parsed forms must be equal, or a second run would report a change.
"""

import glob
import os
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _resources as resources
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext

import test_corpus
from _objects import config_from, run

CORPUS = test_corpus.CORPUS
FULL_CONFIGS = test_corpus.FULL_CONFIGS
CONTEXT = test_corpus.CONTEXT
RESOURCES = test_corpus.RESOURCES + [resources.Zone(), resources.TunnelMonitorProfile()]

# Partial snippets (several top-level elements, Jinja placeholders): file name, resource and
# where its objects sit once the snippet is wrapped in one root element.
SNIPPETS = [
    ("ikecrypto.xml", resources.IkeCryptoProfile, "entry"),
    ("ipseccrypto.xml", resources.IpsecCryptoProfile, "entry"),
    ("ikeprofile.xml", resources.IkeGateway, "entry"),
    ("ipsecprofile.xml", resources.IpsecTunnel, "entry"),
    ("interface.xml", resources.TunnelInterface, "tunnel/units/entry"),
    ("zone.xml", resources.Zone, "entry"),
]
SNIPPET_DIRS = sorted(glob.glob(os.path.join(CORPUS, "cestebanez91__*")))

pytestmark = pytest.mark.skipif(not FULL_CONFIGS, reason="corpus not found at %s" % CORPUS)


def load(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def parse(path, resource):
    return engine.read_config_file(load(path), resource, engine.Scope(), CONTEXT)


def tunnel_names(path):
    return sorted(parse(path, resources.IpsecTunnel()))


def assert_round_trip(resource, item):
    rendered = resource.render_entry(item, None, CONTEXT)
    again = resource.parse_entry(rendered, CONTEXT)
    # Options such as a tunnel interface's zone live outside the entry, in other objects.
    again.update({option: item.get(option) for option in resource.extra_options})
    assert resource.canonical(again, CONTEXT) == resource.canonical(item, CONTEXT)
    assert resource.same(again, item, CONTEXT)


@pytest.mark.parametrize("path", FULL_CONFIGS, ids=os.path.basename)
@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: type(r).__name__)
def test_corpus_file_parses_and_round_trips(path, resource):
    have = parse(path, resource)
    for existing in have.values():
        assert resource.display(existing.item, CONTEXT)["name"]
        assert_round_trip(resource, existing.item)


@pytest.mark.parametrize("path", FULL_CONFIGS, ids=os.path.basename)
def test_corpus_proxy_ids_parse_per_tunnel(path):
    for tunnel in tunnel_names(path):
        resource = resources.ProxyId(tunnel=tunnel)
        for existing in parse(path, resource).values():
            assert resource.display(existing.item, CONTEXT)["name"]
            assert_round_trip(resource, existing.item)


@pytest.mark.parametrize("directory", SNIPPET_DIRS, ids=os.path.basename)
@pytest.mark.parametrize("name, factory, where", SNIPPETS, ids=[s[0] for s in SNIPPETS])
def test_corpus_snippet_round_trips(directory, name, factory, where):
    root = ET.fromstring("<snippet>%s</snippet>" % load(os.path.join(directory, name)))
    resource = factory()
    entries = root.findall(where)
    assert entries
    for entry in entries:
        item = resource.parse_entry(entry, CONTEXT)
        assert_round_trip(resource, item)


def test_best_practices_proxy_id_belongs_to_tunnel():
    """The proxy ID of tunnel SuperPartner-ipsec is read under that tunnel, not its interface tunnel.2."""
    path = os.path.join(CORPUS, "pan-os-php__policy-best-practices.xml")
    assert tunnel_names(path) == ["SuperPartner-ipsec"]
    have = parse(path, resources.ProxyId(tunnel="SuperPartner-ipsec"))
    assert sorted(have) == ["proxy1"]
    displayed = resources.ProxyId(tunnel="SuperPartner-ipsec").display(have["proxy1"].item, CONTEXT)
    assert displayed["remote"] == "192.168.1.0/32"
    assert parse(path, resources.ProxyId(tunnel="tunnel.2")) == {}


def test_best_practices_proxy_id_reapplied_without_change():
    path = os.path.join(CORPUS, "pan-os-php__policy-best-practices.xml")
    config = config_from(load(path))
    gathered = {"name": "proxy1", "local": "10.0.0.0/16", "remote": "192.168.1.0/32", "protocol": "any"}

    def proxy_ids():
        return resources.ProxyId(tunnel="SuperPartner-ipsec")

    assert run(proxy_ids, [gathered], config, context=CONTEXT).ops == []


def test_stage00_zones_layer3_only():
    path = os.path.join(CORPUS, "pan-os-php__appid-toolbox-stage00.xml")
    zone = resources.Zone()
    have = parse(path, zone)
    assert "tapzone" not in have
    assert zone.other_zones.get("tapzone") == "tap"
    assert "tunnel.11" in have["vpn"].item["interfaces"]
    assert zone.display(have["vpn"].item, CONTEXT)["enable_user_identification"] is True


def test_stage00_route_reapplied_without_change():
    path = os.path.join(CORPUS, "pan-os-php__appid-toolbox-stage00.xml")
    config = config_from(load(path))
    route = resources.StaticRoute()
    have = parse(path, route)
    name = next(name for name, existing in have.items() if existing.item.get("interface") == "tunnel.21")
    item = route.display(have[name].item, CONTEXT)
    assert item["nexthop_type"] == "none"
    assert run(resources.StaticRoute, [item], config, state="replaced", context=CONTEXT).ops == []


def test_stage00_seconds_lifetime_equals_hours():
    path = os.path.join(CORPUS, "pan-os-php__appid-toolbox-stage00.xml")
    config = config_from(load(path))
    profile = resources.IkeCryptoProfile()
    have = parse(path, profile)
    in_seconds = [name for name, e in have.items() if e.element.find("lifetime/seconds") is not None]
    assert in_seconds
    for name in in_seconds:
        displayed = profile.display(have[name].item, CONTEXT)
        seconds = int(have[name].element.find("lifetime/seconds").text)
        assert run(resources.IkeCryptoProfile, [{"name": name, "lifetime": "%ds" % seconds}], config, context=CONTEXT).ops == []
        assert displayed["lifetime"][-1] in "smhd"


def test_iron_skillet_monitor_profile():
    path = os.path.join(CORPUS, "iron-skillet__sample-mgmt-static__iron_skillet_panos_full.xml")
    have = parse(path, resources.TunnelMonitorProfile())
    assert have["default"].item["action"] == "wait-recover"


def test_iron_skillet_untouched_by_overridden_profiles():
    """Overriding the crypto and monitor profiles of a clean device keeps the predefined ones."""
    path = os.path.join(CORPUS, "iron-skillet__sample-mgmt-static__iron_skillet_panos_full.xml")
    config = config_from(load(path))
    for factory, item in (
        (resources.IkeCryptoProfile, {"name": "ike-new"}),
        (resources.IpsecCryptoProfile, {"name": "ipsec-new"}),
        (resources.TunnelMonitorProfile, {"name": "fo", "action": "fail-over"}),
    ):
        result = run(factory, [item], config, state="overridden", context=RenderContext((10, 1, 0)))
        assert result.delete_ops == []
