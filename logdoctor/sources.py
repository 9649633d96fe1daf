"""Inputs: files, folders, globs, rotated and gzip files, stdin -> decoded text blocks.

`expand` turns what the user typed into `Source`s (a GLPI `files/_log` folder gives
every `*.log` and its rotations, oldest first); `read_blocks` reads one source in
blocks of `BLOCK` bytes, always cut after a newline except inside an over-long
line, decoded as UTF-8 with undecodable bytes kept as surrogate escapes so that
nothing is lost. Problems become `InputError`s, handed to the caller's `on_error`
so that the other inputs are still read.
"""

from __future__ import annotations

import glob
import gzip
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from logdoctor.errors import InputError

BLOCK = 2 << 20
_TAIL_KEEP = 512  # bytes of an over-long line held back: a glued header may end it
STDIN = "-"

# *.log, *.log.1, *.log.2.gz, *.log-20240118, *.log-20240118.gz (logrotate dateext)
_LOG_NAME = re.compile(r".+\.log(?:\.\d+)?(?:-\d{8,10})?(?:\.\d+)?(?:\.gz)?")
_ROTATION = re.compile(r"(.+\.log)(?:[.-](\d+))?(?:\.gz)?")


@dataclass(frozen=True, slots=True)
class Source:
    """One input to read; `label` is the path as the user gave it (or `-`)."""

    label: str
    explicit: bool = True  # named by the user (not found in a folder)
    start: int = 0  # a byte range of a plain file, for parallel reading (see parallel.py)
    end: int | None = None


OnError = Callable[[InputError], None]


# Where GLPI keeps its logs when no path is given: $GLPI_LOG_DIR, then the usual places
# (tarball installs under the web root, Debian/Fedora packages, the official image).
GLPI_LOG_DIRS = (
    "/var/www/glpi/files/_log",
    "/var/www/html/glpi/files/_log",
    "/var/www/html/files/_log",
    "/usr/share/glpi/files/_log",
    "/var/lib/glpi/files/_log",
    "/var/log/glpi",
)


def glpi_log_dir(environ: dict[str, str] | None = None) -> tuple[str | None, list[str]]:
    """(the GLPI log folder found, the places looked at)."""
    env = os.environ if environ is None else environ
    tried = []
    if env.get("GLPI_LOG_DIR"):
        tried.append(env["GLPI_LOG_DIR"])
    tried += GLPI_LOG_DIRS
    for folder in tried:
        if os.path.isdir(folder):
            return folder, tried
    return None, tried


def expand(inputs: Sequence[str], on_error: OnError) -> Iterator[Source]:
    """Sources for the user's inputs, in order; errors for missing paths and loops."""
    for item in inputs:
        if item == STDIN:
            yield Source(STDIN)
        elif os.path.isdir(item):
            yield from _walk(item, on_error, seen=set())
        elif os.path.lexists(item):
            yield Source(item)
        elif glob.has_magic(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                on_error(InputError("no file matches this pattern", path=item))
            for match in matches:
                yield from expand([match], on_error)
        else:
            on_error(InputError("no such file or directory", path=item))


def _rotation_key(name: str) -> tuple[str, int]:
    """Order rotations oldest first: x.log.3.gz, x.log.2, x.log.1, x.log."""
    m = _ROTATION.fullmatch(name)
    if not m:
        return name, 0
    return m.group(1), -int(m.group(2) or 0)


def _walk(folder: str, on_error: OnError, seen: set[tuple[int, int]]) -> Iterator[Source]:
    try:
        st = os.stat(folder)
        entries = sorted(os.scandir(folder), key=lambda d: _rotation_key(d.name))
    except OSError as exc:
        on_error(InputError(_os_reason(exc), path=folder))
        return
    ident = (st.st_dev, st.st_ino)
    if ident in seen:
        on_error(InputError("symbolic link loop, not followed", path=folder))
        return
    seen = seen | {ident}
    for d in entries:
        path = os.path.join(folder, d.name)
        try:
            is_dir = d.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(path, on_error, seen)
        elif _LOG_NAME.fullmatch(d.name):
            yield Source(path, explicit=False)


def _os_reason(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return reason[0].lower() + reason[1:] if reason else "cannot read"


def _open(source: Source) -> BinaryIO:
    if source.label == STDIN:
        return sys.stdin.buffer
    try:
        if stat.S_ISDIR(os.stat(source.label).st_mode):
            raise InputError("is a directory", path=source.label)
        f: BinaryIO = open(source.label, "rb")  # noqa: SIM115 - closed by read_blocks
    except OSError as exc:
        raise InputError(_os_reason(exc), path=source.label) from None
    head = f.read(2)
    f.seek(source.start)
    if head == b"\x1f\x8b" and not source.start:
        return gzip.GzipFile(fileobj=f, mode="rb")  # type: ignore[return-value]
    return f


_TEXT_BYTES = bytes({7, 8, 9, 10, 12, 13, 27} | set(range(0x20, 0x100)) - {0x7F})


def _binary(sample: bytes) -> bool:
    """Over 5% of NUL and control bytes: no text log (a stray NUL or two is tolerated)."""
    if not sample:
        return False
    return len(sample.translate(None, _TEXT_BYTES)) * 20 > len(sample)


def _chunks(f: BinaryIO, size: int, limit: int | None) -> Iterator[bytes]:
    """Raw chunks (at most `limit` bytes in all); gzip is read with read1 so data
    before a damaged spot is kept."""
    read = f.read1 if isinstance(f, gzip.GzipFile) else f.read
    if limit is None:
        while chunk := read(size):
            yield chunk
        return
    while limit > 0 and (chunk := read(min(size, limit))):
        limit -= len(chunk)
        yield chunk


def read_blocks(
    source: Source, *, block_size: int = BLOCK, on_read: Callable[[int], None] | None = None
) -> Iterator[tuple[str, bool]]:
    """Yield (text, starts_at_line_start) for one source; raise InputError on failure.

    Blocks end just after a newline. A line longer than a block (and than
    `4 * _TAIL_KEEP`, so a header is never split from its line) is cut at a UTF-8
    character boundary, and the next block is marked as not starting a line.
    `on_read(n)` is told the bytes of the source read so far (of a gzip file, its
    compressed bytes) as each chunk is read, for a progress bar.
    """
    f = _open(source)
    gz = f.fileobj if isinstance(f, gzip.GzipFile) else None
    read = 0
    long_line = max(block_size, 4 * _TAIL_KEEP)
    # Lines read so far, for the line of a read error: counted for gzip only, whose
    # stream can end early or be corrupt midway (bytes.count goes byte by byte, 2% of a
    # scan's instructions); a plain file that fails midway is named without a line.
    counting = isinstance(f, gzip.GzipFile)
    state = {"lines": 0 if counting else -1}
    at_line_start = True
    carry = b""
    try:
        limit = None if source.end is None else source.end - source.start
        chunks = _chunks(f, block_size, limit)
        first = _next_chunk(chunks, source, state)
        if not first and source.explicit and source.label != STDIN and not source.start:
            raise InputError("empty file, nothing to read", path=source.label)
        if not source.start and _binary(first[:8192]):
            raise InputError("binary file, not a text log: skipped", path=source.label)
        chunk = first
        while chunk:
            if on_read is not None:
                read += len(chunk)
                on_read(gz.tell() - source.start if gz is not None else read)
            buf = carry + chunk if carry else chunk
            cut = buf.rfind(b"\n") + 1
            if cut == 0 and len(buf) >= long_line:
                cut = _char_boundary(buf, len(buf) - _TAIL_KEEP)
            if cut:
                text, carry = buf[:cut], buf[cut:]
                if counting:
                    state["lines"] += text.count(b"\n")
                yield text.decode("utf-8", "surrogateescape"), at_line_start
                at_line_start = text.endswith(b"\n")
            else:
                carry = buf
            try:
                chunk = _next_chunk(chunks, source, state)
            except InputError:
                if carry:  # what was read before the damage is still the user's log
                    yield carry.decode("utf-8", "surrogateescape"), at_line_start
                raise
        if carry:
            yield carry.decode("utf-8", "surrogateescape"), at_line_start
    finally:
        if f is not sys.stdin.buffer:
            f.close()


def _next_chunk(chunks: Iterator[bytes], source: Source, state: dict[str, int]) -> bytes:
    try:
        return next(chunks, b"")
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        line = state["lines"] + 1 if state["lines"] >= 0 else None
        raise _read_error(source, exc, line) from None


def _char_boundary(buf: bytes, pos: int) -> int:
    """Move `pos` back so it does not split a UTF-8 sequence."""
    for _ in range(3):
        if pos > 0 and 0x80 <= buf[pos] <= 0xBF:
            pos -= 1
    return max(pos, 1)


def _read_error(source: Source, exc: BaseException, line: int | None) -> InputError:
    if isinstance(exc, EOFError):
        what = "gzip data truncated (compressed stream ended early); entries up to here were read"
    elif isinstance(exc, gzip.BadGzipFile | zlib.error):
        what = f"corrupt gzip data ({exc}); entries up to here were read"
    else:
        what = _os_reason(exc) if isinstance(exc, OSError) else str(exc)
    return InputError(what, path=source.label, line=line)
