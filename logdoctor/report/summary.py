"""`logdoctor scan` before rules: per-file counts by dialect and level, top messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from logdoctor.report.safe import inert
from logdoctor.stats import ScanStats

SCAN_FORMAT_VERSION = 1


def _when(stamp: datetime | None) -> str | None:
    """A time as the log meant it: ISO 8601, with its offset only if the log gave a zone."""
    return stamp.isoformat(sep=" ") if stamp else None


def _as_dict(stats: ScanStats, top: int) -> dict[str, Any]:
    return {
        "format_version": SCAN_FORMAT_VERSION,
        "entries": stats.entries,
        "files": [
            {
                "path": f.path,
                "entries": f.entries,
                "lines": f.lines,
                "truncated": f.truncated,
                "first": _when(f.first),
                "last": _when(f.last),
                "dialects": dict(sorted((d.value, n) for d, n in f.dialects.items())),
                "levels": dict(sorted((lvl.label, n) for lvl, n in f.levels.items())),
            }
            for f in stats.files.values()
        ],
        "problems": [
            {
                "rule": rule_id,
                "title": stats.rule_meta[rule_id].title if rule_id in stats.rule_meta else "",
                "severity": (
                    stats.rule_meta[rule_id].severity.label if rule_id in stats.rule_meta else ""
                ),
                "count": n,
            }
            for rule_id, n in _problems(stats)
        ],
        "top_messages": [
            {"count": n, "what": what, "message": msg} for (what, msg), n in _top(stats, top)
        ],
        "errors": stats.errors,
    }


def _problems(stats: ScanStats) -> list[tuple[str, int]]:
    """Rule ids by severity (worst first), then count, then id."""
    meta = stats.rule_meta

    def key(item: tuple[str, int]) -> tuple[int, int, str]:
        rule = meta.get(item[0])
        return (-(rule.severity if rule else 0), -item[1], item[0])

    return sorted(stats.findings.items(), key=key)


def _top(stats: ScanStats, top: int) -> list[tuple[tuple[str, str], int]]:
    return sorted(stats.messages.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def _render_json(stats: ScanStats, stream: TextIO, top: int, width: int | None) -> None:
    stream.write(json.dumps(_as_dict(stats, top), indent=2) + "\n")


def _render_text(stats: ScanStats, stream: TextIO, top: int, width: int | None) -> None:
    console = Console(file=stream, width=width, highlight=False)
    files = Table(title=f"{len(stats.files)} files, {stats.entries} entries", title_justify="left")
    for col in ("file", "entries", "from", "to", "dialects", "levels"):
        files.add_column(col, overflow="fold")
    for f in stats.files.values():
        dialects = ", ".join(f"{k.value} {v}" for k, v in f.dialects.most_common())
        levels = ", ".join(f"{k.label} {v}" for k, v in f.levels.most_common())
        cells = (
            f.path,
            str(f.entries),
            _when(f.first) or "",
            _when(f.last) or "",
            dialects,
            levels,
        )
        files.add_row(*(Text(inert(c, keep_newlines=False)) for c in cells))
    console.print(files)
    if stats.findings:
        problems = Table(title="Known problems", title_justify="left")
        for col in ("severity", "count", "rule", "title"):
            problems.add_column(col, overflow="fold")
        for rule_id, n in _problems(stats):
            rule = stats.rule_meta.get(rule_id)
            severity, title = (rule.severity.label, rule.title) if rule else ("", "")
            problems.add_row(Text(severity), Text(str(n)), Text(rule_id), Text(inert(title)))
        console.print(problems)
    msgs = Table(title="Most frequent messages", title_justify="left")
    for col in ("count", "what", "message"):
        msgs.add_column(col, overflow="fold")
    for (what, msg), n in _top(stats, top):
        msgs.add_row(
            str(n), Text(inert(what, keep_newlines=False)), Text(inert(msg, keep_newlines=False))
        )
    console.print(msgs)


SCAN_FORMATS: dict[str, Callable[[ScanStats, TextIO, int, int | None], None]] = {
    "text": _render_text,
    "json": _render_json,
}


def render_scan(
    stats: ScanStats, stream: TextIO, *, fmt: str, top: int = 10, width: int | None = None
) -> None:
    """Write the scan summary in format `fmt`."""
    SCAN_FORMATS[fmt](stats, stream, top, width)
