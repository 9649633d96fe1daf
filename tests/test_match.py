"""Predicates, combinators, captures, keywords and regex time limits."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from logdoctor.match import CompiledRule as Compiled
from logdoctor.match import Matcher, Pred
from logdoctor.model import Body, Dialect, Entry, Rule, Severity
from logdoctor.parse import parse_text
from logdoctor.ruleset import load

ROW = "  {:<50} {}".format
GLPI10 = (
    "[2023-01-13 12:37:20] glpiphplog.CRITICAL:   *** Uncaught Exception "
    "Laminas\\Mail\\Storage\\Exception\\RuntimeException: cannot login, user or password wrong "
    "in /var/www/glpi/marketplace/oauthimap/inc/imap/imapoauthstorage.class.php at line 76\n"
    "  Backtrace :\n"
    + ROW("...authimap/inc/mailcollectorfeature.class.php:101", "ImapOauthStorage->__construct()")
    + "\n"
    + ROW("src/MailCollector.php:1375", "MailCollector->connect()")
    + "\n  \n"
)
SQL = (
    "[2024-03-06 09:26:25] glpisqllog.ERROR: DBmysql::doQuery() in /g/src/DBmysql.php line 403\n"
    "  *** MySQL query error:\n  SQL: SELECT 1\n"
    "  Error: Table 'glpi.glpi_plugin_fields_ticketfields' doesn't exist\n"
    "  Backtrace :\n" + ROW("src/DBmysql.php:1503", "DBmysql->doQuery()") + "\n"
)


def rule(tmp_path: Path, match: str, *, extra: str = "") -> Matcher:
    (tmp_path / "t").mkdir(exist_ok=True)
    (tmp_path / "t" / "r.yaml").write_text(
        "rules:\n  - id: t.r.x\n    title: x\n    severity: error\n"
        f"    match:\n{match}    explain: x\n    fix: [x]\n{extra}"
    )
    rules = load([str(tmp_path)], builtin=False)
    assert [str(p) for p in rules.problems] == []
    return Matcher(rules.rules, on_timeout=pytest.fail)


def hits(matcher: Matcher, text: str) -> list[dict[str, str]]:
    return [f.captures for e in parse_text(text) for f in matcher.findings(e)]


@pytest.mark.parametrize(
    ("match", "text", "expected"),
    [
        ("      message: 'cannot login'\n", GLPI10, True),
        ("      message: '^cannot login, user or password wrong$'\n", GLPI10, True),
        ("      exception: 'Storage\\\\Exception\\\\RuntimeException$'\n", GLPI10, True),
        ("      kind: '^Uncaught Exception$'\n", GLPI10, True),
        ("      level: [critical, alert]\n", GLPI10, True),
        ("      level: error\n", GLPI10, False),
        ("      dialect: glpi-monolog\n", GLPI10, True),
        ("      channel: glpisqllog\n", SQL, True),
        ("      sql_error: \"Table '(?P<table>[^']+)' doesn't exist\"\n", SQL, True),
        ("      raw: '12:37:20'\n", GLPI10, True),
        ("      frame: {file: authimap, call: ImapOauthStorage}\n", GLPI10, True),
        # the origin ("in FILE at line N") is the innermost frame
        ("      frame: {file: 'imap/imapoauthstorage\\.class\\.php$'}\n", GLPI10, True),
        # file and call must hold on the same frame
        ("      frame: {file: MailCollector, call: ImapOauthStorage}\n", GLPI10, False),
        ("      not: {frame: {file: authimap}}\n", GLPI10, False),
        ("      any:\n        - message: nope\n        - kind: Uncaught\n", GLPI10, True),
        ("      all:\n        - message: cannot\n        - kind: nope\n", GLPI10, False),
        ("      message: cannot\n      level: critical\n", GLPI10, True),
        ("      message: cannot\n      level: error\n", GLPI10, False),
    ],
)
def test_predicates(tmp_path: Path, match: str, text: str, expected: bool) -> None:
    assert bool(hits(rule(tmp_path, match), text)) is expected


def test_captures_of_every_matching_regex(tmp_path: Path) -> None:
    m = rule(
        tmp_path,
        "      sql_error: \"Table '(?P<db>\\\\w+)\\\\.(?P<table>[^']+)'\"\n"
        "      frame: {call: '(?P<call>DBmysql->\\w+)'}\n",
    )
    assert hits(m, SQL) == [
        {"db": "glpi", "table": "glpi_plugin_fields_ticketfields", "call": "DBmysql->doQuery"}
    ]


def test_keywords_rule_out_entries_before_any_regex(tmp_path: Path) -> None:
    m = rule(tmp_path, "      message: 'cannot login'\n", extra="    keywords: [absent-word]\n")
    assert hits(m, GLPI10) == []


def test_a_catastrophic_regex_is_reported_once_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "r.yaml").write_text(
        "rules:\n  - id: t.r.slow\n    title: x\n    severity: error\n"
        "    match:\n      message: '(a|aa)+c'\n    explain: x\n    fix: [x]\n"
    )
    reports: list[str] = []
    matcher = Matcher(load([str(tmp_path)], builtin=False).rules, on_timeout=reports.append)
    text = "".join(
        f"[18-Jan-2024 16:20:0{i} UTC] PHP Warning:  {'a' * (40 + i)} in /x.php on line 1\n"
        for i in range(3)
    )
    assert [f for e in parse_text(text) for f in matcher.findings(e)] == []
    assert len(reports) == 1
    assert reports[0].startswith(f"{tmp_path}/t/r.yaml:2: rule t.r.slow: a regex ran over 0.25 s")


@settings(max_examples=300, deadline=None)
@given(
    before=st.text(max_size=6),
    keyword=st.text(min_size=3, max_size=12).filter(lambda k: k.strip() == k and "'" not in k),
    after=st.text(max_size=6),
)
def test_the_prefilter_never_rules_out_a_message_holding_a_keyword(
    before: str, keyword: str, after: str
) -> None:
    # Whatever surrounds the keyword (letters glued to it, punctuation, other scripts),
    # the word-and-prefix lookup must let the rule through to its regex.
    compiled = Compiled(
        Rule(id="t.r.x", title="x", severity=Severity.ERROR, explain="x", fix=("x",)),
        Pred("field", name="message", pattern=regex.compile(".")),
        keywords=(f"fields:{keyword}",),
    )
    matcher = Matcher([compiled], on_timeout=pytest.fail)
    body = Body(Dialect.PHP, message=before + keyword + after)
    assert [c.rule.id for c, _ in matcher.body_hits(Entry("p", 1, 1, None, None, "", body))] == [
        "t.r.x"
    ]
    absent = Body(Dialect.PHP, message=(before + after).replace(keyword, "") or "-")
    if keyword not in absent.message:
        assert matcher.body_hits(Entry("p", 1, 1, None, None, "", absent)) == []


BASIC = GLPI10.replace(
    "/var/www/glpi/marketplace/oauthimap/inc/imap/imapoauthstorage.class.php at line 76",
    "/var/www/glpi/vendor/laminas/laminas-mail/src/Storage/Imap.php at line 225",
).replace(
    ROW("...authimap/inc/mailcollectorfeature.class.php:101", "ImapOauthStorage->__construct()"),
    ROW("front/mailcollector.form.php:50", "MailCollector->collect()"),
)


@pytest.mark.parametrize("order", [(GLPI10, BASIC), (BASIC, GLPI10)])
def test_entries_with_the_same_fields_are_told_apart_by_their_backtrace(
    tmp_path: Path, order: tuple[str, str]
) -> None:
    # The Matcher remembers what a body's fields decide; rules that read the backtrace
    # (a frame predicate, a keyword only the frames hold, a literal of a frame regex)
    # must still be decided entry by entry.
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "r.yaml").write_text(
        "rules:\n"
        + "".join(
            f"  - id: t.r.{name}\n    title: x\n    severity: error\n    match:\n{match}"
            "    explain: x\n    fix: [x]\n"
            for name, match in [
                ("plain", "      message: 'cannot login'\n"),
                ("frame", "      message: 'cannot login'\n      frame: {file: authimap}\n"),
                ("keyword", "      message: 'cannot login'\n    keywords: [ImapOauthStorage]\n"),
                ("call", "      frame: {call: 'MailCollector->collect'}\n"),
            ]
        )
    )
    rules = load([str(tmp_path)], builtin=False).rules
    matcher = Matcher(rules, on_timeout=pytest.fail)
    entries = [e for text in order for e in parse_text(text)]
    a, b = (e.body for e in entries)
    assert (a.message, a.exception, a.kind) == (b.message, b.exception, b.kind)
    got = {e.raw: [f.rule.id for f in matcher.findings(e)] for e in entries}
    assert got == {
        GLPI10: ["t.r.frame", "t.r.keyword", "t.r.plain"],
        BASIC: ["t.r.call", "t.r.plain"],
    }


def _naive(rules: list[Compiled], entry: Entry) -> list[str]:
    """Every rule evaluated without prefilter or memo: its own keywords (one must be in
    the fields or the frames, or the raw text for a rule that reads it), then its tree."""
    from logdoctor.match import evaluate, searchable

    fields, frames = searchable(entry.body)
    out = []
    for c in sorted(rules, key=lambda c: (-c.rule.severity, c.rule.id)):
        texts = (entry.raw,) if c.per_entry else (fields, frames)
        if c.rule.keywords and not any(k in t for k in c.rule.keywords for t in texts):
            continue
        if evaluate(c.pred, entry, {}):
            out.append(c.rule.id)
    return out


@pytest.mark.parametrize("keep", [None, 5])
def test_the_matcher_finds_what_evaluating_every_rule_finds(
    monkeypatch: pytest.MonkeyPatch, keep: int | None
) -> None:
    # The prefilter (derived literals, word index, keywords) and the memos (per body, per
    # fields) only save work: on every sample log, twice over (the second pass answered
    # from the memos), the findings are those of the plain evaluation of every rule;
    # also when the memos are so small that they are emptied every few entries.
    if keep is not None:
        monkeypatch.setattr(Matcher, "KEEP", keep)
        monkeypatch.setattr(Matcher, "MEMO_KEEP", keep)
    rules = load([], builtin=True).rules
    matcher = Matcher(rules, on_timeout=pytest.fail)
    entries = [
        e
        for path in sorted((Path(__file__).parent.parent / "sample_logs").rglob("*.log"))
        for e in parse_text(path.read_text(encoding="utf-8", errors="surrogateescape"))
    ]
    assert len(entries) > 300
    expected = [_naive(rules, e) for e in entries]
    assert sum(map(len, expected)) > 100
    for _ in range(2):
        assert [[f.rule.id for f in matcher.findings(e)] for e in entries] == expected


def test_a_keyword_spanning_two_frames_is_found_in_the_frames_text(tmp_path: Path) -> None:
    # The frames and the origin are looked up apart (each remembered); a keyword with a
    # newline can span the last frame and the origin, and is still found.
    m = rule(
        tmp_path,
        "      message: '(?i)cannot login'\n",  # case-insensitive: the keyword is the filter
        extra='    keywords: ["MailCollector->connect()\\n/var/www/glpi/marketplace"]\n',
    )
    assert m._frames_apart is False
    assert hits(m, GLPI10) == [{}]
    assert hits(m, BASIC) == []


@settings(max_examples=200, deadline=None)
@given(
    suffixes=st.lists(st.text("ab1_", max_size=3), min_size=17, max_size=30, unique=True),
    message=st.lists(
        st.sampled_from(["plug_x", "plug_", "a", "b", "1", "_", " ", "x ", "x plug y", "plug y"]),
        max_size=12,
    ),
)
@example(
    suffixes=[*"ab1_", "", "aa", "ab", "a1", "a_", "ba", "bb", "b1", "b_", "1a", "1b", "11", "1_"],
    message=["x plug ya plug_xab"],
)
def test_many_literals_sharing_a_prefix_are_all_found(
    suffixes: list[str], message: list[str]
) -> None:
    # More than GROUP_FILTER literals with one prefix (or one word) are first tested as
    # one regex; overlapping ones (`plug_xa`, `plug_xab`) must all still be found.
    rules = [
        Compiled(
            Rule(id=f"t.r.x{i}", title="x", severity=Severity.ERROR, explain="x", fix=("x",)),
            Pred("field", name="message", pattern=regex.compile(regex.escape(f"plug_x{s}"))),
            keywords=(f"fields:plug_x{s}",),
        )
        for i, s in enumerate(suffixes)
    ] + [
        Compiled(
            Rule(id=f"t.w.x{i}", title="x", severity=Severity.ERROR, explain="x", fix=("x",)),
            Pred("field", name="message", pattern=regex.compile(regex.escape(f"x plug y{s}"))),
            keywords=(f"fields:x plug y{s}",),
        )
        for i, s in enumerate(suffixes)
    ]
    matcher = Matcher(rules, on_timeout=pytest.fail)
    assert matcher._prefix_filters and matcher._word_filters  # the regex path is taken
    text = "".join(message) or "-"
    entry = Entry("p", 1, 1, None, None, "", Body(Dialect.PHP, message=text))
    assert sorted(c.rule.id for c, _ in matcher.body_hits(entry)) == sorted(
        c.rule.id for c in rules if c.pred.pattern and c.pred.pattern.search(text)
    )
