"""Counts over entries: what `scan` reports until rules land. Imports model only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from logdoctor.model import Dialect, Entry, Level

TOP_KEEP = 20_000  # distinct messages tracked; beyond, the rarest half is forgotten


@dataclass(slots=True)
class FileStats:
    """Counts for one input file."""

    path: str
    entries: int = 0
    lines: int = 0
    truncated: int = 0
    dialects: Counter[str] = field(default_factory=Counter)
    levels: Counter[str] = field(default_factory=Counter)
    first: datetime | None = None
    last: datetime | None = None


@dataclass(slots=True)
class ScanStats:
    """What a scan found: per-file counts and the most frequent messages."""

    files: dict[str, FileStats] = field(default_factory=dict)
    messages: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def entries(self) -> int:
        """Entries over all files."""
        return sum(f.entries for f in self.files.values())

    def add(self, entry: Entry) -> None:
        """Count one entry."""
        stats = self.files.get(entry.path)
        if stats is None:
            stats = self.files[entry.path] = FileStats(entry.path)
        stats.entries += 1
        stats.lines = entry.end_line
        stats.truncated += entry.truncated
        stats.dialects[entry.dialect.value] += 1
        stats.levels[entry.level.label] += 1
        if entry.timestamp is not None:
            stats.first = stats.first or entry.timestamp
            stats.last = entry.timestamp
        if entry.level >= Level.NOTICE or entry.dialect is Dialect.GLPI_FILE:
            self._count_message(entry)

    def _count_message(self, entry: Entry) -> None:
        label = entry.exception or entry.kind or entry.level.label
        first_line = entry.message.split("\n", 1)[0][:200]
        self.messages[(label, first_line)] += 1
        if len(self.messages) > TOP_KEEP:
            keep = self.messages.most_common(TOP_KEEP // 2)
            self.messages = Counter(dict(keep))
