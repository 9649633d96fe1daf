"""Grouping: cut decoded text into records, losslessly and in bounded memory.

One regex pass (`HeaderScanner.scan`) finds every header that starts a line of a
block; the text between two headers is one record. Headers glued to the end of
the previous line are found by a literal-first regex (Monolog) and a search from
each `@` (logInFile's `[uid@host]`), and cut there too. The last record of a
block stays pending: the next block may continue it. Every character of the input
lands in exactly one record; a record keeps at most `Limits.max_raw` characters of
raw text and counts the rest.

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
    GLUED_FILE_BACK,
    GLUED_MONOLOG,
    GLUED_MONOLOG_BACK,
    HeaderScanner,
    glued_file_starts,
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
    dialect: Dialect  # UNKNOWN: text before the first header
    ts_text: str | None


# "glpi-1  | ", "glpi_db_1  | " (compose v1 and v2) and, with --timestamps, the
# RFC 3339 stamp compose prints after it.
CONTAINER_PREFIX = re.compile(
    r"[\w][\w.-]{0,62} *\| (?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) )?"
)


def has_container_prefix(sample: str) -> bool:
    """True when most of the first lines carry a `docker compose logs` prefix."""
    lines = [line for line in sample.split("\n")[:40] if line.strip()]
    hits = sum(1 for line in lines if CONTAINER_PREFIX.match(line))
    return bool(lines) and hits * 2 > len(lines) and hits >= min(3, len(lines))


class Grouper:
    """Stateful cutter for one input: blocks in order (`begin` + `end`, or `feed_lines`
    for container output), then `flush`."""

    def __init__(
        self,
        *,
        allowed: frozenset[Dialect] = ALL_DIALECTS,
        limits: Limits = Limits(),  # noqa: B008 - an immutable NamedTuple
        container: bool = False,
    ) -> None:
        self.scanner = HeaderScanner(allowed)
        self.glued = (
            Dialect.GLPI_FILE in allowed,
            bool(allowed & {Dialect.GLPI_MONOLOG, Dialect.GLPI11}),
        )
        self.max_raw = limits.max_raw
        self.container = container
        self.lineno = 1  # line on which the next character read lies
        self._parts: list[str] = []  # pending record: raw parts
        self._clean: list[str] = []  # pending record: clean parts (container mode)
        self._size = 0
        self._dropped = 0
        self._dialect = Dialect.UNKNOWN
        self._ts: str | None = None
        self._first = 0
        self._last = 0
        self._container = ""  # container name of the pending record (container mode)

    def has_pending(self) -> bool:
        """True when a record is open (watch mode flushes it after an idle delay)."""
        return bool(self._parts) or self._dropped > 0

    def pending_complete(self) -> bool:
        """True when the pending record ends with its format's own terminator, so watch
        mode can emit it without waiting for the next header: GLPI 9.3-10's two spaces
        that end every record (a line of its own after a backtrace, the end of a
        one-line record) or its `{"user":...} ` context line; GLPI 11's blank line
        after an exception; PHP's `  thrown in ... on line N`."""
        if not self._parts or self._dropped:
            return False
        tail = self._parts[-1][-512:]
        if len(tail) < 512 and len(self._parts) > 1:
            tail = ("".join(self._parts[-3:]))[-512:]
        if not tail.endswith("\n"):
            return False  # a partial line: more is coming
        last = tail[:-1].rsplit("\n", 1)[-1].rstrip("\r")
        dialect = self._dialect
        if dialect is Dialect.GLPI_MONOLOG:
            one_line = self._first == self._last
            return (
                last == "  "
                or (one_line and last.endswith("  "))
                or (last.lstrip().startswith("{") and last.endswith("} "))
            )
        if dialect is Dialect.GLPI11:
            return last == "" and self._last > self._first
        if dialect is Dialect.PHP:
            return last.lstrip().startswith("thrown in ")
        return False

    def flush(self) -> Iterator[Record]:
        """Emit the pending record now (end of input, or idle in watch mode)."""
        if self.has_pending():
            raw = "".join(self._parts)
            clean = "".join(self._clean) if self.container else raw
            yield Record(
                self._first, self._last, raw, clean, self._dropped, self._dialect, self._ts
            )
        self._parts = []
        self._clean = []
        self._size = 0
        self._dropped = 0

    def _open(self, dialect: Dialect, ts: str | None, line: int) -> None:
        self._dialect = dialect
        self._ts = ts
        self._first = line

    def _add(self, raw: str, clean: str | None, last: int) -> None:
        room = self.max_raw - self._size
        if len(raw) > room:
            self._dropped += len(raw) - max(room, 0)
            raw = raw[: max(room, 0)]
            clean = clean[: max(room, 0)] if clean is not None else None
        if raw:
            self._parts.append(raw)
            self._size += len(raw)
        if clean:
            self._clean.append(clean)
        self._last = last

    # -- fast path: whole blocks -----------------------------------------------------

    def _headers(self, text: str, at_line_start: bool) -> list[tuple[int, int, str]]:
        """(start, alternative index, timestamp) of every header in `text`, in order."""
        scan = self.scanner
        # Every alternative has one group, so a match always has a `lastindex`.
        found = [(m.start() + 1, (k := m.lastindex or 0), m[k]) for m in scan.scan.finditer(text)]
        if at_line_start:
            m = scan.at.match(text, 0)
            if m is not None:
                found.insert(0, (0, m.lastindex or 0, m.group(m.lastindex or 0)))
        glued: list[int] = []
        if self.glued[0]:
            glued.extend(start - GLUED_FILE_BACK for start in glued_file_starts(text))
        if self.glued[1] and self._glued_glpi(text, found):
            glued.extend(m.start() - GLUED_MONOLOG_BACK for m in GLUED_MONOLOG.finditer(text))
        for pos in glued:
            m = scan.at.match(text, pos)
            if m is not None:
                found.append((pos, m.lastindex or 0, m.group(m.lastindex or 0)))
        if glued:
            found.sort()
        return found

    def _glued_glpi(self, text: str, found: list[tuple[int, int, str]]) -> bool:
        """Can `text` hold a GLPI Monolog header glued to a line? Each header found at a
        line start holds one `] glpi`; when the text holds no more of them, there is
        none elsewhere (a C-speed count, against a regex scan that stops at every header
        of a GLPI log: 2.3% of reading one)."""
        glpi = self.scanner.glpi
        at_starts = sum(1 for _, alt, _ in found if alt in glpi)
        return text.count("] glpi") > at_starts

    def begin(
        self, text: str, at_line_start: bool
    ) -> tuple[list[tuple[int, int, str]], list[Record]]:
        """Find the headers of a block; the text before the first continues the pending
        record, which is then complete (unless the block holds no header).

        Returns the headers and the records completed so far. The caller then cuts the
        records between consecutive headers itself (the parser's hot loops, where the
        memo lookup is inlined) and calls `end`.
        """
        heads = self._headers(text, at_line_start)
        first = heads[0][0] if heads else len(text)
        lineno = self.lineno
        if first:
            nl = text.count("\n", 0, first)
            last = lineno + nl - 1 if text[first - 1] == "\n" else lineno + nl
            if not self.has_pending():
                self._open(Dialect.UNKNOWN, None, lineno)
            self._add(text[:first], None, last)
            self.lineno = lineno + nl
        return heads, list(self.flush()) if heads else []

    def end(self, text: str, heads: list[tuple[int, int, str]], lineno: int) -> None:
        """Hold the block's last record (from its last header on) as pending."""
        if not heads:
            return
        s, alt, ts = heads[-1]
        nl = text.count("\n", s)
        self._open(self.scanner.dialects[alt], ts, lineno)
        self._add(text[s:], None, lineno + nl - 1 if text.endswith("\n") else lineno + nl)
        self.lineno = lineno + nl

    # -- container output: line by line ----------------------------------------------

    def feed_lines(self, text: str, *, at_line_start: bool = True) -> list[Record]:
        """Container output: cut line by line, each line's prefix stripped for parsing."""
        out: list[Record] = []
        lineno = self.lineno
        at = self.scanner.at
        dialects = self.scanner.dialects
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            raw = piece + "\n" if i < len(pieces) - 1 else piece
            if not raw:
                break
            line_start = i > 0 or at_line_start
            m = CONTAINER_PREFIX.match(raw) if line_start else None
            clean = raw[m.end() :] if m else raw
            h = at.match(clean) if line_start else None
            name = raw[: raw.find(" ")] if m else self._container
            if h is None and name != self._container and self.has_pending():
                # Another container's line: it does not continue this record.
                out.extend(self.flush())
            self._container = name
            if h is not None:
                out.extend(self.flush())
                self._open(dialects[h.lastindex or 0], h.group(h.lastindex or 0), lineno)
            elif not self.has_pending():
                self._open(Dialect.UNKNOWN, None, lineno)
            self._add(raw, clean, lineno)
            if raw.endswith("\n"):
                lineno += 1
        self.lineno = lineno
        return out
