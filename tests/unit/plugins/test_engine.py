"""Engine tests: planning, comparison, secrets and rendering, with no device."""

import base64
import hashlib

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _resources as resources
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext

CONTEXT = RenderContext((10, 2, 0))
SCOPE = engine.Scope()


def encrypted(plaintext):
    """The form in which PAN-OS returns a secret: -AQ==, base64(SHA-1), ciphertext."""
    digest = base64.b64encode(hashlib.sha1(plaintext.encode()).digest()).decode()
    return "-AQ==" + digest + "c2ltdWxhdGVkLWNpcGhlcnRleHQ="


def device_state(resource, want, edit=None):
    """Plan ``want`` on an empty device and return what the device would hold afterwards."""
    plan = engine.plan_changes(resource, want, {}, "merged", SCOPE, CONTEXT)
    result = xml.ET.Element("result")
    container = xml.ET.SubElement(result, resource.container_tag)
    for op in plan.write_ops:
        if op.action == "edit" and op.xpath.startswith(resource.container_xpath(SCOPE)):
            entry = xml.clone(op.element)
            if edit:
                edit(entry)
            container.append(entry)
    return resource.parse_read(result, SCOPE, CONTEXT)


GATEWAY = {
    "name": "gw1",
    "interface": "ethernet1/1",
    "peer_address": "203.0.113.5",
    "pre_shared_key": "lab-secret-1",
    "ike_crypto_profile": "p-ike2",
}


def encrypt_psk(entry):
    key = xml.find_path(entry, "authentication/pre-shared-key/key")
    key.text = encrypted(key.text)


def test_gateway_second_run_unchanged():
    have = device_state(resources.IkeGateway(), [GATEWAY], edit=encrypt_psk)
    plan = engine.plan_changes(resources.IkeGateway(), [GATEWAY], have, "merged", SCOPE, CONTEXT)
    assert plan.ops == []


def test_gateway_changed_psk_detected():
    have = device_state(resources.IkeGateway(), [GATEWAY], edit=encrypt_psk)
    changed = dict(GATEWAY, pre_shared_key="another-secret")
    plan = engine.plan_changes(resources.IkeGateway(), [changed], have, "merged", SCOPE, CONTEXT)
    assert len(plan.ops) == 1
    assert plan.after["gw1"]["pre_shared_key"] == "******** (new value)"
    assert plan.before["gw1"]["pre_shared_key"] == "********"


def test_gateway_psk_masked_in_commands():
    plan = engine.plan_changes(resources.IkeGateway(), [GATEWAY], {}, "merged", SCOPE, CONTEXT)
    described = [op.describe() for op in plan.ops]
    assert "lab-secret-1" not in repr(described)
    assert "********" in described[0]["element"]


def test_gateway_unchanged_psk_not_resent():
    have = device_state(resources.IkeGateway(), [GATEWAY], edit=encrypt_psk)
    passive = dict(GATEWAY, passive_mode=True)
    plan = engine.plan_changes(resources.IkeGateway(), [passive], have, "merged", SCOPE, CONTEXT)
    text = plan.multi_config_text()
    assert "lab-secret-1" not in text
    assert encrypted("lab-secret-1") in text


def test_ikev2_gateway_has_no_ikev1_block():
    plan = engine.plan_changes(resources.IkeGateway(), [GATEWAY], {}, "merged", SCOPE, CONTEXT)
    entry = plan.write_ops[0].element
    assert xml.text_of(entry, "protocol/version") == "ikev2"
    assert xml.text_of(entry, "protocol/ikev2/ike-crypto-profile") == "p-ike2"
    assert xml.find_path(entry, "protocol/ikev1") is None


def test_ikev1_gateway_has_no_ikev2_block():
    ikev1 = dict(GATEWAY, version="ikev1")
    plan = engine.plan_changes(resources.IkeGateway(), [ikev1], {}, "merged", SCOPE, CONTEXT)
    entry = plan.write_ops[0].element
    assert xml.text_of(entry, "protocol/ikev1/ike-crypto-profile") == "p-ike2"
    assert xml.find_path(entry, "protocol/ikev2") is None


def test_version_switch_moves_profile():
    have = device_state(resources.IkeGateway(), [dict(GATEWAY, version="ikev1")], edit=encrypt_psk)
    plan = engine.plan_changes(resources.IkeGateway(), [{"name": "gw1", "version": "ikev2"}], have, "merged", SCOPE, CONTEXT)
    entry = plan.write_ops[0].element
    assert xml.find_path(entry, "protocol/ikev1") is None
    assert xml.text_of(entry, "protocol/ikev2/ike-crypto-profile") == "p-ike2"


def test_merge_keeps_unmodelled_elements():
    def add_unknown(entry):
        encrypt_psk(entry)
        xml.ensure_path(entry, "pq-ppk/enable").text = "no"

    have = device_state(resources.IkeGateway(), [GATEWAY], edit=add_unknown)
    plan = engine.plan_changes(resources.IkeGateway(), [{"name": "gw1", "passive_mode": True}], have, "merged", SCOPE, CONTEXT)
    entry = plan.write_ops[0].element
    assert xml.text_of(entry, "pq-ppk/enable") == "no"
    assert xml.text_of(entry, "protocol-common/passive-mode") == "yes"


def test_new_gateway_requires_key_and_profile():
    with pytest.raises(engine.ValidationError) as error:
        engine.plan_changes(resources.IkeGateway(), [{"name": "gw9", "interface": "ethernet1/1"}], {}, "merged", SCOPE, CONTEXT)
    messages = " ".join(error.value.errors)
    assert "config[0].pre_shared_key: missing" in messages
    assert "config[0].ike_crypto_profile: missing" in messages
    assert "config[0].peer_address: missing" in messages


def test_dynamic_peer_renders_empty_element():
    dynamic = dict(GATEWAY, peer_type="dynamic")
    del dynamic["peer_address"]
    plan = engine.plan_changes(resources.IkeGateway(), [dynamic], {}, "merged", SCOPE, CONTEXT)
    entry = plan.write_ops[0].element
    node = xml.find_path(entry, "peer-address/dynamic")
    assert node is not None
    assert not node.text
    assert xml.find_path(entry, "peer-address/ip") is None


def test_ipsec_profile_no_pfs_is_scalar():
    profile = {"name": "p2", "esp_encryption": ["aes-256-cbc"], "esp_authentication": ["sha1"], "dh_group": "no-pfs", "lifetime": "1h"}
    plan = engine.plan_changes(resources.IpsecCryptoProfile(), [profile], {}, "merged", SCOPE, CONTEXT)
    entry = plan.write_ops[0].element
    dh_group = entry.find("dh-group")
    assert dh_group.text == "no-pfs"
    assert len(dh_group) == 0


def test_lifetime_units_compare_equal():
    def as_seconds(entry):
        lifetime = entry.find("lifetime")
        for child in list(lifetime):
            lifetime.remove(child)
        xml.ET.SubElement(lifetime, "seconds").text = "3600"

    profile = {"name": "p2", "lifetime": "1h"}
    have = device_state(resources.IpsecCryptoProfile(), [profile], edit=as_seconds)
    plan = engine.plan_changes(resources.IpsecCryptoProfile(), [dict(profile, lifetime="3600")], have, "merged", SCOPE, CONTEXT)
    assert plan.ops == []


def test_lifetime_out_of_range_rejected():
    with pytest.raises(engine.ValidationError) as error:
        engine.validate_config(resources.IkeCryptoProfile(), [{"name": "p", "lifetime": "60s"}], "merged")
    assert "config[0].lifetime" in str(error.value)


def test_ike_gcm_requires_non_auth():
    with pytest.raises(engine.ValidationError) as error:
        engine.validate_config(
            resources.IkeCryptoProfile(), [{"name": "p", "encryption": ["aes-256-gcm"], "hash": ["sha256"]}], "merged"
        )
    assert "config[0].hash" in str(error.value)
    assert "non-auth" in str(error.value)


def test_esp_gcm_with_auth_rejected():
    with pytest.raises(engine.ValidationError) as error:
        engine.validate_config(
            resources.IpsecCryptoProfile(), [{"name": "p", "esp_encryption": ["aes-128-gcm"], "esp_authentication": ["sha256"]}], "merged"
        )
    assert "config[0].esp_authentication" in str(error.value)


def test_cbc_esp_defaults_to_sha256():
    plan = engine.plan_changes(resources.IpsecCryptoProfile(), [{"name": "p", "esp_encryption": ["aes-256-cbc"]}], {}, "merged", SCOPE, CONTEXT)
    entry = plan.write_ops[0].element
    assert xml.members_of(entry, "esp/authentication") == ["sha256"]


def test_proxy_id_protocol_number_rendered():
    tunnel = {
        "name": "t1",
        "tunnel_interface": "tunnel.1",
        "ike_gateway": "gw1",
        "ipsec_crypto_profile": "p2",
        "proxy_ids": [{"name": "gre", "local": "10.1.0.0/16", "remote": "192.168.10.0/24", "protocol": "number", "protocol_number": 47}],
    }
    plan = engine.plan_changes(resources.IpsecTunnel(), [tunnel], {}, "merged", SCOPE, CONTEXT)
    entry = plan.write_ops[0].element
    assert xml.text_of(entry, "auto-key/proxy-id/entry/protocol/number") == "47"
    assert xml.find_path(entry, "auto-key/proxy-id/entry/protocol/any") is None

    have = device_state(resources.IpsecTunnel(), [tunnel])
    assert engine.plan_changes(resources.IpsecTunnel(), [tunnel], have, "merged", SCOPE, CONTEXT).ops == []


@pytest.mark.parametrize(
    "proxy_ids, fragment",
    [
        ([{"name": "a", "local": "10.1.0.5/16", "remote": "10.2.0.0/16"}], "host bits"),
        ([{"name": "a", "local": "10.1.0.0/16", "remote": "nonsense"}], "not a valid prefix"),
        (
            [{"name": "a", "local": "10.1.0.0/16", "remote": "10.2.0.0/16"}, {"name": "b", "local": "10.1.2.0/24", "remote": "10.2.0.0/24"}],
            "overlaps",
        ),
        ([{"name": "a", "local": "10.1.0.0/16", "remote": "10.2.0.0/16", "protocol": "any", "protocol_number": 47}], "protocol_number"),
    ],
)
def test_proxy_id_rejections(proxy_ids, fragment):
    tunnel = {"name": "t1", "proxy_ids": proxy_ids}
    with pytest.raises(engine.ValidationError) as error:
        engine.validate_config(resources.IpsecTunnel(), [tunnel], "merged")
    assert fragment in str(error.value)
    assert "config[0].proxy_ids[" in str(error.value)


def test_tunnel_interface_name_checked():
    with pytest.raises(engine.ValidationError) as error:
        engine.validate_config(resources.TunnelInterface(), [{"name": "tun1"}], "merged")
    assert "tunnel.N" in str(error.value)


def test_name_too_long_rejected():
    with pytest.raises(engine.ValidationError) as error:
        engine.validate_config(resources.IkeCryptoProfile(), [{"name": "p" * 32}], "merged")
    assert "at most 31" in str(error.value)


def test_duplicate_names_rejected():
    with pytest.raises(engine.ValidationError) as error:
        engine.validate_config(resources.IkeCryptoProfile(), [{"name": "p"}, {"name": "p"}], "merged")
    assert "config[1].name" in str(error.value)


def test_static_route_into_tunnel_has_no_nexthop():
    route = {"name": "to-branch", "destination": "192.168.50.0/24", "interface": "tunnel.10"}
    plan = engine.plan_changes(resources.StaticRoute(), [route], {}, "merged", SCOPE, CONTEXT)
    entry = plan.write_ops[0].element
    assert entry.find("nexthop") is None
    assert plan.after["to-branch"]["nexthop_type"] == "none"


def test_tunnel_interface_binds_zone_and_router():
    interface = {"name": "tunnel.7", "ip": ["169.254.1.1/30"], "zone": "vpn", "virtual_router": "default"}
    plan = engine.plan_changes(resources.TunnelInterface(), [interface], {}, "merged", SCOPE, CONTEXT)
    actions = [(op.action, op.xpath.rsplit("/", 2)[-2:]) for op in plan.write_ops]
    assert actions[0][0] == "edit"
    assert ("set", ["network", "interface"]) in actions
    assert ("set", ["network", "layer3"]) in actions
    assert ("set", ["entry[@name='default']", "interface"]) in actions


def test_overridden_keeps_predefined_profiles():
    have = device_state(resources.IkeCryptoProfile(), [{"name": "default"}, {"name": "old"}, {"name": "keep"}])
    plan = engine.plan_changes(resources.IkeCryptoProfile(), [{"name": "keep"}], have, "overridden", SCOPE, CONTEXT)
    deleted = [op.xpath for op in plan.delete_ops]
    assert len(deleted) == 1
    assert deleted[0].endswith("entry[@name='old']")


def test_xpath_quoting_forms():
    assert xml.quote_xpath_literal("plain") == "'plain'"
    assert xml.quote_xpath_literal("it's") == '"it\'s"'
    assert xml.quote_xpath_literal("a'b\"c") == "concat('a', \"'\", 'b\"c')"


@pytest.mark.parametrize("peer, accepted", [("VPN.example.net", True), ("192.0.2.1", True), ("bad name!", False)])
def test_peer_without_type_checked_later(peer, accepted):
    result = None
    try:
        engine.validate_config(resources.IkeGateway(), [{"name": "g", "peer_address": peer}], "merged")
    except engine.ValidationError as error:
        result = str(error)
    assert (result is None) is accepted


def test_fqdn_peer_on_ip_gateway_gets_hint():
    with pytest.raises(engine.ValidationError) as error:
        engine.validate_config(resources.IkeGateway(), [{"name": "g", "peer_type": "ip", "peer_address": "vpn.example.net"}], "merged")
    assert "set peer_type to fqdn" in str(error.value)


def test_ipv6_route_rejected():
    with pytest.raises(engine.ValidationError) as error:
        engine.validate_config(resources.StaticRoute(), [{"name": "r", "destination": "2001:db8::/32", "interface": "tunnel.1"}], "merged")
    assert "config[0].destination" in str(error.value)
    assert "IPv4" in str(error.value)


def test_interface_addresses_compare_as_set():
    interface = resources.TunnelInterface()
    assert interface.canonical({"name": "tunnel.1", "ip": ["169.254.9.1"]}, CONTEXT) == interface.canonical(
        {"name": "tunnel.1", "ip": ["169.254.9.1/32"]}, CONTEXT
    )
    assert interface.canonical({"name": "tunnel.1", "ip": ["2001:DB8:0::1/64", "10.0.0.1/30"]}, CONTEXT) == interface.canonical(
        {"name": "tunnel.1", "ip": ["10.0.0.1/30", "2001:db8::1/64"]}, CONTEXT
    )


def test_dynamic_peer_without_passive_warns():
    dynamic = dict(GATEWAY, peer_type="dynamic")
    del dynamic["peer_address"]
    plan = engine.plan_changes(resources.IkeGateway(), [dynamic], {}, "merged", SCOPE, CONTEXT)
    assert any("passive_mode" in warning for warning in plan.warnings)
    passive = dict(dynamic, passive_mode=True)
    plan = engine.plan_changes(resources.IkeGateway(), [passive], {}, "merged", SCOPE, CONTEXT)
    assert not any("passive_mode" in warning for warning in plan.warnings)


def test_gcm_profile_used_by_ikev1_gateway_rejected():
    result = xml.from_string(
        "<result><ike-crypto-profiles><entry name='p1'><encryption><member>aes-256-cbc</member></encryption></entry>"
        "</ike-crypto-profiles><gateway><entry name='gw-old'><protocol><version>ikev1</version><ikev1>"
        "<ike-crypto-profile>p1</ike-crypto-profile></ikev1></protocol></entry></gateway></result>"
    )
    resource = resources.IkeCryptoProfile()
    have = resource.parse_read(result, SCOPE, CONTEXT)
    with pytest.raises(engine.ValidationError) as error:
        engine.plan_changes(resource, [{"name": "p1", "encryption": ["aes-256-gcm"]}], have, "merged", SCOPE, CONTEXT)
    assert "config[0].encryption" in str(error.value)
    assert "IKEv1 gateway 'gw-old'" in str(error.value)


def test_proxy_id_used_by_monitor_not_deleted():
    result = xml.from_string(
        "<result><entry name='t1'><auto-key><proxy-id><entry name='p1'><local>10.1.0.0/16</local>"
        "<remote>10.2.0.0/16</remote></entry></proxy-id></auto-key><tunnel-monitor><enable>yes</enable>"
        "<destination-ip>10.2.0.1</destination-ip><proxy-id>p1</proxy-id></tunnel-monitor></entry></result>"
    )
    resource = resources.ProxyId(tunnel="t1", state="deleted")
    have = resource.parse_read(result, SCOPE, CONTEXT)
    with pytest.raises(engine.ValidationError) as error:
        engine.plan_changes(resource, [{"name": "p1"}], have, "deleted", SCOPE, CONTEXT)
    assert "tunnel 't1' monitors through it" in str(error.value)


def test_policy_based_peer_without_proxy_ids_warns():
    tunnel = {"name": "t1", "tunnel_interface": "tunnel.1", "ike_gateway": "gw1", "ipsec_crypto_profile": "p2", "peer_policy_based": True}
    plan = engine.plan_changes(resources.IpsecTunnel(), [tunnel], {}, "merged", SCOPE, CONTEXT)
    assert any("policy-based peer but has no proxy IDs" in warning for warning in plan.warnings)
    assert "peer_policy_based" not in plan.multi_config_text()
    with_ids = dict(tunnel, proxy_ids=[{"name": "p1", "local": "10.1.0.0/16", "remote": "192.168.10.0/24"}])
    plan = engine.plan_changes(resources.IpsecTunnel(), [with_ids], {}, "merged", SCOPE, CONTEXT)
    assert not any("policy-based" in warning for warning in plan.warnings)


def test_protocol_six_overlaps_tcp():
    tunnel = {
        "name": "t1",
        "proxy_ids": [
            {"name": "a", "local": "10.1.0.0/16", "remote": "10.2.0.0/16", "protocol": "number", "protocol_number": 6},
            {"name": "b", "local": "10.1.0.0/16", "remote": "10.2.0.0/16", "protocol": "tcp", "remote_port": 443},
        ],
    }
    with pytest.raises(engine.ValidationError) as error:
        engine.validate_config(resources.IpsecTunnel(), [tunnel], "merged")
    assert "overlaps" in str(error.value)
