"""Reporters for `logdoctor parse`: one JSON object per entry, or a readable table."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from logdoctor.model import Entry
from logdoctor.report.safe import inert, redact
from logdoctor.report.serialize import EntryJson


class EntryReporter(ABC):
    """start / entry / end, streaming."""

    def __init__(self, stream: TextIO, *, raw: bool = False, width: int | None = None) -> None:
        self.stream = stream
        self.raw = raw
        self.width = width

    def start(self) -> None:  # noqa: B027 - optional hook
        """Called once before the first entry."""

    @abstractmethod
    def entry(self, entry: Entry) -> None:
        """Called for each entry, in input order."""

    def end(self) -> None:  # noqa: B027 - optional hook
        """Called once after the last entry."""


class JsonlReporter(EntryReporter):
    """One JSON object per line (schema in README: `parse --format jsonl`)."""

    def start(self) -> None:
        """Prepare the encoder."""
        self.encode = EntryJson(raw=self.raw)

    def entry(self, entry: Entry) -> None:
        """Write the entry as one line of JSON."""
        self.stream.write(self.encode(entry) + "\n")


class TableReporter(EntryReporter):
    """A readable table, rendered in pages of rows so memory stays flat."""

    PAGE = 200

    def start(self) -> None:
        """Prepare the console."""
        self.console = Console(file=self.stream, width=self.width, highlight=False)
        self.rows: list[Entry] = []

    def entry(self, entry: Entry) -> None:
        """Queue a row; print a page when full."""
        self.rows.append(entry)
        if len(self.rows) >= self.PAGE:
            self._page()

    def end(self) -> None:
        """Print the last rows."""
        if self.rows:
            self._page()

    def _page(self) -> None:
        table = Table(show_lines=False, expand=False)
        for col in ("where", "time", "level", "dialect", "what", "message", "origin"):
            table.add_column(col, overflow="fold")
        for e in self.rows:
            what = e.exception or e.kind or ""
            origin = f"{e.origin.file}:{e.origin.line}" if e.origin else ""
            if e.frames:
                origin += f" (+{len(e.frames)} frames)"
            lines = f"{e.line}" if e.line == e.end_line else f"{e.line}-{e.end_line}"
            cells = (
                f"{e.path}:{lines}",
                e.timestamp_text or "",
                e.level.label,
                e.dialect.value,
                what,
                e.message.split("\n", 1)[0][:300],
                origin,
            )
            table.add_row(*(Text(inert(redact(c), keep_newlines=False)) for c in cells))
        self.console.print(table)
        self.rows = []


ENTRY_FORMATS: dict[str, type[EntryReporter]] = {
    "jsonl": JsonlReporter,
    "table": TableReporter,
}
