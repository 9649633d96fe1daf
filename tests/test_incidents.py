"""Grouping: fingerprints, key frames, incident ids, time windows and timelines."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from logdoctor.incidents import (
    Grouping,
    Selection,
    fingerprint,
    incident_id,
    key_frame,
    mask,
    moment,
    series,
    wall,
)
from logdoctor.model import Body, Dialect, Frame, Level, Rule, Severity


def body(message: str, *frames: Frame, exception: str | None = None, **kw: object) -> Body:
    return Body(
        Dialect.GLPI_MONOLOG,
        kw.pop("level", Level.ERROR),  # type: ignore[arg-type]
        exception=exception,
        message=message,
        frames=frames,
        **kw,  # type: ignore[arg-type]
    )


def test_mask_hides_what_changes_between_repeats() -> None:
    assert mask(
        "Ticket 4512 for 'John' <jd@example.org> id 0x7f3a 3f2c9a0b1d4e5f60 "
        'uuid 123e4567-e89b-12d3-a456-426614174000 "quoted"'
    ) == ("Ticket <n> for <str> <<email>> id <hex> <hex> uuid <uuid> <str>")


def test_fingerprint_groups_repeats_and_separates_places() -> None:
    here = Frame("src/MailCollector.php", 708, "MailCollector->connect()")
    there = Frame("src/Ticket.php", 12, "Ticket->add()")
    a = body("Item 12 not found", here, exception="RuntimeException")
    b = body("Item 9913 not found", Frame(here.file, 999, here.call), exception="RuntimeException")
    assert fingerprint(a) == fingerprint(b)  # numbers and line numbers do not count
    assert fingerprint(a) != fingerprint(body("Item 12 not found", there, exception="X"))
    assert fingerprint(a) != fingerprint(
        body("Item 12 not found", there, exception="RuntimeException")
    )


def test_key_frame_skips_vendor_code_even_when_glpi_shortened_the_path() -> None:
    vendor = Frame("...r/laminas/laminas-mail/src/Storage/Imap.php", 243, "")
    lib = Frame("/var/www/glpi/vendor/guzzlehttp/guzzle/src/Client.php", 1, "x()")
    own = Frame("./src/Toolbox.php", 2054, "Laminas\\Mail\\Storage\\Imap->__construct()")
    assert key_frame(body("m", vendor, lib, own, origin=vendor)) == own
    assert key_frame(body("m", vendor, origin=vendor)) == vendor  # nothing better: the origin
    assert key_frame(body("m")) is None


def rule(title: str = "Token error", rule_id: str = "oauth.x") -> Rule:
    return Rule(rule_id, title, Severity.ERROR, "Code {code} for {user}.", ("Fix {code}.",))


def test_incidents_are_split_by_the_captures_the_title_uses() -> None:
    plain, keyed = rule(), rule("Token error {code}", "oauth.y")
    grouping = Grouping()
    b = body("AADSTS70008 for bob")
    first = grouping.groups_for(b, [(plain, {"code": "AADSTS70008", "user": "bob"})])
    again = grouping.groups_for(b, [(plain, {"code": "AADSTS50173", "user": "ann"})])
    assert first[0][0] is again[0][0] and first[0][0].id == "oauth.x"
    one = grouping.groups_for(b, [(keyed, {"code": "AADSTS70008", "user": "bob"})])
    two = grouping.groups_for(b, [(keyed, {"code": "AADSTS50173", "user": "bob"})])
    assert one[0][0] is not two[0][0]
    assert one[0][0].id == incident_id(keyed, {"code": "AADSTS70008"}) != two[0][0].id
    assert one[0][0].id.startswith("oauth.y#")


def test_selection_by_level_and_what_is_left_unexplained() -> None:
    grouping = Grouping(Selection(min_level=Level.WARNING))
    assert grouping.groups_for(body("deprecated", level=Level.NOTICE), []) == ()
    assert grouping.groups_for(body("boom", level=Level.ERROR), [])[0][0].rule is None
    plain = Grouping()
    assert plain.groups_for(body("just info", level=Level.INFO), []) == ()  # below notice
    unknown = Body(Dialect.UNKNOWN, message="garbage before the first header")
    assert plain.groups_for(unknown, []) == ()


def test_blocks_count_first_last_and_hours() -> None:
    grouping = Grouping(Selection(since="2024-01-18 10:00:00"))
    a, b = body("a"), body("b")
    grouping.add_block(
        "x.log",
        [a, b, a, a],
        [
            "2024-01-18 09:59:59",
            "2024-01-18 10:00:00",
            "2024-01-18 10:30:00",
            "2024-01-18 12:01:00",
        ],
        [1, 5, 9, 14],
        lambda body: (),
    )
    groups = {g.body.message: g for g in grouping.unexplained.values()}
    ga = groups["a"]
    assert ga.count == 2  # the 09:59:59 one is before --since
    assert (ga.first.line, ga.last.line) == (9, 14)  # type: ignore[union-attr]
    assert dict(ga.hours) == {"2024-01-18 10": 1, "2024-01-18 12": 1}
    assert grouping.selected == 3


def test_wall_clock_of_every_timestamp_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    assert wall("2024-01-18 16:20:04") == "2024-01-18 16:20:04"
    assert wall("18-Jan-2024 16:20:04 UTC") == "2024-01-18 16:20:04+00:00"[:19]
    assert wall("2024-01-18T16:20:04.123456+01:00") == "2024-01-18 15:20:04.123456"
    assert wall("2024/01/18 16:20:04") == "2024-01-18 16:20:04"
    assert wall("") == ""


def test_moment_absolute_and_relative() -> None:
    now = datetime(2024, 1, 18, 16, 0, 0)
    assert moment("2024-01-18") == "2024-01-18 00:00:00"
    assert moment("2024-01-18 16:30") == "2024-01-18 16:30:00"
    assert moment("2h", now) == "2024-01-18 14:00:00"
    assert moment("7d", now) == "2024-01-11 16:00:00"
    assert moment("90m", now) == "2024-01-18 14:30:00"
    with pytest.raises(ValueError, match="is not a time"):
        moment("yesterday")


def test_series_bins_hours_evenly() -> None:
    hours = Counter({"2024-01-18 10": 2, "2024-01-18 11": 1, "2024-01-18 13": 4})
    assert series(hours, 10) == ("2024-01-18 10", "2024-01-18 13", [2, 1, 0, 4])
    assert series(hours, 2) == ("2024-01-18 10", "2024-01-18 13", [3, 4])
    assert series(Counter(), 5) == ("", "", [])


def test_memory_is_bounded_by_groups_not_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    import logdoctor.incidents as incidents

    monkeypatch.setattr(incidents, "UNEXPLAINED_KEEP", 100)
    grouping = Grouping()
    # 1,000 distinct messages that no mask can merge (letters, not numbers)
    words = [f"{a}{b}{c}" for a in "bcdghjk" for b in "lmnpqrs" for c in "tvwyzuo"][:1000]
    bodies = [body(f"failure {w}") for w in words]
    for _ in range(3):
        grouping.add_block(
            "x.log",
            bodies,
            ["2024-01-18 10:00:00"] * len(bodies),
            list(range(len(bodies))),
            lambda body: (),
        )
    assert len(grouping.unexplained) <= 100
    kept = sum(g.count for g in grouping.unexplained.values())
    assert kept + grouping.forgotten == 3 * len(set(words))


def _mask_by_tokens(text: str) -> str:
    # Masking as first written: each run of hex characters around a digit, found from
    # its digit and extended leftwards one character at a time, masked by _token.
    import re

    import logdoctor.incidents as incidents

    if "'" in text or '"' in text or "`" in text:
        text = incidents._QUOTED.sub("<str>", text)
    if "@" in text:
        text = incidents._EMAIL.sub("<email>", text)
    out, last = [], 0
    for m in re.finditer(r"\d[0-9a-fA-FxX-]*", text):
        start, end = m.span()
        while start > last and text[start - 1] in "0123456789abcdefABCDEFxX-":
            start -= 1
        out += [text[last:start], incidents._token(text[start:end])]
        last = end
    return "".join([*out, text[last:]])


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="0129abcfABFxX- .#:'\"@é٣", max_size=40))
@example("uuid 123e4567-e89b-12d3-a456-426614174000, 3f2c9a0b1d4e5f60 0x1F ab12 f15efab91e727")
@example("abc12 deadbeef٣ 12345678 x9-2024-01-18")
def test_masking_in_one_split_is_masking_token_by_token(text: str) -> None:
    # _mask splits the text at each run from a digit in one call and extends runs
    # leftwards by stripping the text before them: the same as going token by token.
    import logdoctor.incidents as incidents

    assert incidents._mask(text) == _mask_by_tokens(text)


_STAMPS = ["", "2024-01-18 09:59:59", "2024-01-18 10:00:00", "2024-01-18 10:30:00",
           "2024-01-18 11:00:00", "18-Jan-2024 10:15:00 UTC", "2024-01-19 08:00:00",
           "18-Jan-2024 10:15:07 UTC", "18-Jan-2024 10:15:0x UTC", "2024-01-18T10:20:00",
           "2024/01/18 10:40:00"]  # fmt: skip
_KINDS = [body("a"), body("b"), body("c", level=Level.WARNING), body("d 12"),
          *(body(f"kind {chr(101 + k)}") for k in range(20))]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(_KINDS) - 1), st.sampled_from(_STAMPS)),
        min_size=1,
        max_size=60,
    ),
    st.lists(st.tuples(st.integers(1, 60), st.sampled_from(["x.log", "a.log"])), max_size=4),
    st.booleans(),
)
@example([(k, "2024-01-18 10:00:00") for k in range(20)], [(20, "a.log")], True)
@example([(k % 20, _STAMPS[2 + k // 20]) for k in range(60)], [], True)
@example([(0, _STAMPS[5]), (1, _STAMPS[8]), (2, _STAMPS[7])], [], False)
@example([(0, _STAMPS[2]), (0, _STAMPS[9]), (1, _STAMPS[3])], [], False)
def test_blocks_count_as_the_same_entries_one_by_one(
    entries: list[tuple[int, str]], cuts: list[tuple[int, str]], in_order: bool
) -> None:
    # Count, first and last seen, files and hours of every group are the same whether
    # entries come in blocks (in time order or not, with ties; of one file or two; with
    # stamps of every shape of 19 characters) or one at a time.
    import os
    import time

    os.environ["TZ"] = "UTC"
    time.tzset()
    if in_order:
        entries = sorted(entries, key=lambda e: wall(e[1]) or "~")
    rows = [(_KINDS[k], stamp, line) for line, (k, stamp) in enumerate(entries, start=1)]
    blocks, at, path = [], 0, "x.log"
    for cut, next_path in [*sorted(dict(cuts).items()), (len(rows), "")]:
        if cut > at:
            blocks.append((path, rows[at:cut]))
            at, path = cut, next_path
    by_block, one_by_one = Grouping(), Grouping()
    for path, block in blocks:
        by_block.add_block(
            path, [b for b, _, _ in block], [s for _, s, _ in block],
            [n for _, _, n in block], lambda body: (),
        )  # fmt: skip
        for b, stamp, line in block:
            one_by_one.add_entry(path, b, stamp, line, [])

    def seen(g: Grouping) -> dict[str, tuple[object, ...]]:
        return {
            fp: (x.count, x.first, x.last, dict(x.files), dict(x.hours), x.body.message)
            for fp, x in g.unexplained.items()
        }

    assert seen(by_block) == seen(one_by_one)


_JUNK = ["", ":", "a", "x"]  # between minutes and seconds; "x": in the seconds


def _time(h: int, m: int, s: int, junk: str) -> str:
    if junk == "x":
        return f"{h:02}:{m:02}:{s % 10}x"
    return f"{h:02}:{m:02}{junk}{s:02}"


_TIMES = st.tuples(st.sampled_from([0, 23]), st.sampled_from([15, 59]), st.integers(0, 59))
_SHAPES = ["{d:02}-Jan-2024 {t} UTC", "{d:02}-Jan-2024 {t} Asia/Kolkata",
           "2024-01-{d:02}T{t}.5+01:00", "2024-01-{d:02}T{t}+05:30", "2024/01/{d:02} {t}",
           "2024-01-{d:02} {t}", "{d:02}-Jan-2024 {t}x UTC", "{d}:{t} UTC"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_SHAPES), st.integers(1, 3), _TIMES, st.sampled_from(_JUNK)),
        max_size=30,
    )
)
@example([(_SHAPES[0], 1, (0, 15, 30), ""), (_SHAPES[0], 1, (0, 15, 30), "a")])
@example([(_SHAPES[0], 1, (0, 15, 30), ""), (_SHAPES[0], 1, (0, 15, 30), "x")])
def test_the_wall_clock_caches_give_what_a_fresh_conversion_gives(
    shapes: list[tuple[str, int, tuple[int, int, int], str]],
) -> None:
    # wall() remembers hours and minutes already converted: a stamp read through them
    # gives what converting it with empty caches gives (seconds, junk and all).
    import logdoctor.incidents as incidents

    def fresh(stamp: str) -> str:
        for cache in (incidents._walls, incidents._hours, incidents._minutes):
            cache.clear()
        return wall(stamp)

    stamps = [shape.format(d=d, t=_time(h, m, s, junk)) for shape, d, (h, m, s), junk in shapes]
    expected = [fresh(s) for s in stamps]
    assert [wall(s) for s in stamps] == expected
    assert [wall(s) for s in stamps] == expected
