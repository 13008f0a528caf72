"""References between objects are checked before any write."""

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _references as references
from ansible_collections.ipsec.panos.plugins.module_utils import _resources as resources
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext

CONTEXT = RenderContext((10, 2, 0))
SCOPE = engine.Scope()


def existing(**items):
    return {name: engine.Existing(dict(item, name=name)) for name, item in items.items()}


def test_tunnel_with_missing_gateway_rejected():
    want = [{"name": "t1", "tunnel_interface": "tunnel.1", "ike_gateway": "gw-x", "ipsec_crypto_profile": "default"}]
    plan = engine.plan_changes(resources.IpsecTunnel(), want, {}, "merged", SCOPE, CONTEXT)
    related = {"IkeGateway": {}, "IpsecCryptoProfile": existing(default={}), "TunnelInterface": existing(**{"tunnel.1": {}})}
    errors = references.check_references(resources.IpsecTunnel(), want, plan, related)
    assert errors == [
        "config[0].ike_gateway: IKE gateway 'gw-x' does not exist, so IPsec tunnel 't1' would fail at commit; "
        "create it first or correct the name"
    ]


def test_predefined_profile_counts_as_existing():
    want = [{"name": "gw", "interface": "ethernet1/1", "peer_address": "192.0.2.1", "pre_shared_key": "k", "ike_crypto_profile": "Suite-B-GCM-256"}]
    plan = engine.plan_changes(resources.IkeGateway(), want, {}, "merged", SCOPE, CONTEXT)
    assert references.check_references(resources.IkeGateway(), want, plan, {"IkeCryptoProfile": {}}) == []


def test_delete_profile_in_use_rejected():
    have = existing(p1={})
    plan = engine.plan_changes(resources.IkeCryptoProfile(), [{"name": "p1"}], have, "deleted", SCOPE, CONTEXT)
    gateways = existing(gw1={"version": "ikev2", "ike_crypto_profile": "p1"}, gw2={"ike_crypto_profile": "other"})
    errors = references.check_references(resources.IkeCryptoProfile(), [{"name": "p1"}], plan, {"IkeGateway": gateways})
    assert len(errors) == 1
    assert "cannot delete IKE crypto profile 'p1' because IKE gateway 'gw1' uses it" in errors[0]


def test_delete_unused_profile_allowed():
    have = existing(p1={})
    plan = engine.plan_changes(resources.IkeCryptoProfile(), [{"name": "p1"}], have, "deleted", SCOPE, CONTEXT)
    gateways = existing(gw2={"ike_crypto_profile": "other"})
    assert references.check_references(resources.IkeCryptoProfile(), [{"name": "p1"}], plan, {"IkeGateway": gateways}) == []


def test_route_to_ethernet_not_checked():
    want = [{"name": "r1", "destination": "10.0.0.0/8", "interface": "ethernet1/2"}]
    plan = engine.plan_changes(resources.StaticRoute(), want, {}, "merged", SCOPE, CONTEXT)
    assert references.check_references(resources.StaticRoute(), want, plan, {"TunnelInterface": {}}) == []


def test_related_resources_by_state():
    assert set(references.related_resources(resources.IpsecTunnel(), "merged")) >= {"IkeGateway", "TunnelInterface"}
    assert set(references.related_resources(resources.TunnelInterface(), "deleted")) >= {"IpsecTunnel", "StaticRoute"}
    assert references.related_resources(resources.IkeCryptoProfile(), "merged") == {}


def test_delete_zone_used_by_security_rule_rejected():
    have = existing(vpn={"interfaces": ["tunnel.1"]})
    plan = engine.plan_changes(resources.Zone(), [{"name": "vpn"}], have, "deleted", SCOPE, CONTEXT)
    rules = existing(**{"allow-vpn": {"from_zones": ["trust"], "to_zones": ["vpn"]}})
    errors = references.check_references(resources.Zone(), [{"name": "vpn"}], plan, {"SecurityRule": rules, "NatExemptRule": {}})
    assert len(errors) == 1
    assert "cannot delete zone 'vpn' because security rule 'allow-vpn' uses it" in errors[0]


def test_delete_tunnel_interface_used_by_nat_exempt_rejected():
    have = existing(**{"tunnel.1": {}})
    plan = engine.plan_changes(resources.TunnelInterface(), [{"name": "tunnel.1"}], have, "deleted", SCOPE, CONTEXT)
    rules = existing(**{"no-nat-vpn": {"to_interface": "tunnel.1", "to_zones": ["vpn"]}})
    related = {"NatExemptRule": rules, "IpsecTunnel": {}, "StaticRoute": {}}
    errors = references.check_references(resources.TunnelInterface(), [{"name": "tunnel.1"}], plan, related)
    assert any("NAT-exempt rule 'no-nat-vpn'" in error or "'no-nat-vpn'" in error for error in errors)


def test_rules_never_require_zone_to_be_read():
    assert [ref.target for ref in references.outgoing(resources.SecurityRule())] == []


def test_delete_every_zone_rejected():
    with pytest.raises(engine.ValidationError) as error:
        engine.plan_changes(resources.Zone(), [], existing(trust={}, untrust={}), "deleted", SCOPE, CONTEXT)
    assert "would delete every zone" in str(error.value)
