"""Grouping is lossless, independent of block boundaries, and bounded."""

from __future__ import annotations

import itertools
from dataclasses import astuple

from hypothesis import given, settings
from hypothesis import strategies as st

from logdoctor.model import Dialect
from logdoctor.parse import EntryParser, Limits, parse_text
from logdoctor.parse.headers import GLUED_FILE, glued_file_starts
from tests.conftest import entries

ROW = "  {:<50} {}".format

# Real entry shapes, one per dialect and variant (formats as each writer prints them).
SHAPES = [
    "[2023-01-13 12:37:20] glpiphplog.CRITICAL:   *** Uncaught Exception X\\Y: cannot login in "
    "/var/www/glpi/src/A.php at line 225\n  Backtrace :\n"
    + ROW("src/Toolbox.php:2196", "Laminas\\Mail\\Storage\\Imap->__construct()")
    + "\n  \n",
    "[2024-03-06 09:26:25] glpisqllog.ERROR: DBmysql::doQuery() in /g/src/DBmysql.php line 403\n"
    "  *** MySQL query error:\n  SQL: SELECT 1\nFROM t\n  Error: Deadlock\n  Backtrace :\n"
    + ROW("src/DBmysql.php:1503", "DBmysql->doQuery()")
    + '\n  {"user":"2@h"} \n',
    "[2026-09-03 09:06:56] glpi.ERROR:   *** Caught R\\E: cannot login\n  Backtrace :\n"
    + ROW("./src/Toolbox.php:2054", "")
    + "\n\n",
    "[2025-11-02 10:00:01] User ID: `12` tried to access `/front/x.php` with insufficient "
    "rights.\n  Additional information: Missing UPDATE right\n",
    "2024-01-18 16:20:01 [@glpi-srv]\nExternal #1: Launch mailgate\n",
    "2023-04-27 09:43:53 [47@h]\nCSRF check failed for User ID: 47 at /ajax/genericdate.php",
    "[18-Jan-2024 16:20:04 UTC] PHP Warning:  Undefined index: x in /x.php on line 3\n",
    "[15-Jul-2020 11:18:27 Europe/Paris] PHP Fatal error:  Uncaught Error: e in /p.php:37\n"
    "Stack trace:\n#0 /i.php(316): include_once()\n#1 {main}\n  thrown in /p.php on line 37\n",
    "[18-Jan-2024 16:20:05 UTC] PHP Stack trace:\n",
    '[12-Jul-2022 10:06:34] WARNING: [pool www] child 8 said into stderr: "#1 {main}"\n',
    "[Sat Jun 04 13:54:24.686853 2022] [php:error] [pid 6030] PHP Warning:  a\\nb on line 1\n",
    '2024/05/31 16:03:57 [error] 13#13: *4 FastCGI sent in stderr: "PHP message: x"\n',
    '[2024-01-18T16:20:04.123456+00:00] app.ERROR: boom {"a":1} []\n',
    "  a continuation line with no header\n",
    "\r\n",
    "line with CRLF\r\n",
    "nul \x00 byte and latin-1 \udce9 byte kept as a surrogate escape\n",
    "[not a header] at all\n",
    # The same key once the JSON context is cut, with other newlines in what is cut.
    '[2024-03-06 09:26:25] glpiphplog.WARNING: same {"a":1}\nfoo} \n',
    '[2024-03-06 09:26:26] glpiphplog.WARNING: same {"a":1}\nfoo\nbar} \n',
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(SHAPES), st.text(max_size=40)),
        max_size=30,
    ),
    st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=8),
)
def test_joining_raw_text_gives_the_input_back_whatever_the_block_cuts(
    pieces: list[str], cuts: list[int]
) -> None:
    text = "".join(pieces)
    whole = list(parse_text(text))
    assert "".join(e.raw for e in whole) == text
    # Line numbers tile the input: each entry starts where the previous one ended
    # (or on the next line), and the last ends on the last line.
    for a, b in itertools.pairwise(whole):
        assert b.line == a.end_line + (1 if a.raw.endswith("\n") else 0)
    # ... and each spans the lines of its own text (repeats' counts are remembered).
    at = 1
    for e in whole:
        assert (e.line, e.end_line) == (
            at,
            at + e.raw.count("\n") - (1 if e.raw.endswith("\n") else 0),
        )
        at += e.raw.count("\n")
    # The counting path (scan) gives the same first lines and bodies.
    parser = EntryParser("<text>")
    tally = parser.feed_bodies(text)
    rest = parser.flush()
    assert tally.lines + [e.line for e in rest] == [e.line for e in whole]
    assert [(b.dialect, b.message) for b in tally.bodies + [e.body for e in rest]] == [
        (e.body.dialect, e.body.message) for e in whole
    ]
    # The same input fed in arbitrary blocks cut after a newline gives the same entries.
    blocks, pos = [], 0
    for cut in cuts:
        nl = text.find("\n", pos + cut)
        if nl < 0:
            break
        blocks.append(text[pos : nl + 1])
        pos = nl + 1
    blocks.append(text[pos:])
    chunked = list(parse_text([b for b in blocks if b]))
    assert [(e.line, e.end_line, e.raw) for e in chunked] == [
        (e.line, e.end_line, e.raw) for e in whole
    ]


def test_lines_before_the_first_header_form_an_entry() -> None:
    first, second = entries("garbage\nmore\n[18-Jan-2024 16:20:04 UTC] PHP Notice:  x\n")
    assert (first.dialect, first.line, first.end_line, first.message) == (
        Dialect.UNKNOWN,
        1,
        2,
        "garbage\nmore",
    )
    assert (second.line, second.end_line) == (3, 3)


def test_entry_cut_in_the_middle_of_a_line_continues_across_blocks() -> None:
    parser = EntryParser("p")
    out = parser.feed("[18-Jan-2024 16:20:04 UTC] PHP Warning:  very long ")
    assert out == []
    out += parser.feed("[18-Jan-2024 16:20:04 UTC] PHP text\n", at_line_start=False)
    out += parser.flush()
    assert len(out) == 1
    assert out[0].message.startswith("very long [18-Jan-2024")


def test_caps_mark_truncated_and_count_the_rest() -> None:
    rows = "".join(ROW(f"src/F{i}.php:{i}", "f()") + "\n" for i in range(50))
    text = "[2023-01-13 12:37:20] glpiphplog.ERROR:   *** PHP Warning (2): m in /a.php at line 1\n"
    text += "  Backtrace :\n" + rows + "  \n"
    parser = EntryParser("p", limits=Limits(max_raw=1200, max_frames=5))
    (e,) = parser.feed(text) + parser.flush()
    assert e.truncated
    assert len(e.raw) == 1200
    assert e.raw_dropped == len(text) - 1200
    assert len(e.frames) == 5
    parser = EntryParser("p", limits=Limits(max_raw=10**6, max_frames=5))
    (e,) = parser.feed(text) + parser.flush()
    assert (len(e.frames), e.body.frames_dropped, e.truncated) == (5, 45, True)


def test_repeated_entries_share_one_body() -> None:
    a, b = entries(
        "[18-Jan-2024 16:20:04 UTC] PHP Warning:  x in /a.php on line 3\n"
        "[18-Jan-2024 16:21:04 UTC] PHP Warning:  x in /a.php on line 3\n"
    )
    assert a.body is b.body
    assert (a.timestamp_text, b.timestamp_text) == (
        "18-Jan-2024 16:20:04 UTC",
        "18-Jan-2024 16:21:04 UTC",
    )


# Records ending in a JSON tail, which the memo key leaves out only where the parser
# drops it too (GLPI's Monolog context, on the last line).
JSON_TAILS = [
    '[2024-03-06 09:26:25] glpiphplog.WARNING: same {"a":1}\nfoo} \n',
    '[2024-03-06 09:26:26] glpiphplog.WARNING: same {"a":1}\nfoo\nbar} \n',
    '[2024-03-06 09:26:27] glpiphplog.WARNING: same  {"user":"2@h"} \n',
    '[2024-03-06 09:26:28] glpiphplog.WARNING: same  {"user":"3@h"} \n',
    '[2024-03-06 09:26:29] glpiphplog.WARNING: same\n{"user":"3@h"} \n',
    "[2024-03-06 09:26:30] glpiphplog.ERROR:   *** PHP Warning (2): w in /a.php at line 3\n"
    "  Backtrace :\n" + ROW("src/A.php:3", "f()") + '\n  {"user":"4@h"} \n',
    '[18-Jan-2024 16:20:04 UTC] PHP Warning:  x {"a":1} \n',
    '[18-Jan-2024 16:20:05 UTC] PHP Warning:  x {"a":2} \n',
    '2024-01-18 16:20:01 [@glpi-srv]\nExternal #1: {"a":1} \n',
    '2024-01-18 16:20:02 [@glpi-srv]\nExternal #1: {"a":2} \n',
    '[2024-01-18T16:20:01.000000+00:00] app.ERROR: x {"exception":"[object] '
    '(A\\\\B(code: 0): m at /a.php:1)"} \n',
    '[2024-01-18T16:20:02.000000+00:00] app.ERROR: x {"exception":"[object] '
    '(C\\\\D(code: 0): m at /c.php:2)"} \n',
    '[2025-11-02 10:00:01] glpi.ERROR:   *** Caught R\\E: x {"a":1} \n',
    '[2025-11-02 10:00:02] glpi.ERROR:   *** Caught R\\E: x {"a":2} \n',
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(SHAPES + JSON_TAILS), max_size=40))
def test_a_memo_emptied_every_few_records_gives_the_same_entries(pieces: list[str]) -> None:
    # The record memo (two generations of MEMO_SIZE) only saves parsing: with room for
    # two records it is emptied all the time, and the entries are the same.
    import logdoctor.parse as parse

    def seen(text: str) -> list[tuple[object, ...]]:
        # Every field of the body, but the newline count it may keep for its repeats.
        return [(e.line, e.end_line, e.raw, astuple(e.body)[:-1]) for e in parse_text(text)]

    text = "".join(pieces)
    expected = seen(text)
    saved = parse.MEMO_SIZE
    parse.MEMO_SIZE = 2
    try:
        small = seen(text)
    finally:
        parse.MEMO_SIZE = saved
    assert small == expected


def test_dialect_override_only_recognises_that_dialect() -> None:
    text = (
        "[18-Jan-2024 16:20:04 UTC] PHP Warning:  x in /a.php on line 3\n"
        "2024-01-18 16:20:01 [@glpi-srv]\nExternal #1: Launch mailgate\n"
    )
    assert [e.dialect for e in parse_text(text)] == [Dialect.PHP, Dialect.GLPI_FILE]
    only = list(parse_text(text, dialect=Dialect.PHP))
    assert len(only) == 1 and only[0].end_line == 3


def test_repeats_differing_only_in_their_context_share_a_body_but_keep_their_user() -> None:
    a, b = entries(
        "[2024-01-15 10:40:09] glpiphplog.ERROR: require() in /g/front/locale.php line 71\n"
        'Unable to extract locales data.  {"user":"12@glpi-srv",'
        '"mem_usage":"0.005\\", 2.38Mio)"} \n'
        "[2024-01-15 10:41:09] glpiphplog.ERROR: require() in /g/front/locale.php line 71\n"
        'Unable to extract locales data.  {"user":"7@glpi-srv","mem_usage":"0.001\\", 2.40Mio)"} \n'
    )
    assert a.body is b.body
    assert a.message == "Unable to extract locales data."
    assert [(e.user, e.host) for e in (a, b)] == [("12", "glpi-srv"), ("7", "glpi-srv")]


def test_timestamps_of_every_shape_are_parsed() -> None:
    from datetime import datetime, timedelta, timezone

    from logdoctor.parse.headers import parse_timestamp

    utc = timezone.utc
    assert parse_timestamp("2024-01-18 16:20:04") == datetime(2024, 1, 18, 16, 20, 4)
    assert parse_timestamp("2024-01-18T16:20:04.123456+02:00") == datetime(
        2024, 1, 18, 16, 20, 4, 123456, tzinfo=timezone(timedelta(hours=2))
    )
    assert parse_timestamp("2024-01-18T16:20:04.123456789Z") == datetime(
        2024, 1, 18, 16, 20, 4, 123456, tzinfo=utc
    )
    assert parse_timestamp("18-Jan-2024 16:20:04 UTC") == datetime(
        2024, 1, 18, 16, 20, 4, tzinfo=utc
    )
    assert parse_timestamp("18-Jan-2024 16:20:04.5") == datetime(2024, 1, 18, 16, 20, 4, 500000)
    assert parse_timestamp("Thu Jan 25 11:21:23.420386 2024") == datetime(
        2024, 1, 25, 11, 21, 23, 420386
    )
    assert parse_timestamp("2024/01/18 16:20:04") == datetime(2024, 1, 18, 16, 20, 4)
    assert parse_timestamp("18-Jan-2024 16:20:04 Not/AZone") == datetime(2024, 1, 18, 16, 20, 4)
    assert parse_timestamp("2024-13-45 99:99:99") is None


GLUED_PIECES = [
    "2024-01-01 00:00:00", " [", "[", "@", "]", "\n", " ", "x", "a@b", "\r", "\t", "]\n",
    "2024-01-01 00:00:00 [u@h]",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(GLUED_PIECES), max_size=16))
def test_glued_header_search_finds_what_the_regex_finds(pieces: list[str]) -> None:
    # The `@`-first search is a faster way to run GLUED_FILE.finditer: same matches.
    text = "".join(pieces)
    assert glued_file_starts(text) == [m.start() for m in GLUED_FILE.finditer(text)]


def test_headers_glued_in_a_row_on_one_line() -> None:
    text = "x2024-01-01 00:00:00 [a 2024-01-01 00:00:01 [b@h]\nmore\n"
    assert glued_file_starts(text) == [20]


MONOLOG_PIECES = [
    "[2024-01-01 00:00:00] glpiphplog.WARNING: x", "[2024-01-01 00:00:00] glpi.ERROR:   *** y",
    "[2024-01-01 00:00:00] glpisqllog.ERROR: z", "] glpi", "[x] glpiphplog.X: ", "\n", "  ",
    "a", "[2024-01-01T00:00:00+00:00] glpi.INFO: m",
]  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(MONOLOG_PIECES), max_size=14), st.booleans())
def test_the_glued_monolog_count_skips_no_header(pieces: list[str], at_line_start: bool) -> None:
    # The regex for glued GLPI Monolog headers runs only when the block holds more
    # `] glpi` than its line-start headers: the headers found are those of always
    # running it.
    from logdoctor.parse.group import Grouper

    text = "".join(pieces)
    grouper = Grouper()
    always = Grouper()
    always._glued_glpi = lambda text, found: True  # type: ignore[method-assign]
    assert grouper._headers(text, at_line_start) == always._headers(text, at_line_start)


@settings(max_examples=1500, deadline=None)
@given(
    st.integers(1, 31),
    st.sampled_from(["Jan", "Feb", "Jun", "Dec", "Foo"]),
    st.integers(1999, 2031),
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
    st.sampled_from(["", " UTC", " Europe/Paris", " America/New_York", ".5", " Not/AZone"]),
)
def test_php_stamps_read_by_their_minute_equal_the_full_reading(
    day: int, month: str, year: int, hour: int, minute: int, second: int, rest: str
) -> None:
    # parse_timestamp reads a PHP stamp from the remembered datetime of its minute.
    from logdoctor.parse import headers

    text = f"{day:02}-{month}-{year} {hour:02}:{minute:02}:{second:02}{rest}"
    try:
        expected = headers._parse(text)
    except (ValueError, KeyError, IndexError):
        expected = None
    headers._cache.pop(text, None)
    got = headers.parse_timestamp(text)
    assert got == expected
    assert (got.tzinfo if got else None) == (expected.tzinfo if expected else None)


def test_records_alike_up_to_a_json_tail_spanning_lines_keep_their_own_body() -> None:
    # A JSON tail that spans lines is no Toolbox::log context (the parser strips one
    # on the last line only): two records alike up to it have bodies of their own, and
    # the line numbers follow the text, repeats included.
    one, two = SHAPES[-2], SHAPES[-1]
    text = one + two + one + two
    whole = list(parse_text(text))
    assert [(e.line, e.end_line) for e in whole] == [(1, 2), (3, 5), (6, 7), (8, 10)]
    assert [e.message for e in whole] == ['same {"a":1}\nfoo}', 'same {"a":1}\nfoo\nbar}'] * 2
    assert whole[0].body is not whole[1].body and whole[0].body is whole[2].body
    parser = EntryParser("<text>")
    tally = parser.feed_bodies(text)
    assert tally.lines + [e.line for e in parser.flush()] == [1, 3, 6, 8]
