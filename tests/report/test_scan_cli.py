"""`logdoctor scan` as CI uses it: formats, exit codes, selection, baselines, safety."""

from __future__ import annotations

import json
import os
import pty
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from logdoctor.report import REPORT_FORMATS, STREAM_FORMATS
from logdoctor.sources import GLPI_LOG_DIRS
from tests.conftest import ROOT, SAMPLES, run_cli

ENV = {"TZ": "UTC", "NO_COLOR": "1", "GITHUB_ACTIONS": "", "CI": ""}
ALL_FORMATS = sorted([*REPORT_FORMATS, *STREAM_FORMATS])

RULE = """\
rules:
  - id: local.evil.boom
    title: 'Boom: {what}'
    severity: error
    match:
      message: 'boom (?P<what>.*)'
    explain: 'It said {what}.'
    fix: ['Stop {what}.']
    examples:
      match: ['[2024-01-18 16:20:04] glpiphplog.ERROR:   *** PHP Warning (2): boom x']
      no_match: ['[2024-01-18 16:20:04] glpiphplog.ERROR:   *** PHP Warning (2): bam x']
"""

# Escape sequences, OSC 8 links, a bell, rich markup, HTML and XML-breaking bytes, and
# bidirectional overrides (which reorder what a terminal shows), in a message that a rule
# explains and in one that it does not.
EVIL = (
    "\x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x07link\x1b]8;;\x07 [bold red]markup[/] "
    "<script>alert(1)</script> & ]]> \x00\x0c \ufffe \u202edesrever\u202c \u2067isolate\u2069"
)
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.fixture
def evil(tmp_path: Path) -> tuple[Path, Path]:
    log = tmp_path / "php-errors.log"
    data = (
        f"[2024-01-18 16:20:04] glpiphplog.ERROR:   *** PHP Warning (2): boom {EVIL}\n"
        f"[2024-01-18 16:21:04] glpiphplog.ERROR:   *** PHP Warning (2): other {EVIL}\n"
    ).encode(
        "utf-8", "surrogateescape"
    ) + b"[2024-01-18 16:22:04] glpiphplog.ERROR:   *** \xe9t\xe9\n"
    log.write_bytes(data)
    return log, _local_rules(tmp_path)


def _local_rules(tmp_path: Path) -> Path:
    """A rules folder holding RULE (local.evil.boom)."""
    rules = tmp_path / "rules" / "local"
    rules.mkdir(parents=True)
    (rules / "evil.yaml").write_text(RULE)
    return tmp_path / "rules"


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_log_text_is_inert_in_every_format(fmt: str, evil: tuple[Path, Path]) -> None:
    log, rules = evil
    code, out, err = run_cli(
        "scan", str(log), "--format", fmt, "--no-builtin-rules", "--rules", str(rules), env=ENV
    )
    assert (code, err) == (1, "")
    assert "\x1b" not in out and "\x07" not in out and "\x00" not in out and "\x0c" not in out
    assert not set(BIDI) & set(out)
    if fmt != "json":  # (json writes \u escapes of its own)
        assert "\\u202edesrever" in out or "\\\\u202edesrever" in out
    if fmt in ("terminal", "parsable", "github"):
        assert "[bold red]markup[/]" in out  # shown as written, not interpreted
    if fmt in ("terminal", "json", "jsonl", "html", "junit", "github"):
        assert "\\x1b[31mred" in out or "\\u001b[31mred" in out  # visible, not acted on
    if fmt == "html":
        assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    if fmt == "junit":
        root = ET.fromstring(out)  # well-formed, whatever bytes the log held
        (case,) = root.iter("testcase")
        assert case.get("classname") == "local.evil.boom"
        assert "[bold red]markup[/]" in (case.get("name") or "")
        assert root.find("testsuite").get("failures") == "1"  # type: ignore[union-attr]
    if fmt == "github":
        lines = out.splitlines()
        assert all(line.startswith("::") for line in lines)  # one command a line
        assert lines[0].startswith("::error file=") and ",line=1,title=local.evil.boom" in lines[0]
        assert "%0A" not in lines[0].split("::")[1]  # properties: no line breaks either
    if fmt in ("json", "jsonl"):
        for line in [out] if fmt == "json" else out.splitlines():
            json.loads(line)


# Secrets as logs carry them: each value must never be shown, in any format.
SECRETS = {
    "hunter2-form": "POST /front/login.php login_name=bob&login_password={}&submit=1",
    "hunter2-json": 'context {{"password":"{}","user":"bob"}}',
    "hunter2-php": "array ( 'smtp_passwd' => '{}', 'login' => 'bob' )",
    "hunter2-dump": "[client_secret] => {}",
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl": "Authorization: Bearer {}",
    "1//0gSecretRefreshTokenValue-abc": "refresh failed for refresh_token={}&grant=1",
    "ya29.a0SecretAccessTokenValue": "token {} expired",
    "dXNlcj1ib2JAZXhhbXBsZS5vcmcBYXV0aD1CZWFyZXI=": "C: A1 AUTHENTICATE XOAUTH2 {}",
    "s3cretUrlPass": "cannot open imap://bob:{}@mail.example.org:993/INBOX",
}


@pytest.fixture
def secrets(tmp_path: Path) -> tuple[Path, Path]:
    log = tmp_path / "php-errors.log"
    lines = []
    for n, (value, shape) in enumerate(SECRETS.items()):
        head = "glpiphplog.ERROR:   *** PHP Warning (2):"
        message = shape.format(value)
        lines.append(f"[2024-01-18 16:{n:02d}:04] {head} boom {message}")  # explained
        lines.append(f"[2024-01-18 17:{n:02d}:04] {head} {message}")  # unexplained
    log.write_text("\n".join(lines) + "\n")
    return log, _local_rules(tmp_path)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_secrets_in_logs_are_never_shown(fmt: str, secrets: tuple[Path, Path]) -> None:
    log, rules = secrets
    code, out, err = run_cli(
        "scan", str(log), "--format", fmt, "--no-builtin-rules", "--rules", str(rules),
        "--fail-on", "never", "--verbose", env=ENV,
    )  # fmt: skip
    assert (code, err) == (0, "")
    shown = [value for value in SECRETS if value in out or value.replace("/", "\\/") in out]
    assert shown == []
    assert "[redacted]" in out
    assert "login_name=bob" in out or fmt in ("parsable", "github", "junit")  # the rest stays


@pytest.mark.parametrize("fmt", ["jsonl", "table"])
def test_secrets_are_never_shown_by_parse(fmt: str, secrets: tuple[Path, Path]) -> None:
    log, _ = secrets
    code, out, err = run_cli("parse", str(log), "--format", fmt, "--raw", env=ENV)
    assert (code, err) == (0, "")
    assert [value for value in SECRETS if value in out] == [] and "[redacted]" in out


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_broken_rule_file_is_one_error_and_the_other_rules_still_report(
    fmt: str, evil: tuple[Path, Path]
) -> None:
    log, rules = evil
    broken = RULE.replace("local.evil.boom", "local.broken.boom").replace("error\n", "loud\n", 1)
    (rules / "local" / "broken.yaml").write_text(broken)
    code, out, err = run_cli(
        "scan", str(log), "--format", fmt, "--no-builtin-rules", "--rules", str(rules), env=ENV
    )  # fmt: skip
    assert code == 2  # a rule error, even though incidents were found
    (line,) = err.splitlines()
    assert line.startswith(f"{rules / 'local' / 'broken.yaml'}:4:15: severity 'loud' is not one")
    found = [json.loads(x) for x in out.splitlines()] if fmt == "jsonl" else json.loads(out)
    ids = [f["rule"]["id"] for f in found] if fmt == "jsonl" else [
        i["rule"]["id"] for i in found["incidents"]
    ]  # fmt: skip
    assert ids == ["local.evil.boom"]  # the good rule file was used


def test_fail_on_thresholds_and_never(evil: tuple[Path, Path]) -> None:
    log, rules = evil
    base = ("scan", str(log), "--no-builtin-rules", "--rules", str(rules), "--format", "parsable")
    for fail_on, expected in (("info", 1), ("error", 1), ("critical", 0), ("never", 0)):
        code, out, err = run_cli(*base, "--fail-on", fail_on, env=ENV)
        assert (code, err) == (expected, ""), fail_on
        (line,) = out.splitlines()
        assert line.startswith(f"{log}:1: [error] local.evil.boom Boom: \\x1b[31mred")
        assert line.endswith(" (1 entry)")
    code, _, err = run_cli(*base, "--fail-on", "sometimes", env=ENV)
    assert code == 2 and "Invalid value for '--fail-on'" in err


def test_config_file_sets_fail_on(evil: tuple[Path, Path], tmp_path: Path) -> None:
    log, rules = evil
    (tmp_path / ".logdoctor.yaml").write_text(f"rules: [{rules}]\nfail-on: critical\n")
    code, _, err = run_cli("scan", str(log), "--no-builtin-rules", cwd=tmp_path, env=ENV)
    assert (code, err) == (0, "")
    code, _, _ = run_cli("scan", str(log), "--no-builtin-rules", "--fail-on", "error", cwd=tmp_path)
    assert code == 1


def test_baseline_fails_only_on_new_incidents_and_is_stable(tmp_path: Path) -> None:
    files = sorted(str(p) for p in (SAMPLES / "glpi-10").glob("*.log"))
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    code, _, err = run_cli("scan", *files, "--format", "json", "--write-baseline", str(first))
    assert code == 0 and err.endswith(f"incidents to {first}\n")
    run_cli("scan", *files[::-1], "--format", "json", "--write-baseline", str(second))
    assert first.read_bytes() == second.read_bytes()  # stable across runs and file order
    code, out, err = run_cli("scan", *files, "--format", "json", "--baseline", str(first))
    assert (code, err) == (0, "")
    assert json.loads(out)["summary"]["new_incidents"] == 0
    # New problems in another file: only those fail.
    more = [*files, str(SAMPLES / "php" / "nginx-error.log")]
    code, out, _ = run_cli("scan", *more, "--format", "json", "--baseline", str(first))
    doc = json.loads(out)
    assert code == 1
    new = {i["id"] for i in doc["incidents"] if i["new"]}
    assert "php.server.nginx-fpm-unavailable" in new
    assert set(doc["summary"]["failing"]) <= new
    baseline_ids = {i["id"] for i in json.loads(first.read_text())["incidents"]}
    assert not new & baseline_ids


def test_jsonl_streams_findings_and_honours_baselines(tmp_path: Path) -> None:
    files = sorted(str(p) for p in (SAMPLES / "glpi-10").glob("*.log"))
    from_json, from_jsonl = tmp_path / "json.json", tmp_path / "jsonl.json"
    run_cli("scan", *files, "--format", "json", "--write-baseline", str(from_json))
    code, out, err = run_cli(
        "scan", *files, "--format", "jsonl", "--write-baseline", str(from_jsonl)
    )  # fmt: skip
    assert code == 0 and err.endswith(f"incidents to {from_jsonl}\n")
    assert len(out.splitlines()) > 10  # the findings still stream out
    # The same incidents, ids and counts as the whole report records.
    assert from_jsonl.read_bytes() == from_json.read_bytes()
    code, _, err = run_cli("scan", *files, "--format", "jsonl", "--baseline", str(from_jsonl))
    assert (code, err) == (0, "")
    assert run_cli("scan", *files, "--format", "jsonl")[0] == 1  # without it: errors fail
    more = [*files, str(SAMPLES / "php" / "nginx-error.log")]
    code, out, _ = run_cli("scan", *more, "--format", "jsonl", "--baseline", str(from_jsonl))
    assert code == 1  # a new incident
    assert any('"php.server.nginx-fpm-unavailable"' in line for line in out.splitlines())


def test_github_and_junit_show_baselined_incidents_as_passing(tmp_path: Path) -> None:
    files = sorted(str(p) for p in (SAMPLES / "glpi-10").glob("*.log"))
    baseline = tmp_path / "b.json"
    run_cli("scan", *files, "--format", "json", "--write-baseline", str(baseline))
    more = [*files, str(SAMPLES / "php" / "nginx-error.log")]
    code, out, _ = run_cli(
        "scan", *more, "--format", "github", "--baseline", str(baseline), env=ENV
    )  # fmt: skip
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    # Only the new incidents that fail are errors; the known ones are notices that say why.
    doc = json.loads(run_cli("scan", *more, "--format", "json", "--baseline", str(baseline))[1])
    failing = {i["rule"]["id"] for i in doc["incidents"] if i["fails"]}
    assert failing and {line.split("title=")[1].split("%3A")[0] for line in errors} == failing
    assert all(i["new"] for i in doc["incidents"] if i["fails"])
    assert sum("(in the baseline)" in line for line in out.splitlines()) == len(
        json.loads(baseline.read_text())["incidents"]
    )
    code, out, _ = run_cli("scan", *files, "--format", "github", "--baseline", str(baseline))
    assert code == 0 and "::error" not in out


def test_junit_counts_every_case_it_writes(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.log")
    code, out, err = run_cli(
        "scan", str(SAMPLES / "glpi-10" / "cron.log"), missing, "--format", "junit"
    )  # fmt: skip
    assert code == 2 and missing in err
    suite = ET.fromstring(out).find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert int(suite.get("tests", "")) == len(cases) >= 2
    assert int(suite.get("errors", "")) == sum(1 for c in cases if c.find("error") is not None) == 1
    assert int(suite.get("failures", "")) == sum(1 for c in cases if c.find("failure") is not None)
    assert int(suite.get("skipped", "")) == sum(1 for c in cases if c.find("skipped") is not None)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", ":1:2: not JSON: Expecting property name"),
        ('{"incidents": 3}', "not a logdoctor baseline"),
    ],
)
def test_bad_baseline_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "base.json"
    bad.write_text(content)
    code, out, err = run_cli("scan", str(SAMPLES / "glpi-10" / "cron.log"), "--baseline", str(bad))
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert line.startswith(str(bad)) and message in line
    code, _, err = run_cli("scan", "sample_logs/glpi-10", "--baseline", str(tmp_path / "none"))
    assert code == 2
    assert err == f"{tmp_path / 'none'}: cannot read the baseline: No such file or directory\n"


def test_since_until_and_min_level() -> None:
    base = ("scan", "sample_logs/glpi-10", "--format", "json", "--fail-on", "never")
    _, out, _ = run_cli(*base, env=ENV)
    everything = json.loads(out)
    _, out, _ = run_cli(*base, "--since", "2024-01-16", "--until", "2024-01-17 12:00", env=ENV)
    window = json.loads(out)
    assert window["summary"]["selection"]["since"] == "2024-01-16 00:00:00"
    stamps = [s for i in window["incidents"] for s in (i["first_seen"], i["last_seen"])]
    assert stamps and all("2024-01-16" <= s < "2024-01-17 12:00" for s in stamps)
    assert 0 < window["summary"]["explained_entries"] < everything["summary"]["explained_entries"]
    # Relative times: these samples are years old, so nothing is that recent.
    _, out, _ = run_cli(*base, "--since", "2h", env=ENV)
    assert json.loads(out)["summary"]["incidents"] == 0
    _, out, _ = run_cli(*base, "--min-level", "error", env=ENV)
    strict = json.loads(out)
    levels = {i["sample"]["level"] for i in strict["incidents"]}
    assert levels and levels <= {"error", "critical", "alert", "emergency", "unknown"}
    assert {g["level"] for g in strict["unexplained"]} <= {"error", "critical"}
    code, out, err = run_cli(*base, "--since", "last tuesday")
    assert code == 2 and out == "" and "'last tuesday' is not a time" in err


def test_no_path_reads_the_glpi_log_folder(tmp_path: Path) -> None:
    logs = tmp_path / "files" / "_log"
    logs.mkdir(parents=True)
    (logs / "php-errors.log").write_bytes((SAMPLES / "glpi-10" / "php-errors.log").read_bytes())
    code, out, err = run_cli("scan", "--format", "parsable", env={"GLPI_LOG_DIR": str(logs)})
    assert code == 1 and err == f"logdoctor: reading {logs}\n"
    assert out.startswith(f"{logs}/php-errors.log:")
    code, out, err = run_cli("scan", env={"GLPI_LOG_DIR": str(tmp_path / "nowhere")})
    assert (code, out) == (2, "")
    assert err == f"logdoctor: GLPI_LOG_DIR={tmp_path / 'nowhere'}: not a folder\n"


@pytest.mark.skipif(
    any(os.path.isdir(d) for d in GLPI_LOG_DIRS), reason="this machine has a GLPI log folder"
)
@pytest.mark.parametrize("command", ["scan", "watch"])
def test_no_path_and_no_glpi_log_folder_is_one_clear_error(command: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GLPI_LOG_DIR"}
    proc = subprocess.run(
        [sys.executable, "-m", "logdoctor", command], capture_output=True, text=True,
        cwd=ROOT, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert (proc.returncode, proc.stdout) == (2, "")
    (line,) = proc.stderr.splitlines()  # one line, no usage text, no traceback
    assert line.startswith("logdoctor: no PATH given and no GLPI log folder found (looked in ")
    assert ", ".join(GLPI_LOG_DIRS) in line and line.endswith("or set GLPI_LOG_DIR")


def test_auto_format_follows_the_environment() -> None:
    log = str(SAMPLES / "glpi-10" / "php-errors.log")
    _, out, _ = run_cli("scan", log, env={**ENV, "GITHUB_ACTIONS": "true"})
    assert out.startswith("::error file=")
    _, out, _ = run_cli("scan", log, env=ENV)
    assert out.startswith(f"{log}:") and "\n::" not in out  # a pipe: parsable


def test_unexplained_groups_come_with_a_working_rules_new_command() -> None:
    _, out, _ = run_cli("scan", "sample_logs/glpi-10", "--format", "json", env=ENV)
    doc = json.loads(out)
    assert doc["unexplained"]
    command = doc["unexplained"][0]["new_rule"].split()
    assert command[:3] == ["logdoctor", "rules", "new"] and command[4] == "--from"
    code, skeleton, err = run_cli(*command[1:])
    assert (code, err) == (0, "")
    assert f"id: {command[3]}" in skeleton


def test_rules_new_command_pastes_into_a_shell_whatever_the_path(tmp_path: Path) -> None:
    folder = tmp_path / "GLPI logs; it's $HOME"
    folder.mkdir()
    log = folder / "php-errors.log"
    log.write_bytes((SAMPLES / "glpi-10" / "php-errors.log").read_bytes())
    _, out, _ = run_cli("scan", str(log), "--format", "json", env=ENV)
    command = json.loads(out)["unexplained"][0]["new_rule"]
    argv = shlex.split(command)  # as a shell splits it
    assert argv[4] == "--from" and argv[5].startswith(f"{log}:")
    code, skeleton, err = run_cli(*argv[1:])
    assert (code, err) == (0, "") and "TODO a log entry" not in skeleton
    # From stdin the entry cannot be read again: a skeleton without --from.
    _, out, _ = run_cli("scan", "-", "--format", "json", stdin=log.read_bytes(), env=ENV)
    argv = shlex.split(json.loads(out)["unexplained"][0]["new_rule"])
    assert len(argv) == 4 and argv[:3] == ["logdoctor", "rules", "new"]
    assert run_cli(*argv[1:])[0] == 0


def test_output_file_and_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    code, out, err = run_cli(
        "scan", "sample_logs", "--format", "html", "-o", str(report), "--fail-on", "never"
    )
    assert (code, out, err) == (0, "", "")
    assert report.read_text().startswith("<!DOCTYPE html>")
    # stderr on a terminal (a pty): the progress bar is drawn there (bytes read of the
    # total, rate, time left), stdout stays clean; never in CI.
    drawn, stdout = _on_a_terminal("scan", "sample_logs", "--format", "json")
    json.loads(stdout)
    assert b"scanning" in drawn
    assert re.search(rb"\d+(\.\d+)?/\d+(\.\d+)? [kM]?B ", drawn), drawn[-300:]
    drawn, stdout = _on_a_terminal("scan", "sample_logs", "--format", "json", CI="true")
    json.loads(stdout)
    assert drawn == b""


def _drain(leader: int, follower: int) -> bytes:
    """All a finished command wrote to a pty (its side closed first)."""
    os.close(follower)
    drawn = b""
    try:
        while chunk := os.read(leader, 65536):
            drawn += chunk
    except OSError:  # EIO once the pty is empty and closed
        pass
    os.close(leader)
    return drawn


def _on_a_terminal(*args: str, **env: str) -> tuple[bytes, bytes]:
    """What `logdoctor ARGS` draws on stderr when it is a terminal, and its stdout."""
    leader, follower = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "logdoctor", *args, "--fail-on", "never"],
        stdout=subprocess.PIPE, stderr=follower, cwd=ROOT, timeout=120, check=False,
        env={**os.environ, **ENV, "TERM": "xterm", **env},
    )  # fmt: skip
    drawn = _drain(leader, follower)
    assert proc.returncode == 0
    return drawn, proc.stdout


def test_the_readme_ci_recipes_run_as_written(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    recipes = [yaml.safe_load(block.split("```", 1)[0]) for block in readme.split("```yaml")[1:]]
    github = next(r for r in recipes if isinstance(r, dict) and "jobs" in r)
    gitlab = next(r for r in recipes if isinstance(r, dict) and "logdoctor" in r)
    steps = [s["run"] for s in github["jobs"]["logdoctor"]["steps"] if "run" in s]
    commands = [*steps, *gitlab["logdoctor"]["script"]]
    assert [c.split()[0] for c in commands] == ["pip", "logdoctor", "pip", "logdoctor"]
    assert gitlab["logdoctor"]["artifacts"]["reports"]["junit"] == "logdoctor.xml"
    # Run each logdoctor command on a copy of the sample logs, in a fresh folder.
    shutil.copytree(SAMPLES, tmp_path / "logs", ignore=shutil.ignore_patterns("php"))
    code, _, _ = run_cli(
        "scan", "logs/", "--write-baseline", ".logdoctor-baseline.json", cwd=tmp_path
    )  # fmt: skip
    assert code == 0
    for command in (commands[1], commands[3]):
        argv = shlex.split(command)[1:]
        code, out, err = run_cli(*argv, cwd=tmp_path, env={**ENV, "GITHUB_ACTIONS": "true"})
        assert (code, err) == (0, ""), command  # everything is in the baseline
    assert out == "" and ET.parse(tmp_path / "logdoctor.xml").getroot().tag == "testsuites"
    # Under GitHub Actions the default format is annotations; a new problem fails the job.
    shutil.copytree(SAMPLES / "php", tmp_path / "logs" / "php")
    code, out, _ = run_cli(*shlex.split(commands[1])[1:], cwd=tmp_path,
                           env={**ENV, "GITHUB_ACTIONS": "true"})  # fmt: skip
    assert code == 1 and out.startswith("::")


def _stdout_on_a_terminal(*args: str, **env: str) -> tuple[int, str]:
    """`logdoctor ARGS` with stdout on a terminal (a pty): exit code and what it drew."""
    leader, follower = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "logdoctor", *args], stdout=follower, stderr=subprocess.PIPE,
        cwd=ROOT, timeout=120, check=False,
        env={**{k: v for k, v in os.environ.items() if k != "NO_COLOR"}, "TERM": "xterm",
             "GITHUB_ACTIONS": "", "CI": "", "TZ": "UTC", "COLUMNS": "120", **env},
    )  # fmt: skip
    drawn = _drain(leader, follower)
    return proc.returncode, drawn.decode("utf-8", "replace")


def test_on_a_terminal_auto_is_the_terminal_report_in_colour_and_log_text_stays_inert(
    evil: tuple[Path, Path],
) -> None:
    log, rules = evil
    base = ("scan", str(log), "--no-builtin-rules", "--rules", str(rules))
    code, drawn = _stdout_on_a_terminal(*base)  # --format auto
    assert code == 1
    assert "Why" in drawn and "Fix" in drawn  # the terminal report, not parsable lines
    assert "\x1b[" in drawn  # rich's own colours...
    assert "\x1b[31mred" not in drawn and "\x1b]8;;http://evil" not in drawn  # ...not the log's
    assert "\x07" not in drawn and "\u202e" not in drawn
    assert "\\x1b[31mred" in drawn and "[bold red]markup[/]" in drawn  # shown, not acted on
    assert COLOUR.search(drawn)
    # NO_COLOR on a terminal: the same report without colours (bold and dim may stay, as
    # no-color.org allows).
    code, plain = _stdout_on_a_terminal(*base, NO_COLOR="1")
    assert code == 1 and "Why" in plain and not COLOUR.search(plain)


# An SGR sequence that sets a colour (foreground or background, 8, 256 or 24-bit).
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]")


def test_verbose_adds_the_backtrace_and_width_is_honoured() -> None:
    log = str(SAMPLES / "glpi-10" / "php-errors.log")
    _, short, _ = run_cli("scan", log, "--format", "terminal", "--width", "80", env=ENV)
    _, full, _ = run_cli("scan", log, "--format", "terminal", "--width", "80", "-v", env=ENV)
    assert max(len(line) for line in short.splitlines()) <= 80
    assert len(full) > len(short)
    frames = [line for line in full.splitlines() if "Backtrace" in line or ".php:" in line]
    assert len(frames) > len([line for line in short.splitlines() if ".php:" in line])
    _, wide, _ = run_cli("scan", log, "--format", "terminal", "--width", "160", env=ENV)
    assert max(len(line) for line in wide.splitlines()) > 80


def test_the_terminal_report_explains_every_incident() -> None:
    _, out, _ = run_cli("scan", "sample_logs", "--format", "json", env=ENV)
    incidents = json.loads(out)["incidents"]
    _, text, _ = run_cli("scan", "sample_logs", "--format", "terminal", "--width", "120", env=ENV)
    for field in ("Rule", "Seen", "Where", "Entry", "Why"):
        assert len(re.findall(rf"^  {field} ", text, re.M)) == len(incidents), field
    assert len(re.findall(r"^  Fix ", text, re.M)) == sum(1 for i in incidents if i["fix"])
    assert len(re.findall(r"^  Docs ", text, re.M)) == sum(1 for i in incidents if i["docs"])
    assert len(re.findall(r"^  When ", text, re.M)) == sum(1 for i in incidents if i["hourly"])
    assert any(i["severity"] == "info" for i in incidents)  # info ones included


def test_explain_never_shows_a_secret_its_text_holds(tmp_path: Path) -> None:
    rules = _local_rules(tmp_path)
    line = "[2024-01-18 16:20:04] glpiphplog.ERROR:   *** PHP Warning (2): boom password=hunter2"
    code, out, err = run_cli("explain", "--no-builtin-rules", "--rules", str(rules), line)
    assert (code, err) == (0, "")
    assert "It said password=[redacted]." in out and "1. Stop password=[redacted]." in out
    assert "hunter2" not in out


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_baseline_file_holds_no_secret(fmt: str, tmp_path: Path) -> None:
    rules = _local_rules(tmp_path)
    log = tmp_path / "php-errors.log"
    head = "[2024-01-18 16:20:04] glpiphplog.ERROR:   *** PHP Warning (2): boom"
    log.write_text(f"{head} password=hunter2\n{head} password=other\n")
    baseline = tmp_path / "b.json"
    code, _, err = run_cli(
        "scan", str(log), "--format", fmt, "--no-builtin-rules", "--rules", str(rules),
        "--write-baseline", str(baseline),
    )  # fmt: skip
    assert code == 0, err
    items = json.loads(baseline.read_text())["incidents"]
    assert len(items) == 2  # one incident per (raw) capture: the ids still tell them apart
    assert "hunter2" not in baseline.read_text() and "other" not in baseline.read_text()
    assert {i["captures"]["what"] for i in items} == {"password=[redacted]"}
