"""Unit tests for pansim.schema: names, enums and ranges per PAN-OS version."""

import pytest

from pansim import schema
from pansim.node import parse_xml

DEVICE = (("config", None), ("devices", None), ("entry", "localhost.localdomain"))
IKE_PROFILES = DEVICE + (("network", None), ("ike", None), ("crypto-profiles", None), ("ike-crypto-profiles", None))
IPSEC_PROFILES = DEVICE + (("network", None), ("ike", None), ("crypto-profiles", None), ("ipsec-crypto-profiles", None))
GATEWAYS = DEVICE + (("network", None), ("ike", None), ("gateway", None))
TUNNELS = DEVICE + (("network", None), ("tunnel", None), ("ipsec", None))
UNITS = DEVICE + (("network", None), ("interface", None), ("tunnel", None), ("units", None))
ROUTES = DEVICE + (
    ("network", None), ("virtual-router", None), ("entry", "default"),
    ("routing-table", None), ("ip", None), ("static-route", None),
)
ADDRESSES = DEVICE + (("vsys", None), ("entry", "vsys1"), ("address", None))
ZONES = DEVICE + (("vsys", None), ("entry", "vsys1"), ("zone", None))


def problems(version, parent, xml):
    return schema.Schema(version).check_element(parent, parse_xml(xml))


def test_parse_version():
    assert schema.parse_version("10.2.9") == (10, 2, 9)
    assert schema.parse_version("11.1.4-h7") == (11, 1, 4)
    with pytest.raises(ValueError):
        schema.parse_version("11.1")


def test_bad_dh_group_message():
    found = problems("10.2.9", IKE_PROFILES, '<entry name="p1"><dh-group><member>group99</member></dh-group></entry>')
    assert found == [" ike-crypto-profiles -> p1 -> dh-group 'group99' is not an allowed keyword"]


@pytest.mark.parametrize(
    "version, value, allowed",
    [
        ("10.2.9", "group21", True),
        ("10.1.6", "group21", False),
        ("9.1.0", "group15", False),
        ("11.1.0", "group16", True),
        ("9.1.0", "group14", True),
    ],
)
def test_dh_group_by_version(version, value, allowed):
    xml = f'<entry name="p"><dh-group><member>{value}</member></dh-group></entry>'
    assert (problems(version, IKE_PROFILES, xml) == []) is allowed


@pytest.mark.parametrize(
    "version, tag, value, allowed",
    [
        ("10.0.3", "encryption", "aes-256-gcm", True),
        ("9.1.0", "encryption", "aes-256-gcm", False),
        ("9.1.0", "encryption", "des", True),
        ("10.2.9", "encryption", "des", False),
        ("10.2.9", "hash", "non-auth", True),
        ("9.1.0", "hash", "non-auth", False),
        ("10.2.9", "hash", "sha3", False),
    ],
)
def test_ike_values_by_version(version, tag, value, allowed):
    xml = f'<entry name="p"><{tag}><member>{value}</member></{tag}></entry>'
    assert (problems(version, IKE_PROFILES, xml) == []) is allowed


def test_ipsec_profile_values():
    good = (
        '<entry name="p2"><esp><encryption><member>aes-256-gcm</member></encryption>'
        "<authentication><member>none</member></authentication></esp><dh-group>group20</dh-group>"
        "<lifetime><hours>1</hours></lifetime><lifesize><gb>10</gb></lifesize></entry>"
    )
    assert problems("10.2.9", IPSEC_PROFILES, good) == []

    bad = '<entry name="p2"><esp><authentication><member>sha3</member></authentication></esp><dh-group>group3</dh-group></entry>'
    assert problems("10.2.9", IPSEC_PROFILES, bad) == [
        " ipsec-crypto-profiles -> p2 -> esp -> authentication 'sha3' is not an allowed keyword",
        " ipsec-crypto-profiles -> p2 -> dh-group 'group3' is not an allowed keyword",
    ]


def test_ipsec_profile_with_esp_and_ah_rejected():
    xml = '<entry name="p"><esp/><ah><authentication><member>sha1</member></authentication></ah></entry>'
    assert problems("10.2.9", IPSEC_PROFILES, xml) == [" ipsec-crypto-profiles -> p -> ah unexpected here"]


@pytest.mark.parametrize(
    "unit, value, allowed",
    [
        ("seconds", "180", True),
        ("seconds", "179", False),
        ("hours", "65535", True),
        ("days", "366", False),
        ("minutes", "x", False),
    ],
)
def test_lifetime_ranges(unit, value, allowed):
    xml = f'<entry name="p"><lifetime><{unit}>{value}</{unit}></lifetime></entry>'
    assert (problems("10.2.9", IKE_PROFILES, xml) == []) is allowed


def test_range_message():
    xml = '<entry name="gw1"><protocol><ikev1><dpd><interval>1</interval></dpd></ikev1></protocol></entry>'
    assert problems("10.2.9", GATEWAYS, xml) == [" gateway -> gw1 -> protocol -> ikev1 -> dpd -> interval '1' is out of range 2-100"]


def test_gateway_values():
    xml = (
        '<entry name="gw1"><protocol><version>ikev3</version><ikev1><exchange-mode>fast</exchange-mode></ikev1></protocol>'
        "<protocol-common><nat-traversal><keep-alive-interval>5</keep-alive-interval></nat-traversal></protocol-common>"
        "<peer-id><type>email</type></peer-id></entry>"
    )
    found = problems("10.2.9", GATEWAYS, xml)
    assert len(found) == 4
    assert any("version 'ikev3'" in line for line in found)
    assert any("keep-alive-interval '5' is out of range 10-3600" in line for line in found)


def test_psk_too_long_does_not_echo_value():
    secret = "k" * 300
    xml = f'<entry name="gw1"><authentication><pre-shared-key><key>{secret}</key></pre-shared-key></authentication></entry>'
    found = problems("10.2.9", GATEWAYS, xml)
    assert found == [" gateway -> gw1 -> authentication -> pre-shared-key -> key can be at most 255 characters, but current length: 300"]
    assert secret not in found[0]


def test_encrypted_psk_skips_length_limit():
    stored = "-AQ==" + "A" * 27 + "=" + "B" * 400
    xml = f'<entry name="gw1"><authentication><pre-shared-key><key>{stored}</key></pre-shared-key></authentication></entry>'
    assert problems("10.2.9", GATEWAYS, xml) == []


def test_proxy_id_ranges():
    xml = (
        '<entry name="t1"><auto-key><proxy-id><entry name="p1"><protocol><number>255</number></protocol></entry>'
        '<entry name="p2"><protocol><tcp><local-port>70000</local-port></tcp></protocol></entry></proxy-id></auto-key></entry>'
    )
    assert problems("10.2.9", TUNNELS, xml) == [
        " ipsec -> t1 -> auto-key -> proxy-id -> p1 -> protocol -> number '255' is out of range 1-254",
        " ipsec -> t1 -> auto-key -> proxy-id -> p2 -> protocol -> tcp -> local-port '70000' is out of range 0-65535",
    ]


def test_tunnel_interface_reference_pattern():
    assert problems("10.2.9", TUNNELS, '<entry name="t1"><tunnel-interface>tunnel.5</tunnel-interface></entry>') == []
    found = problems("10.2.9", TUNNELS, '<entry name="t1"><tunnel-interface>ethernet1/1</tunnel-interface></entry>')
    assert found[0].startswith(" ipsec -> t1 -> tunnel-interface 'ethernet1/1' is not a valid tunnel interface name")


@pytest.mark.parametrize(
    "name, allowed",
    [("tunnel.1", True), ("tunnel.9999", True), ("tunnel.0", False), ("tunnel.10000", False), ("tunnel", False), ("tun.1", False)],
)
def test_tunnel_unit_names(name, allowed):
    xml = f'<entry name="{name}"><mtu>1400</mtu></entry>'
    assert (problems("10.2.9", UNITS, xml) == []) is allowed


def test_tunnel_unit_mtu_range():
    assert problems("10.2.9", UNITS, '<entry name="tunnel.1"><mtu>500</mtu></entry>') == [
        " units -> tunnel.1 -> mtu '500' is out of range 576-9216"
    ]


def test_static_route_ranges():
    xml = '<entry name="r1"><admin-dist>5</admin-dist><metric>0</metric><path-monitor><failure-condition>some</failure-condition></path-monitor></entry>'
    assert len(problems("10.2.9", ROUTES, xml)) == 3


@pytest.mark.parametrize(
    "parent, limit",
    [
        (ADDRESSES, 63),
        (ZONES, 31),
        (IKE_PROFILES, 31),
        (IPSEC_PROFILES, 31),
        (GATEWAYS, 63),
        (TUNNELS, 63),
        (ROUTES, 63),
    ],
)
def test_name_limits(parent, limit):
    assert problems("10.2.9", parent, f'<entry name="{"n" * limit}"/>') == []
    too_long = "n" * (limit + 1)
    assert problems("10.2.9", parent, f'<entry name="{too_long}"/>') == [
        f" {too_long} can be at most {limit} characters, but current length: {limit + 1}"
    ]


def test_restricted_name_characters():
    assert problems("10.2.9", GATEWAYS, '<entry name="to-hub_1.a b"/>') == []
    found = problems("10.2.9", GATEWAYS, '<entry name="bad$name"/>')
    assert found[0].startswith(" gateway 'bad$name' is not a valid name")


def test_location_names_checked():
    location = IKE_PROFILES + (("entry", "x" * 32), ("dh-group", None))
    assert schema.Schema("10.2.9").check_location(location) == [
        f" {'x' * 32} can be at most 31 characters, but current length: 32"
    ]


def test_rules_apply_inside_template():
    template = DEVICE + (("template", None), ("entry", "T1"), ("config", None), ("devices", None), ("entry", "localhost.localdomain"))
    parent = template + (("network", None), ("ike", None), ("crypto-profiles", None), ("ike-crypto-profiles", None))
    found = problems("10.2.9", parent, '<entry name="p"><hash><member>crc</member></hash></entry>')
    assert found == [" ike-crypto-profiles -> p -> hash 'crc' is not an allowed keyword"]


def test_unknown_paths_are_accepted():
    assert problems("10.2.9", DEVICE, '<deviceconfig><anything ptpl="x">value</anything></deviceconfig>') == []
