"""Secrets: read only from environment variables and files, never shown.

Passwords, access and refresh tokens and client secrets reach the probe through
`--*-env NAME` or `--*-file PATH`, never as option values (they would sit in the
shell history and in `ps`). Every value read, and every form it travels in (the
SASL payloads in base64, URL-encoded form bodies, JSON strings), is registered
with the run's `Redactor`, which every line of output passes through last.
Imports errors only.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import urllib.parse
from dataclasses import dataclass, field

from logdoctor.errors import UsageError

REDACTED = "<redacted>"
MIN_SECRET = 4  # shorter values would blank out ordinary words; none of the real ones is


@dataclass(frozen=True)
class SecretSource:
    """Where a secret comes from: an environment variable or a file (exactly one)."""

    what: str  # "password", "access token", "refresh token", "client secret"
    env: str | None = None
    file: str | None = None

    def describe(self) -> str:
        """`$NAME` or the file path, for the checklist (never the value)."""
        return f"${self.env}" if self.env else str(self.file)


class Secret:
    """A secret value whose str() and repr() never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value, for the wire only."""
        return self._value

    def __repr__(self) -> str:
        return "Secret(<redacted>)"

    __str__ = __repr__


@dataclass
class Redactor:
    """Every secret of a run in every form it may take; `scrub` removes them from text."""

    _values: set[str] = field(default_factory=set)
    _order: list[str] = field(default_factory=list)  # longest first, remade on add

    def add(self, value: str) -> None:
        """Register a value and its encoded forms."""
        if len(value) < MIN_SECRET:
            return
        forms = {
            value,
            urllib.parse.quote_plus(value),
            urllib.parse.quote(value, safe=""),
            json.dumps(value)[1:-1],
        }
        self._values.update(f for f in forms if len(f) >= MIN_SECRET)
        self._order = sorted(self._values, key=len, reverse=True)

    def add_payload(self, payload: bytes) -> str:
        """Register a SASL payload; returns its base64 form (registered too)."""
        encoded = base64.b64encode(payload).decode("ascii")
        self.add(encoded)
        self.add(payload.decode("utf-8", "replace"))
        return encoded

    def scrub(self, text: str) -> str:
        """`text` with every registered value replaced; longest first, so that a
        payload containing a token goes as a whole."""
        for value in self._order:
            if value in text:
                text = text.replace(value, REDACTED)
        return text


def read_secret(source: SecretSource, redactor: Redactor) -> tuple[Secret, str | None]:
    """The secret and a warning about its file's permissions, if any.

    A usage error (exit 2) when the variable is unset or the file unreadable; the
    message names the variable or file, never the value.
    """
    if source.env:
        value = os.environ.get(source.env)
        if not value:
            raise UsageError(f"the {source.what} variable ${source.env} is not set or empty")
        value = value.strip()
        redactor.add(value)
        return Secret(value), None
    path = str(source.file)
    try:
        with open(path, encoding="utf-8") as handle:
            value = handle.read().strip()
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise UsageError(f"cannot read the {source.what}: {exc.strerror}", path=path) from None
    except UnicodeDecodeError:
        raise UsageError(f"the {source.what} file is not UTF-8 text", path=path) from None
    if not value:
        raise UsageError(f"the {source.what} file is empty", path=path)
    redactor.add(value)
    warning = None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        warning = (
            f"{path} ({source.what}) is readable by group or others "
            f"(mode {stat.S_IMODE(mode):04o}): chmod 600 {path}"
        )
    return Secret(value), warning


def write_secret(path: str, value: str) -> None:
    """Replace a secret file atomically, readable by its owner only."""
    tmp = f"{path}.logdoctor-new"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
        os.replace(tmp, path)
    except OSError:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
