"""Grouping: cut decoded text into records, losslessly and in bounded memory.

A block of text (always cut after a newline, except inside an over-long line) is
split with one regex at every newline followed by a possible header; each piece
is then checked with `match_header`. A piece that is no header continues the
pending record. Headers glued to the end of the previous line are found with two
literal-first regexes and split there too. Every character of the input lands in
exactly one record; a record keeps at most `Limits.max_raw` characters of raw text
and counts the rest.

Container output (`docker compose logs`: `glpi-1  | ` before every line) goes
through a per-line path that strips the prefix for parsing and keeps it in `raw`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from logdoctor.model import Dialect
from logdoctor.parse.headers import (
    ALL_DIALECTS,
    GLUED_FILE,
    GLUED_FILE_BACK,
    GLUED_MONOLOG,
    GLUED_MONOLOG_BACK,
    SPLIT,
    Head,
    match_header,
)


class Limits(NamedTuple):
    """Per-entry caps: beyond them an entry is marked truncated and the rest counted."""

    max_raw: int = 1 << 20  # characters of raw text
    max_frames: int = 1000


class Record(NamedTuple):
    """One grouped record before its fields are read."""

    line: int
    end_line: int
    raw: str  # exact text, capped
    clean: str  # the text to parse (raw without container prefixes)
    dropped: int  # characters beyond the cap
    head: Head | None  # None: text before the first header, or of no known shape


# "glpi-1  | ", "glpi_db_1  | " and, with --timestamps, an RFC 3339 stamp after it.
CONTAINER_PREFIX = re.compile(
    r"[\w][\w.-]{0,62} *\| (?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) )?"
)


def has_container_prefix(sample: str) -> bool:
    """True when most of the first lines carry a `docker compose logs` prefix."""
    lines = [line for line in sample.splitlines()[:40] if line.strip()]
    hits = sum(1 for line in lines if CONTAINER_PREFIX.match(line))
    return bool(lines) and hits * 2 > len(lines) and hits >= min(3, len(lines))


class Grouper:
    """Stateful cutter: `feed` blocks in order, then `close`."""

    def __init__(
        self,
        *,
        allowed: frozenset[Dialect] = ALL_DIALECTS,
        limits: Limits = Limits(),  # noqa: B008 - an immutable NamedTuple
        container: bool = False,
    ) -> None:
        self.allowed = allowed
        self.limits = limits
        self.container = container
        self.lineno = 1  # line on which the next character read lies
        self._parts: list[str] = []  # pending record: raw parts
        self._clean: list[str] = []  # pending record: clean parts (container mode)
        self._size = 0
        self._dropped = 0
        self._head: Head | None = None
        self._first = 0
        self._last = 0

    # -- pending record ------------------------------------------------------------

    def _start(self, head: Head | None, line: int) -> None:
        self._parts = []
        self._clean = []
        self._size = 0
        self._dropped = 0
        self._head = head
        self._first = line

    def _add(self, raw: str, clean: str | None, last: int) -> None:
        room = self.limits.max_raw - self._size
        if len(raw) <= room:
            self._parts.append(raw)
            self._size += len(raw)
            if clean is not None:
                self._clean.append(clean)
        else:
            if room > 0:
                self._parts.append(raw[:room])
                if clean is not None:
                    self._clean.append(clean[:room])
                self._size += room
            self._dropped += len(raw) - max(room, 0)
        self._last = last

    def _take(self) -> Record | None:
        if not self._parts and not self._dropped:
            return None
        raw = self._parts[0] if len(self._parts) == 1 else "".join(self._parts)
        clean = "".join(self._clean) if self.container else raw
        rec = Record(self._first, self._last, raw, clean, self._dropped, self._head)
        self._parts = []
        self._clean = []
        self._size = 0
        self._dropped = 0
        return rec

    def has_pending(self) -> bool:
        """True when a record is open (watch mode flushes it after an idle delay)."""
        return bool(self._parts) or self._dropped > 0

    def flush(self) -> Iterator[Record]:
        """Emit the pending record now (end of input, or idle in watch mode)."""
        rec = self._take()
        if rec is not None:
            yield rec

    close = flush

    # -- feeding ---------------------------------------------------------------------

    def feed(self, text: str, *, at_line_start: bool = True) -> list[Record]:
        """Cut `text` into records; the last one stays pending until the next header."""
        if self.container:
            return self._feed_lines(text, at_line_start)
        out: list[Record] = []
        starts = [0]
        starts.extend(m.end() for m in SPLIT.finditer(text))
        glued = self._glued(text)
        if glued:
            starts = sorted(set(starts).union(glued))
        starts.append(len(text))
        allowed = self.allowed
        lineno = self.lineno
        for i in range(len(starts) - 1):
            s, e = starts[i], starts[i + 1]
            nl = text.count("\n", s, e)
            last = lineno + nl - 1 if text[e - 1] == "\n" else lineno + nl
            head = None
            if s or at_line_start or s in glued:
                head = match_header(text, s, allowed)
            piece = text[s:e]
            if head is not None:
                rec = self._take()
                if rec is not None:
                    out.append(rec)
                self._start(head, lineno)
                if len(piece) <= self.limits.max_raw:  # the common case, inlined
                    self._parts.append(piece)
                    self._size = len(piece)
                    self._last = last
                else:
                    self._add(piece, None, last)
            else:
                if not self._parts and not self._dropped:
                    self._start(None, lineno)
                self._add(piece, None, last)
            lineno += nl
        self.lineno = lineno
        return out

    def _glued(self, text: str) -> set[int]:
        found: set[int] = set()
        if Dialect.GLPI_FILE in self.allowed:
            found.update(m.start() - GLUED_FILE_BACK for m in GLUED_FILE.finditer(text))
        if self.allowed & {Dialect.GLPI_MONOLOG, Dialect.GLPI11}:
            found.update(m.start() - GLUED_MONOLOG_BACK for m in GLUED_MONOLOG.finditer(text))
        return found

    def _feed_lines(self, text: str, at_line_start: bool) -> list[Record]:
        out: list[Record] = []
        lineno = self.lineno
        for i, raw in enumerate(text.splitlines(keepends=True)):
            m = CONTAINER_PREFIX.match(raw) if (i or at_line_start) else None
            clean = raw[m.end() :] if m else raw
            head = match_header(clean, 0, self.allowed) if (i or at_line_start) else None
            last = lineno if raw.endswith(("\n", "\r")) else lineno
            if head is not None:
                rec = self._take()
                if rec is not None:
                    out.append(rec)
                self._start(head, lineno)
            elif not self.has_pending():
                self._start(None, lineno)
            self._add(raw, clean, last)
            if raw.endswith("\n"):
                lineno += 1
        self.lineno = lineno
        return out
