"""Outside interfaces with their own ISP gateways: one primary and floating default routes."""

from pansim import cli
from pansim.device import Device, DeviceSpec
from pansim.factory import InterfaceSpec, add_interface, factory_config
from pansim.node import Node, element, leaf


def default_routes(root, router="default"):
    """Return {name: (interface, next hop, metric or None)} of the router's 0.0.0.0/0 routes."""
    device = root.find_child("devices").find_entry("entry", "localhost.localdomain")
    routes = device.find_path("network", "virtual-router").find_entry("entry", router).find_path("routing-table", "ip", "static-route")
    return {
        entry.name: (entry.child_text("interface"), entry.child_text("nexthop", "ip-address"), entry.child_text("metric"))
        for entry in routes.iter_tag("entry")
        if entry.child_text("destination") == "0.0.0.0/0"
    }


def test_second_gateway_adds_floating_default_route():
    device = Device(
        DeviceSpec(
            name="hub",
            port=0,
            interfaces=[
                InterfaceSpec("ethernet1/1", "198.51.100.1/24", gateway="198.51.100.254"),
                InterfaceSpec("ethernet1/2", "192.0.2.1/24", gateway="192.0.2.254"),
            ],
        )
    )
    assert default_routes(device.candidate) == {
        "default-route": ("ethernet1/1", "198.51.100.254", None),
        "default-route-2": ("ethernet1/2", "192.0.2.254", "20"),
    }


def test_single_gateway_route_unchanged():
    root = factory_config("fw", "10.2.0", {"admin": "pw"}, [InterfaceSpec("ethernet1/1", "198.51.100.1/24", gateway="198.51.100.254")])
    assert default_routes(root) == {"default-route": ("ethernet1/1", "198.51.100.254", None)}


def test_gateways_in_other_routers_are_each_primary():
    root = factory_config(
        "fw",
        "10.2.0",
        {"admin": "pw"},
        [
            InterfaceSpec("ethernet1/1", "198.51.100.1/24", gateway="198.51.100.254"),
            InterfaceSpec("ethernet1/2", "192.0.2.1/24", virtual_router="isp2", gateway="192.0.2.254"),
        ],
    )
    assert default_routes(root) == {"default-route": ("ethernet1/1", "198.51.100.254", None)}
    assert default_routes(root, "isp2") == {"default-route": ("ethernet1/2", "192.0.2.254", None)}


def test_interface_without_gateway_adds_no_route():
    root = factory_config(
        "fw",
        "10.2.0",
        {"admin": "pw"},
        [InterfaceSpec("ethernet1/1", "198.51.100.1/24", gateway="198.51.100.254"), InterfaceSpec("ethernet1/3", "10.0.0.1/24")],
    )
    assert list(default_routes(root)) == ["default-route"]


def test_third_gateway_gets_metric_30():
    root = factory_config("fw", "10.2.0", {"admin": "pw"}, [InterfaceSpec("ethernet1/1", "198.51.100.1/24", gateway="198.51.100.254")])
    add_interface(root, InterfaceSpec("ethernet1/2", "192.0.2.1/24", gateway="192.0.2.254"))
    add_interface(root, InterfaceSpec("ethernet1/3", "203.0.113.1/24", gateway="203.0.113.254"))
    assert default_routes(root) == {
        "default-route": ("ethernet1/1", "198.51.100.254", None),
        "default-route-2": ("ethernet1/2", "192.0.2.254", "20"),
        "default-route-3": ("ethernet1/3", "203.0.113.254", "30"),
    }


def test_taken_route_name_skipped():
    root = factory_config("fw", "10.2.0", {"admin": "pw"}, [])
    device = root.find_child("devices").find_entry("entry", "localhost.localdomain")
    router = device.find_path("network", "virtual-router").find_entry("entry", "default")
    routes = Node("static-route")
    routes.append(element("entry", leaf("destination", "10.0.0.0/8"), attrib={"name": "default-route"}))
    router.append(element("routing-table", element("ip", routes)))

    add_interface(root, InterfaceSpec("ethernet1/1", "198.51.100.1/24", gateway="198.51.100.254"))

    assert default_routes(root) == {"default-route-2": ("ethernet1/1", "198.51.100.254", None)}


def test_devices_file_with_two_gateways(tmp_path):
    path = tmp_path / "devices.yml"
    path.write_text(
        "devices:\n"
        "  - name: hub\n"
        "    port: 0\n"
        "    interfaces:\n"
        "      - {name: ethernet1/1, ip: 198.51.100.1/24, gateway: 198.51.100.254}\n"
        "      - {name: ethernet1/2, ip: 192.0.2.1/24, gateway: 192.0.2.254}\n"
    )
    (spec,) = cli.load_devices_file(str(path))
    device = Device(spec)
    routes = default_routes(device.candidate)
    assert routes["default-route"] == ("ethernet1/1", "198.51.100.254", None)
    assert routes["default-route-2"] == ("ethernet1/2", "192.0.2.254", "20")
