"""The built-in library: it loads cleanly, it is big enough, and every example holds.

Each example is a test of its own, its id the place it is written
(`rules/glpi/mail.yaml:27`), so a failure points at the YAML line.
"""

from __future__ import annotations

import pytest

from logdoctor.match import CompiledRule, Matcher
from logdoctor.model import Example
from logdoctor.parse import parse_text
from logdoctor.ruleset import load

LIBRARY = load(builtin=True)
MATCHER = Matcher(LIBRARY.rules, on_timeout=pytest.fail)
CASES = [(c, ex) for c in LIBRARY.rules for ex in c.rule.examples]


def test_the_library_loads_without_problems() -> None:
    assert [str(p) for p in LIBRARY.problems] == []


def test_the_library_has_80_rules_each_with_both_kinds_of_example() -> None:
    assert len(LIBRARY.rules) >= 80
    lacking = [
        c.rule.id
        for c in LIBRARY.rules
        if {ex.expect_match for ex in c.rule.examples} != {True, False}
    ]
    assert lacking == []


@pytest.mark.parametrize(("compiled", "example"), CASES, ids=[ex.source for _, ex in CASES])
def test_example(compiled: CompiledRule, example: Example) -> None:
    entries = list(parse_text(example.text, path=example.source))
    matched = {f.rule.id for e in entries for f in MATCHER.findings(e)}
    assert (compiled.rule.id in matched) is example.expect_match
