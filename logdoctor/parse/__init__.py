"""Text in, entries out: grouping (group.py), headers (headers.py), fields per dialect.

`EntryParser` is the one object the pipelines use: `feed` decoded blocks of one
input, get `Entry` objects back, `close` at the end. Fields are read once per
distinct record text (the text after the timestamp) and shared by its repeats,
which is what makes a real log, where the same warning comes back every cron
minute, cheap to parse. Imports model, errors and its own modules only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from logdoctor.model import Body, Dialect, Entry
from logdoctor.parse import glpi, php
from logdoctor.parse.group import Grouper, Limits, Record, has_container_prefix
from logdoctor.parse.headers import ALL_DIALECTS, Head, head_details, parse_timestamp

__all__ = [
    "DIALECTS",
    "EntryParser",
    "Limits",
    "Memo",
    "Tally",
    "has_container_prefix",
    "parse_text",
]

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


def _key(text: str, ts: str, dialect: Dialect, start: int = 0, end: int | None = None) -> str:
    """What identifies a record's body: its text after the timestamp, without the
    Toolbox::log JSON context (`{"user":"12@glpi","mem_usage":...} `), which changes
    between repeats and is read per entry (Entry.user).

    Only where the body's parser drops that context too: GLPI's Monolog records, on
    their last line (glpi._strip_context). Other dialects keep a JSON tail in the
    message (PHP, GLPI's own files) or read an exception from it (Monolog), so two
    records that differ there differ in their bodies."""
    key = text[start + len(ts) + (text[start] == "[") : end]
    if key[-3:] == "} \n" and dialect is Dialect.GLPI_MONOLOG:
        cut = key.rfind(' {"')
        if cut > key.rfind("\n", 0, -1):
            return key[:cut]
    return key


class Tally:
    """What `feed_bodies` returns for one block: per entry, its body, timestamp text
    and first line (three parallel lists), and the entries cut by size."""

    __slots__ = ("bodies", "lines", "stamps", "truncated")

    def __init__(self) -> None:
        self.bodies: list[Body] = []
        self.stamps: list[str] = []  # timestamp texts ("" when none)
        self.lines: list[int] = []
        self.truncated = 0  # entries cut by size (not those counted by body.frames_dropped)

    @classmethod
    def of(cls, entries: list[Entry]) -> Tally:
        """A tally of entries already built."""
        tally = cls()
        tally.bodies = [e.body for e in entries]
        tally.stamps = [e.timestamp_text or "" for e in entries]
        tally.lines = [e.line for e in entries]
        # Entries cut by size; those with dropped frames are counted from their body.
        tally.truncated = sum(1 for e in entries if e.raw_dropped and not e.body.frames_dropped)
        return tally

    def __len__(self) -> int:
        return len(self.bodies)

    def extend(self, later: Tally) -> None:
        """Append the entries of the tally of a later block."""
        self.bodies += later.bodies
        self.stamps += later.stamps
        self.lines += later.lines
        self.truncated += later.truncated

    @property
    def first_ts(self) -> str | None:
        """The first timestamp text of the block."""
        return next((t for t in self.stamps if t), None)

    @property
    def last_ts(self) -> str | None:
        """The last timestamp text of the block."""
        return next((t for t in reversed(self.stamps) if t), None)


class Memo:
    """Record text -> Body, in two generations of MEMO_SIZE (an approximate LRU).

    One per parser by default; a worker process of a parallel scan keeps one for all
    the ranges it reads (parallel.py), so cutting a file finer costs no re-parsing.
    """

    __slots__ = ("new", "old")

    def __init__(self) -> None:
        self.new: dict[str, Body] = {}
        self.old: dict[str, Body] = {}

    def remember(self, key: str, body: Body) -> None:
        """Keep `body` for `key`; the older generation goes when the newer is full."""
        self.new[key] = body
        if len(self.new) >= MEMO_SIZE:
            self.old = self.new
            self.new = {}


class EntryParser:
    """Turns the decoded text of one input into entries."""

    def __init__(
        self,
        path: str,
        *,
        dialect: Dialect | None = None,
        limits: Limits = Limits(),  # noqa: B008 - an immutable NamedTuple
        container: bool = False,
        memo: Memo | None = None,
    ) -> None:
        self.path = path
        self.limits = limits
        self.max_frames = limits.max_frames
        allowed = frozenset({dialect}) if dialect else ALL_DIALECTS
        self.grouper = Grouper(allowed=allowed, limits=limits, container=container)
        self.memo = memo if memo is not None else Memo()

    def feed(self, text: str, *, at_line_start: bool = True) -> list[Entry]:
        """Entries completed by this block (the last one may still be pending)."""
        grouper = self.grouper
        if grouper.container:
            return [
                self._build(rec) for rec in grouper.feed_lines(text, at_line_start=at_line_start)
            ]
        heads, done = grouper.begin(text, at_line_start)
        out = [self._build(rec) for rec in done]
        # The hot loop of the whole tool, `Grouper.feed` inlined with the memo lookup:
        # only the first occurrence of a record text goes through `_build`. Entries are
        # made with tuple.__new__, skipping NamedTuple's Python-level __new__ (measured
        # 1.0 -> 0.3 us an entry).
        path = self.path
        memo = self.memo
        # `lookup` is bound once a block: after the generations turn over it reaches the
        # older one, still alive; the older generation is read through `memo` (binding
        # it would keep a discarded generation alive until the block ends).
        lookup, remember = memo.new.get, memo.remember
        ts_parse = parse_timestamp
        make = tuple.__new__
        count = text.count
        max_raw = self.limits.max_raw
        append = out.append
        lineno = grouper.lineno
        dialects = grouper.scanner.dialects
        s, alt, ts = heads[0] if heads else (0, 0, "")
        prev_ts, when = None, None
        for head in islice(heads, 1, None):
            e = head[0]
            if e - s > max_raw:
                nl = count("\n", s, e)
                last = lineno + nl - 1 if text[e - 1] == "\n" else lineno + nl
                append(self._slow(text, (s, alt, ts), e, lineno, last))
            else:
                key = text[s + len(ts) + (text[s] == "[") : e]  # _key(), inlined
                if key[-3:] == "} \n":  # the context cut holds no newline but the last
                    key = _key(text, ts, dialects[alt], s, e)
                body = lookup(key)
                if body is None and (body := memo.old.get(key)) is not None:
                    remember(key, body)  # from the older generation: kept a while longer
                if body is None:  # a first occurrence
                    body = self._first_body(text, (s, alt, ts), e, key)
                # Records with one key have as many newlines: as counted for the first
                # occurrence (a C loop a character).
                nl = body.newlines
                if nl < 0:
                    nl = body.newlines = count("\n", s, e)
                last = lineno + nl - 1 if text[e - 1] == "\n" else lineno + nl  # else: glued
                if ts != prev_ts:  # entries of the same second share their datetime
                    prev_ts, when = ts, ts_parse(ts)
                append(make(Entry, (path, lineno, last, ts, when, text[s:e], body, 0)))
            lineno += nl
            s, alt, ts = head
        grouper.end(text, heads, lineno)
        return out

    def feed_bodies(self, text: str, *, at_line_start: bool = True) -> Tally:
        """Like `feed`, for consumers that count (scan): the bodies, timestamp texts and
        first lines of the completed entries, without building an Entry or parsing a
        timestamp for each (measured: a quarter of the time of `feed` + a consumer
        loop)."""
        grouper = self.grouper
        if grouper.container:
            return Tally.of(self.feed(text, at_line_start=at_line_start))
        heads, done = grouper.begin(text, at_line_start)
        tally = Tally.of([self._build(rec) for rec in done])
        bodies = tally.bodies
        memo = self.memo
        lookup, remember = memo.new.get, memo.remember
        max_raw = self.limits.max_raw
        append = bodies.append
        stamp, at_line = tally.stamps.append, tally.lines.append
        count = text.count
        start, ts = (heads[0][0], heads[0][2]) if heads else (0, "")
        s = start
        lineno = grouper.lineno
        dialects = grouper.scanner.dialects
        prev = heads[0] if heads else (0, 0, "")
        for head in islice(heads, 1, None):
            e = head[0]
            stamp(ts)
            at_line(lineno)
            key = text[s + len(ts) + (text[s] == "[") : e]  # _key(), inlined
            if key[-3:] == "} \n":  # the context cut holds no newline but the last
                key = _key(text, ts, dialects[prev[1]], s, e)
            if e - s > max_raw:  # parsed as cut, not remembered: its own count
                body = self._first_body(text, prev, e, key)
                tally.truncated += not body.frames_dropped
                nl = count("\n", s, e)
            else:
                known = lookup(key)
                if known is None and (known := memo.old.get(key)) is not None:
                    remember(key, known)  # from the older generation: kept a while longer
                # else a first occurrence
                body = known if known is not None else self._first_body(text, prev, e, key)
                nl = body.newlines  # as in feed
                if nl < 0:
                    nl = body.newlines = count("\n", s, e)
            lineno += nl
            append(body)
            prev = head
            s, _, ts = head
        grouper.end(text, heads, lineno)
        return tally

    def pending(self) -> bool:
        """True when an entry is still open (watch mode flushes it after a pause)."""
        return self.grouper.has_pending()

    def pending_complete(self) -> bool:
        """True when the open entry ended with its format's terminator (see Grouper)."""
        return self.grouper.pending_complete()

    def flush(self) -> list[Entry]:
        """The pending entry, complete now (end of input, or idle in watch mode)."""
        return [self._build(rec) for rec in self.grouper.flush()]

    def _slow(
        self, text: str, head: tuple[int, int, str], e: int, line: int, last: int | None = None
    ) -> Entry:
        """The entry from `head` to `e` whose body is not in the memo (or too long)."""
        s, alt, ts = head
        if last is None:
            nl = text.count("\n", s, e)
            last = line + nl - 1 if text[e - 1] == "\n" else line + nl
        raw = text[s:e]
        dropped = max(len(raw) - self.limits.max_raw, 0)
        if dropped:
            raw = raw[: self.limits.max_raw]
        dialect = self.grouper.scanner.dialects[alt]
        return self._build(Record(line, last, raw, raw, dropped, dialect, ts))

    def _first_body(self, text: str, head: tuple[int, int, str], e: int, key: str) -> Body:
        """The body of the record from `head` to `e`, not in the memo, whose memo key is
        `key` (`_build` without the Record and the Entry: the parser's hot loops)."""
        s, alt, ts = head
        dialect = self.grouper.scanner.dialects[alt]
        if e - s > self.limits.max_raw:  # cut: parsed as cut, and not remembered
            clean = text[s : s + self.limits.max_raw]
            return self._parse_body(dialect, ts, clean, _key(clean, ts, dialect))
        body = self._parse_body(dialect, ts, text[s:e], key)
        self.memo.remember(key, body)
        return body

    def _parse_body(self, dialect: Dialect, ts: str, clean: str, key: str) -> Body:
        """Every field of the record `clean` (its header first)."""
        head = head_details(dialect, ts, clean)
        body = _BODY[dialect](head, clean[head.body_start :], self.max_frames)
        body.record_key = key
        return body

    def _build(self, rec: Record) -> Entry:
        line, last, raw, clean, dropped, dialect, ts = rec
        if ts is None:
            body = Body(Dialect.UNKNOWN, message=clean.strip())
            return Entry(self.path, line, last, None, None, raw, body, dropped)
        key = _key(clean, ts, dialect)
        found = self.memo.new.get(key) or self.memo.old.get(key)
        if found is None:
            found = self._parse_body(dialect, ts, clean, key)
        if not dropped:
            self.memo.remember(key, found)
        return Entry(self.path, line, last, ts, parse_timestamp(ts), raw, found, dropped)


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
