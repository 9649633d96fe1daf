"""The wheel carries everything logdoctor needs, and installs into a fresh venv."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

WARN = "[18-Jan-2024 16:20:04 UTC] PHP Warning:  x in /a.php on line 3\n"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (whl,) = out.glob("logdoctor-*.whl")
    return whl


def test_wheel_contains_package_and_builtin_rules(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "logdoctor/cli.py" in names
    assert "logdoctor/py.typed" in names
    assert "logdoctor/_rules/glpi/mail.yaml" in names
    assert not any(n.startswith(("tests/", "sample_logs/", "bench/")) for n in names)
    meta = next(n for n in names if n.endswith("METADATA"))
    requires = sorted(
        line.split()[1].split(">")[0].split("=")[0].lower()
        for line in zipfile.ZipFile(wheel).read(meta).decode().splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    )
    assert requires == ["click", "pyyaml", "regex", "rich", "watchdog"]


def test_wheel_installs_and_runs_from_any_directory(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    pip = env_dir / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", str(wheel)], check=True, capture_output=True)
    exe = env_dir / "bin" / "logdoctor"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "php_errors.log").write_text(WARN)
    version = subprocess.run([str(exe), "--version"], cwd=elsewhere, capture_output=True, text=True)
    assert version.returncode == 0 and "logdoctor, version" in version.stdout
    scan = subprocess.run(
        [str(exe), "scan", "--format", "json", "php_errors.log"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert (scan.returncode, scan.stderr) == (0, "")
    assert '"entries": 1' in scan.stdout
    listed = subprocess.run(
        [str(exe), "rules", "list", "--format", "json"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert (listed.returncode, listed.stderr) == (0, "")
    sources = {rule["source"].split("/")[0] for rule in json.loads(listed.stdout)}
    assert len(json.loads(listed.stdout)) >= 80
    assert sources == {"rules"}  # shown as rules/<area>/<topic>.yaml, read from the wheel
    module = subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "logdoctor", "--version"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert module.returncode == 0
