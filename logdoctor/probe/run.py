"""The probe's steps, in order, each timed; the first failure stops the run.

config -> dns -> tcp -> tls -> greeting -> token -> inspect -> authenticate ->
select -> logout. A step returns an Outcome (OK / WARN / FAIL / SKIP, a summary,
detail lines, and for a failure the one-line `problem` the rules explain). The
steps that talk to the network live in netsteps.py and mailsteps.py; this module
owns the order, the clock and the shared state. Imports the probe's modules only.
"""

from __future__ import annotations

import enum
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from logdoctor.probe.secrets import Redactor, Secret, read_secret
from logdoctor.probe.settings import ProbeSettings
from logdoctor.probe.wire import Transcript, Wire


class Status(str, enum.Enum):
    """A step's verdict; the value is what every output shows."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


STEPS = (
    ("config", "Configuration"),
    ("dns", "DNS"),
    ("tcp", "TCP connect"),
    ("tls", "TLS"),
    ("greeting", "Greeting and capabilities"),
    ("token", "Token refresh"),
    ("inspect", "Access token"),
    ("authenticate", "Authenticate"),
    ("select", "Open folder"),
    ("logout", "Logout"),
)


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
class StepResult:
    """A step as reported."""

    id: str
    title: str
    outcome: Outcome
    seconds: float


@dataclass
class ProbeResult:
    """A whole run."""

    settings: ProbeSettings
    started: datetime
    steps: list[StepResult]
    transcript: Transcript
    seconds: float

    @property
    def failed(self) -> StepResult | None:
        """The step that failed, if one did."""
        return next((s for s in self.steps if s.outcome.status is Status.FAIL), None)


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


def prepare(settings: ProbeSettings, redactor: Redactor) -> State:
    """Check the settings and read every secret; a usage error (exit 2) if one is wrong."""
    settings.check()
    state = State(settings, redactor, Transcript())
    for what in ("password", "access token", "refresh token", "client secret"):
        source = settings.source(what)
        if source is None or (what == "password") != (settings.auth == "login"):
            continue
        secret, warning = read_secret(source, redactor)
        state.secrets[what] = secret
        if warning:
            state.warnings.append(warning)
    return state


def run(state: State) -> ProbeResult:
    """Every step in order until the first failure; the rest are skipped."""
    from logdoctor.probe import mailsteps, netsteps

    funcs: dict[str, Callable[[State], Outcome]] = {
        "config": netsteps.config, "dns": netsteps.dns, "tcp": netsteps.tcp,
        "tls": netsteps.tls, "greeting": netsteps.greeting, "token": mailsteps.token,
        "inspect": mailsteps.inspect_token, "authenticate": mailsteps.authenticate,
        "select": mailsteps.select, "logout": mailsteps.logout,
    }  # fmt: skip
    started, begin = state.now(), time.perf_counter()
    steps: list[StepResult] = []
    failed: str | None = None
    for step_id, title in STEPS:
        if failed:
            steps.append(StepResult(step_id, title, skip(f"not run: {failed} failed"), 0.0))
            continue
        state.transcript.step = step_id
        t0 = time.perf_counter()
        try:
            outcome = funcs[step_id](state)
        except Exception as exc:  # a server doing what no step foresaw: a failure, not a crash
            outcome = fail(f"unexpected {type(exc).__name__}: {exc}")
        steps.append(StepResult(step_id, title, outcome, time.perf_counter() - t0))
        if outcome.status is Status.FAIL:
            failed = step_id
    if state.wire is not None:
        state.wire.close()
    return ProbeResult(state.settings, started, steps, state.transcript,
                       time.perf_counter() - begin)  # fmt: skip


def record(step: StepResult, when: datetime) -> str | None:
    """The failed step as one log line in Monolog's format (probe/explain.py), or None
    when it did not fail."""
    problem = step.outcome.problem
    if problem is None:
        return None
    text = " ".join(problem.split())  # one line, whatever the server sent
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    return f"[{stamp}] probe.ERROR: imap {step.id}: {text} [] []"
