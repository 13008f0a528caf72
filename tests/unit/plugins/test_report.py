"""The VPN report renderer: pairing, colours, escaping and stable output."""

import re

import pytest

from ansible_collections.ipsec.panos.plugins.filter.vpn_report_html import vpn_report_html
from ansible_collections.ipsec.panos.plugins.plugin_utils._report import STATE_COLOURS, ReportError, build_topology, layout, render_html


SA = {"encryption": "G256", "hash": "NONE", "dh_group": "DH20"}


def tunnel(name, peer, state, local=None, diagnosis=None):
    entry = {
        "name": name,
        "gateway": "gw-" + name,
        "peer_address": peer,
        "state": state,
        "phase1": {"state": "up" if state != "down" else "down", "algorithm": "PSK/DH20/AES256/SHA256"},
        "phase2": {"state": "up" if state != "down" else "down", "sas": [] if state == "down" else [SA]},
        "monitor": "off",
        "counters": {"encap_packets": 5, "decap_packets": 4},
        "flows": [{"name": name, "local_ip": local}] if local else [],
        "diagnosis": diagnosis,
    }
    return entry


def info(*tunnels):
    summary = {state: sum(1 for t in tunnels if t["state"] == state) for state in ("up", "partial", "down")}
    return {"tunnels": list(tunnels), "summary": summary, "system": {"cpu_percent": 3.5, "memory_total_kib": 8192000, "memory_used_kib": 4096000}}


PSK_DIAGNOSIS = {
    "cause": "psk_mismatch",
    "phase": 1,
    "message": "phase 1 failed at authentication",
    "fix": "write the same pre_shared_key to both gateways",
    "evidence": [{"time": "2026/12/04 10:00:01", "eventid": "ikev2-nego-ike-fail", "object": "gw-b2", "message": "Due to authentication failure."}],
}


def hub_and_spoke():
    return [
        {
            "name": "hub",
            "addresses": ["198.51.100.1/24"],
            "info": info(
                tunnel("vpn-b1", "203.0.113.11", "up", "198.51.100.1"),
                tunnel("vpn-b2", "203.0.113.12", "down", "198.51.100.1", PSK_DIAGNOSIS),
                tunnel("vpn-b3", "203.0.113.13", "partial", "198.51.100.1", dict(PSK_DIAGNOSIS, cause="proxy_id_mismatch")),
            ),
            "audit": {
                "pack": "baseline",
                "summary": {"critical": 0, "high": 1, "medium": 0, "low": 0, "info": 0, "total": 1},
                "findings": [{"rule_id": "VPN-CRY-010", "severity": "high", "object": "ike_gateway gw-b1", "message": "weak", "fix": "use a strong profile"}],
            },
        },
        {"name": "b1", "addresses": ["203.0.113.11/24"], "info": info(tunnel("vpn-hub", "198.51.100.1", "up", "203.0.113.11"))},
        {"name": "b2", "addresses": ["203.0.113.12/24"], "info": info(tunnel("vpn-hub", "198.51.100.1", "down", "203.0.113.12", PSK_DIAGNOSIS))},
        {"name": "b3", "addresses": [], "info": info(tunnel("vpn-hub", "198.51.100.1", "partial", "203.0.113.13"))},
    ]


def edges_of(html):
    return re.findall(r'<path class="tunnel state-(\w+)" data-state="\w+" d="[^"]+" fill="none" stroke="(#[0-9a-f]{6})"[^>]*><title>([^<]*)</title>', html)


def test_every_tunnel_paired_once():
    topology = build_topology(hub_and_spoke(), ["hub"])
    pairs = sorted((e["a"], e["a_tunnel"], e["b"], e["b_tunnel"]) for e in topology["edges"])
    assert pairs == [("hub", "vpn-b1", "b1", "vpn-hub"), ("hub", "vpn-b2", "b2", "vpn-hub"), ("hub", "vpn-b3", "b3", "vpn-hub")]
    assert [n["name"] for n in topology["nodes"]] == ["hub", "b1", "b2", "b3"]


def test_state_colours_per_edge():
    html = render_html(hub_and_spoke(), ["hub"])
    edges = {re.search(r"to (b\d) ", title).group(1): (state, colour) for state, colour, title in edges_of(html)}
    assert edges == {
        "b1": ("up", STATE_COLOURS["up"]),
        "b2": ("down", STATE_COLOURS["down"]),
        "b3": ("partial", STATE_COLOURS["partial"]),
    }
    assert STATE_COLOURS["up"] == "#2e7d32"
    assert STATE_COLOURS["down"] == "#c62828"


def test_edge_takes_worst_end():
    firewalls = hub_and_spoke()
    firewalls[1]["info"] = info(tunnel("vpn-hub", "198.51.100.1", "down", "203.0.113.11"))
    edge = next(e for e in build_topology(firewalls, ["hub"])["edges"] if e["b"] == "b1")
    assert (edge["a_state"], edge["b_state"], edge["state"]) == ("up", "down", "down")


def test_peer_outside_inventory_is_external_node():
    firewalls = [{"name": "fw1", "info": info(tunnel("vpn-aws", "192.0.2.10", "up", "198.51.100.5"), tunnel("vpn-dyn", None, "down"))}]
    topology = build_topology(firewalls)
    external = [n for n in topology["nodes"] if n["kind"] == "external"]
    assert [n["name"] for n in external] == ["192.0.2.10", "fw1/vpn-dyn"]
    assert [n["summary"] for n in external] == ["outside the inventory", "dynamic peer"]
    assert all(e["b_tunnel"] is None for e in topology["edges"])


def test_parallel_tunnels_paired_by_address():
    """Two tunnels between the same firewalls, over two outside addresses, pair by address."""
    firewalls = [
        {"name": "hub", "info": info(tunnel("vpn-b1-isp1", "203.0.113.11", "up", "198.51.100.1"), tunnel("vpn-b1-isp2", "203.0.113.11", "down", "192.0.2.1"))},
        {"name": "b1", "info": info(tunnel("vpn-hub-isp2", "192.0.2.1", "down", "203.0.113.11"), tunnel("vpn-hub-isp1", "198.51.100.1", "up", "203.0.113.11"))},
    ]
    pairs = sorted((e["a_tunnel"], e["b_tunnel"], e["state"]) for e in build_topology(firewalls)["edges"])
    assert pairs == [("vpn-b1-isp1", "vpn-hub-isp1", "up"), ("vpn-b1-isp2", "vpn-hub-isp2", "down")]
    html = render_html(firewalls)
    curves = re.findall(r'd="M [\d.]+ [\d.]+ Q ([\d.]+) ([\d.]+)', html)
    assert len(set(curves)) == 2, "parallel tunnels must bend apart"


def test_values_escaped():
    firewalls = hub_and_spoke()
    firewalls[0]["name"] = "<b>hub&co</b>"
    firewalls[0]["info"]["tunnels"][1]["diagnosis"] = dict(PSK_DIAGNOSIS, fix='<script>alert("x")</script>')
    firewalls[0]["audit"]["findings"][0]["message"] = "a 'quoted' <i>message</i>"
    html = render_html(firewalls, ["<b>hub&co</b>"], title="<title>", generated="<now>")
    assert "<script" not in html
    assert "<b>hub" not in html
    assert "<i>message" not in html
    assert "&lt;b&gt;hub&amp;co&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "a &#x27;quoted&#x27; &lt;i&gt;message&lt;/i&gt;" in html
    assert 'data-name="&lt;b&gt;hub&amp;co&lt;/b&gt;"' in html
    assert "<title>&lt;title&gt;</title>" in html


def test_every_tunnel_in_status_table():
    html = render_html(hub_and_spoke(), ["hub"])
    rows = re.findall(r'<tr class="tunnel-row" data-firewall="([^"]+)" data-tunnel="([^"]+)">', html)
    assert rows == [("hub", "vpn-b1"), ("hub", "vpn-b2"), ("hub", "vpn-b3"), ("b1", "vpn-hub"), ("b2", "vpn-hub"), ("b3", "vpn-hub")]
    assert html.count("Fix: write the same pre_shared_key to both gateways") == 3
    assert "proxy_id_mismatch" in html


def test_audit_findings_and_counts():
    html = render_html(hub_and_spoke(), ["hub"])
    assert "<td>VPN-CRY-010</td>" in html
    assert '<span class="counts severity-high" style="background:#f9e0e0">high 1</span>' in html
    assert html.count("Not audited") == 3


def test_output_deterministic():
    first = render_html(hub_and_spoke(), ["hub"], generated="2026-12-04 10:00 UTC")
    second = render_html(hub_and_spoke(), ["hub"], generated="2026-12-04 10:00 UTC")
    assert first == second
    assert first.count("<svg") == 1


def test_self_contained():
    html = render_html(hub_and_spoke(), ["hub"]).lower()
    for needle in ("<script", "<link", "<img", "src=", "href=", "url(", "http://", "https://"):
        assert needle not in html, needle


def test_layout_hub_centre_and_stable():
    nodes = build_topology(hub_and_spoke(), ["hub"])["nodes"]
    width, height, positions = layout(nodes)
    assert positions["hub"] == (width / 2, height / 2)
    assert positions["b1"][1] < positions["hub"][1], "the first spoke sits at the top"
    assert layout(nodes) == (width, height, positions)
    assert len(set(positions.values())) == 4


def test_layout_two_hubs_in_a_row():
    firewalls = hub_and_spoke()
    nodes = build_topology(firewalls, ["hub", "b1"])["nodes"]
    _width, _height, positions = layout(nodes)
    assert positions["hub"][1] == positions["b1"][1]
    assert positions["b2"][1] == positions["b3"][1] > positions["hub"][1]


def test_unread_firewall_shown_with_error():
    firewalls = hub_and_spoke()
    firewalls[2] = {"name": "b2", "addresses": ["203.0.113.12/24"], "info": None, "error": "Read the state of every tunnel: connection refused"}
    html = render_html(firewalls, ["hub"])
    assert "connection refused" in html
    edge = next(e for e in build_topology(firewalls, ["hub"])["edges"] if e["a_tunnel"] == "vpn-b2")
    assert (edge["b"], edge["b_tunnel"], edge["state"]) == ("b2", None, "down")


@pytest.mark.parametrize(
    "firewalls, message",
    [
        ("hub", "the input must be a list"),
        ([{"addresses": []}], "firewall 0: must be a dict with a name"),
        ([{"name": "a"}, {"name": "a"}], "the name a appears twice"),
        ([{"name": "a", "info": "text"}], "firewall a: info must be a module result"),
    ],
)
def test_bad_input_rejected(firewalls, message):
    with pytest.raises(ReportError, match=message):
        render_html(firewalls)


def test_filter_wraps_errors():
    from ansible.errors import AnsibleFilterError

    with pytest.raises(AnsibleFilterError, match="vpn_report_html: firewall 1: the name a appears twice"):
        vpn_report_html([{"name": "a"}, {"name": "a"}])
    with pytest.raises(AnsibleFilterError, match="hubs must be a list"):
        vpn_report_html([], hubs="hub")
    assert "<svg" in vpn_report_html([{"name": "a"}], hubs=["a"])
