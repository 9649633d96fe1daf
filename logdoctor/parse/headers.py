"""Entry headers: which line starts a record, in which dialect, and its timestamp.

A record starts at a line that matches one of the header regexes below (formats as
GLPI, PHP, php-fpm, Apache, nginx and Monolog write them). `match_header` is called
once per candidate line, so it dispatches on the first character and tries the
most common shapes first. Lines that look like headers but continue a record
(xdebug's "PHP Stack trace:" rows, php-fpm's stderr lines holding "#0 ..." rows)
are reported as continuations.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from typing import NamedTuple

from logdoctor.model import Dialect


class Head(NamedTuple):
    """What the header of one record says."""

    dialect: Dialect
    ts_text: str
    body_start: int  # where the body starts, counted from the header's first character
    level: str  # the level word as written ("WARNING", "Fatal error", "error"), or ""
    channel: str | None
    variant: str  # sub-shape within the dialect: "fpm", "apache", "nginx", ""


# Cheap candidate test used to split a block into records: a newline followed by
# something a header can start with. Everything else is a continuation line.
SPLIT = re.compile(r"\n(?=\[[\dA-Z]|\d{4}[-/]\d)")

_YMD = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"

# GLPI 9.3-10.0 and GLPI 11 (Monolog LineFormatter with date format Y-m-d H:i:s).
_GLPI_MONOLOG = re.compile(rf"\[({_YMD})\] (glpiphplog|glpisqllog)\.([A-Z]+): ")
_GLPI11 = re.compile(rf"\[({_YMD})\] glpi\.([A-Z]+):   \*\*\* ")
_GLPI11_ACCESS = re.compile(rf"\[({_YMD})\] (?=User ID: )")
# Monolog's default format: ISO date (Monolog 2/3, microseconds and offset) or Monolog 1's.
_MONOLOG = re.compile(
    r"\[(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)?)\] ([\w.-]+)\.([A-Z]+): "
)
# Native PHP error_log: "[18-Jan-2024 16:20:04 UTC] PHP Warning:  ..." (php-src main.c).
_PHP = re.compile(r"\[(\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d(?: [^\]\n]{1,64})?)\] PHP ")
_PHP_LEVEL = re.compile(r"([A-Za-z][A-Za-z ]*?): ")
# xdebug writes each stack row as its own error_log record: those continue the error.
_PHP_CONT = re.compile(r"Stack trace:|\s+\d+\. ")
# php-fpm's own log: "[18-Jan-2024 16:20:04] WARNING: [pool www] child 12 said into stderr: ..."
_FPM = re.compile(
    r"\[(\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d(?:\.\d+)?)\] (DEBUG|NOTICE|WARNING|ERROR|ALERT): "
)
_FPM_CONT = re.compile(
    r'\[pool [^\]\n]*\] child \d+ said into std(?:err|out): "(?!(?:NOTICE: )?(?:PHP message: )?PHP )'
)
# Apache 2.2/2.4 error log: "[Thu Jan 25 11:21:23.420386 2024] [php:error] [pid 1] ..."
_APACHE = re.compile(
    r"\[([A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? \d{4})\] "
    r"\[(?:([\w-]*):)?(\w+)\] (?:\[pid [\d:a-z ]+\] )?(?:\[client [^\]\n]+\] )?"
)
# GLPI Toolbox::logInFile: the header is a line of its own, "YYYY-MM-DD HH:MM:SS [uid@host]".
_GLPI_FILE = re.compile(rf"({_YMD})(?: \[[^@\]\n]*@[^\]\n]*\])?[ \t]*\r?(?:\n|\Z)")
# nginx error log: "2024/01/18 16:20:04 [error] 1234#1234: *5 FastCGI sent in stderr: ..."
_NGINX = re.compile(r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(\w+)\] \d+#\d+: (?:\*\d+ )?")

# Headers glued to the end of the previous line (the writer omitted the newline,
# glpi#14598, glpi#8513). Written literal-first so the scan runs at C speed; the
# lookbehind checks the timestamp before the literal and "[^\n]" that it is mid-line.
GLUED_FILE = re.compile(
    rf" \[(?<=[^\n]{_YMD} \[)[^@\]\n]*@[^\]\n]*\][ \t]*\r?(?=\n|\Z)"
)
GLUED_FILE_BACK = 19  # length of the timestamp before the match
GLUED_MONOLOG = re.compile(rf"\] glpi(?<=[^\n]\[{_YMD}\] glpi)(?:phplog|sqllog)?\.[A-Z]+: ")
GLUED_MONOLOG_BACK = 20

ALL_DIALECTS = frozenset(Dialect) - {Dialect.UNKNOWN}


def match_header(text: str, pos: int, allowed: frozenset[Dialect] = ALL_DIALECTS) -> Head | None:
    """Return the header starting at `text[pos]`, or None for a continuation line."""
    c = text[pos : pos + 1]
    if c == "[":
        return _bracket_header(text, pos, allowed)
    if c.isdigit():
        if Dialect.GLPI_FILE in allowed:
            m = _GLPI_FILE.match(text, pos)
            if m:
                return Head(Dialect.GLPI_FILE, m.group(1), 19, "", None, "")
        if Dialect.PHP in allowed:
            m = _NGINX.match(text, pos)
            if m:
                return Head(Dialect.PHP, m.group(1), m.end() - pos, m.group(2), None, "nginx")
    return None


def _bracket_header(text: str, pos: int, allowed: frozenset[Dialect]) -> Head | None:
    if text.startswith("glpi", pos + 22):
        if Dialect.GLPI_MONOLOG in allowed:
            m = _GLPI_MONOLOG.match(text, pos)
            if m:
                return Head(
                    Dialect.GLPI_MONOLOG, m.group(1), m.end() - pos, m.group(3), m.group(2), ""
                )
        if Dialect.GLPI11 in allowed:
            m = _GLPI11.match(text, pos)
            if m:
                return Head(Dialect.GLPI11, m.group(1), m.end() - pos, m.group(2), "glpi", "")
    if Dialect.PHP in allowed:
        head = _php_header(text, pos)
        if head is not None:
            return head if head.dialect is not Dialect.UNKNOWN else None
    if Dialect.GLPI11_ACCESS in allowed:
        m = _GLPI11_ACCESS.match(text, pos)
        if m:
            return Head(Dialect.GLPI11_ACCESS, m.group(1), m.end() - pos, "", None, "")
    if Dialect.MONOLOG in allowed:
        m = _MONOLOG.match(text, pos)
        if m:
            return Head(Dialect.MONOLOG, m.group(1), m.end() - pos, m.group(3), m.group(2), "")
    return None


_CONTINUATION = Head(Dialect.UNKNOWN, "", 0, "", None, "")


def _php_header(text: str, pos: int) -> Head | None:
    """Native, php-fpm and Apache headers; `_CONTINUATION` for rows that continue."""
    m = _PHP.match(text, pos)
    if m:
        end = m.end()
        if _PHP_CONT.match(text, end):
            return _CONTINUATION
        lm = _PHP_LEVEL.match(text, end)
        return Head(Dialect.PHP, m.group(1), end - 4 - pos, lm.group(1) if lm else "", None, "")
    m = _FPM.match(text, pos)
    if m:
        if _FPM_CONT.match(text, m.end()):
            return _CONTINUATION
        return Head(Dialect.PHP, m.group(1), m.end() - pos, m.group(2), None, "fpm")
    m = _APACHE.match(text, pos)
    if m:
        return Head(Dialect.PHP, m.group(1), m.end() - pos, m.group(3), m.group(2), "apache")
    return None


# --- timestamps -------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_cache: dict[str, datetime | None] = {}
_zones: dict[str, tzinfo | None] = {"UTC": timezone.utc, "GMT": timezone.utc, "Z": timezone.utc}


def parse_timestamp(text: str) -> datetime | None:
    """Parse any header timestamp; naive when the log gives no zone. Cached."""
    try:
        return _cache[text]
    except KeyError:
        pass
    if len(_cache) > 8192:
        _cache.clear()
    try:
        value: datetime | None = _parse(text)
    except (ValueError, KeyError, IndexError):
        value = None
    _cache[text] = value
    return value


def _parse(t: str) -> datetime:
    if t[4] in "-/":  # 2024-01-18 16:20:04 | 2024/01/18 ... | ISO with T, fraction, offset
        base = datetime(
            int(t[0:4]), int(t[5:7]), int(t[8:10]), int(t[11:13]), int(t[14:16]), int(t[17:19])
        )
        return _fraction_and_zone(base, t[19:])
    if t[2] == "-":  # 18-Jan-2024 16:20:04[.123456][ Europe/Paris]
        base = datetime(
            int(t[7:11]), _MONTHS[t[3:6]], int(t[0:2]), int(t[12:14]), int(t[15:17]), int(t[18:20])
        )
        rest = t[20:]
        zone_name = ""
        if " " in rest:
            rest, zone_name = rest.split(" ", 1)
        stamp = _fraction_and_zone(base, rest)
        zone = _zone(zone_name) if zone_name else None
        return stamp.replace(tzinfo=zone) if zone else stamp
    # Apache: "Thu Jan 25 11:21:23.420386 2024"
    parts = t.split()
    hms, _, frac = parts[3].partition(".")
    h, mi, s = (int(x) for x in hms.split(":"))
    micro = int((frac + "000000")[:6]) if frac else 0
    return datetime(int(parts[4]), _MONTHS[parts[1]], int(parts[2]), h, mi, s, micro)


def _fraction_and_zone(base: datetime, rest: str) -> datetime:
    if rest.startswith("."):
        digits = re.match(r"\.(\d+)", rest)
        assert digits is not None
        base = base.replace(microsecond=int((digits.group(1) + "000000")[:6]))
        rest = rest[digits.end() :]
    if not rest:
        return base
    if rest == "Z":
        return base.replace(tzinfo=timezone.utc)
    sign = -1 if rest[0] == "-" else 1
    hh, mm = int(rest[1:3]), int(rest[-2:])
    return base.replace(tzinfo=timezone(sign * timedelta(hours=hh, minutes=mm)))


def _zone(name: str) -> tzinfo | None:
    if name not in _zones:
        try:
            from zoneinfo import ZoneInfo

            _zones[name] = ZoneInfo(name)
        except (KeyError, ValueError, OSError, ImportError):  # unknown zone or no tz database
            _zones[name] = None
    return _zones[name]
