"""How the cost of matching grows with the number of rules: 100 rules against 1,000.

Usage: python bench/rules_scale.py [--size 200e6] [--runs 3]

Writes two synthetic rule sets under bench/data/ (100 and 1,000 rules, plausible GLPI/PHP
rules with distinct literals, a few of which fire on the corpus) and times
`logdoctor scan --no-builtin-rules --rules DIR --jobs 1` on the bench corpus with each, and
with no rules at all, in one run. Prints the medians and the ratio 1,000 / 100 (target: at
most 1.5). Run it with the Python that has logdoctor installed (e.g. .venv/bin/python).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
sys.path.insert(0, str(BENCH))

from compiled import byte_compile  # noqa: E402 - needs the path above
from run import ensure_corpus, logdoctor_cli  # noqa: E402

TEMPLATES = (
    ("message", 'Undefined array key "(?P<key>field_{n})"'),
    ("message", r"Table '(?P<table>glpi\.glpi_plugin_x{n}_items)' doesn't exist"),
    ("exception", r"GlpiPlugin\\X{n}\\(?P<cls>\w+)Exception$"),
    ("message", "Call to undefined method PluginX{n}(?P<cls>\\w+)::(?P<method>\\w+)\\(\\)"),
    ("message", "cannot (?P<what>login|connect) to collector {n}"),
)
# Rules that do fire on the corpus, so matching work is really done.
FIRING = (
    ("message", "cannot login, user or (?P<what>password) wrong"),
    ("message", "Allowed memory size of (?P<limit>\\d+) bytes exhausted"),
    ("sql_error", "MySQL server has gone away"),
    ("message", "Deadlock found when trying to get lock"),
    ("message", "Maximum execution time of (?P<s>\\d+) seconds exceeded"),
)


def write_rules(count: int) -> Path:
    """A folder with `count` rules in bench/data/rules-<count>/synth/rules.yaml."""
    folder = DATA / f"rules-{count}"
    (folder / "synth").mkdir(parents=True, exist_ok=True)
    lines = ["rules:"]
    for n in range(count):
        field, pattern = FIRING[n] if n < len(FIRING) else TEMPLATES[n % len(TEMPLATES)]
        pattern = pattern.replace("{n}", str(n)).replace("'", "''")
        lines += [
            f"  - id: synth.rules.r{n}",
            f"    title: Synthetic rule {n}",
            "    severity: error",
            "    match:",
            f"      {field}: '{pattern}'",
            "    explain: A synthetic rule for the benchmark.",
            "    fix: [Nothing to do.]",
        ]
    (folder / "synth" / "rules.yaml").write_text("\n".join(lines) + "\n")
    return folder


def timed(argv: list[str], runs: int) -> float:
    """Median wall time of `argv`, output to a pipe."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.PIPE)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    byte_compile()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--size", type=float, default=200e6)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    path, truth = ensure_corpus(int(args.size), 42)
    base = [
        *logdoctor_cli(),
        "scan",
        str(path),
        "--jobs",
        "1",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]
    base += ["--no-builtin-rules"]
    none = timed(base, args.runs)
    results = {n: timed([*base, "--rules", str(write_rules(n))], args.runs) for n in (100, 1000)}
    mb = truth["bytes"] / 1e6
    print(f"corpus {path.name}: {mb:,.1f} MB; median of {args.runs} runs, one process")
    print(f"{'rules':>6} {'seconds':>9} {'MB/s':>8} {'matching s':>11}")
    print(f"{0:>6} {none:>9.2f} {mb / none:>8.1f} {0:>11.2f}")
    for n, secs in results.items():
        print(f"{n:>6} {secs:>9.2f} {mb / secs:>8.1f} {secs - none:>11.2f}")
    ratio = results[1000] / results[100]
    print(f"1,000 rules / 100 rules: {ratio:.2f}x scan time (target <= 1.5): "
          f"{'yes' if ratio <= 1.5 else 'no'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
