"""What the probe's steps share: their verdicts and the state one hands the next.

A module of its own so that the steps (netsteps.py, mailsteps.py) and the runner
(run.py) import it, and not each other.
"""

from __future__ import annotations

import enum
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from logdoctor.probe.secrets import Redactor, Secret
from logdoctor.probe.settings import ProbeSettings
from logdoctor.probe.wire import Transcript, Wire


class Status(str, enum.Enum):
    """A step's verdict; the value is what every output shows."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass
class Outcome:
    """What one step found."""

    status: Status
    summary: str
    details: list[str] = field(default_factory=list)
    problem: str | None = None  # a failure in one line: what the rules read


def ok(
    summary: str, details: list[str] | None = None, warnings: list[str] | None = None
) -> Outcome:
    """OK, or WARN when there are warnings (shown first)."""
    if warnings:
        return Outcome(
            Status.WARN, summary, [*(f"warning: {w}" for w in warnings), *(details or [])]
        )
    return Outcome(Status.OK, summary, details or [])


def fail(problem: str, details: list[str] | None = None) -> Outcome:
    """A failed step; `problem` is its summary too."""
    return Outcome(Status.FAIL, problem, details or [], problem)


def skip(why: str) -> Outcome:
    """A step with nothing to do."""
    return Outcome(Status.SKIP, why)


@dataclass
class State:
    """What the steps hand on to each other."""

    settings: ProbeSettings
    redactor: Redactor
    transcript: Transcript
    secrets: dict[str, Secret] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # from reading the secrets
    addresses: list[tuple[int, tuple[object, ...]]] = field(default_factory=list)
    wire: Wire | None = None
    tls: ssl.SSLSocket | None = None
    greeting: str | None = None
    caps: list[str] = field(default_factory=list)
    access_token: str | None = None
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
