"""Panorama template scopes and template variables."""

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _resources as resources
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext

CONTEXT = RenderContext((10, 2, 0))
TEMPLATE_ROOT = (
    "/config/devices/entry[@name='localhost.localdomain']/template/entry[@name='branch-tpl']"
    "/config/devices/entry[@name='localhost.localdomain']"
)
VARIABLE_GATEWAY = {
    "name": "gw-hub",
    "interface": "ethernet1/1",
    "local_ip": "$wan_ip",
    "peer_address": "$hub_ip",
    "pre_shared_key": "k",
    "ike_crypto_profile": "p1",
}


def test_template_scope_roots():
    scope = engine.Scope(template="branch-tpl", vsys="vsys2")
    assert scope.root("device") == TEMPLATE_ROOT
    assert scope.root("vsys") == TEMPLATE_ROOT + "/vsys/entry[@name='vsys2']"
    assert resources.IkeGateway().container_xpath(scope) == TEMPLATE_ROOT + "/network/ike/gateway"


def test_template_stack_scope_root():
    scope = engine.Scope(template_stack="site-a")
    assert "/template-stack/entry[@name='site-a']/config/devices/" in scope.root("device")


def test_template_and_stack_exclusive():
    with pytest.raises(engine.ValidationError) as error:
        engine.Scope.from_params({"template": "t", "template_stack": "s"})
    assert "template, template_stack" in str(error.value)


def test_tunnel_interface_in_template_imported_into_vsys():
    scope = engine.Scope(template="T1", vsys="vsys2")
    interface = {"name": "tunnel.7", "zone": "vpn", "virtual_router": "default"}
    plan = engine.plan_changes(resources.TunnelInterface(), [interface], {}, "merged", scope, CONTEXT)
    xpaths = [op.xpath for op in plan.write_ops]
    template_root = "/config/devices/entry[@name='localhost.localdomain']/template/entry[@name='T1']/config/devices/entry[@name='localhost.localdomain']"
    assert template_root + "/vsys/entry[@name='vsys2']/import/network/interface" in xpaths
    assert template_root + "/vsys/entry[@name='vsys2']/zone/entry[@name='vpn']/network/layer3" in xpaths
    assert template_root + "/network/virtual-router/entry[@name='default']/interface" in xpaths


def test_variables_accepted_in_template():
    scope = engine.Scope(template="branch-tpl")
    engine.validate_config(resources.IkeGateway(), [VARIABLE_GATEWAY], "merged", scope)
    plan = engine.plan_changes(resources.IkeGateway(), [VARIABLE_GATEWAY], {}, "merged", scope, CONTEXT)
    entry = plan.write_ops[0].element
    assert xml.text_of(entry, "peer-address/ip") == "$hub_ip"
    assert xml.text_of(entry, "local-address/ip") == "$wan_ip"


def test_variables_rejected_on_firewall():
    with pytest.raises(engine.ValidationError) as error:
        engine.validate_config(resources.IkeGateway(), [VARIABLE_GATEWAY], "merged", engine.Scope())
    assert "config[0].peer_address" in str(error.value)
    assert "only allowed with the template or template_stack option" in str(error.value)


def test_variable_proxy_ids_in_template():
    scope = engine.Scope(template="branch-tpl")
    tunnel = {"name": "t1", "proxy_ids": [{"name": "a", "local": "$lan", "remote": "10.0.0.0/16"}]}
    engine.validate_config(resources.IpsecTunnel(), [tunnel], "merged", scope)


def test_malformed_variable_rejected():
    scope = engine.Scope(template="branch-tpl")
    bad = dict(VARIABLE_GATEWAY, peer_address="$bad name")
    with pytest.raises(engine.ValidationError) as error:
        engine.validate_config(resources.IkeGateway(), [bad], "merged", scope)
    assert "not a valid template variable" in str(error.value)


def test_stack_override_written_at_stack_only():
    scope = engine.Scope(template_stack="site-a")
    gateway = dict(VARIABLE_GATEWAY, peer_address="198.51.100.7", local_ip="203.0.113.5/24")
    plan = engine.plan_changes(resources.IkeGateway(), [gateway], {}, "merged", scope, CONTEXT)
    xpaths = [op.xpath for op in plan.write_ops]
    assert xpaths == [
        "/config/devices/entry[@name='localhost.localdomain']/template-stack/entry[@name='site-a']"
        "/config/devices/entry[@name='localhost.localdomain']/network/ike/gateway/entry[@name='gw-hub']"
    ]
    assert all("/template/" not in xpath for xpath in xpaths)


def test_stack_override_needs_only_changed_options():
    scope = engine.Scope(template_stack="site-a")
    override = {"name": "gw-hub", "peer_address": "198.51.100.9"}
    plan = engine.plan_changes(resources.IkeGateway(), [override], {}, "merged", scope, CONTEXT)
    entry = plan.write_ops[0].element
    assert xml.text_of(entry, "peer-address/ip") == "198.51.100.9"
    assert xml.find_path(entry, "protocol") is None
    assert xml.find_path(entry, "authentication") is None


def test_template_still_requires_complete_objects():
    scope = engine.Scope(template="vpn-base")
    with pytest.raises(engine.ValidationError) as error:
        engine.plan_changes(resources.IkeGateway(), [{"name": "gw-hub", "peer_address": "198.51.100.9"}], {}, "merged", scope, CONTEXT)
    assert "pre_shared_key: missing" in str(error.value)


def test_logical_router_route_without_nexthop():
    scope = engine.Scope(logical_router="lr1", vrf="blue")
    route = {"name": "to-branch", "destination": "192.168.50.0/24", "interface": "tunnel.10"}
    plan = engine.plan_changes(resources.StaticRoute(), [route], {}, "merged", scope, CONTEXT)
    op = plan.write_ops[0]
    assert op.xpath.endswith(
        "/network/logical-router/entry[@name='lr1']/vrf/entry[@name='blue']/routing-table/ip/static-route/entry[@name='to-branch']"
    )
    assert op.element.find("nexthop") is None


def test_logical_router_route_round_trips():
    scope = engine.Scope(logical_router="lr1")
    route = {"name": "to-branch", "destination": "192.168.50.0/24", "interface": "tunnel.10", "metric": 20}
    plan = engine.plan_changes(resources.StaticRoute(), [route], {}, "merged", scope, CONTEXT)
    result = xml.ET.Element("result")
    xml.ET.SubElement(result, "static-route").append(plan.write_ops[0].element)
    have = resources.StaticRoute().parse_read(result, scope, CONTEXT)
    assert engine.plan_changes(resources.StaticRoute(), [route], have, "merged", scope, CONTEXT).ops == []
