"""`rules list/show/test/lint/new`, `explain`, and `scan` findings, run for real."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, run_cli

RULES = (Path(__file__).parent / "data" / "local-mail.yaml").read_text()


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "mail.yaml").write_text(RULES)
    return tmp_path


def test_rules_test_passes_and_fails_with_the_example_location(rules_dir: Path) -> None:
    assert run_cli("rules", "test", str(rules_dir)) == (0, "", "1 rules, 2 examples, 0 failed\n")
    broken = RULES.replace("not: {frame: {file: authimap}}", "level: critical")
    (rules_dir / "local" / "mail.yaml").write_text(broken)
    code, out, err = run_cli("rules", "test", str(rules_dir))
    assert (code, err) == (1, "1 rules, 2 examples, 1 failed\n")
    assert out == f"{rules_dir}/local/mail.yaml:22: local.mail.login: expected no match, got one\n"


def test_rule_file_problems_exit_2(rules_dir: Path) -> None:
    (rules_dir / "local" / "mail.yaml").write_text(
        RULES.replace("severity: error", "severity: bad")
    )
    code, _, err = run_cli("rules", "test", str(rules_dir))
    assert code == 2
    assert err.splitlines()[0] == (
        f"{rules_dir}/local/mail.yaml:4:15: severity 'bad' is not one of info, warning, error, "
        "critical"
    )
    assert "Traceback" not in err


def test_rules_list_and_show(rules_dir: Path) -> None:
    args = ("--no-builtin-rules", "--rules", str(rules_dir))
    code, out, _ = run_cli("rules", "list", *args, "--format", "json")
    assert code == 0
    assert [(r["id"], r["severity"], r["tags"]) for r in json.loads(out)] == [
        ("local.mail.login", "error", ["mail"])
    ]
    code, out, _ = run_cli("rules", "show", "local.mail.login", *args)
    assert code == 0
    assert out.startswith("local.mail.login  [error]  Mail collector cannot log in\n")
    assert "Why\n  The {what} was refused." in out and "Fix\n  1. Re-enter" in out
    assert run_cli("rules", "show", "nope", *args)[0] == 2


def test_rules_lint_notes_quality_problems(rules_dir: Path) -> None:
    lean = RULES.replace("    keywords: [cannot login]\n", "").replace(
        "'cannot login, user or (?P<what>password) wrong'", "'(?i)cannot login, (?P<what>\\w+)'"
    )
    (rules_dir / "local" / "mail.yaml").write_text(lean)
    code, out, _ = run_cli("rules", "lint", str(rules_dir))
    assert code == 1
    assert out == (
        f"{rules_dir}/local/mail.yaml:2: local.mail.login: no usable literal (give keywords): "
        "its regexes run on every entry\n"
    )


def test_explain_an_entry_a_message_and_nothing(rules_dir: Path) -> None:
    args = ("--no-builtin-rules", "--rules", str(rules_dir))
    code, out, _ = run_cli("explain", *args, "cannot login, user or password wrong")
    assert code == 0
    assert out.startswith("Mail collector cannot log in  [error]  (local.mail.login)")
    assert "The password was refused." in out and "1. Re-enter the password" in out
    code, out, _ = run_cli("explain", *args, "-", stdin=b"something else entirely")
    assert code == 1
    assert "No rule explains this" in out and "rules new" in out


def test_scan_jsonl_findings_and_counts(rules_dir: Path) -> None:
    args = ("--no-builtin-rules", "--rules", str(rules_dir))
    log = str(SAMPLES / "glpi-10" / "php-errors.log")
    code, out, err = run_cli("scan", *args, "--format", "jsonl", log)
    assert (code, err) == (1, "")  # error findings, --fail-on error
    found = [json.loads(line) for line in out.splitlines()]
    assert found
    first = found[0]
    assert set(first) >= {"path", "line", "timestamp", "level", "rule", "explain", "fix", "docs"}
    assert first["rule"] == {
        "id": "local.mail.login",
        "title": "Mail collector cannot log in",
        "severity": "error",
    }
    assert first["explain"] == "The password was refused."
    assert first["fix"] == ["Re-enter the password in Setup > Receivers."]
    code, out, _ = run_cli("scan", *args, "--format", "json", log)
    counts = {i["rule"]["id"]: i["count"] for i in json.loads(out)["incidents"]}
    assert counts == {"local.mail.login": len(found)}
    code, out, _ = run_cli("scan", *args, "--format", "jsonl", "--fail-on", "critical", log)
    assert code == 0 and len(out.splitlines()) == len(found)


def test_rules_new_from_a_real_entry(tmp_path: Path) -> None:
    log = SAMPLES / "php" / "php_errors.log"
    code, out, _ = run_cli("rules", "new", "local.php.undefined", "--from", f"{log}:49")
    assert code == 0
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "php.yaml").write_text(out.replace("TODO an entry", "[x] not an entry"))
    code, out, err = run_cli("rules", "test", str(tmp_path))
    assert (code, out) == (0, ""), err


def test_project_config_file_adds_rules_and_selects(rules_dir: Path, tmp_path: Path) -> None:
    project = tmp_path / "project" / "sub"
    project.mkdir(parents=True)
    (tmp_path / "project" / ".logdoctor.yaml").write_text(
        f"rules: [{rules_dir}]\nbuiltin-rules: false\nselect: ['local.*']\n"
    )
    code, out, err = run_cli("rules", "list", cwd=project)
    assert (code, err) == (0, "")
    assert out.split() == ["local.mail.login", "error", "Mail", "collector", "cannot", "log", "in"]
    (tmp_path / "project" / ".logdoctor.yaml").write_text("rulez: [x]\n")
    code, _, err = run_cli("rules", "list", "--no-builtin-rules", cwd=project)
    assert code == 2
    assert err == (
        f"{tmp_path}/project/.logdoctor.yaml:1:1: unknown key 'rulez' "
        "(rules, select, ignore, builtin-rules, fail-on)\n"
    )


@pytest.mark.parametrize(
    ("match", "reason"),
    [
        ("      level: error\n      all: [{level: warning}]\n",
         "its level conditions exclude each other"),
        ("      dialect: php\n      sql_error: 'Deadlock found'\n",
         "sql_error is never set in php entries"),
    ],
)  # fmt: skip
def test_rules_lint_finds_unreachable_rules(tmp_path: Path, match: str, reason: str) -> None:
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "x.yaml").write_text(
        "rules:\n  - id: local.x.r\n    title: x\n    severity: error\n"
        f"    match:\n{match}    keywords: [x]\n    explain: x\n    fix: [x]\n"
    )
    code, out, _ = run_cli("rules", "lint", str(tmp_path))
    assert code == 1
    assert f"{tmp_path}/local/x.yaml:2: local.x.r: unreachable: {reason}\n" in out
