"""The vpn_report role on the hub-and-spoke example, with one tunnel broken, seen in headless Chromium."""

import os
import re
import secrets
import struct
import subprocess
import zlib

import pytest

from conftest import REPO, free_port, make_inventory, run_playbook, start_demo_devices

BUILD = os.path.join(REPO, "playbooks", "hub_and_spoke.yml")
REPORT = os.path.join(REPO, "playbooks", "vpn_report.yml")
INSTALL_CHROMIUM = os.path.join(REPO, "scripts", "install-chromium.sh")
CHROMIUM = "/usr/bin/chromium"
DEVICE_ROOT = "/config/devices/entry[@name='localhost.localdomain']"
GREEN = (0x2E, 0x7D, 0x32)
RED = (0xC6, 0x28, 0x28)
SHOT_SIZE = (1400, 1000)


@pytest.fixture(scope="module")
def marker():
    return "PSKMARKER-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def built(tmp_path_factory, password, marker):
    """The example VPN with branch2's key changed, so the hub-branch2 tunnel is down."""
    sim = start_demo_devices(tmp_path_factory, password, "vpnreport")
    inventory = make_inventory(tmp_path_factory.mktemp("inventory"), sim)
    run = run_playbook(BUILD, inventory, sim, marker)
    assert run.returncode == 0, run.output

    key_path = DEVICE_ROOT + "/network/ike/gateway/entry[@name='gw-hub']/authentication/pre-shared-key"
    sim.set("branch2", key_path, "<key>%s-other</key>" % marker)
    reply = sim.api("branch2", type="commit", cmd="<commit></commit>")
    assert 'status="success"' in reply, reply
    yield sim, inventory
    sim.stop()


@pytest.fixture(scope="module")
def report(built, marker, tmp_path_factory):
    """Run playbooks/vpn_report.yml once, starting negotiations, and return the run and the HTML."""
    sim, inventory = built
    output = os.path.join(str(tmp_path_factory.mktemp("report")), "vpn-report.html")
    variables = ["-e", "vpn_report_output=%s" % output, "-e", "vpn_report_initiate=true", "-e", "vpn_report_initiate_wait=1"]
    run = run_playbook(REPORT, inventory, sim, marker, *variables)
    html = None
    if os.path.exists(output):
        with open(output, encoding="utf-8") as handle:
            html = handle.read()
    return run, output, html


def tunnel_paths(html):
    """Return (state, stroke colour, title) for every tunnel edge of the SVG."""
    return re.findall(r'<path class="tunnel state-(\w+)"[^>]*stroke="(#[0-9a-f]{6})"[^>]*><title>([^<]*)</title>', html)


def test_report_written(report, marker):
    run, output, html = report
    assert run.returncode == 0, run.output
    assert html is not None, "%s was not written" % output
    assert "%s: 4 up, 0 partial, 2 down tunnel ends" % output in run.output
    assert marker not in run.output
    assert marker not in html


def test_report_one_svg(report):
    _run, _output, html = report
    assert html.count("<svg") == 1
    assert html.count("</svg>") == 1


def test_report_tunnel_colours(report):
    _run, _output, html = report
    edges = tunnel_paths(html)
    assert len(edges) == 3, edges
    by_spoke = {}
    for state, colour, title in edges:
        spoke = re.search(r"\bto (branch\d)\b", title).group(1)
        by_spoke[spoke] = (state, colour, title)
    assert sorted(by_spoke) == ["branch1", "branch2", "branch3"]
    assert by_spoke["branch1"][:2] == ("up", "#2e7d32")
    assert by_spoke["branch3"][:2] == ("up", "#2e7d32")
    assert by_spoke["branch2"][:2] == ("down", "#c62828")
    # Both ends were read and paired: the hub's vpn-branch2 with branch2's vpn-hub.
    assert "hub vpn-branch2 (down) to branch2 vpn-hub (down)" in by_spoke["branch2"][2]


def test_report_down_tunnel_diagnosed(report):
    _run, _output, html = report
    rows = re.findall(r'<tr class="tunnel-row" data-firewall="([^"]+)" data-tunnel="([^"]+)">(.*?)</tr>', html, re.S)
    assert len(rows) == 6, [row[:2] for row in rows]
    down = {(firewall, tunnel): body for firewall, tunnel, body in rows if "state-down" in body}
    assert sorted(down) == [("branch2", "vpn-hub"), ("hub", "vpn-branch2")]
    for body in down.values():
        assert "psk_mismatch" in body
        assert "Fix: write the same pre_shared_key to both gateways" in body
        assert '<ul class="evidence">' in body
    up_rows = [body for firewall, tunnel, body in rows if (firewall, tunnel) not in down]
    assert all("state-up" in body and "psk_mismatch" not in body for body in up_rows)


def test_report_audit_findings(report):
    _run, _output, html = report
    audit = html.split("<h2>Audit findings</h2>", 1)[1]
    sections = re.split(r'<h3 id="audit-([^"]+)">', audit)[1:]
    by_firewall = dict(zip(sections[::2], sections[1::2]))
    assert sorted(by_firewall) == ["branch1", "branch2", "branch3", "hub"]
    for firewall, section in by_firewall.items():
        assert "Pack baseline." in section, firewall
        rules = re.findall(r"<tr><td>(VPN-[A-Z]{3}-\d{3})</td><td[^>]*>(\w+)</td>", section)
        assert rules, "no findings for %s" % firewall
        # The severity counts above the table agree with its rows.
        for severity in ("critical", "high", "medium", "low", "info"):
            shown = re.search(r'<span class="counts severity-%s"[^>]*>%s (\d+)</span>' % (severity, severity), section)
            assert int(shown.group(1)) == sum(1 for _rule, found in rules if found == severity), (firewall, severity)
    # This example has no security rule for the VPN zone, so every firewall must get VPN-POL-004.
    assert all("VPN-POL-004" in section for section in by_firewall.values())


def test_report_self_contained(report):
    _run, _output, html = report
    for needle in ("<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import", "http://", "https://"):
        assert needle not in html.lower(), needle


def test_report_check_mode(built, marker, tmp_path):
    sim, inventory = built
    before = {name: (sim.candidate(name), sim.running(name)) for name in sim.devices}
    output = os.path.join(str(tmp_path), "check.html")
    run = run_playbook(REPORT, inventory, sim, marker, "--check", "-e", "vpn_report_output=%s" % output, "-e", "vpn_report_initiate=true")
    assert run.returncode == 0, run.output
    assert os.path.exists(output)
    for name in sim.devices:
        assert (sim.candidate(name), sim.running(name)) == before[name], name
    assert marker not in run.output


def test_report_keeps_unreadable_firewall(built, marker, tmp_path):
    """A firewall that cannot be reached is shown with its error, and the others are reported."""
    sim, inventory = built
    host_vars = os.path.join(inventory, "host_vars", "branch3.yml")
    with open(host_vars, encoding="utf-8") as handle:
        saved = handle.read()
    closed_port = free_port()
    output = os.path.join(str(tmp_path), "partial.html")
    try:
        with open(host_vars, "w", encoding="utf-8") as handle:
            handle.write("pansim_port: %d\n" % closed_port)
        run = run_playbook(REPORT, inventory, sim, marker, "-e", "vpn_report_output=%s" % output, env={"PANOS_RETRIES": "0", "PANOS_TIMEOUT": "5"})
    finally:
        with open(host_vars, "w", encoding="utf-8") as handle:
            handle.write(saved)
    assert run.returncode == 0, run.output
    assert "firewalls not read: branch3" in run.output
    with open(output, encoding="utf-8") as handle:
        html = handle.read()
    assert '<g class="node firewall" data-name="branch3"><title>Read the state of every tunnel: ' in html
    edges = tunnel_paths(html)
    assert len(edges) == 3
    # The hub's end of the branch3 tunnel is still drawn, dashed, since branch3's end was not read.
    assert any("hub vpn-branch3" in title and "branch3, no matching tunnel read" in title for _s, _c, title in edges)


# -- the screenshot --------------------------------------------------------------------------------


def ensure_chromium():
    """Return the Chromium path, installing Debian's package as root when it is missing."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.geteuid() != 0:
        pytest.skip("%s is missing and cannot be installed: apt-get needs root, and the tests run as uid %d" % (CHROMIUM, os.geteuid()))
    completed = subprocess.run(["bash", INSTALL_CHROMIUM], capture_output=True, text=True, timeout=900, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert os.path.exists(CHROMIUM), "scripts/install-chromium.sh ran as root but %s is still missing: %s" % (CHROMIUM, completed.stderr)
    return CHROMIUM


def read_png(path):
    """Decode an 8-bit RGB or RGBA PNG with zlib; return (width, height, rows of (r, g, b) tuples)."""
    with open(path, "rb") as handle:
        data = handle.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"

    position = 8
    chunks = {}
    idat = b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, "bad CRC in chunk %r" % kind
        if kind == b"IDAT":
            idat += body
        else:
            chunks[kind] = body
        position += 12 + length
    assert b"IEND" in chunks

    width, height, depth, colour_type, _compression, _filter, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8, "bit depth %d" % depth
    assert colour_type in (2, 6), "colour type %d is not RGB or RGBA" % colour_type
    assert interlace == 0, "interlaced PNG"
    channels = 3 if colour_type == 2 else 4
    stride = width * channels
    raw = zlib.decompress(idat)
    assert len(raw) == height * (stride + 1)

    rows = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            upper_left = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - upper_left
                distances = (abs(estimate - left), abs(estimate - up), abs(estimate - upper_left))
                predictor = (left, up, upper_left)[distances.index(min(distances))]
                line[x] = (line[x] + predictor) & 0xFF
            else:
                assert kind == 0, "unknown PNG filter %d" % kind
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, channels)])
        previous = line
    return width, height, rows


def count_colour(rows, colour, tolerance=6):
    return sum(1 for row in rows for pixel in row if all(abs(a - b) <= tolerance for a, b in zip(pixel, colour)))


def test_report_screenshot(report, tmp_path):
    _run, output, html = report
    assert html is not None
    chromium = ensure_chromium()
    profile = tmp_path / "profile"
    shot = tmp_path / "shot.png"
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=%s" % profile, "--screenshot=%s" % shot, "--window-size=%d,%d" % SHOT_SIZE, "file://%s" % output,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert shot.exists(), completed.stdout + completed.stderr
    width, height, rows = read_png(str(shot))
    assert (width, height) == SHOT_SIZE

    # The picture comes first on the page, so the upper part of the shot is the topology.
    topology = rows[: height * 3 // 4]
    assert len({pixel for row in topology for pixel in row}) > 50, "the topology area is blank"
    # Each tunnel line shows 6 px wide over 100 px or more, more than the 24 x 6 px legend swatch of its state.
    assert count_colour(topology, GREEN) > 600, "no green (up) tunnel line in the topology"
    assert count_colour(topology, RED) > 400, "no red (down) tunnel line in the topology"
