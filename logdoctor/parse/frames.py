"""Backtrace rows of every shape, read into `Frame`s.

* GLPI (all versions since 0.85, Toolbox::backtrace and the ErrorHandler): two
  spaces, a script column of exactly 50 characters (`file:line` right-padded, or
  `...` + its last 47 characters), one space, the call; call-less rows end with
  a space, internal frames print as `:`.
* GLPI 0.84: `file:line`, two tabs, the call.
* GLPI 10 access-errors.log: a tab-indented `Stack Trace:` then `\t\t/abs/file:line call`.
* PHP (`Throwable::getTraceAsString`): `#0 /file(12): Class->call()`,
  `#1 [internal function]: call()`, `#2 {main}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from logdoctor.model import Frame

_PHP_ROW = re.compile(r" ?#\d+ (?:(.*?)\((\d+)\)|\[internal function\]): ?(.*)")
_LOOSE_ROW = re.compile(r"\s*(\S.*?):(\d*)(?:\s+(.*?))?\s*")


def split_script(script: str) -> tuple[str, int | None]:
    """`src/Toolbox.php:2196` -> ("src/Toolbox.php", 2196); `:` -> ("", None)."""
    file, sep, line = script.rpartition(":")
    if not sep:
        return script, None
    return file, int(line) if line.isdigit() else None


# The same rows come back in many distinct entries (the frames under a warning rarely
# change): remember them. Bounded: cleared when full.
ROWS: dict[str, Frame | None] = {}
ROWS_MAX = 50_000
PHP_ROWS: dict[str, Frame | None] = {}
PHP_ROWS_MAX = 8192  # smaller: PHP rows are longer (absolute paths) and vary more
MISSING = Frame("", None, "")  # a sentinel for ROWS.get: "not seen yet"


def _remembered(
    cache: dict[str, Frame | None], limit: int, read: Callable[[str], Frame | None], row: str
) -> Frame | None:
    frame = cache.get(row, MISSING)
    if frame is not MISSING:
        return frame
    return remember(cache, limit, read, row)


def remember(
    cache: dict[str, Frame | None], limit: int, read: Callable[[str], Frame | None], row: str
) -> Frame | None:
    """Read a row not in `cache` and keep it there (cleared when full)."""
    if len(cache) >= limit:
        cache.clear()
    frame = cache[row] = read(row)
    return frame


def glpi_row(row: str) -> Frame | None:
    """One GLPI backtrace row, or None when `row` is not one (remembered in ROWS)."""
    return _remembered(ROWS, ROWS_MAX, read_glpi_row, row)


_make = tuple.__new__  # a NamedTuple's own __new__ is Python code: 0.23 against 0.12 us


def read_glpi_row(row: str) -> Frame | None:
    """One GLPI backtrace row, or None when `row` is not one (not remembered)."""
    row = row.rstrip("\r")
    if len(row) >= 53 and row[52] == " " and row.startswith("  ") and row[2] != " ":
        file, line = split_script(row[2:52].rstrip())
        return _make(Frame, (file, line, row[53:].rstrip()))
    if row.lstrip().startswith("#"):
        return None  # a PHP row ("#0 /file(12): call()"), read by php_row
    m = _LOOSE_ROW.fullmatch(row)
    if m and (m.group(2) or m.group(1).endswith(")")):
        return Frame(m.group(1), int(m.group(2)) if m.group(2) else None, m.group(3) or "")
    return None


def php_row(row: str) -> Frame | None:
    """One `#n ...` row of a PHP stack trace; None for `{main}` and non-rows
    (remembered in PHP_ROWS, as GLPI's are in ROWS)."""
    return _remembered(PHP_ROWS, PHP_ROWS_MAX, _php_row, row)


def _php_row(row: str) -> Frame | None:
    m = _PHP_ROW.fullmatch(row.rstrip("\r"))
    if m is None:
        return None
    return Frame(m.group(1) or "", int(m.group(2)) if m.group(2) else None, m.group(3).strip())


def php_origin(text: str) -> tuple[str, Frame | None]:
    """Split `<message> in <file> on line <n>` / `... in <file>:<n>` into (message, origin)."""
    i = text.rfind(" on line ")
    if i > 0 and text[i + 9 :].strip().isdigit():
        j = text.rfind(" in ", 0, i)
        if j >= 0:
            return text[:j], Frame(text[j + 4 : i], int(text[i + 9 :].strip()), "")
    m = re.search(r" in (\S+?):(\d+)\s*\Z", text)
    if m:
        return text[: m.start()], Frame(m.group(1), int(m.group(2)), "")
    return text, None


def glpi_origin(text: str) -> tuple[str, Frame | None]:
    """Split GLPI 9.5/10 `<message> in <file> at line <n>` into (message, origin)."""
    stripped = text.rstrip()
    i = stripped.rfind(" at line ")
    if i > 0 and stripped[i + 9 :].isdigit():
        j = stripped.rfind(" in ", 0, i)
        if j >= 0:
            return stripped[:j], Frame(stripped[j + 4 : i], int(stripped[i + 9 :]), "")
    return stripped, None
