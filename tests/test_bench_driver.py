"""bench/scan_driver.py: its three scans do the work they stand for (the report's speed
target is measured against them, so a baseline that skipped work would flatter it)."""

from __future__ import annotations

import json
import subprocess
import sys

from logdoctor.app import ReadOptions, iter_entries, scan
from logdoctor.model import Dialect, Level
from logdoctor.ruleset import load
from tests.conftest import ROOT, SAMPLES

DRIVER = ROOT / "bench" / "scan_driver.py"


def _driver(*extra: str) -> dict[str, int]:
    proc = subprocess.run(
        [sys.executable, str(DRIVER), str(SAMPLES), "--one-process", *extra],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result: dict[str, int] = json.loads(proc.stdout)
    return result


def test_the_rules_issue_scan_counts_every_finding_the_report_counts() -> None:
    stats = scan(
        [str(SAMPLES)], options=ReadOptions(), on_error=print, jobs=1,
        rules=load([], builtin=True).rules,
    )  # fmt: skip
    explained = sum(g.count for g in stats.groups.incidents.values())
    report, rules_issue, matching = (
        _driver(), _driver("--rules-issue"), _driver("--counts-only")
    )  # fmt: skip
    assert report["entries"] == rules_issue["entries"] == matching["entries"] == stats.entries
    assert report["incidents"] == len(stats.groups.incidents) > 0
    assert report["unexplained_groups"] > 0
    # The rules issue's scan counted each finding once per entry, as incidents do.
    assert rules_issue["findings"] == explained > 0
    assert rules_issue["incidents"] == matching["incidents"] == 0
    assert matching["findings"] == matching["messages"] == 0
    # ... and each distinct message (label and first line) of notice and above.
    messages = {
        (e.body.exception or e.body.kind or e.body.level.label, e.body.message.split("\n")[0][:200])
        for e in iter_entries([str(SAMPLES)], options=ReadOptions(), on_error=print)
        if e.body.level >= Level.NOTICE or e.body.dialect is Dialect.GLPI_FILE
    }
    assert rules_issue["messages"] == len(messages) > 0
