"""The `logdoctor` command line: parses options, builds objects, calls app. No logic.

Exit codes: 0 all inputs read; 2 a usage error or an input that could not be read
(the others are still read). User errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import click

from logdoctor import __version__
from logdoctor.app import ReadOptions, findings, iter_entries, scan
from logdoctor.cli_rules import explain, load_rules, rule_options, rules_group
from logdoctor.errors import InputError
from logdoctor.model import Dialect
from logdoctor.parallel import default_jobs
from logdoctor.parse import DIALECTS, Limits
from logdoctor.report import ENTRY_FORMATS, SCAN_FORMATS, render_scan
from logdoctor.report.safe import inert
from logdoctor.report.serialize import FindingJson

EXIT_OK = 0
EXIT_INPUT = 2

F = TypeVar("F", bound=Callable[..., object])


class _Errors:
    """Collects input errors, printing each as one line on stderr as it happens."""

    def __init__(self) -> None:
        self.count = 0
        self.lines: list[str] = []

    def __call__(self, error: InputError) -> None:
        self.count += 1
        line = inert(str(error), keep_newlines=False)
        self.lines.append(line)
        click.echo(line, err=True)


def _read_options(f: F) -> F:
    """Options shared by every command that reads logs."""
    f = click.option(
        "--dialect",
        type=click.Choice(["auto", *DIALECTS]),
        default="auto",
        show_default=True,
        help="Recognise only this dialect's headers (default: every known shape).",
    )(f)
    f = click.option(
        "--max-entry-bytes",
        type=click.IntRange(min=1024),
        default=Limits().max_raw,
        show_default=True,
        help="Raw text kept per entry; the rest is counted, not stored.",
    )(f)
    f = click.option(
        "--max-frames",
        type=click.IntRange(min=1),
        default=Limits().max_frames,
        show_default=True,
        help="Backtrace frames kept per entry.",
    )(f)
    return f


def _options(dialect: str, max_entry_bytes: int, max_frames: int) -> ReadOptions:
    return ReadOptions(
        dialect=None if dialect == "auto" else Dialect(dialect),
        limits=Limits(max_raw=max_entry_bytes, max_frames=max_frames),
    )


def _jobs(value: str) -> int:
    if value == "auto":
        return default_jobs()
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise click.BadParameter(f"{value!r} is not a positive number or 'auto'", param_hint="'--jobs'")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="logdoctor")
def main() -> None:
    """Turn GLPI and PHP logs into answers.

    \b
    Examples:
      logdoctor scan /var/www/glpi/files/_log
      logdoctor parse php-errors.log --format table
    """


@main.command()
@click.argument("paths", nargs=-1, required=True)
@_read_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(ENTRY_FORMATS)),
    default="jsonl",
    show_default=True,
    help="jsonl: one JSON object per entry; table: for reading.",
)
@click.option("--raw", is_flag=True, help="Add each entry's raw text to the JSON.")
@click.option("--width", type=click.IntRange(min=40), help="Table width (default: terminal).")
def parse(
    paths: tuple[str, ...],
    dialect: str,
    max_entry_bytes: int,
    max_frames: int,
    fmt: str,
    raw: bool,
    width: int | None,
) -> None:
    """Read logs into structured entries (one per record, with its backtrace).

    PATHS are files, folders (every *.log and its rotations), globs, or - for stdin;
    .gz files are read transparently.

    \b
    Examples:
      logdoctor parse files/_log/php-errors.log
      logdoctor parse files/_log --format table
      docker compose logs glpi | logdoctor parse - --format jsonl
    """
    errors = _Errors()
    reporter = ENTRY_FORMATS[fmt](sys.stdout, raw=raw, width=width)
    reporter.start()
    options = _options(dialect, max_entry_bytes, max_frames)
    for entry in iter_entries(paths, options=options, on_error=errors):
        reporter.entry(entry)
    reporter.end()
    sys.exit(EXIT_INPUT if errors.count else EXIT_OK)


@main.command("scan")
@click.argument("paths", nargs=-1, required=True)
@_read_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*sorted(SCAN_FORMATS), "jsonl"]),
    default="text",
    show_default=True,
    help="text for reading, json for scripts, jsonl: one object per finding (streams).",
)
@click.option(
    "--jobs",
    "-j",
    default="auto",
    show_default=True,
    metavar="N|auto",
    help="Worker processes for big files (auto: one per CPU).",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many of the most frequent messages to list.",
)
@click.option("--width", type=click.IntRange(min=40), help="Output width (default: terminal).")
@rule_options
def scan_cmd(
    paths: tuple[str, ...],
    dialect: str,
    max_entry_bytes: int,
    max_frames: int,
    fmt: str,
    jobs: str,
    top: int,
    width: int | None,
    rule_paths: tuple[str, ...],
    no_builtin_rules: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
) -> None:
    """Read whole logs and report the known problems in them.

    Per file: entries by dialect and level, time span; the problems the rules
    explain, by count; the most frequent messages. Exit code 2 if an input or a
    rule file could not be read.

    \b
    Examples:
      logdoctor scan sample_logs/
      logdoctor scan /var/www/glpi/files/_log --format json
      logdoctor scan php-errors.log --format jsonl --select 'glpi.mail.*'
    """
    errors = _Errors()
    options = _options(dialect, max_entry_bytes, max_frames)
    rules = load_rules(rule_paths, no_builtin_rules, select, ignore)
    if fmt == "jsonl":
        encode = FindingJson()
        for finding in findings(paths, options=options, on_error=errors, rules=rules.rules):
            sys.stdout.write(encode(finding) + "\n")
    else:
        stats = scan(paths, options=options, on_error=errors, jobs=_jobs(jobs), rules=rules.rules)
        stats.errors = errors.lines
        render_scan(stats, sys.stdout, fmt=fmt, top=top, width=width)
    sys.exit(EXIT_INPUT if errors.count or rules.problems else EXIT_OK)


main.add_command(rules_group)
main.add_command(explain)
