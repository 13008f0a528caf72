"""Unit tests for pansim.commit_check: references a commit must reject."""

import pytest

from pansim import configtree
from pansim.commit_check import check_config
from pansim.factory import InterfaceSpec, factory_config

DEVICE = "/config/devices/entry[@name='localhost.localdomain']"
NETWORK = DEVICE + "/network"
VSYS = DEVICE + "/vsys/entry[@name='vsys1']"

GATEWAY = (
    '<entry name="gw1"><protocol><version>ikev2</version><ikev2><ike-crypto-profile>default</ike-crypto-profile></ikev2></protocol>'
    "<peer-address><ip>203.0.113.10</ip></peer-address><local-address><interface>ethernet1/1</interface></local-address>"
    "<authentication><pre-shared-key><key>x</key></pre-shared-key></authentication></entry>"
)
UNIT = '<entry name="tunnel.1"><ip><entry name="169.254.10.1/30"/></ip></entry>'
TUNNEL = (
    '<entry name="t1"><tunnel-interface>tunnel.1</tunnel-interface>'
    '<auto-key><ike-gateway><entry name="gw1"/></ike-gateway></auto-key></entry>'
)


def build(*writes):
    root = factory_config("fw", "10.2.0", ["admin"], [InterfaceSpec("ethernet1/1", "198.51.100.1/24")])
    for xpath_text, element in writes:
        write = configtree.build_write("set", xpath_text, elements=configtree.parse_elements(element))
        configtree.apply(root, write, configtree.Journal(record=False))
    return root


def valid_vpn(*extra):
    return build(
        (NETWORK + "/ike/gateway", GATEWAY),
        (NETWORK + "/interface/tunnel/units", UNIT),
        (NETWORK + "/tunnel/ipsec", TUNNEL),
        (NETWORK + "/virtual-router/entry[@name='default']/interface", "<member>tunnel.1</member>"),
        (VSYS + "/zone/entry[@name='vpn']/network/layer3", "<member>tunnel.1</member>"),
        *extra,
    )


def test_factory_config_passes():
    result = check_config(build())
    assert result.ok
    assert result.errors == []


def test_complete_vpn_passes():
    result = check_config(valid_vpn())
    assert result.errors == []
    assert result.warnings == []


def test_missing_tunnel_interface():
    root = valid_vpn((NETWORK + "/tunnel/ipsec/entry[@name='t1']", "<tunnel-interface>tunnel.9</tunnel-interface>"))
    assert check_config(root).errors == [
        " network -> tunnel -> ipsec -> t1 -> tunnel-interface 'tunnel.9' is not a valid reference"
    ]


def test_missing_gateway_and_ipsec_profile():
    root = valid_vpn(
        (NETWORK + "/tunnel/ipsec/entry[@name='t1']/auto-key", '<ike-gateway><entry name="gw9"/></ike-gateway>'),
        (NETWORK + "/tunnel/ipsec/entry[@name='t1']/auto-key", "<ipsec-crypto-profile>p9</ipsec-crypto-profile>"),
    )
    assert check_config(root).errors == [
        " network -> tunnel -> ipsec -> t1 -> auto-key -> ike-gateway 'gw9' is not a valid reference",
        " network -> tunnel -> ipsec -> t1 -> auto-key -> ipsec-crypto-profile 'p9' is not a valid reference",
    ]


def test_absent_ipsec_profile_means_default():
    root = valid_vpn()
    delete = configtree.build_write("delete", NETWORK + "/ike/crypto-profiles/ipsec-crypto-profiles/entry[@name='default']")
    configtree.apply(root, delete, configtree.Journal(record=False))
    assert check_config(root).errors == [
        " network -> tunnel -> ipsec -> t1 -> auto-key -> ipsec-crypto-profile 'default' is not a valid reference"
    ]


def test_missing_ike_profile():
    root = valid_vpn((NETWORK + "/ike/gateway/entry[@name='gw1']/protocol/ikev2", "<ike-crypto-profile>nope</ike-crypto-profile>"))
    assert check_config(root).errors == [
        " network -> ike -> gateway -> gw1 -> protocol -> ikev2 -> ike-crypto-profile 'nope' is not a valid reference"
    ]


def test_ikev1_gateway_with_gcm_only_profile():
    profile = (
        '<entry name="gcm"><encryption><member>aes-256-gcm</member></encryption><hash><member>non-auth</member></hash>'
        "<dh-group><member>group20</member></dh-group></entry>"
    )
    root = valid_vpn(
        (NETWORK + "/ike/crypto-profiles/ike-crypto-profiles", profile),
        (NETWORK + "/ike/gateway/entry[@name='gw1']/protocol", "<version>ikev1</version><ikev1><ike-crypto-profile>gcm</ike-crypto-profile></ikev1>"),
    )
    errors = check_config(root).errors
    assert len(errors) == 1
    assert "'gcm' uses only AES-GCM encryption" in errors[0]


def test_local_address_interface_and_ip():
    root = valid_vpn((NETWORK + "/ike/gateway/entry[@name='gw1']/local-address", "<interface>ethernet1/9</interface>"))
    assert check_config(root).errors == [
        " network -> ike -> gateway -> gw1 -> local-address -> interface 'ethernet1/9' is not a valid reference"
    ]

    good_ip = valid_vpn((NETWORK + "/ike/gateway/entry[@name='gw1']/local-address", "<ip>198.51.100.1/24</ip>"))
    assert check_config(good_ip).errors == []

    bad_ip = valid_vpn((NETWORK + "/ike/gateway/entry[@name='gw1']/local-address", "<ip>198.51.100.7/24</ip>"))
    assert check_config(bad_ip).errors == [
        " network -> ike -> gateway -> gw1 -> local-address -> ip '198.51.100.7/24' is not an address of interface ethernet1/1"
    ]


def test_local_address_ip_through_address_object():
    root = valid_vpn(
        (VSYS + "/address/entry[@name='outside-ip']", "<ip-netmask>198.51.100.1/24</ip-netmask>"),
        (NETWORK + "/ike/gateway/entry[@name='gw1']/local-address", "<ip>outside-ip</ip>"),
    )
    assert check_config(root).errors == []


def test_tunnel_monitor_rules():
    monitor = NETWORK + "/tunnel/ipsec/entry[@name='t1']/tunnel-monitor"
    enabled_without_destination = valid_vpn((monitor, "<enable>yes</enable>"))
    assert check_config(enabled_without_destination).errors == [
        " network -> tunnel -> ipsec -> t1 -> tunnel-monitor is enabled but 'destination-ip' is missing"
    ]

    missing_profile = valid_vpn(
        (monitor, "<enable>yes</enable><destination-ip>10.2.0.1</destination-ip><tunnel-monitor-profile>fast</tunnel-monitor-profile>")
    )
    assert check_config(missing_profile).errors == [
        " network -> tunnel -> ipsec -> t1 -> tunnel-monitor -> tunnel-monitor-profile 'fast' is not a valid reference"
    ]

    good = valid_vpn(
        (monitor, "<enable>yes</enable><destination-ip>10.2.0.1</destination-ip><tunnel-monitor-profile>default</tunnel-monitor-profile>")
    )
    assert check_config(good).errors == []


def test_zone_and_router_members_must_exist():
    root = valid_vpn(
        (VSYS + "/zone/entry[@name='vpn']/network/layer3", "<member>tunnel.5</member>"),
        (NETWORK + "/virtual-router/entry[@name='default']/interface", "<member>ethernet1/7</member>"),
    )
    assert check_config(root).errors == [
        " vsys -> vsys1 -> zone -> vpn -> network -> layer3 'tunnel.5' is not a valid reference",
        " network -> virtual-router -> default -> interface 'ethernet1/7' is not a valid reference",
    ]


def test_interface_in_two_zones_or_routers():
    root = valid_vpn(
        (VSYS + "/zone/entry[@name='other']/network/layer3", "<member>tunnel.1</member>"),
        (NETWORK + "/virtual-router/entry[@name='vr2']/interface", "<member>tunnel.1</member>"),
    )
    assert check_config(root).errors == [
        " interface tunnel.1 is in more than one zone: vpn, other",
        " interface tunnel.1 is in more than one virtual router: default, vr2",
    ]


def test_static_route_interface_must_exist():
    route = NETWORK + "/virtual-router/entry[@name='default']/routing-table/ip/static-route"
    good = valid_vpn((route, '<entry name="r1"><destination>10.2.0.0/16</destination><interface>tunnel.1</interface></entry>'))
    assert check_config(good).errors == []

    bad = valid_vpn((route, '<entry name="r1"><destination>10.2.0.0/16</destination><interface>tunnel.3</interface></entry>'))
    assert check_config(bad).errors == [
        " network -> virtual-router -> default -> routing-table -> ip -> static-route -> r1 -> interface 'tunnel.3' is not a valid reference"
    ]


def test_unplaced_tunnel_interface_warns():
    root = build((NETWORK + "/interface/tunnel/units", UNIT))
    result = check_config(root)
    assert result.errors == []
    assert result.warnings == ["interface tunnel.1 is not in a zone", "interface tunnel.1 is not in a virtual router"]


@pytest.mark.parametrize("version, checked", [("ikev1", "ikev1"), ("ikev2", "ikev2")])
def test_absent_gateway_profile_means_default(version, checked):
    gateway = (
        f'<entry name="gw2"><protocol><version>{version}</version></protocol>'
        "<local-address><interface>ethernet1/1</interface></local-address></entry>"
    )
    root = valid_vpn((NETWORK + "/ike/gateway", gateway))
    assert check_config(root).errors == []

    delete = configtree.build_write("delete", NETWORK + "/ike/crypto-profiles/ike-crypto-profiles/entry[@name='default']")
    configtree.apply(root, delete, configtree.Journal(record=False))
    assert (
        f" network -> ike -> gateway -> gw2 -> protocol -> {checked} -> ike-crypto-profile 'default' is not a valid reference"
        in check_config(root).errors
    )
