"""Static routes with path monitoring, tunnel monitor profiles and tunnel interfaces."""

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _resources as resources
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml

from _objects import empty_config, plan, read, run

PRIMARY = {
    "name": "vpc-primary",
    "destination": "10.100.0.0/16",
    "interface": "tunnel.1",
    "metric": 10,
    "path_monitor": {
        "failure_condition": "any",
        "hold_time": 5,
        "destinations": [{"name": "aws-1", "source": "169.254.10.2", "destination": "169.254.10.1", "interval": 2, "count": 4}],
    },
}
BACKUP = {"name": "vpc-backup", "destination": "10.100.0.0/16", "interface": "tunnel.2", "metric": 20}


def route_entry(config, name):
    return config.find(".//static-route/entry[@name='%s']" % name)


# -- static routes -----------------------------------------------------------------


def test_route_into_tunnel_has_no_nexthop():
    config = empty_config()
    result = run(resources.StaticRoute, [PRIMARY, BACKUP], config)
    for op in result.write_ops:
        assert op.element.find("nexthop") is None
    assert result.after["vpc-backup"]["nexthop_type"] == "none"
    item = read(resources.StaticRoute(), config)["vpc-backup"].item
    assert item["nexthop_type"] is None
    assert run(resources.StaticRoute, [PRIMARY, BACKUP], config).ops == []


def test_path_monitor_round_trips():
    config = empty_config()
    entry = run(resources.StaticRoute, [PRIMARY], config).write_ops[0].element
    assert xml.text_of(entry, "path-monitor/enable") == "yes"
    assert xml.text_of(entry, "path-monitor/failure-condition") == "any"
    assert xml.text_of(entry, "path-monitor/hold-time") == "5"
    destination = xml.find_path(entry, "path-monitor/monitor-destinations/entry")
    assert destination.get("name") == "aws-1"
    assert xml.text_of(destination, "enable") == "yes"
    assert xml.text_of(destination, "source") == "169.254.10.2"
    assert xml.text_of(destination, "destination") == "169.254.10.1"
    assert xml.text_of(destination, "interval") == "2"
    assert xml.text_of(destination, "count") == "4"
    assert run(resources.StaticRoute, [PRIMARY], config).ops == []


def test_path_monitor_device_defaults():
    monitor = {"destinations": [{"name": "d", "source": "169.254.10.2", "destination": "169.254.10.1"}]}
    result = plan(resources.StaticRoute(), [dict(PRIMARY, path_monitor=monitor)])
    monitor = result.after["vpc-primary"]["path_monitor"]
    assert monitor["failure_condition"] == "any"
    assert monitor["hold_time"] == 2
    assert monitor["destinations"][0]["interval"] == 3
    assert monitor["destinations"][0]["count"] == 5
    entry = result.write_ops[0].element
    assert entry.find("path-monitor/hold-time") is None


def test_path_monitor_explicit_disable_kept():
    config = empty_config()
    item = dict(PRIMARY, path_monitor=dict(PRIMARY["path_monitor"], enable=False))
    entry = run(resources.StaticRoute, [item], config).write_ops[0].element
    assert xml.text_of(entry, "path-monitor/enable") == "no"
    assert run(resources.StaticRoute, [item], config).ops == []


def test_path_monitor_destinations_merge_by_name():
    config = empty_config()
    run(resources.StaticRoute, [PRIMARY], config)
    extra = {"name": "aws-2", "source": "169.254.10.2", "destination": "169.254.11.1"}
    run(resources.StaticRoute, [{"name": "vpc-primary", "path_monitor": {"destinations": [extra]}}], config)
    names = [e.get("name") for e in route_entry(config, "vpc-primary").findall("path-monitor/monitor-destinations/entry")]
    assert names == ["aws-1", "aws-2"]
    assert xml.text_of(route_entry(config, "vpc-primary"), "path-monitor/hold-time") == "5"


def test_path_monitor_added_to_existing_route():
    config = empty_config()
    run(resources.StaticRoute, [BACKUP], config)
    monitor = {"destinations": [{"name": "aws-2", "source": "169.254.11.2", "destination": "169.254.11.1"}]}
    entry = run(resources.StaticRoute, [{"name": "vpc-backup", "path_monitor": monitor}], config).write_ops[0].element
    assert xml.text_of(entry, "path-monitor/enable") == "yes"
    assert xml.text_of(entry, "path-monitor/monitor-destinations/entry/enable") == "yes"


def test_replaced_drops_path_monitor():
    config = empty_config()
    run(resources.StaticRoute, [PRIMARY], config)
    entry = run(resources.StaticRoute, [dict(PRIMARY, path_monitor=None)], config, state="replaced").write_ops[0].element
    assert entry.find("path-monitor") is None


@pytest.mark.parametrize(
    "monitor, fragment",
    [
        ({"hold_time": 1441}, "config[0].path_monitor.hold_time: 1441 is out of range; allowed is 0 to 1440 minutes"),
        ({"failure_condition": "most"}, "config[0].path_monitor.failure_condition: 'most' is not allowed; use one of any, all"),
        ({"destinations": [{"name": "d", "source": "169.254.10.2", "destination": "169.254.10.1", "count": 2}]},
         "config[0].path_monitor.destinations[0].count: 2 is out of range; allowed is 3 to 10"),
        ({"destinations": [{"name": "d", "source": "169.254.10.2", "destination": "nowhere"}]},
         "config[0].path_monitor.destinations[0].destination: 'nowhere' is not a valid IPv4 or IPv6 address"),
        ({"destinations": [{"name": "d", "destination": "169.254.10.1"}]},
         "config[0].path_monitor.destinations[0].source: missing"),
        ({"enable": True}, "config[0].path_monitor.destinations: missing"),
        ({"destinations": [{"name": "d", "source": "169.254.10.2", "destination": "169.254.10.1"}, {"name": "d"}]},
         "config[0].path_monitor.destinations[1].name: 'd' is already used"),
    ],
)
def test_path_monitor_rejections(monitor, fragment):
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.StaticRoute(), [dict(PRIMARY, path_monitor=monitor)])
    assert fragment in str(error.value)


def test_route_name_limit():
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.StaticRoute(), [dict(BACKUP, name="r" * 64)])
    assert "at most 63" in str(error.value)


# -- tunnel monitor profiles -----------------------------------------------------------


def test_fail_over_profile_round_trips():
    config = empty_config()
    item = {"name": "fo", "action": "fail-over", "interval": 2, "threshold": 5}
    entry = run(resources.TunnelMonitorProfile, [item], config).write_ops[0].element
    assert xml.text_of(entry, "action") == "fail-over"
    assert xml.text_of(entry, "interval") == "2"
    assert run(resources.TunnelMonitorProfile, [item], config).ops == []


def test_monitor_profile_device_defaults():
    result = plan(resources.TunnelMonitorProfile(), [{"name": "wr", "action": "wait-recover"}])
    entry = result.write_ops[0].element
    assert entry.find("interval") is None
    assert result.after["wr"]["interval"] == 3
    assert result.after["wr"]["threshold"] == 5


def test_monitor_profile_needs_action():
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.TunnelMonitorProfile(), [{"name": "fo", "interval": 3}])
    assert "config[0].action: missing" in str(error.value)
    assert "fail-over" in str(error.value)


@pytest.mark.parametrize("option, value", [("interval", 1), ("interval", 11), ("threshold", 1), ("threshold", 11)])
def test_monitor_profile_ranges(option, value):
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.TunnelMonitorProfile(), [{"name": "fo", "action": "fail-over", option: value}])
    assert "config[0].%s: %d is out of range; allowed is 2 to 10" % (option, value) in str(error.value)


def test_overridden_keeps_default_monitor_profile():
    config = empty_config()
    run(resources.TunnelMonitorProfile, [{"name": "default", "action": "wait-recover"}, {"name": "old", "action": "fail-over"}], config)
    result = run(resources.TunnelMonitorProfile, [{"name": "fo", "action": "fail-over"}], config, state="overridden")
    deleted = [op.xpath for op in result.delete_ops]
    assert len(deleted) == 1
    assert deleted[0].endswith("entry[@name='old']")
    assert sorted(read(resources.TunnelMonitorProfile(), config)) == ["default", "fo"]


def test_monitor_profile_name_limit():
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.TunnelMonitorProfile(), [{"name": "m" * 32, "action": "fail-over"}])
    assert "at most 31" in str(error.value)


# -- tunnel interfaces ----------------------------------------------------------------


def test_tunnel_interface_ipv6_and_netflow_round_trip():
    config = empty_config()
    item = {"name": "tunnel.5", "ip": ["169.254.5.1/30"], "netflow_profile": "nf1",
            "ipv6": {"enable": True, "addresses": ["2001:db8:5::1/64"]}}
    entry = run(resources.TunnelInterface, [item], config).write_ops[0].element
    assert xml.text_of(entry, "netflow-profile") == "nf1"
    assert xml.text_of(entry, "ipv6/enabled") == "yes"
    address = xml.find_path(entry, "ipv6/address/entry")
    assert address.get("name") == "2001:db8:5::1/64"
    assert xml.text_of(address, "enable-on-interface") == "yes"
    assert run(resources.TunnelInterface, [item], config).ops == []


def test_tunnel_interface_ipv4_in_ipv6_rejected():
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.TunnelInterface(), [{"name": "tunnel.5", "ipv6": {"addresses": ["169.254.5.1/30"]}}])
    assert "config[0].ipv6.addresses[0]: '169.254.5.1/30' is not an IPv6 address" in str(error.value)


def test_tunnel_interface_ipv6_disabled_is_default():
    config = empty_config()
    run(resources.TunnelInterface, [{"name": "tunnel.5"}], config)
    entry = config.find(".//units/entry[@name='tunnel.5']")
    xml.ensure_path(entry, "ipv6/enabled").text = "no"
    assert run(resources.TunnelInterface, [{"name": "tunnel.5"}], config, state="replaced").ops == []


@pytest.mark.parametrize("name", ["tunnel", "tunnel.0", "tunnel.10000", "tun.1", "ethernet1/1"])
def test_tunnel_interface_name_is_tunnel_n(name):
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.TunnelInterface(), [{"name": name}])
    assert "config[0].name: %r is not a tunnel interface name; use tunnel.N with N from 1 to 9999" % name in str(error.value)
