"""Rules test themselves: every example entry of a rule must (not) be matched by it."""

from __future__ import annotations

from collections.abc import Sequence

from logdoctor.match import CompiledRule, Matcher
from logdoctor.model import Example
from logdoctor.parse import parse_text


def rules_matching(matcher: Matcher, example: Example) -> set[str]:
    """Ids of the rules that match any entry of the example's text."""
    return {
        f.rule.id
        for e in parse_text(example.text, path=example.source)
        for f in matcher.findings(e)
    }


def run(rules: Sequence[CompiledRule]) -> tuple[list[str], list[str]]:
    """(failures, overlaps) over every example of every rule.

    failures: `path:line: id: expected a match, got none` (or no match, got one);
    overlaps: a rule's match example that other rules match as well.
    """
    matcher = Matcher(rules, on_timeout=lambda _: None)
    failures, overlaps = [], []
    for compiled in rules:
        rule = compiled.rule
        for example in rule.examples:
            found = rules_matching(matcher, example)
            if (rule.id in found) != example.expect_match:
                wanted = "a match, got none" if example.expect_match else "no match, got one"
                failures.append(f"{example.source}: {rule.id}: expected {wanted}")
            others = sorted(found - {rule.id})
            if example.expect_match and others:
                overlaps.append(
                    f"{example.source}: {rule.id}: example also matched by {', '.join(others)}"
                )
    return failures, overlaps
