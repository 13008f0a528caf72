# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The VPN report: one self-contained HTML page from vpn_info and vpn_audit results.

The page contains an inline SVG picture of the topology (one node per firewall, one edge per
tunnel, coloured by state), the status of every tunnel with the diagnosis of those that are
not up, and the audit findings of each firewall. It loads nothing: no script, no style sheet,
no font and no image from anywhere else, so it can be mailed or attached to a ticket.

Every value from the firewalls is escaped with ``html.escape`` before it reaches the page.
The same input always gives the same bytes, so reports can be compared with diff.
"""

from __future__ import annotations

import html
import math

STATES = ("up", "partial", "down")
STATE_COLOURS = {"up": "#2e7d32", "partial": "#f29900", "down": "#c62828", "unknown": "#8a8f98"}
# Table cells use light tints, so the stroke colours above appear only in the topology picture.
STATE_TINTS = {"up": "#e3f1e4", "partial": "#fdf0d5", "down": "#f9e0e0", "unknown": "#eceef1"}
SEVERITIES = ("critical", "high", "medium", "low", "info")
SEVERITY_TINTS = {"critical": "#f4c7c7", "high": "#f9e0e0", "medium": "#fdf0d5", "low": "#e6eef9", "info": "#eceef1"}
_RANK = {"up": 0, "unknown": 1, "partial": 2, "down": 3}

NODE_WIDTH = 150
NODE_HEIGHT = 46
MIN_RADIUS = 210
MIN_WIDTH = 900

STYLE = """
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 24px; color: #1d2430; background: #ffffff; }
h1 { font-size: 22px; margin: 0 0 4px 0; }
h2 { font-size: 18px; margin: 28px 0 8px 0; border-bottom: 1px solid #d5d9e0; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px 0; }
p.meta { color: #5b6472; margin: 0 0 12px 0; font-size: 13px; }
table { border-collapse: collapse; font-size: 12px; margin-bottom: 8px; }
th, td { border: 1px solid #d5d9e0; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f3f5f8; }
td.state { font-weight: bold; }
ul.evidence { margin: 4px 0 0 0; padding-left: 16px; color: #5b6472; }
span.counts { margin-right: 10px; padding: 1px 6px; border-radius: 3px; }
figure { margin: 0; }
figcaption { font-size: 12px; color: #5b6472; }
.error { color: #8b1a1a; font-weight: bold; }
"""


class ReportError(ValueError):
    """The report's input is not a list of firewall entries as the vpn_report role builds them."""


def _text(value):
    """Escape any value for HTML text and attribute values, None as an empty string."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def _host_address(address):
    """Return an address without its prefix length, ``198.51.100.1/24`` as ``198.51.100.1``."""
    return str(address).split("/", 1)[0].strip()


def _worst(states):
    known = [state for state in states if state]
    return max(known, key=lambda state: _RANK.get(state, 1)) if known else "unknown"


# -- input ------------------------------------------------------------------------------


def check_firewalls(firewalls):
    """Return the firewall entries after checking their shape, or raise ReportError.

    Each entry is a dict with ``name`` and optionally ``addresses`` (its outside addresses),
    ``info`` (a vpn_info result), ``audit`` (a vpn_audit result) and ``error`` (why a read failed).
    """
    if not isinstance(firewalls, (list, tuple)):
        raise ReportError("the input must be a list of firewall entries, got %s" % type(firewalls).__name__)
    seen = set()
    checked = []
    for index, entry in enumerate(firewalls):
        if not isinstance(entry, dict) or not entry.get("name"):
            got = "keys %s" % sorted(entry) if isinstance(entry, dict) else type(entry).__name__
            raise ReportError("firewall %d: must be a dict with a name, got %s" % (index, got))
        name = str(entry["name"])
        if name in seen:
            raise ReportError("firewall %d: the name %s appears twice; give each firewall once" % (index, name))
        seen.add(name)
        for key in ("info", "audit"):
            if entry.get(key) is not None and not isinstance(entry[key], dict):
                raise ReportError("firewall %s: %s must be a module result (a dict) or null" % (name, key))
        addresses = entry.get("addresses") or []
        if isinstance(addresses, str):
            addresses = [addresses]
        checked.append(dict(entry, name=name, addresses=[_host_address(a) for a in addresses if a]))
    return checked


def _tunnels(entry):
    return [tunnel for tunnel in ((entry.get("info") or {}).get("tunnels") or []) if isinstance(tunnel, dict)]


def _local_address(tunnel):
    """Return the local address of a tunnel from its first flow, or None."""
    for flow in tunnel.get("flows") or []:
        if isinstance(flow, dict) and flow.get("local_ip"):
            return _host_address(flow["local_ip"])
    return None


# -- topology ---------------------------------------------------------------------------


def build_topology(firewalls, hubs=()):
    """Return the nodes and edges of the topology picture.

    Each firewall is a node. A tunnel's far end is the firewall that owns its peer address
    (from the inventory's addresses and the local address of each tunnel's flows). Its two
    ends are paired when the far firewall has a tunnel whose peer address is this tunnel's
    local address, or failing that, any unpaired tunnel pointing back at this firewall. A
    peer outside the inventory becomes an external node named by its address.
    """
    firewalls = check_firewalls(firewalls)
    hub_names = [str(h) for h in hubs or []]
    owner = {}
    for entry in firewalls:
        for address in entry["addresses"] + [_local_address(t) for t in _tunnels(entry)]:
            if address:
                owner.setdefault(address, entry["name"])

    nodes = [
        {
            "name": entry["name"],
            "kind": "hub" if entry["name"] in hub_names else "firewall",
            "error": entry.get("error"),
            "read": bool((entry.get("info") or {}).get("tunnels") is not None),
            "summary": _summary_line(entry),
        }
        for entry in firewalls
    ]
    externals = {}
    edges = []
    paired = set()
    by_name = {entry["name"]: entry for entry in firewalls}

    for entry in firewalls:
        for tunnel in _tunnels(entry):
            if (entry["name"], tunnel.get("name")) in paired:
                continue
            paired.add((entry["name"], tunnel.get("name")))
            peer_address = _host_address(tunnel["peer_address"]) if tunnel.get("peer_address") else None
            far = owner.get(peer_address) if peer_address else None
            edge = {
                "a": entry["name"],
                "a_tunnel": tunnel.get("name"),
                "a_state": tunnel.get("state") or "unknown",
                "b_tunnel": None,
                "b_state": None,
                "peer_address": peer_address,
            }
            if far and far != entry["name"]:
                partner = _find_partner(by_name[far], entry["name"], tunnel, owner, paired)
                edge["b"] = far
                if partner is not None:
                    paired.add((far, partner.get("name")))
                    edge["b_tunnel"] = partner.get("name")
                    edge["b_state"] = partner.get("state") or "unknown"
            else:
                key = peer_address or "%s/%s" % (entry["name"], tunnel.get("name"))
                if key not in externals:
                    externals[key] = {
                        "name": key,
                        "kind": "external",
                        "error": None,
                        "read": False,
                        "summary": "outside the inventory" if peer_address else "dynamic peer",
                    }
                edge["b"] = key
            edge["state"] = _worst([edge["a_state"], edge["b_state"]])
            edges.append(edge)

    nodes.extend(externals[key] for key in sorted(externals))
    return {"nodes": nodes, "edges": edges}


def _find_partner(far_entry, near_name, tunnel, owner, paired):
    local = _local_address(tunnel)
    candidates = [
        candidate
        for candidate in _tunnels(far_entry)
        if (far_entry["name"], candidate.get("name")) not in paired
        and candidate.get("peer_address")
        and owner.get(_host_address(candidate["peer_address"])) == near_name
    ]
    for candidate in candidates:
        if local and _host_address(candidate["peer_address"]) == local:
            return candidate
    return candidates[0] if candidates else None


def _summary_line(entry):
    if entry.get("error"):
        return "not read"
    summary = (entry.get("info") or {}).get("summary")
    if not isinstance(summary, dict):
        return "no tunnel data"
    parts = ["%s %s" % (summary.get(state, 0), state) for state in STATES if summary.get(state)]
    return ", ".join(parts) or "no tunnels"


def layout(nodes):
    """Return ``(width, height, {name: (x, y)})``, the same for the same nodes in the same order.

    One hub: the hub in the centre and every other node on an ellipse around it, clockwise from the top.
    Two or more hubs: the hubs in a row at the top and the other nodes in a row below.
    No hub: every node on the ellipse.
    """
    hub_names = [node["name"] for node in nodes if node["kind"] == "hub"]
    others = [node["name"] for node in nodes if node["kind"] != "hub"]

    if len(hub_names) >= 2:
        columns = max(len(hub_names), len(others), 1)
        width = max(MIN_WIDTH, columns * (NODE_WIDTH + 40) + 80)
        height = 460
        positions = {}
        for names, y in ((hub_names, 110), (others, 350)):
            step = width / (len(names) + 1) if names else 0
            for index, name in enumerate(names):
                positions[name] = (round(step * (index + 1), 1), y)
        return width, height, positions

    ring = others if hub_names else hub_names + others
    # An ellipse half again as wide as high, because nodes are wider than high, with
    # enough circumference for a node and a gap each.
    radius = max(MIN_RADIUS, len(ring) * (NODE_WIDTH + 30) / (2 * math.pi * 1.25))
    width = max(MIN_WIDTH, int(3 * radius + NODE_WIDTH + 80))
    height = int(2 * radius + NODE_HEIGHT + 80)
    centre_x, centre_y = width / 2, height / 2
    positions = {}
    if hub_names:
        positions[hub_names[0]] = (round(centre_x, 1), round(centre_y, 1))
        start = -90.0
    else:
        # Without a centre node, turn the ellipse so two nodes sit side by side.
        start = -90.0 + 180.0 / max(len(ring), 1)
    if len(ring) == 1 and not hub_names:
        positions[ring[0]] = (round(centre_x, 1), round(centre_y, 1))
        return width, height, positions
    for index, name in enumerate(ring):
        angle = math.radians(start + 360.0 * index / len(ring))
        positions[name] = (round(centre_x + 1.5 * radius * math.cos(angle), 1), round(centre_y + radius * math.sin(angle), 1))
    return width, height, positions


# -- SVG --------------------------------------------------------------------------------


def render_svg(topology):
    """Render the topology as an inline SVG element (no xmlns needed inside HTML)."""
    nodes = topology["nodes"]
    width, height, positions = layout(nodes)
    parts = [
        '<svg id="topology" role="img" aria-label="VPN topology" width="%d" height="%d" viewBox="0 0 %d %d">' % (width, height, width, height),
        '<rect x="0" y="0" width="%d" height="%d" fill="#fbfcfd" stroke="#d5d9e0"/>' % (width, height),
    ]
    parts.extend(_svg_edges(topology["edges"], positions))
    for node in nodes:
        parts.append(_svg_node(node, positions[node["name"]]))
    parts.append(_svg_legend(topology["edges"], height))
    parts.append("</svg>")
    return "\n".join(parts)


def _svg_edges(edges, positions):
    groups = {}
    for edge in edges:
        groups.setdefault(tuple(sorted((edge["a"], edge["b"]))), []).append(edge)
    lines = []
    labels = []
    for edge in edges:
        group = groups[tuple(sorted((edge["a"], edge["b"])))]
        # Tunnels between the same two firewalls bend apart so each stays visible.
        offset = (group.index(edge) - (len(group) - 1) / 2.0) * 36
        (x1, y1), (x2, y2) = positions[edge["a"]], positions[edge["b"]]
        if (edge["a"], edge["b"]) != tuple(sorted((edge["a"], edge["b"]))):
            offset = -offset
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        control_x = (x1 + x2) / 2 - offset * (y2 - y1) / length
        control_y = (y1 + y2) / 2 + offset * (x2 - x1) / length
        colour = STATE_COLOURS.get(edge["state"], STATE_COLOURS["unknown"])
        dash = ' stroke-dasharray="10 6"' if edge["b_tunnel"] is None else ""
        lines.append(
            '<path class="tunnel state-%s" data-state="%s" d="M %.1f %.1f Q %.1f %.1f %.1f %.1f" fill="none" stroke="%s" stroke-width="6"%s>'
            "<title>%s</title></path>"
            % (_text(edge["state"]), _text(edge["state"]), x1, y1, control_x, control_y, x2, y2, colour, dash, _text(_edge_title(edge)))
        )
        # The label sits at 60% of the way from a to b, where spokes' labels spread out.
        t = 0.6
        label_x = (1 - t) ** 2 * x1 + 2 * (1 - t) * t * control_x + t * t * x2
        label_y = (1 - t) ** 2 * y1 + 2 * (1 - t) * t * control_y + t * t * y2
        text = "%s: %s" % (edge["a_tunnel"], edge["state"])
        box_width = 7 * len(text) + 12
        labels.append(
            '<g class="tunnel-label"><rect x="%.1f" y="%.1f" width="%d" height="18" rx="3" fill="#ffffff" stroke="#d5d9e0"/>'
            '<text x="%.1f" y="%.1f" font-size="12" text-anchor="middle" fill="#1d2430">%s</text></g>'
            % (label_x - box_width / 2, label_y - 9, box_width, label_x, label_y + 4, _text(text))
        )
    return lines + labels


def _edge_title(edge):
    far = "%s %s (%s)" % (edge["b"], edge["b_tunnel"], edge["b_state"]) if edge["b_tunnel"] else "%s, no matching tunnel read" % edge["b"]
    return "%s %s (%s) to %s" % (edge["a"], edge["a_tunnel"], edge["a_state"], far)


def _svg_node(node, position):
    x, y = position
    fill = {"hub": "#dde7f5", "firewall": "#f1f3f6", "external": "#ffffff"}[node["kind"]]
    stroke = "#5b6472"
    extra = ""
    if node["kind"] == "external":
        extra = ' stroke-dasharray="5 4"'
    if node["error"]:
        stroke = "#1d2430"
        extra = ' stroke-dasharray="2 3"'
    return (
        '<g class="node %s" data-name="%s"><title>%s</title>'
        '<rect x="%.1f" y="%.1f" width="%d" height="%d" rx="8" fill="%s" stroke="%s" stroke-width="2"%s/>'
        '<text x="%.1f" y="%.1f" font-size="13" font-weight="bold" text-anchor="middle" fill="#1d2430">%s</text>'
        '<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle" fill="#5b6472">%s</text></g>'
        % (
            _text(node["kind"]), _text(node["name"]), _text(node["error"] or node["name"]),
            x - NODE_WIDTH / 2, y - NODE_HEIGHT / 2, NODE_WIDTH, NODE_HEIGHT, fill, stroke, extra,
            x, y - 3, _text(node["name"]),
            x, y + 13, _text(node["summary"]),
        )
    )


def _svg_legend(edges, height):
    """Draw a legend of the states that occur, with their counts, in the bottom left corner."""
    counts = {}
    for edge in edges:
        counts[edge["state"]] = counts.get(edge["state"], 0) + 1
    items = []
    x = 16
    for state in STATES + ("unknown",):
        if not counts.get(state):
            continue
        items.append(
            '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="6"/>'
            '<text x="%d" y="%d" font-size="12" fill="#1d2430">%s %d</text>'
            % (x, height - 20, x + 24, height - 20, STATE_COLOURS[state], x + 30, height - 16, _text(state), counts[state])
        )
        x += 110
    return '<g class="legend">%s</g>' % "".join(items)


# -- tables -----------------------------------------------------------------------------


def _state_cell(state):
    state = state or "unknown"
    return '<td class="state state-%s" style="background:%s">%s</td>' % (_text(state), STATE_TINTS.get(state, STATE_TINTS["unknown"]), _text(state))


def _phase1_text(tunnel):
    phase1 = tunnel.get("phase1") or {}
    if phase1.get("state") != "up":
        return "down"
    parts = [phase1.get("algorithm"), phase1.get("mode"), phase1.get("role")]
    text = " ".join(str(p) for p in parts if p)
    if phase1.get("expires"):
        text += ", expires %s" % phase1["expires"]
    return text or "up"


def _phase2_text(tunnel):
    phase2 = tunnel.get("phase2") or {}
    sas = [sa for sa in phase2.get("sas") or [] if isinstance(sa, dict)]
    if not sas:
        return "down"
    first = sas[0]
    text = "/".join(str(first.get(k)) for k in ("encryption", "hash", "dh_group") if first.get(k))
    if first.get("remaining") is not None:
        text += ", %ss left" % first["remaining"]
    if len(sas) > 1:
        text += " (%d SAs)" % len(sas)
    return text or "up"


def _monitor_text(monitor):
    if isinstance(monitor, dict):
        return monitor.get("state") or "on"
    return monitor if monitor not in (None, "") else "off"


def _counters_text(counters):
    if not isinstance(counters, dict) or not counters:
        return "none"
    text = "encap %s, decap %s packets" % (counters.get("encap_packets", 0), counters.get("decap_packets", 0))
    names = (("replay_errors", "replay"), ("authentication_errors", "authentication"), ("decryption_errors", "decryption"))
    errors = ["%s %s" % (name, counters[key]) for key, name in names if counters.get(key)]
    if errors:
        text += "; errors: " + ", ".join(errors)
    return text


def _diagnosis_html(tunnel):
    diagnosis = tunnel.get("diagnosis")
    if not isinstance(diagnosis, dict):
        return ""
    parts = [
        "<strong>%s</strong> (phase %s): %s" % (_text(diagnosis.get("cause")), _text(diagnosis.get("phase")), _text(diagnosis.get("message"))),
        "<br>Fix: %s" % _text(diagnosis.get("fix")),
    ]
    evidence = [e for e in diagnosis.get("evidence") or [] if isinstance(e, dict)]
    if evidence:
        parts.append('<ul class="evidence">')
        for event in evidence:
            fields = (event.get("time"), event.get("eventid"), event.get("object"), event.get("message"))
            parts.append("<li>%s %s %s: %s</li>" % tuple(_text(field) for field in fields))
        parts.append("</ul>")
    return "".join(parts)


def _firewall_table(firewalls):
    rows = [
        "<table>",
        "<tr><th>Firewall</th><th>Tunnels up</th><th>Partial</th><th>Down</th><th>CPU</th><th>Memory used</th><th>Audit findings</th><th>Read error</th></tr>",
    ]
    for entry in firewalls:
        summary = (entry.get("info") or {}).get("summary") or {}
        system = (entry.get("info") or {}).get("system") or {}
        cpu = "%s%%" % system["cpu_percent"] if system.get("cpu_percent") is not None else ""
        memory = ""
        if system.get("memory_total_kib") and system.get("memory_used_kib") is not None:
            memory = "%d of %d MiB" % (system["memory_used_kib"] // 1024, system["memory_total_kib"] // 1024)
        audit = entry.get("audit") or {}
        findings = (audit.get("summary") or {}).get("total")
        rows.append(
            "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"error\">%s</td></tr>"
            % (
                _text(entry["name"]), _text(summary.get("up", "")), _text(summary.get("partial", "")), _text(summary.get("down", "")),
                _text(cpu), _text(memory), _text(findings if findings is not None else "not audited"), _text(entry.get("error")),
            )
        )
    rows.append("</table>")
    return "\n".join(rows)


def _status_table(firewalls):
    rows = [
        '<table id="status">',
        "<tr><th>Firewall</th><th>Tunnel</th><th>Peer</th><th>State</th><th>Phase 1</th><th>Phase 2</th>"
        "<th>Monitor</th><th>Counters</th><th>Diagnosis and fix</th></tr>",
    ]
    for entry in firewalls:
        tunnels = _tunnels(entry)
        if not tunnels:
            why = entry.get("error") or "no tunnels configured"
            rows.append('<tr><td>%s</td><td colspan="8">%s</td></tr>' % (_text(entry["name"]), _text(why)))
            continue
        for tunnel in tunnels:
            rows.append(
                '<tr class="tunnel-row" data-firewall="%s" data-tunnel="%s"><td>%s</td><td>%s</td><td>%s</td>%s'
                "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>"
                % (
                    _text(entry["name"]), _text(tunnel.get("name")),
                    _text(entry["name"]), _text(tunnel.get("name")), _text(tunnel.get("peer_address") or "dynamic"),
                    _state_cell(tunnel.get("state")), _text(_phase1_text(tunnel)), _text(_phase2_text(tunnel)),
                    _text(_monitor_text(tunnel.get("monitor"))), _text(_counters_text(tunnel.get("counters"))), _diagnosis_html(tunnel),
                )
            )
    rows.append("</table>")
    return "\n".join(rows)


def _severity_counts(summary):
    spans = []
    for severity in SEVERITIES:
        spans.append(
            '<span class="counts severity-%s" style="background:%s">%s %s</span>'
            % (severity, SEVERITY_TINTS[severity], _text(severity), _text((summary or {}).get(severity, 0)))
        )
    return "".join(spans)


def _audit_section(firewalls):
    parts = []
    for entry in firewalls:
        audit = entry.get("audit")
        parts.append('<h3 id="audit-%s">%s</h3>' % (_text(entry["name"]), _text(entry["name"])))
        if not isinstance(audit, dict) or audit.get("findings") is None:
            parts.append("<p>Not audited%s.</p>" % (": " + _text(entry["error"]) if entry.get("error") else ""))
            continue
        parts.append('<p class="meta">Pack %s. %s</p>' % (_text(audit.get("pack")), _severity_counts(audit.get("summary"))))
        findings = [f for f in audit["findings"] if isinstance(f, dict)]
        if not findings:
            parts.append("<p>No findings.</p>")
            continue
        rows = ['<table class="findings">', "<tr><th>Rule</th><th>Severity</th><th>Object</th><th>Message</th><th>Fix</th></tr>"]
        for finding in findings:
            severity = finding.get("severity")
            rows.append(
                '<tr><td>%s</td><td style="background:%s">%s</td><td>%s</td><td>%s</td><td>%s</td></tr>'
                % (
                    _text(finding.get("rule_id")), SEVERITY_TINTS.get(severity, SEVERITY_TINTS["info"]), _text(severity),
                    _text(finding.get("object")), _text(finding.get("message")), _text(finding.get("fix")),
                )
            )
        rows.append("</table>")
        parts.append("\n".join(rows))
    return "\n".join(parts)


def render_html(firewalls, hubs=(), title="IPsec VPN report", generated=None):
    """Return the whole report as an HTML document.

    ``hubs`` names the firewalls drawn in the centre (one) or in the top row (several).
    ``generated`` is a free text, such as the time of the run, shown under the title.
    """
    firewalls = check_firewalls(firewalls)
    topology = build_topology(firewalls, hubs)
    totals = {state: 0 for state in STATES}
    for entry in firewalls:
        for tunnel in _tunnels(entry):
            if tunnel.get("state") in totals:
                totals[tunnel["state"]] += 1
    meta = "%d firewalls, %d tunnel ends: %s." % (len(firewalls), sum(totals.values()), ", ".join("%d %s" % (totals[s], s) for s in STATES))
    if generated:
        meta = "Generated %s. %s" % (_text(generated), meta)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        "<title>%s</title>" % _text(title),
        "<style>%s</style>" % STYLE,
        "</head>",
        "<body>",
        "<h1>%s</h1>" % _text(title),
        '<p class="meta">%s</p>' % meta,
        "<figure>",
        render_svg(topology),
        "<figcaption>One line per tunnel: green up, amber partial (some proxy IDs without an IPsec SA), red down, "
        "grey not read. A dashed line is a tunnel whose far end was not read or has no tunnel back.</figcaption>",
        "</figure>",
        "<h2>Firewalls</h2>",
        _firewall_table(firewalls),
        "<h2>Tunnels</h2>",
        _status_table(firewalls),
        "<h2>Audit findings</h2>",
        _audit_section(firewalls),
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)
