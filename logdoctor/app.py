"""The pipelines: inputs -> entries (-> findings, later) -> reporters.

Glue between sources, parse and report. Generators all the way, so memory stays
flat whatever the input size. Imports no click: the CLI builds the options and
calls these functions.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import NoReturn

from logdoctor import parallel
from logdoctor.errors import InputError
from logdoctor.incidents import Grouping, Selection, wall
from logdoctor.match import CompiledRule, Matcher
from logdoctor.model import Dialect, Entry, Finding, Level
from logdoctor.parse import EntryParser, Limits, Tally
from logdoctor.sources import OnError, Source, expand, read_blocks
from logdoctor.stats import ScanStats

log = logging.getLogger("logdoctor")
Progress = Callable[[int, int], None]
# A big file is cut into one range per job, or into ranges of about RANGE_BYTES when
# that makes more: each range's result (its incident groups) is pickled back and
# merged, measured at about 0.13 s of CPU a range, so 200 MB on 2 jobs reads fastest
# in 2 ranges (1.75 s against 2.16 s in 8); a multi-GB file still gets enough ranges
# for the progress bar to move and for a slower CPU to take fewer of them.
RANGE_BYTES = 256 << 20
# Entries whose tallies are counted together: the Python work of counting is per
# distinct record and group of a batch, so several blocks' worth (a few MB of lists,
# not of text) cost less than one count a block.
TALLY_BATCH = 16_384


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How inputs are read and grouped."""

    dialect: Dialect | None = None  # None: every dialect's headers are recognised
    limits: Limits = Limits()  # noqa: RUF009 - an immutable NamedTuple


def bulk_reading() -> None:
    """Set the garbage collector for a big read (the CLI's `scan` and `parse`, once
    start-up is done). Reading a log makes millions of short-lived objects, freed by
    their reference counts, and no reference cycles (a scan of the bench corpora with
    the collector off leaves none to collect). What stays alive is bounded by the
    memos, so the young generation is collected only once a million objects more are
    alive than at the last collection: never in a scan of the bench corpora, where
    every collection at 50,000 took 20-70 ms (6 in a scan of 200 MB, 3-5% of its
    time) to find nothing. Cycles, if some path made them, still set it off. What
    start-up loaded (modules, rules) is left out of full collections. Forked workers
    inherit the setting."""
    gc.freeze()
    gc.set_threshold(1_000_000, 10, 10)


def finish(code: int) -> NoReturn:
    """Exit with `code` once the output is flushed, skipping the interpreter's teardown:
    after a big read it frees every remembered record, body and cache one object at a
    time (0.6 s after a scan of the 200 MB bench corpus, measured). For the end of a
    command, when files are closed and worker processes joined. Output that cannot be
    written ends with exit code 2 and one line on stderr (1, silently, when the reader
    of a pipe went away, as click does)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = 1
    except OSError as exc:
        with contextlib.suppress(OSError):
            sys.stderr.write(f"logdoctor: cannot write the output: {exc.strerror}\n")
        code = 2
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    os._exit(code)


def iter_entries(
    inputs: Sequence[str | Source], *, options: ReadOptions, on_error: OnError
) -> Iterator[Entry]:
    """Every entry of every input, in order; input problems go to `on_error`."""
    sources = ([item] if isinstance(item, Source) else expand([item], on_error) for item in inputs)
    for source in (s for group in sources for s in group):
        parser: EntryParser | None = None
        try:
            for text, at_line_start in read_blocks(source):
                if parser is None:
                    parser = parallel.parser_for(source, 1, options.dialect, options.limits, text)
                yield from parser.feed(text, at_line_start=at_line_start)
        except InputError as exc:
            on_error(exc)
        if parser is not None:
            yield from parser.flush()


def scan(
    inputs: Sequence[str],
    *,
    options: ReadOptions,
    on_error: OnError,
    jobs: int = 1,
    rules: Sequence[CompiledRule] = (),
    selection: Selection = Selection(),  # noqa: B008 - an immutable NamedTuple
    progress: Progress | None = None,
) -> ScanStats:
    """Read every input, count what is there and group it into incidents; big files
    in `jobs` processes. `progress(bytes_done, bytes_total)` is called as it goes."""
    stats = ScanStats(groups=Grouping(selection))
    executor = None
    sources = list(expand(inputs, on_error))
    total = sum(_size(s) for s in sources)
    done = 0
    try:
        for source in sources:
            # One job reads in this process: ranges only pay for themselves in parallel.
            parts = max(jobs, -(-_size(source) // RANGE_BYTES))
            ranges = (
                parallel.plan(source, options.dialect, parts, rules=bool(rules))
                if jobs > 1
                else None
            )
            if ranges is None:
                on_read = None
                if progress is not None:
                    on_read = functools.partial(_advance, progress, done, total)
                stats.merge(_scan_range((source, options, rules, selection), on_error, on_read))
            else:
                executor = executor or parallel.pool(jobs)
                tasks = [(rng, options, rules, selection) for rng in ranges]
                try:
                    for rng, part in zip(ranges, executor.map(_scan_range, tasks), strict=True):
                        stats.merge(part)
                        if progress is not None:
                            progress(done + (rng.end or 0), total)
                except InputError as exc:
                    on_error(exc)
            done += _size(source)
            if progress is not None:
                progress(done, total)
    finally:
        if executor is not None:
            executor.shutdown()
    return stats


def _advance(progress: Progress, before: int, total: int, read: int) -> None:
    progress(before + read, total)


def _size(source: Source) -> int:
    if source.end is not None:
        return source.end - source.start
    try:
        return os.path.getsize(source.label) if source.label != "-" else 0
    except OSError:
        return 0


def _scan_range(
    task: tuple[Source, ReadOptions, Sequence[CompiledRule], Selection],
    on_error: OnError | None = None,
    on_read: Callable[[int], None] | None = None,
) -> ScanStats:
    """The counts of one source, or one range of it (run in a worker process, where
    an input error propagates to the parent; in-process it goes to `on_error`, and
    `on_read` is told the bytes read as they are).

    Rules are matched once per distinct record (Matcher remembers bodies); only
    rules that read raw text make every entry go through them."""
    source, options, rules, selection = task
    stats = ScanStats(groups=Grouping(selection))
    matcher = _matcher(rules) if rules else None
    per_entry = matcher is not None and matcher.per_entry
    parser: EntryParser | None = None
    pending: Tally | None = None  # the tallies of the blocks read since the last count
    try:
        for text, at_line_start in read_blocks(source, on_read=on_read):
            if parser is None:
                parser = parallel.parser_for(source, 1, options.dialect, options.limits, text)
            if per_entry:
                for entry in parser.feed(text, at_line_start=at_line_start):
                    stats.add(entry, matcher)
                continue
            tally = parser.feed_bodies(text, at_line_start=at_line_start)
            if pending is None:
                pending = tally
            else:
                pending.extend(tally)
            if len(pending) >= TALLY_BATCH:
                stats.add_tally(source.label, pending, parser.grouper.lineno - 1, matcher)
                pending = None
    except InputError as exc:
        if on_error is None:
            raise
        on_error(exc)
    if parser is not None:
        if pending is not None:
            stats.add_tally(source.label, pending, parser.grouper.lineno - 1, matcher)
        for entry in parser.flush():
            stats.add(entry, matcher)
    return stats


_MATCHERS: dict[tuple[str, ...], Matcher] = {}


def _matcher(rules: Sequence[CompiledRule]) -> Matcher:
    """One Matcher a rule set and process: a worker reading several ranges keeps its
    memo of results."""
    key = tuple(c.rule.source for c in rules)
    if key not in _MATCHERS:
        _MATCHERS.clear()
        _MATCHERS[key] = Matcher(rules, on_timeout=_warn)
    return _MATCHERS[key]


def findings(
    inputs: Sequence[str],
    *,
    options: ReadOptions,
    on_error: OnError,
    rules: Sequence[CompiledRule],
    selection: Selection = Selection(),  # noqa: B008 - an immutable NamedTuple
) -> Iterator[Finding]:
    """Every finding of every selected entry, in input order (streams)."""
    matcher = Matcher(rules, on_timeout=_warn)
    min_level, since, until = selection
    for entry in iter_entries(inputs, options=options, on_error=on_error):
        if entry.level < min_level and entry.level is not Level.UNKNOWN:
            continue
        if since or until:
            when = wall(entry.timestamp_text or "")
            if not when or (since and when < since) or (until and when >= until):
                continue
        yield from matcher.findings(entry)


def _warn(message: str) -> None:
    log.warning("%s", message)
