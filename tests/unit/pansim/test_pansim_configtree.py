"""Unit tests for pansim.configtree: the semantics of each configuration action."""

import pytest

from pansim import configtree, errors
from pansim.configtree import Journal, build_write, parse_elements
from pansim.errors import ConfigError
from pansim.node import parse_xml, to_xml
from pansim.schema import Schema

DEVICE = "/config/devices/entry[@name='localhost.localdomain']"
RULES = DEVICE + "/vsys/entry[@name='vsys1']/rulebase/security/rules"
GATEWAYS = DEVICE + "/network/ike/gateway"

START = f"""
<config version="10.2.0">
  <devices><entry name="localhost.localdomain">
    <network><ike><gateway>
      <entry name="gw1" ptpl="tmpl"><peer-address><ip>203.0.113.1</ip></peer-address>
        <local-address><interface>ethernet1/1</interface></local-address></entry>
    </gateway></ike></network>
    <vsys><entry name="vsys1"><rulebase><security><rules>
      <entry name="r1"><from><member>trust</member></from></entry>
      <entry name="r2"/>
      <entry name="r3"/>
    </rules></security></rulebase></entry></vsys>
  </entry></devices>
</config>
"""


@pytest.fixture
def root():
    return parse_xml(START)


def run(root, action, xpath_text, element=None, **params):
    elements = parse_elements(element) if element is not None else None
    write = build_write(action, xpath_text, elements=elements, **params)
    journal = Journal()
    code = configtree.apply(root, write, journal, Schema("10.2.9").conflicting_tags)
    return code, journal


def get_xml(root, xpath_text):
    return "".join(to_xml(node) for node in configtree.get(root, configtree.parse_xpath(xpath_text)))


def rule_names(root):
    return [node.name for node in configtree.get(root, configtree.parse_xpath(RULES + "/entry"))]


def test_set_creates_missing_ancestors(root):
    code, _ = run(root, "set", DEVICE + "/network/tunnel/ipsec/entry[@name='t1']", "<tunnel-interface>tunnel.1</tunnel-interface>")
    assert code == errors.SUCCESS_COMMAND
    assert get_xml(root, DEVICE + "/network/tunnel/ipsec") == (
        '<ipsec><entry name="t1"><tunnel-interface>tunnel.1</tunnel-interface></entry></ipsec>'
    )


def test_set_merges_and_never_deletes(root):
    run(root, "set", GATEWAYS + "/entry[@name='gw1']", "<peer-address><ip>203.0.113.9</ip></peer-address><disabled>no</disabled>")
    gateway = get_xml(root, GATEWAYS + "/entry[@name='gw1']")
    assert "<ip>203.0.113.9</ip>" in gateway
    assert "<disabled>no</disabled>" in gateway
    assert "<interface>ethernet1/1</interface>" in gateway


def test_set_unions_member_lists(root):
    run(root, "set", RULES + "/entry[@name='r1']/from", "<member>untrust</member><member>trust</member>")
    assert get_xml(root, RULES + "/entry[@name='r1']/from") == "<from><member>trust</member><member>untrust</member></from>"


def test_set_empty_and_self_closing_are_equal(root):
    run(root, "set", RULES + "/entry[@name='r2']", "<description></description>")
    run(root, "set", RULES + "/entry[@name='r3']", "<description/>")
    assert get_xml(root, RULES + "/entry[@name='r2']/description") == "<description/>"
    assert get_xml(root, RULES + "/entry[@name='r3']/description") == "<description/>"


def test_set_choice_replaces_other_branch(root):
    run(root, "set", GATEWAYS + "/entry[@name='gw1']/peer-address", "<fqdn>peer.example</fqdn>")
    assert get_xml(root, GATEWAYS + "/entry[@name='gw1']/peer-address") == "<peer-address><fqdn>peer.example</fqdn></peer-address>"


def test_set_keeps_unknown_attributes(root):
    run(root, "set", GATEWAYS + "/entry[@name='gw1']", "<disabled>no</disabled>")
    assert 'ptpl="tmpl"' in get_xml(root, GATEWAYS + "/entry[@name='gw1']")


def test_set_rejects_union_xpath(root):
    with pytest.raises(ConfigError) as caught:
        run(root, "set", RULES + " | " + GATEWAYS, "<x/>")
    assert caught.value.code == errors.BAD_XPATH


def test_edit_replaces_subtree(root):
    run(root, "edit", GATEWAYS + "/entry[@name='gw1']", '<entry name="gw1"><disabled>yes</disabled></entry>')
    assert get_xml(root, GATEWAYS + "/entry[@name='gw1']") == '<entry name="gw1"><disabled>yes</disabled></entry>'


def test_edit_leaf_keeps_position(root):
    run(root, "edit", GATEWAYS + "/entry[@name='gw1']/peer-address", "<peer-address><dynamic/></peer-address>")
    gateway = configtree.get(root, configtree.parse_xpath(GATEWAYS + "/entry[@name='gw1']"))[0]
    assert [child.tag for child in gateway.children] == ["peer-address", "local-address"]
    assert gateway.find_path("peer-address", "dynamic") is not None
    assert gateway.find_path("peer-address", "ip") is None


def test_edit_creates_when_absent(root):
    run(root, "edit", GATEWAYS + "/entry[@name='gw7']", '<entry name="gw7"><disabled>no</disabled></entry>')
    assert get_xml(root, GATEWAYS + "/entry[@name='gw7']/disabled") == "<disabled>no</disabled>"


@pytest.mark.parametrize(
    "xpath_text, element",
    [
        (GATEWAYS + "/entry[@name='gw1']", '<entry name="other"/>'),
        (GATEWAYS + "/entry[@name='gw1']", "<gateway/>"),
        (GATEWAYS + "/entry[@name='gw1']/disabled", "<enabled>no</enabled>"),
    ],
)
def test_edit_rejects_mismatched_element(root, xpath_text, element):
    with pytest.raises(ConfigError) as caught:
        run(root, "edit", xpath_text, element)
    assert caught.value.code == errors.INVALID_OBJECT


def test_delete_removes_or_selection(root):
    code, _ = run(root, "delete", RULES + "/entry[@name='r1' or @name='r3']")
    assert code == errors.SUCCESS_COMMAND
    assert rule_names(root) == ["r2"]


def test_delete_missing_is_code_7(root):
    code, journal = run(root, "delete", RULES + "/entry[@name='nope']")
    assert code == errors.OBJECT_NOT_PRESENT
    assert journal.size == 0


def test_rename_entry(root):
    run(root, "rename", RULES + "/entry[@name='r1']", newname="first")
    assert rule_names(root) == ["first", "r2", "r3"]


def test_rename_clash_fails(root):
    with pytest.raises(ConfigError) as caught:
        run(root, "rename", RULES + "/entry[@name='r1']", newname="r2")
    assert caught.value.code == errors.INVALID_OBJECT


def test_rename_missing_fails(root):
    with pytest.raises(ConfigError) as caught:
        run(root, "rename", RULES + "/entry[@name='nope']", newname="x")
    assert caught.value.code == errors.OBJECT_NOT_PRESENT


@pytest.mark.parametrize(
    "where, dst, expected",
    [
        ("top", None, ["r3", "r1", "r2"]),
        ("bottom", None, ["r1", "r2", "r3"]),
        ("before", "r1", ["r3", "r1", "r2"]),
        ("after", "r1", ["r1", "r3", "r2"]),
        ("before", "r2", ["r1", "r3", "r2"]),
    ],
)
def test_move_rule(root, where, dst, expected):
    run(root, "move", RULES + "/entry[@name='r3']", where=where, dst=dst)
    assert rule_names(root) == expected


def test_move_relative_to_itself_fails(root):
    with pytest.raises(ConfigError) as caught:
        run(root, "move", RULES + "/entry[@name='r3']", where="before", dst="r3")
    assert caught.value.code == errors.OPERATION_NOT_POSSIBLE


def test_move_to_missing_destination_fails(root):
    with pytest.raises(ConfigError) as caught:
        run(root, "move", RULES + "/entry[@name='r3']", where="after", dst="nope")
    assert caught.value.code == errors.OBJECT_NOT_PRESENT


def test_clone_entry(root):
    run(root, "clone", RULES, source=RULES + "/entry[@name='r1']", newname="r1-copy")
    assert rule_names(root) == ["r1", "r2", "r3", "r1-copy"]
    assert get_xml(root, RULES + "/entry[@name='r1-copy']/from") == "<from><member>trust</member></from>"


def test_clone_clash_fails(root):
    with pytest.raises(ConfigError):
        run(root, "clone", RULES, source=RULES + "/entry[@name='r1']", newname="r2")


def test_journal_rollback_restores_tree(root):
    before = to_xml(root)
    _, journal = run(root, "set", GATEWAYS + "/entry[@name='gw1']/peer-address", "<fqdn>x.example</fqdn>")
    journal2 = Journal()
    configtree.apply(root, build_write("delete", RULES + "/entry"), journal2)
    configtree.apply(root, build_write("rename", GATEWAYS + "/entry[@name='gw1']", newname="gwX"), journal2)
    journal2.rollback()
    journal.rollback()
    assert to_xml(root) == before


def test_get_attribute_path_returns_names(root):
    nodes = configtree.get(root, configtree.parse_xpath(RULES + "/entry/@name"))
    assert [to_xml(node) for node in nodes] == ['<entry name="r1"/>', '<entry name="r2"/>', '<entry name="r3"/>']


def test_show_requires_one_node(root):
    with pytest.raises(ConfigError) as missing:
        configtree.show(root, configtree.parse_xpath(RULES + "/entry[@name='nope']"))
    assert missing.value.lines == ["No such node"]

    with pytest.raises(ConfigError) as several:
        configtree.show(root, configtree.parse_xpath(RULES + "/entry"))
    assert several.value.code == errors.OBJECT_NOT_UNIQUE


def test_show_attribute_gives_text(root):
    assert configtree.show(root, configtree.parse_xpath(RULES + "/entry[@name='r2']/@name")) == "r2"


def test_malformed_element_is_code_18():
    with pytest.raises(ConfigError) as caught:
        parse_elements("<a><b></a>")
    assert caught.value.code == errors.MALFORMED_COMMAND


def test_bad_xpath_is_code_6(root):
    with pytest.raises(ConfigError) as caught:
        run(root, "delete", "/config//entry")
    assert caught.value.code == errors.BAD_XPATH
    assert "Invalid xpath" in caught.value.lines[0]
