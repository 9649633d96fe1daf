"""`logdoctor probe imap` against a real Dovecot, the fake IdP and scripted servers.

Every scenario runs the real command in a subprocess, in both formats with the
transcript on, and `run_probe` searches everything it wrote for every secret.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.probe import scripted
from tests.probe.conftest import CLIENT_SECRET, run_probe
from tests.probe.dovecot import Dovecot, free_port
from tests.probe.idp import IdP

CLIENT_ID = "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


@dataclass
class Case:
    """One scenario: options (with {placeholders}), environment, what must come out."""

    args: list[str]
    code: int
    failed: str | None = None
    rules: list[str] = field(default_factory=list)  # rule ids that must explain it
    env: dict[str, str] = field(default_factory=dict)
    refresh: str | None = None  # a refresh token, written to a 0600 file
    says: str | None = None  # text the failed step's summary holds
    script: str | None = None  # a scripted server instead of Dovecot


# Refresh through the loopback IdP, read as Entra's or Google's replies.
ENTRA = ["--imaps", "--provider", "entra", "--tenant", "example.test", "--client-id", CLIENT_ID]
ENTRA_URL = ["--token-url", "{idp}/example.test/oauth2/v2.0/token"]
GOOGLE = ["--imaps", "--provider", "google", "--token-url", "{idp}/google/token",
          "--client-id", "123-abc.apps.googleusercontent.com"]  # fmt: skip
SECRET = ["--client-secret-env", "CS_VALUE"]


def _refresh(args: list[str], refresh: str, failed: str, rule: str, says: str) -> Case:
    """A scenario whose refresh token makes the IdP answer as recorded."""
    return Case(args, 1, failed, [rule], refresh=refresh, says=says)


def _entra(refresh: str, rule: str, says: str) -> Case:
    return _refresh([*ENTRA, *ENTRA_URL, *SECRET], refresh, "token", rule, says)


def _google(refresh: str, rule: str, says: str) -> Case:
    return _refresh([*GOOGLE, *SECRET], refresh, "token", rule, says)


def _scripted(script: str, failed: str, rule: str, says: str) -> Case:
    """A scenario against a scripted server (Exchange's and Gmail's own replies)."""
    return Case(["--scripted", "--token-env", "AT_VALUE"], 1, failed, [rule],
                env={"AT_VALUE": "at-alice-valid"}, script=script, says=says)  # fmt: skip


# fmt: off
CASES: dict[str, Case] = {
    "xoauth2-refresh": Case([*ENTRA, *ENTRA_URL, *SECRET], 0, refresh="rt-alice-good"),
    "oauthbearer": Case(
        ["--imaps", "--auth", "oauthbearer", "--token-env", "AT_VALUE"],
        0,
        env={"AT_VALUE": "at-alice-valid"},
    ),
    "login": Case(
        ["--imaps", "--auth", "login", "--password-env", "PW_VALUE"],
        0,
        env={"PW_VALUE": "alice-pass"},
    ),
    "starttls": Case(
        ["--starttls-port", "--auth", "login", "--password-env", "PW_VALUE"],
        0,
        env={"PW_VALUE": "alice-pass"},
    ),
    "expired-token": Case(
        ["--imaps", "--token-env", "AT_VALUE"],
        1,
        "authenticate",
        ["net.imap.token-refused"],
        env={"AT_VALUE": "at-alice-expired"},
        says='(challenge {"status":"401","schemes":"bearer","scope":"mail"})',
    ),
    "oauthbearer-expired": Case(
        ["--imaps", "--auth", "oauthbearer", "--token-env", "AT_VALUE"],
        1,
        "authenticate",
        ["net.imap.token-refused"],
        env={"AT_VALUE": "at-alice-expired"},
        says='(challenge {"status":"invalid_token"})',
    ),
    "wrong-password": Case(
        ["--imaps", "--auth", "login", "--password-env", "PW_VALUE"],
        1,
        "authenticate",
        ["net.imap.login-failed"],
        env={"PW_VALUE": "wrong-password-123"},
        says="LOGIN refused: NO [AUTHENTICATIONFAILED]",
    ),
    "idp-down": Case(
        ["--imaps", "--token-env", "AT_VALUE"],
        1,
        "authenticate",
        ["net.imap.auth-unavailable"],
        env={"AT_VALUE": "at-idp-down"},
        says="NO [UNAVAILABLE]",
    ),
    "aadsts700082": _entra("rt-aad-inactive", "oauth.entra.aadsts700082",
                           "HTTP 400: invalid_grant: AADSTS700082"),
    "aadsts7000215": _entra("rt-aad-bad-secret", "oauth.entra.aadsts7000215",
                            "HTTP 401: invalid_client: AADSTS7000215"),
    "aadsts65001": _entra("rt-aad-consent", "oauth.entra.aadsts65001", "AADSTS65001"),
    "aadsts53003": _entra("rt-aad-ca", "oauth.entra.aadsts53003",
                          "interaction_required: AADSTS53003"),
    "aadsts50173": _entra("rt-aad-revoked", "oauth.entra.aadsts50173", "AADSTS50173"),
    "google-invalid-grant": _google("rt-google-revoked", "oauth.google.invalid-grant",
                                    "google token endpoint answered HTTP 400: invalid_grant: "
                                    "Token has been expired or revoked."),
    "google-invalid-client": _google("rt-google-no-client", "oauth.google.invalid-client",
                                     "HTTP 401: invalid_client"),
    "google-unauthorized-client": _google(
        "rt-google-other-client", "oauth.google.unauthorized-client", "unauthorized_client"
    ),
    "google-admin-policy": _google("rt-google-admin", "oauth.google.admin-policy-enforced",
                                   "admin_policy_enforced"),
    "graph-token": _refresh([*ENTRA, *ENTRA_URL], "rt-graph", "inspect",
                            "net.imap.token-audience-graph", "access token is for Microsoft Graph"),
    "no-imap-scope": _refresh([*ENTRA, *ENTRA_URL], "rt-no-imap-scope", "inspect",
                              "net.imap.token-missing-scope",
                              "access token has no IMAP permission (scp: Mail.Read User.Read)"),
    "token-endpoint-down": _refresh([*ENTRA, "--token-url",
                                     "http://127.0.0.1:{closed}/t/oauth2/v2.0/token"],
                                    "rt-alice-good", "token",
                                    "net.imap.token-endpoint-unreachable",
                                    "cannot reach the token endpoint"),
    "token-endpoint-html": _refresh([*ENTRA, "--token-url", "{idp}/broken"], "rt-alice-good",
                                    "token", "net.imap.token-endpoint-bad-reply",
                                    "HTTP 502 with a body that is not JSON"),
    "self-signed": Case(
        ["--imaps-nocafile", "--token-env", "AT_VALUE"],
        1,
        "tls",
        ["net.imap.tls-self-signed"],
        env={"AT_VALUE": "at-alice-valid"},
        says="certificate verify failed: self-signed certificate",
    ),
    "hostname-mismatch": Case(
        ["--imaps", "--host", "localhost", "--token-env", "AT_VALUE"],
        1,
        "tls",
        ["net.imap.tls-hostname-mismatch"],
        env={"AT_VALUE": "at-alice-valid"},
        says="Hostname mismatch, certificate is not valid for 'localhost'",
    ),
    "starttls-self-signed": Case(
        ["--starttls-port-nocafile", "--auth", "login", "--password-env", "PW_VALUE"],
        1,
        "tls",
        ["net.imap.tls-self-signed"],
        env={"PW_VALUE": "alice-pass"},
    ),
    "connection-refused": Case(
        ["--host", "127.0.0.1", "--port", "{closed}", "--token-env", "AT_VALUE"],
        1,
        "tcp",
        ["net.imap.connection-refused"],
        env={"AT_VALUE": "at-alice-valid"},
        says="[Errno 111] Connection refused",
    ),
    "dns-invalid": Case(
        ["--host", "imap.example.invalid", "--token-env", "AT_VALUE"],
        1,
        "dns",
        ["net.imap.dns-failure"],
        env={"AT_VALUE": "at-alice-valid"},
        says="cannot resolve imap.example.invalid",
    ),
    "missing-folder": Case(
        ["--imaps", "--token-env", "AT_VALUE", "--folder", "NoSuchBox"],
        1,
        "select",
        ["net.imap.mailbox-missing"],
        env={"AT_VALUE": "at-alice-valid"},
        says="EXAMINE NoSuchBox: NO Mailbox doesn't exist",
    ),
    "logindisabled": Case(
        [
            "--host",
            "127.0.0.2",
            "--port",
            "{imap}",
            "--plain",
            "--allow-plaintext",
            "--auth",
            "login",
            "--password-env",
            "PW_VALUE",
        ],
        1,
        "greeting",
        ["net.imap.plaintext-refused"],
        env={"PW_VALUE": "alice-pass"},
        says="LOGINDISABLED",
    ),
    "exchange-not-connected": _scripted(
        "exchange_not_connected",
        "select",
        "glpi.oauthimap.exchange-not-connected",
        "BAD User is authenticated but not connected.",
    ),
    "exchange-auth-failed": _scripted(
        "exchange_auth_failed",
        "authenticate",
        "glpi.oauthimap.exchange-authenticate-failed",
        "NO AUTHENTICATE failed.",
    ),
    "gmail-invalid-credentials": _scripted(
        "gmail_invalid",
        "authenticate",
        "oauth.google.imap-invalid-credentials",
        '(challenge {"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"})',
    ),
    "xoauth2-not-advertised": _scripted(
        "no_xoauth2", "greeting", "net.imap.xoauth2-not-advertised", "XOAUTH2 is not advertised"
    ),
}
# fmt: on


def closed_port() -> int:
    return free_port()  # bound, then released: nothing listens there


def expand(
    case: Case, dovecot: Dovecot, idp: IdP, tmp: Path, make: Any
) -> tuple[list[str], dict[str, str]]:
    """Options with the placeholders filled; the environment with the secrets."""
    base = ["--user", "alice@example.test"]
    args: list[str] = []
    fill = {"idp": idp.url, "closed": str(closed_port()), "imap": str(dovecot.imap_port)}
    for arg in case.args:
        if arg == "--imaps":
            args += [
                "--host",
                "127.0.0.1",
                "--port",
                str(dovecot.imaps_port),
                "--cafile",
                dovecot.cafile,
            ]
        elif arg == "--imaps-nocafile":
            args += ["--host", "127.0.0.1", "--port", str(dovecot.imaps_port)]
        elif arg == "--starttls-port":
            args += [
                "--host",
                "127.0.0.1",
                "--port",
                str(dovecot.imap_port),
                "--starttls",
                "--cafile",
                dovecot.cafile,
            ]
        elif arg == "--starttls-port-nocafile":
            args += ["--host", "127.0.0.1", "--port", str(dovecot.imap_port), "--starttls"]
        elif arg == "--scripted":
            server = make(getattr(scripted, case.script or ""))
            args += ["--host", "127.0.0.1", "--port", str(server.port), "--cafile", dovecot.cafile]
        else:
            args.append(arg.format(**fill))
    if "--host" in args and args.count("--host") > 1:  # a case's own --host wins
        first = args.index("--host")
        del args[first : first + 2]
    env = {"CS_VALUE": CLIENT_SECRET, **case.env}
    if case.refresh:
        path = tmp / "refresh-token"
        path.write_text(case.refresh + "\n")
        path.chmod(0o600)
        args += ["--refresh-token-file", str(path)]
    return base + args, env


@pytest.mark.parametrize("fmt", ["json", "terminal"])
@pytest.mark.parametrize("name", list(CASES))
def test_scenario(
    name: str, fmt: str, imap_server: Dovecot, fake_idp: IdP, tmp_path: Path, scripted_server: Any
) -> None:
    case = CASES[name]
    args, env = expand(case, imap_server, fake_idp, tmp_path, scripted_server)
    run = run_probe(*args, "--format", fmt, "--transcript", env=env, server=fake_idp)
    assert run.code == case.code, run.out + run.err
    if fmt == "terminal":
        verdict = "Passed in" if case.code == 0 else f"Failed at step {case.failed}"
        assert verdict in run.out
        for rule in case.rules:
            assert f"({rule})" in run.out
        return
    doc = run.json()
    assert doc["format_version"] == 1
    assert doc["result"] == ("passed" if case.code == 0 else "failed")
    assert doc["failed_step"] == case.failed
    statuses = [s["status"] for s in doc["steps"]]
    if case.failed is None:
        assert "fail" not in statuses
        return
    failed = run.step(case.failed)
    assert failed["status"] == "fail"
    after = statuses[statuses.index("fail") + 1 :]
    assert set(after) <= {"skip"}  # the first failure stops the run
    if case.says:
        assert case.says in failed["summary"], failed["summary"]
    assert (
        failed["record"].startswith("[")
        and f"probe.ERROR: imap {case.failed}: " in failed["record"]
    )
    assert [e["rule"]["id"] for e in failed["explanations"]] == case.rules
    assert all(e["fix"] and e["explain"] for e in failed["explanations"])


def test_full_probe_steps_and_transcript(
    imap_server: Dovecot, fake_idp: IdP, tmp_path: Path, scripted_server: Any
) -> None:
    args, env = expand(CASES["xoauth2-refresh"], imap_server, fake_idp, tmp_path, scripted_server)
    run = run_probe(*args, "--format", "json", "--transcript", env=env, server=fake_idp)
    doc = run.json()
    assert [(s["id"], s["status"]) for s in doc["steps"]] == [
        ("config", "ok"),
        ("dns", "ok"),
        ("tcp", "ok"),
        ("tls", "ok"),
        ("greeting", "ok"),
        ("token", "ok"),
        ("inspect", "skip"),
        ("authenticate", "ok"),
        ("select", "ok"),
        ("logout", "ok"),
    ]
    assert run.step("select")["summary"] == "INBOX: 3 message(s) (read-only)"
    assert (
        "TLSv1.3" in run.step("tls")["summary"]
        and "verified against --cafile" in run.step("tls")["summary"]
    )
    lines = [(t["step"], t["direction"], t["text"]) for t in doc["transcript"]]
    sent = [text for _, d, text in lines if d == "C:"]
    # SASL-IR: the payload goes with the command, redacted, in one line.
    assert sent[0].startswith("a1 AUTHENTICATE XOAUTH2 <redacted>")
    assert sent[1:] == ['a2 EXAMINE "INBOX"', "a3 LOGOUT"]
    http = [text for _, d, text in lines if d in (">", "<")]
    assert http[0].startswith("POST http://127.0.0.1:") and "HTTP 200" in http
    assert "refresh_token=<redacted>" in http[2] and "client_secret=<redacted>" in http[2]
    # Under 300 ms for the whole probe against the local Dovecot (the probe's own clock).
    assert doc["duration_ms"] < 300, doc["duration_ms"]


def test_silent_server_timeout_is_honoured(scripted_server: Any, imap_server: Dovecot) -> None:
    server = scripted_server(scripted.silent, tls=False)
    run = run_probe(
        "--host",
        "127.0.0.1",
        "--port",
        str(server.port),
        "--plain",
        "--allow-plaintext",
        "--user",
        "a@example.test",
        "--token-env",
        "AT_VALUE",
        "--timeout",
        "1.5",
        "--format",
        "json",
        env={"AT_VALUE": "at-alice-valid"},
    )
    assert run.code == 1
    step = run.step("greeting")
    assert step["summary"] == (
        "no greeting within 1.5 s: the server accepted the connection and said nothing"
    )
    assert 1350 <= step["duration_ms"] <= 1650  # within 10 %
    assert [e["rule"]["id"] for e in step["explanations"]] == ["net.imap.no-greeting"]


def test_gmail_challenge_is_answered_with_an_empty_line(
    scripted_server: Any, imap_server: Dovecot
) -> None:
    server = scripted_server(scripted.gmail_invalid)
    run = run_probe(
        "--host",
        "127.0.0.1",
        "--port",
        str(server.port),
        "--cafile",
        imap_server.cafile,
        "--user",
        "alice@example.test",
        "--token-env",
        "AT_VALUE",
        "--format",
        "json",
        env={"AT_VALUE": "at-alice-valid"},
    )
    assert run.code == 1
    received = server.peers[0].received
    assert received[0] == "a1 CAPABILITY"
    assert received[1].startswith("a2 AUTHENTICATE XOAUTH2 ")  # SASL-IR, as Gmail offers it
    assert received[2] == ""  # RFC 7628 3.2.3: the client answers the error challenge empty
    assert run.step("authenticate")["details"] == [
        'challenge: {"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}'
    ]


def test_exchange_frontend_is_decoded(scripted_server: Any, imap_server: Dovecot) -> None:
    server = scripted_server(scripted.exchange_not_connected)
    run = run_probe(
        "--host",
        "127.0.0.1",
        "--port",
        str(server.port),
        "--cafile",
        imap_server.cafile,
        "--user",
        "alice@example.test",
        "--token-env",
        "AT_VALUE",
        "--format",
        "json",
        env={"AT_VALUE": "at-alice-valid"},
    )
    details = run.step("greeting")["details"]
    assert "Exchange front end: MR1P264CA0146.FRAP264.PROD.OUTLOOK.COM" in details


def test_insecure_passes_and_says_so(imap_server: Dovecot) -> None:
    run = run_probe(
        "--host",
        "127.0.0.1",
        "--port",
        str(imap_server.imaps_port),
        "--insecure",
        "--user",
        "alice@example.test",
        "--auth",
        "login",
        "--password-env",
        "PW_VALUE",
        env={"PW_VALUE": "alice-pass"},
    )
    assert run.code == 0
    assert "TLS verification is OFF (--insecure)" in run.out
    assert "WARN  TLS" in run.out and "certificate NOT verified (--insecure)" in run.out


def test_refresh_token_saved_only_when_asked(
    imap_server: Dovecot, fake_idp: IdP, tmp_path: Path, scripted_server: Any
) -> None:
    args, env = expand(CASES["xoauth2-refresh"], imap_server, fake_idp, tmp_path, scripted_server)
    path = tmp_path / "refresh-token"
    run = run_probe(*args, "--format", "json", env=env, server=fake_idp)
    assert path.read_text() == "rt-alice-good\n"
    assert "not saved (--save-refresh-token keeps it)" in " ".join(run.step("token")["details"])
    run = run_probe(*args, "--save-refresh-token", "--format", "json", env=env, server=fake_idp)
    assert run.code == 0
    assert path.read_text() == "rt-alice-rotated\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"new refresh token saved to {path}" in run.step("token")["details"]


def test_secret_file_readable_by_others_warns(imap_server: Dovecot, tmp_path: Path) -> None:
    path = tmp_path / "password"
    path.write_text("alice-pass\n")
    path.chmod(0o644)
    run = run_probe(
        "--host",
        "127.0.0.1",
        "--port",
        str(imap_server.imaps_port),
        "--cafile",
        imap_server.cafile,
        "--user",
        "alice@example.test",
        "--auth",
        "login",
        "--password-file",
        str(path),
        "--format",
        "json",
    )
    assert run.code == 0
    config = run.step("config")
    assert config["status"] == "warn"
    assert config["details"][0] == (
        f"warning: {path} (password) is readable by group or others (mode 0644): chmod 600 {path}"
    )


@pytest.mark.parametrize("fmt", ["terminal", "json"])
def test_server_text_is_inert(scripted_server: Any, imap_server: Dovecot, fmt: str) -> None:
    server = scripted_server(scripted.hostile)
    run = run_probe(
        "--host",
        "127.0.0.1",
        "--port",
        str(server.port),
        "--cafile",
        imap_server.cafile,
        "--user",
        "alice@example.test",
        "--token-env",
        "AT_VALUE",
        "--transcript",
        "--format",
        fmt,
        env={"AT_VALUE": "at-alice-valid"},
    )
    assert run.code == 1
    assert "\x1b" not in run.out and "\x07" not in run.out
    if fmt == "terminal":
        assert "\\x1b[31mred" in run.out and "[bold red]markup[/bold red]" in run.out
    else:
        assert "\x1b[31mred" in run.step("greeting")["details"][0]  # JSON escapes it: \u001b
