"""The pipelines: inputs -> entries (-> findings, later) -> reporters.

Glue between sources, parse and report. Generators all the way, so memory stays
flat whatever the input size. Imports no click: the CLI builds the options and
calls these functions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from logdoctor import parallel
from logdoctor.errors import InputError
from logdoctor.match import CompiledRule, Matcher
from logdoctor.model import Dialect, Entry, Finding
from logdoctor.parse import EntryParser, Limits
from logdoctor.sources import OnError, Source, expand, read_blocks
from logdoctor.stats import ScanStats

log = logging.getLogger("logdoctor")
RANGES_PER_JOB = 4  # ranges a worker reads in a parallel scan: balance against slow CPUs


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How inputs are read and grouped."""

    dialect: Dialect | None = None  # None: every dialect's headers are recognised
    limits: Limits = Limits()  # noqa: RUF009 - an immutable NamedTuple


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
) -> ScanStats:
    """Read every input and count what is there, and which rules explain it; big
    files in `jobs` processes."""
    stats = ScanStats(rule_meta={c.rule.id: c.rule for c in rules})
    executor = None
    try:
        for source in expand(inputs, on_error):
            ranges = parallel.plan(source, options.dialect, jobs * RANGES_PER_JOB)
            if ranges is None:
                stats.merge(_scan_range((source, 1, options, rules), on_error))
                continue
            executor = executor or parallel.pool(jobs)
            tasks = [(rng, 1, options, rules) for rng in ranges]
            try:
                for part in executor.map(_scan_range, tasks):
                    stats.merge(part)
            except InputError as exc:
                on_error(exc)
    finally:
        if executor is not None:
            executor.shutdown()
    return stats


def _scan_range(
    task: tuple[Source, int, ReadOptions, Sequence[CompiledRule]], on_error: OnError | None = None
) -> ScanStats:
    """The counts of one source, or one range of it (run in a worker process, where
    an input error propagates to the parent; in-process it goes to `on_error`).

    Rules are matched once per distinct record (Matcher remembers bodies); only
    rules that read raw text make every entry go through them."""
    source, first_line, options, rules = task
    stats = ScanStats()
    matcher = _matcher(rules) if rules else None
    per_entry = matcher is not None and matcher.per_entry
    parser: EntryParser | None = None
    try:
        for text, at_line_start in read_blocks(source):
            if parser is None:
                parser = parallel.parser_for(
                    source, first_line, options.dialect, options.limits, text
                )
            if per_entry:
                for entry in parser.feed(text, at_line_start=at_line_start):
                    stats.add(entry, matcher)
                continue
            tally = parser.feed_bodies(text, at_line_start=at_line_start)
            stats.add_tally(source.label, tally, parser.grouper.lineno - 1, matcher)
    except InputError as exc:
        if on_error is None:
            raise
        on_error(exc)
    if parser is not None:
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
) -> Iterator[Finding]:
    """Every finding of every entry, in input order (streams)."""
    matcher = Matcher(rules, on_timeout=_warn)
    for entry in iter_entries(inputs, options=options, on_error=on_error):
        yield from matcher.findings(entry)


def _warn(message: str) -> None:
    log.warning("%s", message)
