"""Output formats: entry reporters (`parse`) and scan report formats (`scan`).

Reporters never import `parse/`; they see entries and the report document only.
Every text that comes from a log goes through `safe.inert` before it reaches a
screen, a file or a CI server.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TextIO

from logdoctor.config import FAIL_ON
from logdoctor.report import ci, html, terminal
from logdoctor.report.document import Verdict, build
from logdoctor.report.entries import ENTRY_FORMATS, EntryReporter

Render = Callable[[dict[str, Any], TextIO, int | None, bool], None]

REPORT_FORMATS: dict[str, Render] = {
    "terminal": lambda doc, out, width, verbose: terminal.render(
        doc, out, width=width, verbose=verbose
    ),
    "json": lambda doc, out, width, verbose: ci.render_json(doc, out),
    "parsable": lambda doc, out, width, verbose: ci.render_parsable(doc, out),
    "github": lambda doc, out, width, verbose: ci.render_github(doc, out),
    "junit": lambda doc, out, width, verbose: ci.render_junit(doc, out),
    "html": lambda doc, out, width, verbose: html.render_html(doc, out),
}
STREAM_FORMATS = ("jsonl",)  # one object per finding, written as entries are read


def auto_format(stream: TextIO) -> str:
    """`github` under GitHub Actions, `terminal` on a terminal, `parsable` otherwise."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    return "terminal" if stream.isatty() else "parsable"


__all__ = [
    "ENTRY_FORMATS",
    "FAIL_ON",
    "REPORT_FORMATS",
    "STREAM_FORMATS",
    "EntryReporter",
    "Verdict",
    "auto_format",
    "build",
]
