"""Text in, entries out: grouping (group.py), headers (headers.py), fields per dialect.

`EntryParser` is the one object the pipelines use: `feed` decoded blocks of one
input, get `Entry` objects back, `close` at the end. Fields are read once per
distinct record text (the text after the timestamp) and shared by its repeats,
which is what makes a real log, where the same warning comes back every cron
minute, cheap to parse. Imports model, errors and its own modules only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from logdoctor.model import Body, Dialect, Entry
from logdoctor.parse import glpi, php
from logdoctor.parse.group import Grouper, Limits, Record, has_container_prefix
from logdoctor.parse.headers import ALL_DIALECTS, Head, head_details, parse_timestamp

__all__ = ["DIALECTS", "EntryParser", "Limits", "has_container_prefix", "parse_text"]

BodyParser = Callable[[Head, str, int], Body]

_BODY: dict[Dialect, BodyParser] = {
    Dialect.GLPI_MONOLOG: glpi.parse_monolog,
    Dialect.GLPI11: glpi.parse_glpi11,
    Dialect.GLPI11_ACCESS: glpi.parse_glpi11_access,
    Dialect.GLPI_FILE: glpi.parse_file,
    Dialect.PHP: php.parse_php,
    Dialect.MONOLOG: php.parse_monolog,
}

DIALECTS: tuple[str, ...] = tuple(d.value for d in Dialect if d is not Dialect.UNKNOWN)

# Distinct record texts remembered per generation; two generations approximate an
# LRU at the cost of two dict lookups. Bounded so a 2 GB input stays in constant memory.
MEMO_SIZE = 4096


class EntryParser:
    """Turns the decoded text of one input into entries."""

    def __init__(
        self,
        path: str,
        *,
        dialect: Dialect | None = None,
        limits: Limits = Limits(),  # noqa: B008 - an immutable NamedTuple
        container: bool = False,
    ) -> None:
        self.path = path
        self.limits = limits
        self.max_frames = limits.max_frames
        allowed = frozenset({dialect}) if dialect else ALL_DIALECTS
        self.grouper = Grouper(allowed=allowed, limits=limits, container=container)
        self._new: dict[str, Body] = {}
        self._old: dict[str, Body] = {}

    def feed(self, text: str, *, at_line_start: bool = True) -> list[Entry]:
        """Entries completed by this block (the last one may still be pending)."""
        grouper = self.grouper
        if grouper.container:
            return [self._build(rec) for rec in grouper.feed(text, at_line_start=at_line_start)]
        heads, done = grouper.begin(text, at_line_start)
        out = [self._build(rec) for rec in done]
        # The hot loop of the whole tool, `Grouper.feed` inlined with the memo lookup:
        # only the first occurrence of a record text goes through `_build`. Entries are
        # made with tuple.__new__, skipping NamedTuple's Python-level __new__ (measured
        # 1.0 -> 0.3 us an entry).
        path = self.path
        lookup = self._new.get
        ts_parse = parse_timestamp
        make = tuple.__new__
        dialects = grouper.scanner.dialects
        count = text.count
        max_raw = self.limits.max_raw
        append = out.append
        lineno = grouper.lineno
        s, alt, ts = heads[0] if heads else (0, 0, "")
        for i in range(1, len(heads)):
            e = heads[i][0]
            nl = count("\n", s, e)
            last = lineno + nl - 1 if text[e - 1] == "\n" else lineno + nl  # else: glued
            raw = text[s:e]
            body = lookup(raw[len(ts) + (raw[0] == "[") :]) if len(raw) <= max_raw else None
            if body is not None:
                append(make(Entry, (path, lineno, last, ts, ts_parse(ts), raw, body, 0)))
            else:
                dropped = max(len(raw) - max_raw, 0)
                cut = raw[:max_raw] if dropped else raw
                rec = Record(lineno, last, cut, cut, dropped, dialects[alt], ts)
                append(self._build(rec))
            lineno += nl
            s, alt, ts = heads[i]
        grouper.end(text, heads, lineno)
        return out

    def flush(self) -> list[Entry]:
        """The pending entry, complete now (end of input, or idle in watch mode)."""
        return [self._build(rec) for rec in self.grouper.flush()]

    def _build(self, rec: Record) -> Entry:
        line, last, raw, clean, dropped, dialect, ts = rec
        if ts is None:
            body = Body(Dialect.UNKNOWN, message=clean.strip())
            return Entry(self.path, line, last, None, None, raw, body, dropped)
        key = clean[len(ts) + (clean[0] == "[") :]
        found = self._new.get(key) or self._old.get(key)
        if found is None:
            head = head_details(dialect, ts, clean)
            found = _BODY[dialect](head, clean[head.body_start :], self.max_frames)
        if not dropped:
            self._remember(key, found)
        return Entry(self.path, line, last, ts, parse_timestamp(ts), raw, found, dropped)

    def _remember(self, key: str, body: Body) -> None:
        self._new[key] = body
        if len(self._new) >= MEMO_SIZE:
            self._old = self._new
            self._new = {}


def parse_text(
    text: str | Iterable[str], *, path: str = "<text>", dialect: Dialect | None = None
) -> Iterator[Entry]:
    """Parse text already in memory (tests, `explain`): all entries, the last flushed."""
    blocks = [text] if isinstance(text, str) else text
    parser: EntryParser | None = None
    for block in blocks:
        if parser is None:
            parser = EntryParser(path, dialect=dialect, container=has_container_prefix(block))
        yield from parser.feed(block)
    if parser is not None:
        yield from parser.flush()
