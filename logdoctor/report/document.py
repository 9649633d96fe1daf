"""The scan report as one JSON-ready document: every format renders from it.

Built once from `ScanStats` (incidents.py does the grouping); `json` writes it as
it is, the other formats (terminal, parsable, github, junit, html) pick from it, so
they cannot disagree. The shape is versioned (`format_version`) and documented in
the README; change both together.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from logdoctor.incidents import Group, key_frame, label
from logdoctor.model import Frame, Severity, fill
from logdoctor.report.safe import redact, redact_all
from logdoctor.stats import ScanStats

REPORT_FORMAT_VERSION = 2


@dataclass(frozen=True, slots=True)
class Verdict:
    """What decides the exit code: the `--fail-on` threshold and the baseline."""

    fail_on: str = "error"  # a Severity label, or "never"
    baseline: Collection[str] | None = None  # incident ids already known; None: no baseline

    def threshold(self) -> Severity | None:
        """The lowest severity that fails, or None (`never`)."""
        return None if self.fail_on == "never" else Severity[self.fail_on.upper()]

    def is_new(self, incident_id: str) -> bool:
        """True when `incident_id` is not in the baseline (always, without one)."""
        return self.baseline is None or incident_id not in self.baseline

    def fails(self, group: Group) -> bool:
        """True when this incident makes the scan fail."""
        return group.severity is not None and self.fails_with(group.severity, group.id)

    def fails_with(self, severity: Severity, incident_id: str) -> bool:
        """True when an incident of this severity and id makes the scan fail."""
        threshold = self.threshold()
        return threshold is not None and severity >= threshold and self.is_new(incident_id)


def _when(stamp: datetime | None) -> str | None:
    """A parsed timestamp as local wall-clock text, as incidents' first and last seen."""
    return _naive(stamp).isoformat(sep=" ") if stamp else None


def _frame(frame: Frame | None) -> dict[str, Any] | None:
    return {"file": frame.file, "line": frame.line, "call": frame.call} if frame else None


def where_text(loc: dict[str, Any] | None) -> str:
    """A location of the document as `path:line`."""
    return f"{loc['path']}:{loc['line']}" if loc else "-"


def frame_text(frame: dict[str, Any] | None) -> str:
    """A frame of the document as `file:line call`."""
    if not frame:
        return ""
    line = f":{frame['line']}" if frame["line"] is not None else ""
    return f"{frame['file']}{line} {frame['call']}".rstrip()


def _seen(group: Group) -> dict[str, Any]:
    first, last = group.first, group.last
    return {
        "count": group.count,
        "first_seen": (first.wall or None) if first else None,
        "last_seen": (last.wall or None) if last else None,
        "first": {"path": first.path, "line": first.line, "timestamp": first.when or None}
        if first
        else None,
        "last": {"path": last.path, "line": last.line, "timestamp": last.when or None}
        if last
        else None,
        "files": dict(sorted(group.files.items())),
        "hourly": dict(sorted((h, n) for h, n in group.hours.items() if h)),
    }


def _sample(group: Group) -> dict[str, Any]:
    body = group.body
    return {
        "level": body.level.label,
        "dialect": body.dialect.value,
        "kind": body.kind,
        "exception": body.exception,
        "message": body.message,
        "key_frame": _frame(key_frame(body)),
        "frames": [_frame(f) for f in body.frames],
        "sql_error": body.sql_error,
    }


def incident_dict(group: Group, verdict: Verdict) -> dict[str, Any]:
    """One incident as the report document holds it."""
    rule = group.rule
    assert rule is not None
    # Log text, and the captures taken from it, may hold secrets: never shown.
    caps = redact_all({**group.details, **group.captures})
    return {
        "id": group.id,
        "rule": {"id": rule.id, "title": rule.title, "source": rule.source},
        "title": fill(rule.title, caps),
        "severity": rule.severity.label,
        **_seen(group),
        "captures": redact_all(dict(sorted(group.captures.items()))),
        "explain": fill(rule.explain, caps).strip(),
        "fix": [fill(step, caps).strip() for step in rule.fix],
        "docs": list(rule.docs),
        "sample": redact_all(_sample(group)),
        "new": verdict.is_new(group.id),
        "fails": verdict.fails(group),
    }


_WORD = re.compile(r"[a-z][a-z0-9]+")
_STOP = frozenset(("the", "and", "for", "with", "from", "this", "that", "php", "str", "n"))


def suggested_id(group: Group) -> str:
    """A rule id to start from for an unexplained group: `local.<words>`."""
    words = [w for w in _WORD.findall(group.fingerprint.split("|")[1].lower()) if w not in _STOP]
    return "local." + ("-".join(words[:4]) or "entry")


def _unexplained(group: Group) -> dict[str, Any]:
    body = group.body
    first = group.first
    # A command to paste: the path quoted for the shell; without --from when the entry
    # cannot be read again (stdin, or no location).
    where = (
        f" --from {shlex.quote(f'{first.path}:{first.line}')}"
        if first and first.path != "-"
        else ""
    )
    return {
        "id": group.id,
        "fingerprint": redact(group.fingerprint),
        "level": body.level.label,
        "label": label(body),
        "message": redact(body.message.partition("\n")[0]),
        "key_frame": redact_all(_frame(key_frame(body))),
        **_seen(group),
        "new_rule": f"logdoctor rules new {suggested_id(group)}{where}",
    }


def build(stats: ScanStats, verdict: Verdict = Verdict(), top: int = 10) -> dict[str, Any]:
    """The report of a scan: summary, files, incidents, top unexplained groups."""
    grouping = stats.groups
    incidents = grouping.ranked_incidents()
    unexplained = grouping.ranked_unexplained()
    by_severity = {s.label: 0 for s in sorted(Severity, reverse=True)}
    for g in incidents:
        if g.severity is not None:
            by_severity[g.severity.label] += 1
    firsts = [f.first for f in stats.files.values() if f.first]
    lasts = [f.last for f in stats.files.values() if f.last]
    failing = [g.id for g in incidents if verdict.fails(g)]
    return {
        "format_version": REPORT_FORMAT_VERSION,
        "summary": {
            "files": len(stats.files),
            "entries": stats.entries,
            "first": _when(min(firsts, key=_naive)) if firsts else None,
            "last": _when(max(lasts, key=_naive)) if lasts else None,
            "selection": {
                "min_level": grouping.min_level.label if grouping.min_level else None,
                "since": grouping.since or None,
                "until": grouping.until or None,
            },
            "incidents": len(incidents),
            "by_severity": by_severity,
            "explained_entries": sum(g.count for g in incidents),
            "unexplained_entries": sum(g.count for g in unexplained) + grouping.forgotten,
            "unexplained_groups": len(unexplained),
            "fail_on": verdict.fail_on,
            "baseline": verdict.baseline is not None,
            "new_incidents": sum(1 for g in incidents if verdict.is_new(g.id)),
            "failing": failing,
            "errors": len(stats.errors),
        },
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
            for f in sorted(stats.files.values(), key=lambda f: f.path)
        ],
        "incidents": [incident_dict(g, verdict) for g in incidents],
        "unexplained": [_unexplained(g) for g in unexplained[:top]],
        "errors": list(stats.errors),
    }


def _naive(stamp: datetime) -> datetime:
    """For comparing stamps with and without a zone: local wall-clock time."""
    return stamp.astimezone().replace(tzinfo=None) if stamp.tzinfo else stamp
