"""Security and NAT-exempt rules: rendering, parsing, placement and the NAT match helper, with no device."""

import os
import random
import re

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._connection import DeviceError
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext
from ansible_collections.ipsec.panos.plugins.module_utils._resources import NatExemptRule, SecurityRule
from ansible_collections.ipsec.panos.plugins.module_utils._resources import policy

CONTEXT = RenderContext((10, 2, 0))
SCOPE = engine.Scope()
CORPUS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "corpus", "panos-configs"))
BEST_PRACTICES = os.path.join(CORPUS, "pan-os-php__policy-best-practices.xml")
STAGE00 = os.path.join(CORPUS, "pan-os-php__appid-toolbox-stage00.xml")
VSYS_ROOT = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']"


class FakeVsys:
    """A vsys rulebase and address book that applies multi-config actions the way PAN-OS does."""

    def __init__(self, rules=(), extra=()):
        self.rules = xml.ET.Element("rules")
        for text in rules:
            self.rules.append(xml.from_string(text))
        self.extra = [xml.from_string(text) for text in extra]
        self.tags_created = []
        self.writes = 0

    def result(self):
        result = xml.ET.Element("result")
        result.append(xml.clone(self.rules))
        for entry in self.extra:
            result.append(xml.clone(entry))
        return result

    def order(self):
        return [entry.get("name") for entry in self.rules.findall("entry")]

    def entry(self, name):
        for entry in self.rules.findall("entry"):
            if entry.get("name") == name:
                return entry
        return None

    def apply(self, plan):
        if plan.ops:
            self.writes += 1
        for op in plan.ops:
            if op.action == "set" and op.xpath.endswith("/tag"):
                self.tags_created.extend(child.get("name") for child in op.children)
                continue
            name = re.search(r"entry\[@name='([^']*)'\]$", op.xpath).group(1)
            current = self.entry(name)
            if op.action == "edit":
                if current is None:
                    self.rules.append(xml.clone(op.element))
                else:
                    position = list(self.rules).index(current)
                    self.rules.remove(current)
                    self.rules.insert(position, xml.clone(op.element))
            elif op.action == "delete":
                self.rules.remove(current)
            elif op.action == "move":
                order = self.order()
                policy.apply_move(order, policy.Move(name, op.attributes["where"], op.attributes.get("dst")))
                entries = {entry.get("name"): entry for entry in self.rules.findall("entry")}
                for entry in list(self.rules):
                    self.rules.remove(entry)
                for rule in order:
                    self.rules.append(entries[rule])
            else:
                raise AssertionError("unexpected action %s" % op.action)


def run(resource_class, device, config, state="merged", managed_tag=None, check_mode=False):
    """Plan one task against ``device`` and apply it unless in check mode; return (resource, plan)."""
    want = engine.remove_none(config)
    engine.validate_config(resource_class(), want, state)
    resource = resource_class(state=state, config=want, managed_tag=managed_tag)
    have = resource.parse_read(device.result(), SCOPE, CONTEXT)
    plan = engine.plan_changes(resource, want, have, state, SCOPE, CONTEXT)
    if not check_mode:
        device.apply(plan)
    return resource, plan


def security_entry(name, tag=(), source="any"):
    tags = "".join("<member>%s</member>" % t for t in tag)
    return (
        '<entry name="%s"><from><member>trust</member></from><to><member>untrust</member></to>'
        "<source><member>%s</member></source><destination><member>any</member></destination>"
        "<source-user><member>any</member></source-user><category><member>any</member></category>"
        "<application><member>any</member></application><service><member>application-default</member></service>"
        "<action>allow</action><tag>%s</tag></entry>" % (name, source, tags)
    )


def rule(name, **options):
    values = {"name": name, "from_zones": ["trust"], "to_zones": ["vpn"], "action": "allow"}
    values.update(options)
    return values


def validation_errors(resource_class, config, state="merged"):
    with pytest.raises(engine.ValidationError) as error:
        engine.validate_config(resource_class(), engine.remove_none(config), state)
    return " | ".join(error.value.errors)


def moves(plan):
    return [(op.xpath.rsplit("'", 2)[-2], op.attributes.get("where"), op.attributes.get("dst")) for op in plan.ops if op.action == "move"]


# -- security rules: rendering and parsing --------------------------------------------


def test_security_rule_renders_defaults():
    device = FakeVsys()
    _resource, plan = run(SecurityRule, device, [rule("vpn-out", source=["10.1.0.0/16"], destination=["192.168.10.0/24"])])

    assert [op.action for op in plan.ops] == ["edit"]
    assert plan.ops[0].xpath == VSYS_ROOT + "/rulebase/security/rules/entry[@name='vpn-out']"
    entry = plan.ops[0].element
    assert xml.members_of(entry, "from") == ["trust"]
    assert xml.members_of(entry, "to") == ["vpn"]
    assert xml.members_of(entry, "source") == ["10.1.0.0/16"]
    assert xml.members_of(entry, "application") == ["any"]
    assert xml.members_of(entry, "service") == ["application-default"]
    assert xml.members_of(entry, "source-user") == ["any"]
    assert xml.members_of(entry, "category") == ["any"]
    assert xml.text_of(entry, "action") == "allow"
    assert xml.text_of(entry, "log-end") == "yes"


def test_security_rule_second_run_unchanged():
    device = FakeVsys([security_entry("existing")])
    config = [rule("vpn-out", source=["10.1.0.0/16", "10.2.0.0/16"], application=["ssl", "ping"], tag=["vpn"])]
    run(SecurityRule, device, config)

    reordered = [rule("vpn-out", source=["10.2.0.0/16", "10.1.0.0/16"], application=["ping", "ssl"], tag=["vpn"])]
    _resource, plan = run(SecurityRule, device, reordered)

    assert plan.ops == []


def test_bare_address_equals_host_prefix():
    device = FakeVsys([security_entry("host-rule", source="192.0.2.10")])
    config = [rule("host-rule", to_zones=["untrust"], source=["192.0.2.10/32"], service=["application-default"])]
    _resource, plan = run(SecurityRule, device, config)
    assert plan.ops == []


def test_security_rule_parse_keeps_unmodelled_elements():
    device = FakeVsys([security_entry("existing").replace("</entry>", "<source-hip><member>any</member></source-hip></entry>")])
    _resource, plan = run(SecurityRule, device, [{"name": "existing", "log_start": True}])
    entry = plan.ops[0].element
    assert xml.members_of(entry, "source-hip") == ["any"]
    assert xml.text_of(entry, "log-start") == "yes"


def test_profile_group_replaces_profiles():
    with_profiles = security_entry("web").replace(
        "</entry>", "<profile-setting><profiles><virus><member>av</member></virus></profiles></profile-setting></entry>"
    )
    device = FakeVsys([with_profiles])
    _resource, plan = run(SecurityRule, device, [{"name": "web", "profile_group": "strict"}])
    entry = plan.ops[0].element
    assert xml.members_of(entry, "profile-setting/group") == ["strict"]
    assert xml.find_path(entry, "profile-setting/profiles") is None


def test_profiles_kept_when_group_unset():
    with_profiles = security_entry("web").replace(
        "</entry>", "<profile-setting><profiles><virus><member>av</member></virus></profiles></profile-setting></entry>"
    )
    device = FakeVsys([with_profiles])
    _resource, plan = run(SecurityRule, device, [{"name": "web", "disabled": True}])
    entry = plan.ops[0].element
    assert xml.members_of(entry, "profile-setting/profiles/virus") == ["av"]


def test_new_security_rule_needs_zones_and_action():
    with pytest.raises(engine.ValidationError) as error:
        run(SecurityRule, FakeVsys(), [{"name": "half"}])
    messages = " | ".join(error.value.errors)
    assert "config[0].from_zones: missing" in messages
    assert "config[0].to_zones: missing" in messages
    assert "config[0].action: missing" in messages


# -- input checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"source": ["any", "10.1.0.0/16"]}, "config[0].source: 'any' cannot be combined"),
        ({"from_zones": ["any", "trust"]}, "config[0].from_zones: 'any' cannot be combined"),
        ({"application": ["any", "ssl"]}, "config[0].application: 'any' cannot be combined"),
        ({"source": ["10.1.0.5/16"]}, "config[0].source[0]: '10.1.0.5/16' has host bits set"),
        ({"destination": ["10.1.0.300"]}, "config[0].destination[0]: '10.1.0.300' is not a valid prefix"),
        ({"source": ["10.1.0.9-10.1.0.1"]}, "ends before it starts"),
        ({"source": ["10.1.0.1-2001:db8::1"]}, "mixes IPv4 and IPv6"),
        ({"source": ["bad*name"]}, "config[0].source[0]: 'bad*name' is neither an IP address"),
        ({"to_zones": ["z" * 32]}, "config[0].to_zones[0]: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz' is 32 characters long"),
        ({"from_zones": ["-trust"]}, "is not a valid zone name"),
        ({"source": []}, "config[0].source: empty list"),
        ({"position": "middle"}, "config[0].position: 'middle' is not a position; use one of top, bottom, before, after"),
        ({"position": "before"}, "config[0].reference_rule: required with position before"),
        ({"reference_rule": "other"}, "config[0].reference_rule: only used with position before or after"),
        ({"position": "top", "reference_rule": "other"}, "config[0].reference_rule: not used with position top"),
        ({"position": "after", "reference_rule": "r1"}, "config[0].reference_rule: 'r1' is this rule itself"),
        ({"action": "permit"}, "config[0].action: 'permit' is not an action"),
    ],
)
def test_security_rule_rejections(options, fragment):
    assert fragment in validation_errors(SecurityRule, [rule("r1", **options)])


def test_valid_address_forms_accepted():
    addresses = ["10.1.0.0/16", "192.0.2.7", "10.1.0.1-10.1.0.9", "2001:db8::/32", "web servers", "H-192.168.1.1_host"]
    engine.validate_config(SecurityRule(), [rule("r1", source=addresses)], "merged")


def test_rule_name_over_63_rejected():
    assert "at most 63" in validation_errors(SecurityRule, [rule("r" * 64)])
    assert "at most 63" in validation_errors(NatExemptRule, [{"name": "n" * 64}])


def test_intrazone_needs_same_zones():
    with pytest.raises(engine.ValidationError) as error:
        run(SecurityRule, FakeVsys(), [rule("intra", rule_type="intrazone", from_zones=["trust"], to_zones=["vpn"])])
    assert "config[0].to_zones: an intrazone rule" in str(error.value)


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"state": "overridden", "config": []}, "managed_tag: required with state=overridden"),
        ({"state": "deleted", "config": None}, "managed_tag: required with state=deleted and no config"),
        ({"state": "merged", "template": "branch", "config": []}, "Panorama keeps rules in device groups"),
        ({"state": "merged", "managed_tag": "t" * 128, "config": []}, "1 to 127 characters"),
    ],
)
def test_task_option_rejections(params, fragment):
    errors = policy.check_task_options(params, "security rule")
    assert any(fragment in error for error in errors), errors


def test_task_options_with_managed_tag_accepted():
    assert policy.check_task_options({"state": "overridden", "managed_tag": "vpn-auto", "config": []}, "security rule") == []
    assert policy.check_task_options({"state": "deleted", "config": [{"name": "r1"}]}, "security rule") == []


# -- security rules: positions ---------------------------------------------------------------


def three_rules():
    return FakeVsys([security_entry("a"), security_entry("b"), security_entry("c")])


@pytest.mark.parametrize(
    "position, reference, expected_order, expected_move",
    [
        ("top", None, ["new", "a", "b", "c"], ("new", "top", None)),
        ("bottom", None, ["a", "b", "c", "new"], None),
        ("before", "b", ["a", "new", "b", "c"], ("new", "before", "b")),
        ("after", "a", ["a", "new", "b", "c"], ("new", "after", "a")),
        ("after", "c", ["a", "b", "c", "new"], None),
    ],
)
def test_new_rule_positions(position, reference, expected_order, expected_move):
    device = three_rules()
    config = [rule("new", position=position, reference_rule=reference)]

    _resource, plan = run(SecurityRule, device, config)
    assert device.order() == expected_order
    assert moves(plan) == ([expected_move] if expected_move else [])
    assert [op.action for op in plan.ops][0] == "edit"

    _resource, second = run(SecurityRule, device, config)
    assert second.ops == []


def test_existing_rule_moved_without_edit():
    device = three_rules()
    _resource, plan = run(SecurityRule, device, [{"name": "c", "position": "top"}])

    assert [op.action for op in plan.ops] == ["move"]
    assert moves(plan) == [("c", "top", None)]
    assert device.order() == ["c", "a", "b"]
    assert plan.before["c"] == plan.after["c"]


def test_rule_in_place_not_moved():
    device = three_rules()
    for position, reference in (("top", None), ("before", "b"), ("after", None), ("bottom", None)):
        name = {"top": "a", "before": "a", "after": "b", "bottom": "c"}[position]
        if position == "after":
            reference = "a"
        _resource, plan = run(SecurityRule, device, [{"name": name, "position": position, "reference_rule": reference}])
        assert plan.ops == [], position
    assert device.order() == ["a", "b", "c"]


def test_shared_anchor_keeps_task_order():
    device = three_rules()
    config = [rule("n1", position="before", reference_rule="b"), rule("n2", position="before", reference_rule="b")]

    _resource, plan = run(SecurityRule, device, config)
    assert device.order() == ["a", "n1", "n2", "b", "c"]
    actions = [op.action for op in plan.ops]
    assert actions.index("move") > actions.index("edit", 1)

    _resource, second = run(SecurityRule, device, config)
    assert second.ops == []


def test_top_group_keeps_task_order():
    device = three_rules()
    config = [rule("n1", position="top"), rule("n2", position="top")]
    run(SecurityRule, device, config)
    assert device.order() == ["n1", "n2", "a", "b", "c"]
    _resource, second = run(SecurityRule, device, config)
    assert second.ops == []


def test_after_group_keeps_task_order():
    device = three_rules()
    config = [rule("n1", position="after", reference_rule="a"), rule("n2", position="after", reference_rule="a")]
    run(SecurityRule, device, config)
    assert device.order() == ["a", "n1", "n2", "b", "c"]
    _resource, second = run(SecurityRule, device, config)
    assert second.ops == []


def test_reference_to_rule_created_earlier():
    device = three_rules()
    config = [rule("first", position="top"), rule("second", position="after", reference_rule="first")]
    run(SecurityRule, device, config)
    assert device.order() == ["first", "second", "a", "b", "c"]


def test_missing_reference_fails_before_write():
    device = three_rules()
    with pytest.raises(engine.ValidationError) as error:
        run(SecurityRule, device, [rule("new", position="before", reference_rule="no-such-rule")])
    assert "config[0].reference_rule: reference rule 'no-such-rule' does not exist" in str(error.value)
    assert device.order() == ["a", "b", "c"]
    assert device.writes == 0


def test_reference_placed_later_rejected():
    with pytest.raises(engine.ValidationError) as error:
        run(SecurityRule, three_rules(), [rule("x", position="after", reference_rule="y"), rule("y", position="top")])
    assert "'y' is placed later in this task" in str(error.value)


def test_check_mode_predicts_moves():
    device = three_rules()
    _resource, plan = run(SecurityRule, device, [{"name": "c", "position": "top"}], check_mode=True)
    assert moves(plan) == [("c", "top", None)]
    assert device.order() == ["a", "b", "c"]


def test_rendered_emits_requested_moves():
    want = [rule("r1", position="before", reference_rule="default-deny")]
    resource = SecurityRule(state="rendered", config=want)
    plan = engine.plan_changes(resource, want, {}, "replaced", SCOPE, CONTEXT)
    assert [op.action for op in plan.ops] == ["edit", "move"]
    assert plan.ops[1].describe()["where"] == "before"
    assert plan.ops[1].describe()["dst"] == "default-deny"


@pytest.mark.parametrize("seed", range(200))
def test_planned_moves_reach_target(seed):
    generator = random.Random(seed)
    current = ["r%d" % i for i in range(generator.randint(0, 6))]
    created = ["n%d" % i for i in range(generator.randint(0, 3))]
    candidates = current + created
    placed = generator.sample(candidates, generator.randint(0, len(candidates)))
    placements = []
    for name in placed:
        where = generator.choice(policy.POSITIONS)
        reference = None
        if where in ("before", "after"):
            # A reference is a rule the task does not place, or one it placed earlier.
            others = [n for n in candidates if n not in placed] + [n for n, _w, _r in placements]
            if not others:
                where = "top"
            else:
                reference = generator.choice(others)
        placements.append((name, where, reference))

    target, planned, errors = policy.plan_rule_order(current, placements, created)
    assert errors == {}
    order = current + created
    for move in planned:
        policy.apply_move(order, move)
    assert order == target

    again_target, again, _errors = policy.plan_rule_order(target, placements)
    assert again_target == target
    assert again == []


# -- managed tag and bulk states -------------------------------------------------------------


def test_overridden_deletes_only_tagged_rules():
    device = FakeVsys([security_entry("mine-old", tag=["vpn-auto"]), security_entry("theirs"), security_entry("mine", tag=["vpn-auto"])])
    config = [{"name": "mine", "from_zones": ["trust"], "to_zones": ["untrust"], "action": "allow"}]

    _resource, plan = run(SecurityRule, device, config, state="overridden", managed_tag="vpn-auto")

    deleted = [op.xpath for op in plan.ops if op.action == "delete"]
    assert deleted == [VSYS_ROOT + "/rulebase/security/rules/entry[@name='mine-old']"]
    assert device.order() == ["theirs", "mine"]


def test_deleted_without_config_keeps_untagged():
    device = FakeVsys([security_entry("mine", tag=["vpn-auto"]), security_entry("theirs")])
    run(SecurityRule, device, [], state="deleted", managed_tag="vpn-auto")
    assert device.order() == ["theirs"]


def test_managed_tag_added_and_tag_object_created():
    device = FakeVsys()
    _resource, plan = run(SecurityRule, device, [rule("r1", tag=["vpn"]), rule("r2")], managed_tag="vpn-auto")

    assert plan.ops[0].action == "set"
    assert plan.ops[0].xpath == VSYS_ROOT + "/tag"
    assert device.tags_created == ["vpn-auto"]
    assert sorted(xml.members_of(device.entry("r1"), "tag")) == ["vpn", "vpn-auto"]
    assert xml.members_of(device.entry("r2"), "tag") == ["vpn-auto"]

    _resource, second = run(SecurityRule, device, [rule("r1", tag=["vpn"]), rule("r2")], managed_tag="vpn-auto")
    assert second.ops == []


def test_existing_shared_tag_not_created():
    device = FakeVsys(extra=['<entry name="vpn-auto"><color>color1</color></entry>'])
    _resource, plan = run(SecurityRule, device, [rule("r1")], managed_tag="vpn-auto")
    assert [op.action for op in plan.ops] == ["edit"]


# -- NAT-exempt rules ---------------------------------------------------------------------


def nat_entry(name, source="any", destination="any", from_zone="trust", to_zone="untrust", interface=None, translation=True, disabled=False):
    translated = (
        "<source-translation><dynamic-ip-and-port><interface-address><interface>ethernet1/1</interface>"
        "</interface-address></dynamic-ip-and-port></source-translation>"
        if translation
        else ""
    )
    return (
        '<entry name="%s">%s<from><member>%s</member></from><to><member>%s</member></to>'
        "<source><member>%s</member></source><destination><member>%s</member></destination>"
        "<service>any</service>%s%s</entry>"
        % (
            name,
            translated,
            from_zone,
            to_zone,
            source,
            destination,
            "<to-interface>%s</to-interface>" % interface if interface else "",
            "<disabled>yes</disabled>" if disabled else "",
        )
    )


EXEMPT = {
    "name": "vpn-no-nat",
    "from_zones": ["trust"],
    "to_zones": ["untrust"],
    "source": ["10.1.0.0/16"],
    "destination": ["192.168.10.0/24"],
}


def test_exempt_rule_renders_without_translation():
    device = FakeVsys()
    _resource, plan = run(NatExemptRule, device, [EXEMPT])
    entry = plan.ops[0].element
    assert plan.ops[0].xpath == VSYS_ROOT + "/rulebase/nat/rules/entry[@name='vpn-no-nat']"
    assert xml.text_of(entry, "nat-type") == "ipv4"
    assert xml.text_of(entry, "service") == "any"
    assert entry.find("source-translation") is None
    assert entry.find("destination-translation") is None
    assert moves(plan) == []


def test_new_exempt_placed_above_catching_rule():
    device = FakeVsys([nat_entry("web-out", source="172.16.0.0/24"), nat_entry("outbound")])

    _resource, plan = run(NatExemptRule, device, [EXEMPT])

    assert [op.action for op in plan.ops] == ["edit", "move"]
    assert moves(plan) == [("vpn-no-nat", "before", "outbound")]
    assert device.order() == ["web-out", "vpn-no-nat", "outbound"]

    _resource, second = run(NatExemptRule, device, [EXEMPT])
    assert second.ops == []


def test_exempt_already_above_not_moved():
    device = FakeVsys([nat_entry("vpn-no-nat", "10.1.0.0/16", "192.168.10.0/24", translation=False), nat_entry("outbound")])
    _resource, plan = run(NatExemptRule, device, [EXEMPT])
    assert plan.ops == []


def test_existing_exempt_below_moved_up():
    device = FakeVsys([nat_entry("outbound"), nat_entry("vpn-no-nat", "10.1.0.0/16", "192.168.10.0/24", translation=False)])
    _resource, plan = run(NatExemptRule, device, [EXEMPT])
    assert [op.action for op in plan.ops] == ["move"]
    assert device.order() == ["vpn-no-nat", "outbound"]


@pytest.mark.parametrize(
    "other",
    [
        nat_entry("other-source", source="172.16.0.0/12"),
        nat_entry("other-destination", destination="198.51.100.0/24"),
        nat_entry("other-from-zone", from_zone="guest"),
        nat_entry("other-to-zone", to_zone="dmz"),
        nat_entry("other-interface", interface="ethernet1/2"),
        nat_entry("no-translation", translation=False),
    ],
    ids=lambda text: re.search(r'name="([^"]*)"', text).group(1),
)
def test_non_catching_rule_left_above(other):
    exempt = dict(EXEMPT, to_interface="ethernet1/1")
    device = FakeVsys([other])
    _resource, plan = run(NatExemptRule, device, [exempt])
    assert moves(plan) == []
    assert device.order()[-1] == "vpn-no-nat"


def test_disabled_source_nat_still_counts():
    device = FakeVsys([nat_entry("outbound", disabled=True)])
    run(NatExemptRule, device, [EXEMPT])
    assert device.order() == ["vpn-no-nat", "outbound"]


def test_address_objects_resolved_for_overlap():
    extra = [
        '<entry name="branch-lan"><ip-netmask>192.168.10.0/24</ip-netmask></entry>',
        '<entry name="dmz-range"><ip-range>172.16.5.1-172.16.5.9</ip-range></entry>',
        '<entry name="lans"><static><member>branch-lan</member></static></entry>',
        '<entry name="dmz-only"><static><member>dmz-range</member></static></entry>',
    ]
    device = FakeVsys([nat_entry("dmz-out", destination="dmz-only"), nat_entry("lan-out", destination="lans")], extra=extra)

    _resource, plan = run(NatExemptRule, device, [EXEMPT])

    assert moves(plan) == [("vpn-no-nat", "before", "lan-out")]
    assert device.order() == ["dmz-out", "vpn-no-nat", "lan-out"]


def test_unresolvable_member_counts_as_overlap():
    extra = ['<entry name="cloud"><fqdn>vpn.example.net</fqdn></entry>']
    device = FakeVsys([nat_entry("cloud-out", destination="cloud")], extra=extra)
    run(NatExemptRule, device, [EXEMPT])
    assert device.order() == ["vpn-no-nat", "cloud-out"]


def test_two_exempt_rules_keep_task_order():
    second = dict(EXEMPT, name="vpn-no-nat-2", source=["10.2.0.0/16"])
    device = FakeVsys([nat_entry("outbound")])
    run(NatExemptRule, device, [EXEMPT, second])
    assert device.order() == ["vpn-no-nat", "vpn-no-nat-2", "outbound"]
    _resource, again = run(NatExemptRule, device, [EXEMPT, second])
    assert again.ops == []


def test_translating_rule_name_rejected():
    device = FakeVsys([nat_entry("vpn-no-nat")])
    with pytest.raises(engine.ValidationError) as error:
        run(NatExemptRule, device, [EXEMPT])
    assert "NAT rule 'vpn-no-nat' exists and translates addresses" in str(error.value)
    assert device.writes == 0


def test_gathered_lists_only_exempt_rules():
    device = FakeVsys([nat_entry("outbound"), nat_entry("plain", translation=False)])
    have = NatExemptRule().parse_read(device.result(), SCOPE, CONTEXT)
    assert list(have) == ["plain"]


def test_nat_to_zones_single():
    assert "a NAT rule has one destination zone" in validation_errors(NatExemptRule, [dict(EXEMPT, to_zones=["vpn", "untrust"])])


class ReadBack:
    """A device whose read after the write returns a given NAT rulebase."""

    def __init__(self, entries):
        self.entries = entries
        self.reads = []

    def get(self, xpath):
        self.reads.append(xpath)
        result = xml.ET.Element("result")
        rules = xml.ET.SubElement(result, "rules")
        for text in self.entries:
            rules.append(xml.from_string(text))
        return result


def test_verify_names_both_rules_when_below():
    resource, plan = run(NatExemptRule, FakeVsys([nat_entry("outbound")]), [EXEMPT])
    wrong = ReadBack([nat_entry("outbound"), nat_entry("vpn-no-nat", "10.1.0.0/16", "192.168.10.0/24", translation=False)])
    with pytest.raises(DeviceError) as error:
        resource.verify_after_write(wrong, SCOPE, plan, CONTEXT)
    assert "'vpn-no-nat' sits below source NAT rule 'outbound'" in error.value.message
    assert wrong.reads == [VSYS_ROOT + "/rulebase/nat/rules"]


def test_verify_passes_when_above():
    resource, plan = run(NatExemptRule, FakeVsys([nat_entry("outbound")]), [EXEMPT])
    right = ReadBack([nat_entry("vpn-no-nat", "10.1.0.0/16", "192.168.10.0/24", translation=False), nat_entry("outbound")])
    resource.verify_after_write(right, SCOPE, plan, CONTEXT)
    assert len(right.reads) == 1


# -- the NAT match helper -------------------------------------------------------------------


def views(*entries):
    return [policy.nat_rule_view(xml.from_string(text)) for text in entries]


RULE_A = nat_entry("A", "10.1.0.0/16", "192.168.10.0/24", translation=False)
RULE_B = nat_entry("B", interface="ethernet1/1")
PACKET = {"from_zone": "trust", "to_zone": "untrust", "source": "10.1.1.1", "destination": "192.168.10.5"}


def test_exempt_above_matches_first():
    matched = policy.first_matching_rule(views(RULE_A, RULE_B), PACKET)
    assert matched["name"] == "A"
    assert matched["source_nat"] is False


def test_exempt_below_loses_to_source_nat():
    matched = policy.first_matching_rule(views(RULE_B, RULE_A), PACKET)
    assert matched["name"] == "B"
    assert matched["source_nat"] is True


def test_other_traffic_still_translated():
    packet = dict(PACKET, destination="203.0.113.8")
    assert policy.first_matching_rule(views(RULE_A, RULE_B), packet)["name"] == "B"


def test_disabled_rule_never_matches():
    disabled_a = nat_entry("A", "10.1.0.0/16", "192.168.10.0/24", translation=False, disabled=True)
    assert policy.first_matching_rule(views(disabled_a, RULE_B), PACKET)["name"] == "B"


def test_match_uses_zones_and_service():
    assert policy.first_matching_rule(views(RULE_A), dict(PACKET, from_zone="guest")) is None
    http_only = RULE_A.replace("<service>any</service>", "<service>service-http</service>")
    assert policy.first_matching_rule(views(http_only), dict(PACKET, service="service-https")) is None
    assert policy.first_matching_rule(views(http_only), dict(PACKET, service="service-http"))["name"] == "A"


def test_placement_makes_packet_untranslated():
    device = FakeVsys([nat_entry("outbound", interface="ethernet1/1")])
    run(NatExemptRule, device, [EXEMPT])
    rules = [policy.nat_rule_view(entry) for entry in device.rules.findall("entry")]
    assert policy.first_matching_rule(rules, PACKET)["name"] == "vpn-no-nat"


# -- corpus --------------------------------------------------------------------------------------


def parse_corpus(path, resource):
    with open(path, encoding="utf-8") as handle:
        return engine.read_config_file(handle.read(), resource, SCOPE, RenderContext((10, 1, 0)))


needs_corpus = pytest.mark.skipif(not os.path.exists(BEST_PRACTICES), reason="corpus not found at %s" % CORPUS)


@needs_corpus
def test_best_practices_nonat_rule_parsed():
    resource = NatExemptRule()
    have = parse_corpus(BEST_PRACTICES, resource)
    assert list(have) == ["rule1 - nonat"]
    nonat = resource.display(have["rule1 - nonat"].item, CONTEXT)
    assert nonat["from_zones"] == ["any"]
    assert nonat["to_zones"] == ["external"]
    assert nonat["to_interface"] == "any"
    assert nonat["source"] == ["any"]
    assert nonat["service"] == "any"
    assert nonat["tag"] == ["tagnat-rul1"]


@needs_corpus
def test_best_practices_nonat_already_on_top():
    resource = NatExemptRule(config=[{"name": "rule1 - nonat"}])
    have = parse_corpus(BEST_PRACTICES, resource)
    plan = engine.plan_changes(resource, [{"name": "rule1 - nonat"}], have, "merged", SCOPE, CONTEXT)
    assert plan.ops == []
    catching = [view["name"] for view in resource._rules if policy.catches(view, have["rule1 - nonat"].item, resource._book)]
    assert "rule4 - dynamicIP and interface" in catching
    assert "rule3 - dynamic IP address" in catching


@needs_corpus
def test_stage00_no_nat_rule_parsed():
    resource = NatExemptRule()
    have = parse_corpus(STAGE00, resource)
    assert list(have) == ["no_nat_own-public"]
    rule_view = resource.display(have["no_nat_own-public"].item, CONTEXT)
    assert rule_view["to_interface"] == "ethernet1/4"
    assert rule_view["to_zones"] == ["untrust"]
    assert rule_view["destination"] == ["fqdn_tukhcsaw.noip.me"]
    assert "tmp" not in have
    assert "dslmobil" in resource._translating


@needs_corpus
def test_stage00_no_nat_sits_above_dslmobil():
    want = [{"name": "no_nat_own-public"}]
    resource = NatExemptRule(config=want)
    have = parse_corpus(STAGE00, resource)
    assert resource._order.index("no_nat_own-public") < resource._order.index("dslmobil")
    plan = engine.plan_changes(resource, want, have, "merged", SCOPE, CONTEXT)
    assert plan.ops == []


@needs_corpus
def test_stage00_no_nat_moved_when_below():
    want = [{"name": "no_nat_own-public"}]
    resource = NatExemptRule(config=want)
    have = parse_corpus(STAGE00, resource)
    resource._order.remove("no_nat_own-public")
    resource._order.append("no_nat_own-public")
    plan = engine.plan_changes(resource, want, have, "merged", SCOPE, CONTEXT)
    assert moves(plan) == [("no_nat_own-public", "before", "dslmobil")]


@needs_corpus
def test_best_practices_security_rules_parsed():
    resource = SecurityRule()
    have = parse_corpus(BEST_PRACTICES, resource)
    assert len(have) == 23
    names = list(have)
    assert names[0] == "WebFarm access"
    assert names[-1] == "Big final deny"
    web = resource.display(have["WebFarm access"].item, CONTEXT)
    assert web["application"] == ["ssl", "web-browsing"]
    assert web["service"] == ["service-http", "service-https"]
    assert web["to_zones"] == ["dmz"]
    assert web["action"] == "allow"
    assert web["profile_group"] is None
    assert resource.display(have["Big final deny"].item, CONTEXT)["action"] == "deny"


@needs_corpus
def test_best_practices_final_deny_at_bottom():
    want = [{"name": "Big final deny", "position": "bottom"}, {"name": "WebFarm access", "position": "top"}]
    resource = SecurityRule(config=want)
    have = parse_corpus(BEST_PRACTICES, resource)
    plan = engine.plan_changes(resource, want, have, "merged", SCOPE, CONTEXT)
    assert plan.ops == []
