"""The JSON shape of an entry: written here only, versioned, documented in README."""

from __future__ import annotations

from typing import Any

from logdoctor.model import Entry, Frame

ENTRY_FORMAT_VERSION = 1


def _frame(f: Frame) -> dict[str, Any]:
    return {"file": f.file, "line": f.line, "call": f.call}


def entry_to_dict(entry: Entry, *, raw: bool = False) -> dict[str, Any]:
    """One entry as a JSON-ready dict (undecodable bytes stay `\\udcXX` escapes)."""
    body = entry.body
    out: dict[str, Any] = {
        "path": entry.path,
        "line": entry.line,
        "end_line": entry.end_line,
        "timestamp": entry.timestamp.isoformat() if entry.timestamp else None,
        "timestamp_text": entry.timestamp_text,
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
        "user": entry.user,
        "host": entry.host,
        "glpi_version": body.version,
        "truncated": entry.truncated,
    }
    if entry.truncated:
        out["dropped_chars"] = entry.raw_dropped
        out["dropped_frames"] = body.frames_dropped
    if raw:
        out["raw"] = entry.raw
    return out
