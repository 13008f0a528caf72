# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Two strongSwan daemons in two network namespaces, negotiating one tunnel.

Per tunnel the runner creates two namespaces joined by a veth pair that carries the two
outside addresses, puts an address of each protected subnet on each namespace's ``lo``,
starts one charon per namespace with its own /run (``unshare -m``), configuration, control
socket and log, loads both files, waits for the result, forces one CHILD_SA rekey over IKEv2
(the first exchange that uses the PFS group) and sends one UDP datagram between the
protected subnets.

Everything it creates is named ``panos-rehearse-<pid>-...`` (veths ``pr<pid>-...``), and
``cleanup`` removes all of it: daemons, namespaces, veths and the private temporary
directory with the key files. A later run also removes namespaces whose creating process is
gone, which covers a run killed with SIGKILL.
"""

from __future__ import annotations

import ctypes
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from ansible_collections.ipsec.panos.plugins.module_utils._rehearse import render

CHARON = "/usr/lib/ipsec/charon"
NAMESPACE_PREFIX = "panos-rehearse-"
REQUIRED = (
    ("strongswan-charon", CHARON),
    ("strongswan-swanctl", "/usr/sbin/swanctl"),
    ("libcharon-extra-plugins", "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so"),
    ("iproute2", "/usr/bin/ip"),
    ("util-linux", "/usr/bin/unshare"),
)
PR_SET_PDEATHSIG = 1
# Synthetic protected addresses for tunnels whose selectors are 0.0.0.0/0 and whose
# protected networks are unknown: the benchmarking range of RFC 2544.
SYNTHETIC = ("198.18.0.1", "198.19.0.1")


class RehearsalError(Exception):
    """The rehearsal could not run at all (missing packages, no root, no namespaces)."""


class Interrupted(BaseException):
    """The process got SIGTERM or SIGINT during a rehearsal."""


def missing_requirements():
    """Return the Debian packages whose files are missing."""
    missing = []
    for package, path in REQUIRED:
        found = os.path.exists(path) or (path.startswith("/usr/") and os.path.exists(path.replace("/usr/", "/", 1)))
        if not found and not shutil.which(os.path.basename(path)):
            missing.append(package)
    return missing


def check_requirements():
    if os.geteuid() != 0:
        raise RehearsalError("the rehearsal must run as root, to create network namespaces and start charon; run the task with become: true")
    missing = missing_requirements()
    if missing:
        raise RehearsalError("missing packages: %s; install with: apt-get install %s" % (", ".join(missing), " ".join(missing)))


def _set_parent_death_signal():
    # Stop the daemon when the process that started it dies, even by SIGKILL.
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _ip(*args, check=True):
    completed = subprocess.run(("ip",) + args, capture_output=True, text=True, timeout=30, check=False)
    if check and completed.returncode != 0:
        raise RehearsalError("ip %s failed: %s" % (" ".join(args), completed.stderr.strip()))
    return completed.stdout


def our_namespaces(pid=None):
    """Return the namespaces of rehearsals, of process ``pid`` only when given."""
    names = []
    for line in _ip("netns", "list", check=False).splitlines():
        name = line.split()[0] if line.split() else ""
        if name.startswith(NAMESPACE_PREFIX) and (pid is None or name.startswith("%s%d-" % (NAMESPACE_PREFIX, pid))):
            names.append(name)
    return names


def _kill_namespace(name):
    """Stop every process in a namespace, then delete it (which also deletes its veth)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = [int(p) for p in _ip("netns", "pids", name, check=False).split() if p.isdigit()]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and _ip("netns", "pids", name, check=False).split():
            time.sleep(0.05)
    _ip("netns", "delete", name, check=False)


def remove_stale_namespaces():
    """Delete the namespaces and temporary directories left by a rehearsal whose process no longer exists."""
    for name in our_namespaces():
        match = re.match(r"%s(\d+)-" % re.escape(NAMESPACE_PREFIX), name)
        if match and not os.path.exists("/proc/%s" % match.group(1)):
            _kill_namespace(name)
    for path in glob.glob(os.path.join(tempfile.gettempdir(), "%s*-*" % NAMESPACE_PREFIX)):
        match = re.match(r"%s(\d+)-" % re.escape(NAMESPACE_PREFIX), os.path.basename(path))
        if match and os.path.isdir(path) and not os.path.exists("/proc/%s" % match.group(1)):
            shutil.rmtree(path, ignore_errors=True)


class Runner:
    """Run rehearsals; use as a context manager so that ``cleanup`` always runs."""

    def __init__(self, timeout=20, log=None):
        self.timeout = timeout
        self.pid = os.getpid()
        self.workdir = None
        self.namespaces = []
        self.processes = []
        self.salt = os.urandom(32)
        self.count = 0
        self._previous_handlers = {}
        self.log = log or (lambda message: None)

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self):
        check_requirements()
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._previous_handlers[sig] = signal.signal(sig, self._interrupt)
        try:
            remove_stale_namespaces()
            # mkdtemp creates the directory with mode 0700.
            self.workdir = tempfile.mkdtemp(prefix="%s%d-" % (NAMESPACE_PREFIX, self.pid))
        except BaseException:
            # __exit__ does not run when __enter__ fails, so clean up here.
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc_info):
        self.cleanup()
        return False

    def _interrupt(self, signum, _frame):
        raise Interrupted("interrupted by %s" % signal.Signals(signum).name)

    def cleanup(self):
        """Stop the daemons, delete the namespaces and veths, and remove the temporary directory."""
        # A second signal must not stop the cleanup half-way.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        try:
            # Also namespaces of this process that a failure stopped before they were recorded.
            self._stop(list(self.namespaces) + [n for n in our_namespaces(self.pid) if n not in self.namespaces])
            if self.workdir and os.path.isdir(self.workdir):
                shutil.rmtree(self.workdir, ignore_errors=True)
        finally:
            for sig, handler in self._previous_handlers.items():
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)

    # -- one tunnel ------------------------------------------------------------------

    def _namespace(self, side):
        name = "%s%d-%d-%s" % (NAMESPACE_PREFIX, self.pid, self.count, side)
        self.namespaces.append(name)
        _ip("netns", "add", name)
        return name

    def _write(self, path, text):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)

    def _network(self, left, right, left_ns, right_ns, left_inside, right_inside):
        left_veth, right_veth = "pr%d-%dl" % (self.pid, self.count), "pr%d-%dr" % (self.pid, self.count)
        # Created inside the namespaces, so no veth ever exists in the host's namespace.
        _ip("link", "add", left_veth, "netns", left_ns, "type", "veth", "peer", "name", right_veth, "netns", right_ns)
        for ns, veth, own, far, inside in (
            (left_ns, left_veth, left.local_address, right.local_address, left_inside),
            (right_ns, right_veth, right.local_address, left.local_address, right_inside),
        ):
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "addr", "add", "%s/32" % own, "dev", veth)
            _ip("-n", ns, "link", "set", veth, "up")
            _ip("-n", ns, "route", "add", "%s/32" % far, "dev", veth)
            for address in sorted(set(inside)):
                _ip("-n", ns, "addr", "add", "%s/32" % address, "dev", "lo", check=False)

    def _start_daemon(self, ns, directory):
        environment = dict(os.environ, STRONGSWAN_CONF=os.path.join(directory, "strongswan.conf"))
        command = ["ip", "netns", "exec", ns, "unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /run && exec %s" % CHARON]
        # The logs are created readable by root only, like the configuration files.
        self._write(os.path.join(directory, "charon.log"), "")
        output = os.fdopen(os.open(os.path.join(directory, "charon.out"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8")
        try:
            process = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT, preexec_fn=_set_parent_death_signal)
        finally:
            output.close()
        self.processes.append(process)
        socket = os.path.join(directory, "charon.vici")
        deadline = time.monotonic() + 15
        while not os.path.exists(socket):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RehearsalError("charon did not start in %s: %s" % (ns, _tail(os.path.join(directory, "charon.out"))))
            time.sleep(0.05)
        return "unix://%s" % socket

    def swanctl(self, uri, *args, timeout=30):
        environment = dict(os.environ, STRONGSWAN_CONF=os.path.join(os.path.dirname(uri[len("unix://"):]), "swanctl-client.conf"))
        try:
            completed = subprocess.run(("swanctl",) + args + ("--uri", uri), capture_output=True, text=True, timeout=timeout, env=environment, check=False)
        except subprocess.TimeoutExpired:
            raise RehearsalError("swanctl %s timed out after %d seconds" % (args[0], timeout)) from None
        return completed.returncode, completed.stdout, completed.stderr

    def rehearse(self, left, right, left_initiates, left_inside, right_inside):
        """Start both ends of one tunnel and return, per side ("l" and "r"), its namespace, directory and control socket.

        ``left_initiates`` is True, False, or None when neither end initiates.
        ``*_inside`` are the addresses each namespace gets on ``lo`` (protected subnets).
        """
        self.count += 1
        ends = {}
        for side, end in (("l", left), ("r", right)):
            directory = os.path.join(self.workdir, "%d-%s" % (self.count, side))
            os.mkdir(directory, 0o700)
            initiates = (left_initiates is True and side == "l") or (left_initiates is False and side == "r")
            secret = render.derived_secret(end.pre_shared_key, self.salt)
            self._write(os.path.join(directory, "swanctl.conf"), render.swanctl_conf(end, secret, initiates))
            self._write(os.path.join(directory, "strongswan.conf"), render.strongswan_conf(directory))
            # swanctl itself loads only the plugins it needs, without warnings about the others.
            client = "swanctl {\n    load = random openssl pem pkcs1 x509 revocation constraints pubkey\n}\n"
            self._write(os.path.join(directory, "swanctl-client.conf"), client)
            ends[side] = {"directory": directory, "initiates": initiates}
        left_ns, right_ns = self._namespace("l"), self._namespace("r")
        ends["l"]["ns"], ends["r"]["ns"] = left_ns, right_ns
        self._network(left, right, left_ns, right_ns, left_inside, right_inside)
        for side in ("l", "r"):
            ends[side]["uri"] = self._start_daemon(ends[side]["ns"], ends[side]["directory"])
        # The responder loads first, so it is ready when the initiator starts.
        order = sorted(("l", "r"), key=lambda side: ends[side]["initiates"])
        for side in order:
            code, out, err = self.swanctl(ends[side]["uri"], "--load-all", "--file", os.path.join(ends[side]["directory"], "swanctl.conf"))
            if code != 0:
                raise RehearsalError("swanctl could not load the %s end's file: %s" % ("left" if side == "l" else "right", (out + err).strip()[-500:]))
        return ends

    def _stop(self, namespaces):
        """Stop the daemons started so far and delete ``namespaces``, with their veths."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for name in namespaces:
            _kill_namespace(name)
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.namespaces = []
        self.processes = []

    def finish_pair(self):
        """Stop the daemons and delete the namespaces and files of the tunnel just rehearsed, so they do not pile up."""
        self._stop(list(self.namespaces))
        for side in ("l", "r"):
            shutil.rmtree(os.path.join(self.workdir, "%d-%s" % (self.count, side)), ignore_errors=True)

    def list_sas(self, uri):
        code, out, _err = self.swanctl(uri, "--list-sas", "--raw")
        return parse_raw(out) if code == 0 else {}

    def wait_for(self, uri, children, timeout, failed=None):
        """Poll until every child is INSTALLED, ``failed()`` is true or ``timeout`` seconds pass; return the last SA listing."""
        deadline = time.monotonic() + timeout
        sas = {}
        while time.monotonic() < deadline:
            if failed is not None and failed():
                # Let the responder finish writing its side of the failure to its log.
                time.sleep(0.3)
                return self.list_sas(uri)
            sas = self.list_sas(uri)
            ike = sas.get("tunnel")
            installed = installed_children(ike)
            if ike and ike.get("state") == "ESTABLISHED" and set(children) <= installed:
                return sas
            time.sleep(0.2)
        return sas

    def send_datagram(self, from_ns, source, to_ns, destination):
        """Send one UDP datagram from ``source`` in one namespace to ``destination`` in the other; True when it arrives."""
        token = os.urandom(8).hex()
        listener = subprocess.Popen(
            ["ip", "netns", "exec", to_ns, sys.executable, "-c", _LISTENER, destination, token],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            port = None
            deadline = time.monotonic() + 5
            while port is None and time.monotonic() < deadline:
                line = listener.stdout.readline()
                if not line:
                    break
                if line.startswith("port "):
                    port = int(line.split()[1])
            if port is None:
                return False
            subprocess.run(
                ["ip", "netns", "exec", from_ns, sys.executable, "-c", _SENDER, source, destination, str(port), token],
                capture_output=True, timeout=10, check=False,
            )
            out, _err = listener.communicate(timeout=10)
            return "received %s" % token in out
        finally:
            if listener.poll() is None:
                listener.kill()
                listener.wait()


_LISTENER = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
print("port %d" % s.getsockname()[1], flush=True)
s.settimeout(4)
try:
    data, _ = s.recvfrom(256)
    print("received %s" % data.decode(), flush=True)
except socket.timeout:
    print("timeout", flush=True)
"""

_SENDER = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3])))
"""


def _tail(path, size=400):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()[-size:].strip()
    except OSError:
        return ""


_TOKEN = re.compile(r"([\w-]+)=(\[[^\]]*\]|[^\s{}]*)|([^\s{}=]+)\s*\{|(\})")


def parse_raw(text):
    """Parse ``swanctl --list-sas --raw`` output into ``{ike_sa_name: {key: value, "child-sas": {...}}}``."""
    result = {}
    for line in text.splitlines():
        if not line.startswith("list-sa event"):
            continue
        stack = [{}]
        for key, value, section, close in _TOKEN.findall(line[len("list-sa event"):]):
            if section:
                child = {}
                stack[-1][section] = child
                stack.append(child)
            elif close:
                if len(stack) > 1:
                    stack.pop()
            elif key:
                stack[-1][key] = value.strip("[]").split() if value.startswith("[") else value
        result.update(stack[0])
    return result


def installed_children(ike):
    """Return the names of the INSTALLED child SAs of one IKE SA listing."""
    if not ike:
        return set()
    return {child.get("name") for child in (ike.get("child-sas") or {}).values() if child.get("state") == "INSTALLED"}


def read_log(directory):
    try:
        with open(os.path.join(directory, "charon.log"), encoding="utf-8", errors="replace") as handle:
            return handle.read().splitlines()
    except OSError:
        return []
