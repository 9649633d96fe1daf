"""Matching entries against rules: predicate trees, a literal prefilter, regex timeouts.

A rule's `match` is a tree of predicates (`Pred`): a regex on a field of the entry,
a set of levels or dialects, a frame, and `all` / `any` / `not` over them. It is
evaluated once per distinct record (the parser shares one Body between repeats), not
once per entry, unless the rule looks at the raw text (`raw:`), which differs
between repeats. Records that differ only in their backtrace or context (a request
id, other line numbers) share their fields: the rules that do not read frames are
decided once per distinct fields, and only the few that do, per record. Before any
regex runs, the rule's keywords (literals, any of which must be present) are looked
up in the entry's text: most rules are ruled out by one `in` test. Every regex
search has a time limit; a rule that hits it is reported once and skipped for that
entry, so one bad rule never hangs a scan.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import regex

from logdoctor.model import Body, Entry, Finding, Frame, Rule

log = logging.getLogger("logdoctor")

TIMEOUT = 0.25  # seconds a regex may search one field of one entry
FIELDS = ("message", "exception", "kind", "channel", "sql", "sql_error", "raw")


@dataclass(frozen=True, slots=True)
class Pred:
    """A node of a match tree.

    op: "field" (name, pattern), "levels" / "dialects" (values), "frame"
    (file and/or call patterns), "all" / "any" (children), "not" (one child).
    """

    op: str
    name: str = ""
    pattern: regex.Pattern[str] | None = None
    call: regex.Pattern[str] | None = None
    values: frozenset[str] = frozenset()
    children: tuple[Pred, ...] = ()

    def uses_raw(self) -> bool:
        """True when the tree reads the raw text (then it is evaluated per entry)."""
        return (self.op == "field" and self.name == "raw") or any(
            c.uses_raw() for c in self.children
        )

    def patterns(self) -> Iterable[regex.Pattern[str]]:
        """Every regex of the tree."""
        for p in (self.pattern, self.call):
            if p is not None:
                yield p
        for child in self.children:
            yield from child.patterns()


class Timeout(Exception):
    """A regex ran out of time."""


def _search(pattern: regex.Pattern[str], text: str | None) -> regex.Match[str] | None:
    if not text:
        return None
    try:
        return pattern.search(text, timeout=TIMEOUT)
    except TimeoutError:
        raise Timeout from None


def evaluate(pred: Pred, entry: Entry, captures: dict[str, str]) -> bool:
    """Does `entry` satisfy `pred`? Named groups of what matched go to `captures`."""
    op = pred.op
    if op == "field":
        assert pred.pattern is not None
        text = entry.raw if pred.name == "raw" else getattr(entry.body, pred.name)
        m = _search(pred.pattern, text)
        if m is None:
            return False
        captures.update({k: v for k, v in m.groupdict().items() if v is not None})
        return True
    if op == "levels":
        return entry.body.level.label in pred.values
    if op == "dialects":
        return entry.body.dialect.value in pred.values
    if op == "frame":
        return _frame(pred, entry, captures)
    if op == "all":
        mine: dict[str, str] = {}
        if all(evaluate(c, entry, mine) for c in pred.children):
            captures.update(mine)
            return True
        return False
    if op == "any":
        for child in pred.children:
            mine = {}
            if evaluate(child, entry, mine):
                captures.update(mine)
                return True
        return False
    assert op == "not"
    return not evaluate(pred.children[0], entry, {})


# What a frame pattern found in a file or call text: its named groups, or None. The
# same paths and calls come back in most backtraces, so each is searched once.
_FRAME_HITS: dict[tuple[regex.Pattern[str], str], dict[str, str] | None] = {}
FRAME_HITS_KEEP = 65_536
_UNSEEN: dict[str, str] = {}  # a marker: "not searched yet" (None means "no match")


def _frame_search(pattern: regex.Pattern[str], text: str) -> dict[str, str] | None:
    key = (pattern, text)  # patterns compare by their text and flags
    found = _FRAME_HITS.get(key, _UNSEEN)
    if found is not _UNSEEN:
        return found
    m = _search(pattern, text)
    found = {k: v for k, v in m.groupdict().items() if v is not None} if m is not None else None
    if len(_FRAME_HITS) >= FRAME_HITS_KEEP:
        _FRAME_HITS.clear()
    _FRAME_HITS[key] = found
    return found


def _frame(pred: Pred, entry: Entry, captures: dict[str, str]) -> bool:
    # The origin (where the error was raised) is the innermost frame: GLPI 11 prints
    # it as the first backtrace row, GLPI 10 and PHP only in the message.
    body = entry.body
    frames = body.frames if body.origin is None else (body.origin, *body.frames)
    for frame in frames:
        c1 = _frame_search(pred.pattern, frame.file) if pred.pattern is not None else None
        if pred.pattern is not None and c1 is None:
            continue
        c2 = _frame_search(pred.call, frame.call) if pred.call is not None else None
        if pred.call is not None and c2 is None:
            continue
        for c in (c1, c2):
            if c:
                captures.update(c)
        return True
    return False


@dataclass(slots=True)
class CompiledRule:
    """A rule ready to match: its tree, keywords and whether it reads raw text."""

    rule: Rule
    pred: Pred
    keywords: tuple[str, ...]
    id_at: tuple[int, int] = (1, 1)  # line and column of the id in its file
    confirm: tuple[str, ...] = ()  # the rule's own keywords, when `keywords` are derived
    per_entry: bool = field(init=False)

    def __post_init__(self) -> None:
        self.per_entry = self.pred.uses_raw()


def fields_text(body: Body) -> str:
    """The text field keywords are looked up in: the fields a predicate reads."""
    return "\n".join(
        (body.message, body.exception or "", body.kind or "", body.channel or "", body.sql or "",
         body.sql_error or "")
    )  # fmt: skip


def frames_text(body: Body) -> str:
    """The text frame keywords are looked up in: each frame's file and call, origin last."""
    frames = body.frames if body.origin is None else (*body.frames, body.origin)
    return _joined(frames)


def _joined(frames: Iterable[Frame]) -> str:
    return "\n".join([f"{f.file} {f.call}" for f in frames])


def searchable(body: Body) -> tuple[str, str]:
    """The texts keywords are looked up in: the fields a predicate reads, and the frames."""
    return fields_text(body), frames_text(body)


def _reads_frames(pred: Pred) -> bool:
    return pred.op == "frame" or any(_reads_frames(c) for c in pred.children)


def fields_key(body: Body) -> tuple[object, ...]:
    """What a rule without a frame predicate can see of a body: bodies with the same key
    get the same result from it (records that differ in their backtrace, a request id
    or a context line often share it)."""
    return (body.message, body.exception, body.kind, body.channel, body.sql, body.sql_error,
            body.level, body.dialect)  # fmt: skip


Index = list[tuple[str, list[int]]]
Hit = tuple[CompiledRule, dict[str, str]]


class ByFields(NamedTuple):
    """What a body's fields alone decide (remembered per `fields_key`)."""

    hits: list[tuple[int, Hit]]  # matching rules decided by the fields, by position
    chosen: frozenset[int]  # positions the fields' literals chose (decided or not)
    later: tuple[int, ...]  # chosen, own keywords found, but a frame predicate decides
    unconfirmed: tuple[int, ...]  # chosen, but their own keywords are not in the fields
    # (they may be in the frames)


_NONE: frozenset[int] = frozenset()


def _add_found(chosen: set[int], text: str, *indexes: Index) -> None:
    """Add to `chosen` the rules of every literal of `indexes` that `text` holds."""
    for index in indexes:
        for literal, positions in index:
            if literal in text:
                chosen.update(positions)


def _filters(groups: Iterable[tuple[str, Index]]) -> dict[str, Callable[[str], object]]:
    """For each group of more than GROUP_FILTER literals, a search for any of them."""
    return {
        key: re.compile("|".join(re.escape(literal) for literal, _ in group)).search
        for key, group in groups
        if len(group) > GROUP_FILTER
    }


def _confirmed(c: CompiledRule, fields: str, frames: str) -> bool:
    """Does one of the rule's own keywords (if it has any) lie in the fields or frames?"""
    if not c.confirm:
        return True
    for k in c.confirm:  # noqa: SIM110 - no generator a call: per record and rule
        if k in fields or k in frames:
            return True
    return False


PREFIX = 4  # characters of a literal with no anchor word that are looked up first
GROUP_FILTER = 16  # literals of one word or prefix beyond which they are tested as a regex
WORDS = re.compile(r"\w+").findall


def _anchor(literal: str) -> str | None:
    """The longest word of `literal` with a non-word character on both sides of it in
    `literal`: any text containing `literal` holds that word whole."""
    inner = [
        m.group() for m in re.finditer(r"\w+", literal) if m.start() > 0 and m.end() < len(literal)
    ]
    return max(inner, key=len) if inner else None


# What most records match: one list shared by all of them (the memo keeps a result per
# record, 65,536 of them), so never modified.
_NO_HITS: list[tuple[CompiledRule, dict[str, str]]] = []


class Matcher:
    """Matches entries against a rule set; remembers the result per distinct body."""

    KEEP = 16_384  # field sets, backtraces and origins whose rules are remembered
    MEMO_KEEP = 65_536  # records whose findings are remembered (by hash: no text kept)

    def __init__(self, rules: Iterable[CompiledRule], *, on_timeout: Callable[[str], None]) -> None:
        self.rules = sorted(rules, key=lambda c: (-c.rule.severity, c.rule.id))
        self.on_timeout = on_timeout
        self._timed_out: set[str] = set()
        self._memo: dict[Body | int, list[tuple[CompiledRule, dict[str, str]]]] = {}
        self._by_fields: dict[tuple[object, ...], ByFields] = {}
        self._by_frames: dict[int, tuple[tuple[Frame, ...], frozenset[int]]] = {}
        self._by_origin: dict[tuple[str, str], frozenset[int]] = {}
        # Rules whose result depends on the backtrace: a frame predicate somewhere.
        self._frame_rules = frozenset(
            i for i, c in enumerate(self.rules) if not c.per_entry and _reads_frames(c.pred)
        )
        # keyword -> positions (in self.rules, so in report order) of the rules using it,
        # split by the text it is looked up in (see literals.py): fields, frames, both.
        self._always: dict[bool, list[int]] = {False: [], True: []}
        self._index: dict[bool, tuple[Index, Index, Index]] = {}
        grouped: dict[bool, dict[str, list[int]]] = {False: {}, True: {}}
        for position, c in enumerate(self.rules):
            if not c.keywords:
                self._always[c.per_entry].append(position)
            for keyword in c.keywords:
                grouped[c.per_entry].setdefault(keyword, []).append(position)
        for flag, keywords in grouped.items():
            split: tuple[Index, Index, Index] = ([], [], [])
            for keyword, positions in keywords.items():
                scope, _, literal = keyword.partition(":")
                if scope in ("fields", "raw"):  # for per-entry rules `fields` is the raw text
                    split[0].append((literal, positions))
                elif scope == "frames":
                    split[1].append((literal, positions))
                else:
                    split[2].append((keyword, positions))
            self._index[flag] = split
        # Body-level literals are found through one word each: a word inside the literal
        # (with a non-word character on both sides of it, so the text holds it as a whole
        # word), looked up in the set of the fields' words. The cost is one `findall` and
        # one set intersection a record, whatever the number of rules. Literals with no
        # such word are looked up by their first 4 characters.
        self._anchors: dict[str, Index] = {}
        prefixed: dict[str, Index] = {}
        for literal, positions in self._index[False][0]:
            word = _anchor(literal)
            if word:
                self._anchors.setdefault(word, []).append((literal, positions))
            else:
                prefixed.setdefault(literal[:PREFIX], []).append((literal, positions))
        self._anchor_keys = frozenset(self._anchors)
        self._prefixed = sorted(prefixed.items())
        # A group of many literals (rules about many plugins, tables or codes that share
        # a word or a prefix) is first tested as one regex: one C-speed search says
        # whether any of them is there (an alternation finds a match wherever one of
        # its literals occurs; `re` factors out their common prefix), and only then is
        # each literal looked up (overlapping literals make `findall` unfit to list them).
        self._word_filters = _filters(self._anchors.items())
        self._prefix_filters = _filters(self._prefixed)
        self._index[False] = ([], self._index[False][1], self._index[False][2])
        self._frame_literals = any(self._index[False][1:])
        # A frame literal with a newline could span two frames: then the frames are
        # searched as one text, unremembered.
        self._frames_apart = not any(
            "\n" in literal for index in self._index[False][1:] for literal, _ in index
        )

    @property
    def per_entry(self) -> bool:
        """True when some rule reads the raw text (then every entry must be seen)."""
        return any(c.per_entry for c in self.rules)

    def body_hits(self, entry: Entry) -> list[Hit]:
        """The rules that match `entry` by its body alone (remembered per body)."""
        body = entry.body
        # By record text when the parser gave one: a body evicted from the parser's memo
        # and read again is a new object with the same text, and needs no new match. By
        # the text's hash, so that the memo holds no text alive (as incidents.py does).
        key: Body | int = hash(body.record_key) if body.record_key else body
        hits = self._memo.get(key)
        if hits is None:
            hits = self._match(entry, per_entry=False)
            if len(self._memo) >= self.MEMO_KEEP:
                self._memo.clear()
            self._memo[key] = hits
        return hits

    def findings(self, entry: Entry) -> list[Finding]:
        """Every rule that explains `entry`, worst severity first, then by id."""
        hits = self.body_hits(entry)
        if self.per_entry:
            hits = sorted(
                hits + self._match(entry, per_entry=True),
                key=lambda h: (-h[0].rule.severity, h[0].rule.id),
            )
        return [Finding(c.rule, entry, caps) for c, caps in hits]

    def _match(self, entry: Entry, *, per_entry: bool) -> list[Hit]:
        if per_entry:
            return self._match_raw(entry)
        body = entry.body
        key = fields_key(body)
        known = self._by_fields.get(key)
        if known is None:
            known = self._match_fields(entry)
            if len(self._by_fields) >= self.KEEP:
                self._by_fields.clear()
            self._by_fields[key] = known
        # What the backtrace adds: rules chosen by a literal found in the frames only,
        # and those the fields left undecided.
        by_frames = self._frame_chosen(body)
        if not (known.later or known.unconfirmed or by_frames):
            return [hit for _, hit in known.hits] if known.hits else _NO_HITS
        found = self._evaluate(known.later, entry) if known.later else []
        check = set(known.unconfirmed)
        if by_frames:
            check.update(by_frames - known.chosen)
        if check:  # their own keywords first, in the fields or the frames
            fields, frames = fields_text(body), frames_text(body)
            rules = self.rules
            found += self._evaluate(
                [p for p in sorted(check) if _confirmed(rules[p], fields, frames)], entry
            )
        if not found:
            return [hit for _, hit in known.hits] if known.hits else _NO_HITS
        return [hit for _, hit in sorted(known.hits + found, key=lambda h: h[0])]

    def _frame_chosen(self, body: Body) -> frozenset[int]:
        """The rules the literals of `body`'s frames choose. The frames tuple and the
        origin are looked up apart (a literal holds no newline, so it lies within one
        frame's text): the tuple by identity (the parser shares one between records
        with the same backtrace; the memo holds it, so its id is not reused), the origin
        by its file and call (its line, which changes, is no part of the text)."""
        if not self._frame_literals:
            return _NONE
        if not self._frames_apart:
            return self._chosen_in(frames_text(body))
        frames = body.frames
        known = self._by_frames.get(id(frames))
        if known is None or known[0] is not frames:
            text = _joined(frames)
            if len(self._by_frames) >= self.KEEP:
                self._by_frames.clear()
            known = self._by_frames[id(frames)] = (frames, self._chosen_in(text))
        origin = body.origin
        if origin is None:
            return known[1]
        where = (origin.file, origin.call)
        at_origin = self._by_origin.get(where)
        if at_origin is None:
            if len(self._by_origin) >= self.KEEP:
                self._by_origin.clear()
            at_origin = self._by_origin[where] = self._chosen_in(_joined((origin,)))
        return known[1] | at_origin if at_origin else known[1]

    def _chosen_in(self, frames: str) -> frozenset[int]:
        """The rules chosen by the frame literals found in `frames`."""
        chosen: set[int] = set()
        _add_found(chosen, frames, *self._index[False][1:])
        return frozenset(chosen)

    def _match_fields(self, entry: Entry) -> ByFields:
        """The rules an entry's fields decide, and those left to its backtrace."""
        fields = fields_text(entry.body)
        # Each distinct keyword is looked up once, whatever the number of rules using
        # it; only the rules of the keywords found (and those with none) go on.
        chosen = set(self._always[False])
        filters = self._word_filters
        if self._anchor_keys:
            for word in self._anchor_keys.intersection(WORDS(fields)):
                if word in filters and filters[word](fields) is None:
                    continue
                for literal, positions in self._anchors[word]:
                    if literal in fields:
                        chosen.update(positions)
        for prefix, group in self._prefixed:
            if prefix in fields:
                if prefix in self._prefix_filters and self._prefix_filters[prefix](fields) is None:
                    continue
                for literal, positions in group:
                    if literal in fields:
                        chosen.update(positions)
        # (fields literals are all in the word and prefix indexes; unscoped keywords:)
        _add_found(chosen, fields, self._index[False][2])
        now: list[int] = []
        later: list[int] = []
        unconfirmed: list[int] = []
        for position in sorted(chosen):
            c = self.rules[position]
            if c.confirm and not _confirmed(c, fields, ""):
                unconfirmed.append(position)
            elif position in self._frame_rules:
                later.append(position)
            else:
                now.append(position)
        return ByFields(
            self._evaluate(now, entry), frozenset(chosen), tuple(later), tuple(unconfirmed)
        )

    def _match_raw(self, entry: Entry) -> list[Hit]:
        """The rules that read the raw text: their literals are looked up in it."""
        raw = entry.raw
        chosen = set(self._always[True])
        _add_found(chosen, raw, *self._index[True])
        rules = self.rules
        confirmed = [p for p in sorted(chosen) if _confirmed(rules[p], raw, "")]
        return [hit for _, hit in self._evaluate(confirmed, entry)]

    def _evaluate(self, positions: Iterable[int], entry: Entry) -> list[tuple[int, Hit]]:
        """The rules at `positions` (in order, their own keywords checked) that match."""
        out = []
        for position in positions:
            c = self.rules[position]
            captures: dict[str, str] = {}
            try:
                ok = evaluate(c.pred, entry, captures)
            except Timeout:
                self._timeout(c, entry)
                continue
            if ok:
                out.append((position, (c, captures)))
        return out

    def _timeout(self, c: CompiledRule, entry: Entry) -> None:
        if c.rule.id in self._timed_out:
            return
        self._timed_out.add(c.rule.id)
        self.on_timeout(
            f"{c.rule.source}: rule {c.rule.id}: a regex ran over {TIMEOUT:g} s on the entry at "
            f"{entry.path}:{entry.line}; the rule is skipped for such entries"
        )


__all__ = ["FIELDS", "CompiledRule", "Matcher", "Pred", "evaluate"]
