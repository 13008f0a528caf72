"""Several object types in one request: order and references inside the transaction."""

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _references as references
from ansible_collections.ipsec.panos.plugins.module_utils import _transaction as transaction
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext

CONTEXT = RenderContext((10, 2, 0))
SCOPE = engine.Scope()
VPN = {
    "ipsec_tunnels": [{"name": "t1", "tunnel_interface": "tunnel.5", "ike_gateway": "gw1", "ipsec_crypto_profile": "p2"}],
    "ike_crypto_profiles": [{"name": "p1"}],
    "ipsec_crypto_profiles": [{"name": "p2"}],
    "tunnel_interfaces": [{"name": "tunnel.5", "zone": "vpn", "virtual_router": "default"}],
    "ike_gateways": [
        {"name": "gw1", "interface": "ethernet1/1", "peer_address": "192.0.2.9", "pre_shared_key": "k", "ike_crypto_profile": "p1"}
    ],
    "static_routes": [{"name": "r1", "destination": "10.9.0.0/16", "interface": "tunnel.5"}],
}


def planned(config, state="merged", haves=None):
    sections = transaction.build_sections(config, state)
    for section in sections:
        section.have = (haves or {}).get(section.key, {})
        section.plan = engine.plan_changes(section.resource, section.want, section.have, state, SCOPE, CONTEXT, section.prefix)
    return sections


def reference_errors(sections):
    plans = {section.type_name: section.plan for section in sections}
    haves = {section.type_name: section.have for section in sections}
    errors = []
    for section in sections:
        errors += references.check_references(section.resource, section.want, section.plan, haves, section.prefix, plans)
    return errors


def test_writes_follow_dependency_order():
    sections = planned(VPN)
    keys = [section.key for section in sections]
    assert keys == ["ike_crypto_profiles", "ipsec_crypto_profiles", "tunnel_interfaces", "ike_gateways", "ipsec_tunnels", "static_routes"]
    containers = [op.xpath.split("/entry[@name='localhost.localdomain']/", 1)[1].split("/entry[")[0] for op in transaction.combine(sections).write_ops]
    first = {}
    for position, container in enumerate(containers):
        first.setdefault(container, position)
    assert first["network/ike/crypto-profiles/ike-crypto-profiles"] < first["network/ike/gateway"]
    assert first["network/interface/tunnel/units"] < first["network/tunnel/ipsec"]
    assert first["network/ike/gateway"] < first["network/tunnel/ipsec"]
    xpaths = [op.xpath for op in transaction.combine(sections).write_ops]
    route = next(i for i, x in enumerate(xpaths) if "/static-route/" in x)
    tunnel = next(i for i, x in enumerate(xpaths) if "/tunnel/ipsec/" in x)
    assert tunnel < route


def test_objects_created_together_satisfy_references():
    assert reference_errors(planned(VPN)) == []


def test_missing_object_named_with_section_path():
    config = dict(VPN, ike_gateways=[dict(VPN["ike_gateways"][0], ike_crypto_profile="nope")])
    errors = reference_errors(planned(config))
    assert errors == [
        "config.ike_gateways[0].ike_crypto_profile: IKE crypto profile 'nope' does not exist, so IKE gateway 'gw1' "
        "would fail at commit; create it first or correct the name"
    ]


def test_deletes_run_in_reverse_order():
    haves = {
        "ike_crypto_profiles": {"p1": engine.Existing({"name": "p1"})},
        "ike_gateways": {"gw1": engine.Existing({"name": "gw1", "version": "ikev2", "ike_crypto_profile": "p1"})},
    }
    sections = planned({"ike_crypto_profiles": [{"name": "p1"}], "ike_gateways": [{"name": "gw1"}]}, "deleted", haves)
    deletes = [op.xpath for op in transaction.combine(sections).delete_ops]
    assert deletes[0].endswith("gateway/entry[@name='gw1']")
    assert deletes[1].endswith("ike-crypto-profiles/entry[@name='p1']")
    assert reference_errors(sections) == []


def test_delete_profile_alone_blocked_by_gateway():
    haves = {"ike_crypto_profiles": {"p1": engine.Existing({"name": "p1"})}}
    sections = planned({"ike_crypto_profiles": [{"name": "p1"}]}, "deleted", haves)
    gateways = {"gw1": engine.Existing({"name": "gw1", "version": "ikev2", "ike_crypto_profile": "p1"})}
    plans = {section.type_name: section.plan for section in sections}
    errors = references.check_references(
        sections[0].resource, sections[0].want, sections[0].plan, {"IkeGateway": gateways}, sections[0].prefix, plans
    )
    assert "config.ike_crypto_profiles[0]: cannot delete IKE crypto profile 'p1' because IKE gateway 'gw1' uses it" in errors[0]


def kept_after(config, haves, related):
    """Plan a deleted task with keep_used, as the vpn module does; return (sections, kept)."""
    sections = planned(config, "deleted", haves)
    plans = {section.type_name: section.plan for section in sections}
    have = dict(related)
    have.update({section.type_name: section.have for section in sections})
    kept = transaction._keep_used(sections, have, plans, SCOPE, CONTEXT)
    return sections, kept


def deleted_names(sections):
    return {section.key: sorted(n for n, p in section.plan.after.items() if p is None) for section in sections}


def test_keep_used_keeps_profile_of_other_gateway():
    haves = {
        "ike_crypto_profiles": {"p1": engine.Existing({"name": "p1"})},
        "ike_gateways": {"gw1": engine.Existing({"name": "gw1", "version": "ikev2", "ike_crypto_profile": "p1"})},
    }
    other = {"IkeGateway": dict(haves["ike_gateways"], gw2=engine.Existing({"name": "gw2", "ike_crypto_profile": "p1"}))}
    haves["ike_gateways"] = other["IkeGateway"]
    sections, kept = kept_after({"ike_crypto_profiles": [{"name": "p1"}], "ike_gateways": [{"name": "gw1"}]}, haves, {})
    assert deleted_names(sections) == {"ike_crypto_profiles": [], "ike_gateways": ["gw1"]}
    assert kept == [{"type": "ike_crypto_profiles", "name": "p1", "used_by": ["IKE gateway gw2 (ike_crypto_profile)"]}]
    assert reference_errors(sections) == []
    assert transaction.combine(sections).delete_ops[0].xpath.endswith("gateway/entry[@name='gw1']")
    assert len(transaction.combine(sections).delete_ops) == 1


def test_keep_used_deletes_profile_nobody_else_uses():
    haves = {
        "ike_crypto_profiles": {"p1": engine.Existing({"name": "p1"})},
        "ike_gateways": {"gw1": engine.Existing({"name": "gw1", "version": "ikev2", "ike_crypto_profile": "p1"})},
    }
    sections, kept = kept_after({"ike_crypto_profiles": [{"name": "p1"}], "ike_gateways": [{"name": "gw1"}]}, haves, {})
    assert kept == []
    assert deleted_names(sections) == {"ike_crypto_profiles": ["p1"], "ike_gateways": ["gw1"]}


def test_keep_used_follows_chain_of_users():
    # A tunnel outside the task names gw1, so gw1 stays, and so does the profile gw1 names.
    haves = {
        "ike_crypto_profiles": {"p1": engine.Existing({"name": "p1"})},
        "ike_gateways": {"gw1": engine.Existing({"name": "gw1", "version": "ikev2", "ike_crypto_profile": "p1"})},
    }
    tunnels = {"IpsecTunnel": {"t9": engine.Existing({"name": "t9", "ike_gateway": "gw1", "ipsec_crypto_profile": "x"})}}
    sections, kept = kept_after({"ike_crypto_profiles": [{"name": "p1"}], "ike_gateways": [{"name": "gw1"}]}, haves, tunnels)
    assert deleted_names(sections) == {"ike_crypto_profiles": [], "ike_gateways": []}
    assert [(k["type"], k["name"]) for k in kept] == [("ike_gateways", "gw1"), ("ike_crypto_profiles", "p1")]
    assert transaction.combine(sections).ops == []


def test_keep_used_keeps_zone_with_other_members():
    haves = {
        "zones": {"vpn": engine.Existing({"name": "vpn", "interfaces": ["tunnel.5", "tunnel.9"]})},
        "tunnel_interfaces": {"tunnel.5": engine.Existing({"name": "tunnel.5", "zone": "vpn", "virtual_router": "default"})},
    }
    sections, kept = kept_after({"zones": [{"name": "vpn"}], "tunnel_interfaces": [{"name": "tunnel.5"}]}, haves, {})
    assert deleted_names(sections) == {"zones": [], "tunnel_interfaces": ["tunnel.5"]}
    assert kept == [{"type": "zones", "name": "vpn", "used_by": ["interface tunnel.9 (interfaces)"]}]


def test_keep_used_deletes_zone_emptied_by_task():
    haves = {
        "zones": {"vpn": engine.Existing({"name": "vpn", "interfaces": ["tunnel.5"]})},
        "tunnel_interfaces": {"tunnel.5": engine.Existing({"name": "tunnel.5", "zone": "vpn", "virtual_router": "default"})},
    }
    sections, kept = kept_after({"zones": [{"name": "vpn"}], "tunnel_interfaces": [{"name": "tunnel.5"}]}, haves, {})
    assert kept == []
    assert deleted_names(sections) == {"zones": ["vpn"], "tunnel_interfaces": ["tunnel.5"]}


def test_keep_used_keeps_zone_named_by_rule():
    haves = {"zones": {"vpn": engine.Existing({"name": "vpn", "interfaces": []})}}
    rules = {"SecurityRule": {"allow-vpn": engine.Existing({"name": "allow-vpn", "from_zones": ["vpn"], "to_zones": ["trust"]})}}
    sections, kept = kept_after({"zones": [{"name": "vpn"}]}, haves, rules)
    assert deleted_names(sections) == {"zones": []}
    assert kept[0]["used_by"] == ["security rule allow-vpn (from_zones)"]


def test_ikev1_gateway_with_gcm_profile_from_same_task():
    config = {
        "ike_crypto_profiles": [{"name": "gcm-only", "encryption": ["aes-256-gcm"], "hash": ["non-auth"], "dh_group": ["group20"]}],
        "ike_gateways": [dict(VPN["ike_gateways"][0], version="ikev1", ike_crypto_profile="gcm-only")],
    }
    sections = transaction.build_sections(config, "merged")
    transaction.share_planned_profiles(sections, "merged")
    gateway = next(section for section in sections if section.key == "ike_gateways")
    try:
        engine.plan_changes(gateway.resource, gateway.want, {}, "merged", SCOPE, CONTEXT, gateway.prefix)
    except engine.ValidationError as error:
        errors = error.errors
    else:
        errors = []
    assert any("config.ike_gateways[0].ike_crypto_profile: IKE crypto profile 'gcm-only' proposes aes-256-gcm" in e for e in errors), errors
