"""Tunnel, routing and policy rules (VPN-TUN-*, VPN-NET-*, VPN-POL-*) on single and redundant VPNs."""

import copy
import xml.etree.ElementTree as ET

import pytest

from test_audit_support import audit_sections, build, changed, find_entry, findings_of, good_sections, ids, run

MONITOR = {"enable": True, "destination_ip": "169.254.1.2", "profile": "fail-over"}


def redundant_sections():
    """Two tunnels to one site through two peers: tunnel.1 primary (metric 10), tunnel.2 backup (metric 20)."""
    sections = copy.deepcopy(good_sections())
    sections["tunnel_monitor_profiles"] = [{"name": "fail-over", "action": "fail-over"}]
    sections["tunnel_interfaces"].append({"name": "tunnel.2", "ip": ["169.254.2.1/30"], "mtu": 1400, "zone": "vpn", "virtual_router": "default"})
    sections["ike_gateways"].append(dict(sections["ike_gateways"][0], name="gw2", peer_address="203.0.113.2"))
    sections["ipsec_tunnels"][0]["tunnel_monitor"] = dict(MONITOR)
    sections["ipsec_tunnels"].append(
        {"name": "t2", "tunnel_interface": "tunnel.2", "ike_gateway": "gw2", "ipsec_crypto_profile": "ipsec-strong",
         "tunnel_monitor": dict(MONITOR, destination_ip="169.254.2.2")}
    )
    sections["static_routes"][0]["metric"] = 10
    sections["static_routes"].append({"name": "to-site1-backup", "destination": "10.1.0.0/16", "interface": "tunnel.2", "metric": 20})
    return sections


def test_redundant_pair_is_clean():
    result = audit_sections(redundant_sections())
    assert result["findings"] == []


# -- tunnel interfaces ------------------------------------------------------------------


def test_tunnel_interface_without_zone():
    sections = changed(tunnel_interfaces={"zone": None})
    found = findings_of(audit_sections(sections), "VPN-TUN-001")
    assert [(f["severity"], f["object"]) for f in found] == [("critical", "tunnel_interface tunnel.1")]
    assert "no zone" in found[0]["message"]


def test_tunnel_interface_in_other_router():
    sections = changed(tunnel_interfaces={"virtual_router": "vr-vpn"})
    found = findings_of(audit_sections(sections), "VPN-TUN-001")
    assert [(f["object"], f["evidence"]["router"], f["evidence"]["gateway_router"]) for f in found] == [
        ("tunnel_interface tunnel.1", "virtual_router vr-vpn", "virtual_router default")
    ]


def test_tunnel_interface_missing():
    sections = good_sections()
    sections["tunnel_interfaces"] = []
    found = findings_of(audit_sections(sections), "VPN-TUN-001")
    assert [(f["object"], f["evidence"]["ipsec_tunnels"]) for f in found] == [("tunnel_interface tunnel.1", ["t1"])]


def test_tunnel_zone_shared_with_internet_interface():
    sections = changed(tunnel_interfaces={"zone": "untrust"})
    found = findings_of(audit_sections(sections), "VPN-TUN-002")
    assert [(f["severity"], f["object"], f["evidence"]["other_interfaces"]) for f in found] == [("medium", "zone untrust", ["ethernet1/1"])]
    assert findings_of(audit_sections(good_sections()), "VPN-TUN-002") == []


def test_monitor_on_tunnel_without_ip():
    sections = changed(tunnel_interfaces={"ip": None}, ipsec_tunnels={"tunnel_monitor": MONITOR})
    found = findings_of(audit_sections(sections), "VPN-TUN-003")
    assert [(f["severity"], f["object"]) for f in found] == [("high", "tunnel_interface tunnel.1")]
    assert findings_of(audit_sections(changed(tunnel_interfaces={"ip": None})), "VPN-TUN-003") == []


def test_bgp_over_tunnel_without_ip():
    root = build(changed(tunnel_interfaces={"ip": None}))
    router = find_entry(root, "network/virtual-router", "default")
    bgp = ET.SubElement(ET.SubElement(router, "protocol"), "bgp")
    ET.SubElement(bgp, "enable").text = "yes"
    peer = ET.SubElement(ET.SubElement(ET.SubElement(bgp, "peer-group"), "entry", name="aws"), "peer")
    local = ET.SubElement(ET.SubElement(peer, "entry", name="aws-1"), "local-address")
    ET.SubElement(local, "interface").text = "tunnel.1"
    found = findings_of(run(root), "VPN-TUN-003")
    assert found[0]["evidence"]["needed_by"] == ["bgp"]
    # Dynamic routing supplies the routes, so the static route check stays quiet.
    assert findings_of(run(root), "VPN-NET-001") == []


def test_policy_based_peer_needs_proxy_ids():
    expected = {"ipsec_tunnels": {"t1": {"policy_based": True}}}
    found = findings_of(audit_sections(good_sections(), expected=expected), "VPN-TUN-004")
    assert [(f["severity"], f["object"]) for f in found] == [("high", "ipsec_tunnel t1")]
    with_proxy = changed(ipsec_tunnels={"proxy_ids": [{"name": "p1", "local": "10.0.0.0/16", "remote": "10.1.0.0/16"}]})
    assert findings_of(audit_sections(with_proxy, expected=expected), "VPN-TUN-004") == []


def test_overlapping_proxy_ids_to_one_peer():
    sections = copy.deepcopy(good_sections())
    sections["ipsec_tunnels"][0]["proxy_ids"] = [{"name": "a", "local": "10.0.0.0/16", "remote": "10.1.0.0/16"}]
    sections["tunnel_interfaces"].append({"name": "tunnel.2", "ip": ["169.254.2.1/30"], "mtu": 1400, "zone": "vpn", "virtual_router": "default"})
    sections["ipsec_tunnels"].append(
        {"name": "t2", "tunnel_interface": "tunnel.2", "ike_gateway": "gw1", "ipsec_crypto_profile": "ipsec-strong",
         "proxy_ids": [{"name": "b", "local": "10.0.1.0/24", "remote": "10.1.0.0/24"}]}
    )
    found = findings_of(audit_sections(sections), "VPN-TUN-006")
    assert [(f["severity"], f["object"]) for f in found] == [("high", "ipsec_tunnel t2")]
    sections["ipsec_tunnels"][1]["proxy_ids"][0]["remote"] = "10.2.0.0/24"
    assert findings_of(audit_sections(sections), "VPN-TUN-006") == []


def test_proxyless_tunnels_to_one_peer_overlap():
    sections = copy.deepcopy(good_sections())
    sections["tunnel_interfaces"].append({"name": "tunnel.2", "ip": ["169.254.2.1/30"], "mtu": 1400, "zone": "vpn", "virtual_router": "default"})
    sections["ipsec_tunnels"].append(dict(sections["ipsec_tunnels"][0], name="t2", tunnel_interface="tunnel.2"))
    assert [f["object"] for f in findings_of(audit_sections(sections), "VPN-TUN-006")] == ["ipsec_tunnel t2"]


def test_anti_replay_off():
    found = findings_of(audit_sections(changed(ipsec_tunnels={"anti_replay": False})), "VPN-TUN-009")
    assert [(f["severity"], f["object"]) for f in found] == [("medium", "ipsec_tunnel t1")]


def test_redundant_tunnel_without_monitor_or_profile():
    sections = redundant_sections()
    sections["ipsec_tunnels"][1].pop("tunnel_monitor")
    sections["ipsec_tunnels"][0]["tunnel_monitor"] = {"enable": True, "destination_ip": "169.254.1.2"}
    found = {f["object"]: f for f in findings_of(audit_sections(sections), "VPN-TUN-010")}
    assert sorted(found) == ["ipsec_tunnel t1", "ipsec_tunnel t2"]
    assert "without a monitor profile" in found["ipsec_tunnel t1"]["message"]
    assert "no tunnel monitor" in found["ipsec_tunnel t2"]["message"]


def test_fail_over_without_backup_path():
    sections = changed(ipsec_tunnels={"tunnel_monitor": MONITOR})
    sections["tunnel_monitor_profiles"] = [{"name": "fail-over", "action": "fail-over"}]
    found = findings_of(audit_sections(sections), "VPN-TUN-011")
    assert [(f["severity"], f["object"]) for f in found] == [("medium", "ipsec_tunnel t1")]
    assert "no other route" in found[0]["message"]


def test_wait_recover_with_backup_path():
    sections = redundant_sections()
    sections["tunnel_monitor_profiles"] = [{"name": "fail-over", "action": "wait-recover"}]
    found = findings_of(audit_sections(sections), "VPN-TUN-011")
    assert sorted(f["object"] for f in found) == ["ipsec_tunnel t1", "ipsec_tunnel t2"]


def test_monitor_without_proxy_id():
    proxies = [{"name": "p1", "local": "10.0.0.0/16", "remote": "10.1.0.0/16"}]
    sections = changed(ipsec_tunnels={"tunnel_monitor": dict(MONITOR, profile=None), "proxy_ids": proxies})
    found = findings_of(audit_sections(sections), "VPN-TUN-012")
    assert [(f["severity"], f["object"]) for f in found] == [("medium", "ipsec_tunnel t1")]
    sections["ipsec_tunnels"][0]["tunnel_monitor"]["proxy_id"] = "p1"
    assert findings_of(audit_sections(sections), "VPN-TUN-012") == []


def test_default_mtu_without_mss_adjustment():
    root = build(changed(tunnel_interfaces={"mtu": None}))
    assert findings_of(run(root), "VPN-TUN-013") == []
    layer3 = find_entry(root, "network/interface/ethernet", "ethernet1/1").find("layer3")
    layer3.remove(layer3.find("adjust-tcp-mss"))
    found = findings_of(run(root), "VPN-TUN-013")
    assert [(f["severity"], f["object"]) for f in found] == [("medium", "tunnel_interface tunnel.1")]


def test_management_profile_beyond_ping():
    root = build(changed(tunnel_interfaces={"management_profile": "mgmt"}))
    profiles = ET.SubElement(ET.SubElement(root.find("devices/entry/network"), "profiles"), "interface-management-profile")
    profile = ET.SubElement(profiles, "entry", name="mgmt")
    ET.SubElement(profile, "ping").text = "yes"
    assert findings_of(run(root), "VPN-TUN-014") == []
    ET.SubElement(profile, "ssh").text = "yes"
    found = findings_of(run(root), "VPN-TUN-014")
    assert [(f["object"], f["evidence"]["services"]) for f in found] == [("tunnel_interface tunnel.1", ["ssh"])]


def test_copy_tos_is_info():
    found = findings_of(audit_sections(changed(ipsec_tunnels={"copy_tos": True})), "VPN-TUN-015")
    assert [(f["severity"], f["object"]) for f in found] == [("info", "ipsec_tunnel t1")]


# -- routing -------------------------------------------------------------------------------


def test_proxy_remote_without_route():
    proxies = [{"name": "p1", "local": "10.0.0.0/16", "remote": "10.1.0.0/16"}, {"name": "p2", "local": "10.0.0.0/16", "remote": "10.7.0.0/24"}]
    found = findings_of(audit_sections(changed(ipsec_tunnels={"proxy_ids": proxies})), "VPN-NET-001")
    assert [(f["severity"], f["object"], f["evidence"]["remote_networks"]) for f in found] == [("high", "ipsec_tunnel t1", ["10.7.0.0/24"])]


def test_inventory_remote_network_without_route():
    expected = {"ipsec_tunnels": {"t1": {"remote_networks": ["10.1.5.0/24", "172.16.0.0/24"]}}}
    found = findings_of(audit_sections(good_sections(), expected=expected), "VPN-NET-001")
    assert found[0]["evidence"]["remote_networks"] == ["172.16.0.0/24"]


def test_equal_metrics_without_ecmp():
    sections = redundant_sections()
    sections["static_routes"][1]["metric"] = 10
    found = findings_of(audit_sections(sections), "VPN-NET-002")
    assert [(f["severity"], f["object"]) for f in found] == [("high", "route default/10.1.0.0/16")]
    root = build(sections)
    ET.SubElement(ET.SubElement(find_entry(root, "network/virtual-router", "default"), "ecmp"), "enable").text = "yes"
    assert findings_of(run(root), "VPN-NET-002") == []


def test_redundant_tunnels_in_two_zones():
    sections = redundant_sections()
    sections["tunnel_interfaces"][1]["zone"] = "vpn-backup"
    found = findings_of(audit_sections(sections), "VPN-NET-003")
    assert [(f["severity"], f["evidence"]["zones"]) for f in found] == [("high", {"tunnel.1": "vpn", "tunnel.2": "vpn-backup"})]


def test_backup_without_failure_detection():
    sections = redundant_sections()
    sections["ipsec_tunnels"][0].pop("tunnel_monitor")
    found = findings_of(audit_sections(sections), "VPN-NET-004")
    assert [(f["severity"], f["object"]) for f in found] == [("high", "route default/10.1.0.0/16")]
    sections["static_routes"][0]["path_monitor"] = {
        "destinations": [{"name": "peer", "source": "169.254.1.1/30", "destination": "169.254.1.2"}]
    }
    assert findings_of(audit_sections(sections), "VPN-NET-004") == []


def dual_isp_root(sections):
    """Add ethernet1/3 (192.0.2.1/24) as a second ISP with a floating default route."""
    root = build(sections)
    ethernet = root.find("devices/entry/network/interface/ethernet")
    entry = ET.SubElement(ethernet, "entry", name="ethernet1/3")
    ET.SubElement(ET.SubElement(ET.SubElement(entry, "layer3"), "ip"), "entry", name="192.0.2.1/24")
    router = find_entry(root, "network/virtual-router", "default")
    ET.SubElement(router.find("interface"), "member").text = "ethernet1/3"
    route = ET.SubElement(router.find("routing-table/ip/static-route"), "entry", name="default-isp2")
    ET.SubElement(route, "destination").text = "0.0.0.0/0"
    ET.SubElement(ET.SubElement(route, "nexthop"), "ip-address").text = "192.0.2.254"
    ET.SubElement(route, "metric").text = "20"
    return root


def test_backup_isp_gateway_without_host_route():
    sections = changed(ike_gateways={"interface": "ethernet1/3", "local_ip": "192.0.2.1/24"})
    root = dual_isp_root(sections)
    found = findings_of(run(root), "VPN-NET-005")
    assert [(f["severity"], f["object"]) for f in found] == [("high", "ike_gateway gw1")]
    route = ET.SubElement(find_entry(root, "network/virtual-router", "default").find("routing-table/ip/static-route"), "entry", name="peer")
    ET.SubElement(route, "destination").text = "203.0.113.1/32"
    ET.SubElement(ET.SubElement(route, "nexthop"), "ip-address").text = "192.0.2.254"
    assert findings_of(run(root), "VPN-NET-005") == []


def test_primary_isp_gateway_needs_no_host_route():
    assert findings_of(run(dual_isp_root(good_sections())), "VPN-NET-005") == []


def test_dual_isp_primary_without_path_monitor():
    found = findings_of(run(dual_isp_root(good_sections())), "VPN-NET-006")
    assert [(f["severity"], f["object"]) for f in found] == [("medium", "route default/0.0.0.0/0")]
    assert findings_of(audit_sections(good_sections()), "VPN-NET-006") == []


def test_overlapping_tunnel_addresses():
    sections = redundant_sections()
    sections["tunnel_interfaces"][1]["ip"] = ["169.254.1.2/30"]
    found = findings_of(audit_sections(sections), "VPN-NET-010")
    assert [(f["severity"], f["object"]) for f in found] == [("high", "tunnel_interface tunnel.1")]


# -- policy --------------------------------------------------------------------------------

CATCH_ALL_NAT = (
    '<entry name="catch-all" position="top"><source-translation><dynamic-ip-and-port><interface-address>'
    "<interface>ethernet1/1</interface></interface-address></dynamic-ip-and-port></source-translation>"
    "<from><member>trust</member></from><to><member>any</member></to><source><member>any</member></source>"
    "<destination><member>any</member></destination><service>any</service><nat-type>ipv4</nat-type></entry>"
)
EXEMPT = (
    '<entry name="no-nat-vpn" position="top"><from><member>trust</member></from><to><member>vpn</member></to>'
    "<source><member>10.0.0.0/16</member></source><destination><member>10.1.0.0/16</member></destination>"
    "<service>any</service><nat-type>ipv4</nat-type></entry>"
)


def test_source_nat_catches_vpn_traffic():
    sections = good_sections()
    sections["nat_rules"] = [CATCH_ALL_NAT]
    found = findings_of(audit_sections(sections), "VPN-POL-001")
    assert [(f["severity"], f["object"], f["evidence"]["nat_rule"]) for f in found] == [("critical", "ipsec_tunnel t1", "catch-all")]


def test_nat_exempt_above_source_nat():
    sections = good_sections()
    sections["nat_rules"] = [CATCH_ALL_NAT, EXEMPT]
    assert findings_of(audit_sections(sections), "VPN-POL-001") == []


def test_nat_exempt_below_source_nat():
    sections = good_sections()
    sections["nat_rules"] = [EXEMPT, CATCH_ALL_NAT]
    found = findings_of(audit_sections(sections), "VPN-POL-001")
    assert [f["evidence"]["nat_rule"] for f in found] == ["catch-all"]


def test_outbound_nat_to_untrust_spares_vpn_zone():
    assert findings_of(audit_sections(good_sections()), "VPN-POL-001") == []
    shared = changed(tunnel_interfaces={"zone": "untrust"})
    assert [f["evidence"]["nat_rule"] for f in findings_of(audit_sections(shared), "VPN-POL-001")] == ["outbound"]


def test_vpn_zone_without_rules():
    sections = good_sections()
    sections["security_rules"] = []
    found = findings_of(audit_sections(sections), "VPN-POL-004")
    assert [(f["severity"], f["object"]) for f in found] == [("medium", "zone vpn")]


@pytest.mark.parametrize(
    "edits, problem",
    [
        ({"source": ["any"], "destination": ["any"]}, "any source and any destination"),
        ({"destination": ["any"]}, "any destination"),
        ({"log_end": False}, "logs nothing"),
        ({"profile_group": None}, "no security profile"),
    ],
)
def test_loose_vpn_rule(edits, problem):
    found = findings_of(audit_sections(changed(security_rules=edits)), "VPN-POL-004")
    assert [f["object"] for f in found] == ["security_rule lan-to-vpn"]
    assert problem in found[0]["message"]


def test_zone_protection_on_ike_zone():
    root = build(good_sections())
    find_entry(root, "vsys/entry/zone", "untrust").find("network").remove(
        find_entry(root, "vsys/entry/zone", "untrust").find("network/zone-protection-profile")
    )
    found = findings_of(run(root), "VPN-POL-006")
    assert [(f["severity"], f["object"]) for f in found] == [("low", "zone untrust")]


def test_other_vsys_rules_not_mixed_in():
    result = audit_sections(good_sections(), vsys="vsys2")
    assert "VPN-POL-004" not in ids(result)
    assert "VPN-TUN-001" not in ids(result)
