"""The JSON shape of an entry: written here only, versioned, documented in README.

An entry's fields are those of its own (where, when, who) and those of its body,
which repeated entries share; `entry_json` writes the body's part once per body
and reuses it, which is what makes `parse --format jsonl` fast on real logs.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii as _q  # C, as json.dumps uses
from typing import Any

from logdoctor.model import Body, Entry, Finding, Frame, fill
from logdoctor.report.safe import redact, redact_all

ENTRY_FORMAT_VERSION = 1


def _frame(f: Frame) -> dict[str, Any]:
    return {"file": f.file, "line": f.line, "call": f.call}


def _own(entry: Entry, raw: bool) -> dict[str, Any]:
    user, host = entry.user_host
    out: dict[str, Any] = {
        "path": entry.path,
        "line": entry.line,
        "end_line": entry.end_line,
        "timestamp": entry.timestamp.isoformat() if entry.timestamp else None,
        "timestamp_text": entry.timestamp_text,
        "user": user,
        "host": host,
        "truncated": entry.truncated,
    }
    if entry.truncated:
        out["dropped_chars"] = entry.raw_dropped
        out["dropped_frames"] = entry.body.frames_dropped
    if raw:
        out["raw"] = redact(entry.raw)
    return out


def body_to_dict(body: Body) -> dict[str, Any]:
    """The fields an entry shares with its repeats (secrets in them redacted)."""
    out = {
        "level": body.level.label,
        "dialect": body.dialect.value,
        "channel": body.channel,
        "kind": body.kind,
        "exception": body.exception,
        "message": body.message,
        "origin": _frame(body.origin) if body.origin else None,
        "frames": [_frame(f) for f in body.frames],
        "sql": body.sql,
        "sql_error": body.sql_error,
        "previous": list(body.previous),
        "glpi_version": body.version,
    }
    return redact_all(out)  # (one quick test over its strings: most hold no secret)


def entry_to_dict(entry: Entry, *, raw: bool = False) -> dict[str, Any]:
    """One entry as a JSON-ready dict (undecodable bytes stay `\\udcXX` escapes)."""
    return {**_own(entry, raw), **body_to_dict(entry.body)}


class EntryJson:
    """`json.dumps(entry_to_dict(e))` written fast: each body's part is encoded once
    (bounded cache) and the entry's own part is assembled from C-encoded strings."""

    KEEP = 2048

    def __init__(self, *, raw: bool = False) -> None:
        self.raw = raw
        self._bodies: dict[Body, str] = {}
        self._paths: dict[str, str] = {}

    def __call__(self, entry: Entry) -> str:
        """The entry as one line of JSON (no newline)."""
        body = entry.body
        tail = self._bodies.get(body)
        if tail is None:
            if len(self._bodies) >= self.KEEP:
                self._bodies.clear()
            tail = self._bodies[body] = json.dumps(body_to_dict(body))[1:]
        if entry.truncated or self.raw:
            return json.dumps(_own(entry, self.raw))[:-1] + ", " + tail
        path = self._paths.get(entry.path)
        if path is None:
            path = self._paths[entry.path] = _q(entry.path)
        user, host = entry.user_host
        stamp = entry.timestamp
        return (
            f'{{"path": {path}, "line": {entry.line}, "end_line": {entry.end_line}, '
            f'"timestamp": {_q(stamp.isoformat()) if stamp else "null"}, '
            f'"timestamp_text": {_q(entry.timestamp_text) if entry.timestamp_text else "null"}, '
            f'"user": {_q(user) if user is not None else "null"}, '
            f'"host": {_q(host) if host is not None else "null"}, '
            f'"truncated": false, {tail}'
        )


FINDING_FORMAT_VERSION = 1


def finding_texts(finding: Finding) -> tuple[dict[str, str], str, list[str]]:
    """A finding's captures, its explanation and its fix steps as they are shown: the
    captures come from log text, which may hold secrets, so they are redacted first."""
    captures = redact_all(finding.captures)
    rule = finding.rule
    return captures, fill(rule.explain, captures), [fill(step, captures) for step in rule.fix]


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """One finding (`scan --format jsonl`), schema in README."""
    entry, rule = finding.entry, finding.rule
    captures, explain, fix = finding_texts(finding)
    return {
        "path": entry.path,
        "line": entry.line,
        "end_line": entry.end_line,
        "timestamp": entry.timestamp.isoformat() if entry.timestamp else None,
        "level": entry.level.label,
        "message": redact(entry.message),
        "rule": {"id": rule.id, "title": rule.title, "severity": rule.severity.label},
        "explain": explain,
        "fix": fix,
        "docs": list(rule.docs),
        "captures": captures,
    }


class FindingJson:
    """One finding as one line of JSON."""

    def __call__(self, finding: Finding) -> str:
        """The finding as JSON (no newline)."""
        return json.dumps(finding_to_dict(finding))
