"""`logdoctor watch`: follow live logs and explain each new problem once.

Options are parsed here; watch.py follows the files, match.py explains entries,
report/live.py shows them. Ctrl-C or SIGTERM stops cleanly: the run's summary,
exit 0.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

import click

from logdoctor.cli_options import rule_options, width_option
from logdoctor.cli_rules import glpi_logs, level_option, load_rules
from logdoctor.incidents import Grouping, Selection
from logdoctor.match import Matcher
from logdoctor.model import Entry, Level
from logdoctor.parse import Limits
from logdoctor.report.live import JsonlLive, TerminalLive
from logdoctor.report.safe import inert
from logdoctor.stats import ScanStats
from logdoctor.watch import FollowOptions, follow


@click.command("watch")
@click.argument("paths", nargs=-1)
@click.option("--from-start", is_flag=True, help="Read what the files already hold first.")
@click.option(
    "--lines",
    "-n",
    type=click.IntRange(min=0),
    default=0,
    help="Replay the last N entries of each file first.",
)
@click.option("--poll", is_flag=True, help="Poll instead of inotify (NFS, some bind mounts).")
@click.option(
    "--idle-flush",
    type=click.FloatRange(min=0.01),
    default=0.5,
    show_default=True,
    help="Seconds without new data after which an open entry is complete.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "jsonl"]),
    default="terminal",
    show_default=True,
    help="terminal: explained once, then counted; jsonl: one object per finding, flushed.",
)
@click.option("--all", "show_all", is_flag=True, help="Also show entries no rule explains.")
@level_option
@width_option
@rule_options
def watch_cmd(
    paths: tuple[str, ...],
    from_start: bool,
    lines: int,
    poll: bool,
    idle_flush: float,
    fmt: str,
    show_all: bool,
    min_level: str | None,
    width: int | None,
    rule_paths: tuple[str, ...],
    no_builtin_rules: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
) -> None:
    """Follow live logs and explain each new problem the moment it is written.

    PATHS are files and folders (their *.log files, and new ones as they appear);
    without PATHS, the GLPI log folder, found as `scan` finds it. Files are followed
    from their end; rotation (rename, copytruncate, delete and recreate) and
    truncation lose nothing and repeat nothing. The first entry of a problem is
    explained in full; its repeats only move a counter.

    \b
    Examples:
      logdoctor watch
      logdoctor watch /var/www/glpi/files/_log --lines 20
      logdoctor watch php-errors.log --format jsonl --select 'tag:mail' | my-shipper
    """
    if not paths:
        paths = (glpi_logs(),)
    rules = load_rules(rule_paths, no_builtin_rules, select, ignore)
    matcher = Matcher(rules.rules, on_timeout=lambda m: click.echo(inert(m), err=True))
    selection = Selection(Level[min_level.upper()] if min_level else Level.UNKNOWN)
    stats = ScanStats(groups=Grouping(selection))
    files = sum(1 for p in paths if not os.path.isdir(p)) + sum(
        len([n for n in os.listdir(p) if n.endswith(".log")]) for p in paths if os.path.isdir(p)
    )
    reporter = (
        JsonlLive(sys.stdout, show_all=show_all, err=sys.stderr)
        if fmt == "jsonl"
        else TerminalLive(sys.stdout, width=width, show_all=show_all, files=files)
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def warn(message: str) -> None:
        click.echo(inert(message, keep_newlines=False), err=True)

    options = FollowOptions(
        from_start=from_start, lines=lines, poll=poll, idle_flush=idle_flush, limits=Limits()
    )

    def handle(entries: list[Entry]) -> None:
        for entry in entries:
            if min_level and entry.level < selection.min_level:
                continue
            found = matcher.findings(entry)
            groups = stats.add_found(entry, [(f.rule, f.captures) for f in found])
            reporter.entry(entry, found, groups)

    try:
        for i, batch in enumerate(
            follow(paths, stop=stop, options=options, warn=warn, sink=handle)
        ):
            if i == 0:  # every file is open: from now on nothing written is missed
                click.echo(
                    f"logdoctor: watching {files} files in {', '.join(paths)} (Ctrl-C to stop)",
                    err=True,
                )
            handle(batch)
            reporter.tick(stats)
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away: nothing more to say
        sys.exit(0)
    reporter.end(stats)
    sys.exit(2 if rules.problems else 0)
