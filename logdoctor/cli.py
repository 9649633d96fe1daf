"""The `logdoctor` command: a group whose commands are imported when they are used.

Each command lives in its own module (cli_scan, cli_watch, cli_rules, cli_probe);
importing them all costs about a quarter of a second, which a cron job running
`probe imap` every minute, or `--version`, should not pay (bench/probe_bench.py).
"""

from __future__ import annotations

import errno
import importlib
import sys
from typing import Any

import click

from logdoctor import __version__

COMMANDS = {
    "explain": "logdoctor.cli_rules:explain",
    "parse": "logdoctor.cli_scan:parse",
    "probe": "logdoctor.cli_probe:probe_group",
    "rules": "logdoctor.cli_rules:rules_group",
    "scan": "logdoctor.cli_scan:scan_cmd",
    "watch": "logdoctor.cli_watch:watch_cmd",
}


class _LazyGroup(click.Group):
    """Commands named in COMMANDS, imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, name = target.partition(":")
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; output that cannot be written (a full disk) ends with one
        line and exit code 2, not a traceback (click itself handles a closed pipe)."""
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.errno not in _WRITE_ERRORS:
                raise
            click.echo(f"logdoctor: cannot write the output: {exc.strerror}", err=True)
            sys.exit(2)


_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="logdoctor")
def main() -> None:
    """Turn GLPI and PHP logs into answers.

    \b
    Examples:
      logdoctor scan /var/www/glpi/files/_log
      logdoctor parse php-errors.log --format table
      logdoctor probe imap --host outlook.office365.com --user support@example.org ...
    """
