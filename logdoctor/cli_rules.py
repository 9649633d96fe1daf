"""`logdoctor rules …` and `logdoctor explain`, and the options and helpers the
log-reading commands share (rule selection, --min-level, --width, the GLPI log folder).

Options are parsed here and the work is done by ruleset/, match.py and parse/.
Exit codes: 0 fine, 1 a rule example failed (`rules test`) or lint found something,
2 a rule file could not be read or has problems.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from typing import TypeVar

import click

from logdoctor import config, literals
from logdoctor.app import ReadOptions, iter_entries
from logdoctor.cli_options import rule_options
from logdoctor.errors import InputError
from logdoctor.match import Matcher
from logdoctor.model import Entry, Level
from logdoctor.parse import parse_text
from logdoctor.report.safe import inert
from logdoctor.report.serialize import finding_texts
from logdoctor.ruleset import RuleSet, load
from logdoctor.ruleset.cache import cache_dir
from logdoctor.ruleset.selftest import run as run_examples
from logdoctor.sources import glpi_log_dir

F = TypeVar("F", bound=Callable[..., object])


def level_option(f: F) -> F:
    """--min-level, for the commands that read logs (scan, watch)."""
    return click.option(
        "--min-level",
        type=click.Choice([lvl.label for lvl in Level if lvl is not Level.UNKNOWN]),
        help="Only entries at or above this level.",
    )(f)


class NoLogFolder(click.ClickException):
    """No PATH and no GLPI log folder: one line on stderr, exit code 2."""

    exit_code = 2

    def show(self, file: object = None) -> None:
        click.echo(f"logdoctor: {inert(self.message, keep_newlines=False)}", err=True)


def glpi_logs() -> str:
    """The GLPI log folder, said on stderr; exit 2 with one line when there is none."""
    env = os.environ.get("GLPI_LOG_DIR")
    if env and not os.path.isdir(env):
        raise NoLogFolder(f"GLPI_LOG_DIR={env}: not a folder")
    found, tried = glpi_log_dir()
    if found is None:
        raise NoLogFolder(
            "no PATH given and no GLPI log folder found (looked in "
            + ", ".join(tried)
            + "): give the folder, or set GLPI_LOG_DIR"
        )
    click.echo(f"logdoctor: reading {found}", err=True)
    return found


def load_rules(
    rule_paths: tuple[str, ...],
    no_builtin_rules: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
) -> RuleSet:
    """Load and select rules, with the project's `.logdoctor.yaml` if there is one; print
    every problem on stderr (the valid rules still apply)."""
    cfg = config.load()
    builtin = cfg.builtin_rules and not no_builtin_rules
    rules = load([*cfg.rules, *rule_paths], builtin=builtin, cache=cache_dir())
    rules = rules.select([*cfg.select, *select], [*cfg.ignore, *ignore])
    rules.problems[:0] = cfg.problems
    for problem in rules.problems:
        click.echo(inert(str(problem), keep_newlines=False), err=True)
    return rules


@click.group("rules")
def rules_group() -> None:
    """List, show, test, lint and start rules.

    \b
    Examples:
      logdoctor rules list --tag mail
      logdoctor rules show glpi.mail.basic-login-failed
      logdoctor rules test my-rules/
    """


@rules_group.command("list")
@rule_options
@click.option("--tag", multiple=True, help="Only rules with this tag.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules_list(rule_paths: tuple[str, ...], no_builtin_rules: bool, select: tuple[str, ...],
               ignore: tuple[str, ...], tag: tuple[str, ...], fmt: str) -> None:  # fmt: skip
    """List the rules: id, severity, title.

    \b
    Example:
      logdoctor rules list --tag oauth --format json
    """
    rules = load_rules(rule_paths, no_builtin_rules, select, ignore)
    chosen = [c.rule for c in rules.rules if not tag or set(tag) & set(c.rule.tags)]
    if fmt == "json":
        items = [
            {"id": r.id, "title": r.title, "severity": r.severity.label, "tags": list(r.tags),
             "source": r.source}
            for r in chosen
        ]  # fmt: skip
        click.echo(json.dumps(items, indent=2))
    else:
        for r in chosen:
            click.echo(f"{r.id:<48} {r.severity.label:<8} {r.title}")
    sys.exit(2 if rules.problems else 0)


@rules_group.command("show")
@click.argument("rule_id")
@rule_options
def rules_show(rule_id: str, rule_paths: tuple[str, ...], no_builtin_rules: bool,
               select: tuple[str, ...], ignore: tuple[str, ...]) -> None:  # fmt: skip
    """Show one rule: explanation, fix, docs, examples.

    \b
    Example:
      logdoctor rules show glpi.mail.basic-login-failed
    """
    rules = load_rules(rule_paths, no_builtin_rules, select, ignore)
    found = next((c.rule for c in rules.rules if c.rule.id == rule_id), None)
    if found is None:
        click.echo(f"no rule {rule_id!r} (try `logdoctor rules list`)", err=True)
        sys.exit(2)
    lines = [f"{found.id}  [{found.severity.label}]  {found.title}", f"  defined at {found.source}"]
    lines += ["", "Why", f"  {found.explain}", "", "Fix"]
    lines += [f"  {i}. {step}" for i, step in enumerate(found.fix, 1)]
    if found.docs:
        lines += ["", "Docs", *(f"  {d}" for d in found.docs)]
    for ex in found.examples:
        lines += ["", f"Example ({'match' if ex.expect_match else 'no match'}, {ex.source})"]
        lines += [f"  {line}" for line in ex.text.rstrip("\n").split("\n")]
    click.echo(inert("\n".join(lines)))


@rules_group.command("test")
@click.argument("paths", nargs=-1)
def rules_test(paths: tuple[str, ...]) -> None:
    """Run every example of every rule (the built-in ones when no PATH is given).

    \b
    Examples:
      logdoctor rules test
      logdoctor rules test my-rules/ other.yaml
    """
    rules = load_rules(paths, bool(paths), (), ())
    failures, _ = run_examples(rules.rules)
    for line in failures:
        click.echo(inert(line, keep_newlines=False))
    total = sum(len(c.rule.examples) for c in rules.rules)
    click.echo(f"{len(rules.rules)} rules, {total} examples, {len(failures)} failed", err=True)
    sys.exit(2 if rules.problems else 1 if failures else 0)


@rules_group.command("lint")
@click.argument("paths", nargs=-1)
def rules_lint(paths: tuple[str, ...]) -> None:
    """Check rules: the schema, and quality (examples, literals, overlaps).

    \b
    Example:
      logdoctor rules lint my-rules/
    """
    rules = load_rules(paths, bool(paths), (), ())
    failures, overlaps = run_examples(rules.rules)
    notes = list(failures) + overlaps
    for c in rules.rules:
        r = c.rule
        kinds = {e.expect_match for e in r.examples}
        if True not in kinds:
            notes.append(f"{r.source}: {r.id}: no 'match' example")
        if False not in kinds:
            notes.append(f"{r.source}: {r.id}: no 'no_match' example")
        reason = literals.unreachable(c.pred)
        if reason:
            notes.append(f"{r.source}: {r.id}: unreachable: {reason}")
        if not c.keywords:
            notes.append(
                f"{r.source}: {r.id}: no usable literal (give keywords): its regexes run on "
                "every entry"
            )
    for line in notes:
        click.echo(inert(line, keep_newlines=False))
    sys.exit(2 if rules.problems else 1 if notes else 0)


_SKELETON = """rules:
  - id: {id}
    title: TODO one line saying what is wrong
    severity: error
    match:
      message: '{regex}'
    keywords: [{keyword}]
    explain: >-
      TODO why this happens.
    fix:
      - TODO the first thing to do (a command, or a GLPI menu path such as Setup > General).
    docs:
      - https://TODO
    tags: []
    examples:
      match:
        - |
{example}
      no_match:
        - |
          TODO an entry this rule must not match
"""


@rules_group.command("new")
@click.argument("rule_id")
@click.option("--from", "source", metavar="PATH:LINE", help="Build it from a real entry.")
def rules_new(rule_id: str, source: str | None) -> None:
    """Print a rule skeleton (YAML) to fill in.

    \b
    Examples:
      logdoctor rules new local.mail.my-problem > rules-local/local/mail.yaml
      logdoctor rules new local.php.warning --from files/_log/php-errors.log:120
    """
    text = "TODO a log entry this rule must match"
    message = "TODO a regex"
    if source:
        path, _, line = source.rpartition(":")
        if not path or not line.isdigit():
            raise click.BadParameter("expected PATH:LINE", param_hint="'--from'")
        entry = _entry_at(path, int(line))
        first = entry.message.split("\n")[0]
        text, message = entry.raw.rstrip("\n"), re.escape(first).replace("\\ ", " ")
        keyword = json.dumps(re.split(r"[$()\[\]{}*+?.^|\\]", first, maxsplit=1)[0].strip()[:40])
    else:
        keyword = '"TODO"'
    example = "\n".join(f"          {line}" for line in text.split("\n"))
    click.echo(_SKELETON.format(id=rule_id, regex=message.replace("'", "''"), keyword=keyword,
                                example=example), nl=False)  # fmt: skip


def _entry_at(path: str, line: int) -> Entry:
    def fail(error: InputError) -> None:
        raise click.BadParameter(str(error), param_hint="'--from'")

    for entry in iter_entries([path], options=ReadOptions(), on_error=fail):
        if entry.line <= line <= entry.end_line:
            return entry
    raise click.BadParameter(f"{path}:{line}: no entry there", param_hint="'--from'")


@click.command("explain")
@click.argument("text", required=False)
@rule_options
def explain(text: str | None, rule_paths: tuple[str, ...], no_builtin_rules: bool,
            select: tuple[str, ...], ignore: tuple[str, ...]) -> None:  # fmt: skip
    """Explain one pasted entry, or just a message (TEXT, or - / nothing for stdin).

    \b
    Examples:
      logdoctor explain 'cannot login, user or password wrong'
      pbpaste | logdoctor explain -
    """
    if text is None or text == "-":
        text = sys.stdin.read()
    rules = load_rules(rule_paths, no_builtin_rules, select, ignore)
    matcher = Matcher(rules.rules, on_timeout=lambda m: click.echo(m, err=True))
    entries = list(parse_text(text, path="<explain>"))
    findings = [f for e in entries for f in matcher.findings(e)]
    if not findings:
        # A bare message is no log entry: try it as the message of one.
        entries = list(parse_text(f"[2000-01-01 00:00:00] glpiphplog.ERROR:   *** X: {text}"))
        findings = [f for e in entries for f in matcher.findings(e)]
    if not findings:
        click.echo(
            "No rule explains this. To start one from a log entry:\n"
            "  logdoctor rules new local.area.name --from PATH:LINE"
        )
        sys.exit(2 if rules.problems else 1)
    out = []
    for f in findings:
        _, explanation, fix = finding_texts(f)  # (secrets in the text redacted)
        out += [f"{f.rule.title}  [{f.rule.severity.label}]  ({f.rule.id})", "", "Why",
                f"  {explanation}", "", "Fix"]  # fmt: skip
        out += [f"  {i}. {step}" for i, step in enumerate(fix, 1)]
        if f.rule.docs:
            out += ["", "Docs", *(f"  {d}" for d in f.rule.docs)]
        out.append("")
    click.echo(inert("\n".join(out)))
    sys.exit(2 if rules.problems else 0)
