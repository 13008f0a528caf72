"""Tests of the PAN-OS version table: every boundary is checked on both sides."""

import pytest

from pansim import schema, sysinfo, versions
from pansim.api import handle_request
from pansim.device import Device, DeviceSpec
from pansim.node import parse_xml

DEVICE = (("config", None), ("devices", None), ("entry", "localhost.localdomain"))
NETWORK = DEVICE + (("network", None),)
IKE_PROFILES = NETWORK + (("ike", None), ("crypto-profiles", None), ("ike-crypto-profiles", None))
IPSEC_PROFILES = NETWORK + (("ike", None), ("crypto-profiles", None), ("ipsec-crypto-profiles", None))
GATEWAYS = NETWORK + (("ike", None), ("gateway", None))
TUNNELS = NETWORK + (("tunnel", None), ("ipsec", None))
ZONES = DEVICE + (("vsys", None), ("entry", "vsys1"), ("zone", None))
TEMPLATE_VARIABLES = DEVICE + (("template", None), ("entry", "T1"), ("variable", None))

FAMILY_NAMES = [family.name for family in versions.FAMILIES]


def problems(version, parent, xml, panorama=False):
    return schema.Schema(version, panorama=panorama).check_element(parent, parse_xml(xml))


def accepted(version, parent, xml, panorama=False):
    return problems(version, parent, xml, panorama) == []


def ike_member(tag, value):
    return f'<entry name="p"><{tag}><member>{value}</member></{tag}></entry>'


def esp_member(value):
    return f'<entry name="p"><esp><encryption><member>{value}</member></encryption></esp></entry>'


def test_families_are_the_six_modelled_releases():
    assert FAMILY_NAMES == ["9.1", "10.1", "10.2", "11.0", "11.1", "11.2"]
    for family in versions.FAMILIES:
        assert versions.family_of(versions.parse_version(family.example)) == family


def test_version_outside_families_has_no_family():
    assert versions.family_of((10, 0, 3)) is None


@pytest.mark.parametrize(
    "before, first, xml",
    [
        ("10.1.14", "10.2.0", ike_member("dh-group", "group15")),
        ("10.1.14", "10.2.0", ike_member("dh-group", "group16")),
        ("10.1.14", "10.2.0", ike_member("dh-group", "group21")),
        ("10.0.2", "10.0.3", ike_member("encryption", "aes-128-gcm")),
        ("10.0.2", "10.0.3", ike_member("encryption", "aes-256-gcm")),
        ("10.0.2", "10.0.3", ike_member("hash", "non-auth")),
    ],
)
def test_ike_keyword_first_release(before, first, xml):
    assert not accepted(before, IKE_PROFILES, xml)
    assert accepted(first, IKE_PROFILES, xml)


def test_ipsec_dh_group_first_release():
    xml = '<entry name="p"><dh-group>group21</dh-group></entry>'
    assert problems("10.1.14", IPSEC_PROFILES, xml) == [" ipsec-crypto-profiles -> p -> dh-group 'group21' is not an allowed keyword"]
    assert accepted("10.2.0", IPSEC_PROFILES, xml)


def test_esp_ccm_first_release():
    assert not accepted("9.1.17", IPSEC_PROFILES, esp_member("aes-128-ccm"))
    assert accepted("10.0.0", IPSEC_PROFILES, esp_member("aes-128-ccm"))


@pytest.mark.parametrize("parent, xml", [(IKE_PROFILES, ike_member("encryption", "des")), (IPSEC_PROFILES, esp_member("des"))])
def test_des_removed_in_10_1(parent, xml):
    assert accepted("10.0.9", parent, xml)
    assert not accepted("10.1.0", parent, xml)


@pytest.mark.parametrize("mode", ["tunnel", "transport"])
def test_ipsec_mode_from_11_0_2(mode):
    xml = f'<entry name="t1"><ipsec-mode>{mode}</ipsec-mode></entry>'
    assert problems("11.0.1", TUNNELS, xml) == [" ipsec -> t1 -> ipsec-mode unexpected here"]
    assert problems("10.2.9", TUNNELS, xml) == [" ipsec -> t1 -> ipsec-mode unexpected here"]
    assert accepted("11.0.2", TUNNELS, xml)


def test_ipsec_mode_value_still_checked():
    assert problems("11.1.4", TUNNELS, '<entry name="t1"><ipsec-mode>bridge</ipsec-mode></entry>') == [
        " ipsec -> t1 -> ipsec-mode 'bridge' is not an allowed keyword"
    ]


def test_pq_ppk_from_11_1():
    xml = (
        '<entry name="gw1"><protocol><ikev2><pq-ppk><enabled>yes</enabled>'
        "<negotiation-mode>preferred</negotiation-mode></pq-ppk></ikev2></protocol></entry>"
    )
    assert problems("11.0.6", GATEWAYS, xml) == [" gateway -> gw1 -> protocol -> ikev2 -> pq-ppk unexpected here"]
    assert accepted("11.1.0", GATEWAYS, xml)


def test_pq_ppk_negotiation_mode_values():
    xml = '<entry name="gw1"><protocol><ikev2><pq-ppk><negotiation-mode>always</negotiation-mode></pq-ppk></ikev2></protocol></entry>'
    assert problems("11.2.4", GATEWAYS, xml) == [
        " gateway -> gw1 -> protocol -> ikev2 -> pq-ppk -> negotiation-mode 'always' is not an allowed keyword"
    ]


def test_logical_router_from_10_2():
    xml = '<logical-router><entry name="lr1"/></logical-router>'
    assert problems("10.1.14", NETWORK, xml) == [" logical-router unexpected here"]
    assert accepted("10.2.0", NETWORK, xml)


@pytest.mark.parametrize("child", ["<enable-device-identification>yes</enable-device-identification>", "<device-acl/>"])
def test_zone_device_identification_from_10_0(child):
    xml = f'<entry name="z1">{child}</entry>'
    assert not accepted("9.1.17", ZONES, xml)
    assert accepted("10.0.0", ZONES, xml)


@pytest.mark.parametrize("variable_type", ["as-number", "qos-profile", "egress-max", "link-tag"])
def test_newer_variable_types_from_10_1(variable_type):
    xml = f'<entry name="$v"><type><{variable_type}>1</{variable_type}></type></entry>'
    assert problems("10.0.9", TEMPLATE_VARIABLES, xml, panorama=True) == [
        f" template -> T1 -> variable -> $v -> type -> {variable_type} unexpected here"
    ]
    assert accepted("10.1.0", TEMPLATE_VARIABLES, xml, panorama=True)


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_unknown_variable_type_rejected_everywhere(family):
    example = next(f.example for f in versions.FAMILIES if f.name == family)
    xml = '<entry name="$v"><type><colour>red</colour></type></entry>'
    assert problems(example, TEMPLATE_VARIABLES, xml, panorama=True) == [
        " template -> T1 -> variable -> $v -> type -> colour unexpected here"
    ]


# Expected acceptance per family, one row per feature: 9.1, 10.1, 10.2, 11.0 (11.0.6), 11.1, 11.2.
FEATURE_MATRIX = [
    (IKE_PROFILES, ike_member("dh-group", "group21"), [False, False, True, True, True, True]),
    (IKE_PROFILES, ike_member("encryption", "aes-256-gcm"), [False, True, True, True, True, True]),
    (IKE_PROFILES, ike_member("encryption", "des"), [True, False, False, False, False, False]),
    (IPSEC_PROFILES, esp_member("aes-128-ccm"), [False, True, True, True, True, True]),
    (TUNNELS, '<entry name="t"><ipsec-mode>transport</ipsec-mode></entry>', [False, False, False, True, True, True]),
    (
        GATEWAYS,
        '<entry name="g"><protocol><ikev2><pq-ppk><enabled>no</enabled></pq-ppk></ikev2></protocol></entry>',
        [False, False, False, False, True, True],
    ),
    (NETWORK, "<logical-router/>", [False, False, True, True, True, True]),
]


@pytest.mark.parametrize("parent, xml, expected", FEATURE_MATRIX)
def test_feature_matrix_per_family(parent, xml, expected):
    found = [accepted(family.example, parent, xml) for family in versions.FAMILIES]
    assert found == expected


def system_info_names(sw_version, kind="firewall"):
    device = Device(DeviceSpec(name="fw", port=0, sw_version=sw_version, kind=kind))
    return [name for name, _ in sysinfo.system_info_fields(device)]


@pytest.mark.parametrize(
    "field, before, first",
    [
        ("device-dictionary-version", "9.1.17", "10.0.0"),
        ("device-certificate-status", "9.1.17", "10.0.0"),
        ("advanced-routing", "10.1.14", "10.2.0"),
    ],
)
def test_system_info_field_first_release(field, before, first):
    assert field not in system_info_names(before)
    assert field in system_info_names(first)


@pytest.mark.parametrize("family", versions.FAMILIES, ids=FAMILY_NAMES)
def test_system_info_per_family(family):
    device = Device(DeviceSpec(name="fw", port=0, sw_version=family.example))
    fields = dict(sysinfo.system_info_fields(device))
    assert fields["sw-version"] == family.example
    for name in ("model", "serial", "app-version", "multi-vsys"):
        assert fields[name]
    assert fields["logdb-version"] == family.name + ".0"


def test_versioned_element_over_api_is_code_12():
    device = Device(DeviceSpec(name="fw", port=0, sw_version="10.2.9"))
    key = device.keygen("admin", "admin")
    params = {
        "type": "config",
        "action": "set",
        "key": key,
        "xpath": "/config/devices/entry[@name='localhost.localdomain']/network/tunnel/ipsec/entry[@name='t1']",
        "element": "<ipsec-mode>tunnel</ipsec-mode>",
    }
    with device.lock:
        reply = handle_request(device, params, {})
    assert 'status="error" code="12"' in reply.body
    assert " ipsec -> t1 -> ipsec-mode unexpected here" in reply.body
    assert "ipsec-mode" not in device.candidate_xml()


def test_versioned_element_in_xpath_is_rejected():
    location = GATEWAYS + (("entry", "gw1"), ("protocol", None), ("ikev2", None), ("pq-ppk", None))
    assert schema.Schema("10.2.9").check_location(location) == [" gateway -> gw1 -> protocol -> ikev2 -> pq-ppk unexpected here"]
    assert schema.Schema("11.1.0").check_location(location) == []


def test_bounds_describe():
    assert versions.since(11, 0, 2).describe() == "11.0.2 and later"
    assert versions.until(10, 0).describe() == "before 10.0.0"
    assert versions.ANY_VERSION.describe() == "all versions"


def test_pq_ppk_key_stored_encrypted():
    device = Device(DeviceSpec(name="fw", port=0, sw_version="11.1.4"))
    key = device.keygen("admin", "admin")
    element = (
        '<entry name="gw1"><protocol><ikev2><pq-ppk><enabled>yes</enabled><keys><entry name="k1">'
        "<key>ppk-secret-value-0001</key></entry></keys></pq-ppk></ikev2></protocol></entry>"
    )
    params = {
        "type": "config",
        "action": "set",
        "key": key,
        "xpath": "/config/devices/entry[@name='localhost.localdomain']/network/ike/gateway",
        "element": element,
    }
    with device.lock:
        reply = handle_request(device, params, {})
    assert reply.status == "success", reply.body
    assert "ppk-secret-value-0001" not in device.candidate_xml()
