"""The pipelines: inputs -> entries (-> findings, later) -> reporters.

Glue between sources, parse and report. Generators all the way, so memory stays
flat whatever the input size. Imports no click: the CLI builds the options and
calls these functions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from logdoctor.errors import InputError
from logdoctor.model import Dialect, Entry
from logdoctor.parse import EntryParser, Limits, has_container_prefix
from logdoctor.sources import OnError, expand, read_blocks
from logdoctor.stats import ScanStats


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How inputs are read and grouped."""

    dialect: Dialect | None = None  # None: every dialect's headers are recognised
    limits: Limits = Limits()  # noqa: RUF009 - an immutable NamedTuple


def iter_entries(
    inputs: Sequence[str], *, options: ReadOptions, on_error: OnError
) -> Iterator[Entry]:
    """Every entry of every input, in order; input problems go to `on_error`."""
    for source in expand(inputs, on_error):
        parser: EntryParser | None = None
        try:
            for text, at_line_start in read_blocks(source):
                if parser is None:
                    parser = EntryParser(
                        source.label,
                        dialect=options.dialect,
                        limits=options.limits,
                        container=has_container_prefix(text[:16384]),
                    )
                yield from parser.feed(text, at_line_start=at_line_start)
        except InputError as exc:
            on_error(exc)
        if parser is not None:
            yield from parser.flush()


def scan(inputs: Sequence[str], *, options: ReadOptions, on_error: OnError) -> ScanStats:
    """Read every input and count what is there."""
    stats = ScanStats()
    for entry in iter_entries(inputs, options=options, on_error=on_error):
        stats.add(entry)
    return stats
