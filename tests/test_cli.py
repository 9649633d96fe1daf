"""The command line, run for real: (exit code, stdout, stderr) asserted together."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from logdoctor import __version__
from logdoctor.cli import main
from tests.conftest import run_cli

SAMPLES = Path(__file__).parent.parent / "sample_logs"
LOG = (
    "[2023-01-13 12:37:20] glpiphplog.CRITICAL:   *** Uncaught Exception "
    "Laminas\\Mail\\Storage\\Exception\\RuntimeException: cannot login, user or password wrong "
    "in /var/www/glpi/vendor/laminas/laminas-mail/src/Storage/Imap.php at line 225\n"
    "  Backtrace :\n"
    "  src/Toolbox.php:2196                               "
    "Laminas\\Mail\\Storage\\Imap->__construct()\n"
    "  \n"
    "[2023-01-13 12:38:20] glpiphplog.WARNING:   *** PHP Warning (2): Undefined array key "
    '"x" in /var/www/glpi/src/Search.php at line 12  \n'
)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "php-errors.log"
    path.write_text(LOG)
    return path


def test_version_and_module_entry_point() -> None:
    assert run_cli("--version") == (0, f"logdoctor, version {__version__}\n", "")


def _commands() -> list[list[str]]:
    """Every command and sub-command, walked from the group (so a new one is covered)."""
    found: list[list[str]] = []

    def walk(group: click.Group, path: list[str]) -> None:
        found.append(path)
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if isinstance(command, click.Group):
                walk(command, [*path, name])
            else:
                found.append([*path, name])

    walk(main, [])
    return found


def test_the_command_tree_is_complete() -> None:
    assert ["probe", "imap"] in _commands() and ["rules", "new"] in _commands()
    assert len(_commands()) == 13


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    code, out, err = run_cli(*command, "--help")
    assert (code, err) == (0, "")
    assert "Example" in out and "logdoctor " in out


def test_parse_jsonl_fields(log: Path) -> None:
    code, out, err = run_cli("parse", str(log))
    assert (code, err) == (0, "")
    first, second = (json.loads(line) for line in out.splitlines())
    assert first == {
        "path": str(log),
        "line": 1,
        "end_line": 4,
        "timestamp": "2023-01-13T12:37:20",
        "timestamp_text": "2023-01-13 12:37:20",
        "level": "critical",
        "dialect": "glpi-monolog",
        "channel": "glpiphplog",
        "kind": "Uncaught Exception",
        "exception": "Laminas\\Mail\\Storage\\Exception\\RuntimeException",
        "message": "cannot login, user or password wrong",
        "origin": {
            "file": "/var/www/glpi/vendor/laminas/laminas-mail/src/Storage/Imap.php",
            "line": 225,
            "call": "",
        },
        "frames": [
            {
                "file": "src/Toolbox.php",
                "line": 2196,
                "call": "Laminas\\Mail\\Storage\\Imap->__construct()",
            },
        ],
        "sql": None,
        "sql_error": None,
        "previous": [],
        "user": None,
        "host": None,
        "glpi_version": "10.0",
        "truncated": False,
    }
    assert (second["line"], second["level"], second["kind"]) == (5, "warning", "PHP Warning (2)")


def test_parse_raw_option_round_trips(log: Path) -> None:
    code, out, _ = run_cli("parse", "--raw", str(log))
    assert code == 0
    assert "".join(json.loads(line)["raw"] for line in out.splitlines()) == LOG


def test_parse_table_is_readable_and_inert(tmp_path: Path) -> None:
    path = tmp_path / "evil.log"
    path.write_text(
        "[18-Jan-2024 16:20:04 UTC] PHP Warning:  \x1b[31mred\x1b[0m \x1b]8;;http://x\x07link"
        "\x1b]8;;\x07 [bold red]markup[/] in /a.php on line 3\n"
    )
    code, out, err = run_cli(
        "parse", "--format", "table", "--width", "200", "evil.log", cwd=tmp_path
    )
    assert (code, err) == (0, "")
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[31mred" in out and "[bold red]markup[/]" in out


def test_scan_terminal_and_json(log: Path) -> None:
    code, out, err = run_cli("scan", "--format", "terminal", "--width", "160", str(log))
    assert (code, err) == (1, "")  # an error-level incident, and --fail-on error by default
    assert "1 files, 2 entries" in out
    assert "cannot login, user or password wrong" in out
    assert "Why" in out and "Fix" in out and "glpi.mail.basic-login-failed" in out
    code, out, err = run_cli("scan", "--format", "json", str(log))
    doc = json.loads(out)
    assert (code, err) == (1, "")
    assert doc["format_version"] == 2 and doc["summary"]["entries"] == 2
    (f,) = doc["files"]
    assert f["dialects"] == {"glpi-monolog": 2}
    assert f["levels"] == {"critical": 1, "warning": 1}
    assert (f["first"], f["last"]) == ("2023-01-13 12:37:20", "2023-01-13 12:38:20")
    mail = next(i for i in doc["incidents"] if i["rule"]["id"] == "glpi.mail.basic-login-failed")
    assert (mail["count"], mail["severity"], mail["fails"]) == (1, "error", True)
    assert mail["first"] == {"path": str(log), "line": 1, "timestamp": "2023-01-13 12:37:20"}
    assert mail["sample"]["key_frame"] == {
        "file": "src/Toolbox.php",
        "line": 2196,
        "call": "Laminas\\Mail\\Storage\\Imap->__construct()",
    }
    assert doc["summary"]["failing"] == ["glpi.mail.basic-login-failed"]
    code, _, err = run_cli("scan", "--format", "json", "--fail-on", "never", str(log))
    assert (code, err) == (0, "")
    code, _, err = run_cli("scan", "--format", "json", "--fail-on", "critical", str(log))
    assert (code, err) == (0, "")


def test_dialect_option_and_bad_values(log: Path) -> None:
    code, out, err = run_cli("parse", "--dialect", "php", str(log))
    assert (code, err) == (0, "")
    (only,) = out.splitlines()
    assert json.loads(only)["dialect"] == "unknown"
    code, out, err = run_cli("parse", "--dialect", "cobol", str(log))
    assert code == 2 and out == ""
    assert "Invalid value for '--dialect'" in err and "Traceback" not in err


def test_paths_are_required_and_printed_as_given(log: Path) -> None:
    code, out, err = run_cli("parse")
    assert code == 2 and "Missing argument 'PATHS...'" in err
    code, out, _ = run_cli("parse", log.name, cwd=log.parent)
    assert json.loads(out.splitlines()[0])["path"] == "php-errors.log"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args", [["parse", "--format", "jsonl"], ["scan", "--format", "json"]], ids=["parse", "scan"]
)
def test_output_that_cannot_be_written_is_one_line_and_exit_2(args: list[str]) -> None:
    # A full disk under the report: one line on stderr, no traceback.
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "logdoctor", *args, str(SAMPLES)],
            stdout=full,
            stderr=subprocess.PIPE,
            check=False,
        )
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == [
        "logdoctor: cannot write the output: No space left on device"
    ]
