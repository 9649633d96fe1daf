"""Run one command and report its wall time and peak RSS: a tiny GNU `time` in Python.

Usage (from run.py): python -S -I bench/launch.py REPORT_FD COMMAND [ARG...]

Why not os.wait4() in run.py directly: Linux carries the high-water RSS of the
address space a process had before exec() into its rusage, so a command forked
from run.py (30+ MiB) would never report less than run.py's own peak. This
launcher is a fresh interpreter started without site (about 7 MiB); the command
is forked from it, so that is the floor. Writes "SECONDS MAXRSS_KIB EXIT_CODE" to
REPORT_FD and exits with the command's exit code. Imports os, sys and time only.
"""

import os
import sys
import time


def main() -> int:
    fd = int(sys.argv[1])
    argv = sys.argv[2:]
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child: drop the report pipe, become the command
        os.close(fd)
        try:
            os.execvp(argv[0], argv)
        except OSError as exc:
            os.write(2, f"launch.py: cannot run {argv[0]}: {exc}\n".encode())
        os._exit(127)
    _pid, status, usage = os.wait4(pid, 0)
    secs = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    os.write(fd, f"{secs!r} {usage.ru_maxrss} {code}".encode())
    os.close(fd)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
