"""Layer 3 zones: interface membership as a set under every state."""

import copy

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _resources as resources
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._resources.zone import member_removal_task

from _objects import CONTEXT, empty_config, plan, read, run


def members(config, zone="vpn"):
    entry = config.find(".//zone/entry[@name='%s']" % zone)
    return None if entry is None else xml.members_of(entry, "network/layer3")


def device_with_zone(interfaces=("tunnel.1", "tunnel.2"), **options):
    config = empty_config()
    run(resources.Zone, [dict(name="vpn", interfaces=list(interfaces), **options)], config)
    return config


def run_task(config, state, want):
    """Run a zone task the way the module does, deleted tasks with interfaces included."""
    params = member_removal_task({"state": state, "config": copy.deepcopy(want)})
    return run(resources.Zone, params["config"], config, state=params["state"])


def test_zone_created_with_all_options():
    config = empty_config()
    item = {"name": "vpn", "interfaces": ["tunnel.2", "tunnel.1"], "zone_protection_profile": "zp", "log_setting": "fwd",
            "enable_user_identification": True}
    first = run(resources.Zone, [item], config)
    entry = first.write_ops[0].element
    assert xml.members_of(entry, "network/layer3") == ["tunnel.2", "tunnel.1"]
    assert xml.text_of(entry, "network/zone-protection-profile") == "zp"
    assert xml.text_of(entry, "network/log-setting") == "fwd"
    assert xml.text_of(entry, "enable-user-identification") == "yes"
    assert run(resources.Zone, [item], config).ops == []


def test_zone_without_interfaces_is_layer3():
    entry = plan(resources.Zone(), [{"name": "empty"}]).write_ops[0].element
    layer3 = xml.find_path(entry, "network/layer3")
    assert layer3 is not None
    assert len(layer3) == 0


def test_member_order_is_not_a_change():
    config = device_with_zone(["tunnel.1", "tunnel.2"])
    for state in ("merged", "replaced", "overridden"):
        assert run(resources.Zone, [{"name": "vpn", "interfaces": ["tunnel.2", "tunnel.1"]}], config, state=state).ops == []


def test_merged_adds_members_and_keeps_others():
    config = device_with_zone(["tunnel.1", "tunnel.2"])
    result = run(resources.Zone, [{"name": "vpn", "interfaces": ["tunnel.3", "tunnel.1"]}], config)
    assert members(config) == ["tunnel.1", "tunnel.2", "tunnel.3"]
    assert result.after["vpn"]["interfaces"] == ["tunnel.1", "tunnel.2", "tunnel.3"]
    assert run(resources.Zone, [{"name": "vpn", "interfaces": ["tunnel.3"]}], config).ops == []


def test_merged_without_interfaces_keeps_members():
    config = device_with_zone(["tunnel.1"])
    run(resources.Zone, [{"name": "vpn", "zone_protection_profile": "zp"}], config)
    assert members(config) == ["tunnel.1"]


def test_replaced_sets_exact_members():
    config = device_with_zone(["tunnel.1", "tunnel.2"], zone_protection_profile="zp")
    run(resources.Zone, [{"name": "vpn", "interfaces": ["tunnel.3"]}], config, state="replaced")
    assert members(config) == ["tunnel.3"]
    assert read(resources.Zone(), config)["vpn"].item["zone_protection_profile"] is None


def test_overridden_sets_members_and_deletes_other_layer3_zones():
    config = device_with_zone(["tunnel.1"])
    run(resources.Zone, [{"name": "old", "interfaces": ["tunnel.7"]}], config)
    result = run(resources.Zone, [{"name": "vpn", "interfaces": ["tunnel.2"]}], config, state="overridden")
    assert members(config) == ["tunnel.2"]
    assert members(config, "old") is None
    assert any(op.action == "delete" and op.xpath.endswith("entry[@name='old']") for op in result.ops)


def test_deleted_with_interfaces_removes_only_those():
    config = device_with_zone(["tunnel.1", "tunnel.2", "tunnel.3"])
    result = run_task(config, "deleted", [{"name": "vpn", "interfaces": ["tunnel.2", "tunnel.9"]}])
    assert members(config) == ["tunnel.1", "tunnel.3"]
    assert result.before["vpn"]["interfaces"] == ["tunnel.1", "tunnel.2", "tunnel.3"]
    assert result.after["vpn"]["interfaces"] == ["tunnel.1", "tunnel.3"]
    assert run_task(config, "deleted", [{"name": "vpn", "interfaces": ["tunnel.2"]}]).ops == []


def test_deleted_last_member_keeps_empty_zone():
    config = device_with_zone(["tunnel.1"])
    run_task(config, "deleted", [{"name": "vpn", "interfaces": ["tunnel.1"]}])
    assert members(config) == []


def test_deleted_without_interfaces_deletes_zone():
    config = device_with_zone(["tunnel.1"])
    result = run_task(config, "deleted", [{"name": "vpn"}])
    assert [op.action for op in result.ops] == ["delete"]
    assert members(config) is None


def test_deleted_mixes_member_removal_and_zone_deletion():
    config = device_with_zone(["tunnel.1", "tunnel.2"])
    run(resources.Zone, [{"name": "old", "interfaces": ["tunnel.7"]}], config)
    result = run_task(config, "deleted", [{"name": "vpn", "interfaces": ["tunnel.1"]}, {"name": "old"}])
    assert members(config) == ["tunnel.2"]
    assert members(config, "old") is None
    assert result.after == {"vpn": result.after["vpn"], "old": None}
    assert result.after["vpn"]["interfaces"] == ["tunnel.2"]


def test_deleted_members_of_missing_zone_changes_nothing():
    config = device_with_zone(["tunnel.1"])
    result = run_task(config, "deleted", [{"name": "nowhere", "interfaces": ["tunnel.1"]}, {"name": "gone"}])
    assert result.ops == []
    assert result.after == {"nowhere": None, "gone": None}


def test_deleted_with_empty_interface_list_keeps_zone():
    config = device_with_zone(["tunnel.1"])
    assert run_task(config, "deleted", [{"name": "vpn", "interfaces": []}]).ops == []
    assert members(config) == ["tunnel.1"]


def other_zone_config():
    config = device_with_zone(["tunnel.1"])
    zones = config.find(".//vsys/entry/zone")
    tap = xml.ET.SubElement(zones, "entry", name="tapzone")
    xml.ensure_path(tap, "network/tap")
    return config


def test_other_zone_types_untouched():
    config = other_zone_config()
    assert sorted(read(resources.Zone(), config)) == ["vpn"]
    result = run(resources.Zone, [{"name": "vpn"}], config, state="overridden")
    assert all("tapzone" not in op.xpath for op in result.ops)
    assert config.find(".//zone/entry[@name='tapzone']/network/tap") is not None


def test_other_zone_type_named_rejected():
    config = other_zone_config()
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.Zone(), [{"name": "tapzone", "interfaces": ["ethernet1/5"]}], config)
    assert "config[0].name: zone 'tapzone' exists as a tap zone" in str(error.value)


def test_zone_keeps_elements_it_does_not_model():
    config = device_with_zone(["tunnel.1"])
    entry = config.find(".//zone/entry[@name='vpn']")
    xml.ensure_path(entry, "user-acl/include-list/member").text = "10.0.0.0/8"
    run(resources.Zone, [{"name": "vpn", "interfaces": ["tunnel.4"]}], config)
    assert xml.members_of(config.find(".//zone/entry[@name='vpn']"), "user-acl/include-list") == ["10.0.0.0/8"]


def test_zone_name_limit_and_characters():
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.Zone(), [{"name": "z" * 32}, {"name": "bad/name"}])
    message = str(error.value)
    assert "config[0].name: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz' is 32 characters long" in message
    assert "at most 31" in message
    assert "config[1].name: 'bad/name' is not a valid PAN-OS name" in message


def test_zone_rejects_bad_tunnel_member():
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.Zone(), [{"name": "vpn", "interfaces": ["tunnel.0"]}])
    assert "config[0].interfaces[0]: 'tunnel.0' is not a tunnel interface name" in str(error.value)


def test_zone_display_sorts_members():
    displayed = resources.Zone().display({"name": "vpn", "interfaces": ["tunnel.9", "ethernet1/2"]}, CONTEXT)
    assert displayed["interfaces"] == ["ethernet1/2", "tunnel.9"]


def test_zone_in_vsys_scope():
    scope = engine.Scope(vsys="vsys2")
    result = engine.plan_changes(resources.Zone(), [{"name": "vpn"}], {}, "merged", scope, CONTEXT)
    assert "/vsys/entry[@name='vsys2']/zone/entry[@name='vpn']" in result.ops[0].xpath
