"""How long a full successful `probe imap` takes against a local Dovecot, against a
baseline measured in the same run: Python's imaplib doing the least the same check
needs (TLS connect, AUTHENTICATE XOAUTH2, SELECT, LOGOUT), with no DNS, no
certificate description, no transcript, no token refresh.

    python bench/probe_bench.py [--runs 30]

Needs Dovecot (tests/run installs it) and runs as the tests do (tests/probe/).
Prints medians and p90 in ms and the ratio probe / imaplib; also the whole command
in a subprocess against `python -c pass`.
"""

from __future__ import annotations

import argparse
import imaplib
import os
import ssl
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compiled import byte_compile

from logdoctor.probe.run import prepare, run
from logdoctor.probe.secrets import Redactor
from logdoctor.probe.settings import ProbeSettings
from tests.probe import dovecot, idp


def _imaplib_once(port: int, cafile: str) -> float:
    t0 = time.perf_counter()
    ctx = ssl.create_default_context(cafile=cafile)
    conn = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx, timeout=15)
    payload = b"user=alice@example.test\x01auth=Bearer at-alice-valid\x01\x01"
    conn.authenticate("XOAUTH2", lambda _: payload)
    conn.select("INBOX", readonly=True)
    conn.logout()
    return time.perf_counter() - t0


def _probe_once(settings: ProbeSettings) -> float:
    t0 = time.perf_counter()
    result = run(prepare(settings, Redactor()))
    assert result.failed is None, [(s.id, s.outcome.summary) for s in result.steps]
    return time.perf_counter() - t0


def _command_once(args: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(args, env=env, check=False, capture_output=True)
    return time.perf_counter() - t0


def _row(name: str, secs: list[float], base: list[float] | None = None) -> str:
    ms = sorted(s * 1000 for s in secs)
    med, p90 = statistics.median(ms), ms[int(len(ms) * 0.9) - 1]
    ratio = f"{med / (statistics.median(base) * 1000):5.2f}x" if base else "     -"
    return f"{name:<44} {med:8.1f} {p90:8.1f} {ratio}"


def main() -> None:
    byte_compile()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    fake = idp.IdP()
    server = dovecot.start(fake.port)
    try:
        os.environ["BENCH_AT"] = "at-alice-valid"
        settings = ProbeSettings(
            host="127.0.0.1",
            port=server.imaps_port,
            user="alice@example.test",
            cafile=server.cafile,
            token_env="BENCH_AT",
        )
        _probe_once(settings), _imaplib_once(server.imaps_port, server.cafile)  # warm up
        base = [_imaplib_once(server.imaps_port, server.cafile) for _ in range(runs)]
        probe = [_probe_once(settings) for _ in range(runs)]
        env = dict(os.environ)
        cmd = [
            sys.executable,
            "-m",
            "logdoctor",
            "probe",
            "imap",
            "--host",
            "127.0.0.1",
            "--port",
            str(server.imaps_port),
            "--cafile",
            server.cafile,
            "--user",
            "alice@example.test",
            "--token-env",
            "BENCH_AT",
        ]
        empty = [_command_once([sys.executable, "-c", "pass"], env) for _ in range(10)]
        whole = [_command_once(cmd, env) for _ in range(10)]
        print(f"Dovecot {server.version}, {runs} runs; times in ms")
        print(f"{'':<44} {'median':>8} {'p90':>8} {'ratio':>6}")
        print(_row("imaplib: TLS, XOAUTH2, SELECT, LOGOUT", base))
        print(_row("probe imap, every step (in process)", probe, base))
        print(_row("python -c pass (interpreter start)", empty))
        print(_row("logdoctor probe imap (whole command)", whole, empty))
    finally:
        server.stop()
        fake.stop()


if __name__ == "__main__":
    main()
