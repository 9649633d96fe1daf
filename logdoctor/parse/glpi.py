"""Fields of GLPI records: Monolog 9.3-10.0, GLPI 11, GLPI 11 access-errors, logInFile.

Formats (GLPI source, `src/Toolbox.php`, `src/Application/ErrorHandler.php`,
`src/Glpi/Log/*`):
* 9.5/10 ErrorHandler: `  *** <type>: <description> in <file> at line <n>`, then
  `  Backtrace :` and rows, then a line of two spaces.
* Toolbox::log (9.3-10): `<Class>::<func>() in <file> line <n>`, the logged text
  (a `  *** MySQL query error:` block in sql-errors.log, `  *** PHP Warning(2): ...`
  in 9.3/9.4, free text in 9.5's mail collector), then the `{"user":"id@host"}` context.
* GLPI 11: `Caught <class>: <msg>`, `Uncaught PHP Exception <class>: "<msg>" at <file>
  line <n>`, `<PHP type>: <msg> at <file> line <n>`; rows whose first is the throw
  site; `  Previous: <msg>` blocks; a blank line ends an exception record.
* logInFile: `[uid@host]` then free text (cron, mailgate, event, mail, access-errors).
"""

from __future__ import annotations

import re
from typing import Any

from logdoctor.model import Body, Dialect, Frame, Level
from logdoctor.parse.frames import (
    MISSING,
    ROWS,
    ROWS_MAX,
    glpi_origin,
    php_row,
    read_glpi_row,
    remember,
    split_script,
)
from logdoctor.parse.headers import Head
from logdoctor.parse.levels import level_of, level_of_php_type

_TYPE = re.compile(
    r"(PHP [A-Za-z ]+?\s?\(\d+\)|Uncaught Exception [\w\\]+|Twig Error \([\w\\]+\)"
    r"|(?:PHP )?[A-Z][a-z]+(?: [A-Za-z]+)*\(\d+\)|[^:\n]{1,60}?):\s?"
)
# Toolbox::log's first line: the caller (`Class::func()`, `func()`, or none when
# called from a script's top level) and where it was called.
_PREAMBLE = re.compile(
    r"(?:([\w\\]+(?:::|->)\w+\(\)|\w+\(\)) in )?(/.+|[A-Za-z]:\\.+) line (\d+)\s*"
)
_G11_CAUGHT = re.compile(r"(Caught) ([\w\\]+): (.*)", re.S)
_G11_UNCAUGHT = re.compile(
    r'(Uncaught PHP Exception) ([\w\\]+): "(.*)" at (\S+) line (\d+)\s*', re.S
)
_G11_TYPED = re.compile(
    r"((?:Uncaught |User |Core |Compile |Catchable |Recoverable )?"
    r"(?:Fatal |Parse )?(?:Warning|Notice|Deprecated|Error|Exception|Strict Standards)"
    r"|Exception thrown when handling an exception): (.*)",
    re.S,
)
_AT_LINE = re.compile(r"(.*) at (\S+) line (\d+)\s*", re.S)
_G11_SQL = re.compile(
    r'MySQL (?:query|prepare) error: (.*) \((\d+)\) in SQL query "(.*)"\.?\s*', re.S
)


def _sql_parts(text: str) -> tuple[str, str | None] | None:
    """(`SQL:` text, `Error:` text or the `Warnings:` rows) of a SQL error block, or
    None without `  SQL: `. String searches, not a regex: a lazy `.*?` over a long
    query cost 17 us a record."""
    start = text.find("  SQL: ")
    if start < 0:
        return None
    end = text.find("\n  Backtrace :", start)
    block = text[start + 7 : end if end >= 0 else len(text)]
    err = block.find("\n  Error: ")
    warn = block.find("\n  Warnings:")
    if warn >= 0 and (err < 0 or warn < err):
        rows = block[warn + 13 :]
        rows = rows[1:] if rows[:1] == " " else rows
        rows = rows[1:] if rows[:1] == "\r" else rows
        if rows[:1] == "\n":
            return block[:warn].rstrip(), rows[1:].strip()
        if err < 0:
            return block.rstrip(), None
    if err >= 0:
        return block[:err].rstrip(), block[err + 10 :].rstrip()
    return block.rstrip(), None


_ACCESS_KINDS = (
    ("insufficient rights", "Access denied"),
    ("non-existent item", "Item not found"),
    ("invalid request", "Invalid request"),
    ("CSRF check failed", "CSRF check failed"),
)
_CUES = re.compile(
    r"(?i)\b(?:error|erreur|fehler|failed|fatal|can't|cannot|unable|invalid|denied|refused)"
)

TERMINATORS = ("  ", "")
AUTO_10 = object()  # version hint to be read from the paths


_MARKERS = frozenset(("  Backtrace :", "Backtrace :", "\tStack Trace:", "Stack trace:"))


# What the rows after a backtrace marker read as, by the hash of their text: distinct
# records often share the whole backtrace (the same warning from the same code path,
# with another id in its message), so its rows are read once and its frames tuple
# shared. The hash, not the text, so that the cache holds no text alive (a 64-bit
# collision between two of 4,096 backtraces is not a practical risk).
TRACES: dict[int, tuple[tuple[Frame, ...], tuple[str, ...], int, int]] = {}
TRACES_MAX = 4096


def _cut_trace(
    lines: list[str], max_frames: int
) -> tuple[list[str], tuple[Frame, ...], tuple[str, ...], int]:
    """Split lines into (message lines, frames, previous messages, frames dropped)."""
    try:
        at = lines.index("  Backtrace :")  # GLPI's marker, found at C speed
    except ValueError:
        at = next((i for i, ln in enumerate(lines) if ln.rstrip("\r") in _MARKERS), len(lines))
    msg = [line.rstrip("\r") for line in lines[:at]]
    if at + 1 >= len(lines):
        return msg, (), (), 0
    key = hash("\n".join(lines[at + 1 :]))
    known = TRACES.get(key)
    if known is None or known[3] != max_frames:
        frames, previous, dropped = _read_trace(lines[at + 1 :], max_frames)
        if len(TRACES) >= TRACES_MAX:
            TRACES.clear()
        known = TRACES[key] = (frames, previous, dropped, max_frames)
    return msg, known[0], known[1], known[2]


def _read_trace(rows: list[str], max_frames: int) -> tuple[tuple[Frame, ...], tuple[str, ...], int]:
    frames: list[Frame] = []
    previous: list[str] = []
    cached = ROWS.get  # most rows were seen in an earlier entry
    for line in rows:
        frame = cached(line, MISSING)
        if frame is MISSING:  # glpi_row() without its own second lookup
            frame = remember(ROWS, ROWS_MAX, read_glpi_row, line)
        if frame is None:
            line = line.rstrip("\r")
            if line.startswith("  Previous: "):
                previous.append(line[12:])
                continue
            # PHP's "#n file(line): call" rows (9.5's Toolbox::log dumps); anything else
            # (the "  " terminator, the context line) needs no regex.
            frame = php_row(line) if line.lstrip(" ").startswith("#") else None
            if frame is None:
                if previous and line.strip() and not line.startswith(("  {", "{", "#")):
                    previous[-1] += "\n" + line  # a Previous: message that spans lines
                continue
        frames.append(frame)
    dropped = max(len(frames) - max_frames, 0)
    return tuple(frames[:max_frames] if dropped else frames), tuple(previous), dropped


def _strip_context(lines: list[str]) -> list[str]:
    """Remove trailing blank lines and the Toolbox::log JSON context (`{"user":"2@glpi"}`)."""
    while lines and lines[-1].strip() == "":
        lines.pop()
    if not lines:
        return lines
    last = lines[-1].rstrip()
    i = 0 if last.startswith("{") else last.rfind(' {"')
    if i >= 0 and last.endswith("}"):
        rest = last[:i].rstrip()
        lines[-1:] = [rest] if rest else []
    return lines


def _unstar(line: str) -> str:
    stripped = line.lstrip()
    return stripped[4:].lstrip() if stripped.startswith("***") else line


def _kind(type_text: str) -> tuple[str, str | None]:
    """`Uncaught Exception X` -> ("Uncaught Exception", "X"); `Twig Error (X)` likewise."""
    if type_text.startswith("Uncaught Exception "):
        return "Uncaught Exception", type_text[19:]
    if type_text.startswith("Twig Error ("):
        return "Twig Error", type_text[12:-1]
    return type_text, None


def _star_block(
    lines: list[str], *, dialect: Dialect, head_level: Level, max_frames: int, **extra: Any
) -> Body:
    """`  *** <type>: <description>` + backtrace (ErrorHandler, 9.3/9.4, <= 9.2, SQL).

    `extra` fields go to the Body as they are, except `version=AUTO_10`: a hint read
    from the paths (GLPI 10 has `src/`, 9.5 `inc/*.class.php`).
    """
    first = _unstar(lines[0])
    if first.startswith("MySQL ") and first.rstrip().endswith(":"):
        return _sql_block(first.rstrip()[:-1], lines[1:], dialect, head_level, max_frames, extra)
    msg, frames, previous, dropped = _cut_trace(lines, max_frames)
    msg = _strip_context(msg)
    while len(msg) > 1 and msg[-1] in TERMINATORS:
        msg.pop()
    msg = [_unstar(msg[0]), *msg[1:]] if msg else [first]
    desc = "\n".join(msg)
    kind: str | None = None
    exception = None
    m = _TYPE.match(desc)
    if m:
        kind, exception = _kind(m.group(1).strip())
        desc = desc[m.end() :]
    message, origin = glpi_origin(desc)
    if kind == "Twig Error" and origin and origin.file.startswith('template "'):
        # `"<msg>" in template "<path>" at line <n>` (GLPI ErrorHandler::handleTwigError)
        origin = Frame(origin.file[10:-1], origin.line, "")
        message = message[1:-1] if message[:1] == message[-1:] == '"' else message
    level = head_level
    if level is Level.UNKNOWN and kind:
        level = level_of_php_type(kind) if "(" in kind else Level.ERROR
    fields: dict[str, Any] = dict(extra)
    if fields.get("version") is AUTO_10:
        fields["version"] = _version_10(origin, frames)
    return Body(
        dialect,
        level,
        kind=kind,
        exception=exception,
        message=message,
        origin=origin,
        frames=tuple(frames),
        previous=tuple(previous),
        frames_dropped=dropped,
        **fields,
    )


def _sql_block(
    kind: str,
    lines: list[str],
    dialect: Dialect,
    level: Level,
    max_frames: int,
    extra: dict[str, Any],
) -> Body:
    """`  SQL: <query, any number of lines>` / `  Error: ...` or `  Warnings:` + rows."""
    sql, err = _sql_parts("\n".join(lines)) or (None, None)
    _, frames, _, dropped = _cut_trace(lines, max_frames)
    fields: dict[str, Any] = dict(extra)
    if fields.get("version") is AUTO_10:
        fields["version"] = _version_10(None, frames)
    return Body(
        dialect,
        level if level is not Level.UNKNOWN else Level.ERROR,
        kind=kind,
        message=f"{kind}: {err}" if err else kind,
        frames=tuple(frames),
        sql=sql,
        sql_error=err,
        frames_dropped=dropped,
        **fields,
    )


def parse_monolog(head: Head, body: str, max_frames: int) -> Body:
    """GLPI 9.3-10.0 `glpiphplog` / `glpisqllog` records."""
    lines = body.split("\n")
    level = level_of(head.level)
    if body.startswith("  *** "):
        return _star_block(
            lines,
            dialect=Dialect.GLPI_MONOLOG,
            head_level=level,
            max_frames=max_frames,
            channel=head.channel,
            version=AUTO_10,
        )
    pre = _PREAMBLE.fullmatch(lines[0].rstrip("\r"))
    if pre and len(lines) > 1 and lines[1].lstrip().startswith("*** "):
        caller = pre.group(1) or ""
        hint = "9.3-9.4" if "userErrorHandler" in caller else _version_sql(caller)
        return _star_block(
            lines[1:],
            dialect=Dialect.GLPI_MONOLOG,
            head_level=level,
            max_frames=max_frames,
            channel=head.channel,
            version=hint,
        )
    rest = _strip_context(lines[1:] if pre else lines)
    msg: list[str] = []
    frames: list[Frame] = []
    for line in rest:
        frame = php_row(line) if line.lstrip().startswith("#") else None
        if frame is not None:
            if len(frames) < max_frames:
                frames.append(frame)
        elif not line.lstrip().startswith("#") or not frames:
            msg.append(line.rstrip("\r"))
    while msg and not msg[-1].strip():
        msg.pop()
    message = "\n".join(m.rstrip() for m in msg).strip()
    origin = None
    if pre:
        file, _ = split_script(pre.group(2) + ":" + pre.group(3))
        origin = Frame(file, int(pre.group(3)), pre.group(1) or "")
    return Body(
        Dialect.GLPI_MONOLOG,
        level,
        channel=head.channel,
        kind="Toolbox::log" if pre else None,
        message=message,
        origin=origin,
        frames=tuple(frames),
        version="9.5" if "An error occured" in message else None,
    )


def _version_10(origin: Frame | None, frames: tuple[Frame, ...]) -> str:
    """GLPI 10 keeps its classes in `src/`, 9.5 in `inc/*.class.php` (plugins keep
    `inc/` in both, so any `src/` path decides first). Read from the origin and the
    first three frames, as one text: a path starts after a newline and ends before one."""
    files = [f.file for f in frames[:3]]
    if origin is not None:
        files.append(origin.file)
    paths = "\n" + "\n".join(files).replace("\\", "/") + "\n"
    if "\nsrc/" in paths or "/src/" in paths:
        return "10.0"
    if ".class.php\n" in paths or "/inc/" in paths:
        return "9.5"
    return "9.5-10.0"


def _version_sql(caller: str) -> str | None:
    if caller == "DBmysql::doQuery()":
        return "10.0"
    if caller == "DBmysql::query()":
        return "9.x"
    return None


def parse_glpi11(head: Head, body: str, max_frames: int) -> Body:
    """GLPI 11 `glpi.LEVEL:   *** ...` records."""
    msg_lines, frames, previous, dropped = _cut_trace(body.split("\n"), max_frames)
    while msg_lines and msg_lines[-1].strip() == "":
        msg_lines.pop()
    text = "\n".join(msg_lines)
    kind = exception = None
    origin: Frame | None = None
    sql = sql_error = None
    m = _G11_UNCAUGHT.fullmatch(text)
    if m:
        kind, exception, text = m.group(1), m.group(2), m.group(3)
        origin = Frame(m.group(4), int(m.group(5)), "")
    else:
        m = _G11_CAUGHT.fullmatch(text) or _G11_TYPED.fullmatch(text)
        if m:
            if m.lastindex == 3:
                kind, exception, text = m.group(1), m.group(2), m.group(3)
            else:
                kind, text = m.group(1), m.group(2)
        at = _AT_LINE.fullmatch(text)
        if at and kind and not exception:
            text, origin = at.group(1), Frame(at.group(2), int(at.group(3)), "")
    if origin is None and frames and frames[0].call == "":
        origin = frames[0]  # GLPI 11 writes the throw site as the first row
    s = _G11_SQL.fullmatch(text)
    if s:
        sql_error, sql = f"{s.group(1)} ({s.group(2)})", s.group(3)
    elif "MySQL query warnings:" in text:
        parts = _sql_parts(text)
        if parts:
            sql, sql_error = parts[0], parts[1] or ""
    level = level_of(head.level)
    return Body(
        Dialect.GLPI11,
        level,
        channel="glpi",
        kind=kind,
        exception=exception,
        message=text,
        origin=origin,
        frames=tuple(frames),
        sql=sql,
        sql_error=sql_error,
        previous=tuple(previous),
        version="11",
        frames_dropped=dropped,
    )


def parse_glpi11_access(head: Head, body: str, max_frames: int) -> Body:
    """GLPI 11 access-errors.log: ``User ID: `12` tried to ...`` + information + rows."""
    msg_lines, frames, _, dropped = _cut_trace(body.split("\n"), max_frames)
    message = "\n".join(line.strip() for line in msg_lines if line.strip())
    return Body(
        Dialect.GLPI11_ACCESS,
        Level.WARNING,
        kind=_access_kind(message),
        message=message,
        frames=tuple(frames),
        origin=frames[0] if frames and frames[0].call == "" else None,
        version="11",
        frames_dropped=dropped,
    )


def _access_kind(message: str) -> str | None:
    return next((kind for cue, kind in _ACCESS_KINDS if cue in message), None)


def parse_file(head: Head, body: str, max_frames: int) -> Body:
    """Toolbox::logInFile records: `[uid@host]` then free text."""
    _, _, text = body.partition("\n")
    lines = text.split("\n")
    while lines and lines[-1].strip() == "":
        lines.pop()
    start = next((i for i, ln in enumerate(lines) if ln.strip()), len(lines))
    lines = lines[start:]
    if lines and (lines[0].startswith("  *** ") or re.match(r"\w+\(\d+\): ", lines[0])):
        return _star_block(
            lines,
            dialect=Dialect.GLPI_FILE,
            head_level=Level.UNKNOWN,
            max_frames=max_frames,
            version="<=9.2" if re.match(r"\s*\*\*\* PHP \w+\(", lines[0]) else None,
        )
    msg, frames, _, dropped = _cut_trace(lines, max_frames)
    message = "\n".join(m.rstrip() for m in msg).strip()
    kind = _access_kind(message)
    level = Level.WARNING if kind or _CUES.search(message) else Level.INFO
    return Body(
        Dialect.GLPI_FILE,
        level,
        kind=kind,
        message=message,
        frames=tuple(frames),
        version="10.0" if "\tStack Trace:" in text else None,
        frames_dropped=dropped,
    )
