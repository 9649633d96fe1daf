"""The probe's steps, in order, each timed; the first failure stops the run.

config -> dns -> tcp -> tls -> greeting -> token -> inspect -> authenticate ->
select -> logout. A step returns an Outcome (OK / WARN / FAIL / SKIP, a summary,
detail lines, and for a failure the one-line `problem` the rules explain). The
steps live in netsteps.py and mailsteps.py, what they share in state.py; this
module owns the order and the clock. Imports the probe's modules only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from logdoctor.probe import mailsteps, netsteps
from logdoctor.probe.secrets import Redactor, read_secret
from logdoctor.probe.settings import ProbeSettings
from logdoctor.probe.state import Outcome, State, Status, fail, skip
from logdoctor.probe.wire import Transcript

STEPS: tuple[tuple[str, str, Callable[[State], Outcome]], ...] = (
    ("config", "Configuration", netsteps.config),
    ("dns", "DNS", netsteps.dns),
    ("tcp", "TCP connect", netsteps.tcp),
    ("tls", "TLS", netsteps.tls),
    ("greeting", "Greeting and capabilities", netsteps.greeting),
    ("token", "Token refresh", mailsteps.token),
    ("inspect", "Access token", mailsteps.inspect_token),
    ("authenticate", "Authenticate", mailsteps.authenticate),
    ("select", "Open folder", mailsteps.select),
    ("logout", "Logout", mailsteps.logout),
)


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
    started, begin = state.now(), time.perf_counter()
    steps: list[StepResult] = []
    failed: str | None = None
    for step_id, title, step in STEPS:
        if failed:
            steps.append(StepResult(step_id, title, skip(f"not run: {failed} failed"), 0.0))
            continue
        state.transcript.step = step_id
        t0 = time.perf_counter()
        try:
            outcome = step(state)
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
