"""Shared helpers: run the real CLI in a subprocess; parse text in memory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from logdoctor.model import Entry
from logdoctor.parse import parse_text

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_logs"


def pytest_configure(config: pytest.Config) -> None:
    """The CLI runs of the suite keep their compiled rules in a folder of their own, not
    in the user's cache."""
    os.environ.setdefault("LOGDOCTOR_CACHE_DIR", tempfile.mkdtemp(prefix="logdoctor-cache-"))


def run_cli(
    *args: str,
    stdin: bytes | None = None,
    cwd: Path | None = None,
    prefix: Sequence[str] = (),
    env: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    """Run `python -m logdoctor ARGS` for real; return (exit code, stdout, stderr)."""
    full_env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "logdoctor", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd or ROOT,
        env=full_env,
        timeout=120,
        check=False,
    )
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def entries(text: str) -> list[Entry]:
    """All entries of `text`, checking on the way that grouping lost nothing."""
    out = list(parse_text(text, path="t.log"))
    assert "".join(e.raw for e in out) == text
    return out


def one(text: str) -> Entry:
    """The single entry `text` holds."""
    out = entries(text)
    assert len(out) == 1, [e.raw for e in out]
    return out[0]


@pytest.fixture
def samples() -> Path:
    """The bundled sample logs."""
    return SAMPLES


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite the golden files of tests/golden/ from the current output.",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite golden files."""
    return bool(request.config.getoption("--update-goldens"))
