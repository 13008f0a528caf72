"""Unit tests for pansim.xpath: parsing, quoting, selection and creation of nodes."""

import pytest

from pansim import xpath
from pansim.node import Node, parse_xml

DEVICE = "/config/devices/entry[@name='localhost.localdomain']"
GATEWAYS = DEVICE + "/network/ike/gateway"

CONFIG = """
<config>
  <devices>
    <entry name="localhost.localdomain">
      <network>
        <ike>
          <gateway>
            <entry name="gw1"><peer-address><ip>203.0.113.1</ip></peer-address></entry>
            <entry name="gw2"/>
            <entry name="it's"/>
            <entry name="say &quot;hi&quot; it's"/>
          </gateway>
        </ike>
      </network>
      <vsys>
        <entry name="vsys1">
          <import><network><interface>
            <member>ethernet1/1</member><member>tunnel.1</member><member>tunnel.2</member>
          </interface></network></import>
        </entry>
      </vsys>
    </entry>
  </devices>
</config>
"""


@pytest.fixture
def root():
    return parse_xml(CONFIG)


def names(nodes):
    return [node.name if node.name is not None else node.text for node in nodes]


def test_parse_simple_path():
    parsed = xpath.parse("/config/devices/entry[@name='x']/network")
    path = parsed.single_path()
    assert path.tags() == ("config", "devices", "entry", "network")
    assert path.steps[2].name_value() == "x"
    assert path.attribute is None


def test_parse_double_quoted_literal():
    path = xpath.parse('/config/a/entry[@name="it\'s"]').single_path()
    assert path.steps[2].name_value() == "it's"


def test_parse_concat_literal():
    text = "/config/a/entry[@name=concat('say \"hi\" it', \"'\", 's')]"
    path = xpath.parse(text).single_path()
    assert path.steps[2].name_value() == 'say "hi" it\'s'


def test_parse_or_predicate():
    path = xpath.parse("/config/a/entry[@name='a' or @name='b']").single_path()
    comparisons = path.steps[2].predicates[0].single_comparisons()
    assert [c.value for c in comparisons] == ["a", "b"]


def test_parse_union():
    parsed = xpath.parse("/config/a/x | /config/a/y")
    assert len(parsed.paths) == 2
    assert not parsed.is_single


def test_parse_trailing_attribute():
    path = xpath.parse(GATEWAYS + "/entry/@name").single_path()
    assert path.attribute == "name"
    assert path.steps[-1].tag == "entry"
    assert path.steps[-1].predicates == ()


def test_parse_literal_with_special_characters():
    path = xpath.parse("/config/a/member[text()='a/b|c]d']").single_path()
    assert path.steps[2].identity() == ("text", "a/b|c]d")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "config/devices",
        "//entry",
        "/config/entry[1]",
        "/config/entry[@name='x'",
        "/config/entry[@name='x]",
        "/config/entry[@name=x]",
        "/config/@name/entry",
        "/config/entry[position()=1]",
        "/config/a extra",
    ],
)
def test_parse_rejects_unsupported(bad):
    with pytest.raises(xpath.XPathError):
        xpath.parse(bad)


def test_quote_round_trip():
    for value in ["plain", "it's", 'say "hi"', 'say "hi" it\'s', "'", "''x''"]:
        parsed = xpath.parse(f"/config/entry[@name={xpath.quote(value)}]")
        assert parsed.single_path().steps[1].name_value() == value


def test_select_entry_by_name(root):
    found = xpath.select(root, xpath.parse(GATEWAYS + "/entry[@name='gw1']"))
    assert names(found) == ["gw1"]


def test_select_name_with_quotes(root):
    found = xpath.select(root, xpath.parse(GATEWAYS + '/entry[@name="it\'s"]'))
    assert names(found) == ["it's"]

    concat = GATEWAYS + "/entry[@name=concat('say \"hi\" it', \"'\", 's')]"
    found = xpath.select(root, xpath.parse(concat))
    assert names(found) == ['say "hi" it\'s']


def test_select_or_keeps_document_order(root):
    found = xpath.select(root, xpath.parse(GATEWAYS + "/entry[@name='gw2' or @name='gw1' or @name='none']"))
    assert names(found) == ["gw1", "gw2"]


def test_select_bare_entry_step(root):
    found = xpath.select(root, xpath.parse(GATEWAYS + "/entry"))
    assert len(found) == 4


def test_select_member_text(root):
    imports = DEVICE + "/vsys/entry[@name='vsys1']/import/network/interface"
    found = xpath.select(root, xpath.parse(imports + "/member[text()='tunnel.1' or text()='tunnel.2']"))
    assert names(found) == ["tunnel.1", "tunnel.2"]


def test_select_union_without_duplicates(root):
    text = GATEWAYS + "/entry[@name='gw1'] | " + GATEWAYS + "/entry[@name='gw1'] | " + GATEWAYS + "/entry[@name='gw2']"
    found = xpath.select(root, xpath.parse(text))
    assert names(found) == ["gw1", "gw2"]


def test_select_wildcard_and_and(root):
    found = xpath.select(root, xpath.parse("/config/devices/*/network/ike/gateway/entry[@name='gw1' and @name='gw1']"))
    assert names(found) == ["gw1"]


def test_select_missing_returns_empty(root):
    assert xpath.select(root, xpath.parse(GATEWAYS + "/entry[@name='nope']")) == []
    assert xpath.select(root, xpath.parse("/other/devices")) == []


def test_select_uses_index_for_large_lists():
    container = Node("gateway")
    for i in range(500):
        container.append(Node("entry", {"name": f"gw{i}"}))
    root = Node("config")
    root.append(container)

    found = xpath.select(root, xpath.parse("/config/gateway/entry[@name='gw499']"))
    assert names(found) == ["gw499"]
    assert container._index is not None


def test_index_follows_rename_and_remove():
    container = Node("list")
    for i in range(40):
        container.append(Node("entry", {"name": f"e{i}"}))
    assert container.find_entry("entry", "e5") is not None

    container.find_entry("entry", "e5").set_attr("name", "renamed")
    assert container.find_entry("entry", "e5") is None
    assert container.find_entry("entry", "renamed") is not None

    container.remove(container.find_entry("entry", "renamed"))
    assert container.find_entry("entry", "renamed") is None


def test_materialize_creates_missing_steps(root):
    created = []

    def attach(parent, child):
        parent.append(child)
        created.append(child.tag)

    path = xpath.parse(GATEWAYS + "/entry[@name='gw9']/protocol/ikev2").single_path()
    node = xpath.materialize(root, path, attach)
    assert node.tag == "ikev2"
    assert created == ["entry", "protocol", "ikev2"]
    assert node.parent.parent.name == "gw9"


def test_materialize_reuses_existing(root):
    path = xpath.parse(GATEWAYS + "/entry[@name='gw1']/peer-address").single_path()
    node = xpath.materialize(root, path, lambda parent, child: pytest.fail("nothing should be created"))
    assert node.child_text("ip") == "203.0.113.1"


def test_materialize_member_step(root):
    path = xpath.parse(DEVICE + "/vsys/entry[@name='vsys1']/import/network/interface/member[text()='tunnel.7']").single_path()
    node = xpath.materialize(root, path, lambda parent, child: parent.append(child))
    assert node.text == "tunnel.7"


@pytest.mark.parametrize(
    "text",
    [
        GATEWAYS + "/entry[@name='a' or @name='b']",
        GATEWAYS + "/*",
        GATEWAYS + "/entry/@name",
        "/other/x",
    ],
)
def test_materialize_rejects_ambiguous(root, text):
    with pytest.raises(xpath.XPathError):
        xpath.materialize(root, xpath.parse(text).single_path(), lambda parent, child: None)


def test_location_pairs():
    path = xpath.parse(GATEWAYS + "/entry[@name='gw1']/local-id").single_path()
    assert xpath.location(path)[-2:] == (("entry", "gw1"), ("local-id", None))
