"""Reference checks that a commit runs on the configuration it is about to activate.

PAN-OS accepts most dangling references at write time and rejects them at
commit. The checks here cover the VPN subtree: tunnels, gateways, crypto and
monitor profiles, the interfaces they use, zones, virtual routers and static
routes. Error lines follow the device's ``path -> parts 'value' is not a valid
reference`` form. The wording of the other lines is reconstructed, not copied
from a device.
"""

import ipaddress
from dataclasses import dataclass, field

from pansim.schema import GCM_CIPHERS
from pansim.templates import is_variable

DEFAULT_PROFILE = "default"
# A firewall has these profiles built in, so a template may use them without defining them.
PREDEFINED_CRYPTO_PROFILES = frozenset({"default", "Suite-B-GCM-128", "Suite-B-GCM-256"})
PREDEFINED_MONITOR_PROFILES = frozenset({"default"})


@dataclass
class CheckResult:
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors


def _entries(node, *tags):
    """Return the ``entry`` children under the unnamed path ``tags`` of ``node``."""
    container = node.find_path(*tags) if node is not None else None
    return list(container.iter_tag("entry")) if container is not None else []


def _entry_names(node, *tags):
    return {entry.name for entry in _entries(node, *tags)}


def _members(node, *tags):
    container = node.find_path(*tags) if node is not None else None
    if container is None:
        return []
    return [member.text for member in container.iter_tag("member") if member.text]


def _bad_reference(path, value):
    return f" {' -> '.join(path)} '{value}' is not a valid reference"


def _ip_only(value):
    """Return the canonical address of ``a.b.c.d[/len]``, or None for other text."""
    try:
        return str(ipaddress.ip_interface(value).ip)
    except ValueError:
        return None


class _Inventory:
    """Names defined in one device's configuration, collected once per check.

    ``template_variables`` is None on a firewall. In a Panorama template it is
    the set of variable names the template resolves, and the firewall's
    predefined profiles count as defined.
    """

    def __init__(self, root, device, template_variables=None):
        self.device = device
        self.template_variables = template_variables
        self.network = device.find_child("network")
        self.vsys_list = _entries(device, "vsys")
        self.addresses = self._collect_addresses(root)
        self.interfaces = self._collect_interfaces()
        self.ike_profiles = _entry_names(self.network, "ike", "crypto-profiles", "ike-crypto-profiles")
        self.ipsec_profiles = _entry_names(self.network, "ike", "crypto-profiles", "ipsec-crypto-profiles")
        self.gateways = _entry_names(self.network, "ike", "gateway")
        self.monitor_profiles = _entry_names(self.network, "profiles", "monitor-profile")
        if template_variables is not None:
            self.ike_profiles |= PREDEFINED_CRYPTO_PROFILES
            self.ipsec_profiles |= PREDEFINED_CRYPTO_PROFILES
            self.monitor_profiles |= PREDEFINED_MONITOR_PROFILES

    def is_template_variable(self, value):
        """Return True for a variable the template defines, which each firewall resolves to its own value."""
        return self.template_variables is not None and is_variable(value) and value in self.template_variables

    def _collect_addresses(self, root):
        addresses = {}
        holders = [root.find_child("shared")] + self.vsys_list
        for holder in holders:
            for entry in _entries(holder, "address"):
                value = entry.child_text("ip-netmask")
                if value:
                    addresses[entry.name] = value
        return addresses

    def _add_interface(self, interfaces, entry, *ip_path):
        interfaces[entry.name] = [ip.name for ip in _entries(entry, *ip_path)]

    def _collect_interfaces(self):
        """Map every interface name to the names of its IP entries."""
        interfaces = {}
        base = self.network.find_child("interface") if self.network is not None else None
        for kind in ("ethernet", "aggregate-ethernet"):
            for entry in _entries(base, kind):
                self._add_interface(interfaces, entry, "layer3", "ip")
                for mode in ("layer3", "layer2"):
                    for unit in _entries(entry, mode, "units"):
                        self._add_interface(interfaces, unit, "ip")
        for kind in ("loopback", "tunnel", "vlan"):
            for unit in _entries(base, kind, "units"):
                self._add_interface(interfaces, unit, "ip")
        return interfaces

    def resolve_ip(self, value):
        """Return the address of an IP string or of an address object name."""
        direct = _ip_only(value)
        if direct is not None:
            return direct
        referenced = self.addresses.get(value)
        return _ip_only(referenced) if referenced else None


def _check_gateway(inventory, gateway, result):
    path = ["network", "ike", "gateway", gateway.name]
    version = gateway.child_text("protocol", "version") or "ikev1"
    used = {"ikev1": ("ikev1",), "ikev2": ("ikev2",), "ikev2-preferred": ("ikev1", "ikev2")}

    for ike_version in ("ikev1", "ikev2"):
        profile = gateway.child_text("protocol", ike_version, "ike-crypto-profile")
        if profile is None and ike_version not in used.get(version, ()):
            continue
        profile = profile or DEFAULT_PROFILE
        profile_path = path + ["protocol", ike_version, "ike-crypto-profile"]
        if profile not in inventory.ike_profiles:
            result.errors.append(_bad_reference(profile_path, profile))
        elif ike_version == "ikev1" and version == "ikev1":
            _check_ikev1_profile(inventory, profile, profile_path, result)

    _check_local_address(inventory, gateway, path, result)


def _check_ikev1_profile(inventory, profile_name, profile_path, result):
    """IKEv1 has no AES-GCM, so a gateway on IKEv1 cannot use a GCM-only profile."""
    for profile in _entries(inventory.network, "ike", "crypto-profiles", "ike-crypto-profiles"):
        if profile.name != profile_name:
            continue
        ciphers = set(_members(profile, "encryption"))
        if ciphers and ciphers <= GCM_CIPHERS:
            result.errors.append(
                f" {' -> '.join(profile_path)} '{profile_name}' uses only AES-GCM encryption, "
                "which IKEv1 does not support"
            )


def _check_local_address(inventory, gateway, path, result):
    interface = gateway.child_text("local-address", "interface")
    if interface is None:
        result.errors.append(f" {' -> '.join(path + ['local-address'])} is missing 'interface'")
        return
    if inventory.is_template_variable(interface):
        return
    if interface not in inventory.interfaces:
        result.errors.append(_bad_reference(path + ["local-address", "interface"], interface))
        return

    wanted = gateway.child_text("local-address", "ip")
    configured_names = inventory.interfaces[interface]
    if wanted is None or is_variable(wanted) or any(is_variable(ip) for ip in configured_names):
        # A variable is resolved per firewall; an undefined one is reported with the template's variables.
        return
    configured = {inventory.resolve_ip(ip) for ip in configured_names}
    wanted_ip = inventory.resolve_ip(wanted)
    if wanted_ip is None or wanted_ip not in configured:
        result.errors.append(
            f" {' -> '.join(path + ['local-address', 'ip'])} '{wanted}' is not an address of interface {interface}"
        )


def _check_tunnel(inventory, tunnel, result):
    path = ["network", "tunnel", "ipsec", tunnel.name]

    unit = tunnel.child_text("tunnel-interface")
    if unit is None:
        result.errors.append(f" {' -> '.join(path)} is missing 'tunnel-interface'")
    elif unit not in inventory.interfaces:
        result.errors.append(_bad_reference(path + ["tunnel-interface"], unit))

    auto_key = tunnel.find_child("auto-key")
    if auto_key is not None:
        _check_auto_key(inventory, auto_key, path + ["auto-key"], result)

    _check_tunnel_monitor(inventory, tunnel, path, result)


def _check_auto_key(inventory, auto_key, path, result):
    gateways = _entry_names(auto_key, "ike-gateway")
    if not gateways:
        result.errors.append(f" {' -> '.join(path)} is missing 'ike-gateway'")
    for gateway in sorted(gateways):
        if gateway not in inventory.gateways:
            result.errors.append(_bad_reference(path + ["ike-gateway"], gateway))

    # An absent ipsec-crypto-profile element means the predefined "default".
    profile = auto_key.child_text("ipsec-crypto-profile") or DEFAULT_PROFILE
    if profile not in inventory.ipsec_profiles:
        result.errors.append(_bad_reference(path + ["ipsec-crypto-profile"], profile))


def _check_tunnel_monitor(inventory, tunnel, path, result):
    monitor = tunnel.find_child("tunnel-monitor")
    if monitor is None:
        return
    monitor_path = path + ["tunnel-monitor"]

    profile = monitor.child_text("tunnel-monitor-profile")
    if profile is not None and profile not in inventory.monitor_profiles:
        result.errors.append(_bad_reference(monitor_path + ["tunnel-monitor-profile"], profile))

    proxy_id = monitor.child_text("proxy-id")
    if proxy_id is not None:
        known = _entry_names(tunnel, "auto-key", "proxy-id") | _entry_names(tunnel, "auto-key", "proxy-id-v6")
        if proxy_id not in known:
            result.errors.append(_bad_reference(monitor_path + ["proxy-id"], proxy_id))

    if monitor.child_text("enable") == "yes" and not monitor.child_text("destination-ip"):
        result.errors.append(
            f" {' -> '.join(monitor_path)} is enabled but 'destination-ip' is missing"
        )


def _check_zones(inventory, result):
    owners = {}
    for vsys in inventory.vsys_list:
        for zone in _entries(vsys, "zone"):
            for mode in ("layer3", "layer2", "virtual-wire", "tap"):
                path = ["vsys", vsys.name, "zone", zone.name, "network", mode]
                for member in _members(zone, "network", mode):
                    if member not in inventory.interfaces:
                        result.errors.append(_bad_reference(path, member))
                    owners.setdefault(member, []).append(zone.name)

    for interface, zones in owners.items():
        if len(zones) > 1:
            result.errors.append(f" interface {interface} is in more than one zone: {', '.join(zones)}")
    return owners


def _check_virtual_routers(inventory, result):
    owners = {}
    for router in _entries(inventory.network, "virtual-router"):
        path = ["network", "virtual-router", router.name]
        for member in _members(router, "interface"):
            if member not in inventory.interfaces:
                result.errors.append(_bad_reference(path + ["interface"], member))
            owners.setdefault(member, []).append(router.name)
        _check_static_routes(inventory, router, path, result)

    for interface, routers in owners.items():
        if len(routers) > 1:
            result.errors.append(
                f" interface {interface} is in more than one virtual router: {', '.join(routers)}"
            )
    return owners


def _check_static_routes(inventory, router, path, result):
    for family in ("ip", "ipv6"):
        for route in _entries(router, "routing-table", family, "static-route"):
            interface = route.child_text("interface")
            if interface is not None and interface not in inventory.interfaces:
                route_path = path + ["routing-table", family, "static-route", route.name, "interface"]
                result.errors.append(_bad_reference(route_path, interface))


def _warn_unplaced_tunnels(inventory, zone_owners, router_owners, result):
    """Warn about tunnel interfaces outside any zone or virtual router, which pass no traffic."""
    for name in sorted(inventory.interfaces):
        if not name.startswith("tunnel."):
            continue
        if name not in zone_owners:
            result.warnings.append(f"interface {name} is not in a zone")
        if name not in router_owners:
            result.warnings.append(f"interface {name} is not in a virtual router")


def check_device(root, device, template_variables=None):
    """Run every reference check on one ``devices/entry`` node.

    Pass ``template_variables`` (a set of names) to check a Panorama template's copy of the tree.
    """
    result = CheckResult()
    inventory = _Inventory(root, device, template_variables)
    if inventory.network is None:
        return result

    for gateway in _entries(inventory.network, "ike", "gateway"):
        _check_gateway(inventory, gateway, result)
    for tunnel in _entries(inventory.network, "tunnel", "ipsec"):
        _check_tunnel(inventory, tunnel, result)

    zone_owners = _check_zones(inventory, result)
    router_owners = _check_virtual_routers(inventory, result)
    _warn_unplaced_tunnels(inventory, zone_owners, router_owners, result)
    return result


def check_config(root):
    """Run the reference checks on every device entry of a configuration."""
    result = CheckResult()
    for device in _entries(root, "devices"):
        device_result = check_device(root, device)
        result.errors.extend(device_result.errors)
        result.warnings.extend(device_result.warnings)
    return result
