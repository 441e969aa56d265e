"""Run one command and write its wall time and rusage as JSON: ``python -m bench.launch OUT -- ARGV``.

Why a separate small process: on Linux a child's ``ru_maxrss`` includes the memory of the
process it was forked from, up to the ``exec`` (the old address space's high-water mark is
carried over). Forked from the benchmark process, which holds thousands of generated
personas, tavusctl would be charged for them. Forked from this small launcher, it is not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    out, separator, *command = argv
    if separator != "--" or not command:
        print("usage: python -m bench.launch OUT -- COMMAND...", file=sys.stderr)
        return 2
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_kib": usage.ru_maxrss,
        "exit_code": proc.returncode,
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
