# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run pansim with every API request profiled, for the benchmark's profile runs only.

Usage: python bench/pansim_profile.py PROFILE.pstats [pansim options...]

pansim serves each request in its own thread, so profiling the main thread with
``python -m cProfile`` would show only the idle loop. This wrapper profiles each call of
``pansim.server.handle_request`` (the whole request, jobs included, under the device lock)
and writes the merged statistics to PROFILE.pstats when pansim exits on SIGTERM. The clock
is the request thread's CPU time. TLS and HTTP parsing are outside that function and are not
profiled.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, REPO)

from pansim import cli, faults  # noqa: E402  pylint: disable=wrong-import-position

_PROFILES = []
_PROFILES_LOCK = threading.Lock()
# The HTTP layer runs each request through faults.serve_api_request, which calls handle_request.
_ORIGINAL_HANDLE_REQUEST = faults.handle_request


def _profiled_handle_request(*args, **kwargs):
    profiler = cProfile.Profile(time.thread_time)
    try:
        return profiler.runcall(_ORIGINAL_HANDLE_REQUEST, *args, **kwargs)
    finally:
        with _PROFILES_LOCK:
            _PROFILES.append(profiler)


def main(argv):
    profile_path, pansim_args = argv[0], argv[1:]
    faults.handle_request = _profiled_handle_request
    status = cli.main(pansim_args)
    with _PROFILES_LOCK:
        profiles = list(_PROFILES)
    if profiles:
        stats = pstats.Stats(profiles[0])
        for profiler in profiles[1:]:
            stats.add(profiler)
        stats.dump_stats(profile_path)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
