# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The PAN-OS VPN object types: where each lives and how its options map to XML.

XML paths and value ranges follow the PAN-OS 10.x/11.x schema as published in
PaloAltoNetworks/pan-os-codegen (specs/network/ike-gateway.yaml and neighbours)."""

from __future__ import annotations

from ansible_collections.ipsec.panos.plugins.module_utils._resources.crypto import IkeCryptoProfile, IpsecCryptoProfile
from ansible_collections.ipsec.panos.plugins.module_utils._resources.gateway import IkeGateway
from ansible_collections.ipsec.panos.plugins.module_utils._resources.interface import TunnelInterface
from ansible_collections.ipsec.panos.plugins.module_utils._resources.monitor import TunnelMonitorProfile
from ansible_collections.ipsec.panos.plugins.module_utils._resources.policy import NatExemptRule, SecurityRule
from ansible_collections.ipsec.panos.plugins.module_utils._resources.proxy_id import ProxyId
from ansible_collections.ipsec.panos.plugins.module_utils._resources.routing import StaticRoute
from ansible_collections.ipsec.panos.plugins.module_utils._resources.tunnel import IpsecTunnel
from ansible_collections.ipsec.panos.plugins.module_utils._resources.zone import Zone

__all__ = [
    "IkeCryptoProfile",
    "IpsecCryptoProfile",
    "IkeGateway",
    "TunnelInterface",
    "StaticRoute",
    "IpsecTunnel",
    "ProxyId",
    "TunnelMonitorProfile",
    "Zone",
    "SecurityRule",
    "NatExemptRule",
]
