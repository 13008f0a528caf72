"""Factory-default configurations and the outside interfaces added on top of them.

The predefined crypto and monitor profiles match those of PAN-OS 10.x factory
configurations (the same contents appear in the iron-skillet baseline).
"""

from dataclasses import dataclass

from pansim.node import Node, element, leaf, parse_xml

DEVICE_ENTRY = "localhost.localdomain"
DEFAULT_VSYS = "vsys1"


@dataclass
class InterfaceSpec:
    """An outside interface: name, ``ADDR/LEN`` (or None), zone, virtual router and next-hop gateway.

    With a gateway, the virtual router gets a default route through the interface, as an
    Internet-facing firewall has, so the peers of its IKE gateways are reachable. The first
    such route is ``default-route`` with the device's default metric (10). Each further
    interface with a gateway in the same virtual router adds a floating default route
    (``default-route-2`` with metric 20, ``default-route-3`` with metric 30, and so on), as a
    firewall with a backup ISP has.
    """

    name: str
    ip: str = None
    zone: str = "untrust"
    virtual_router: str = "default"
    gateway: str = None


class ConfigFileError(ValueError):
    """Raised when a start configuration file cannot be used."""


def _members(tag, *values):
    return element(tag, *(leaf("member", value) for value in values))


def _ike_profile(name, encryption, hashes, dh_group):
    return element(
        "entry",
        _members("encryption", *encryption),
        _members("hash", *hashes),
        _members("dh-group", dh_group),
        element("lifetime", leaf("hours", "8")),
        attrib={"name": name},
    )


def _ipsec_profile(name, encryption, authentication, dh_group):
    return element(
        "entry",
        element("esp", _members("encryption", *encryption), _members("authentication", authentication)),
        leaf("dh-group", dh_group),
        element("lifetime", leaf("hours", "1")),
        attrib={"name": name},
    )


def predefined_crypto_profiles():
    """Return the ``crypto-profiles`` node with the three predefined IKE and IPsec profiles."""
    ike = element(
        "ike-crypto-profiles",
        _ike_profile("default", ["aes-128-cbc", "3des"], ["sha1"], "group2"),
        _ike_profile("Suite-B-GCM-128", ["aes-128-cbc"], ["sha256"], "group19"),
        _ike_profile("Suite-B-GCM-256", ["aes-256-cbc"], ["sha384"], "group20"),
    )
    ipsec = element(
        "ipsec-crypto-profiles",
        _ipsec_profile("default", ["aes-128-cbc", "3des"], "sha1", "group2"),
        _ipsec_profile("Suite-B-GCM-128", ["aes-128-gcm"], "none", "group19"),
        _ipsec_profile("Suite-B-GCM-256", ["aes-256-gcm"], "none", "group20"),
    )
    return element("crypto-profiles", ike, ipsec)


def default_monitor_profile():
    return element(
        "entry",
        leaf("interval", "3"),
        leaf("threshold", "5"),
        leaf("action", "wait-recover"),
        attrib={"name": "default"},
    )


def _admin_users(admins):
    users = element("users")
    for admin in admins:
        role = element("permissions", element("role-based", leaf("superuser", "yes")))
        users.append(element("entry", role, attrib={"name": admin}))
    return users


def factory_config(hostname, config_version, admins, interfaces):
    """Build a factory-default configuration with the given interfaces added."""
    network = element(
        "network",
        element("interface", element("ethernet")),
        element("profiles", element("monitor-profile", default_monitor_profile())),
        element("ike", predefined_crypto_profiles()),
        element("virtual-router", element("entry", attrib={"name": "default"})),
    )
    vsys = element(
        "entry",
        element("import", element("network", element("interface"))),
        element("zone"),
        element("rulebase"),
        attrib={"name": DEFAULT_VSYS},
    )
    device = element(
        "entry",
        network,
        element("deviceconfig", element("system", leaf("hostname", hostname))),
        element("vsys", vsys),
        attrib={"name": DEVICE_ENTRY},
    )
    root = element(
        "config",
        element("mgt-config", _admin_users(admins)),
        element("shared"),
        element("devices", device),
        attrib={"version": config_version, "urldb": "paloaltonetworks"},
    )

    for spec in interfaces:
        add_interface(root, spec)
    return root


PANORAMA_LOCATIONS = ("device-group", "template", "template-stack")


def panorama_config(hostname, config_version, admins, managed_serials):
    """Build a factory-default Panorama configuration that manages the given firewall serials.

    Panorama's device entry contains its own settings and the empty device-group,
    template and template-stack lists. ``readonly`` is the part PAN-OS maintains
    itself (the internal ids of those locations); ``mgt-config/devices`` lists
    the managed firewalls by serial, where pan-os-python adds them.
    """
    device = element(
        "entry",
        element("deviceconfig", element("system", leaf("hostname", hostname))),
        *(element(location) for location in PANORAMA_LOCATIONS),
        attrib={"name": DEVICE_ENTRY},
    )
    managed = element("devices", *(element("entry", attrib={"name": serial}) for serial in managed_serials))
    readonly = element(
        "readonly",
        element("devices", element("entry", *(element(location) for location in PANORAMA_LOCATIONS), attrib={"name": DEVICE_ENTRY})),
        leaf("max-internal-id", "0"),
    )
    return element(
        "config",
        element("mgt-config", _admin_users(admins), managed),
        element("shared"),
        element("devices", device),
        readonly,
        attrib={"version": config_version, "urldb": "paloaltonetworks"},
    )


def _child(parent, tag, name=None):
    """Return the child with this tag (and name), creating it when missing."""
    found = parent.find_entry(tag, name) if name is not None else parent.find_child(tag)
    if found is None:
        found = Node(tag, {"name": name} if name is not None else None)
        parent.append(found)
    return found


def _path(node, *steps):
    """Walk (tag) or (tag, name) steps, creating missing nodes."""
    for step in steps:
        tag, name = step if isinstance(step, tuple) else (step, None)
        node = _child(node, tag, name)
    return node


def _add_member(container, value):
    if container.find_member("member", value) is None:
        container.append(leaf("member", value))


def device_entry(root):
    """Return ``devices/entry[@name='localhost.localdomain']``, creating it when missing."""
    return _path(root, "devices", ("entry", DEVICE_ENTRY))


def set_hostname(root, hostname):
    _path(device_entry(root), "deviceconfig", "system", "hostname").text = hostname


def _interface_entry(network, name):
    """Return (container, existing entry) for an ethernet or loopback interface name."""
    if name.startswith("loopback."):
        container = _path(network, "interface", "loopback", "units")
    elif name.startswith("ethernet"):
        container = _path(network, "interface", "ethernet")
    else:
        raise ConfigFileError(f"interface {name!r} is not supported: use ethernetX/Y or loopback.N")
    return container, container.find_entry("entry", name)


def _default_route(routes, spec):
    """Build the default route through ``spec``: the primary one, or a floating one behind the routes already there."""
    rank = 1 + sum(1 for entry in routes.iter_tag("entry") if entry.child_text("destination") == "0.0.0.0/0")
    name, number = "default-route", 1
    while routes.find_entry("entry", name) is not None:
        number += 1
        name = "default-route-%d" % number

    route = Node("entry", {"name": name})
    route.append(leaf("destination", "0.0.0.0/0"))
    route.append(leaf("interface", spec.name))
    route.append(element("nexthop", leaf("ip-address", spec.gateway)))
    if rank > 1:
        route.append(leaf("metric", str(10 * rank)))
    return route


def add_interface(root, spec):
    """Add an outside interface with its IP, virtual router, zone and vsys import.

    Nothing is changed when the interface entry already exists, so a loaded
    configuration keeps its own placement of that interface.
    """
    device = device_entry(root)
    network = _path(device, "network")
    container, existing = _interface_entry(network, spec.name)
    if existing is not None:
        return False

    entry = Node("entry", {"name": spec.name})
    container.append(entry)
    ip_parent = _path(entry, "layer3") if spec.name.startswith("ethernet") else entry
    if spec.ip:
        _path(ip_parent, "ip", ("entry", spec.ip))

    router = _path(network, "virtual-router", ("entry", spec.virtual_router), "interface")
    _add_member(router, spec.name)
    if spec.gateway:
        routes = _path(network, "virtual-router", ("entry", spec.virtual_router), "routing-table", "ip", "static-route")
        routes.append(_default_route(routes, spec))

    vsys = _path(device, "vsys", ("entry", DEFAULT_VSYS))
    zone_members = _path(vsys, "zone", ("entry", spec.zone), "network", "layer3")
    _add_member(zone_members, spec.name)
    _add_member(_path(vsys, "import", "network", "interface"), spec.name)
    return True


def load_config_file(path):
    """Load a configuration file whose root is ``<config>`` (or a response containing one)."""
    try:
        with open(path, encoding="utf-8") as handle:
            root = parse_xml(handle.read())
    except OSError as exc:
        raise ConfigFileError(f"cannot read configuration file {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ConfigFileError(f"configuration file {path} is not valid XML: {exc}") from exc

    if root.tag == "response":
        root = root.find_path("result", "config")
    if root is None or root.tag != "config":
        raise ConfigFileError(f"configuration file {path} has no <config> root element")
    root.parent = None
    return root
