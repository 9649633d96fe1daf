"""Write GLPI / PHP log entries to a file as GLPI does, rotating it as logrotate does.

Usage: python bench/log_writer.py PATH --count N [--rotations R] [--rate PER_S]
       [--stamps FILE] [--start SEQ]

Each entry is written with one write() (as Monolog's stream handler does), is one of
four shapes (GLPI 10 php-errors with a backtrace and its two-space terminator, a
GLPI 11 exception ending with a blank line, a PHP error_log line, a GLPI logInFile
record) and carries `soak seq=N`, which no rule explains. R rotations are spread over
the run, alternating rename + create (`PATH.k`) and copytruncate (copy to `PATH.k`,
then truncate). `--rate` paces the writes (default: full speed); `--stamps` records
`seq monotonic-time` of each write, for latency. Used by tests/test_watch.py (the soak
test) and bench/watch_bench.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time

ROW = "  {:<50} {}\n".format


def entry(seq: int) -> str:
    """The text of entry `seq` (its shape cycles over the four)."""
    stamp = f"2024-01-18 16:{seq // 60 % 60:02d}:{seq % 60:02d}"
    shape = seq % 4
    if shape == 0:
        return (
            f"[{stamp}] glpiphplog.WARNING:   *** PHP Warning (2): soak seq={seq} in "
            "/var/www/glpi/src/Soak.php at line 12\n  Backtrace :\n"
            + ROW("src/Soak.php:12", "Soak->run()")
            + ROW("front/central.php:40", "Soak::go()")
            + "  \n"
        )
    if shape == 1:
        return (
            f"[{stamp}] glpi.CRITICAL:   *** Uncaught PHP Exception RuntimeException: "
            f'"soak seq={seq}" at Soak.php line 7\n'
            "  Backtrace :\n" + ROW("./src/Soak.php:7", "Soak->fail()") + "\n"
        )
    if shape == 2:
        return f"[18-Jan-2024 16:20:04 UTC] PHP Notice:  soak seq={seq} in /a/Soak.php on line 3\n"
    return f"{stamp} [2@glpi]\nsoak seq={seq} done\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--rotations", type=int, default=0)
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--stamps")
    parser.add_argument("--start", type=int, default=0)
    args = parser.parse_args()
    every = args.count // (args.rotations + 1) if args.rotations else 0
    stamps = open(args.stamps, "w") if args.stamps else None  # noqa: SIM115
    fd = os.open(args.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    rotated = 0
    began = time.monotonic()
    for i in range(args.count):
        seq = args.start + i
        if every and i and i % every == 0 and rotated < args.rotations:
            rotated += 1
            target = f"{args.path}.{rotated}"
            if rotated % 2:  # rename + create
                os.close(fd)
                os.rename(args.path, target)
                fd = os.open(args.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            else:  # copytruncate
                shutil.copyfile(args.path, target)
                os.truncate(args.path, 0)
        if args.rate:
            delay = began + i / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        os.write(fd, entry(seq).encode())
        if stamps:
            stamps.write(f"{seq} {time.monotonic():.6f}\n")
    os.close(fd)
    if stamps:
        stamps.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
