"""The rehearsal runner against real charon daemons: file modes, no key on disk, and cleanup.

It needs root, network namespaces and the strongSwan packages; without them it is skipped.
"""

import os
import stat
import subprocess

import pytest

from ansible_collections.ipsec.panos.plugins.module_utils._peer_check import TunnelEnd
from ansible_collections.ipsec.panos.plugins.module_utils._rehearse import core, runner


def _unavailable():
    if os.geteuid() != 0:
        return "not root, so no network namespaces can be created"
    missing = runner.missing_requirements()
    if missing:
        return "missing packages: %s" % ", ".join(missing)
    probe = "panos-rehearse-probe-unit-%d" % os.getpid()
    completed = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        return "network namespaces are unavailable: %s" % completed.stderr.strip()
    subprocess.run(["ip", "netns", "delete", probe], check=False)
    return None


UNAVAILABLE = _unavailable()
pytestmark = pytest.mark.skipif(UNAVAILABLE is not None, reason="rehearsal needs network namespaces: %s" % (UNAVAILABLE,))
KEY = "UNITKEY-" + os.urandom(6).hex()


def make_end(name, local, peer, **settings):
    base = dict(
        version="ikev2",
        local_address=local,
        peer_address=peer,
        pre_shared_key=KEY,
        ike={"encryption": ["aes-256-cbc"], "hash": ["sha256"], "dh_group": ["group20"], "lifetime": 28800},
        esp={"encryption": ["aes-256-gcm"], "authentication": ["none"], "dh_group": "group20", "lifetime": 3600},
    )
    base.update(settings)
    return TunnelEnd(name, "vpn-" + name, "gw-" + name, **base)


def test_files_private_and_removed():
    left = make_end("a", "192.0.2.1", "192.0.2.2")
    right = make_end("b", "192.0.2.2", "192.0.2.1")
    with runner.Runner(timeout=10) as run:
        # Keep the pair's files until they are inspected; the runner's cleanup removes them at the end.
        finish_pair = run.finish_pair
        run.finish_pair = lambda: None
        result = core.rehearse_pair(run, left, right, 10)
        workdir = run.workdir
        assert stat.S_IMODE(os.stat(workdir).st_mode) == 0o700
        written = []
        for directory, _subdirs, files in os.walk(workdir):
            for name in files:
                path = os.path.join(directory, name)
                if not stat.S_ISREG(os.stat(path).st_mode):
                    continue  # the daemons' control sockets
                written.append(name)
                assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
                with open(path, encoding="utf-8", errors="replace") as handle:
                    assert KEY not in handle.read(), path
        assert written.count("swanctl.conf") == 2
        assert written.count("charon.log") == 2
        assert len(run.namespaces) == 2
        finish_pair()
        # One pair at a time: nothing of the finished pair is left while the run goes on.
        assert runner.our_namespaces(os.getpid()) == []
        assert os.listdir(workdir) == []
    assert result["established"] is True
    assert result["traffic_passed"] is True
    assert not os.path.exists(workdir)
    assert runner.our_namespaces(os.getpid()) == []


def test_error_inside_run_cleans_up():
    left = make_end("a", "192.0.2.1", "192.0.2.2")
    right = make_end("b", "192.0.2.2", "192.0.2.1")
    with pytest.raises(RuntimeError):
        with runner.Runner(timeout=10) as run:
            run.rehearse(left, right, True, ["198.18.0.1"], ["198.19.0.1"])
            assert len(runner.our_namespaces(os.getpid())) == 2
            raise RuntimeError("stop here")
    assert runner.our_namespaces(os.getpid()) == []
    assert not os.path.exists(run.workdir)
    assert run.processes == []
