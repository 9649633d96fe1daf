"""The exceptions users may see. Each carries a location and renders as one line.

The CLI prints `str(error)` on stderr and exits 2; nothing else of a user error is
shown (no traceback). Imports nothing from the package.
"""

from __future__ import annotations


class LogdoctorError(Exception):
    """A problem caused by the user's input, options or files, shown as one line."""

    def __init__(
        self, what: str, *, path: str | None = None, line: int | None = None, col: int | None = None
    ) -> None:
        super().__init__(what)
        self.what = what
        self.path = path
        self.line = line
        self.col = col

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword arguments survive pickling (errors raised in worker processes).
        return (_rebuild, (type(self), self.what, self.path, self.line, self.col))

    def __str__(self) -> str:
        parts = [p for p in (self.path, self.line, self.col) if p is not None]
        where = ":".join(str(p) for p in parts)
        return f"{where}: {self.what}" if where else self.what


class InputError(LogdoctorError):
    """An input that could not be read (missing, unreadable, binary, truncated...)."""


class UsageError(LogdoctorError):
    """A bad option value or combination."""


def _rebuild(
    cls: type[LogdoctorError], what: str, path: str | None, line: int | None, col: int | None
) -> LogdoctorError:
    return cls(what, path=path, line=line, col=col)
