"""What the incident report costs: `scan` with the built-in rules, with and without it.

Usage: python bench/scan_driver.py FILE [--jobs N] [--counts-only] [--one-process]

Runs `logdoctor.app.scan` in-process with the built-in rules, as `logdoctor scan`
does. By default it then builds the report document and writes it as JSON to
/dev/null (what `scan --format json` does). With --counts-only, entries are still
parsed, matched and counted per file, but not grouped into incidents (the grouping
is switched off) and no report is built: the scan of the rules issue, before
incidents existed. With --one-process the file is read in this process, not cut
into ranges for a worker, so that `valgrind --tool=callgrind` counts every instruction
(the figure that does not drift with this VM's speed). Prints one JSON line:
{"entries", "incidents", "unexplained_groups"}.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter

from logdoctor import parallel
from logdoctor.app import ReadOptions, bulk_reading, finish, scan
from logdoctor.incidents import Grouping, HitsOf
from logdoctor.model import Body
from logdoctor.report import build
from logdoctor.report.ci import render_json
from logdoctor.ruleset import load
from logdoctor.ruleset.cache import cache_dir


def _match_only(
    self: Grouping,
    path: str,
    bodies: list[Body],
    stamps: list[str],
    lines: list[int],
    hits_of: HitsOf,
    counts: Counter[Body] | None = None,
) -> None:
    for body in counts if counts is not None else set(bodies):
        hits_of(body)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--counts-only", action="store_true")
    parser.add_argument("--one-process", action="store_true")
    args = parser.parse_args()
    if args.one_process:
        parallel.MIN_SPLIT = parallel.MIN_SPLIT_RULES = 1 << 62  # read in-process
    if args.counts_only:
        # No grouping, but every distinct body of a block still matched, as before
        # incidents existed (the grouping asks only for record texts it has not seen).
        Grouping.add_block = _match_only  # type: ignore[method-assign]
        Grouping.add_entry = lambda self, *a, **k: []  # type: ignore[method-assign]
    rules = load([], builtin=True, cache=cache_dir()).rules  # as the CLI loads them
    bulk_reading()  # as `logdoctor scan` does once its rules are loaded
    errors: list[object] = []
    stats = scan(
        [args.file], options=ReadOptions(), on_error=errors.append, jobs=args.jobs, rules=rules
    )
    incidents = groups = 0
    if not args.counts_only:
        doc = build(stats)
        with open(os.devnull, "w") as sink:
            render_json(doc, sink)  # as `scan --format json` writes it
        incidents, groups = doc["summary"]["incidents"], doc["summary"]["unexplained_groups"]
    print(json.dumps({"entries": stats.entries, "incidents": incidents,
                      "unexplained_groups": groups}))  # fmt: skip
    return 1 if errors else 0


if __name__ == "__main__":
    finish(main())  # as the CLI ends: output flushed, no interpreter teardown
