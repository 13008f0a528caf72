"""Warnings for a gateway whose interface cannot reach its peer."""

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils._resource import EntryResource
from ansible_collections.ipsec.panos.plugins.module_utils._resources.reachability import Reachability

RESULT = """
<result>
  <ethernet>
    <entry name="ethernet1/1"><layer3><ip><entry name="203.0.113.11/24"/></ip></layer3></entry>
    <entry name="ethernet1/2"><layer3/></entry>
    <entry name="ethernet1/3"><layer3><ip><entry name="192.0.2.1/24"/></ip></layer3></entry>
    <entry name="ethernet1/4"><layer3><dhcp-client/></layer3></entry>
  </ethernet>
  <virtual-router>
    <entry name="default">
      <interface><member>ethernet1/1</member><member>ethernet1/2</member><member>ethernet1/4</member></interface>
      <routing-table><ip><static-route><entry name="to-dc"><destination>198.51.100.0/24</destination></entry></static-route></ip></routing-table>
    </entry>
  </virtual-router>
</result>
"""
KNOWN = Reachability.from_result(ET.fromstring(RESULT), EntryResource.find_container)


@pytest.mark.parametrize(
    "interface, peer, fragment",
    [
        ("ethernet1/2", "198.51.100.1", "has no IP address"),
        ("ethernet1/3", "198.51.100.1", "is in no virtual router"),
        ("ethernet1/1", "192.0.2.77", "has no route to 192.0.2.77"),
    ],
)
def test_unreachable_peer_warned(interface, peer, fragment):
    advice = KNOWN.advise({"name": "gw", "interface": interface, "peer_address": peer}, "config[0]")
    assert len(advice) == 1
    assert fragment in advice[0]


@pytest.mark.parametrize(
    "interface, peer",
    [
        ("ethernet1/1", "198.51.100.1"),
        ("ethernet1/1", "203.0.113.200"),
        ("ethernet1/4", "192.0.2.77"),
        ("loopback.1", "192.0.2.77"),
    ],
)
def test_reachable_peer_not_warned(interface, peer):
    assert KNOWN.advise({"name": "gw", "interface": interface, "peer_address": peer}, "config[0]") == []


def test_default_route_reaches_everything():
    result = ET.fromstring(RESULT.replace("198.51.100.0/24", "0.0.0.0/0"))
    known = Reachability.from_result(result, EntryResource.find_container)
    assert known.advise({"name": "gw", "interface": "ethernet1/1", "peer_address": "192.0.2.77"}, "config[0]") == []


def test_missing_interface_is_an_error():
    errors = KNOWN.errors({"name": "gw", "interface": "ethernet1/9", "peer_address": "198.51.100.1"}, "config[0]")
    assert errors == [
        "config[0].interface: ethernet1/9 does not exist on the device (or in this template); create it first or "
        "correct the name"
    ]


def test_local_ip_not_on_interface_is_an_error():
    errors = KNOWN.errors({"name": "gw", "interface": "ethernet1/1", "local_ip": "192.0.2.99/24"}, "config[0]")
    assert len(errors) == 1
    assert "config[0].local_ip: 192.0.2.99/24 is not an address of ethernet1/1" in errors[0]
    assert KNOWN.errors({"name": "gw", "interface": "ethernet1/1", "local_ip": "203.0.113.11/24"}, "config[0]") == []
