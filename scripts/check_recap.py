"""Check the PLAY RECAP of an ansible-playbook run read from standard input.

Usage: check_recap.py --expect-unchanged HOST [HOST ...]
Exits 1 unless every named host appears in the recap with changed=0 and failed=0.
"""

import argparse
import re
import sys

RECAP_LINE = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--expect-unchanged", nargs="+", required=True, metavar="HOST")
    args = parser.parse_args()

    recap = {}
    for line in sys.stdin:
        match = RECAP_LINE.match(line.strip())
        if match:
            recap[match.group(1)] = {"changed": int(match.group(3)), "failed": int(match.group(5))}

    problems = []
    for host in args.expect_unchanged:
        if host not in recap:
            problems.append("%s: missing from PLAY RECAP" % host)
        elif recap[host]["changed"] or recap[host]["failed"]:
            problems.append("%s: changed=%d failed=%d" % (host, recap[host]["changed"], recap[host]["failed"]))
    for problem in problems:
        print("recap: %s" % problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
