"""Configurations for the audit tests, built the way the collection's modules write them.

``build(sections)`` renders each object with its resource's defaults and XML mapping,
as the vpn module would, into a ``<config>`` tree with two Ethernet interfaces. It skips
the modules' input checks on purpose, so a test can build configurations that the
modules would refuse but a device may still hold (GCM on an IKEv1 gateway, for example).
``good_sections()`` is a route-based VPN that every rule of the baseline pack passes.
"""

import copy
import datetime
import xml.etree.ElementTree as ET

from ansible_collections.ipsec.panos.plugins.module_utils import _audit as audit
from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _resources as resources
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml
from ansible_collections.ipsec.panos.plugins.module_utils._audit.model import VpnConfig
from ansible_collections.ipsec.panos.plugins.module_utils._mapping import RenderContext

CONTEXT = RenderContext((10, 2, 0))
TODAY = datetime.date(2025, 6, 1)

BASE = """
<config version="10.2.0">
  <devices><entry name="localhost.localdomain">
    <network>
      <interface><ethernet>
        <entry name="ethernet1/1"><layer3>
          <ip><entry name="198.51.100.1/24"/></ip>
          <adjust-tcp-mss><enable>yes</enable></adjust-tcp-mss>
        </layer3></entry>
        <entry name="ethernet1/2"><layer3><ip><entry name="10.0.0.1/16"/></ip></layer3></entry>
      </ethernet></interface>
      <virtual-router><entry name="default">
        <interface><member>ethernet1/1</member><member>ethernet1/2</member></interface>
        <routing-table><ip><static-route>
          <entry name="default-route"><destination>0.0.0.0/0</destination><interface>ethernet1/1</interface>
            <nexthop><ip-address>198.51.100.254</ip-address></nexthop><metric>10</metric></entry>
        </static-route></ip></routing-table>
      </entry></virtual-router>
    </network>
    <vsys><entry name="vsys1">
      <zone>
        <entry name="untrust"><network><layer3><member>ethernet1/1</member></layer3>
          <zone-protection-profile>zp-internet</zone-protection-profile></network></entry>
        <entry name="trust"><network><layer3><member>ethernet1/2</member></layer3></network></entry>
      </zone>
      <rulebase><security><rules/></security><nat><rules>
        <entry name="outbound"><source-translation><dynamic-ip-and-port><interface-address>
          <interface>ethernet1/1</interface></interface-address></dynamic-ip-and-port></source-translation>
          <from><member>trust</member></from><to><member>untrust</member></to>
          <source><member>any</member></source><destination><member>any</member></destination>
          <service>any</service><nat-type>ipv4</nat-type></entry>
      </rules></nat></rulebase>
    </entry></vsys>
  </entry></devices>
</config>
"""


def good_sections():
    """A route-based IKEv2 VPN from 10.0.0.0/16 to 10.1.0.0/16 that passes the baseline pack."""
    return {
        "ike_crypto_profiles": [
            {"name": "ike-strong", "encryption": ["aes-256-cbc"], "hash": ["sha384"], "dh_group": ["group20"], "lifetime": "8h"},
        ],
        "ipsec_crypto_profiles": [
            {"name": "ipsec-strong", "esp_encryption": ["aes-256-gcm"], "esp_authentication": ["none"], "dh_group": "group20", "lifetime": "1h"},
        ],
        "tunnel_monitor_profiles": [],
        "tunnel_interfaces": [
            {"name": "tunnel.1", "ip": ["169.254.1.1/30"], "mtu": 1400, "zone": "vpn", "virtual_router": "default"},
        ],
        "ike_gateways": [
            {
                "name": "gw1",
                "version": "ikev2",
                "interface": "ethernet1/1",
                "local_ip": "198.51.100.1/24",
                "peer_address": "203.0.113.1",
                "pre_shared_key": "Marker-psk-never-shown",
                "ike_crypto_profile": "ike-strong",
            },
        ],
        "ipsec_tunnels": [
            {"name": "t1", "tunnel_interface": "tunnel.1", "ike_gateway": "gw1", "ipsec_crypto_profile": "ipsec-strong"},
        ],
        "static_routes": [
            {"name": "to-site1", "destination": "10.1.0.0/16", "interface": "tunnel.1", "virtual_router": "default"},
        ],
        "security_rules": [
            {"name": "lan-to-vpn", "from_zones": ["trust"], "to_zones": ["vpn"], "source": ["10.0.0.0/16"],
             "destination": ["10.1.0.0/16"], "action": "allow", "profile_group": "strict"},
            {"name": "vpn-to-lan", "from_zones": ["vpn"], "to_zones": ["trust"], "source": ["10.1.0.0/16"],
             "destination": ["10.0.0.0/16"], "action": "allow", "profile_group": "strict"},
        ],
        "nat_rules": [],
    }


def _container(device, path):
    return xml.ensure_path(device, path)


def _append(container, entry):
    for old in container.findall("entry"):
        if old.get("name") == entry.get("name"):
            container.remove(old)
    container.append(entry)


def _render(resource, item):
    desired = resource.with_defaults(engine.remove_none(item), None)
    return resource.render_entry(desired, None, CONTEXT)


def build(sections):
    """Return the ``<config>`` tree of BASE with the objects of ``sections`` added."""
    root = ET.fromstring(BASE)
    xml.strip_whitespace(root)
    device = root.find("devices/entry")
    vsys = device.find("vsys/entry")
    simple = (
        ("ike_crypto_profiles", resources.IkeCryptoProfile(), "network/ike/crypto-profiles/ike-crypto-profiles"),
        ("ipsec_crypto_profiles", resources.IpsecCryptoProfile(), "network/ike/crypto-profiles/ipsec-crypto-profiles"),
        ("tunnel_monitor_profiles", resources.TunnelMonitorProfile(), "network/profiles/monitor-profile"),
        ("ike_gateways", resources.IkeGateway(), "network/ike/gateway"),
        ("ipsec_tunnels", resources.IpsecTunnel(), "network/tunnel/ipsec"),
    )
    for key, resource, path in simple:
        for item in sections.get(key) or []:
            _append(_container(device, path), _render(resource, item))

    for item in sections.get("tunnel_interfaces") or []:
        item = dict(item)
        zone, router = item.pop("zone", None), item.pop("virtual_router", None)
        _append(_container(device, "network/interface/tunnel/units"), _render(resources.TunnelInterface(), item))
        if zone:
            _add_member(vsys, "zone", zone, "network/layer3", item["name"])
        if router:
            _add_member(device, "network/virtual-router", router, "interface", item["name"])

    for item in sections.get("static_routes") or []:
        item = dict(item)
        router = item.pop("virtual_router", "default")
        path = "network/virtual-router"
        entry = _entry(_container(device, path), router)
        _append(_container(entry, "routing-table/ip/static-route"), _render(resources.StaticRoute(), item))

    security = resources.SecurityRule.from_params({"state": "merged"})
    for item in sections.get("security_rules") or []:
        _append(_container(vsys, "rulebase/security/rules"), _render(security, item))
    for entry_text in sections.get("nat_rules") or []:
        rules = _container(vsys, "rulebase/nat/rules")
        entry = ET.fromstring(entry_text)
        if entry.get("position") == "top":
            del entry.attrib["position"]
            rules.insert(0, entry)
        else:
            rules.append(entry)
    return root


def _entry(container, name):
    for entry in container.findall("entry"):
        if entry.get("name") == name:
            return entry
    return ET.SubElement(container, "entry", name=name)


def _add_member(parent, container_path, name, member_path, member):
    entry = _entry(_container(parent, container_path), name)
    node = _container(entry, member_path)
    if not any(m.text == member for m in node.findall("member")):
        ET.SubElement(node, "member").text = member


def device_of(root):
    return root.find("devices/entry")


def set_path(root, path, text):
    """Set the text of ``path`` under the device entry, creating missing elements."""
    xml.ensure_path(device_of(root), path).text = text


def find_entry(root, path, name):
    for entry in device_of(root).findall(path + "/entry"):
        if entry.get("name") == name:
            return entry
    raise AssertionError("no entry %s under %s" % (name, path))


def run(root, pack="baseline", waivers=None, expected=None, include_unused=False, vsys="vsys1", today=TODAY):
    """Audit a ``<config>`` tree and return the result dict, as the module does offline."""
    config = VpnConfig(root, engine.Scope(vsys=vsys), CONTEXT, audit.inputs.parse_expected(expected), include_unused)
    return audit.audit_config(config, pack, audit.waivers.parse_waivers(waivers), today)


def audit_sections(sections, **kwargs):
    return run(build(sections), **kwargs)


def ids(result):
    return sorted({finding["rule_id"] for finding in result["findings"]})


def findings_of(result, rule_id):
    return [finding for finding in result["findings"] if finding["rule_id"] == rule_id]


def changed(**edits):
    """Return good_sections() with the first element of each named section updated by a dict."""
    sections = copy.deepcopy(good_sections())
    for key, update in edits.items():
        sections[key][0].update(update)
    return sections


def test_good_vpn_passes_baseline_and_nist():
    for pack in ("baseline", "nist-800-77r1"):
        result = audit_sections(good_sections(), pack=pack)
        assert result["findings"] == [], result["findings"]
        assert result["passed"] is True


def test_good_vpn_misses_cnsa_on_psk_and_cbc():
    cnsa = audit_sections(good_sections(), pack="cnsa")
    found = [(f["rule_id"], f["severity"], f["object"]) for f in cnsa["findings"]]
    assert found == [("VPN-CRY-014", "high", "ike_gateway gw1"), ("VPN-CRY-014", "low", "ike_crypto_profile ike-strong")]
    assert cnsa["passed"] is False


def test_build_renders_module_defaults():
    root = build(good_sections())
    gateway = find_entry(root, "network/ike/gateway", "gw1")
    assert gateway.findtext("protocol/version") == "ikev2"
    assert gateway.findtext("protocol/ikev2/dpd/enable") == "yes"
    assert device_of(root).find("vsys/entry/zone/entry[@name='vpn']/network/layer3/member").text == "tunnel.1"
