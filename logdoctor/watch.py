"""Follow live logs: bytes appended to files become entries, across rotation.

`follow()` is a generator, in the style of watchfiles: it yields batches of
complete entries as GLPI writes them, until its `stop` event is set. Underneath,
watchdog's observer (inotify, or polling with `poll=True`) only wakes the loop up,
through a queue; the loop itself stats and reads the files, so a missed event
costs at most `SAFETY` seconds, and an idle watcher sleeps.

One `Tail` per file keeps (device, inode, offset) and the last bytes it read:
* rename + create, delete + recreate (the inode changes): the rest of the old file
  is read, then the new one from its start;
* copytruncate and any shrink (the size drops below the offset, or the bytes
  before the offset are no longer those read): what was written after our last
  read is taken from the rotated copy, then the file is read from its start;
* several rotations between two reads: every file that appeared next to the log
  since it was last read (same name plus a suffix, not compressed) is read too,
  oldest first, so nothing is lost; files there before the watch began are not;
* a partial last line is held until its newline; an entry is complete at the next
  header, at its format's terminator (parse.Grouper.pending_complete), or after
  `idle_flush` seconds without new data.
Imports model, parse, sources (for folder listing rules) and watchdog; no click.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import queue
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from logdoctor.model import Entry
from logdoctor.parse import EntryParser, Limits, has_container_prefix
from logdoctor.parse.headers import ALL_DIALECTS, HeaderScanner

SAFETY = 1.0  # seconds between two looks at every file when no event comes
SIGNATURE = 256  # bytes before the offset that must still be there (else: truncated)
CHUNK = 1 << 20  # bytes read at a time
BATCH = 4 << 20  # bytes of one file read by one poll (then the loop comes back at once)
GRACE_MISSING = 2.0  # a file missing this long (not a rotation) gets its warning
SETTLE = 0.2  # a rotated file written to this recently may be a copy in progress: later
COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".zip")

Warn = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class FollowOptions:
    """How `follow` reads."""

    from_start: bool = False  # read what the files hold first (else start at their end)
    lines: int = 0  # replay the last N entries of each file first
    poll: bool = False  # watchdog's polling observer (network file systems)
    idle_flush: float = 0.5  # an open entry is complete after this long without data
    limits: Limits = Limits()  # noqa: RUF009 - an immutable NamedTuple


Sink = Callable[[list[Entry]], None]


class _Handed(list[Entry]):
    """A list that hands entries on as they are found instead of keeping them: catching
    up on many rotated files then takes no more memory than one file's batch."""

    def __init__(self, sink: Sink) -> None:
        super().__init__()
        self.sink = sink

    def extend(self, items: Iterable[Entry]) -> None:
        found = list(items)
        if found:
            self.sink(found)


class Tail:
    """One followed file."""

    def __init__(
        self, path: str, *, start: str, options: FollowOptions, warn: Warn, sink: Sink | None = None
    ) -> None:
        self.path = path
        self.sink = sink
        self.options = options
        self.warn = warn
        self.fd: int | None = None
        self.ident: tuple[int, int] | None = None  # (device, inode) of the open file
        self.offset = 0
        self.signature = b""  # the bytes just before `offset`
        self.partial = b""  # a last line without its newline yet
        self.lineno = 1
        self.parser: EntryParser | None = None
        self.last_data = time.monotonic()
        self.missing_since: float | None = None
        self.settle_at: float | None = None  # when postponed rotated files are read
        self.more = False  # the last read stopped at BATCH: more to read now
        self.closing = False
        self.warned = ""
        # Rotated files next to this one that are already accounted for: those there
        # when the watch began, and those read since (by device and inode).
        self.done: set[tuple[int, int]] = set(self._siblings())
        self._open(start)

    # -- opening ---------------------------------------------------------------------

    def _open(self, start: str) -> None:
        """Open the file; `start` is "end", "begin" or "replay" (the last N entries)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            self.missing_since = self.missing_since or time.monotonic()
            return
        except OSError as exc:
            self._warn_once(f"{self.path}: cannot read: {exc.strerror}")
            return
        info = os.fstat(fd)
        self.fd, self.ident = fd, (info.st_dev, info.st_ino)
        self.missing_since = None
        self.warned = ""
        self.offset, self.signature = 0, b""
        if start == "end":
            self.offset = info.st_size
        elif start == "replay":
            self.offset = self._replay_offset(info.st_size)
        if self.offset:
            # Start after a whole line: the partial line at the end is read when completed.
            head = os.pread(fd, min(self.offset, CHUNK), self.offset - min(self.offset, CHUNK))
            cut = head.rfind(b"\n")
            if start == "end" and cut >= 0:
                self.offset -= len(head) - cut - 1
            self.signature = os.pread(
                fd, min(self.offset, SIGNATURE), self.offset - min(self.offset, SIGNATURE)
            )
        self.lineno = 1  # numbered from where the watch began in this file
        self.parser = None
        self.partial = b""

    def _replay_offset(self, size: int) -> int:
        """Where the last `lines` entries of the file begin."""
        want = self.options.lines
        scan = HeaderScanner(ALL_DIALECTS).scan
        window = 65536
        assert self.fd is not None
        while True:
            begin = max(size - window, 0)
            data = os.pread(self.fd, size - begin, begin).decode("utf-8", "surrogateescape")
            starts = [m.start() + 1 for m in scan.finditer(data)]
            if begin == 0 and HeaderScanner(ALL_DIALECTS).at.match(data):
                starts.insert(0, 0)
            if len(starts) >= want or begin == 0:
                if len(starts) < want:
                    return 0
                at = starts[-want]
                return begin + len(data[:at].encode("utf-8", "surrogateescape"))
            window *= 4

    def _siblings(self) -> dict[tuple[int, int], tuple[str, float, float]]:
        """Rotated files next to this one: `php-errors.log.1`, `php-errors.log-20240118`
        (not compressed ones), by (device, inode) -> (path, ctime, mtime)."""
        folder, name = os.path.split(self.path)
        out: dict[tuple[int, int], tuple[str, float, float]] = {}
        try:
            names = os.listdir(folder or ".")
        except OSError:
            return out
        for other in names:
            if other == name or not fnmatch.fnmatch(other, f"{name}[.-]*"):
                continue
            if other.endswith(COMPRESSED):
                continue
            full = os.path.join(folder, other)
            try:
                info = os.stat(full)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                out[(info.st_dev, info.st_ino)] = (full, info.st_ctime, info.st_mtime)
        return out

    # -- reading ---------------------------------------------------------------------

    def poll(self) -> list[Entry]:
        """Everything new: what rotations moved away first, then the current file (handed
        to the sink as found, when there is one)."""
        out: list[Entry] = _Handed(self.sink) if self.sink else []
        try:
            now: os.stat_result | None = os.stat(self.path)
        except FileNotFoundError:
            now = None
        except OSError as exc:
            self._warn_once(f"{self.path}: cannot read: {exc.strerror}")
            return out
        if self.fd is None:
            if now is None:
                self._missing()
                return out
            self._recover(out, now)
            return out
        moved = now is None or (now.st_dev, now.st_ino) != self.ident
        due = self.settle_at is not None and time.monotonic() >= self.settle_at
        if moved or due or self._truncated():
            self._recover(out, now)
        elif now is not None and now.st_size > self.offset:
            self._read(out, limit=BATCH)
        return out

    def _truncated(self) -> bool:
        """The open file is shorter than what was read, or no longer holds it."""
        if self.fd is None:
            return False
        return os.fstat(self.fd).st_size < self.offset or not self._signature_holds()

    def _recover(self, out: list[Entry], now: os.stat_result | None) -> None:
        """After rotations (any number, of any kind, since the last read): every file
        that appeared next to this one, in the order they were made, then the file
        now at the path. A copy that holds what was read continues from the offset;
        the open file, if it was truncated, is read again from its start at its turn.
        Rotations that happen meanwhile (reading can take a while) are caught up by
        another pass before the new file is read."""
        truncated = self._truncated()
        if self.fd is not None and not truncated:
            self._read(out)  # what was appended before the rotation
        for _ in range(1000):  # one pass per burst of rotations; bounded all the same
            if not self._rotated(out, truncated):
                return  # a copy may be in the making: again in SETTLE seconds
            truncated = self._truncated()
            try:
                now = os.stat(self.path)
            except OSError:
                now = None
            if self.fd is not None and now is not None and self.ident == (now.st_dev, now.st_ino):
                if truncated:  # copytruncate: the same file, from its top
                    self._restart(out)
                self._read(out)
                if not self._fresh():
                    return
                continue  # rotated again while we read: the rotated files first
            if self.fd is not None:  # renamed elsewhere or deleted: finish it
                if truncated:
                    self._restart(out)
                self._read(out)
                self._finish(out)
            if now is None:
                self._missing()
                return
            self._open("begin")
            if not self._fresh():
                self._read(out)
                return
            truncated = False  # rotated while we switched: those files, then this one

    def _fresh(self) -> list[tuple[float, float, tuple[int, int], str]]:
        """Rotated files not read yet, oldest first: (ctime, mtime, ident, path)."""
        return sorted(
            (ctime, mtime, ident, path)
            for ident, (path, ctime, mtime) in self._siblings().items()
            if ident not in self.done and ident != self.ident
        )

    def _rotated(self, out: list[Entry], truncated: bool) -> bool:
        """Read the rotated files not read yet, the open one included if it was renamed;
        False when one may still be in the making (come back later)."""
        self.settle_at = None
        fresh = sorted(
            (ctime, mtime, ident, path)
            for ident, (path, ctime, mtime) in self._siblings().items()
            if ident not in self.done
        )
        for _, mtime, ident, path in fresh:
            if ident == self.ident:  # the open file, renamed away
                if truncated:
                    self._restart(out)
                    truncated = False
                self._read(out)
                continue
            continues = self._continues(path)
            if continues and not truncated:
                self.done.add(ident)  # a copy of what the open file still holds
                continue
            if not continues and time.time() - mtime < SETTLE and not self.closing:
                # Maybe a copy still being made (copytruncate): come back when it is
                # still, and read nothing newer before it (order, and no entry twice).
                self.settle_at = time.monotonic() + SETTLE
                return False
            self.done.add(ident)
            self._read_rotated(out, path, continues)
            if continues:  # the open file was truncated after this copy: read it anew
                self._restart(out)
                truncated = False
        return True

    def _continues(self, path: str) -> bool:
        """True when `path` holds, just before our offset, the bytes we read last: a
        copy of the open file (copytruncate)."""
        if not self.signature or self.offset < len(self.signature):
            return False
        try:
            with open(path, "rb") as f:
                f.seek(self.offset - len(self.signature))
                return f.read(len(self.signature)) == self.signature
        except OSError:
            return False

    def _read_rotated(self, out: list[Entry], path: str, continues: bool) -> None:
        """A rotated file: a copy of the open file from our offset, continuing the open
        entry; any other whole."""
        try:
            with open(path, "rb") as f:
                if continues:
                    f.seek(self.offset)
                    while chunk := f.read(CHUNK):
                        self._feed(out, chunk)
                    return
                self._flush_partial(out)
                self._flush_parser(out)
                parser = EntryParser(path, limits=self.options.limits)
                while chunk := f.read(CHUNK):
                    out.extend(parser.feed(chunk.decode("utf-8", "surrogateescape")))
                out.extend(parser.flush())
        except OSError as exc:
            self.warn(f"{path}: cannot read: {exc.strerror}")

    def _restart(self, out: list[Entry]) -> None:
        """Read the open file again from its start (it was truncated); what was open
        before is complete."""
        self._flush_partial(out)
        self._flush_parser(out)
        self.offset, self.signature, self.partial, self.lineno = 0, b"", b"", 1

    def _finish(self, out: list[Entry]) -> None:
        """Close the open file, which is no longer at the path."""
        self._flush_partial(out)
        self._flush_parser(out)
        if self.ident is not None:
            self.done.add(self.ident)
        if self.fd is not None:
            os.close(self.fd)
        self.fd = None

    def _read(self, out: list[Entry], *, limit: int | None = None) -> None:
        """Read from the offset to the end of the open file (at most `limit` bytes, then
        `more` says there is more: a big file is read in batches, in bounded memory)."""
        self.more = False
        if self.fd is None:
            return
        done = 0
        while True:
            if limit is not None and done >= limit:
                self.more = True
                return
            data = os.pread(self.fd, CHUNK, self.offset)
            if not data:
                break
            self.offset += len(data)
            done += len(data)
            self.signature = (self.signature + data)[-SIGNATURE:]
            self._feed(out, data)
            if len(data) < CHUNK:
                break

    def _feed(self, out: list[Entry], data: bytes) -> None:
        data = self.partial + data
        cut = data.rfind(b"\n") + 1
        self.partial = data[cut:]
        if not cut:
            return
        text = data[:cut].decode("utf-8", "surrogateescape")
        if self.parser is None:
            self.parser = EntryParser(
                self.path, limits=self.options.limits, container=has_container_prefix(text)
            )
            self.parser.grouper.lineno = self.lineno
        out.extend(self.parser.feed(text))
        if self.parser.pending_complete():
            out.extend(self.parser.flush())
        self.last_data = time.monotonic()

    def _signature_holds(self) -> bool:
        if self.fd is None or not self.signature:
            return True
        start = self.offset - len(self.signature)
        return start >= 0 and os.pread(self.fd, len(self.signature), start) == self.signature

    def _flush_partial(self, out: list[Entry]) -> None:
        if self.partial:
            data, self.partial = self.partial + b"\n", b""
            self._feed(out, data)

    def _flush_parser(self, out: list[Entry]) -> None:
        if self.parser is not None:
            out.extend(self.parser.flush())
            self.lineno = self.parser.grouper.lineno
        self.parser = None

    def idle(self, now: float) -> list[Entry]:
        """The open entry, when no data came for `idle_flush` seconds."""
        if self.parser is None or not self.parser.pending():
            return []
        if now - self.last_data < self.options.idle_flush:
            return []
        return self.parser.flush()

    def deadline(self) -> float | None:
        """When `idle` (or `poll`, for postponed rotated files) will have something to
        do (monotonic time), if ever."""
        times = [self.settle_at] if self.settle_at is not None else []
        if self.parser is not None and self.parser.pending():
            times.append(self.last_data + self.options.idle_flush)
        return min(times) if times else None

    def close(self) -> list[Entry]:
        """Stop following: postponed rotated files, then the open entry as it is."""
        out: list[Entry] = []
        if self.settle_at is not None:
            self.closing = True
            try:
                now: os.stat_result | None = os.stat(self.path)
            except OSError:
                now = None
            self._recover(out, now)
        self._flush_parser(out)
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        return out

    def _missing(self) -> None:
        now = time.monotonic()
        self.missing_since = self.missing_since or now
        if now - self.missing_since >= GRACE_MISSING:
            self._warn_once(f"{self.path}: no longer there (waiting for it to come back)")

    def _warn_once(self, message: str) -> None:
        if message != self.warned:
            self.warned = message
            self.warn(message)


class _Wake(FileSystemEventHandler):
    """watchdog's callbacks (on its thread) hand a wake-up to the loop."""

    def __init__(self, wake: queue.SimpleQueue[str]) -> None:
        self.wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.wake.put(str(event.src_path))


def _targets(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """(files, folders) to follow; folders give their `*.log` files, now and later."""
    files: list[str] = []
    folders: list[str] = []
    for path in paths:
        (folders if os.path.isdir(path) else files).append(path)
    return files, folders


def _logs_in(folder: str) -> list[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names if n.endswith(".log")]


def follow(
    paths: Sequence[str],
    *,
    stop: threading.Event,
    options: FollowOptions = FollowOptions(),
    warn: Warn = lambda message: None,
    tick: float = SAFETY,
    sink: Sink | None = None,
) -> Iterator[list[Entry]]:
    """Yield batches of complete entries from `paths` until `stop` is set (an empty
    batch at least every `tick` seconds, for status lines). Files are followed from
    their end unless `options` say otherwise; new `*.log` files in followed folders
    are read from their start. With a `sink`, entries found while polling go to it
    as they are read (memory stays bounded through a backlog of rotated files) and
    the batches hold only those completed by a pause."""
    # watchdog logs a warning when its thread stops with events queued: not ours to show.
    logging.getLogger("watchdog").setLevel(logging.ERROR)
    files, folders = _targets(paths)
    start = "begin" if options.from_start else "replay" if options.lines else "end"
    tails: dict[str, Tail] = {}
    for path in [*files, *(p for folder in folders for p in _logs_in(folder))]:
        if path not in tails:
            tails[path] = Tail(path, start=start, options=options, warn=warn, sink=sink)
    wake: queue.SimpleQueue[str] = queue.SimpleQueue()
    observer = PollingObserver(timeout=SAFETY) if options.poll else Observer()
    handler = _Wake(wake)
    watched = sorted({os.path.dirname(os.path.abspath(p)) for p in files} | set(folders))
    for folder in watched:
        try:
            observer.schedule(handler, folder, recursive=False)
        except OSError as exc:
            warn(f"{folder}: cannot watch: {exc.strerror}")
    observer.start()
    try:
        batch: list[Entry] = []
        for tail in tails.values():
            batch.extend(tail.poll())
        yield batch
        while not stop.is_set():
            now = time.monotonic()
            deadlines = [d for d in (t.deadline() for t in tails.values()) if d is not None]
            timeout = min([tick, *(max(d - now, 0.0) for d in deadlines)])
            if any(t.more for t in tails.values()):
                timeout = 0.0  # a big file is being read in batches
            try:
                wake.get(timeout=timeout)
                while True:  # every wake-up waiting now is served by one pass
                    wake.get_nowait()
            except queue.Empty:
                pass
            batch = []
            for folder in folders:  # new log files in a followed folder
                for path in _logs_in(folder):
                    if path not in tails:
                        tails[path] = Tail(
                            path, start="begin", options=options, warn=warn, sink=sink
                        )
            for tail in tails.values():
                batch.extend(tail.poll())
            now = time.monotonic()
            for tail in tails.values():
                batch.extend(tail.idle(now))
            yield batch
        batch = []
        for tail in tails.values():
            batch.extend(tail.poll())
            batch.extend(tail.close())
        yield batch
    finally:
        observer.stop()
        observer.join()
