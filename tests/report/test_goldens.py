"""Every scan format over sample_logs/, compared with its golden file.

The goldens are the project's own CI check: the incidents the bundled sample logs
must give, in every format. After a deliberate change, rewrite them with
`python -m pytest tests/report/test_goldens.py --update-goldens` and review the diff.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from logdoctor.report import REPORT_FORMATS, STREAM_FORMATS
from logdoctor.report.document import REPORT_FORMAT_VERSION
from tests.conftest import ROOT, run_cli

GOLDEN = ROOT / "tests" / "golden"
FORMATS = sorted([*REPORT_FORMATS, *STREAM_FORMATS])
# Fixed so that the output does not depend on the machine: zone, width, colour.
ENV = {"TZ": "UTC", "NO_COLOR": "1", "COLUMNS": "100", "GITHUB_ACTIONS": "", "CI": ""}
NAME = {"terminal": "terminal.txt", "parsable": "parsable.txt", "github": "github.txt",
        "junit": "junit.xml"}  # fmt: skip


def golden(fmt: str) -> Path:
    return GOLDEN / f"sample_logs.{NAME.get(fmt, fmt)}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_matches_its_golden(fmt: str, update_goldens: bool) -> None:
    code, out, err = run_cli(
        "scan", "sample_logs", "--format", fmt, "--width", "100", "--jobs", "1", env=ENV
    )
    assert err == ""
    assert code == 1  # the samples hold error and critical incidents: the CI check fails
    if update_goldens:
        golden(fmt).write_text(out, encoding="utf-8")
    assert out == golden(fmt).read_text(encoding="utf-8")


def test_every_registered_format_has_a_golden() -> None:
    names = {p.name for p in GOLDEN.glob("sample_logs.*")}
    assert {golden(fmt).name for fmt in FORMATS} <= names
    extra = {"sample_logs.baseline.json", "sample_logs.report.png"}  # the README screenshot
    assert names - {golden(fmt).name for fmt in FORMATS} <= extra


def test_expected_incidents_of_the_samples() -> None:
    """The committed baseline lists every incident of the samples: a scan against it
    has nothing new, so it passes, and the incidents it names are those the samples
    must give (a rule that stops matching, or starts, shows here)."""
    baseline = GOLDEN / "sample_logs.baseline.json"
    code, out, err = run_cli(
        "scan", "sample_logs", "--format", "json", "--baseline", str(baseline), env=ENV
    )
    assert (code, err) == (0, "")
    doc = json.loads(out)
    expected = {i["id"] for i in json.loads(baseline.read_text())["incidents"]}
    assert {i["id"] for i in doc["incidents"]} == expected
    assert doc["summary"]["new_incidents"] == 0
    assert {"glpi.oauthimap.login-rejected", "glpi.mail.basic-login-failed"} <= expected


# Members whose names are data (paths, levels, hours, capture names), not the schema.
DATA_MAPS = {"dialects", "levels", "by_severity", "files", "hourly", "captures"}


def _members(value: object, parent: str = "") -> set[str]:
    """The member names of a JSON value, at every depth, except data maps' keys."""
    if isinstance(value, list):
        return set().union(*(_members(v) for v in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    names = set() if parent in DATA_MAPS else set(value)
    for k, v in value.items():
        names |= _members(v, k)
    return names


def test_the_readme_documents_every_member_of_the_json_report() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### `scan --format json`", 1)[1]
    example = section.split("```json", 1)[1].split("```", 1)[0]
    data_names = {"critical", "error", "warning", "info", "glpi-monolog"}  # by_severity, levels
    documented = set(re.findall(r'"([a-z_]+)":', example)) - data_names
    doc = json.loads((GOLDEN / "sample_logs.json").read_text())
    assert doc["format_version"] == REPORT_FORMAT_VERSION
    assert f"`format_version` {REPORT_FORMAT_VERSION}" in section
    assert documented == _members(doc)  # no member undocumented, none documented that is gone
