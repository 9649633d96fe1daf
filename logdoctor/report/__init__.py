"""Output formats: entry reporters (`parse`) and scan report formats (`scan`).

Reporters never import `parse/`; they see entries and the report document only.
Every text that comes from a log goes through `safe.inert` before it reaches a
screen, a file or a CI server.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from logdoctor.config import FAIL_ON
    from logdoctor.report.document import Verdict, build
    from logdoctor.report.entries import ENTRY_FORMATS, EntryReporter

Render = Callable[[dict[str, Any], TextIO, int | None, bool], None]

# The formats' modules (rich, XML, HTML) are imported when a format is used, not when
# the package is: `probe imap` and `explain` start in a fraction of the time (bench/).
_LAZY = {
    "FAIL_ON": "logdoctor.config",
    "Verdict": "logdoctor.report.document",
    "build": "logdoctor.report.document",
    "ENTRY_FORMATS": "logdoctor.report.entries",
    "EntryReporter": "logdoctor.report.entries",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _terminal(doc: dict[str, Any], out: TextIO, width: int | None, verbose: bool) -> None:
    from logdoctor.report import terminal

    terminal.render(doc, out, width=width, verbose=verbose)


def _ci(name: str) -> Render:
    def render(doc: dict[str, Any], out: TextIO, width: int | None, verbose: bool) -> None:
        from logdoctor.report import ci

        getattr(ci, f"render_{name}")(doc, out)

    return render


def _html(doc: dict[str, Any], out: TextIO, width: int | None, verbose: bool) -> None:
    from logdoctor.report import html

    html.render_html(doc, out)


REPORT_FORMATS: dict[str, Render] = {
    "terminal": _terminal,
    "json": _ci("json"),
    "parsable": _ci("parsable"),
    "github": _ci("github"),
    "junit": _ci("junit"),
    "html": _html,
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
