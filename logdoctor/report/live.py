"""What `logdoctor watch` prints: each problem explained once, then counted.

* terminal: the first entry of an incident gets the whole explanation (as in the
  scan report); its repeats only move counters: on a terminal a live status line
  (files watched, entries seen, incidents, the latest repeat), in a pipe one short
  line per repeat. `--all` adds one line per entry no rule explains.
* jsonl: one object per finding, flushed at once (for pipes and log shippers);
  with `--all`, also one object per unexplained entry (`"rule": null`).
Log text goes through `inert` and into rich `Text`, as everywhere.
"""

from __future__ import annotations

import json
import time
from typing import Any, TextIO

from rich.console import Console
from rich.live import Live
from rich.text import Text

from logdoctor.incidents import Group, label
from logdoctor.model import Entry, Finding
from logdoctor.report import terminal
from logdoctor.report.document import Verdict, incident_dict
from logdoctor.report.safe import inert, redact
from logdoctor.report.serialize import FindingJson, entry_to_dict
from logdoctor.stats import ScanStats


def _line(text: str | None) -> str:
    return inert(redact(text or ""), keep_newlines=False)


def _when(entry: Entry) -> str:
    return entry.timestamp_text or "-"


class TerminalLive:
    """For a person watching, on a terminal or through a pipe."""

    def __init__(self, stream: TextIO, *, width: int | None, show_all: bool, files: int) -> None:
        self.console = Console(file=stream, width=width, highlight=False, emoji=False)
        self.show_all = show_all
        self.files = files
        self.latest = ""
        self.started = time.monotonic()
        self.live: Live | None = None
        if self.console.is_terminal:
            self.live = Live(console=self.console, transient=True, auto_refresh=False)
            self.live.start()

    def entry(self, entry: Entry, findings: list[Finding], groups: list[Group]) -> None:
        """Show what one new entry means."""
        for group in groups:
            if group.rule is None:
                if self.show_all:
                    self._print(
                        Text(
                            f"{_when(entry)} {entry.level.label} "
                            f"{_line(label(entry.body))}: "
                            f"{_line(entry.message.partition(chr(10))[0])}  "
                            f"({_line(entry.path)}:{entry.line})"
                        )
                    )
                continue
            if group.count == 1:  # the first of this problem in this run: explain it
                doc = incident_dict(group, Verdict(fail_on="never"))
                self._print(terminal.incident_block(doc, verbose=False))
            else:
                self.latest = (
                    f"{group.rule.id} x{group.count} (last {_when(entry)}, "
                    f"{_line(entry.path)}:{entry.line})"
                )
                if self.live is None:
                    self._print(Text(f"{_when(entry)} again: {_line(self.latest)}", style="dim"))
        if not groups and self.show_all:
            self._print(
                Text(
                    f"{_when(entry)} {entry.level.label} "
                    f"{_line(entry.message.partition(chr(10))[0])}  "
                    f"({_line(entry.path)}:{entry.line})",
                    style="dim",
                )
            )

    def _print(self, renderable: Any) -> None:
        self.console.print(renderable)

    def tick(self, stats: ScanStats) -> None:
        """Refresh the status line (terminal only)."""
        if self.live is None:
            return
        status = Text(
            f"watching {self.files} files · {stats.entries} entries · "
            f"{len(stats.groups.incidents)} incidents",
            style="bold",
        )
        if self.latest:
            status.append(f" · {_line(self.latest)}", style="dim")
        self.live.update(status, refresh=True)

    def end(self, stats: ScanStats) -> None:
        """The run's summary."""
        if self.live is not None:
            self.live.stop()
        minutes = (time.monotonic() - self.started) / 60
        incidents = stats.groups.ranked_incidents()
        self.console.print(
            Text(
                f"Stopped after {minutes:.1f} min: {stats.entries} entries, "
                f"{len(incidents)} incidents",
                style="bold",
            )
        )
        for group in incidents:
            assert group.rule is not None
            self.console.print(
                Text(f"  x{group.count} [{group.rule.severity.label}] {group.rule.id}  ")
                + Text(_line(group.rule.title))
            )


class JsonlLive:
    """For pipes and log shippers: one JSON object per line, flushed at once."""

    def __init__(self, stream: TextIO, *, show_all: bool, err: TextIO) -> None:
        self.stream = stream
        self.show_all = show_all
        self.err = err
        self.encode = FindingJson()

    def entry(self, entry: Entry, findings: list[Finding], groups: list[Group]) -> None:
        """Write the entry's findings (and, with --all, the entry when none)."""
        for finding in findings:
            self.stream.write(self.encode(finding) + "\n")
        if not findings and self.show_all:
            item = entry_to_dict(entry)
            keep = ("path", "line", "end_line", "timestamp", "level", "dialect", "kind")
            doc = {k: item[k] for k in keep}
            doc.update(exception=item["exception"], message=item["message"], rule=None)
            self.stream.write(json.dumps(doc) + "\n")
        if findings or self.show_all:
            self.stream.flush()

    def tick(self, stats: ScanStats) -> None:
        """Nothing to refresh in a stream."""

    def end(self, stats: ScanStats) -> None:
        """The run's summary, on stderr (stdout stays one object per line)."""
        self.err.write(
            f"logdoctor: stopped: {stats.entries} entries, "
            f"{len(stats.groups.incidents)} incidents\n"
        )
        self.err.flush()
