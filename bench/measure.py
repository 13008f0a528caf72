# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run one command and report its wall-clock time and the peak RSS of its process tree.

Usage: python bench/measure.py RESULT.json OUTPUT.log -- COMMAND...

This process starts nothing but COMMAND, so ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is the
peak resident set size of the largest single process among COMMAND and the descendants it
waited for (ansible-playbook, its forked workers and the modules they run). It is not the sum
over processes that ran at the same time.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        print("usage: measure.py RESULT.json OUTPUT.log -- COMMAND...", file=sys.stderr)
        return 2
    result_path, output_path, command = argv[0], argv[1], argv[3:]

    with open(output_path, "w", encoding="utf-8") as output:
        start = time.monotonic()
        completed = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, check=False)
        seconds = time.monotonic() - start

    # Linux reports ru_maxrss in kibibytes.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump({"seconds": seconds, "returncode": completed.returncode, "peak_rss_mb": peak_kib / 1024.0}, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
