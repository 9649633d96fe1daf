"""`logdoctor parse` and `logdoctor scan`: parse options, build objects, call app. No logic.

Exit codes: 0 all inputs read (and, for scan, no incident at or above --fail-on);
1 scan found such incidents; 2 a usage error, or an input or rule file that could
not be read (the others are still read). User errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO, TypeVar

import click
from rich.console import Console

from logdoctor import config
from logdoctor.app import (
    Progress,
    ReadOptions,
    bulk_reading,
    findings,
    finish,
    iter_entries,
    scan,
)
from logdoctor.cli_options import rule_options, width_option
from logdoctor.cli_rules import glpi_logs, level_option, load_rules
from logdoctor.errors import InputError
from logdoctor.incidents import Selection, incident_key, moment
from logdoctor.model import Dialect, Level
from logdoctor.parallel import default_jobs
from logdoctor.parse import DIALECTS, Limits
from logdoctor.report import (
    ENTRY_FORMATS,
    FAIL_ON,
    REPORT_FORMATS,
    STREAM_FORMATS,
    Verdict,
    auto_format,
    build,
)
from logdoctor.report.safe import inert, redact_all
from logdoctor.report.serialize import FindingJson

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_INPUT = 2

F = TypeVar("F", bound=Callable[..., object])


class _Fail(click.ClickException):
    """A user error about a file: one line `path[:line:col]: what`, exit code 2."""

    exit_code = EXIT_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(inert(self.message, keep_newlines=False), err=True)


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


@click.command()
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
    bulk_reading()
    for entry in iter_entries(paths, options=options, on_error=errors):
        reporter.entry(entry)
    reporter.end()
    finish(EXIT_INPUT if errors.count else EXIT_OK)


@click.command("scan")
@click.argument("paths", nargs=-1)
@_read_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", *REPORT_FORMATS, *STREAM_FORMATS]),
    default="auto",
    show_default=True,
    help="auto: github under GitHub Actions, terminal on a terminal, parsable otherwise; "
    "json: the whole report; jsonl: one object per finding (streams); html: one file.",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report here."
)
@click.option("--verbose", "-v", is_flag=True, help="Full backtraces in the terminal report.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default=None,
    help="Exit 1 when an incident is at or above this severity  [default: error, or the "
    "config file's fail-on].",
)
@click.option("--since", metavar="WHEN", help="Only entries at or after: 2024-01-18, 2h, 7d.")
@click.option("--until", metavar="WHEN", help="Only entries before: '2024-01-18 16:00', 30m.")
@level_option
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    help="Fail only on incidents that are not in this baseline file.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    help="Record the incidents found in this file (and exit 0 unless an input failed).",
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
    help="How many unexplained groups to list.",
)
@width_option
@rule_options
def scan_cmd(
    paths: tuple[str, ...],
    dialect: str,
    max_entry_bytes: int,
    max_frames: int,
    fmt: str,
    output: str | None,
    verbose: bool,
    fail_on: str | None,
    since: str | None,
    until: str | None,
    min_level: str | None,
    baseline: str | None,
    write_baseline: str | None,
    jobs: str,
    top: int,
    width: int | None,
    rule_paths: tuple[str, ...],
    no_builtin_rules: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
) -> None:
    """Read whole logs and report the known problems in them, as incidents.

    PATHS are files, folders (every *.log and its rotations), globs, or - for stdin.
    Without PATHS, the GLPI log folder: $GLPI_LOG_DIR, else the usual places
    (/var/www/glpi/files/_log, /usr/share/glpi/files/_log, /var/log/glpi, ...).

    Each incident is one rule explaining entries: how many, first and last seen,
    where, why, how to fix it. Entries no rule explains are grouped too.

    \b
    Exit codes: 0 no incident at or above --fail-on (new ones only, with --baseline),
    1 some, 2 a usage error, an input or a rule file that could not be read.

    \b
    Examples:
      logdoctor scan sample_logs/
      logdoctor scan /var/www/glpi/files/_log --since 7d --format html -o report.html
      logdoctor scan files/_log --fail-on warning --baseline .logdoctor-baseline.json
      logdoctor scan php-errors.log --format jsonl --select 'glpi.mail.*'
    """
    errors = _Errors()
    options = _options(dialect, max_entry_bytes, max_frames)
    selection = Selection(
        Level[min_level.upper()] if min_level else Level.UNKNOWN,
        _moment(since, "--since"),
        _moment(until, "--until"),
    )
    if not paths:
        paths = (glpi_logs(),)
    rules = load_rules(rule_paths, no_builtin_rules, select, ignore)
    bulk_reading()
    known = _read_baseline(baseline) if baseline else None
    verdict = Verdict(fail_on or config.load().fail_on or "error", known)
    with _output(output) as stream:
        if fmt == "jsonl":
            encode = FindingJson()
            found = findings(
                paths, options=options, on_error=errors, rules=rules.rules, selection=selection
            )
            failed = False
            seen: dict[str, dict[str, Any]] = {}  # the incidents of the findings, by id
            for finding in found:
                stream.write(encode(finding) + "\n")
                stream.flush()
                gid, keyed = incident_key(finding.rule, finding.captures)
                item = seen.get(gid)
                if item is None:
                    item = seen[gid] = _baseline_item(gid, finding.rule.id, keyed, 0)
                    failed = failed or verdict.fails_with(finding.rule.severity, gid)
                item["count"] += 1
            if write_baseline:
                _write_baseline(write_baseline, list(seen.values()))
                failed = False
        else:
            with _progress() as progress:
                stats = scan(
                    paths,
                    options=options,
                    on_error=errors,
                    jobs=_jobs(jobs),
                    rules=rules.rules,
                    selection=selection,
                    progress=progress,
                )
            stats.errors = errors.lines
            doc = build(stats, verdict, top)
            chosen = auto_format(stream) if fmt == "auto" else fmt
            REPORT_FORMATS[chosen](doc, stream, width, verbose)
            failed = bool(doc["summary"]["failing"])
            if write_baseline:
                items = [
                    _baseline_item(i["id"], i["rule"]["id"], i["captures"], i["count"])
                    for i in doc["incidents"]
                ]
                _write_baseline(write_baseline, items)
                failed = False
    if errors.count or rules.problems:
        finish(EXIT_INPUT)
    finish(EXIT_FOUND if failed else EXIT_OK)


def _moment(value: str | None, option: str) -> str:
    if not value:
        return ""
    try:
        return moment(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=f"'{option}'") from None


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    try:
        stream = open(path, "w", encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
    except OSError as exc:
        raise _Fail(f"{path}: cannot write the report: {exc.strerror}") from None
    with stream:
        yield stream


@contextlib.contextmanager
def _progress() -> Iterator[Progress | None]:
    """A progress bar on stderr when it is a terminal (never in pipes or CI)."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )
    from rich.progress import Progress as Bar

    columns = (
        TextColumn("scanning"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Bar(*columns, console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task("scan", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield advance


def _read_baseline(path: str) -> set[str]:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        return {str(item["id"]) for item in doc["incidents"]}
    except OSError as exc:
        raise _Fail(f"{path}: cannot read the baseline: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise _Fail(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except (KeyError, TypeError):
        raise _Fail(f"{path}: not a logdoctor baseline (no incidents list)") from None


def _baseline_item(gid: str, rule: str, captures: dict[str, str], count: int) -> dict[str, Any]:
    """One incident of a baseline file (its id keys on the captures; those written are
    redacted, like every output)."""
    return {"id": gid, "rule": rule, "captures": redact_all(captures), "count": count}


def _write_baseline(path: str, incidents: list[dict[str, Any]]) -> None:
    """Write the baseline: each incident's id, rule, key captures and count, by id."""
    items = sorted(incidents, key=lambda i: str(i["id"]))
    try:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"format_version": 1, "incidents": items}, f, indent=2, sort_keys=True)
            f.write("\n")
    except OSError as exc:
        raise _Fail(f"{path}: cannot write the baseline: {exc.strerror}") from None
    click.echo(f"logdoctor: wrote {len(items)} incidents to {path}", err=True)
