# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark ipsec.panos against the per-object way on a hub with 10 to 1,000 spokes.

For each size and tool a fresh pansim hub runs four scenarios in order: first_converge
(empty hub), noop_rerun (same config again), one_changed (one spoke's route changed) and
check_mode (``--check`` with one more spoke's proxy ID changed). Each scenario is one
ansible-playbook run, measured for wall-clock seconds, the API requests pansim logged during
it, and peak RSS (bench/measure.py). Profile runs of the vpn module and pansim follow.

Usage: .venv/bin/python bench/run.py [--sizes 10,100,500,1000] [--baseline-sizes 10,100]
Writes bench-results.json, bench-results.md and bench-results.svg (default: the repo root),
prints PASS/FAIL per target and exits 1 when a target fails.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import pstats
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, REPO)

from bench import scenario, svgchart  # noqa: E402  pylint: disable=wrong-import-position

BENCH = os.path.join(REPO, "bench")
PYTHON = sys.executable
VENV_BIN = os.path.dirname(sys.executable)
COLLECTIONS = os.path.join(REPO, "build", "collections")
SCENARIOS = ("first_converge", "noop_rerun", "one_changed", "check_mode")
TOOLS = ("ipsec.panos", "baseline")
PLAYBOOKS = {"ipsec.panos": os.path.join(BENCH, "playbooks", "ipsec_panos.yml"), "baseline": os.path.join(BENCH, "playbooks", "baseline.yml")}
REQUEST_LINE = re.compile(r" device=\S+ client=\S+ admin=\S+ type=(\S+) action=(\"[^\"]*\"|\S+) ")
# Maximum ratio of CPU seconds per object in the first-converge profile runs, largest size
# over smallest. Linear growth gives about 1. Quadratic growth gives the ratio of the sizes,
# which is 10 from 100 to 1,000 spokes.
MAX_PER_OBJECT_GROWTH = 2.0


# -- pansim ---------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Hub:
    """One pansim process with one firewall, the hub, on a free loopback port."""

    def __init__(self, workdir, profile_path=None):
        self.workdir = workdir
        self.password = secrets.token_urlsafe(12)
        self.port = free_port()
        self.log_path = os.path.join(workdir, "pansim.log")
        self.ca_path = os.path.join(workdir, "tls", "ca.pem")
        self.profile_path = profile_path
        self.process = None
        self._key = None

    def start(self):
        devices = os.path.join(self.workdir, "devices.yml")
        with open(devices, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "devices": [
                        {
                            "name": "hub",
                            "port": self.port,
                            "admins": {"admin": self.password},
                            "interfaces": [
                                {
                                    "name": scenario.HUB_INTERFACE,
                                    "ip": scenario.HUB_PUBLIC_IP,
                                    "zone": "untrust",
                                    "virtual_router": scenario.VIRTUAL_ROUTER,
                                    "gateway": scenario.HUB_GATEWAY,
                                }
                            ],
                        }
                    ]
                },
                handle,
            )
        ready = os.path.join(self.workdir, "ready.json")
        options = ["--tls-dir", os.path.join(self.workdir, "tls"), "--devices", devices, "--ready-file", ready, "--log-file", self.log_path]
        if self.profile_path:
            command = [PYTHON, os.path.join(BENCH, "pansim_profile.py"), self.profile_path] + options
        else:
            command = [PYTHON, "-m", "pansim"] + options
        self._output = open(os.path.join(self.workdir, "pansim.out"), "w", encoding="utf-8")
        self.process = subprocess.Popen(command, cwd=REPO, stdout=self._output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not os.path.exists(ready):
            if self.process.poll() is not None:
                raise RuntimeError("pansim exited before it was ready; see %s" % self._output.name)
            if time.monotonic() > deadline:
                raise RuntimeError("pansim was not ready after 30 seconds; see %s" % self._output.name)
            time.sleep(0.05)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._output.close()

    def request_lines(self):
        """Return the request lines pansim has logged so far, as (type, action) pairs."""
        with open(self.log_path, encoding="utf-8") as handle:
            return [(match.group(1), match.group(2).strip('"')) for match in map(REQUEST_LINE.search, handle) if match]

    def api(self, **params):
        """Send one XML API request; used for checks between measured runs only."""
        context = ssl.create_default_context(cafile=self.ca_path)
        url = "https://127.0.0.1:%d/api/" % self.port
        if self._key is None:
            body = urllib.parse.urlencode({"type": "keygen", "user": "admin", "password": self.password}).encode()
            with urllib.request.urlopen(url, data=body, context=context, timeout=60) as reply:
                self._key = ET.fromstring(reply.read()).findtext("result/key")
        params["key"] = self._key
        with urllib.request.urlopen(url, data=urllib.parse.urlencode(params).encode(), context=context, timeout=120) as reply:
            return reply.read().decode()

    def candidate(self):
        return self.api(type="config", action="get", xpath="/config")

    def running_tunnel_count(self):
        xpath = "/config/devices/entry[@name='localhost.localdomain']/network/tunnel/ipsec"
        tree = ET.fromstring(self.api(type="config", action="show", xpath=xpath))
        return len(tree.findall(".//ipsec/entry"))

    @property
    def provider(self):
        return {"host": "127.0.0.1", "port": self.port, "username": "admin", "password": self.password, "ca_path": self.ca_path}


# -- playbook runs --------------------------------------------------------------


def write_inventory(workdir, hub):
    path = os.path.join(workdir, "inventory.json")
    inventory = {
        "all": {
            "hosts": {
                "hub": {
                    "ansible_connection": "local",
                    "ansible_python_interpreter": PYTHON,
                    "panos_provider": {
                        "host": "127.0.0.1",
                        "port": hub.port,
                        "username": "admin",
                        "password": "{{ lookup('ansible.builtin.env', 'PANOS_PASSWORD') }}",
                        "ca_path": hub.ca_path,
                    },
                }
            }
        }
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(inventory, handle)
    return path


def write_private_json(path, document):
    """Write a JSON file only this user can read, because benchmark configs carry the pre-shared key."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle)


def scenario_config(spokes, name, psk):
    """Return the vpn config that ``name`` applies: one_changed moves spoke 1's route, check_mode also spoke 2's proxy ID."""
    route_override = {1: "10.250.1.0/24"} if name in ("one_changed", "check_mode") else None
    proxy_override = {2: "10.2.0.0/16"} if name == "check_mode" and spokes >= 2 else None
    return scenario.build_vpn_config(spokes, psk, route_override=route_override, proxy_override=proxy_override)


def parse_recap(text):
    for line in text.splitlines():
        if line.startswith("hub") and "ok=" in line:
            return {key: int(value) for key, value in (pair.split("=") for pair in line.split(":", 1)[1].split())}
    return {}


def run_playbook(workdir, hub, tool, label, variables, check_mode):
    """Run one measured ansible-playbook and return its measurements and request counts."""
    vars_path = os.path.join(workdir, "%s.vars.json" % label)
    write_private_json(vars_path, variables)
    inventory = write_inventory(workdir, hub)
    command = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", inventory, PLAYBOOKS[tool], "-e", "@" + vars_path]
    if check_mode:
        command.append("--check")
    environment = dict(os.environ)
    environment.update(
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
        ANSIBLE_LIBRARY=os.path.join(BENCH, "library"),
        ANSIBLE_NOCOLOR="1",
        PANOS_PASSWORD=hub.password,
        PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""),
    )
    result_path = os.path.join(workdir, "%s.measure.json" % label)
    output_path = os.path.join(workdir, "%s.out" % label)

    before = len(hub.request_lines())
    subprocess.run([PYTHON, os.path.join(BENCH, "measure.py"), result_path, output_path, "--"] + command, cwd=REPO, env=environment, check=True)
    # pansim writes the log line after the reply, so give the last line a moment to land.
    time.sleep(0.3)
    requests = hub.request_lines()[before:]

    with open(result_path, encoding="utf-8") as handle:
        measured = json.load(handle)
    with open(output_path, encoding="utf-8") as handle:
        output = handle.read()
    os.unlink(vars_path)
    if measured["returncode"] != 0:
        raise RuntimeError("%s %s failed (rc %d); see %s" % (tool, label, measured["returncode"], output_path))
    polls = sum(1 for kind, action in requests if kind == "op" and action.startswith("show jobs"))
    return {
        "seconds": round(measured["seconds"], 2),
        "api_requests": len(requests),
        "commit_polls": polls,
        "peak_rss_mb": round(measured["peak_rss_mb"], 1),
        "changed_tasks": parse_recap(output).get("changed"),
        "requests_by_kind": dict(collections.Counter("%s %s" % pair for pair in requests)),
    }


def run_tool(spokes, tool, workroot, scenarios=SCENARIOS):
    """Start a fresh hub and run ``scenarios`` of ``tool`` at ``spokes`` spokes, in order."""
    workdir = tempfile.mkdtemp(prefix="%s-%d-" % (tool.replace(".", "-"), spokes), dir=workroot)
    os.chmod(workdir, 0o700)
    psk = "bench-" + secrets.token_hex(8)
    hub = Hub(workdir).start()
    rows = []
    try:
        for name in scenarios:
            config = scenario_config(spokes, name, psk)
            if tool == "ipsec.panos":
                variables = {"bench_config": config}
            else:
                variables = {"bench_objects": scenario.build_baseline_objects(config)}
            check_mode = name == "check_mode"
            candidate_before = hub.candidate() if check_mode else None
            print("bench: %s n=%d %s ..." % (tool, spokes, name), flush=True)
            row = {"n": spokes, "scenario": name, "tool": tool, "objects": scenario.count_objects(config)}
            row.update(run_playbook(workdir, hub, tool, name, variables, check_mode))
            row["verified"] = verify(hub, spokes, name, row, candidate_before, psk)
            print(
                "bench: %s n=%d %s: %.2f s, %d requests, %.0f MB, %s"
                % (tool, spokes, name, row["seconds"], row["api_requests"], row["peak_rss_mb"], row["verified"]),
                flush=True,
            )
            rows.append(row)
    finally:
        hub.stop()
    if psk in open(hub.log_path, encoding="utf-8").read():
        raise RuntimeError("the pre-shared key appears in the pansim log %s" % hub.log_path)
    shutil.rmtree(workdir)
    return rows


def verify(hub, spokes, name, row, candidate_before, psk):
    """Check that a run did what its scenario means, and return a short description of what was checked."""
    if name == "first_converge":
        tunnels = hub.running_tunnel_count()
        if tunnels != spokes:
            raise RuntimeError("after %s %s the running config has %d IPsec tunnels, expected %d" % (row["tool"], name, tunnels, spokes))
        return "running config has %d tunnels" % tunnels
    if name == "noop_rerun":
        if row["tool"] == "ipsec.panos" and row["changed_tasks"] != 0:
            raise RuntimeError("ipsec.panos noop_rerun at n=%d reported %s changed tasks" % (spokes, row["changed_tasks"]))
        return "changed=%s" % row["changed_tasks"]
    if name == "check_mode":
        if hub.candidate() != candidate_before:
            raise RuntimeError("%s check_mode at n=%d changed the candidate config" % (row["tool"], spokes))
        return "candidate config unchanged, changed=%s" % row["changed_tasks"]
    if not row["changed_tasks"]:
        raise RuntimeError("%s one_changed at n=%d reported no change" % (row["tool"], spokes))
    return "changed=%s" % row["changed_tasks"]


# -- profiles -------------------------------------------------------------------


def profile_first_converge(spokes, workroot):
    """Run the vpn module once, outside Ansible, under cProfile against a profiled pansim.

    Returns the module's and pansim's profile statistics and the module's wall-clock seconds.
    """
    workdir = tempfile.mkdtemp(prefix="profile-%d-" % spokes, dir=workroot)
    os.chmod(workdir, 0o700)
    pansim_profile = os.path.join(workdir, "pansim.pstats")
    engine_profile = os.path.join(workdir, "engine.pstats")
    hub = Hub(workdir, profile_path=pansim_profile).start()
    try:
        config = scenario.build_vpn_config(spokes, "bench-" + secrets.token_hex(8))
        arguments = {"ANSIBLE_MODULE_ARGS": {"config": config, "virtual_router": scenario.VIRTUAL_ROUTER, "state": "merged", "provider": hub.provider}}
        args_path = os.path.join(workdir, "args.json")
        write_private_json(args_path, arguments)
        environment = dict(os.environ, PYTHONPATH=COLLECTIONS)
        command = [PYTHON, os.path.join(BENCH, "profile_module.py"), engine_profile, "ansible_collections.ipsec.panos.plugins.modules.vpn", args_path]
        start = time.monotonic()
        completed = subprocess.run(command, cwd=workdir, env=environment, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - start
        os.unlink(args_path)
        reply = json.loads(completed.stdout)
        if reply.get("failed") or not reply.get("changed"):
            raise RuntimeError("profiled vpn module run at n=%d did not converge: %s" % (spokes, reply.get("msg")))
    finally:
        hub.stop()
    return {"spokes": spokes, "objects": scenario.count_objects(config), "seconds": seconds, "engine": engine_profile, "pansim": pansim_profile}


def top_functions(path, count=15):
    """Return the ``count`` functions with the most cumulative time as table rows.

    Import machinery, runpy and ``exec`` frames are left out, because they enclose every other frame.
    """
    stats = pstats.Stats(path)
    rows = []
    for function, (_calls, primitive, own, cumulative, _callers) in sorted(stats.stats.items(), key=lambda item: item[1][3], reverse=True):
        filename, line, name = function
        if filename.startswith("<frozen") or name in ("<module>", "<built-in method builtins.exec>", "<built-in method builtins.__import__>"):
            continue
        location = name if filename == "~" else "%s:%d(%s)" % (short_path(filename), line, name)
        rows.append({"function": location, "calls": primitive, "own_seconds": round(own, 3), "cumulative_seconds": round(cumulative, 3)})
        if len(rows) == count:
            break
    return rows


def cumulative_seconds(path, filename_suffix, name):
    """Return the cumulative time of the function ``name`` defined in a file ending with ``filename_suffix``."""
    stats = pstats.Stats(path)
    return sum(values[3] for (filename, _line, function), values in stats.stats.items() if filename.endswith(filename_suffix) and function == name)


def short_path(filename):
    """Shorten a profiled file name to its path inside site-packages, the collection, pansim or the standard library."""
    for marker in ("site-packages/", "ansible_collections/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    if "/pansim/" in filename:
        return "pansim/" + filename.split("/pansim/", 1)[1]
    return re.sub(r".*/lib/python3\.\d+/", "", filename)


# -- targets and output ---------------------------------------------------------


def row_for(rows, n, scenario_name, tool):
    for row in rows:
        if (row["n"], row["scenario"], row["tool"]) == (n, scenario_name, tool):
            return row
    return None


def check_targets(rows, profiles):
    """Return (passed, line) pairs, one per target. ``passed`` is None for a target whose sizes were not run."""
    results = []
    sizes = sorted({row["n"] for row in rows if row["tool"] == "ipsec.panos"})

    # 1. Requests per ipsec.panos play do not grow with N; commit polls depend on timing, so they are counted apart.
    details = []
    constant = True
    for name in SCENARIOS:
        counts = {row["n"]: row["api_requests"] - row["commit_polls"] for row in rows if row["tool"] == "ipsec.panos" and row["scenario"] == name}
        polls = sorted({row["commit_polls"] for row in rows if row["tool"] == "ipsec.panos" and row["scenario"] == name})
        constant &= len(set(counts.values())) == 1
        details.append("%s %s + %s commit polls" % (name, "/".join(str(counts[n]) for n in sorted(counts)), "/".join(map(str, polls))))
    results.append((constant, "API requests per ipsec.panos play do not depend on N (at N=%s): %s" % ("/".join(map(str, sizes)), "; ".join(details))))

    # 2. At N=100 the first converge is at least 20x faster than the baseline.
    ours, theirs = row_for(rows, 100, "first_converge", "ipsec.panos"), row_for(rows, 100, "first_converge", "baseline")
    if ours and theirs:
        speedup = theirs["seconds"] / ours["seconds"]
        results.append(
            (
                speedup >= 20,
                "first converge at N=100 is %.1fx faster than the baseline (%.1f s vs %.1f s; target 20x)" % (speedup, ours["seconds"], theirs["seconds"]),
            )
        )
    else:
        results.append((None, "first converge at N=100 vs baseline: not run"))

    # 3. A no-op rerun at N=1,000 takes at most 3x the rerun at N=10.
    small, large = row_for(rows, 10, "noop_rerun", "ipsec.panos"), row_for(rows, 1000, "noop_rerun", "ipsec.panos")
    if small and large:
        ratio = large["seconds"] / small["seconds"]
        results.append(
            (
                ratio <= 3,
                "no-op rerun at N=1000 takes %.2fx the rerun at N=10 (%.1f s vs %.1f s; target at most 3x)" % (ratio, large["seconds"], small["seconds"]),
            )
        )
    else:
        results.append((None, "no-op rerun at N=1000 vs N=10: not run"))

    # 4. Peak memory under 500 MB at N=1,000.
    largest = [row for row in rows if row["n"] == 1000 and row["tool"] == "ipsec.panos"]
    if largest:
        peak = max(row["peak_rss_mb"] for row in largest)
        results.append((peak < 500, "peak RSS of the ansible-playbook process tree at N=1000 is %.0f MB (target under 500 MB)" % peak))
    else:
        results.append((None, "peak memory at N=1000: not run"))

    # 5. pansim and the engine grow about linearly: per-object time at the largest profiled size
    #    is at most MAX_PER_OBJECT_GROWTH times the per-object time at the smallest.
    if len(profiles) >= 2:
        low, high = profiles[0], profiles[-1]
        for part in ("pansim", "engine"):
            low_per_object = low["%s_seconds" % part] / low["objects"]
            high_per_object = high["%s_seconds" % part] / high["objects"]
            growth = high_per_object / low_per_object
            results.append(
                (
                    growth <= MAX_PER_OBJECT_GROWTH,
                    "%s CPU time per object grows %.2fx from N=%d to N=%d (%.2f s to %.2f s in total; target at most %.1fx, quadratic would be %dx)"
                    % (
                        part,
                        growth,
                        low["spokes"],
                        high["spokes"],
                        low["%s_seconds" % part],
                        high["%s_seconds" % part],
                        MAX_PER_OBJECT_GROWTH,
                        high["spokes"] // low["spokes"],
                    ),
                )
            )
    else:
        results.append((None, "pansim and engine growth: needs profile runs at two sizes"))
    return results


def per_object_seconds(rows, tool, name):
    """Return the mean seconds per object of ``tool`` in scenario ``name`` at its largest N."""
    matching = [row for row in rows if row["tool"] == tool and row["scenario"] == name]
    if not matching:
        return None
    row = max(matching, key=lambda item: item["n"])
    return row["seconds"] / row["objects"], row["n"]


def write_outputs(rows, profiles, targets, output_dir, baseline_sizes, sizes):
    fields = ("n", "scenario", "tool", "seconds", "api_requests", "peak_rss_mb")
    record = [
        dict(
            {key: row[key] for key in fields},
            objects=row["objects"],
            commit_polls=row["commit_polls"],
            changed_tasks=row["changed_tasks"],
            verified=row["verified"],
            requests_by_kind=row["requests_by_kind"],
        )
        for row in rows
    ]
    with open(os.path.join(output_dir, "bench-results.json"), "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=1)
        handle.write("\n")

    series = {}
    for row in rows:
        if row["scenario"] in ("first_converge", "noop_rerun") or row["tool"] == "ipsec.panos":
            series.setdefault("%s %s" % (row["tool"], row["scenario"]), []).append((row["n"], row["seconds"]))
    # Baseline series go last so that their legend entries are grouped.
    ordered = dict(sorted(series.items(), key=lambda item: (item[0].startswith("baseline"), item[0])))
    with open(os.path.join(output_dir, "bench-results.svg"), "w", encoding="utf-8") as handle:
        handle.write(svgchart.render_loglog("ansible-playbook wall-clock seconds against spokes on the hub", "spokes (N)", "seconds", ordered))

    lines = [
        "# Benchmark results",
        "",
        "Written by `bench/run.py --sizes %s --baseline-sizes %s` on %s. See docs/benchmarks.md for the method."
        % (",".join(map(str, sizes)), format_baseline_sizes(baseline_sizes), time.strftime("%Y-%m-%d %H:%M %Z")),
        "",
        "![seconds against N](bench-results.svg)",
        "",
        "| N | scenario | tool | objects | seconds | API requests | commit polls | peak RSS MB | check |",
        "|---:|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        lines.append(
            "| %d | %s | %s | %d | %.2f | %d | %d | %.0f | %s |"
            % (
                row["n"],
                row["scenario"],
                row["tool"],
                row["objects"],
                row["seconds"],
                row["api_requests"],
                row["commit_polls"],
                row["peak_rss_mb"],
                row["verified"],
            )
        )
    baseline_rate = per_object_seconds(rows, "baseline", "first_converge")
    if baseline_rate:
        skipped = [n for n in sizes if n not in baseline_sizes]
        if skipped:
            lines += [
                "",
                "The baseline was not run at N=%s because it takes too long. Its first converge took %.2f s per object at N=%d, "
                "so N=%d (%d objects) would take about %.0f minutes per scenario (an estimate)."
                % (
                    ", ".join(map(str, skipped)),
                    baseline_rate[0],
                    baseline_rate[1],
                    max(skipped),
                    scenario.count_objects(scenario.build_vpn_config(max(skipped), "x")),
                    baseline_rate[0] * scenario.count_objects(scenario.build_vpn_config(max(skipped), "x")) / 60,
                ),
            ]
    lines += ["", "## Targets", ""]
    lines += ["- %s %s" % (target_word(passed), text) for passed, text in targets]
    for profile in profiles:
        lines += ["", "## Profile of the first converge at N=%d (%d objects)" % (profile["spokes"], profile["objects"]), ""]
        lines.append(
            "vpn module run outside Ansible: %.2f s wall clock; CPU time in the module's main() %.2f s; CPU time in pansim's request handling %.2f s."
            % (profile["seconds"], profile["engine_seconds"], profile["pansim_seconds"])
        )
        for part in ("engine", "pansim"):
            lines += ["", "%s, top functions by cumulative time:" % part, "", "| function | calls | own s | cumulative s |", "|---|---:|---:|---:|"]
            lines += [
                "| `%s` | %d | %.3f | %.3f |" % (item["function"], item["calls"], item["own_seconds"], item["cumulative_seconds"])
                for item in profile["%s_top" % part]
            ]
    with open(os.path.join(output_dir, "bench-results.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def format_baseline_sizes(baseline_sizes):
    return ",".join(str(size) if names == SCENARIOS else "%d:%s" % (size, "+".join(names)) for size, names in sorted(baseline_sizes.items()))


def target_word(passed):
    return {True: "PASS", False: "FAIL", None: "SKIP"}[passed]


def parse_baseline_sizes(text):
    """Parse ``10,100:first_converge+noop_rerun`` into {size: scenarios}; a size alone runs every scenario."""
    plan = {}
    for part in (part.strip() for part in text.split(",")):
        if not part:
            continue
        size_text, _separator, names_text = part.partition(":")
        names = tuple(names_text.split("+")) if names_text else SCENARIOS
        unknown = [name for name in names if name not in SCENARIOS]
        if unknown:
            raise argparse.ArgumentTypeError("unknown scenario %s; use %s" % (", ".join(unknown), ", ".join(SCENARIOS)))
        if names != SCENARIOS[: len(names)]:
            raise argparse.ArgumentTypeError("%s: baseline scenarios run in order, so give a prefix of %s" % (part, "+".join(SCENARIOS)))
        plan[parse_sizes(size_text)[0]] = names
    return plan


def parse_sizes(text):
    sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    for size in sizes:
        if not 1 <= size <= scenario.MAX_SPOKES:
            raise argparse.ArgumentTypeError("size %d is outside 1 to %d" % (size, scenario.MAX_SPOKES))
    return sizes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument(
        "--sizes", type=parse_sizes, default=[10, 100, 500, 1000], help="spoke counts to run ipsec.panos at, comma-separated (default: 10,100,500,1000)"
    )
    parser.add_argument(
        "--baseline-sizes",
        type=parse_baseline_sizes,
        default={10: SCENARIOS, 100: SCENARIOS},
        help="spoke counts to also run the per-object baseline at, each optionally with ':' and the first scenarios joined by '+' "
        "(10,100:first_converge+noop_rerun); default: 10,100 with every scenario",
    )
    parser.add_argument("--profile-sizes", type=parse_sizes, default=None, help="spoke counts for the cProfile runs (default: 100 and the largest size)")
    parser.add_argument("--output-dir", default=REPO, help="directory for bench-results.json, .md and .svg (default: the repo root)")
    parser.add_argument("--workdir", default=None, help="directory for pansim and playbook files (default: a new temporary directory, removed at the end)")
    args = parser.parse_args(argv)

    baseline_sizes = {size: names for size, names in args.baseline_sizes.items() if size in args.sizes}
    profile_sizes = args.profile_sizes or sorted({min(100, max(args.sizes)), max(args.sizes)})
    workroot = args.workdir or tempfile.mkdtemp(prefix="ipsec-panos-bench-")
    os.makedirs(workroot, exist_ok=True)
    os.makedirs(args.output_dir, exist_ok=True)

    rows = []
    for spokes in args.sizes:
        rows += run_tool(spokes, "ipsec.panos", workroot)
        if spokes in baseline_sizes:
            rows += run_tool(spokes, "baseline", workroot, baseline_sizes[spokes])

    profiles = []
    for spokes in profile_sizes:
        print("bench: profiling the first converge at n=%d ..." % spokes, flush=True)
        profile = profile_first_converge(spokes, workroot)
        profile["engine_top"] = top_functions(profile["engine"])
        profile["pansim_top"] = top_functions(profile["pansim"])
        # The module's main() leaves out the imports, which cost the same at every N.
        profile["engine_seconds"] = cumulative_seconds(profile["engine"], "plugins/modules/vpn.py", "main")
        profile["pansim_seconds"] = cumulative_seconds(profile["pansim"], "pansim/api.py", "handle_request")
        profiles.append(profile)

    targets = check_targets(rows, profiles)
    write_outputs(rows, profiles, targets, args.output_dir, baseline_sizes, args.sizes)
    if not args.workdir:
        shutil.rmtree(workroot, ignore_errors=True)

    print()
    for passed, text in targets:
        print("%s %s" % (target_word(passed), text))
    return 1 if any(passed is False for passed, _message in targets) else 0


if __name__ == "__main__":
    sys.exit(main())
