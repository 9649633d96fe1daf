"""Counts over entries: per file, and grouped into incidents (incidents.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from logdoctor.incidents import Group, Grouping, Hits, HitsOf
from logdoctor.match import Matcher
from logdoctor.model import Body, Dialect, Entry, Level
from logdoctor.parse import Tally
from logdoctor.parse.headers import parse_timestamp


def _no_hits(body: Body) -> Hits:
    return ()


def _hits_of(matcher: Matcher, path: str) -> HitsOf:
    """The rule hits of a body, which the grouping asks for once per record text it
    has not seen (body-level rules read no more than the body)."""

    def hits_of(body: Body) -> Hits:
        found = matcher.body_hits(Entry(path, 0, 0, None, None, "", body))
        return [(c.rule, captures) for c, captures in found] if found else ()

    return hits_of


@dataclass(slots=True)
class FileStats:
    """Counts for one input file."""

    path: str
    entries: int = 0
    lines: int = 0
    truncated: int = 0
    dialects: Counter[Dialect] = field(default_factory=Counter)
    levels: Counter[Level] = field(default_factory=Counter)
    first: datetime | None = None
    last: datetime | None = None


@dataclass(slots=True)
class ScanStats:
    """What a scan found: per-file counts, and the entries grouped into incidents."""

    files: dict[str, FileStats] = field(default_factory=dict)
    groups: Grouping = field(default_factory=Grouping)
    errors: list[str] = field(default_factory=list)

    @property
    def entries(self) -> int:
        """Entries over all files."""
        return sum(f.entries for f in self.files.values())

    def _file(self, path: str) -> FileStats:
        stats = self.files.get(path)
        if stats is None:
            stats = self.files[path] = FileStats(path)
        return stats

    def add(self, entry: Entry, matcher: Matcher | None = None) -> None:
        """Count one entry (the per-entry path: rules that read raw text)."""
        hits = (
            [(f.rule, f.captures) for f in matcher.findings(entry)] if matcher is not None else []
        )
        self.add_found(entry, hits)

    def add_found(self, entry: Entry, hits: Hits) -> list[Group]:
        """Count one entry whose rule hits are known; the groups it counted in."""
        stats = self._file(entry.path)
        stats.entries += 1
        stats.lines = entry.end_line
        if entry.raw_dropped and not entry.body.frames_dropped:
            stats.truncated += 1  # else counted by _count_body
        if entry.timestamp is not None:
            stats.first = stats.first or entry.timestamp
            stats.last = entry.timestamp
        self._count_body(stats, entry.body, 1)
        return self.groups.add_entry(
            entry.path, entry.body, entry.timestamp_text or "", entry.line, hits
        )

    def add_tally(
        self, path: str, tally: Tally, end_line: int, matcher: Matcher | None = None
    ) -> None:
        """Count a block's entries from their bodies (`EntryParser.feed_bodies`): the
        work is per distinct body of the block, not per entry."""
        stats = self._file(path)
        stats.entries += len(tally.bodies)
        stats.lines = max(stats.lines, end_line)
        stats.truncated += tally.truncated
        first_ts, last_ts = tally.first_ts, tally.last_ts
        if first_ts is not None and stats.first is None:
            stats.first = parse_timestamp(first_ts)
        if last_ts is not None:
            stats.last = parse_timestamp(last_ts) or stats.last
        counts = Counter(tally.bodies)
        for body, n in counts.items():
            self._count_body(stats, body, n)
        hits_of = _no_hits if matcher is None else _hits_of(matcher, path)
        self.groups.add_block(path, tally.bodies, tally.stamps, tally.lines, hits_of, counts)

    @staticmethod
    def _count_body(stats: FileStats, body: Body, n: int) -> None:
        """What `n` entries sharing `body` add: dialect, level, truncation."""
        stats.dialects[body.dialect] += n
        stats.levels[body.level] += n
        if body.frames_dropped:
            stats.truncated += n

    def merge(self, later: ScanStats) -> None:
        """Add the counts of a scan of what comes next (another file, or the next range
        of a file, whose lines were numbered from 1)."""
        for path, other in later.files.items():
            mine = self.files.get(path)
            if mine is None:
                self.files[path] = other
                continue
            later.groups.shift(path, mine.lines)
            mine.entries += other.entries
            mine.lines += other.lines  # `later` numbered its lines from 1
            mine.truncated += other.truncated
            mine.dialects.update(other.dialects)
            mine.levels.update(other.levels)
            mine.first = mine.first or other.first
            mine.last = other.last or mine.last
        self.groups.merge(later.groups)
        self.errors.extend(later.errors)
