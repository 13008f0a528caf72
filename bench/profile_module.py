# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run one collection module outside Ansible under cProfile, timed in CPU seconds.

Usage: python bench/profile_module.py PROFILE.pstats MODULE ARGS.json

MODULE is a dotted name such as ansible_collections.ipsec.panos.plugins.modules.vpn, found
through PYTHONPATH. ARGS.json contains {"ANSIBLE_MODULE_ARGS": {...}}, the form in which Ansible passes arguments.
The profiler's clock is this process's CPU time, so time spent waiting for the device's
replies does not count. The module's JSON result goes to standard output.
"""

from __future__ import annotations

import cProfile
import runpy
import sys
import time


def main(argv):
    profile_path, module, args_path = argv
    sys.argv = [module, args_path]
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit:
        pass
    finally:
        profiler.disable()
        profiler.dump_stats(profile_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
