"""What the incident report costs: `scan` with the built-in rules, with and without it.

Usage: python bench/scan_driver.py FILE [--jobs N] [--rules-issue | --counts-only]
                                   [--one-process]

Runs `logdoctor.app.scan` in-process with the built-in rules, as `logdoctor scan`
does. By default it then builds the report document and writes it as JSON to
/dev/null (what `scan --format json` does).

Without the report (the grouping into incidents is switched off, no report is
built), entries are still parsed, matched and counted per file, and:

* --rules-issue: the scan of the rules issue, before incidents existed. Each
  distinct body of a block is matched, and its entries are counted per rule and
  under their message (label and first line), whose most frequent 10,000 to 20,000
  are kept: what `ScanStats.add_tally` counted then (logdoctor/stats.py at 05a49bb^,
  the last commit before the report, reproduced here on the current parser and
  matcher). The report replaced these counts: this is the scan it adds to.
* --counts-only: matching alone, without those counts either (a lower baseline: what
  the report costs beyond matching).

With --one-process the file is read in this process, not cut into ranges for a
worker, so that `valgrind --tool=callgrind` counts every instruction (the figure that
does not drift with this VM's speed). Prints one JSON line: {"entries", "incidents",
"unexplained_groups", "findings", "messages"} (with --rules-issue in one process:
entries counted per rule, and distinct messages kept; else 0).
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from typing import cast

from logdoctor import parallel, stats
from logdoctor.app import ReadOptions, bulk_reading, finish, scan
from logdoctor.incidents import Group, Grouping, Hits, HitsOf
from logdoctor.match import Hit, Matcher
from logdoctor.model import Body, Dialect, Entry, Level
from logdoctor.report import build
from logdoctor.report.ci import render_json
from logdoctor.ruleset import load
from logdoctor.ruleset.cache import cache_dir


def _match_only(
    self: Grouping,
    path: str,
    bodies: list[Body],
    stamps: list[str],
    lines: list[int],
    hits_of: HitsOf,
    counts: Counter[Body] | None = None,
) -> None:
    for body in counts if counts is not None else set(bodies):
        hits_of(body)


# --rules-issue: the counts of logdoctor/stats.py at 05a49bb^ (ScanStats.add_tally's
# per-body loop, _count_body's message key and _trim), one set per process.
TOP_KEEP = 20_000  # distinct messages tracked; beyond, the rarest half is forgotten
KEYS_KEEP = 4096  # bodies whose message key is remembered


class RulesIssueCounts:
    """Entries per rule and per message, as the rules issue's scan counted them."""

    def __init__(self) -> None:
        self.findings: Counter[str] = Counter()
        self.messages: Counter[tuple[str, str]] = Counter()
        self.keys: dict[Body, tuple[str, str] | None] = {}

    def message_key(self, body: Body) -> tuple[str, str] | None:
        key = None
        if body.level >= Level.NOTICE or body.dialect is Dialect.GLPI_FILE:
            label = body.exception or body.kind or body.level.label
            key = (label, body.message.partition("\n")[0][:200])
        if len(self.keys) >= KEYS_KEEP:
            self.keys.clear()
        self.keys[body] = key
        return key


RULES_ISSUE = RulesIssueCounts()


def _rules_issue_counts(
    self: Grouping,
    path: str,
    bodies: list[Body],
    stamps: list[str],
    lines: list[int],
    hits_of: HitsOf,
    counts: Counter[Body] | None = None,
) -> None:
    mine = RULES_ISSUE
    findings, messages, keys = mine.findings, mine.messages, mine.keys
    for body, n in (counts if counts is not None else Counter(bodies)).items():
        for compiled, _ in hits_of(body):  # the matcher's own hits (see _direct_hits)
            findings[compiled.rule.id] += n  # type: ignore[attr-defined]
        key = keys[body] if body in keys else mine.message_key(body)
        if key is not None:
            messages[key] += n
    if len(messages) > TOP_KEEP:
        mine.messages = Counter(dict(messages.most_common(TOP_KEEP // 2)))


def _rules_issue_entry(
    self: Grouping, path: str, body: Body, stamp: str, line: int, hits: Hits
) -> list[Group]:
    """One entry of the per-entry path (the last of a file), as ScanStats.add counted it."""
    for rule, _ in hits:
        RULES_ISSUE.findings[rule.id] += 1
    keys = RULES_ISSUE.keys
    key = keys[body] if body in keys else RULES_ISSUE.message_key(body)
    if key is not None:
        RULES_ISSUE.messages[key] += 1
    return []


def _direct_hits(matcher: Matcher, path: str) -> HitsOf:
    """The matcher's hits of a body as the rules issue's scan asked for them (the
    grouping's hits_of also makes (rule, captures) pairs)."""

    def hits_of(body: Body) -> list[Hit]:
        return matcher.body_hits(Entry(path, 0, 0, None, None, "", body))

    return cast("HitsOf", hits_of)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--jobs", type=int, default=1)
    without = parser.add_mutually_exclusive_group()
    without.add_argument("--rules-issue", action="store_true")
    without.add_argument("--counts-only", action="store_true")
    parser.add_argument("--one-process", action="store_true")
    args = parser.parse_args()
    if args.one_process:
        parallel.MIN_SPLIT = parallel.MIN_SPLIT_RULES = 1 << 62  # read in-process
    if args.counts_only or args.rules_issue:
        # No grouping, but every distinct body of a block still matched, as before
        # incidents existed (the grouping asks only for record texts it has not seen).
        Grouping.add_block = _match_only  # type: ignore[method-assign]
        Grouping.add_entry = lambda self, *a, **k: []  # type: ignore[method-assign]
    if args.rules_issue:
        Grouping.add_block = _rules_issue_counts  # type: ignore[method-assign]
        Grouping.add_entry = _rules_issue_entry  # type: ignore[method-assign]
        stats._hits_of = _direct_hits
    rules = load([], builtin=True, cache=cache_dir()).rules  # as the CLI loads them
    bulk_reading()  # as `logdoctor scan` does once its rules are loaded
    errors: list[object] = []
    found = scan(
        [args.file], options=ReadOptions(), on_error=errors.append, jobs=args.jobs, rules=rules
    )
    incidents = groups = 0
    if not (args.counts_only or args.rules_issue):
        doc = build(found)
        with open(os.devnull, "w") as sink:
            render_json(doc, sink)  # as `scan --format json` writes it
        incidents, groups = doc["summary"]["incidents"], doc["summary"]["unexplained_groups"]
    print(json.dumps({"entries": found.entries, "incidents": incidents,
                      "unexplained_groups": groups,
                      "findings": sum(RULES_ISSUE.findings.values()),
                      "messages": len(RULES_ISSUE.messages)}))  # fmt: skip
    return 1 if errors else 0


if __name__ == "__main__":
    finish(main())  # as the CLI ends: output flushed, no interpreter teardown
