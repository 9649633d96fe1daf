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
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

ENV = {"TZ": "UTC", "NO_COLOR": "1", "GITHUB_ACTIONS": "", "CI": ""}
SCREENSHOT = ROOT / "tests" / "golden" / "sample_logs.report.png"
# What would make a browser fetch something: these elements, these attributes, and
# url() or @import in a style.
LOADING_TAGS = {"script", "iframe", "frame", "object", "embed", "img", "link", "audio", "video",
                "source", "track", "base", "input", "form"}  # fmt: skip
LOADING_ATTRS = {"src", "srcset", "poster", "data", "background", "action", "formaction"}


class _Fetches(HTMLParser):
    """Everything in a page that would be fetched when it is opened."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        if tag in LOADING_TAGS or (tag == "meta" and any(k == "http-equiv" for k, _ in attrs)):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name in LOADING_ATTRS or (name == "style" and _STYLE_LOAD.search(value or "")):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data: str) -> None:
        found = _STYLE_LOAD.search(data) if self._in_style else None
        if found:
            self.found.append(f"<style> {found.group(0)}")

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


_STYLE_LOAD = re.compile(r"url\(|@import", re.I)


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
    assert "<details open" not in html  # backtraces start collapsed
    # Nothing to fetch: no script, no external resource of any kind (links to the docs
    # are plain anchors, followed only when clicked).
    fetches = _Fetches()
    fetches.feed(report.read_text())
    assert fetches.found == []
    assert '<a href="https://' in html
    shot = tmp_path / "shot.png"
    result = _browser(tmp_path, "--window-size=1100,1400", f"--screenshot={shot}", report.as_uri())
    assert result.returncode == 0
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1100, 1400)
    assert len(png) > 10_000  # a page drawn, not a blank one
    if update_goldens:
        shutil.copyfile(shot, SCREENSHOT)


def test_the_fetch_check_finds_what_a_browser_would_load() -> None:
    fetches = _Fetches()
    fetches.feed(
        '<p>&lt;img src=x&gt; text is fine</p><a href="https://example.org">docs</a>'
        '<img src="x.png"><div style="background: url(x.png)"></div>'
        "<style>@import 'x.css';</style><script>1</script>"
    )
    assert fetches.found == [
        "<img>", "<img src='x.png'>", "<div style='background: url(x.png)'>",
        "<style> @import", "<script>",
    ]  # fmt: skip
