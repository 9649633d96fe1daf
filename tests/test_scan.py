"""scan: counting by blocks gives the report of entry by entry, in one process or several."""

from __future__ import annotations

import functools
import gzip
import itertools
from pathlib import Path
from typing import Any

import pytest

from logdoctor import app, parallel
from logdoctor.app import ReadOptions, _matcher, iter_entries, scan
from logdoctor.errors import InputError
from logdoctor.incidents import Grouping, Selection
from logdoctor.match import CompiledRule
from logdoctor.report import build
from logdoctor.ruleset import load
from logdoctor.sources import read_blocks
from logdoctor.stats import ScanStats
from tests.conftest import SAMPLES

RULES: list[CompiledRule] = load([], builtin=True).rules
ALL = Selection()


def _by_entries(paths: list[str], selection: Selection = ALL) -> dict[str, Any]:
    stats = ScanStats(groups=Grouping(selection))
    matcher = _matcher(RULES)
    for entry in iter_entries(paths, options=ReadOptions(), on_error=pytest.fail):
        stats.add(entry, matcher)
    return build(stats, top=1000)


def _by_scan(paths: list[str], jobs: int, selection: Selection = ALL) -> dict[str, Any]:
    errors: list[InputError] = []
    stats = scan(
        paths, options=ReadOptions(), on_error=errors.append, jobs=jobs, rules=RULES,
        selection=selection,
    )  # fmt: skip
    assert errors == []
    return build(stats, top=1000)


def test_scan_report_equals_entry_by_entry_report_on_every_sample() -> None:
    paths = [str(SAMPLES)]
    report = _by_scan(paths, jobs=1)
    assert report == _by_entries(paths)
    assert report["summary"]["incidents"] >= 50
    assert report["summary"]["unexplained_groups"] >= 5


def test_the_report_does_not_depend_on_the_order_of_the_inputs() -> None:
    files = sorted(str(p) for p in SAMPLES.rglob("*.log*"))
    forward = _by_scan(files, jobs=1)
    assert _by_scan(files[::-1], jobs=1) == forward


def test_a_file_is_cut_from_a_smaller_size_when_rules_are_matched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "php-errors.log"
    big.write_bytes((SAMPLES / "glpi-10/php-errors.log").read_bytes() * 20)
    size = big.stat().st_size
    monkeypatch.setattr(parallel, "MIN_SPLIT", size + 1)
    monkeypatch.setattr(parallel, "MIN_SPLIT_RULES", size)
    assert parallel.plan(parallel.Source(str(big)), None, 2) is None
    assert parallel.plan(parallel.Source(str(big)), None, 1, rules=True) is None
    ranges = parallel.plan(parallel.Source(str(big)), None, 2, rules=True)
    assert ranges is not None and len(ranges) == 2
    monkeypatch.setattr(parallel, "MIN_SPLIT_RULES", size + 1)
    assert parallel.plan(parallel.Source(str(big)), None, 2, rules=True) is None


def test_parallel_scan_equals_sequential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "php-errors.log"
    parts = [
        (SAMPLES / name).read_bytes()
        for name in ("glpi-10/php-errors.log", "php/php_errors.log", "glpi-11/php-errors.log")
    ]
    big.write_bytes(b"".join(parts) * 40)
    monkeypatch.setattr(parallel, "MIN_SPLIT", 1024)
    monkeypatch.setattr(parallel, "MIN_SPLIT_RULES", 1024)
    ranges = parallel.plan(parallel.Source(str(big)), None, 3)
    assert ranges is not None
    assert len(ranges) == 3
    assert ranges[0].start == 0 and ranges[-1].end == big.stat().st_size
    assert all(a.end == b.start for a, b in itertools.pairwise(ranges))
    sequential = _by_scan([str(big)], jobs=1)
    parallel_report = _by_scan([str(big)], jobs=3)
    assert parallel_report == sequential
    assert sequential == _by_entries([str(big)])
    # Line numbers of the later ranges are those of the whole file.
    last = max(sequential["incidents"], key=lambda i: i["last"]["line"])["last"]
    assert last["line"] > big.read_bytes().count(b"\n") * 0.9


@pytest.mark.parametrize("batch", [1, 7, 10**9])
def test_counting_several_blocks_at_once_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    # Small blocks, and their tallies counted one by one, by a few, or all at once.
    big = tmp_path / "php-errors.log"
    big.write_bytes(
        b"".join(
            (SAMPLES / n).read_bytes() for n in ("glpi-10/php-errors.log", "php/php_errors.log")
        )
        * 5
    )
    monkeypatch.setattr(app, "read_blocks", functools.partial(read_blocks, block_size=4096))
    monkeypatch.setattr(app, "TALLY_BATCH", batch)
    report = _by_scan([str(big)], jobs=1)
    assert report == _by_entries([str(big)])
    assert report["summary"]["entries"] > 100


def test_a_time_window_selects_the_same_entries_both_ways() -> None:
    window = Selection(since="2024-01-15 00:00:00", until="2024-01-17 00:00:00")
    paths = [str(SAMPLES)]
    report = _by_scan(paths, jobs=1, selection=window)
    assert report == _by_entries(paths, window)
    seen = [i["first_seen"] for i in report["incidents"]] + [
        i["last_seen"] for i in report["incidents"]
    ]
    assert seen and all("2024-01-15" <= s < "2024-01-17" for s in seen)
    everything = _by_scan(paths, jobs=1)
    assert report["summary"]["explained_entries"] < everything["summary"]["explained_entries"]


def test_a_scan_leaves_no_reference_cycles_behind() -> None:
    # `bulk_reading` lets the collector wait for a million more live objects, on the
    # grounds that a scan frees everything by reference counts: scanning every sample
    # log with the rules and building its report makes no cycle to collect.
    import gc

    rules = load([], builtin=True).rules
    errors: list[object] = []
    run = functools.partial(
        scan, [str(SAMPLES)], options=ReadOptions(), on_error=errors.append, rules=rules
    )
    run()  # every cache warm
    gc.collect()
    gc.disable()
    try:
        stats = run()
        doc = build(stats)
        assert doc["summary"]["incidents"] > 10
        del stats, doc
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize("compressed", [False, True])
def test_progress_moves_as_a_file_is_read(tmp_path: Path, compressed: bool) -> None:
    text = (SAMPLES / "glpi-10" / "php-errors.log").read_bytes()
    body = text * (7_000_000 // len(text) + 1)  # several 2 MiB blocks
    log = tmp_path / ("big.log.gz" if compressed else "big.log")
    log.write_bytes(gzip.compress(body, compresslevel=1) if compressed else body)
    calls: list[tuple[int, int]] = []
    stats = scan(
        [str(log)], options=ReadOptions(), on_error=pytest.fail, jobs=1,
        progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    size = log.stat().st_size
    assert stats.entries > 0
    assert {total for _, total in calls} == {size}
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == size
    # Told while the file is read, not only once it is done.
    assert len([d for d in done if 0 < d < size]) >= (1 if compressed else 3)
