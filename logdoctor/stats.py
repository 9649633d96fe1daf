"""Counts over entries: what `scan` reports until rules land. Imports model and parse."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from logdoctor.match import Matcher
from logdoctor.model import Body, Dialect, Entry, Level, Rule
from logdoctor.parse import Tally
from logdoctor.parse.headers import parse_timestamp

TOP_KEEP = 20_000  # distinct messages tracked; beyond, the rarest half is forgotten
KEYS_KEEP = 4096  # bodies whose message key is remembered (they stay alive meanwhile)


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
    """What a scan found: per-file counts and the most frequent messages."""

    files: dict[str, FileStats] = field(default_factory=dict)
    messages: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    findings: Counter[str] = field(default_factory=Counter)  # rule id -> entries explained
    rule_meta: dict[str, Rule] = field(default_factory=dict, repr=False)
    # (label, first line) of each body seen, so repeats cost one lookup. Bounded.
    _keys: dict[Body, tuple[str, str] | None] = field(default_factory=dict, repr=False)

    @property
    def entries(self) -> int:
        """Entries over all files."""
        return sum(f.entries for f in self.files.values())

    def add(self, entry: Entry, matcher: Matcher | None = None) -> None:
        """Count one entry (called for every entry of a scan: kept lean)."""
        if matcher is not None:
            for finding in matcher.findings(entry):
                self.findings[finding.rule.id] += 1
        stats = self.files.get(entry.path)
        if stats is None:
            stats = self.files[entry.path] = FileStats(entry.path)
        stats.entries += 1
        stats.lines = entry.end_line
        if entry.raw_dropped and not entry.body.frames_dropped:
            stats.truncated += 1  # else counted by _count_body
        if entry.timestamp is not None:
            stats.first = stats.first or entry.timestamp
            stats.last = entry.timestamp
        self._count_body(stats, entry.body, 1)
        if len(self.messages) > TOP_KEEP:
            self._trim()

    def add_tally(
        self, path: str, tally: Tally, end_line: int, matcher: Matcher | None = None
    ) -> None:
        """Count a block's entries from their bodies (`EntryParser.feed_bodies`): the
        work is per distinct body of the block, not per entry."""
        stats = self.files.get(path)
        if stats is None:
            stats = self.files[path] = FileStats(path)
        stats.entries += len(tally.bodies)
        stats.lines = max(stats.lines, end_line)
        stats.truncated += tally.truncated
        if tally.first_ts is not None and stats.first is None:
            stats.first = parse_timestamp(tally.first_ts)
        if tally.last_ts is not None:
            stats.last = parse_timestamp(tally.last_ts) or stats.last
        for body, n in Counter(tally.bodies).items():
            if matcher is not None:
                probe = Entry(path, 0, 0, None, None, "", body)  # body-level rules read no more
                for compiled, _ in matcher.body_hits(probe):
                    self.findings[compiled.rule.id] += n
            self._count_body(stats, body, n)
        self._trim()

    def _count_body(self, stats: FileStats, body: Body, n: int) -> None:
        """What `n` entries sharing `body` add: dialect, level, truncation, message."""
        stats.dialects[body.dialect] += n
        stats.levels[body.level] += n
        if body.frames_dropped:
            stats.truncated += n
        key = self._keys[body] if body in self._keys else self._message_key(body)
        if key is not None:
            self.messages[key] += n

    def _message_key(self, body: Body) -> tuple[str, str] | None:
        key = None
        if body.level >= Level.NOTICE or body.dialect is Dialect.GLPI_FILE:
            label = body.exception or body.kind or body.level.label
            key = (label, body.message.partition("\n")[0][:200])
        if len(self._keys) >= KEYS_KEEP:
            self._keys.clear()
        self._keys[body] = key
        return key

    def merge(self, later: ScanStats) -> None:
        """Add the counts of a scan of what comes next (another file, or the next range
        of a file, whose lines were numbered from 1)."""
        for path, other in later.files.items():
            mine = self.files.get(path)
            if mine is None:
                self.files[path] = other
                continue
            mine.entries += other.entries
            mine.lines += other.lines  # `later` numbered its lines from 1
            mine.truncated += other.truncated
            mine.dialects.update(other.dialects)
            mine.levels.update(other.levels)
            mine.first = mine.first or other.first
            mine.last = other.last or mine.last
        self.messages.update(later.messages)
        self._trim()
        self.errors.extend(later.errors)
        self.findings.update(later.findings)

    def _trim(self) -> None:
        if len(self.messages) > TOP_KEEP:
            self.messages = Counter(dict(self.messages.most_common(TOP_KEEP // 2)))

    def __getstate__(self) -> tuple[object, ...]:
        # Sent back from worker processes: without the per-body cache.
        return (self.files, self.messages, self.errors, self.findings)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        self.files, self.messages, self.errors, self.findings = state  # type: ignore[assignment]
        self._keys = {}
        self.rule_meta = {}
