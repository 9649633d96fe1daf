"""Fixtures for the probe: a real Dovecot, the fake IdP, scripted servers, and `probe`,
which runs the real command in a subprocess and checks that no secret came out.

Without Dovecot the Dovecot tests are skipped, except where LOGDOCTOR_REQUIRE_DOVECOT
is set (the test command sets it, after installing Dovecot): there they fail.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.probe import dovecot, idp, scripted

CLIENT_SECRET = "cs-super-secret-value~42"
PASSWORDS = (*tuple(dovecot.USERS.values()), "wrong-password-123")


def secrets_of(server: idp.IdP | None = None) -> list[str]:
    """Every secret a scenario may handle, and the forms it travels in."""
    values = [CLIENT_SECRET, *PASSWORDS, *idp.REFRESH]
    values += ["at-alice-valid", "at-alice-expired", "at-bob-valid"]
    for _, body in idp.REFRESH.values():
        for key in ("access_token", "refresh_token"):
            if isinstance(body.get(key), str):
                values.append(body[key])
    if server is not None:
        values += list(server.issued)
    forms = list(values)
    for v in values:
        for user in dovecot.USERS:
            forms.append(
                base64.b64encode(f"user={user}\x01auth=Bearer {v}\x01\x01".encode()).decode()
            )
    return [f for f in forms if len(f) >= 6 and f not in ("GRAPH", "NOSCOPE")]


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float

    def json(self) -> dict[str, Any]:
        return json.loads(self.out)  # type: ignore[no-any-return]

    def step(self, step_id: str) -> dict[str, Any]:
        return next(s for s in self.json()["steps"] if s["id"] == step_id)


def run_probe(*args: str, env: dict[str, str] | None = None, server: idp.IdP | None = None) -> Run:
    """The real command; asserts that no secret appears in anything it wrote."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("AT", "RT", "PW", "CS"))}
    full_env.update(env or {})
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "logdoctor", "probe", "imap", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )
    run = Run(done.returncode, done.stdout, done.stderr, time.perf_counter() - t0)
    leaked = [s for s in secrets_of(server) if s in run.out or s in run.err]
    assert leaked == [], f"secrets in the output: {leaked}\n{run.out}\n{run.err}"
    assert "Traceback" not in run.err, run.err
    return run


@pytest.fixture(scope="session")
def fake_idp() -> Iterator[idp.IdP]:
    server = idp.IdP()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def imap_server(fake_idp: idp.IdP) -> Iterator[dovecot.Dovecot]:
    required = os.environ.get("LOGDOCTOR_REQUIRE_DOVECOT") == "1"
    if dovecot.binary() is None:
        if required:
            pytest.fail("Dovecot is required here (LOGDOCTOR_REQUIRE_DOVECOT=1) but not installed")
        pytest.skip("Dovecot is not installed: apt-get install dovecot-imapd")
    try:
        instance = dovecot.start(fake_idp.port)
    except RuntimeError as exc:
        if required:
            pytest.fail(f"Dovecot did not start: {exc}")
        pytest.skip(f"Dovecot did not start: {exc}")
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def tls_files(imap_server: dovecot.Dovecot) -> tuple[str, str]:
    tls = imap_server.dir / "tls"
    return str(tls / "server.crt"), str(tls / "server.key")


@pytest.fixture
def scripted_server(tls_files: tuple[str, str]) -> Iterator[Any]:
    made: list[scripted.ScriptedServer] = []

    def make(script: scripted.Script, tls: bool = True) -> scripted.ScriptedServer:
        ctx = scripted.server_context(*tls_files) if tls else None
        server = scripted.ScriptedServer(script, ctx)
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()
