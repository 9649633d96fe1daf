"""A cache of compiled rule sets, so that a command does not read YAML at every start.

Reading and checking the built-in library (YAML composition, schema checks, regex
compilation, literal derivation) takes about 0.19 s; loading the same rules from
this cache about 0.01 s. An entry is keyed by a digest of everything the result
depends on: the rule files' labels, prefixes and full text, the versions of
logdoctor, Python, regex and PyYAML, and the source of the modules that compile
rules; a changed file gives a new key, so an entry is never stale. Entries are
pickles, so they are only read from a folder and files that belong to the current
user and that nobody else can write; anything wrong with the cache (missing,
unreadable, corrupt, not ours) just means reading the YAML.

The folder: `$LOGDOCTOR_CACHE_DIR`, else `$XDG_CACHE_HOME/logdoctor`, else
`~/.cache/logdoctor`; `LOGDOCTOR_NO_CACHE=1` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

import regex
import yaml

from logdoctor import __version__

FORMAT = 1  # bump when what is pickled changes shape
KEEP = 8  # entries kept (rule sets used in turn: with and without --rules, ...)


def cache_dir() -> Path | None:
    """Where entries go, or None when the cache is off."""
    if os.environ.get("LOGDOCTOR_NO_CACHE", "") not in ("", "0"):
        return None
    if os.environ.get("LOGDOCTOR_CACHE_DIR"):
        return Path(os.environ["LOGDOCTOR_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "logdoctor"


# The modules whose classes and logic make an entry: a change to any of them (a
# development install keeps its version number) gives new keys.
_CODE = ("model.py", "match.py", "literals.py", "ruleset/__init__.py", "ruleset/schema.py",
         "ruleset/yamlsrc.py", "ruleset/cache.py")  # fmt: skip
_PACKAGE = Path(__file__).resolve().parent.parent


def key(parts: list[tuple[str, str, str | None, str | None]]) -> str:
    """The digest of (label, prefix, text, read error) of every rule file, in order."""
    h = hashlib.sha256()
    versions = (FORMAT, __version__, sys.version, regex.__version__, yaml.__version__)
    h.update(repr(versions).encode())
    for name in _CODE:
        with contextlib.suppress(OSError):
            h.update((_PACKAGE / name).read_bytes())
    for part in parts:
        for item in part:
            h.update(b"\x01" if item is None else b"\x02" + item.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")
    return h.hexdigest()


def _ours(st: os.stat_result) -> bool:
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def get(folder: Path | None, digest: str) -> Any | None:
    """The entry for `digest`, or None."""
    if folder is None or not hasattr(os, "getuid"):
        return None
    path = folder / f"rules-{digest}.pickle"
    try:
        with open(path, "rb") as f:
            if not (_ours(os.stat(folder)) and _ours(os.fstat(f.fileno()))):
                return None
            return pickle.load(f)
    except Exception:  # a cache that cannot be read is no cache
        return None


def put(folder: Path | None, digest: str, value: Any) -> None:
    """Store an entry (atomically: written aside, then renamed); drop the oldest beyond
    KEEP. Failures are ignored: the cache only saves time."""
    if folder is None or not hasattr(os, "getuid"):
        return
    with contextlib.suppress(Exception):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _ours(os.stat(folder)):
            return
        fd, tmp = tempfile.mkstemp(prefix=".rules-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, folder / f"rules-{digest}.pickle")
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        entries = sorted(folder.glob("rules-*.pickle"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[:-KEEP]:
            old.unlink()
