"""IPsec tunnels and the proxy_id resource: IPv4 and IPv6 proxy IDs, monitoring, anti-replay."""

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils import _engine as engine
from ansible_collections.ipsec.panos.plugins.module_utils import _resources as resources
from ansible_collections.ipsec.panos.plugins.module_utils import _xml as xml

from _objects import empty_config, plan, read, run

TUNNEL = {"name": "t1", "tunnel_interface": "tunnel.1", "ike_gateway": "gw1", "ipsec_crypto_profile": "p2"}
OTHER_TUNNEL = dict(TUNNEL, name="t2", tunnel_interface="tunnel.2")
V4 = {"name": "lan1", "local": "10.1.0.0/16", "remote": "192.168.10.0/24"}
V4_SECOND = {"name": "lan2", "local": "10.2.0.0/16", "remote": "192.168.10.0/24"}
V6 = {"name": "v6", "local": "2001:db8:1::/48", "remote": "2001:db8:a::/48", "protocol": "tcp", "remote_port": 443}


def proxy_ids(tunnel="t1"):
    return lambda: resources.ProxyId(tunnel=tunnel)


def proxy_ids_for(state, tunnel="t1"):
    return lambda: resources.ProxyId(tunnel=tunnel, state=state)


def device_with_tunnels(*tunnels):
    config = empty_config()
    run(resources.IpsecTunnel, [dict(t) for t in tunnels] or [TUNNEL], config)
    return config


def tunnel_entry(config, name="t1"):
    return config.find(".//tunnel/ipsec/entry[@name='%s']" % name)


# -- ipsec_tunnel ---------------------------------------------------------------


def test_tunnel_options_round_trip():
    item = dict(
        TUNNEL,
        anti_replay=False,
        anti_replay_window=4096,
        copy_tos=True,
        disabled=False,
        comment="to branch 1",
        tunnel_monitor={"enable": True, "destination_ip": "169.254.10.1", "profile": "fo"},
    )
    config = empty_config()
    first = run(resources.IpsecTunnel, [item], config)
    entry = first.write_ops[0].element
    assert xml.text_of(entry, "anti-replay") == "no"
    assert xml.text_of(entry, "anti-replay-window") == "4096"
    assert xml.text_of(entry, "copy-tos") == "yes"
    assert xml.text_of(entry, "disabled") == "no"
    assert xml.text_of(entry, "tunnel-monitor/tunnel-monitor-profile") == "fo"
    assert run(resources.IpsecTunnel, [item], config).ops == []


def test_tunnel_device_defaults_equal_omitted_options():
    config = device_with_tunnels(TUNNEL)
    entry = tunnel_entry(config)
    for tag, value in (("anti-replay", "yes"), ("anti-replay-window", "1024"), ("copy-tos", "no"), ("disabled", "no")):
        xml.ensure_path(entry, tag).text = value
    xml.ensure_path(entry, "tunnel-monitor/enable").text = "no"
    assert run(resources.IpsecTunnel, [TUNNEL], config, state="replaced").ops == []


@pytest.mark.parametrize("window", [100, 8192])
def test_anti_replay_window_choices(window):
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IpsecTunnel(), [dict(TUNNEL, anti_replay_window=window)])
    assert "config[0].anti_replay_window: %d is not allowed; use one of 64, 128" % window in str(error.value)


def test_tunnel_ipv6_proxy_ids_stored_apart():
    config = empty_config()
    item = dict(TUNNEL, proxy_ids=[V4, V6])
    entry = run(resources.IpsecTunnel, [item], config).write_ops[0].element
    assert [e.get("name") for e in entry.findall("auto-key/proxy-id/entry")] == ["lan1"]
    assert [e.get("name") for e in entry.findall("auto-key/proxy-id-v6/entry")] == ["v6"]
    assert xml.text_of(entry, "auto-key/proxy-id-v6/entry/protocol/tcp/remote-port") == "443"
    assert run(resources.IpsecTunnel, [item], config).ops == []


def test_tunnel_replaced_removes_ipv6_proxy_ids():
    config = empty_config()
    run(resources.IpsecTunnel, [dict(TUNNEL, proxy_ids=[V4, V6])], config)
    entry = run(resources.IpsecTunnel, [dict(TUNNEL, proxy_ids=[V4])], config, state="replaced").write_ops[0].element
    assert entry.find("auto-key/proxy-id-v6") is None


def test_tunnel_monitor_names_a_proxy_id():
    item = dict(TUNNEL, proxy_ids=[V4], tunnel_monitor={"enable": True, "destination_ip": "192.168.10.1", "proxy_id": "lan9"})
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IpsecTunnel(), [item])
    assert "config[0].tunnel_monitor.proxy_id: 'lan9' is not a proxy ID of tunnel 't1'; its proxy IDs are lan1" in str(error.value)


def test_tunnel_monitor_on_proxy_id_round_trips():
    config = empty_config()
    item = dict(TUNNEL, proxy_ids=[V4, V6], tunnel_monitor={"enable": True, "destination_ip": "192.168.10.1", "proxy_id": "lan1"})
    entry = run(resources.IpsecTunnel, [item], config).write_ops[0].element
    assert xml.text_of(entry, "tunnel-monitor/proxy-id") == "lan1"
    assert run(resources.IpsecTunnel, [item], config).ops == []


@pytest.mark.parametrize(
    "proxy, fragment",
    [
        (dict(V4, local="10.1.0.5/16"), "config[0].proxy_ids[0].local: '10.1.0.5/16' has host bits set; did you mean 10.1.0.0/16?"),
        (dict(V4, remote="2001:db8::/32"), "config[0].proxy_ids[0]: local 10.1.0.0/16 is IPv4 but remote 2001:db8::/32 is IPv6"),
        (dict(V4, remote="192.168.10.0/33"), "config[0].proxy_ids[0].remote: '192.168.10.0/33' is not a valid prefix"),
        (dict(V4, protocol="number", protocol_number=255), "config[0].proxy_ids[0].protocol_number: 255 is out of range; allowed is 1 to 254"),
        (dict(V4, protocol="any", local_port=80), "local_port and remote_port are only allowed when protocol is tcp or udp"),
        (dict(V4, name="p" * 64), "config[0].proxy_ids[0].name: 'pppp"),
        (dict(V4, name="lan/1"), "config[0].proxy_ids[0].name: 'lan/1' is not a valid PAN-OS name"),
    ],
)
def test_tunnel_proxy_id_rejections(proxy, fragment):
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IpsecTunnel(), [dict(TUNNEL, proxy_ids=[proxy])])
    assert fragment in str(error.value)


def test_tunnel_overlapping_ipv6_proxy_ids_rejected():
    second = dict(V6, name="v6-wide", local="2001:db8::/32", protocol="any")
    del second["remote_port"]
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IpsecTunnel(), [dict(TUNNEL, proxy_ids=[V6, second])])
    assert "config[0].proxy_ids[1]: proxy ID 'v6-wide'" in str(error.value)
    assert "overlaps config[0].proxy_ids[0] 'v6'" in str(error.value)


def test_tunnel_interface_must_be_tunnel_unit():
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.IpsecTunnel(), [dict(TUNNEL, tunnel_interface="ethernet1/3")])
    assert "config[0].tunnel_interface: 'ethernet1/3' is not a tunnel interface name; use tunnel.N" in str(error.value)


# -- proxy_id ------------------------------------------------------------------


def test_proxy_ids_written_under_their_tunnel():
    config = device_with_tunnels(TUNNEL, OTHER_TUNNEL)
    result = run(proxy_ids(), [V4, V6], config)
    xpaths = [op.xpath for op in result.ops]
    assert xpaths[0].endswith("/tunnel/ipsec/entry[@name='t1']/auto-key/proxy-id/entry[@name='lan1']")
    assert xpaths[1].endswith("/tunnel/ipsec/entry[@name='t1']/auto-key/proxy-id-v6/entry[@name='v6']")
    assert result.write_ops[0].element.find("protocol/any") is not None
    assert run(proxy_ids(), [V4, V6], config).ops == []
    assert tunnel_entry(config, "t2").find("auto-key/proxy-id") is None


def test_proxy_id_protocol_number_kept():
    config = device_with_tunnels(TUNNEL)
    gre = dict(V4, protocol="number", protocol_number=47)
    entry = run(proxy_ids(), [gre], config).write_ops[0].element
    assert xml.text_of(entry, "protocol/number") == "47"
    assert entry.find("protocol/any") is None
    assert run(proxy_ids(), [gre], config).ops == []


def test_proxy_id_tcp_ports_kept():
    config = device_with_tunnels(TUNNEL)
    https = dict(V4, protocol="tcp", local_port=0, remote_port=443)
    entry = run(proxy_ids(), [https], config).write_ops[0].element
    assert xml.text_of(entry, "protocol/tcp/local-port") == "0"
    assert xml.text_of(entry, "protocol/tcp/remote-port") == "443"
    assert run(proxy_ids(), [https], config).ops == []


def test_proxy_id_overridden_touches_one_tunnel():
    config = device_with_tunnels(TUNNEL, OTHER_TUNNEL)
    run(proxy_ids("t2"), [V4, V6], config)
    run(proxy_ids("t1"), [V4, V6], config)
    result = run(proxy_ids_for("overridden", "t1"), [V4_SECOND], config, state="overridden")
    assert all("entry[@name='t1']" in op.xpath for op in result.ops)
    assert sorted(read(resources.ProxyId(tunnel="t1"), config)) == ["lan2"]
    assert sorted(read(resources.ProxyId(tunnel="t2"), config)) == ["lan1", "v6"]


def test_proxy_id_deleted_without_config_touches_one_tunnel():
    config = device_with_tunnels(TUNNEL, OTHER_TUNNEL)
    run(proxy_ids("t1"), [V4], config)
    run(proxy_ids("t2"), [V4], config)
    run(proxy_ids("t1"), [], config, state="deleted")
    assert read(resources.ProxyId(tunnel="t1"), config) == {}
    assert sorted(read(resources.ProxyId(tunnel="t2"), config)) == ["lan1"]


def test_proxy_id_missing_tunnel_rejected_before_write():
    config = device_with_tunnels(TUNNEL)
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.ProxyId(tunnel="t9"), [V4, V4_SECOND], config)
    assert error.value.errors == ["tunnel: IPsec tunnel 't9' not found; create it first, for example with ipsec.panos.ipsec_tunnel"]


def test_proxy_id_delete_on_missing_tunnel_changes_nothing():
    config = device_with_tunnels(TUNNEL)
    assert plan(resources.ProxyId(tunnel="t9"), [V4], config, state="deleted").ops == []


def test_proxy_id_overlap_with_device_proxy_id_rejected():
    config = device_with_tunnels(TUNNEL)
    run(proxy_ids(), [V4], config)
    wider = {"name": "wide", "local": "10.0.0.0/8", "remote": "192.168.0.0/16"}
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.ProxyId(tunnel="t1", state="merged"), [wider], config)
    assert "config[0]: proxy ID 'wide' (10.0.0.0/8 -> 192.168.0.0/16) overlaps proxy ID 'lan1' of tunnel 't1' on the device" in str(error.value)


def test_proxy_id_overlap_ignores_replaced_by_overridden():
    config = device_with_tunnels(TUNNEL)
    run(proxy_ids(), [V4], config)
    wider = {"name": "wide", "local": "10.0.0.0/8", "remote": "192.168.0.0/16"}
    result = plan(resources.ProxyId(tunnel="t1", state="overridden"), [wider], config, state="overridden")
    assert [op.action for op in result.ops] == ["delete", "edit"]


def test_proxy_id_overlap_within_task_rejected():
    config = device_with_tunnels(TUNNEL)
    narrow = {"name": "narrow", "local": "10.1.2.0/24", "remote": "192.168.10.0/24"}
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.ProxyId(tunnel="t1"), [V4, narrow], config)
    assert "config[1]: proxy ID 'narrow'" in str(error.value)
    assert "overlaps config[0] 'lan1'" in str(error.value)


def test_proxy_id_mixed_family_rejected():
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.ProxyId(tunnel="t1"), [dict(V4, remote="2001:db8::/32")])
    assert "config[0]: local 10.1.0.0/16 is IPv4 but remote 2001:db8::/32 is IPv6" in str(error.value)


def test_proxy_id_host_bits_rejected():
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.ProxyId(tunnel="t1"), [dict(V4, remote="192.168.10.7/24")])
    assert "config[0].remote: '192.168.10.7/24' has host bits set" in str(error.value)


def test_proxy_id_family_change_moves_entry():
    config = device_with_tunnels(TUNNEL)
    run(proxy_ids(), [V4], config)
    moved = {"name": "lan1", "local": "2001:db8:1::/48", "remote": "2001:db8:a::/48"}
    result = run(proxy_ids(), [moved], config)
    assert [op.action for op in result.ops] == ["delete", "edit"]
    assert result.ops[0].xpath.endswith("/auto-key/proxy-id/entry[@name='lan1']")
    assert result.ops[1].xpath.endswith("/auto-key/proxy-id-v6/entry[@name='lan1']")
    assert run(proxy_ids(), [moved], config).ops == []


def test_proxy_id_merge_changes_protocol_only():
    config = device_with_tunnels(TUNNEL)
    run(proxy_ids(), [V4], config)
    entry = run(proxy_ids(), [{"name": "lan1", "protocol": "udp", "remote_port": 500}], config).write_ops[0].element
    assert xml.text_of(entry, "local") == "10.1.0.0/16"
    assert xml.text_of(entry, "protocol/udp/remote-port") == "500"


def test_proxy_id_new_without_prefixes_rejected():
    config = device_with_tunnels(TUNNEL)
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.ProxyId(tunnel="t1"), [{"name": "x", "local": "10.9.0.0/16"}], config)
    assert "config[0].remote: missing" in str(error.value)


def test_proxy_id_on_manual_key_tunnel_rejected():
    config = empty_config()
    ipsec = xml.ensure_path(config.find("devices/entry/network"), "tunnel/ipsec")
    entry = xml.ET.SubElement(ipsec, "entry", name="mk")
    xml.ensure_path(entry, "manual-key/local-spi").text = "1000"
    with pytest.raises(engine.ValidationError) as error:
        plan(resources.ProxyId(tunnel="mk"), [V4], config)
    assert "tunnel: IPsec tunnel 'mk' uses manual-key" in str(error.value)


def test_proxy_ids_display_matches_tunnel_module():
    """Both modules read the same proxy IDs the same way."""
    config = device_with_tunnels(TUNNEL)
    run(proxy_ids(), [V4, V6], config)
    context = engine.RenderContext((10, 2, 0))
    tunnel = resources.IpsecTunnel().display(read(resources.IpsecTunnel(), config)["t1"].item, context)
    resource = resources.ProxyId(tunnel="t1")
    separate = sorted((resource.display(e.item, context) for e in read(resource, config).values()), key=lambda p: p["name"])
    assert tunnel["proxy_ids"] == separate
