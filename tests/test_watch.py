"""watch: real files, real rotations, real processes; every entry once, none lost."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from logdoctor.model import Entry
from logdoctor.watch import FollowOptions, follow
from tests.conftest import ROOT

WRITER = ROOT / "bench" / "log_writer.py"
SEQ = re.compile(r"soak seq=(\d+)")


def glpi10(seq: int, message: str = "soak") -> str:
    return (
        f"[2024-01-18 16:20:{seq % 60:02d}] glpiphplog.WARNING:   *** PHP Warning (2): "
        f"{message} seq={seq} in /var/www/glpi/src/A.php at line 3\n"
        "  Backtrace :\n"
        f"  {'src/A.php:3':<50} A->b()\n"
        "  \n"
    )


class Watcher:
    """`follow()` on a thread, its entries collected."""

    def __init__(self, paths: list[Path], **options: object) -> None:
        self.stop = threading.Event()
        self.entries: list[Entry] = []
        self.warnings: list[str] = []
        self.stamps: list[float] = []
        opts = FollowOptions(**{"idle_flush": 0.1, **options})  # type: ignore[arg-type]
        self._gen = follow(
            [str(p) for p in paths], stop=self.stop, options=opts, warn=self.warnings.append,
            tick=0.05,
        )  # fmt: skip
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._ready.wait(5)

    def _run(self) -> None:
        for i, batch in enumerate(self._gen):
            if i == 0:
                self._ready.set()
            self.entries.extend(batch)
            self.stamps.extend(time.monotonic() for _ in batch)

    def wait(self, until: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not until():
            assert time.monotonic() < deadline, [e.raw for e in self.entries]
            time.sleep(0.01)

    def seqs(self) -> list[int]:
        return [int(m.group(1)) for e in self.entries if (m := SEQ.search(e.message))]

    def close(self) -> None:
        self.stop.set()
        self._thread.join(5)


@pytest.fixture
def watcher() -> Iterator[Callable[..., Watcher]]:
    made: list[Watcher] = []

    def make(paths: list[Path], **options: object) -> Watcher:
        made.append(Watcher(paths, **options))
        return made[-1]

    yield make
    for w in made:
        w.close()


def append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def test_starts_at_the_end_and_groups_entries_written_in_pieces(
    tmp_path: Path, watcher: Callable[..., Watcher]
) -> None:
    log = tmp_path / "php-errors.log"
    log.write_text(glpi10(0) + glpi10(1))  # already there: not shown
    w = watcher([log], idle_flush=5.0)  # only the terminator can complete entries here
    whole = glpi10(2)
    append(log, whole[:30])  # a partial line
    time.sleep(0.1)
    append(log, whole[30:70])
    time.sleep(0.1)
    assert w.entries == []
    written = time.monotonic()
    append(log, whole[70:])  # ends with GLPI's two-space line: complete at once
    w.wait(lambda: len(w.entries) == 1)
    assert w.stamps[0] - written < 1.0  # not the 5 s idle flush
    (entry,) = w.entries
    assert entry.raw == whole and len(entry.frames) == 1 and w.seqs() == [2]


def test_an_entry_without_terminator_is_flushed_after_the_idle_delay(
    tmp_path: Path, watcher: Callable[..., Watcher]
) -> None:
    log = tmp_path / "cron.log"
    log.write_text("")
    w = watcher([log], idle_flush=0.2)
    append(log, "2024-01-18 16:20:04 [@glpi]\nsoak seq=7 line one\nline two\n")
    time.sleep(0.1)
    assert w.entries == []  # may continue
    w.wait(lambda: len(w.entries) == 1)
    assert w.entries[0].message == "soak seq=7 line one\nline two"


def test_rename_and_create_reads_the_rest_of_the_old_file(
    tmp_path: Path, watcher: Callable[..., Watcher]
) -> None:
    log = tmp_path / "php-errors.log"
    log.write_text("")
    w = watcher([log])
    append(log, glpi10(1))
    w.wait(lambda: w.seqs() == [1])
    with open(log, "a") as old:  # the writer still holds the old file
        log.rename(tmp_path / "php-errors.log.1")
        old.write(glpi10(2))  # written after the rename, before the switch
        old.flush()
        log.write_text(glpi10(3))
    w.wait(lambda: len(w.seqs()) == 3)
    assert w.seqs() == [1, 2, 3]


def test_copytruncate_takes_the_unread_part_from_the_copy(
    tmp_path: Path, watcher: Callable[..., Watcher]
) -> None:
    log = tmp_path / "php-errors.log"
    log.write_text("")
    w = watcher([log])
    append(log, glpi10(1))
    w.wait(lambda: w.seqs() == [1])
    append(log, glpi10(2))  # maybe read before the rotation, maybe only from the copy
    shutil.copyfile(log, tmp_path / "php-errors.log.1")
    os.truncate(log, 0)
    append(log, glpi10(3) + glpi10(4) + glpi10(5))  # regrown past the old offset
    w.wait(lambda: len(w.seqs()) >= 5)
    time.sleep(0.2)
    assert sorted(w.seqs()) == [1, 2, 3, 4, 5]


def test_delete_and_recreate_and_a_shrinking_file(
    tmp_path: Path, watcher: Callable[..., Watcher]
) -> None:
    log = tmp_path / "php-errors.log"
    log.write_text(glpi10(0) * 3)
    w = watcher([log])
    log.unlink()
    time.sleep(0.1)
    log.write_text(glpi10(1))
    w.wait(lambda: w.seqs() == [1])
    log.write_text(glpi10(2))  # truncated and rewritten shorter: read from its start
    w.wait(lambda: w.seqs() == [1, 2])
    assert w.warnings == []  # a rotation is not a problem to report


def test_new_log_file_in_a_followed_folder(tmp_path: Path, watcher: Callable[..., Watcher]) -> None:
    (tmp_path / "php-errors.log").write_text(glpi10(0))
    w = watcher([tmp_path])
    (tmp_path / "sql-errors.log").write_text(glpi10(5))  # new: read from its start
    (tmp_path / "notes.txt").write_text(glpi10(6))  # not a log
    append(tmp_path / "php-errors.log", glpi10(1))
    w.wait(lambda: sorted(w.seqs()) == [1, 5])
    time.sleep(0.2)
    assert sorted(w.seqs()) == [1, 5]


def test_replay_the_last_entries_and_from_start(
    tmp_path: Path, watcher: Callable[..., Watcher]
) -> None:
    log = tmp_path / "php-errors.log"
    log.write_text("".join(glpi10(i) for i in range(10)))
    last = watcher([log], lines=3)
    last.wait(lambda: len(last.seqs()) == 3)
    assert last.seqs() == [7, 8, 9]
    everything = watcher([log], from_start=True)
    everything.wait(lambda: len(everything.seqs()) == 10)


def test_a_file_that_disappears_gives_one_warning_and_the_others_go_on(
    tmp_path: Path, watcher: Callable[..., Watcher], monkeypatch: pytest.MonkeyPatch
) -> None:
    import logdoctor.watch as watch

    monkeypatch.setattr(watch, "GRACE_MISSING", 0.1)
    gone, stays = tmp_path / "a.log", tmp_path / "b.log"
    gone.write_text("")
    stays.write_text("")
    w = watcher([gone, stays])
    gone.unlink()
    time.sleep(0.4)
    append(stays, glpi10(1))
    w.wait(lambda: w.seqs() == [1])
    assert w.warnings == [f"{gone}: no longer there (waiting for it to come back)"]


def test_an_unreadable_file_gives_one_warning(
    tmp_path: Path, watcher: Callable[..., Watcher], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The suite runs as root, whom file modes do not stop: refuse the open instead.
    import logdoctor.watch as watch

    locked, other = tmp_path / "locked.log", tmp_path / "other.log"
    locked.write_text("")
    other.write_text("")
    real_open = os.open

    def fake_open(path: str, flags: int, *args: int) -> int:
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr(watch.os, "open", fake_open)
    w = watcher([locked, other])
    append(other, glpi10(3))
    w.wait(lambda: w.seqs() == [3])
    time.sleep(0.2)
    assert w.warnings == [f"{locked}: cannot read: Permission denied"]


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "logdoctor", "watch", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip


def _ready(proc: subprocess.Popen[str]) -> None:
    """Wait for the watcher's start line on stderr: its files are open from then on."""
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line.startswith("logdoctor: watching "), line


def _lines_until(proc: subprocess.Popen[str], want: int, timeout: float) -> list[str]:
    got: list[str] = []
    done = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            got.append(line)
            if len(got) >= want:
                done.set()
        done.set()

    threading.Thread(target=read, daemon=True).start()
    done.wait(timeout)
    return got


def test_cli_poll_mode_explains_once_then_counts_and_stops_on_sigterm(tmp_path: Path) -> None:
    log = tmp_path / "php-errors.log"
    log.write_text("")
    proc = _cli(str(log), "--poll", "--idle-flush", "0.2", "--width", "120")
    _ready(proc)
    mail = (
        "[2023-01-13 12:37:20] glpiphplog.CRITICAL:   *** Uncaught Exception "
        "Laminas\\Mail\\Storage\\Exception\\RuntimeException: cannot login, user or password "
        "wrong in /var/www/glpi/vendor/laminas/laminas-mail/src/Storage/Imap.php at line 225\n"
        "  Backtrace :\n"
        f"  {'src/Toolbox.php:2196':<50} Laminas\\Mail\\Storage\\Imap->__construct()\n"
        "  \n"
    )
    append(log, mail * 3)
    time.sleep(3)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out.count("Why") == 1 and out.count("Fix") == 1  # explained once
    assert out.count("again: glpi.mail.basic-login-failed x") == 2  # then counted
    assert "Stopped after" in out and "x3 [error] glpi.mail.basic-login-failed" in out


def test_soak_every_entry_once_through_20_rotations(tmp_path: Path) -> None:
    """A writer appends 10,000 entries of four shapes at full speed, rotating 20 times
    (rename and copytruncate by turns); the watcher reports each exactly once."""
    log = tmp_path / "app.log"
    log.write_text("")
    proc = _cli(str(log), "--format", "jsonl", "--all", "--idle-flush", "0.2")
    _ready(proc)
    count = 10_000
    subprocess.run(
        [sys.executable, str(WRITER), str(log), "--count", str(count), "--rotations", "20"],
        check=True, timeout=120,
    )  # fmt: skip
    lines = _lines_until(proc, count, timeout=60)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    rest, err = proc.communicate(timeout=10)
    lines += rest.splitlines(keepends=True)
    assert proc.returncode == 0, err
    seqs = Counter(int(SEQ.search(json.loads(line)["message"]).group(1)) for line in lines)  # type: ignore[union-attr]
    lost = sorted(set(range(count)) - set(seqs))
    twice = sorted(s for s, n in seqs.items() if n > 1)
    assert (lost[:10], twice[:10]) == ([], [])
    assert len(list(tmp_path.glob("app.log.*"))) == 20


def test_on_a_terminal_a_live_status_line_counts(tmp_path: Path) -> None:
    import pty

    log = tmp_path / "php-errors.log"
    log.write_text("")
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "logdoctor", "watch", str(log), "--idle-flush", "0.1"],
        stdout=follower, stderr=subprocess.PIPE, cwd=ROOT, text=True,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "160"},
    )  # fmt: skip
    os.close(follower)
    _ready(proc)
    drawn = b""

    def read() -> None:
        nonlocal drawn
        try:
            while chunk := os.read(leader, 65536):
                drawn += chunk
        except OSError:
            pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    append(log, glpi10(1, "boom") + glpi10(2, "boom"))
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)
    reader.join(5)
    os.close(leader)
    assert proc.returncode == 0
    text = drawn.decode("utf-8", "replace")
    assert "watching 1 files" in text and "2 entries" in text
    assert "Stopped after" in text


@pytest.mark.parametrize("fmt", ["terminal", "jsonl"])
def test_watch_never_shows_a_secret_the_log_holds(tmp_path: Path, fmt: str) -> None:
    log = tmp_path / "php-errors.log"
    secret = "1//0gWatchedRefreshToken-xyz"
    log.write_text(
        "[2023-01-13 12:37:20] glpiphplog.CRITICAL:   *** Uncaught Exception "
        "Laminas\\Mail\\Storage\\Exception\\RuntimeException: cannot login, user or password "
        f"wrong (refresh_token={secret}) in /var/www/glpi/vendor/laminas/laminas-mail/src/"
        "Storage/Imap.php at line 225\n"
        f"[2023-01-13 12:37:21] glpiphplog.ERROR:   *** PHP Warning (2): token {secret} refused\n"
    )
    proc = _cli(str(log), "--poll", "--from-start", "--all", "--idle-flush", "0.2",
                "--format", fmt)  # fmt: skip
    _ready(proc)
    time.sleep(2)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "cannot login" in out and "[redacted]" in out
    assert secret not in out and secret not in err
