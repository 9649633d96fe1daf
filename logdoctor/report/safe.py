"""Make untrusted log text safe to show: inert on a terminal, without secrets.

Log lines can carry ANSI/OSC escape sequences and other control characters;
printed raw they could recolour, retitle or hyperlink the admin's terminal.
`inert` shows every control character and bidirectional control (and every
undecodable byte, kept as a surrogate escape by the reader) as a visible escape
instead. Rich markup is never interpreted: reporters hand rich `Text` objects, not
markup strings. `redact` replaces the secrets logs may hold (passwords, tokens) with
`[redacted]`, for every output that quotes log text.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar, cast

# C0 and C1 controls (escape sequences start there), the line and paragraph separators,
# the bidirectional marks, embeddings, overrides and isolates (they reorder what a
# terminal or a browser shows: "Trojan Source", CVE-2021-42574), undecodable bytes.
_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
    r"\udc80-\udcff]"
)


def _show(m: re.Match[str]) -> str:
    c = m.group(0)
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str, *, keep_newlines: bool = True) -> str:
    """`text` with control characters and undecodable bytes shown as escapes."""
    out = _UNSAFE.sub(_show, text)
    return out if keep_newlines else out.replace("\n", "\\n").replace("\t", "\\t")


# Secrets that logs carry (a password in a request dump, a bearer token in an HTTP
# trace, an OAuth refresh token in an error): never shown. The value after a secret's
# name (key=value, "key": "value", 'key' => 'value', [key] => value; the name's end is
# enough: login_password=, "smtp_passwd": ...), bearer and basic credentials, JWTs,
# Google's access and refresh tokens, XOAUTH2 payloads (base64 of "user=..."), and the
# password of a URL. Each pattern runs only on text holding its hint (lower case).
_NAMED = re.compile(
    r"(?i)(?:pass(?:word|wd|phrase)?|pwd|secret|api[_-]?key|private[_-]?key|token|authorization)"
    r"(?:(?P<eq>=)[^\s&'\",;]+"
    r"|(?P<json>\"\s*:\s*\")(?:[^\"\\]|\\.)+(?=\")"
    r"|(?P<php>'\s*=>\s*')[^']+(?=')"
    r"|(?P<dump>\]\s*=>\s*)[^\s\]]+)"
)
_PATTERNS = (
    (
        (
            "pass",
            "pwd",
            "secret",
            "api_key",
            "api-key",
            "apikey",
            "private",
            "token",
            "authorization",
        ),
        _NAMED,
    ),
    # A bearer token (long: "Bearer authentication" stays), a header's basic credentials.
    (
        ("bearer", "basic"),
        re.compile(
            r"(?i)\bbearer(?P<sp>\s+)[A-Za-z0-9._~+/-]{16,}=*"
            r"|\bauthorization(?P<basic>[\"']?\s*[:=]\s*[\"']?basic\s+)[A-Za-z0-9+/]{4,}=*"
        ),
    ),
    (("eyj",), re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")),
    (("ya29", "1//0"), re.compile(r"\bya29\.[A-Za-z0-9_-]{10,}|\b1//0[A-Za-z0-9_-]{10,}")),
    (("dxnlcj",), re.compile(r"\bdXNlcj[A-Za-z0-9+/]{16,}={0,2}")),
    (("://",), re.compile(r"://[^/\s:@]+(?P<colon>:)[^@\s/]+(?=@)")),
)
_KEEP = ("eq", "json", "php", "dump", "sp", "basic", "colon")  # what ends the part a match keeps
REDACTED = "[redacted]"
J = TypeVar("J")


def _hide(m: re.Match[str]) -> str:
    groups = m.groupdict()
    for name in _KEEP:
        if groups.get(name) is not None:
            return m.group(0)[: m.end(name) - m.start()] + REDACTED
    return REDACTED


def may_hold_secrets(text: str) -> bool:
    """False when `text` holds none of the secrets `redact` finds (a quick test)."""
    low = text.lower()
    return any(hint in low for hints, _ in _PATTERNS for hint in hints)


def redact(text: str) -> str:
    """`text` with the secrets it may carry replaced by `[redacted]`."""
    if not text:
        return text
    low = text.lower()
    for hints, pattern in _PATTERNS:
        for hint in hints:
            if hint in low:
                text = pattern.sub(_hide, text)
                break
    return text


def redact_all(value: J) -> J:
    """A JSON-ready value with `redact` applied to every string in it (keys too); the
    value itself when none of its strings holds a hint (one quick test)."""
    texts: list[str] = []
    _strings(value, texts)
    if not may_hold_secrets("\n".join(texts)):
        return value
    return cast(J, _redact_any(value))


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _strings(k, out)
            _strings(v, out)
    elif isinstance(value, list | tuple):
        for v in value:
            _strings(v, out)


def _redact_any(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {_redact_any(k): _redact_any(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_any(v) for v in value]
    return value
