"""Required literals of a rule: strings one of which an entry must contain to match.

They feed the prefilter (match.py): a rule whose literals are all absent from an
entry is ruled out without running a regex. A rule's own `keywords` come first;
otherwise they are derived here from its regexes, with CPython's own regex parser
(`re._parser`, `sre_parse` before 3.11: private, so any failure just means "no
literal", never a wrong one). Only literals that every match must contain are
derived: runs of plain characters at the top level of a pattern, or one per
branch of a top-level alternation. Case-insensitive patterns give none.
"""

from __future__ import annotations

from typing import Any

try:  # Python >= 3.11
    import re._parser as sre_parse  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef, unused-ignore]

from logdoctor.match import Pred

MIN_LENGTH = 3


def of_pattern(pattern: str, flags: int) -> list[str] | None:
    """Literals one of which every match of `pattern` contains, or None."""
    if flags & 2:  # re.IGNORECASE
        return None
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:  # regex-module syntax that re cannot read: no literal, no harm
        return None
    if parsed.state.flags & 2:
        return None
    return _of_sequence(list(parsed))


def _of_sequence(items: list[tuple[Any, Any]]) -> list[str] | None:
    best: list[str] | None = None
    run: list[str] = []

    def close() -> None:
        nonlocal best, run
        if len(run) >= MIN_LENGTH and (best is None or _worse(best, ["".join(run)])):
            best = ["".join(run)]
        run = []

    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            run.append(chr(arg))
            continue
        close()
        if name == "SUBPATTERN":  # (group, add_flags, del_flags, pattern)
            inner = None if arg[1] & 2 else _of_sequence(list(arg[-1]))
        elif name == "BRANCH":
            branches = [_of_sequence(list(b)) for b in arg[1]]
            inner = (
                None if any(b is None for b in branches) else [x for b in branches for x in b or []]
            )
        else:
            inner = None
        if inner and (best is None or _worse(best, inner)):
            best = inner
    close()
    return best


def _worse(a: list[str], b: list[str]) -> bool:
    """Is `a` a weaker filter than `b`? (Fewer alternatives, then longer shortest.)"""
    return (len(a), -min(map(len, a))) > (len(b), -min(map(len, b)))


FIELDS, FRAMES = "fields", "frames"  # where a literal is looked up (match.searchable)


def of_pred(pred: Pred) -> list[str] | None:
    """Literals one of which an entry matching `pred` contains, each prefixed with the
    text it is looked up in (`fields:`, `frames:`, `raw:`), or None."""
    if pred.op == "field" and pred.pattern is not None:
        found = of_pattern(pred.pattern.pattern, pred.pattern.flags)
        scope = "raw" if pred.name == "raw" else FIELDS
        return [f"{scope}:{x}" for x in found] if found else None
    if pred.op == "frame":
        each = [of_pattern(p.pattern, p.flags) for p in (pred.pattern, pred.call) if p is not None]
        best = _best([f for f in each if f])
        return [f"{FRAMES}:{x}" for x in best] if best else None
    if pred.op == "all":
        return _best([f for f in map(of_pred, pred.children) if f])
    if pred.op == "any":
        parts = [of_pred(c) for c in pred.children]
        if any(not p for p in parts):
            return None
        return [x for p in parts for x in p or []]
    return None  # levels, dialects, not: no literal


def _best(candidates: list[list[str]]) -> list[str] | None:
    best: list[str] | None = None
    for c in candidates:
        if best is None or _worse(best, c):
            best = c
    return best


# Fields each dialect can fill (parse/): a rule asking for one its dialects never
# fill cannot match.
_FILLS: dict[str, frozenset[str]] = {
    "glpi-file": frozenset({"message", "kind", "sql", "sql_error", "raw"}),
    "glpi-monolog": frozenset(
        {"message", "exception", "kind", "channel", "sql", "sql_error", "raw"}
    ),
    "glpi11": frozenset({"message", "exception", "kind", "channel", "sql", "sql_error", "raw"}),
    "glpi11-access": frozenset({"message", "kind", "raw"}),
    "php": frozenset({"message", "exception", "kind", "channel", "raw"}),
    "monolog": frozenset({"message", "exception", "channel", "raw"}),
    "unknown": frozenset({"message", "raw"}),
}


def unreachable(pred: Pred) -> str | None:
    """Why `pred` can never hold (contradictory levels or dialects, a field none of its
    dialects fill), or None."""
    if pred.op not in ("all", "any"):
        return _conjunction([pred])
    if pred.op == "all":
        return _conjunction(list(pred.children))
    reasons = [unreachable(c) for c in pred.children]
    return reasons[0] if all(reasons) else None


def _conjunction(preds: list[Pred]) -> str | None:
    flat: list[Pred] = []
    while preds:  # an `all` inside a conjunction is part of it
        p = preds.pop()
        if p.op == "all":
            preds.extend(p.children)
        else:
            flat.append(p)
    preds = flat
    levels: frozenset[str] | None = None
    dialects: frozenset[str] | None = None
    fields: set[str] = set()
    for p in preds:
        if p.op == "levels":
            levels = p.values if levels is None else levels & p.values
        elif p.op == "dialects":
            dialects = p.values if dialects is None else dialects & p.values
        elif p.op == "field":
            fields.add(p.name)
        elif p.op == "any":
            reason = unreachable(p)
            if reason:
                return reason
    if levels is not None and not levels:
        return "its level conditions exclude each other"
    if dialects is not None and not dialects:
        return "its dialect conditions exclude each other"
    if dialects:
        missing = {f for f in fields if not any(f in _FILLS[d] for d in dialects)}
        if missing:
            where = ", ".join(sorted(dialects))
            return f"{', '.join(sorted(missing))} is never set in {where} entries"
    return None
