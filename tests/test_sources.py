"""Inputs: folders, rotations, gzip, stdin, undecodable bytes, and every bad input."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from logdoctor.errors import InputError
from logdoctor.parse import EntryParser
from logdoctor.sources import Source, expand, read_blocks
from tests.conftest import run_cli
from tests.parse.test_grouping import SHAPES

WARN = b"[18-Jan-2024 16:20:04 UTC] PHP Warning:  x in /a.php on line 3\n"


def _entries_of(path: Path, block_size: int) -> list[str]:
    parser = EntryParser(str(path))
    raws: list[str] = []
    for text, at_start in read_blocks(Source(str(path)), block_size=block_size):
        raws += [e.raw for e in parser.feed(text, at_line_start=at_start)]
    return raws + [e.raw for e in parser.flush()]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.sampled_from([s.encode("utf-8", "surrogateescape") for s in SHAPES]),
            st.binary(max_size=60),
        ),
        min_size=1,
        max_size=25,
    ),
    st.sampled_from([16, 64, 200, 4096]),
)
def test_bytes_round_trip_through_reading_and_grouping(
    tmp_path: Path, parts: list[bytes], block_size: int
) -> None:
    data = WARN + b"".join(parts)
    # A text log: the reader skips a file whose first block is mostly control bytes
    # (tested elsewhere), and the first block is only `block_size` bytes here.
    first = data[: min(block_size, 8192)]
    assume(len(first.translate(None, bytes(range(32, 256)) + b"\t\n\r")) * 40 < len(first))
    path = tmp_path / "x.log"
    path.write_bytes(data)
    raws = _entries_of(path, block_size)
    assert "".join(raws).encode("utf-8", "surrogateescape") == data


def test_latin1_bytes_are_kept_recoverable(tmp_path: Path) -> None:
    path = tmp_path / "mail.log"
    path.write_bytes(b"2024-01-18 16:20:01 [@h]\nSubject: R\xe9ponse automatique\r\n")
    (raw,) = _entries_of(path, 4096)
    assert "R\udce9ponse" in raw
    assert raw.encode("utf-8", "surrogateescape").endswith(b"R\xe9ponse automatique\r\n")


def test_a_50_mb_line_is_read_in_blocks_not_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    with path.open("wb") as f:
        f.write(WARN[:-1])
        for _ in range(50):
            f.write(b"x" * (1 << 20))
        f.write(b"\n" + WARN)
    sizes = [len(t) for t, _ in read_blocks(Source(str(path)), block_size=1 << 20)]
    assert max(sizes) <= 1 << 20
    parser = EntryParser(str(path))
    out = []
    for text, at_start in read_blocks(Source(str(path)), block_size=1 << 20):
        out += parser.feed(text, at_line_start=at_start)
    out += parser.flush()
    assert [e.line for e in out] == [1, 2]
    assert out[0].truncated and len(out[0].raw) == 1 << 20
    assert len(out[0].raw) + out[0].raw_dropped == len(WARN) - 1 + 50 * (1 << 20) + 1


def test_folder_gives_logs_and_rotations_oldest_first(tmp_path: Path) -> None:
    for name in (
        "php-errors.log",
        "php-errors.log.1",
        "cron.log",
        "notes.txt",
        "cron.log-20240101",
    ):
        (tmp_path / name).write_bytes(WARN)
    with gzip.open(tmp_path / "php-errors.log.2.gz", "wb") as f:
        f.write(WARN)
    errors: list[InputError] = []
    names = [Path(s.label).name for s in expand([str(tmp_path)], errors.append)]
    assert names == [
        "cron.log-20240101",
        "cron.log",
        "php-errors.log.2.gz",
        "php-errors.log.1",
        "php-errors.log",
    ]
    assert errors == []


def _cli_errors(*args: str) -> tuple[int, list[str], str]:
    code, out, err = run_cli("scan", "--format", "json", *args)
    return code, err.splitlines(), out


def test_missing_path_and_glob_are_reported_and_others_still_read(tmp_path: Path) -> None:
    good = tmp_path / "good.log"
    good.write_bytes(WARN)
    code, err, out = _cli_errors(str(tmp_path / "nope.log"), str(tmp_path / "*.nomatch"), str(good))
    assert code == 2
    assert err == [
        f"{tmp_path}/nope.log: no such file or directory",
        f"{tmp_path}/*.nomatch: no file matches this pattern",
    ]
    assert '"entries": 1' in out


def test_empty_and_binary_files(tmp_path: Path) -> None:
    (tmp_path / "empty.log").write_bytes(b"")
    (tmp_path / "blob.log").write_bytes(bytes(range(256)) * 40)
    code, err, _ = _cli_errors(str(tmp_path / "empty.log"), str(tmp_path / "blob.log"))
    assert code == 2
    assert err == [
        f"{tmp_path}/empty.log: empty file, nothing to read",
        f"{tmp_path}/blob.log: binary file, not a text log: skipped",
    ]


def test_empty_file_inside_a_folder_is_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "sql-errors.log").write_bytes(b"")
    (tmp_path / "php-errors.log").write_bytes(WARN)
    code, err, _ = _cli_errors(str(tmp_path))
    assert (code, err) == (0, [])


def test_symlink_loop_is_reported_once_and_the_rest_read(tmp_path: Path) -> None:
    logs = tmp_path / "_log"
    logs.mkdir()
    (logs / "php-errors.log").write_bytes(WARN)
    os.symlink(logs, logs / "loop")
    code, err, out = _cli_errors(str(logs))
    assert code == 2
    assert err == [f"{logs}/loop: symbolic link loop, not followed"]
    assert '"entries": 1' in out


def test_unreadable_file_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    secret = tmp_path / "php-errors.log"
    secret.write_bytes(WARN)
    secret.chmod(0)
    good = tmp_path / "cron.log"
    good.write_bytes(WARN)
    # As root, permissions do not apply: drop the capabilities that bypass them.
    prefix = (
        ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    )
    code, out, err = run_cli("scan", "--format", "json", str(secret), str(good), prefix=prefix)
    assert code == 2
    assert err.splitlines() == [f"{secret}: permission denied"]
    assert '"entries": 1' in out


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    data = gzip.compress(WARN * 20000, mtime=0)
    path = tmp_path / "php-errors.log.2.gz"
    path.write_bytes(data[: len(data) // 2])
    code, out, err = run_cli("scan", "--format", "json", str(path))
    assert code == 2
    (line,) = err.splitlines()
    assert line.startswith(f"{path}:")
    assert line.endswith(
        ": gzip data truncated (compressed stream ended early); entries up to here were read"
    )
    import json

    entries = json.loads(out)["summary"]["entries"]
    assert 0 < entries < 20000
    # The line where the data stops: every line read before it was a whole entry.
    where = int(line[len(f"{path}:") :].split(":", 1)[0])
    assert where >= entries * WARN.count(b"\n") > 0


def test_stdin_and_gzip_by_content(tmp_path: Path) -> None:
    code, out, err = run_cli("parse", "-", stdin=WARN * 3)
    assert (code, err, len(out.splitlines())) == (0, "", 3)
    path = tmp_path / "weird-name.log"
    path.write_bytes(gzip.compress(WARN, mtime=0))
    code, out, err = run_cli("parse", str(path))
    assert (code, err, len(out.splitlines())) == (0, "", 1)


@pytest.mark.parametrize("block_size", [7, 64])
def test_tiny_blocks_give_the_same_entries(tmp_path: Path, block_size: int) -> None:
    data = b"".join(s.encode("utf-8", "surrogateescape") for s in SHAPES) * 3
    path = tmp_path / "x.log"
    path.write_bytes(data)
    assert _entries_of(path, block_size) == _entries_of(path, 1 << 20)
