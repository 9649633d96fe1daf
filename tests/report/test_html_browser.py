"""The HTML report opened in a real headless browser (Debian's chromium).

`tests/run` installs chromium and sets LOGDOCTOR_REQUIRE_BROWSER=1, so there a
missing browser is a failure; elsewhere the test is skipped with the reason.
`--update-goldens` also rewrites the screenshot the README shows.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

ENV = {"TZ": "UTC", "NO_COLOR": "1", "GITHUB_ACTIONS": "", "CI": ""}
SCREENSHOT = ROOT / "tests" / "golden" / "sample_logs.report.png"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("LOGDOCTOR_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed (tests/run installs it)")
        pytest.skip("chromium is not installed (tests/run installs it)")
    return found


def _browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Flags for a closed network and no desktop session: no background fetches.
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    return subprocess.run(
        [_chromium(), *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_html_report_renders_every_incident_in_a_browser(
    tmp_path: Path, update_goldens: bool
) -> None:
    report = tmp_path / "report.html"
    code, _, err = run_cli(
        "scan", "sample_logs", "--format", "html", "-o", str(report), "--fail-on", "never", env=ENV
    )
    assert (code, err) == (0, "")
    code, out, _ = run_cli("scan", "sample_logs", "--format", "json", env=ENV)
    doc = json.loads(out)
    dom = _browser(tmp_path, "--dump-dom", report.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    # The browser built the page: every incident is a section, with its chart and title.
    assert len(re.findall(r'<section class="incident', html)) == len(doc["incidents"])
    timed = [i for i in doc["incidents"] if i["hourly"]]  # entries with a timestamp
    assert html.count('<svg class="timeline"') == len(timed) >= len(doc["incidents"]) - 1
    for inc in doc["incidents"]:
        assert f'id="{inc["id"]}"' in html
    assert len(re.findall(r'<tr class="unexplained"', html)) == len(doc["unexplained"])
    assert "<details><summary>Backtrace" in html
    assert "<script" not in html  # self-contained and inert: no script at all
    assert "http://" not in report.read_text().split("<style>")[0]  # nothing fetched
    shot = tmp_path / "shot.png"
    result = _browser(tmp_path, "--window-size=1100,1400", f"--screenshot={shot}", report.as_uri())
    assert result.returncode == 0 and shot.stat().st_size > 10_000
    if update_goldens:
        shutil.copyfile(shot, SCREENSHOT)
