"""Parse one file with logdoctor's library API, touching every field of every entry.

Usage: python bench/parse_driver.py FILE [--jobs N] [--truth FILE.truth.json] [--diagnose]

With --jobs N (N > 1), the file is cut at entry boundaries into N ranges
(logdoctor.parallel.plan, as `logdoctor scan` does) and each range is read by
the same loop in its own process; the counts are added up. The garbage collector is
set for a big read first (`logdoctor.app.bulk_reading`), as `logdoctor parse` does.

Prints one JSON line on stdout: {"entries": n, "by_dialect": {...}, "input_errors": k}.
With --truth, compares with what bench/gen_corpus.py wrote and exits 1 (loudly) when
the entry count differs: a benchmark of a parser that loses entries is worthless.
A per-dialect difference alone is reported as a warning. With --diagnose (implied
by a count mismatch when FILE.index exists), a second pass lists, per corpus shape,
the entries the parser merged into their predecessor, the records it split, and
the dialects it got wrong, each with a 10-line excerpt of the corpus.
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from logdoctor import parallel
from logdoctor.app import ReadOptions, bulk_reading, finish, iter_entries
from logdoctor.errors import InputError
from logdoctor.sources import Source

EXAMPLES_PER_GROUP = 1
EXCERPT_BEFORE = 3
EXCERPT_LINES = 10


class ErrorPrinter:
    """The `on_error` callback: one line on stderr per input problem."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, error: InputError) -> None:
        self.count += 1
        print(f"parse_driver: input error: {error}", file=sys.stderr)


def run(path: str, jobs: int = 1) -> tuple[int, Counter[str], int]:
    """The measured loop over the whole file, in one process or `jobs`."""
    ranges = parallel.plan(Source(path), None, jobs) if jobs > 1 else None
    if ranges is None:
        return run_source(Source(path))
    n, by_dialect, errors = 0, Counter[str](), 0
    with parallel.pool(jobs) as executor:
        for part_n, part_dialects, part_errors in executor.map(run_source, ranges):
            n += part_n
            by_dialect.update(part_dialects)
            errors += part_errors
    return n, by_dialect, errors


def run_source(source: Source) -> tuple[int, Counter[str], int]:
    """The measured loop: every entry, every field."""
    errors = ErrorPrinter()
    by_dialect: Counter[str] = Counter()
    n = 0
    for e in iter_entries([source], options=ReadOptions(), on_error=errors):
        n += 1
        fields = (
            e.timestamp,
            e.level,
            e.dialect,
            e.kind,
            e.exception,
            e.message,
            e.origin,
            e.frames,
            e.sql,
            e.sql_error,
        )
        by_dialect[fields[2].value] += 1
    return n, by_dialect, errors.count


def shout(lines: list[str]) -> None:
    bar = "!" * 78
    print(bar, *(f"!! {line}" for line in lines), bar, sep="\n", file=sys.stderr)


def excerpts(path: str, starts: list[int]) -> dict[int, list[str]]:
    """EXCERPT_LINES lines of `path` around each 1-based line in `starts`."""
    wanted: dict[int, list[int]] = defaultdict(list)  # line -> excerpt keys
    for s in starts:
        for ln in range(max(1, s - EXCERPT_BEFORE), max(1, s - EXCERPT_BEFORE) + EXCERPT_LINES):
            wanted[ln].append(s)
    out: dict[int, list[str]] = {s: [] for s in starts}
    if not wanted:
        return out
    last = max(wanted)
    with open(path, "rb") as f:
        for ln, raw in enumerate(f, 1):
            if ln in wanted:
                text = raw.decode("utf-8", "replace").rstrip("\n")
                for s in wanted[ln]:
                    mark = ">" if ln == s else " "
                    out[s].append(f"{mark}{ln:>10} | {text!r}"[:220])
            if ln >= last:
                break
    return out


def diagnose(path: str, truth: dict[str, Any], index: Path) -> list[str]:
    """Compare where the parser starts entries with where the generator started them."""
    from gen_corpus import read_index  # bench/ is on sys.path when run as a script

    truth_lines, codes = read_index(index)
    shape_names = {code: name for name, code in truth["shape_codes"].items()}
    known_bit = int(truth["known_bit"])
    dialect_of = {
        "glpi10_php_error": "glpi-monolog",
        "glpi10_exception": "glpi-monolog",
        "glpi10_toolbox_log": "glpi-monolog",
        "glpi10_sql_error": "glpi-monolog",
        "glpi11": "glpi11",
        "php_native_line": "php",
        "php_native_fatal": "php",
        "glpi_loginfile": "glpi-file",
    }

    def shape(i: int) -> str:
        code = codes[i]
        name = shape_names[code & ~known_bit]
        return f"{name} (known problem)" if code & known_bit else name

    parsed: dict[int, str] = {}
    for e in iter_entries([path], options=ReadOptions(), on_error=ErrorPrinter()):
        parsed[e.line] = f"{e.dialect.value}/{e.level.label}/{e.kind}"
    truth_set = set(truth_lines)
    merged: dict[str, list[int]] = defaultdict(list)
    split: dict[str, list[int]] = defaultdict(list)
    wrong: dict[str, list[int]] = defaultdict(list)
    for i, ln in enumerate(truth_lines):
        got = parsed.get(ln)
        if got is None:
            merged[shape(i)].append(ln)
        elif got.split("/", 1)[0] != dialect_of[shape_names[codes[i] & ~known_bit]]:
            wrong[f"{shape(i)} read as {got.split('/', 1)[0]}"].append(ln)
    for ln in parsed:
        if ln not in truth_set:
            i = bisect.bisect_right(truth_lines, ln) - 1
            split[shape(i) if i >= 0 else "(before the first entry)"].append(ln)
    report: list[str] = []
    groups = [
        ("entries NOT started (merged into the previous entry)", merged),
        ("extra entries started inside a record (record split)", split),
        ("entries with the wrong dialect", wrong),
    ]
    example_lines = [
        lines[0] for _t, g in groups for lines in g.values() for _ in range(EXAMPLES_PER_GROUP)
    ]
    texts = excerpts(path, example_lines)
    for title, group in groups:
        total = sum(len(v) for v in group.values())
        report.append(f"{title}: {total}")
        for name, lines in sorted(group.items(), key=lambda kv: -len(kv[1])):
            report.append(f"  {name}: {len(lines)} (first at line {lines[0]})")
            report.extend(f"      {t}" for t in texts[lines[0]])
    return report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("file")
    ap.add_argument("--truth", help="FILE.truth.json written by gen_corpus.py")
    ap.add_argument("--diagnose", action="store_true", help="compare entry starts with FILE.index")
    ap.add_argument("--jobs", type=int, default=1, help="processes (ranges of the file)")
    args = ap.parse_args()

    bulk_reading()  # the garbage collector set as `logdoctor parse` and `scan` set it
    n, by_dialect, input_errors = run(args.file, args.jobs)
    result: dict[str, object] = {
        "entries": n,
        "by_dialect": dict(by_dialect),
        "input_errors": input_errors,
    }
    status = 0
    truth: dict[str, Any] | None = None
    if args.truth:
        truth = json.loads(Path(args.truth).read_text())
        expected = int(truth["entries"])
        exp_dialects: dict[str, int] = dict(truth["by_dialect"])
        diff = {
            d: by_dialect.get(d, 0) - exp_dialects.get(d, 0)
            for d in sorted(set(by_dialect) | set(exp_dialects))
            if by_dialect.get(d, 0) != exp_dialects.get(d, 0)
        }
        result["expected_entries"] = expected
        result["dialect_diff"] = diff
        if n != expected:
            status = 1
            shout(
                [
                    f"ENTRY COUNT MISMATCH on {args.file}: parser found {n:,} entries, "
                    f"the corpus has {expected:,} ({n - expected:+,}).",
                    f"per dialect (parser - truth): {diff}",
                    "The speed figures of a parser that loses entries are worthless.",
                ]
            )
        elif diff:
            shout([f"dialect counts differ (parser - truth): {diff}"])
    print(json.dumps(result), flush=True)
    index = Path(args.file + ".index")
    if truth is not None and (args.diagnose or status) and index.exists():
        print("\n".join(diagnose(args.file, truth, index)), file=sys.stderr)
    return status


if __name__ == "__main__":
    finish(main())  # as the CLI ends: output flushed, no interpreter teardown
