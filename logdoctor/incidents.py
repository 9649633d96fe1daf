"""Incidents: the entries of a scan grouped into what the report shows.

* An incident is one rule explaining entries with the same key captures: those
  its title uses (a title `Entra error {code}` makes one incident per code; the
  explanation and fix are filled from the first entry's captures). Its id is the
  rule id, plus a hash of the key captures when there are some: stable across
  runs, file orders and machines (baselines use it).
* Entries no rule explains, at level notice or above, are grouped by a fingerprint
  in the spirit of Sentry's grouping: the exception class (or kind), the first
  line of the message with numbers, hex, quoted values and ids masked, and the key
  frame (the first frame not under a vendor folder) without its line number.

Work is per distinct body of a block, plus a few C-speed passes over the block's
lists (Counter, dict(zip)); memory grows with the number of groups, not entries.
Times are compared as local wall-clock text ("YYYY-MM-DD HH:MM:SS"): GLPI writes
local time without a zone, and stamps with a zone are converted to local time, so
the logs of one server line up. Imports model and parse only.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import compress, repeat
from operator import attrgetter, is_
from typing import NamedTuple, TypeVar, cast

from logdoctor.model import Body, Dialect, Frame, Level, Rule, Severity
from logdoctor.parse.headers import parse_timestamp

UNEXPLAINED_KEEP = 20_000  # unexplained groups kept; beyond, the rarest half is forgotten
UNEXPLAINED_FLOOR = Level.NOTICE  # unexplained entries below this level are not grouped
KEYS_KEEP = 65_536  # record texts (by hash) whose groups are remembered
HOUR = timedelta(hours=1)
T = TypeVar("T")

Hits = Sequence[tuple[Rule, dict[str, str]]]
HitsOf = Callable[[Body], Hits]  # the rule hits of a body, asked for when not remembered
Targets = tuple[tuple["Group", dict[str, str]], ...]  # the groups of a body, with its captures


class Seen(NamedTuple):
    """Where and when one entry of a group was seen."""

    wall: str  # local wall-clock time, "YYYY-MM-DD HH:MM:SS[.ffffff]"; "" if none
    path: str
    line: int
    when: str  # the timestamp as written ("" if none)


def _order(seen: Seen) -> tuple[bool, str, str, int]:
    return (not seen.wall, seen.wall, seen.path, seen.line)


def _before(a: Seen, b: Seen) -> bool:
    """`a` sorts before `b` (time, then path, then line; no time last)."""
    if a.wall != b.wall and a.wall and b.wall:
        return a.wall < b.wall  # the usual case, without building tuples
    return _order(a) < _order(b)


_walls: dict[str, str] = {}
_hours: dict[str, str] = {}
_minutes: dict[str, str] = {}


def wall(stamp: str) -> str:
    """A timestamp text as local wall-clock text that sorts in time order.

    Called for every entry whose stamp is not GLPI's own, so the conversion is done
    once per hour of stamps (for the stamp with minutes and seconds zeroed) and the
    minutes, seconds and fraction are copied as written; a stamp without a fraction
    whose minute was seen takes one lookup (`_minutes`) and a check of its seconds; a
    zone whose offset from local time is not whole hours takes the full parse."""
    if len(stamp) == 19 and stamp[4] == "-" and stamp[10] == " ":
        return stamp  # GLPI's own: already local, already sortable
    return _other_wall(stamp)


def _other_wall(stamp: str) -> str:
    """`wall()` of a stamp that is not GLPI's own."""
    p = stamp.find(":")
    # A minute already converted (key: the stamp without the two digits of its
    # seconds; ":" at p and at p + 3), for a stamp without a fraction: only the seconds
    # are left to check and copy.
    s = p + 4
    minute = _minutes.get(stamp[:s] + stamp[s + 2 :])
    if minute is not None:
        seconds = stamp[s : s + 2]
        if seconds.isdigit():
            return minute + seconds
    if p > 0 and stamp[p + 3 : p + 4] == ":" and stamp[p + 1 : p + 6].replace(":", "").isdigit():
        tail = stamp[p + 6 :]
        frac = ""
        if tail[:1] in (".", ","):
            j = 1
            while tail[j : j + 1].isdigit():
                j += 1
            frac, tail = "." + tail[1:j], tail[j:]
        key = f"{stamp[:p]}\0{tail}"
        hour = _hours.get(key)
        if hour is None:
            hour = _hour_of(f"{stamp[:p]}:00:00{tail}")
            if len(_hours) >= 4096:
                _hours.clear()
            _hours[key] = hour
        if hour:
            if not frac:
                if len(_minutes) >= 8192:
                    _minutes.clear()
                _minutes[stamp[:s] + tail] = hour + stamp[p:s]  # tail: stamp[s + 2 :]
            return hour + stamp[p : p + 6] + frac
    value = _walls.get(stamp)
    if value is None:
        value = _full_wall(stamp)
        if len(_walls) >= 8192:
            _walls.clear()
        _walls[stamp] = value
    return value


def _full_wall(stamp: str) -> str:
    dt = parse_timestamp(stamp) if stamp else None
    if dt is not None and dt.tzinfo is not None:
        dt = dt.astimezone().replace(tzinfo=None)
    return dt.isoformat(sep=" ") if dt is not None else ""


def _hour_of(stamp: str) -> str:
    """`YYYY-MM-DD HH` local of a stamp on the hour, or "" (unreadable, or a zone
    whose offset from local time is not whole hours)."""
    dt = parse_timestamp(stamp)
    if dt is None:
        return ""
    if dt.tzinfo is not None:
        dt = dt.astimezone()
        if dt.minute or dt.second:
            return ""
    return dt.strftime("%Y-%m-%d %H")


# --- fingerprints ------------------------------------------------------------------

# Quoted values and e-mail addresses first (they may hold digits), each only when
# its cheap test passes; then every run of hex digits, dashes and x around a digit
# is one token, masked as a uuid, hex or its digit runs (a pattern that starts with
# a character class: the regex engine scans for it at C speed).
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_RUN = re.compile(r"(\d[0-9a-fA-FxX-]*)")  # from a digit on; extended leftwards by hand
_RUN_ASCII = re.compile(r"([0-9][0-9a-fA-FxX-]*)")  # the same on ASCII text, found faster
_HEX_TEXT = "0123456789abcdefABCDEFxX-"
_HEXCHARS = frozenset(_HEX_TEXT)
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_HEX = re.compile(r"0[xX][0-9a-fA-F]+|[0-9a-f]{8,}|[0-9A-F]{8,}")
_DIGITS = re.compile(r"\d+")


def _token(token: str) -> str:
    if len(token) >= 8:
        if _UUID.fullmatch(token):
            return "<uuid>"
        if _HEX.fullmatch(token) and not token.isdigit():
            return "<hex>"
    elif token.isdigit():
        return "<n>"
    if token[:2] in ("0x", "0X") and _HEX.fullmatch(token):
        return "<hex>"
    return _DIGITS.sub("<n>", token)


# Vendor code, also as GLPI prints long paths: "...r/laminas/laminas-mail/src/...".
_VENDOR = ("vendor/", "/laminas/", "/symfony/", "/twig/", "/guzzlehttp/", "/league/", "/sabre/")


_masked: dict[str, str] = {}


def mask(text: str) -> str:
    """`text` with quoted values, e-mail addresses, uuids, hex and numbers masked
    (remembered: distinct entries often share their first line)."""
    found = _masked.get(text)
    if found is None:
        if len(_masked) >= 8192:
            _masked.clear()
        found = _masked[text] = _mask(text)
    return found


def _mask(text: str) -> str:
    if "'" in text or '"' in text or "`" in text:
        text = _QUOTED.sub("<str>", text)
    if "@" in text:
        text = _EMAIL.sub("<email>", text)
    # Split at each run from a digit on: [text, run, text, run, ..., text]; a run is
    # extended leftwards over the hex characters that end the text before it.
    parts = (_RUN_ASCII if text.isascii() else _RUN).split(text)
    if len(parts) == 1:
        return text
    for i in range(1, len(parts), 2):
        token = parts[i]
        before = parts[i - 1]
        if before and before[-1] in _HEXCHARS:
            keep = before.rstrip(_HEX_TEXT)
            token = before[len(keep) :] + token
            parts[i - 1] = keep
        parts[i] = "<n>" if len(token) < 8 and token.isdigit() else _token(token)
    return "".join(parts)


def _vendor(file: str) -> bool:
    if "vendor" not in file and not file.startswith("..."):
        return False  # the usual answer, without building a path
    path = "/" + file.replace("\\", "/").lstrip("./")
    return "/vendor/" in path or (file.startswith("...") and any(v in path for v in _VENDOR))


def key_frame(body: Body) -> Frame | None:
    """The frame that says where in GLPI (or a plugin) it happened: the first not
    under a vendor folder, else the origin, else the first."""
    origin = body.origin
    if origin is not None and origin.file and not _vendor(origin.file):
        return origin
    for frame in body.frames:
        if frame.file and not _vendor(frame.file):
            return frame
    return origin or (body.frames[0] if body.frames else None)


_LEVEL_LABELS = {level: level.label for level in Level}  # (an enum's name is a property)


def label(body: Body) -> str:
    """What kind of entry: exception class, else kind, else level."""
    return body.exception or body.kind or _LEVEL_LABELS[body.level]


def fingerprint(body: Body) -> str:
    """The grouping key of an unexplained entry (see the module's docstring)."""
    frame = key_frame(body)
    where = f"{frame.file}:{frame.call}" if frame else ""
    return f"{label(body)}|{mask(body.message.partition(NL)[0][:300])}|{where}"


# Fingerprints by the hash of the record text, for the whole process: a worker of a
# parallel scan reads several ranges, and a scan several files (rotated logs repeat
# their records), each counted by a Grouping of its own.
_FINGERPRINTS: dict[int, str] = {}
FINGERPRINTS_KEEP = 65_536


def _remembered_fingerprint(body: Body) -> str:
    if not body.record_key:
        return fingerprint(body)
    key = hash(body.record_key)
    found = _FINGERPRINTS.get(key)
    if found is None:
        if len(_FINGERPRINTS) >= FINGERPRINTS_KEEP:
            _FINGERPRINTS.clear()
        found = _FINGERPRINTS[key] = fingerprint(body)
    return found


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:10]


_PLACEHOLDER = re.compile(r"\{(\w+)\}")
NL = "\n"


def key_names(rule: Rule) -> tuple[str, ...]:
    """The captures that tell one incident of `rule` from another: its title's."""
    return _title_keys(rule.title)


@functools.lru_cache(maxsize=4096)
def _title_keys(title: str) -> tuple[str, ...]:
    return tuple(sorted(set(_PLACEHOLDER.findall(title))))


# --- groups ------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Group:
    """An incident (`rule` set) or a group of unexplained entries (`rule` None)."""

    id: str
    rule: Rule | None
    captures: dict[str, str]  # the key captures (incidents)
    fingerprint: str  # (unexplained groups)
    body: Body  # the representative entry's: the first seen
    details: dict[str, str]  # the representative entry's captures (incidents)
    count: int = 0
    first: Seen | None = None
    last: Seen | None = None
    files: Counter[str] = field(default_factory=Counter)
    hours: Counter[str] = field(default_factory=Counter)  # "YYYY-MM-DD HH" -> entries

    @property
    def severity(self) -> Severity | None:
        """The rule's severity (None for unexplained entries)."""
        return self.rule.severity if self.rule else None

    def see(self, body: Body, captures: dict[str, str], first: Seen, last: Seen, n: int) -> None:
        """Count `n` entries of `body` seen from `first` to `last` in one file."""
        self.count += n
        self.files[first[1]] += n
        if self.first is None or _before(first, self.first):
            self.first, self.body, self.details = first, body, captures
        if self.last is None or _before(self.last, last):
            self.last = last

    def merge(self, other: Group) -> None:
        """Add the entries `other` (the same group, from another worker) counted."""
        self.count += other.count
        self.files.update(other.files)
        self.hours.update(other.hours)
        if other.first is not None and (self.first is None or _before(other.first, self.first)):
            self.first, self.body, self.details = other.first, other.body, other.details
        if other.last is not None and (self.last is None or _before(self.last, other.last)):
            self.last = other.last


def incident_key(rule: Rule, captures: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The id of the incident a finding of `rule` with these captures counts in, and
    its key captures (the grouping's, and `scan --format jsonl`'s)."""
    names = key_names(rule)
    if not names:
        return rule.id, {}
    keyed = {k: captures[k] for k in names if k in captures}
    return incident_id(rule, keyed), keyed


def incident_id(rule: Rule, captures: dict[str, str]) -> str:
    """`rule.id`, or `rule.id#<hash of the key captures>` when the rule has some."""
    if not captures:
        return rule.id
    text = "\0".join(f"{k}={v}" for k, v in sorted(captures.items()))
    return f"{rule.id}#{_digest(text)}"


class Target:
    """The groups an entry counts in, shared by every body with the same groups (so a
    block is counted per Target, not per body)."""

    __slots__ = ("groups", "hours")

    def __init__(self, groups: tuple[Group, ...]) -> None:
        self.groups = groups
        self.hours = tuple(g.hours for g in groups)  # (a Group keeps its Counter)


_MISS = Target(())  # "not remembered" in a map over the remembered targets
_RECORD_KEY = attrgetter("record_key")


class Selection(NamedTuple):
    """Which entries count: `--min-level`, `--since`, `--until` (wall-clock texts)."""

    min_level: Level = Level.UNKNOWN
    since: str = ""  # since <= entry < until; "" = open
    until: str = ""


class Grouping:
    """The incidents and unexplained groups of a scan (or of one worker's ranges)."""

    def __init__(self, selection: Selection = Selection()) -> None:  # noqa: B008 - immutable
        self.min_level, self.since, self.until = selection
        self._floor = max(self.min_level, UNEXPLAINED_FLOOR)  # of unexplained entries
        self.incidents: dict[str, Group] = {}
        self.unexplained: dict[str, Group] = {}
        self.selected = 0  # entries inside the selection that count in a group
        self.forgotten = 0  # unexplained entries of groups dropped at UNEXPLAINED_KEEP
        self._targets: dict[int | None, Target | None] = {}  # by the record text's hash
        self._shared: dict[tuple[Group, ...], Target] = {}
        self._single: dict[Group, Target] = {}

    @property
    def timed(self) -> bool:
        """True when a time window is selected."""
        return bool(self.since or self.until)

    def _within(self, when: str) -> bool:
        return (
            bool(when)
            and (not self.since or when >= self.since)
            and (not self.until or when < self.until)
        )

    def groups_for(self, body: Body, hits: Hits) -> Targets:
        """The groups an entry with `body` and these rule hits counts in."""
        if body.level < self.min_level and body.level is not Level.UNKNOWN:
            return ()
        if hits:
            out = []
            for rule, captures in hits:
                gid, keyed = incident_key(rule, captures)
                group = self.incidents.get(gid)
                if group is None:
                    group = self.incidents[gid] = Group(gid, rule, keyed, "", body, captures)
                out.append((group, captures))
            return tuple(out)
        if body.dialect is Dialect.UNKNOWN or body.level < self._floor:
            return ()
        return ((self._unexplained_group(body), {}),)

    def _unexplained_group(self, body: Body) -> Group:
        """The group of an entry no rule explains, by its fingerprint."""
        fp = _remembered_fingerprint(body)
        group = self.unexplained.get(fp)
        if group is None:  # its id, a digest of `fp`, is made when the report asks
            group = self.unexplained[fp] = Group("", None, {}, fp, body, {})
        return group

    def _resolve(self, body: Body, key: int | None, hits_of: HitsOf) -> Target | None:
        """The Target of `body`'s groups, or None, remembered by `key`, the hash of its
        record text (None: a body with no record text), which a block's lookup missed.

        By the hash of the record text, not the text or the body: the cache then holds
        no text alive, and a body the parser read again (a new object) is known (a
        64-bit collision between two record texts is not a practical risk)."""
        hits = hits_of(body)
        if hits:
            target = self._target_of(self.groups_for(body, hits))
        elif body.dialect is Dialect.UNKNOWN or body.level < self._floor:
            target = None  # (the floor is at least --min-level)
        else:  # groups_for's unexplained case, without building pairs
            group = self._unexplained_group(body)
            target = self._single.get(group)
            if target is None:
                target = self._single[group] = Target((group,))
        if key is not None:
            if len(self._targets) >= KEYS_KEEP:
                self._targets.clear()
            self._targets[key] = target
        return target

    def _target_of(self, pairs: Targets) -> Target | None:
        """The Target of these groups, shared by every body with the same ones."""
        if not pairs:
            return None
        if len(pairs) == 1:  # the usual case, without a comprehension
            group = pairs[0][0]
            target = self._single.get(group)
            if target is None:
                target = self._single[group] = Target((group,))
            return target
        groups = tuple(g for g, _ in pairs)
        target = self._shared.get(groups)
        if target is None:
            target = self._shared[groups] = Target(groups)
        return target

    def add_block(
        self,
        path: str,
        bodies: list[Body],
        stamps: list[str],
        lines: list[int],
        hits_of: HitsOf,
        counts: Counter[Body] | None = None,
    ) -> None:
        """Count a block of entries (parallel lists); `hits_of` gives the rule hits of a
        body whose groups are not remembered (`counts`: `Counter(bodies)`, when the
        caller has it).

        Per entry and per distinct body, only C-speed passes (map, Counter, dict(zip));
        Python work is per record text not seen before and per distinct set of groups
        of the block."""
        # A block of GLPI's own stamps only (the usual case) is its own wall clock:
        # "YYYY-MM-DD HH:MM:SS" each, checked by C-speed counts over the joined text.
        joined, n = "".join(stamps), len(stamps)
        if (
            len(joined) == 19 * n
            and joined.count(" ") == n
            and joined.count("-") == 2 * n
            and joined.count(":") == 2 * n
            and not ("T" in joined or "/" in joined)
        ):
            walls = stamps
        elif "/" not in joined:
            # Of 19 characters, the header shapes (parse/headers.py) are GLPI's
            # "YYYY-MM-DD HH:MM:SS", ISO's with a "T" at 10 and nginx's with slashes
            # (none here): a space at 10 tells GLPI's (one test a stamp fewer).
            walls = [s if len(s) == 19 and s[10] == " " else _other_wall(s) for s in stamps]
        else:
            walls = [
                s if len(s) == 19 and s[4] == "-" and s[10] == " " else _other_wall(s)
                for s in stamps
            ]
        if self.timed:
            keep = [i for i, w in enumerate(walls) if self._within(w)]
            if len(keep) < len(walls):
                bodies = [bodies[i] for i in keep]
                walls = [walls[i] for i in keep]
                stamps = [stamps[i] for i in keep]
                lines = [lines[i] for i in keep]
                counts = None
        n = len(bodies)
        if not n:
            return
        if counts is None:
            counts = Counter(bodies)
        # Per distinct body, its Target remembered by the hash of its record text (the
        # str caches its hash: the matcher took it already); the others are resolved.
        distinct = list(counts)
        texts = list(map(_RECORD_KEY, distinct))
        keys: list[int | None] = (
            [hash(t) if t else None for t in texts] if "" in texts else list(map(hash, texts))
        )
        known = list(map(self._targets.get, keys, repeat(_MISS)))
        for i in compress(range(len(known)), map(is_, known, repeat(_MISS))):
            known[i] = self._resolve(distinct[i], keys[i], hits_of)
        tmap = dict(zip(distinct, known, strict=True))
        targets = list(map(tmap.__getitem__, bodies))
        # Per hour of the block (a few runs of entries in a log in time order), the
        # entries per target, counted into their groups' hours; their sum, the block's.
        ordered, spans = _hour_spans(walls)
        per_target: dict[Target, int] = {}
        total = per_target.get
        for span_hour, start, end in spans:
            counted = Counter(targets[start:end] if len(spans) > 1 else targets)
            counted.pop(None, None)
            for target, c in cast("dict[Target, int]", counted).items():
                per_target[target] = total(target, 0) + c
                if span_hour:
                    for hours in target.hours:
                        hours[span_hour] += c
        if not per_target:
            return
        # In a block in time order, a target's first entry is its first in the block
        # and its last the last; entries without a time count as the latest, so a
        # block that has some (they sort first) is not in order. Then no entry of the
        # block is before its first: a group first seen earlier (in a later block of a
        # log, every group but new ones) keeps its first without looking for the
        # target's.
        first_of: Callable[[Target | None], int]
        if ordered and walls[0]:
            first_of, floor = _FirstIndex(targets), walls[0]
            last = dict(zip(targets, _indices(n), strict=True))
        else:
            firsts, last = _extremes(targets, walls)
            first_of, floor = firsts.__getitem__, ""
        make = tuple.__new__  # a NamedTuple's own __new__ is Python code (3x slower)
        self.selected += sum(per_target.values())
        for target, c in per_target.items():
            groups = target.groups
            j = last[target]
            seen_last = make(Seen, (walls[j], path, lines[j], stamps[j]))
            when_last = seen_last[0]
            seen_first = None
            for group in groups:
                # Group.see, inlined (the hot loop of the report): the usual case is a
                # later block of the same file, so neither first nor last moves back.
                group.count += c
                group.files[path] += c
                mine = group.first
                if mine is None or not (floor and mine[0] and floor > mine[0]):
                    if seen_first is None:
                        i = first_of(target)
                        seen_first = (
                            seen_last
                            if i == j
                            else make(Seen, (walls[i], path, lines[i], stamps[i]))
                        )
                    when_first = seen_first[0]
                    if mine is None or (
                        when_first < mine[0]
                        if when_first and mine[0] and when_first != mine[0]
                        else _before(seen_first, mine)
                    ):
                        body = bodies[i]
                        group.first, group.body = seen_first, body
                        group.details = _details(group, body, hits_of)
                mine = group.last
                if mine is None or (
                    mine[0] < when_last
                    if when_last and mine[0] and when_last != mine[0]
                    else _before(mine, seen_last)
                ):
                    group.last = seen_last
        self._trim()

    def add_entry(self, path: str, body: Body, stamp: str, line: int, hits: Hits) -> list[Group]:
        """Count one entry (rules that read raw text give hits per entry, not per body;
        watch mode); the groups it counted in."""
        when = wall(stamp)
        if self.timed and not self._within(when):
            return []
        groups = self.groups_for(body, hits)
        if groups:
            self.selected += 1
        seen = Seen(when, path, line, stamp)
        for group, captures in groups:
            group.see(body, captures, seen, seen, 1)
            if when:
                group.hours[when[:13]] += 1
        self._trim()
        return [group for group, _ in groups]

    def merge(self, other: Grouping) -> None:
        """Add what another worker counted."""
        self.selected += other.selected
        self.forgotten += other.forgotten
        for mine, theirs in (
            (self.incidents, other.incidents),
            (self.unexplained, other.unexplained),
        ):
            for gid, group in theirs.items():
                if gid in mine:
                    mine[gid].merge(group)
                else:
                    mine[gid] = group
        self._trim()

    def shift(self, path: str, lines: int) -> None:
        """Renumber the lines of `path` by `lines` (a worker numbered a range from 1)."""
        for groups in (self.incidents, self.unexplained):
            for g in groups.values():
                if g.first is not None and g.first.path == path:
                    g.first = g.first._replace(line=g.first.line + lines)
                if g.last is not None and g.last.path == path:
                    g.last = g.last._replace(line=g.last.line + lines)

    def _trim(self) -> None:
        if len(self.unexplained) <= UNEXPLAINED_KEEP:
            return
        ranked = sorted(self.unexplained.values(), key=lambda g: (-g.count, g.fingerprint))
        kept = ranked[: UNEXPLAINED_KEEP // 2]
        self.forgotten += sum(g.count for g in ranked[len(kept) :])
        self.unexplained = {g.fingerprint: g for g in kept}
        self._targets.clear()
        self._shared.clear()
        self._single.clear()

    def ranked_incidents(self) -> list[Group]:
        """Incidents by severity (worst first), then count, then id."""
        return sorted(self.incidents.values(), key=lambda g: (-(g.severity or 0), -g.count, g.id))

    def ranked_unexplained(self) -> list[Group]:
        """Unexplained groups, the most frequent first (then the worst level, then id)."""
        for g in self.unexplained.values():
            g.id = g.id or _digest(g.fingerprint)
        return sorted(self.unexplained.values(), key=lambda g: (-g.count, -g.body.level, g.id))

    def __getstate__(self) -> tuple[object, ...]:
        # Sent back from worker processes: without the per-body cache.
        return (self.min_level, self.since, self.until, self.incidents, self.unexplained,
                self.selected, self.forgotten)  # fmt: skip

    def __setstate__(self, state: tuple[object, ...]) -> None:
        (self.min_level, self.since, self.until, self.incidents, self.unexplained,
         self.selected, self.forgotten) = state  # type: ignore[assignment]  # fmt: skip
        self._floor = max(self.min_level, UNEXPLAINED_FLOOR)
        self._targets = {}
        self._shared = {}
        self._single = {}


def _details(group: Group, body: Body, hits_of: HitsOf) -> dict[str, str]:
    """The captures of an incident's rule on `body`, its new representative entry (a
    rule gives a body one hit at most)."""
    if group.rule is not None:
        for rule, captures in hits_of(body):
            if rule.id == group.rule.id:
                return captures
    return {}


def series(hours: Counter[str], bins: int) -> tuple[str, str, list[int]]:
    """Hourly counts as at most `bins` equal slices of time from the first hour to
    the last: (first hour, last hour, counts), for sparklines and charts."""
    if not hours:
        return "", "", []
    stamps = sorted(hours)
    start = datetime.fromisoformat(stamps[0] + ":00")
    span = int((datetime.fromisoformat(stamps[-1] + ":00") - start) / HOUR) + 1
    width = min(bins, span)
    out = [0] * width
    for hour, n in hours.items():
        index = int((datetime.fromisoformat(hour + ":00") - start) / HOUR)
        out[index * width // span] += n
    return stamps[0], stamps[-1], out


_INDICES: list[int] = []


def _indices(n: int) -> list[int]:
    """0 .. n - 1 as ints kept alive (a dict by index of a block's entries then makes
    no int and frees none per entry: a quarter of the cost of that pass)."""
    if n > len(_INDICES):
        _INDICES.extend(range(len(_INDICES), n))
    return _INDICES if n == len(_INDICES) else _INDICES[:n]


class _FirstIndex:
    """The index of a target's first entry in a block in time order, all found in one
    pass over the block when one is first asked for (a later block of a log asks only
    for its new groups', when it has some)."""

    __slots__ = ("found", "targets")

    def __init__(self, targets: list[Target | None]) -> None:
        self.targets = targets
        self.found: dict[Target | None, int] | None = None

    def __call__(self, target: Target | None) -> int:
        if self.found is None:
            n = len(self.targets)
            self.found = dict(zip(reversed(self.targets), reversed(_indices(n)), strict=True))
        return self.found[target]


def _extremes(targets: list[T], walls: list[str]) -> tuple[dict[T, int], dict[T, int]]:
    """Per target, the index of its first and of its last entry in time order (no time
    last; a tie goes by index, the line order), for a block not in time order."""
    first: dict[T, int] = {}
    last: dict[T, int] = {}
    for k, (target, when) in enumerate(zip(targets, walls, strict=True)):
        f = first.get(target)
        if f is None:
            first[target] = last[target] = k
            continue
        key = (not when, when)
        if key < (not walls[f], walls[f]):
            first[target] = k
        j = last[target]
        if key >= (not walls[j], walls[j]):
            last[target] = k
    return first, last


def _hour_spans(walls: list[str]) -> tuple[bool, list[tuple[str, int, int]]]:
    """Whether `walls` is in order, and its (hour, start, end) runs of consecutive
    entries in the same hour: a block of a log in time order is a few runs, found by
    bisection; otherwise one run per change of hour."""
    n = len(walls)
    ordered = walls == sorted(walls)
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < n:
        hour = walls[i][:13]
        if ordered:
            j = bisect.bisect_right(walls, hour + "\uffff" if hour else "", i, n)
        else:
            j = i + 1
            while j < n and walls[j][:13] == hour:
                j += 1
        out.append((hour, i, j))
        i = j
    return ordered, out


_RELATIVE = re.compile(r"(\d+)\s*(s|m|min|h|d|w)", re.I)
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def moment(text: str, now: datetime | None = None) -> str:
    """`--since`/`--until` as wall-clock text: absolute (`2024-01-18`,
    `2024-01-18 16:00`, ISO 8601 with a zone) or relative to now (`90m`, `2h`, `7d`,
    `1w`). Raises ValueError with a message for the user."""
    value = text.strip()
    m = _RELATIVE.fullmatch(value)
    if m:
        seconds = int(m.group(1)) * _UNITS[m.group(2).lower()]
        return ((now or datetime.now()) - timedelta(seconds=seconds)).isoformat(sep=" ")
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: use 2024-01-18, '2024-01-18 16:00' or 2h, 7d, 90m"
        ) from None
    if dt.tzinfo is not None:
        dt = dt.astimezone().replace(tzinfo=None)
    return dt.isoformat(sep=" ")
