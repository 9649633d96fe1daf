"""Entry headers: which line starts a record, in which dialect, and its timestamp.

A record starts at a line that matches one of the header shapes below (formats as
GLPI, PHP, php-fpm, Apache, nginx and Monolog write them). All shapes are compiled
into one alternation (`HeaderScanner`) that finds every header of a block in one
pass; which alternative matched gives the dialect. The details of a header
(level word, channel, where the body starts) are read by `head_details`, only for
the first occurrence of each distinct record.
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


_YMD = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
_DMY = r"\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d"

# One alternative per header shape, each with exactly one capturing group (the
# timestamp), so `m.lastindex` tells which shape matched. Order matters: GLPI's
# channels before Monolog's generic form. Continuations that look like headers are
# excluded by lookaheads: xdebug's "PHP Stack trace:" / "PHP   1. ..." rows and
# php-fpm stderr lines that carry "#0 ..." rows rather than a new "PHP ..." message.
SHAPES: tuple[tuple[Dialect, str], ...] = (
    (Dialect.GLPI_MONOLOG, rf"\[({_YMD})\] glpi(?:php|sql)log\.[A-Z]+: "),
    (Dialect.GLPI11, rf"\[({_YMD})\] glpi\.[A-Z]+:   \*\*\* "),
    (Dialect.GLPI11_ACCESS, rf"\[({_YMD})\] User ID: "),
    (Dialect.PHP, rf"\[({_DMY}(?: [^\]\n]{{1,64}})?)\] PHP (?!Stack trace:|\s+\d+\. )"),
    (
        Dialect.PHP,
        rf"\[({_DMY}(?:\.\d+)?)\] (?:DEBUG|NOTICE|WARNING|ERROR|ALERT): "
        r'(?!\[pool [^\]\n]*\] child \d+ said into std(?:err|out): "'
        r"(?!(?:NOTICE: )?(?:PHP message: )?PHP ))",
    ),
    (Dialect.PHP, r"\[([A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? \d{4})\] \["),
    (
        Dialect.MONOLOG,
        r"\[(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)?)\] [\w.-]+\.[A-Z]+: ",
    ),
    (Dialect.GLPI_FILE, rf"({_YMD})(?: \[[^@\]\n]*@[^\]\n]*\])?[ \t]*\r?(?=\n|\Z)"),
    (Dialect.PHP, r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[\w+\] \d+#\d+: "),
)


class HeaderScanner:
    """The header alternation for a set of dialects, compiled two ways.

    `scan` finds every header that starts a line (a literal newline first, so the
    regex engine skips from newline to newline at C speed); `at` checks one position.
    """

    def __init__(self, allowed: frozenset[Dialect]) -> None:
        shapes = [(d, p) for d, p in SHAPES if d in allowed]
        alternation = "|".join(p for _, p in shapes) or "(?!)"
        self.dialects: tuple[Dialect, ...] = (Dialect.UNKNOWN, *(d for d, _ in shapes))
        # "(?=[\[\d])": backtrace and message lines fail on one test, not nine.
        self.scan = re.compile(rf"\n(?=[\[\d])(?:{alternation})")
        self.at = re.compile(rf"(?:{alternation})")
        # The alternatives whose header holds `] glpi` (see Grouper._glued_glpi).
        self.glpi = frozenset(
            i for i, d in enumerate(self.dialects) if d in (Dialect.GLPI_MONOLOG, Dialect.GLPI11)
        )


# Details of a header, read only for the first occurrence of a record text.
_GLPI_MONOLOG = re.compile(rf"\[({_YMD})\] (glpiphplog|glpisqllog)\.([A-Z]+): ")
_GLPI11 = re.compile(rf"\[({_YMD})\] glpi\.([A-Z]+):   \*\*\* ")
_MONOLOG = re.compile(r"\[([^\]]+)\] ([\w.-]+)\.([A-Z]+): ")
_PHP_LEVEL = re.compile(r"\[[^\]]+\] PHP ([A-Za-z][A-Za-z ]*?): ")
_FPM = re.compile(r"\[[^\]]+\] ([A-Z]+): ")
_APACHE = re.compile(
    r"\[[^\]]+\] \[(?:([\w-]*):)?(\w+)\] (?:\[pid [\d:a-z ]+\] )?(?:\[client [^\]\n]+\] )?"
)
_NGINX = re.compile(r"\S+ \S+ \[(\w+)\] \d+#\d+: (?:\*\d+ )?")


def head_details(dialect: Dialect, ts_text: str, text: str) -> Head:
    """Level word, channel, variant and body offset of the header at `text[0]`."""
    if dialect is Dialect.GLPI_MONOLOG:
        m = _GLPI_MONOLOG.match(text)
        assert m is not None
        return Head(dialect, ts_text, m.end(), m.group(3), m.group(2), "")
    if dialect is Dialect.GLPI11:
        m = _GLPI11.match(text)
        assert m is not None
        return Head(dialect, ts_text, m.end(), m.group(2), "glpi", "")
    if dialect is Dialect.GLPI11_ACCESS:
        return Head(dialect, ts_text, len(ts_text) + 3, "", None, "")
    if dialect is Dialect.GLPI_FILE:
        return Head(dialect, ts_text, len(ts_text), "", None, "")
    if dialect is Dialect.MONOLOG:
        m = _MONOLOG.match(text)
        assert m is not None
        return Head(dialect, ts_text, m.end(), m.group(3), m.group(2), "")
    return _php_details(ts_text, text)


def _php_details(ts_text: str, text: str) -> Head:
    if not text.startswith("["):
        m = _NGINX.match(text)
        assert m is not None
        return Head(Dialect.PHP, ts_text, m.end(), m.group(1), None, "nginx")
    after = len(ts_text) + 3
    if text.startswith("PHP ", after):
        lm = _PHP_LEVEL.match(text)
        return Head(Dialect.PHP, ts_text, after, lm.group(1) if lm else "", None, "")
    if text.startswith("[", after):
        m = _APACHE.match(text)
        assert m is not None
        return Head(Dialect.PHP, ts_text, m.end(), m.group(2), m.group(1), "apache")
    m = _FPM.match(text)
    assert m is not None
    return Head(Dialect.PHP, ts_text, m.end(), m.group(1), None, "fpm")


# Headers glued to the end of the previous line (the writer omitted the newline,
# glpi#14598, glpi#8513). Written literal-first so the scan runs at C speed; the
# lookbehind checks the timestamp before the literal and "[^\n]" that it is mid-line.
GLUED_FILE = re.compile(rf" \[(?<=[^\n]{_YMD} \[)[^@\]\n]*@[^\]\n]*\][ \t]*\r?(?=\n|\Z)")
GLUED_FILE_BACK = 19  # length of the timestamp before the match
_GLUED_FILE_TAIL = re.compile(r"@[^\]\n]*\][ \t]*\r?(?=\n|\Z)")


def glued_file_starts(text: str) -> list[int]:
    """Where `GLUED_FILE.finditer(text)` matches, found from the `@` of each `[uid@host]`
    with `str.find` (memchr speed; the regex engine's own scan for " [" is slower: 8
    against 24 ms on 20 MB of the bench corpus); the regex then checks the candidates."""
    out: list[int] = []
    find, tail, rfind = text.find, _GLUED_FILE_TAIL.match, text.rfind
    done = 0  # end of the last match: matches do not overlap
    i = find("@")
    while i >= 0:
        if i >= done and tail(text, i):
            # The " [" must come after the last "@", "]" or newline before this "@".
            k = max(rfind("\n", done, i), rfind("]", done, i), rfind("@", done, i), done - 1)
            while (k := find(" [", k + 1, i)) >= 0:
                m = GLUED_FILE.match(text, k)
                if m is not None:
                    out.append(k)
                    done = m.end()
                    break
        i = find("@", i + 1)
    return out


GLUED_MONOLOG = re.compile(rf"\] glpi(?<=[^\n]\[{_YMD}\] glpi)(?:phplog|sqllog)?\.[A-Z]+: ")
GLUED_MONOLOG_BACK = 20

ALL_DIALECTS = frozenset(Dialect) - {Dialect.UNKNOWN}


# --- timestamps -------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_cache: dict[str, datetime | None] = {}
_zones: dict[str, tzinfo | None] = {"UTC": timezone.utc, "GMT": timezone.utc, "Z": timezone.utc}


_MISSING = datetime.min


def parse_timestamp(text: str) -> datetime | None:
    """Parse any header timestamp; naive when the log gives no zone.

    GLPI's and Monolog's ISO 8601 stamps go straight to C (`fromisoformat`); the
    other shapes are cached, as consecutive entries share their second.
    """
    if text[4:5] == "-" and text[-1:] != "Z":
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass  # 9-digit fractions, Python 3.10's narrower ISO parser: read below
    value = _cache.get(text, _MISSING)
    if value is not _MISSING:
        return value
    if len(_cache) > 8192:
        _cache.clear()
    try:
        value = _by_minute(text) or _parse(text)
    except (ValueError, KeyError, IndexError):
        value = None
    _cache[text] = value
    return value


_minutes: dict[str, datetime | None] = {}


def _by_minute(t: str) -> datetime | None:
    """PHP's `18-Jan-2024 16:20:04[ zone]` from the datetime of its minute (remembered:
    each second of a log is new, its minute rarely), or None for another shape."""
    if t[2:3] != "-" or t[17:18] != ":" or t[20:21] not in ("", " ") or not t[18:20].isdigit():
        return None
    minute = t[:17] + t[20:]  # the zone stays in the key
    base = _minutes.get(minute, _MISSING)
    if base is _MISSING:
        if len(_minutes) > 4096:
            _minutes.clear()
        try:
            base = _minutes[minute] = _parse(t[:17] + ":00" + t[20:])
        except (ValueError, KeyError, IndexError):
            base = _minutes[minute] = None
    second = int(t[18:20])
    return base.replace(second=second) if base is not None and second < 60 else None


def _parse(t: str) -> datetime:
    if t[4] in "-/":  # 2024/01/18 16:20:04 (nginx) | ...Z
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
