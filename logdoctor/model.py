"""Domain types shared by every stage: levels, dialects, frames, entries.

Pure data, no I/O. This module imports nothing from the package, so every other
module may import it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


class Level(enum.IntEnum):
    """A normalized severity, ordered so that `--min-level warning` is a comparison.

    Every dialect's own words map here: Monolog's names, PHP's "Fatal error",
    "Warning", "Notice", php-fpm's and Apache's lower-case ones.
    """

    UNKNOWN = 0
    DEBUG = 10
    INFO = 20
    NOTICE = 25
    WARNING = 30
    ERROR = 40
    CRITICAL = 50
    ALERT = 60
    EMERGENCY = 70

    @property
    def label(self) -> str:
        """The lower-case name used in every output ("warning")."""
        return self.name.lower()


class Dialect(str, enum.Enum):
    """The record shapes logdoctor reads; the value is the name users type."""

    GLPI_FILE = "glpi-file"  # Toolbox::logInFile: "YYYY-MM-DD HH:MM:SS [uid@host]" + text
    GLPI_MONOLOG = "glpi-monolog"  # GLPI 9.3-10.0: "[ts] glpiphplog.LEVEL: ..." / glpisqllog
    GLPI11 = "glpi11"  # GLPI 11: "[ts] glpi.LEVEL:   *** ..."
    GLPI11_ACCESS = "glpi11-access"  # GLPI 11 access-errors.log: "[ts] User ID: `n` ..."
    PHP = "php"  # native error_log, Apache-prefixed, php-fpm and nginx wrapped
    MONOLOG = "monolog"  # Monolog's default LineFormatter (any PHP application)
    UNKNOWN = "unknown"  # lines before the first header, text of no known shape


class Frame(NamedTuple):
    """One backtrace row: `src/Toolbox.php:2196   Laminas\\Mail\\Storage\\Imap->__construct()`.

    `file` is as written (GLPI prints paths relative to its root, PHP absolute
    ones); `line` is None for internal frames; `call` is "" for call-less rows.
    """

    file: str
    line: int | None
    call: str


@dataclass(slots=True, eq=False)
class Body:
    """Everything an entry says apart from where and when: shared by repeated entries.

    A log repeats the same entry many times with only the timestamp changing, so the
    parser builds one Body per distinct text and shares it (see parse/__init__.py).
    Compared and hashed by identity, so later stages can key per-body caches on it
    cheaply. Shared, so never modified after the parser builds it; not declared
    frozen because a frozen dataclass of this size takes 3.7 us to build against
    0.9 us (measured), paid for every distinct record text.
    """

    dialect: Dialect
    level: Level = Level.UNKNOWN
    channel: str | None = None
    kind: str | None = None  # "PHP Warning (2)", "Uncaught Exception", "Caught", ...
    exception: str | None = None  # fully qualified class name
    message: str = ""  # every line of the message, without backtrace or context
    origin: Frame | None = None  # where the error was raised
    frames: tuple[Frame, ...] = ()
    sql: str | None = None
    sql_error: str | None = None
    previous: tuple[str, ...] = ()  # chained exceptions ("Previous:" blocks), outermost first
    version: str | None = None  # GLPI version hint: "9.5", "10.0", "11", "9.5-10.0", ...
    frames_dropped: int = 0  # frames beyond the cap, counted and not stored
    # The record text this body was read from (after the timestamp), set by the parser:
    # what identifies a body across memo evictions (match.py keys its results on it).
    record_key: str = ""
    # Newlines in the record text, for its repeats' line numbers (set by the parser when
    # its key is the whole record after the timestamp; -1: count them).
    newlines: int = -1


class Entry(NamedTuple):
    """One log record, which may span many physical lines.

    `raw` is the exact text of the record as read (undecodable bytes kept as
    surrogate escapes), capped: `raw_dropped` counts the characters beyond the cap.
    Joining the `raw` of every entry of a file gives the file back.

    An immutable NamedTuple rather than a frozen dataclass: one is built per log
    record, and a frozen dataclass costs 0.96 us to build against 0.29 us here
    (measured), a fifth of the whole per-entry budget at 100 MB/s.
    """

    path: str  # as the user gave it
    line: int  # first line, 1-based
    end_line: int  # last line
    timestamp_text: str | None  # as written; GLPI writes local time without a zone
    timestamp: datetime | None  # parsed; naive when the log gives no zone
    raw: str
    body: Body
    raw_dropped: int = 0

    @property
    def truncated(self) -> bool:
        """True when part of the entry was counted but not kept."""
        return self.raw_dropped > 0 or self.body.frames_dropped > 0

    # The body's fields, read through the entry (rules and reporters never care
    # that repeated entries share a body).
    @property
    def dialect(self) -> Dialect:
        """The shape of this record."""
        return self.body.dialect

    @property
    def level(self) -> Level:
        """Normalized severity."""
        return self.body.level

    @property
    def channel(self) -> str | None:
        """Monolog channel (`glpiphplog`, `glpi`, `app`), if any."""
        return self.body.channel

    @property
    def kind(self) -> str | None:
        """The error's own label: `PHP Warning (2)`, `Uncaught Exception`, `Caught`..."""
        return self.body.kind

    @property
    def exception(self) -> str | None:
        """Exception class, fully qualified as logged."""
        return self.body.exception

    @property
    def message(self) -> str:
        """The message, all its lines."""
        return self.body.message

    @property
    def origin(self) -> Frame | None:
        """File and line where the error was raised."""
        return self.body.origin

    @property
    def frames(self) -> tuple[Frame, ...]:
        """Backtrace rows, innermost first, as logged."""
        return self.body.frames

    @property
    def sql(self) -> str | None:
        """SQL text of a query error."""
        return self.body.sql

    @property
    def sql_error(self) -> str | None:
        """The database's error text."""
        return self.body.sql_error

    @property
    def user_host(self) -> tuple[str | None, str | None]:
        """(user, host) in one read of the raw text."""
        return _who(self)

    @property
    def user(self) -> str | None:
        """GLPI user id ("" for cron and anonymous), from `[uid@host]`, the
        `{"user":"uid@host"}` context or GLPI 11's ``User ID: `uid` ``. Read from the
        raw text on demand: it differs between repeats that share a body."""
        return _who(self)[0]

    @property
    def host(self) -> str | None:
        """Host name from `[uid@host]` or the `{"user":"uid@host"}` context."""
        return _who(self)[1]


_WHO_FILE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[([^@\]\n]*)@([^\]\n]*)\]")
_WHO_CONTEXT = re.compile(r'\{"(?:user)?":"([^"@]*)@([^"]*)"')
_WHO_ACCESS = re.compile(r"User ID: `([^`]*)`")


def _who(entry: Entry) -> tuple[str | None, str | None]:
    dialect = entry.body.dialect
    if dialect is Dialect.GLPI_FILE:
        m = _WHO_FILE.search(entry.raw, 0, 300)
    elif dialect is Dialect.GLPI_MONOLOG:
        m = _WHO_CONTEXT.search(entry.raw, max(len(entry.raw) - 400, 0))
    elif dialect is Dialect.GLPI11_ACCESS:
        a = _WHO_ACCESS.search(entry.raw, 0, 300)
        return (a.group(1), None) if a else (None, None)
    else:
        return None, None
    return (m.group(1), m.group(2)) if m else (None, None)


class Severity(enum.IntEnum):
    """How bad a rule's problem is; ordered, so `--fail-on warning` is a comparison."""

    INFO = 10
    WARNING = 20
    ERROR = 30
    CRITICAL = 40

    @property
    def label(self) -> str:
        """The lower-case name used in rule files and outputs."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Example:
    """An entry written in a rule file that the rule must (or must not) match."""

    text: str
    expect_match: bool
    source: str  # "rules/glpi/mail.yaml:27": where the example is written


@dataclass(frozen=True, slots=True)
class Rule:
    """A known problem: how to recognise it and what to do about it."""

    id: str  # "glpi.mail.basic-login-failed"
    title: str
    severity: Severity
    explain: str  # may hold {name} placeholders filled from the match's named groups
    fix: tuple[str, ...]
    docs: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    source: str = ""  # "rules/glpi/mail.yaml:3"


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule that explains an entry, with the values its regexes captured."""

    rule: Rule
    entry: Entry
    captures: dict[str, str]

    def explanation(self) -> str:
        """The rule's explanation with its placeholders filled."""
        return fill(self.rule.explain, self.captures)

    def fix(self) -> list[str]:
        """The rule's fix steps with their placeholders filled."""
        return [fill(step, self.captures) for step in self.rule.fix]


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(text: str, captures: dict[str, str]) -> str:
    """Replace `{name}` by the capture `name`; unknown names are left as written."""
    return _PLACEHOLDER.sub(lambda m: captures.get(m.group(1), m.group(0)), text)
