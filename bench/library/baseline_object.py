# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark-only module: apply ONE PAN-OS object per invocation, the per-object way.

It follows the request pattern of the per-object modules of the paloaltonetworks.panos
collection, without using their code. Each invocation builds a pan-os-python Firewall, which
generates an API key and reads ``show system info``. It then reads the object's list
(``refreshall``), compares, and creates (``set``) or applies (``edit``) the one object. Tunnel
interfaces then set their zone, virtual router and vsys import with ``refresh=True, update=True``, as that
collection's tunnel module does. ``object_type: commit`` commits and waits for the job.
It lives in bench/ and is not part of the collection.
"""

from __future__ import annotations

DOCUMENTATION = r"""
module: baseline_object
short_description: Benchmark baseline that applies one PAN-OS object per invocation
description:
  - Connects with pan-os-python, reads the object type's list, and creates or applies one object.
  - For the ipsec.panos benchmark only (bench/run.py).
options:
  provider:
    description: host, port, username, password and ca_path of the firewall.
    type: dict
    required: true
  object_type:
    description: The object type, or C(commit).
    type: str
    required: true
    choices: [ike_crypto_profile, ipsec_crypto_profile, zone, tunnel_interface, ike_gateway, ipsec_tunnel, proxy_id, static_route, security_rule, commit]
  spec:
    description: The object, with the option names of the matching ipsec.panos module.
    type: dict
    default: {}
  pre_shared_key:
    description: Pre-shared key of an IKE gateway, kept out of O(spec) so that it is masked.
    type: str
  virtual_router:
    description: Virtual router of static routes and tunnel interfaces.
    type: str
    default: default
"""

import ssl

from ansible.module_utils.basic import AnsibleModule

try:
    from panos import base as panos_base
    from panos import firewall as panos_firewall
    from panos import network, policies
    from panos.errors import PanDeviceError

    HAS_PANOS = True
except ImportError:
    HAS_PANOS = False


if HAS_PANOS:

    class VerifyingFirewall(panos_firewall.Firewall):
        """A Firewall whose every pan-python client, keygen included, verifies pansim's certificate."""

        ssl_context = None

        def generate_xapi(self):
            return panos_base.PanDevice.XapiWrapper(
                api_key=self.api_key, hostname=self.hostname, port=self.port, timeout=self.timeout, pan_device=self, ssl_context=self.ssl_context
            )

        def _retrieve_api_key(self):
            xapi = panos_base.PanDevice.XapiWrapper(
                pan_device=self,
                api_username=self._api_username,
                api_password=self._api_password,
                hostname=self.hostname,
                port=self.port,
                timeout=self.timeout,
                ssl_context=self.ssl_context,
            )
            xapi.keygen(retry_on_peer=False)
            return xapi.api_key


def connect(provider):
    """Build the firewall and read its system info: a keygen and a ``show system info`` request."""
    firewall = VerifyingFirewall(provider["host"], provider["username"], provider["password"], port=int(provider["port"]))
    firewall.ssl_context = ssl.create_default_context(cafile=provider["ca_path"])
    firewall.refresh_system_info()
    firewall.vsys = "vsys1"
    return firewall


def hours(lifetime):
    if not str(lifetime).endswith("h"):
        raise ValueError("lifetime %r: the baseline only handles hours, such as 8h" % lifetime)
    return int(str(lifetime)[:-1])


def build_object(object_type, spec, pre_shared_key):
    """Return the pan-os-python object for one ipsec.panos-style spec."""
    if object_type == "ike_crypto_profile":
        return network.IkeCryptoProfile(
            spec["name"], dh_group=spec["dh_group"], authentication=spec["hash"], encryption=spec["encryption"], lifetime_hours=hours(spec["lifetime"])
        )
    if object_type == "ipsec_crypto_profile":
        return network.IpsecCryptoProfile(
            spec["name"],
            esp_encryption=spec["esp_encryption"],
            esp_authentication=spec["esp_authentication"],
            dh_group=spec["dh_group"],
            lifetime_hours=hours(spec["lifetime"]),
        )
    if object_type == "zone":
        # NOTE: applying the zone without interfaces empties its interface list on a rerun, and each
        # tunnel interface's set_zone adds itself back, so a baseline rerun sends N + 1 edits.
        return network.Zone(spec["name"], mode="layer3")
    if object_type == "tunnel_interface":
        return network.TunnelInterface(spec["name"], ip=tuple(spec["ip"]), comment=spec.get("comment"))
    if object_type == "ike_gateway":
        return network.IkeGateway(
            spec["name"],
            version=spec["version"],
            peer_ip_type="ip",
            peer_ip_value=spec["peer_address"],
            interface=spec["interface"],
            local_ip_address_type="ip",
            local_ip_address=spec["local_ip"],
            auth_type="pre-shared-key",
            pre_shared_key=pre_shared_key,
            ikev2_crypto_profile=spec["ike_crypto_profile"],
            enable_passive_mode=spec.get("passive_mode"),
            enable_liveness_check=spec.get("liveness_check"),
        )
    if object_type == "ipsec_tunnel":
        return network.IpsecTunnel(
            spec["name"],
            tunnel_interface=spec["tunnel_interface"],
            type="auto-key",
            ak_ike_gateway=spec["ike_gateway"],
            ak_ipsec_crypto_profile=spec["ipsec_crypto_profile"],
        )
    if object_type == "proxy_id":
        return network.IpsecTunnelIpv4ProxyId(spec["name"], local=spec["local"], remote=spec["remote"], any_protocol=True)
    if object_type == "static_route":
        return network.StaticRoute(spec["name"], destination=spec["destination"], interface=spec["interface"])
    if object_type == "security_rule":
        return policies.SecurityRule(
            spec["name"],
            fromzone=spec["from_zones"],
            tozone=spec["to_zones"],
            source=["any"],
            destination=["any"],
            application=["any"],
            service=["application-default"],
            action=spec["action"],
        )
    raise ValueError("unknown object_type %s" % object_type)


def load_listing(firewall, object_type, spec, virtual_router):
    """Attach the object's parent and read the current objects of its type: one ``get`` request, two for a proxy ID."""
    if object_type == "proxy_id":
        tunnel = network.IpsecTunnel(spec["tunnel"])
        firewall.add(tunnel)
        # Reading the tunnel first, as the per-object proxy ID module does, fails when the tunnel is missing.
        tunnel.refresh()
        return tunnel, tunnel.findall(network.IpsecTunnelIpv4ProxyId)
    if object_type == "static_route":
        router = network.VirtualRouter(virtual_router)
        firewall.add(router)
        return router, network.StaticRoute.refreshall(router, add=False)
    if object_type == "security_rule":
        rulebase = firewall.add(policies.Rulebase())
        return rulebase, policies.SecurityRule.refreshall(rulebase, add=False)
    classes = {
        "ike_crypto_profile": network.IkeCryptoProfile,
        "ipsec_crypto_profile": network.IpsecCryptoProfile,
        "zone": network.Zone,
        "tunnel_interface": network.TunnelInterface,
        "ike_gateway": network.IkeGateway,
        "ipsec_tunnel": network.IpsecTunnel,
    }
    return firewall, classes[object_type].refreshall(firewall, add=False)


def apply_state(obj, listing, check_mode):
    """Create the object when it is missing, apply it when it differs; return whether it changed."""
    for current in listing:
        if current.uid != obj.uid:
            continue
        if current.equal(obj, compare_children=False):
            return False
        if not check_mode:
            obj.apply()
        return True
    if not check_mode:
        obj.create()
    return True


def run_commit(module, firewall):
    if module.check_mode:
        return False
    result = firewall.commit(sync=True, exception=True)
    return bool(result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            provider=dict(type="dict", required=True, no_log=False, options=dict(
                host=dict(type="str", required=True),
                port=dict(type="int", default=443),
                username=dict(type="str", default="admin"),
                password=dict(type="str", required=True, no_log=True),
                ca_path=dict(type="path", required=True),
            )),
            object_type=dict(
                type="str",
                required=True,
                choices=[
                    "ike_crypto_profile", "ipsec_crypto_profile", "zone", "tunnel_interface", "ike_gateway",
                    "ipsec_tunnel", "proxy_id", "static_route", "security_rule", "commit",
                ],
            ),
            spec=dict(type="dict", default={}),
            pre_shared_key=dict(type="str", no_log=True),
            virtual_router=dict(type="str", default="default"),
        ),
        supports_check_mode=True,
    )
    if not HAS_PANOS:
        module.fail_json(msg="pan-os-python is required on the controller")
    object_type = module.params["object_type"]
    spec = module.params["spec"]

    try:
        firewall = connect(module.params["provider"])
        if object_type == "commit":
            module.exit_json(changed=run_commit(module, firewall))

        parent, listing = load_listing(firewall, object_type, spec, module.params["virtual_router"])
        obj = build_object(object_type, spec, module.params["pre_shared_key"])
        parent.add(obj)
        changed = apply_state(obj, listing, module.check_mode)

        if object_type == "tunnel_interface":
            # Each call reads the zones, virtual routers or vsys imports, and writes only when the interface is missing there.
            update = not module.check_mode
            changed |= bool(obj.set_zone(spec["zone"], mode="layer3", refresh=True, update=update, return_type="bool"))
            changed |= bool(obj.set_virtual_router(spec["virtual_router"], refresh=True, update=update, return_type="bool"))
            changed |= bool(obj.set_vsys("vsys1", refresh=True, update=update, return_type="bool"))
    except (PanDeviceError, ValueError, KeyError) as error:
        module.fail_json(msg="%s %s failed: %s" % (object_type, spec.get("name"), error))
    module.exit_json(changed=changed)


if __name__ == "__main__":
    main()
