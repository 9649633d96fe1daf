"""scan: counting by bodies gives the counts of entry by entry, in one process or several."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from logdoctor import parallel
from logdoctor.app import ReadOptions, iter_entries, scan
from logdoctor.errors import InputError
from logdoctor.report.summary import _as_dict
from logdoctor.stats import ScanStats
from tests.conftest import SAMPLES


def _by_entries(paths: list[str]) -> dict[str, object]:
    stats = ScanStats()
    for entry in iter_entries(paths, options=ReadOptions(), on_error=pytest.fail):
        stats.add(entry)
    return _as_dict(stats, 50)


def _by_scan(paths: list[str], jobs: int) -> dict[str, object]:
    errors: list[InputError] = []
    stats = scan(paths, options=ReadOptions(), on_error=errors.append, jobs=jobs)
    assert errors == []
    return _as_dict(stats, 50)


def test_scan_counts_equal_entry_by_entry_counts_on_every_sample() -> None:
    paths = [str(SAMPLES)]
    assert _by_scan(paths, jobs=1) == _by_entries(paths)


def test_parallel_scan_equals_sequential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "php-errors.log"
    parts = [
        (SAMPLES / name).read_bytes()
        for name in ("glpi-10/php-errors.log", "php/php_errors.log", "glpi-11/php-errors.log")
    ]
    big.write_bytes(b"".join(parts) * 40)
    monkeypatch.setattr(parallel, "MIN_SPLIT", 1024)
    ranges = parallel.plan(parallel.Source(str(big)), None, 3)
    assert ranges is not None
    assert len(ranges) == 3
    assert ranges[0].start == 0 and ranges[-1].end == big.stat().st_size
    assert all(a.end == b.start for a, b in itertools.pairwise(ranges))
    sequential = _by_scan([str(big)], jobs=1)
    assert _by_scan([str(big)], jobs=3) == sequential
    assert sequential == _by_entries([str(big)])
