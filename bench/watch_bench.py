"""The watch benchmark: nothing lost or repeated through rotations, latency, idle CPU.

Usage: python bench/watch_bench.py [--count 100000] [--rotations 100] [--idle 10]

1. Soak: `bench/log_writer.py` appends COUNT entries of four shapes at full speed,
   rotating ROTATIONS times (rename + create and copytruncate by turns), while
   `logdoctor watch --format jsonl --all` follows the file: entries lost and repeated
   (target 0 and 0), the watcher's peak and final memory.
2. Latency: the writer paced at 200 entries/s for 3 s, then 2 entries/s for 3 s, each
   write time-stamped; the time from write to the watcher's output line, for entries
   that end with their format's terminator (GLPI 10, GLPI 11: target p99 <= 50 ms) and
   for those that end only at the next header or after --idle-flush (target p99 <=
   idle-flush + 50 ms), against `tail -F` on the same file in the same run.
3. Idle: the watcher on a quiet folder for IDLE seconds: CPU seconds used (target
   < 0.05 s), with inotify and with --poll.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from compiled import byte_compile  # noqa: E402 - needs the path above

WRITER = BENCH / "log_writer.py"
SEQ = re.compile(r"seq=(\d+)")
IDLE_FLUSH = 0.5
TERMINATED = (0, 1)  # log_writer shapes that end with their format's terminator


def logdoctor() -> list[str]:
    script = Path(sys.executable).parent / "logdoctor"
    return [str(script)] if script.exists() else [sys.executable, "-m", "logdoctor"]


class Reader:
    """Reads a process's stdout on a thread: (monotonic time, line) pairs."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[tuple[float, str]] = []
        self.proc = proc
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line))

    def wait(self, count: int, timeout: float) -> None:
        end = time.monotonic() + timeout
        while len(self.lines) < count and time.monotonic() < end:
            time.sleep(0.05)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mib(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory."""
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


def watch(path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*logdoctor(), "watch", str(path), "--format", "jsonl", "--all",
         "--idle-flush", str(IDLE_FLUSH), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def ready(proc: subprocess.Popen[str]) -> None:
    """Wait for the watcher's start line: its files are open from then on."""
    assert proc.stderr is not None
    proc.stderr.readline()


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    return err


def soak(folder: Path, count: int, rotations: int) -> dict[str, float]:
    log = folder / "soak.log"
    log.write_text("")
    proc = watch(log)
    ready(proc)
    reader = Reader(proc)
    began = time.monotonic()
    subprocess.run(
        [sys.executable, str(WRITER), str(log), "--count", str(count),
         "--rotations", str(rotations)], check=True,
    )  # fmt: skip
    wrote = time.monotonic() - began
    reader.wait(count, timeout=600)
    time.sleep(IDLE_FLUSH + 0.5)
    caught_up = reader.lines[-1][0] - began if reader.lines else 0.0
    rss, peak = memory_mib(proc.pid)
    stop(proc)
    seqs = Counter(int(SEQ.search(line).group(1)) for _, line in reader.lines)  # type: ignore[union-attr]
    return {
        "lost": len(set(range(count)) - set(seqs)),
        "repeated": sum(n - 1 for n in seqs.values() if n > 1),
        "write_s": wrote,
        "caught_up_s": caught_up,
        "rss_mib": rss,
        "peak_mib": peak,
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)] if ordered else float("nan")


def latency(folder: Path) -> dict[str, dict[str, float]]:
    log = folder / "latency.log"
    log.write_text("")
    proc = watch(log)
    tail = subprocess.Popen(
        ["tail", "-F", "-n", "0", str(log)], stdout=subprocess.PIPE, text=True,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    ready(proc)
    ours, theirs = Reader(proc), Reader(tail)
    time.sleep(0.5)  # tail -F has no start line to wait for
    stamps = folder / "stamps.txt"
    phases = ((200.0, 600, 0), (2.0, 6, 600))  # (rate, count, first seq)
    for rate, count, start in phases:
        subprocess.run(
            [sys.executable, str(WRITER), str(log), "--count", str(count), "--rate", str(rate),
             "--stamps", f"{stamps}.{start}", "--start", str(start)], check=True,
        )  # fmt: skip
    time.sleep(IDLE_FLUSH + 1.0)
    stop(proc)
    tail.terminate()
    written: dict[int, float] = {}
    for _, _, start in phases:
        for line in Path(f"{stamps}.{start}").read_text().splitlines():
            seq, when = line.split()
            written[int(seq)] = float(when)
    out: dict[str, dict[str, float]] = {}
    for name, reader in (("logdoctor", ours), ("tail -F", theirs)):
        seen: dict[int, float] = {}
        for when, line in reader.lines:
            m = SEQ.search(line)
            if m:
                seen.setdefault(int(m.group(1)), when)
        for label, pick in (
            ("with terminator", lambda s: s % 4 in TERMINATED),
            ("without terminator", lambda s: s % 4 not in TERMINATED),
        ):
            lat = [(seen[s] - written[s]) * 1000 for s in written if pick(s) and s in seen]
            out[f"{name}, {label}"] = {
                "n": len(lat),
                "p50_ms": percentile(lat, 0.5),
                "p99_ms": percentile(lat, 0.99),
                "max_ms": max(lat) if lat else float("nan"),
            }
    return out


def idle(folder: Path, seconds: float, *extra: str) -> float:
    quiet = folder / "quiet"
    quiet.mkdir(exist_ok=True)
    for name in ("php-errors.log", "sql-errors.log", "cron.log", "mailgate.log"):
        (quiet / name).write_text("2024-01-18 16:20:04 [@glpi]\nsomething\n")
    proc = subprocess.Popen(
        [*logdoctor(), "watch", str(quiet), *extra], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(2.0)  # started and settled
    before = cpu_seconds(proc.pid)
    time.sleep(seconds)
    used = cpu_seconds(proc.pid) - before
    stop(proc)
    return used


def main() -> int:
    byte_compile()
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rotations", type=int, default=100)
    parser.add_argument("--idle", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="logdoctor-watch-") as tmp:
        folder = Path(tmp)
        s = soak(folder, args.count, args.rotations)
        print(
            f"soak: {args.count:,} entries, {args.rotations} rotations (rename and copytruncate "
            f"by turns): lost {s['lost']}, repeated {s['repeated']} (target 0 and 0); written "
            f"in {s['write_s']:.1f} s, all shown {s['caught_up_s']:.1f} s after the first write "
            f"({args.count / max(s['caught_up_s'], 1e-9):,.0f} entries/s); watcher memory "
            f"{s['rss_mib']:.1f} MiB at the end, peak {s['peak_mib']:.1f} MiB"
        )
        lat = latency(folder)
        print(f"latency, write to output (--idle-flush {IDLE_FLUSH:g} s):")
        for name, v in lat.items():
            print(
                f"  {name:<38} n={v['n']:<4.0f} p50 {v['p50_ms']:7.1f} ms  p99 "
                f"{v['p99_ms']:7.1f} ms  max {v['max_ms']:7.1f} ms"
            )
        cpu = idle(folder, args.idle)
        cpu_poll = idle(folder, args.idle, "--poll")
        print(
            f"idle for {args.idle:g} s on 4 files: {cpu:.3f} CPU s with inotify, "
            f"{cpu_poll:.3f} with --poll (target < 0.05)"
        )
        results = {"soak": s, "latency": lat, "idle_cpu_s": cpu, "idle_cpu_poll_s": cpu_poll}
        data = BENCH / "data"
        data.mkdir(exist_ok=True)
        (data / "watch-results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0 if s["lost"] == 0 and s["repeated"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
