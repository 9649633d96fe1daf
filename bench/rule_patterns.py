"""The built-in rules' regexes as POSIX EREs, for a `grep -E -f` baseline.

`python bench/rule_patterns.py OUT [N]` writes up to N (100) patterns, one per line:
the `message`, `exception`, `sql_error` and `frame` regexes of the built-in rules,
translated to what GNU grep -E reads (\\d -> [0-9], named and non-capturing groups ->
plain groups, escapes of plain characters dropped); patterns using what EREs lack
(lookarounds, inline flags, lazy quantifiers, backreferences) are left out.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from logdoctor.ruleset import load

_CLASSES = {r"\d": "[0-9]", r"\w": "[[:alnum:]_]", r"\s": "[[:space:]]", r"\D": "[^0-9]",
            r"\W": "[^[:alnum:]_]", r"\S": "[^[:space:]]"}  # fmt: skip
_UNSUPPORTED = re.compile(r"\(\?[=!<]|\(\?[a-zA-Z]|[*+?}]\?|\\[1-9bBAZz]|\\[pPN]")


def to_ere(pattern: str) -> str | None:
    """`pattern` as a POSIX ERE, or None when it cannot be written as one."""
    if _UNSUPPORTED.search(pattern.replace("(?P<", "(").replace("(?:", "(")):
        return None
    out = re.sub(r"\(\?P<\w+>", "(", pattern).replace("(?:", "(")
    for escape, cls in _CLASSES.items():
        out = out.replace(escape, cls)
    out = re.sub(r"\\([^\\.\[\](){}*+?|^$])", r"\1", out)  # \' \" \- \/ … are plain characters
    return out


def patterns(limit: int) -> list[str]:
    """Up to `limit` distinct EREs from the built-in rules, in rule order."""
    out: list[str] = []
    for compiled in load().rules:
        stack = [compiled.pred]
        while stack and len(out) < limit:
            pred = stack.pop()
            stack.extend(pred.children)
            if pred.op in ("field", "frame") and pred.pattern is not None:
                ere = to_ere(pred.pattern.pattern)
                if ere and ere not in out:
                    out.append(ere)
    return out[:limit]


def main() -> int:
    """Write the patterns file."""
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    found = patterns(limit)
    Path(sys.argv[1]).write_text("\n".join(found) + "\n")
    print(f"{len(found)} patterns written to {sys.argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
