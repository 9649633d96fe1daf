"""Rule files: every problem located as path:line:col, all of them collected."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from logdoctor.ruleset import load

GOOD = """\
rules:
  - id: t.mail.login
    title: Login failed
    severity: error
    match:
      message: 'cannot login, user or (?P<what>password) wrong'
    explain: The {what} is wrong.
    fix: [Re-enter it.]
"""


def problems(tmp_path: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    rules = load([str(tmp_path)], builtin=False)
    prefix = str(tmp_path) + "/"
    return [str(p).replace(prefix, "") for p in rules.problems]


def test_a_good_file_loads(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "mail.yaml").write_text(GOOD)
    rules = load([str(tmp_path)], builtin=False)
    assert rules.problems == []
    assert [c.rule.id for c in rules.rules] == ["t.mail.login"]
    assert rules.rules[0].rule.source.endswith("t/mail.yaml:2")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rules:\n  - id: [x\n",
            "t/mail.yaml:3:1: YAML syntax: expected ',' or ']', but got '<stream end>' "
            "(while parsing a flow sequence)",
        ),
        (
            GOOD.replace(
                "    title: Login failed\n", "    title: Login failed\n    title: again\n"
            ),
            "t/mail.yaml:4:5: duplicate key 'title' (first on line 3)",
        ),
        (
            GOOD.replace("    explain:", "    explian: x\n    explain:"),
            "t/mail.yaml:7:5: unknown key 'explian'; did you mean 'explain'?",
        ),
        (
            GOOD.replace("title: Login failed", "title: [1, 2]"),
            "t/mail.yaml:3:12: expected a string",
        ),
        (
            GOOD.replace("severity: error", "severity: eror"),
            "t/mail.yaml:4:15: severity 'eror' is not one of info, warning, error, critical; "
            "did you mean 'error'?",
        ),
        (
            GOOD.replace("(?P<what>password)", "(?P<what>password"),
            "t/mail.yaml:6:62: invalid regex: missing ) at position 45",
        ),
        (
            GOOD.replace("The {what}", "The {who}"),
            "t/mail.yaml:7:14: explain: {who} is no named group of the rule's regexes "
            "(groups: what)",
        ),
        (
            GOOD.replace("t.mail.login", "t.other.login"),
            "t/mail.yaml:2:9: id 't.other.login' does not start with its file's 't.mail'",
        ),
        (
            GOOD.replace("      message:", "      mesage:"),
            "t/mail.yaml:6:7: unknown predicate 'mesage'; did you mean 'message'?",
        ),
        (GOOD.replace("    fix: [Re-enter it.]\n", ""), "t/mail.yaml:2:5: missing key 'fix'"),
        (
            GOOD + "    tags: !!python/object:os.system [x]\n",
            "t/mail.yaml:9:11: tag 'tag:yaml.org,2002:python/object:os.system' is not allowed in "
            "rule files",
        ),
        (
            GOOD.replace("fix: [Re-enter it.]", "fix: &a [Re-enter it.]\n    docs: *a"),
            "t/mail.yaml:9:11: YAML syntax: aliases (*name) are not allowed in rule files",
        ),
        (
            GOOD.replace("      message:", "      level: warnin\n      message:"),
            "t/mail.yaml:6:14: level 'warnin' is not one of debug, info, notice, warning, error, "
            "critical, alert, emergency; did you mean 'warning'?",
        ),
    ],
)
def test_each_problem_is_located(tmp_path: Path, text: str, expected: str) -> None:
    assert problems(tmp_path, {"t/mail.yaml": text}) == [expected]


def test_all_problems_of_all_files_are_collected_and_good_rules_kept(tmp_path: Path) -> None:
    bad = GOOD.replace("severity: error", "severity: eror").replace("t.mail.login", "t.mail.bad")
    found = problems(
        tmp_path,
        {"t/mail.yaml": GOOD + bad.removeprefix("rules:\n"), "t/other.yaml": "rules: 3\n",
         "t/dup.yaml": GOOD.replace("t.mail.login", "t.dup.x") + GOOD.replace(
             "t.mail.login", "t.dup.x").removeprefix("rules:\n")},
    )  # fmt: skip
    assert found == [
        "t/dup.yaml:9:9: duplicate id 't.dup.x' (first at t/dup.yaml:2)",
        "t/mail.yaml:11:15: severity 'eror' is not one of info, warning, error, critical; "
        "did you mean 'error'?",
        "t/other.yaml:1:8: 'rules:' must be a list of rules",
    ]
    rules = load([str(tmp_path)], builtin=False)
    assert sorted(c.rule.id for c in rules.rules) == ["t.dup.x", "t.mail.login"]


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    start = time.monotonic()
    found = problems(tmp_path, {"t/bomb.yaml": "\n".join(lines) + "\n"})
    assert time.monotonic() - start < 2
    assert found == ["t/bomb.yaml:2:10: YAML syntax: aliases (*name) are not allowed in rule files"]


def test_a_missing_rule_path(tmp_path: Path) -> None:
    rules = load([str(tmp_path / "nope.yaml")], builtin=False)
    assert [str(p) for p in rules.problems] == [
        f"{tmp_path}/nope.yaml:1:1: no such rule file or folder"
    ]
