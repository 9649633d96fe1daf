"""Make untrusted log text inert on a terminal.

Log lines can carry ANSI/OSC escape sequences and other control characters;
printed raw they could recolour, retitle or hyperlink the admin's terminal.
`inert` shows every control character, bidirectional control (and every undecodable
byte, kept as a surrogate escape by the reader) as a visible escape instead. Rich markup is
never interpreted: reporters hand rich `Text` objects, not markup strings.
"""

from __future__ import annotations

import re

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
