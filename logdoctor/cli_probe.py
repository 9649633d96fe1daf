"""`logdoctor probe imap`: check a mailbox step by step and explain the step that fails.

Options are parsed here and merged over a profile; probe/ runs the steps,
probe/explain.py asks the rules, report/probe.py writes. Every string of output,
errors included, passes through the run's Redactor. Exit 0 when every step
passed (warnings allowed), 1 when one failed, 2 for usage and configuration errors.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click
from rich.console import Console

from logdoctor.cli_options import rule_options, width_option
from logdoctor.errors import LogdoctorError
from logdoctor.model import Finding
from logdoctor.probe.run import prepare, record, run
from logdoctor.probe.secrets import Redactor
from logdoctor.probe.settings import AUTHS, PROVIDERS, ProbeSettings, load_profile, merge
from logdoctor.report.probe import document, write_json, write_terminal
from logdoctor.report.safe import inert

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
SECRET_OPTIONS = ("--password", "--token", "--access-token", "--refresh-token", "--client-secret")


def _refuse_secret(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is not None:
        name = (param.opts or ["--secret"])[0]
        raise click.UsageError(
            f"{name} takes no value on the command line (it would stay in the shell history "
            f"and in ps): use {name}-env NAME or {name}-file PATH"
        )


def _secret_traps(f: Any) -> Any:
    for name in SECRET_OPTIONS:
        f = click.option(name, hidden=True, expose_value=False, callback=_refuse_secret,
                         is_eager=True)(f)  # fmt: skip
    return f


@click.group("probe")
def probe_group() -> None:
    """Check a mailbox from this machine, step by step.

    \b
    Examples:
      logdoctor probe imap --host outlook.office365.com --user support@example.org \\
          --provider entra --tenant example.org --client-id 0f1e… \\
          --client-secret-file /etc/glpi-probe/secret --refresh-token-file /etc/glpi-probe/rt
    """


@probe_group.command("imap")
@click.option("--config", "config_file", metavar="FILE", help="A YAML profile file.")
@click.option("--profile", metavar="NAME", help="The profile to use from --config.")
@click.option("--host", help="IMAP server name or address.")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (993 with --ssl, 143 otherwise).")
@click.option("--ssl", "security", flag_value="ssl", help="Implicit TLS (the default, port 993).")
@click.option("--starttls", "security", flag_value="starttls", help="STARTTLS on port 143.")
@click.option("--plain", "security", flag_value="plain", help="No TLS (needs --allow-plaintext).")
@click.option("--user", help="Mailbox address (the login; XOAUTH2's user=).")
@click.option("--folder", help="Folder to open read-only.  [default: INBOX]")
@click.option("--timeout", type=float, help="Seconds each step may wait.  [default: 15]")
@click.option(
    "--cafile", metavar="PEM", help="Trust these CA certificates instead of the system's."
)
@click.option("--auth", type=click.Choice(AUTHS), help="Mechanism.  [default: xoauth2]")
@click.option("--insecure", is_flag=True, default=None, help="Do not verify the certificate.")
@click.option("--allow-plaintext", is_flag=True, default=None, help="Allow --plain.")
@click.option(
    "--provider", type=click.Choice(PROVIDERS), help="Where refresh tokens are exchanged."
)
@click.option("--tenant", help="Entra tenant ID or domain (for --provider entra).")
@click.option("--token-url", metavar="URL", help="Token endpoint (overrides the provider's).")
@click.option("--client-id", help="OAuth client (application) ID.")
@click.option("--scope", help="Scope asked on refresh (default: the provider's IMAP scope).")
@click.option("--token-env", metavar="NAME", help="Variable holding an access token.")
@click.option("--token-file", metavar="PATH", help="File holding an access token.")
@click.option("--refresh-token-env", metavar="NAME", help="Variable holding a refresh token.")
@click.option("--refresh-token-file", metavar="PATH", help="File holding a refresh token.")
@click.option("--client-secret-env", metavar="NAME", help="Variable holding the client secret.")
@click.option("--client-secret-file", metavar="PATH", help="File holding the client secret.")
@click.option(
    "--password-env", metavar="NAME", help="Variable holding the password (--auth login)."
)
@click.option("--password-file", metavar="PATH", help="File holding the password (--auth login).")
@click.option("--save-refresh-token", is_flag=True, default=None,
              help="Write a rotated refresh token back to --refresh-token-file.")  # fmt: skip
@click.option("--transcript", is_flag=True, help="Add the IMAP and token exchanges (no secrets).")
@click.option("--format", "fmt", type=click.Choice(["terminal", "json"]), default="terminal",
              show_default=True, help="terminal: a checklist; json: one document.")  # fmt: skip
@width_option
@rule_options
@_secret_traps
def imap(config_file: str | None, profile: str | None, transcript: bool, fmt: str,
         width: int | None, rule_paths: tuple[str, ...], no_builtin_rules: bool,
         select: tuple[str, ...], ignore: tuple[str, ...], **given: Any) -> None:  # fmt: skip
    """Check an IMAP mailbox: DNS, TCP, TLS, greeting, token, login, folder.

    Secrets come only from variables and files (--*-env, --*-file). Exit 0 when
    every step passed, 1 when one failed (it is explained), 2 for a usage or
    configuration error.

    \b
    Examples:
      logdoctor probe imap --host imap.gmail.com --user support@example.org \\
          --provider google --client-id 123-abc.apps.googleusercontent.com \\
          --client-secret-env GOOGLE_SECRET --refresh-token-file ~/.glpi-rt --transcript
      logdoctor probe imap --config probes.yaml --profile support --format json
    """
    redactor = Redactor()
    try:
        settings = _settings(config_file, profile, given)
        state = prepare(settings, redactor)
    except LogdoctorError as exc:
        for problem in str(exc).splitlines():
            click.echo(redactor.scrub(inert(problem, keep_newlines=False)), err=True)
        sys.exit(EXIT_USAGE)
    result = run(state)
    failed = result.failed
    line = record(failed, result.started) if failed else None
    found = _explained(line, rule_paths, no_builtin_rules, select, ignore) if line else []
    # Every string of the document is scrubbed before it is laid out (a secret wrapped
    # across two lines of a terminal would escape a scrub of the printed text), and
    # the writers print nothing else.
    doc = _scrubbed(document(result, record=line, found=found, transcript=transcript), redactor)
    if fmt == "json":
        write_json(doc, sys.stdout)
    else:
        tty = sys.stdout.isatty()
        console = Console(file=sys.stdout, width=width or (None if tty else 100),
                          force_terminal=tty, no_color=not tty or "NO_COLOR" in os.environ,
                          highlight=False, soft_wrap=not tty)  # fmt: skip
        write_terminal(doc, console)
    sys.stdout.flush()
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


def _explained(line: str, rule_paths: tuple[str, ...], no_builtin_rules: bool,
               select: tuple[str, ...], ignore: tuple[str, ...]) -> list[Finding]:  # fmt: skip
    """The rules explaining the failed step's record. Loaded only when a step failed (with
    the parser and matcher): a passing probe needs none of them (bench/probe_bench.py)."""
    from logdoctor.cli_rules import load_rules
    from logdoctor.match import Matcher
    from logdoctor.probe import explain

    rules = load_rules(rule_paths, no_builtin_rules, select, ignore)
    matcher = Matcher(rules.rules, on_timeout=lambda m: click.echo(m, err=True))
    return explain.findings(line, matcher)


def _settings(config_file: str | None, profile: str | None, given: dict[str, Any]) -> ProbeSettings:
    if bool(config_file) != bool(profile):
        raise LogdoctorError("--config and --profile go together")
    base = load_profile(config_file, profile) if config_file and profile else ProbeSettings()
    return merge(base, given)


def _scrubbed(value: Any, redactor: Redactor) -> Any:
    if isinstance(value, str):
        return redactor.scrub(value)
    if isinstance(value, list):
        return [_scrubbed(v, redactor) for v in value]
    if isinstance(value, dict):
        return {k: _scrubbed(v, redactor) for k, v in value.items()}
    return value
