"""Parallel one-shot reading: a big plain file cut at entry boundaries, one process a range.

A single Python process parses 50-65 MB/s (measured, bench/); a one-shot scan of a
month of logs wants more, and the machine has more cores. A file is cut at line
starts that are entry headers (the grouper starts an entry at every such line, and
nothing else decides where entries start, so the ranges give exactly the entries of
a sequential read), each range is parsed in a worker process, which reduces its
entries to a small result (scan counts now, findings and incidents later), and the
results are merged in order. A worker numbers lines from 1 within its range; the
merge adds the line counts of the ranges before it (ranges are merged in order),
which saves a counting pass over the file.

Not split: gzip files, stdin, container output (its grouping is per line and keeps
state), files below `MIN_SPLIT` (`MIN_SPLIT_RULES` with rules). Imports model, parse,
sources, stats; no click.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import BinaryIO

from logdoctor.model import Dialect
from logdoctor.parse import EntryParser, Limits, Memo, has_container_prefix
from logdoctor.parse.headers import ALL_DIALECTS, HeaderScanner
from logdoctor.sources import Source

# Below these sizes, starting the workers and merging their results cost more than
# reading in two processes saves (measured on 2 CPUs, medians of 5 `scan` runs on
# the bench corpus cut to 16-40 MB: with the built-in rules 2 jobs win from 16 MB,
# 0.93 against 1.09 s; without rules, where a byte costs less, 1 job still wins at
# 40 MB, 0.83 against 1.02 s).
MIN_SPLIT = 48 << 20
MIN_SPLIT_RULES = 16 << 20
WINDOW = 1 << 20  # bytes read at a cut to find the next header


def default_jobs() -> int:
    """Worker processes for `--jobs auto`: the CPUs this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan(
    source: Source, dialect: Dialect | None, parts: int, *, rules: bool = False
) -> list[Source] | None:
    """Cut a plain file into about `parts` ranges at entry boundaries; None if not worth
    it (`rules`: the ranges will be matched against rules, so smaller files pay). A
    worker keeps its memo of record texts over the ranges it reads, but each range's
    result travels back to the parent (see app.RANGE_BYTES)."""
    path = source.label
    try:
        size = os.path.getsize(path)
        if size < (MIN_SPLIT_RULES if rules else MIN_SPLIT) or parts < 2:
            return None
        with open(path, "rb") as f:
            head = f.read(65536)
            if head[:2] == b"\x1f\x8b" or has_container_prefix(
                head.decode("utf-8", "surrogateescape")
            ):
                return None
            cuts = _cuts(f, size, dialect, -(-size // parts))
    except OSError:
        return None  # the sequential read reports the problem
    bounds = [0, *cuts, size]
    return [Source(path, source.explicit, bounds[i], bounds[i + 1]) for i in range(len(cuts) + 1)]


def _cuts(f: BinaryIO, size: int, dialect: Dialect | None, step: int) -> list[int]:
    """Byte offsets, about `step` apart, where a line starts with an entry header."""
    scan = HeaderScanner(frozenset({dialect}) if dialect else ALL_DIALECTS).scan
    cuts: list[int] = []
    pos = step
    while pos < size - step // 2:
        f.seek(pos - 1)  # from the newline before, so a header at `pos` is found
        window = f.read(WINDOW).decode("utf-8", "surrogateescape")
        m = scan.search(window)
        if m is not None:
            cut = pos - 1 + len(window[: m.start() + 1].encode("utf-8", "surrogateescape"))
            if not cuts or cut > cuts[-1]:
                cuts.append(cut)
        pos = max(pos + step, (cuts[-1] if cuts else 0) + step)
    return cuts


# A worker process reads several ranges; its memo of record texts serves them all.
_MEMOS: dict[tuple[Dialect | None, Limits], Memo] = {}


def parser_for(
    source: Source, first_line: int, dialect: Dialect | None, limits: Limits, first_block: str
) -> EntryParser:
    """The parser for a source or a range of it, starting at `first_line`; ranges of a
    file share the process's memo."""
    container = not source.start and has_container_prefix(first_block[:16384])
    memo = _MEMOS.setdefault((dialect, limits), Memo()) if source.end is not None else None
    parser = EntryParser(
        source.label, dialect=dialect, limits=limits, container=container, memo=memo
    )
    parser.grouper.lineno = first_line
    return parser


def pool(jobs: int) -> Executor:
    """Worker processes; forked where the platform allows (fast start, no re-import)."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)
