"""Fields of PHP's own records: error_log, Apache, php-fpm and nginx wrappers, Monolog.

* error_log (php-src main.c): `PHP <Type>:  <msg> in <file> on line <n>`; an
  uncaught exception continues with `Stack trace:`, `#n` rows and `  thrown in`.
* Apache (mod_php): the same after `[date] [php:error] [pid] [client]`, newlines
  written as a literal `\\n`; proxy_fcgi: `AH01071: Got error 'PHP message: ...'`.
* php-fpm: `[pool www] child 8 said into stderr: "NOTICE: PHP message: ..."`, one
  fpm line per physical line of the message (the grouper keeps them together).
* nginx: `FastCGI sent in stderr: "PHP message: ...; PHP message: ..." while ...`.
* Monolog's default format: `<msg> <context json> <extra json>`, exceptions as
  `[object] (Class(code: N): msg at file:line)` and an optional `[stacktrace]`.
"""

from __future__ import annotations

import re

from logdoctor.model import Body, Dialect, Frame, Level
from logdoctor.parse.frames import php_origin, php_row
from logdoctor.parse.headers import Head
from logdoctor.parse.levels import level_of, level_of_php_type

_TYPE = re.compile(r"PHP ([A-Za-z][A-Za-z ]*?):\s+")
_UNCAUGHT = re.compile(
    r"Uncaught (?:exception '([\w\\]+)' with message '(.*)' in (.+):(\d+)"
    r"|([\w\\]+)(?::| with message) (.*?)(?: in (\S+?):(\d+))?)\s*\Z",
    re.S,
)
_FPM_WRAP = re.compile(r'.*? said into std(?:err|out): "(.*?)"?(?:, pipe is closed)?\r?\Z')
_NGINX_TAIL = re.compile(r'" while [a-z ]+, client: .*\Z', re.S)
_PHP_MESSAGE = re.compile(r"(?:;\s|\n)PHP message: ")
_MONOLOG_EXC = re.compile(r"\[object\] \(([\w\\]+)\(code: -?\d+\): (.*?) at (\S+?):(\d+)\)", re.S)
_MONOLOG_EMPTY = re.compile(r" \[\] \[\]\s*\Z")
_MONOLOG_CTX = re.compile(r" (?:\[\]|\{.*\}|\[.*\]) (?:\[\]|\{.*\}|\[.*\])\s*\Z", re.S)


def parse_php(head: Head, body: str, max_frames: int) -> Body:
    """Any PHP-dialect record, by its header variant."""
    level = level_of(head.level)
    if head.variant == "fpm":
        body, wrapped = _unwrap_fpm(body)
        if not wrapped:
            return Body(Dialect.PHP, level, kind="php-fpm", message=body.strip())
    elif head.variant == "nginx":
        if not body.startswith('FastCGI sent in stderr: "'):
            return Body(Dialect.PHP, level, kind="nginx", message=body.strip())
        body = _NGINX_TAIL.sub("", body[25:]).rstrip('"\r\n')
    elif head.variant == "apache":
        body = _unwrap_apache(body)
        if not body.lstrip(" ;").startswith(("PHP ", "PHP message: ")):
            return Body(
                Dialect.PHP, level, channel=head.channel, kind="apache", message=body.strip()
            )
    return _php_message(body, level, max_frames)


def _unwrap_fpm(body: str) -> tuple[str, bool]:
    lines = []
    wrapped = False
    for line in body.split("\n"):
        m = _FPM_WRAP.match(line)
        if m:
            wrapped = True
            lines.append(m.group(1))
        elif line.strip():
            lines.append(line)
    return "\n".join(lines), wrapped


def _unwrap_apache(body: str) -> str:
    body = body.rstrip("\r\n")
    m = re.match(r"(?:AH\d+: )?Got error '(.*)'(?:, referer: .*)?\Z", body, re.S)
    if m:
        body = m.group(1)
    else:
        body = re.sub(r", referer: \S*\Z", "", body)
    body = re.sub(r"\A[\w.]+\(\d+\): ", "", body)  # "sapi_apache2.c(356): "
    return body.replace("\\n", "\n")


# xdebug writes its stack as more error_log records: "[ts] PHP Stack trace:" then
# "[ts] PHP   1. {main}() /file.php:0", "[ts] PHP   2. Class->call($a = 1) /f.php:61".
_XDEBUG_ROW = re.compile(r"\[[^\]\n]+\] PHP +(?:Stack trace:|\d+\. (.*?) (\S+?):(\d+))\r?")


def _xdebug_rows(text: str) -> tuple[str, list[Frame]]:
    """Split xdebug's stack records off a native PHP record."""
    cut = text.find("\n[")
    if cut < 0 or not _XDEBUG_ROW.match(text, cut + 1):
        return text, []
    frames = []
    for line in text[cut + 1 :].split("\n"):
        m = _XDEBUG_ROW.fullmatch(line)
        if m and m.group(1) is not None:
            frames.append(Frame(m.group(2), int(m.group(3)), m.group(1)))
    frames.reverse()  # xdebug lists {main} first; keep innermost first like PHP traces
    return text[:cut], frames


def _php_message(body: str, head_level: Level, max_frames: int) -> Body:
    text = body.lstrip(" ;")
    for prefix in ("NOTICE: ", "PHP message: "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    parts = _PHP_MESSAGE.split(text)
    first = parts[0]
    extra = [p.strip() for p in parts[1:]]
    m = _TYPE.match(first)
    kind = None
    if m:
        kind = "PHP " + m.group(1)
        first = first[m.end() :]
    first, xdebug = _xdebug_rows(first)
    main, _, trace = first.partition("\nStack trace:")
    frames: list[Frame] = []
    dropped = 0
    origin: Frame | None = None
    for line in trace.split("\n"):
        frame = php_row(line)
        if frame is not None:
            if len(frames) < max_frames:
                frames.append(frame)
            else:
                dropped += 1
        elif line.lstrip().startswith("thrown in "):
            _, origin = php_origin(line.strip())
    frames.extend(xdebug[: max(max_frames - len(frames), 0)])
    dropped += max(len(xdebug) - max_frames, 0)
    main = main.rstrip()
    exception = None
    u = _UNCAUGHT.match(main) if main.startswith("Uncaught ") else None
    if u and u.group(1):
        exception, message = u.group(1), u.group(2)
        origin = origin or Frame(u.group(3), int(u.group(4)), "")
    elif u:
        exception, message = u.group(5), u.group(6)
        if u.group(7):
            origin = Frame(u.group(7), int(u.group(8)), "")
    else:
        message, found = php_origin(main)
        origin = origin or found
    level = level_of_php_type(kind) if kind else head_level
    if extra:
        message = "\n".join([message, *extra])
    return Body(
        Dialect.PHP,
        level if level is not Level.UNKNOWN else head_level,
        kind=kind,
        exception=exception,
        message=message,
        origin=origin,
        frames=tuple(frames),
        frames_dropped=dropped,
    )


def parse_monolog(head: Head, body: str, max_frames: int) -> Body:
    """Monolog's default LineFormatter: message, context JSON, extra JSON."""
    text = body.rstrip("\r\n")
    exc = _MONOLOG_EXC.search(text)
    frames: list[Frame] = []
    dropped = 0
    for line in text.split("\n"):
        if line.startswith("#"):
            frame = php_row(line.replace("\\/", "/"))
            if frame is not None:
                if len(frames) < max_frames:
                    frames.append(frame)
                else:
                    dropped += 1
    first, _, _ = text.partition("\n")
    message = first
    ctx = _MONOLOG_EMPTY.search(first) or _MONOLOG_CTX.search(first)
    if ctx:
        message = first[: ctx.start()]
    else:
        cut = re.search(r' (?:\{"|\[\{|\[\] )', first)
        if cut:
            message = first[: cut.start()]
    return Body(
        Dialect.MONOLOG,
        level_of(head.level),
        channel=head.channel,
        exception=exc.group(1).replace("\\\\", "\\") if exc else None,  # JSON-escaped
        message=message.strip(),
        origin=Frame(exc.group(3).replace("\\/", "/"), int(exc.group(4)), "") if exc else None,
        frames=tuple(frames),
        frames_dropped=dropped,
    )
