"""The probe's settings, profiles, secrets and helpers: no server needed."""

from __future__ import annotations

import base64
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from logdoctor.probe.secrets import Redactor
from logdoctor.probe.tlsinfo import describe, names_match
from logdoctor.probe.tokens import claims, inspect
from logdoctor.probe.wire import mailbox_name
from tests.probe.conftest import run_probe
from tests.probe.dovecot import free_port
from tests.probe.idp import graph_token, outlook_token

NOW = datetime.now(timezone.utc)


def test_plain_without_allow_plaintext_is_a_usage_error() -> None:
    run = run_probe(
        "--host",
        "127.0.0.1",
        "--plain",
        "--user",
        "a@example.test",
        "--token-env",
        "AT_VALUE",
        env={"AT_VALUE": "at-alice-valid"},
    )
    assert (run.code, run.out) == (2, "")
    assert run.err == (
        "plain IMAP would send the credentials unencrypted: use --ssl or --starttls, or add "
        "--allow-plaintext on a network you trust\n"
    )


@pytest.mark.parametrize("option", ["--password", "--token", "--refresh-token", "--client-secret"])
def test_secret_values_on_the_command_line_are_refused(option: str) -> None:
    run = run_probe("--host", "h", "--user", "u@example.test", option, "hunter2-secret")
    assert run.code == 2
    assert "hunter2-secret" not in run.out + run.err
    assert f"{option} takes no value on the command line" in run.err
    assert f"use {option}-env NAME or {option}-file PATH" in run.err


def test_unset_variable_and_unreadable_file(tmp_path: Path) -> None:
    run = run_probe("--host", "h", "--user", "u@example.test", "--token-env", "AT_NOT_SET")
    assert (run.code, run.err) == (2, "the access token variable $AT_NOT_SET is not set or empty\n")
    missing = tmp_path / "nope"
    run = run_probe(
        "--host",
        "h",
        "--user",
        "u@example.test",
        "--auth",
        "login",
        "--password-file",
        str(missing),
    )
    assert (run.code, run.err) == (
        2,
        f"{missing}: cannot read the password: No such file or directory\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "no host: give --host or a profile with host"),
        (
            ["--host", "h", "--user", "u@example.test"],
            "--auth xoauth2 needs a token: --token-env/--token-file, or --refresh-token-file with "
            "--provider (or --token-url) and --client-id",
        ),
        (
            [
                "--host",
                "h",
                "--user",
                "u@example.test",
                "--refresh-token-env",
                "RT_X",
                "--client-id",
                "c",
            ],
            "a refresh token needs --provider entra|google or --token-url",
        ),
        (
            [
                "--host",
                "h",
                "--user",
                "u@example.test",
                "--token-env",
                "X",
                "--insecure",
                "--cafile",
                "ca.pem",
            ],
            "--insecure turns verification off; --cafile needs it on: give one",
        ),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    run = run_probe(*args)
    assert (run.code, run.out, run.err) == (2, "", message + "\n")


PROFILE = """\
profiles:
  support:
    host: 127.0.0.1
    port: {port}
    user: alice@example.test
    token-env: AT_VALUE
    timeout: 2
  broken:
    host: imap.example.test
    pasword-env: X
    refresh-token: rt-in-the-file
    port: many
"""


def test_profile_and_options_over_it(tmp_path: Path) -> None:
    config = tmp_path / "probes.yaml"
    port = free_port()
    config.write_text(PROFILE.format(port=port))
    run = run_probe(
        "--config",
        str(config),
        "--profile",
        "support",
        "--folder",
        "Tickets",
        "--format",
        "json",
        env={"AT_VALUE": "at-alice-valid"},
    )
    doc = run.json()
    assert run.code == 1  # nothing listens there
    assert doc["target"]["port"] == port and doc["target"]["folder"] == "Tickets"
    assert doc["failed_step"] == "tcp"
    assert doc["steps"][0]["details"][0].endswith("timeout 2 s")


def test_profile_problems_are_located_all_at_once(tmp_path: Path) -> None:
    config = tmp_path / "probes.yaml"
    config.write_text(PROFILE.format(port=1))
    run = run_probe("--config", str(config), "--profile", "broken")
    assert run.code == 2
    assert "rt-in-the-file" not in run.err
    assert run.err.splitlines() == [
        f"{config}:10:5: unknown setting 'pasword-env'; did you mean 'password-env'?",
        f"{config}:11:5: 'refresh-token': secrets never go in a profile file; use "
        "refresh-token-env (a variable) or refresh-token-file (a file)",
        f"{config}:12:11: 'port' must be a number, not 'many'",
    ]
    run = run_probe("--config", str(config), "--profile", "nope")
    assert run.err == f"{config}:1:1: no profile 'nope' (profiles: broken, support)\n"


def test_redactor_hides_every_form() -> None:
    r = Redactor()
    r.add("tok/en+with=chars")
    payload = b"user=a@example.test\x01auth=Bearer tok/en+with=chars\x01\x01"
    encoded = r.add_payload(payload)
    text = f"a {encoded} b tok%2Fen%2Bwith%3Dchars c tok/en+with=chars d"
    assert r.scrub(text) == "a <redacted> b <redacted> c <redacted> d"
    assert base64.b64decode(encoded) == payload


def test_mailbox_names_in_modified_utf7() -> None:
    assert mailbox_name("INBOX") == '"INBOX"'
    assert mailbox_name("Éléments envoyés") == '"&AMk-l&AOk-ments envoy&AOk-s"'
    assert mailbox_name('A&B "x"') == '"A&-B \\"x\\""'


def test_token_claims() -> None:
    graph = inspect(claims(graph_token()) or {}, user="alice@example.test", tenant=None, now=NOW)
    assert (
        graph.problem == "access token is for Microsoft Graph (aud https://graph.microsoft.com), "
        "not Exchange Online"
    )
    scope = inspect(
        claims(outlook_token(scp="Mail.Read")) or {},
        user="alice@example.test",
        tenant=None,
        now=NOW,
    )
    assert scope.problem == "access token has no IMAP permission (scp: Mail.Read)"
    old = inspect(
        claims(outlook_token(exp_delta=-60)) or {}, user="alice@example.test", tenant=None, now=NOW
    )
    assert old.problem is not None and old.problem.startswith("access token expired at ")
    other = inspect(
        claims(outlook_token()) or {},
        user="shared@example.test",
        tenant="99999999-2222-3333-4444-555555555555",
        now=NOW,
    )
    assert other.problem is None
    assert other.warnings == [
        "the token is alice@example.test's, the mailbox is shared@example.test: alice@example.test "
        "needs FullAccess to it",
        "the token's tenant 11111111-2222-3333-4444-555555555555 is not --tenant "
        "99999999-2222-3333-4444-555555555555",
    ]
    assert claims("ya29.opaque-google-token") is None


def test_certificate_names() -> None:
    cert = {
        "subjectAltName": (
            ("DNS", "*.example.test"),
            ("DNS", "example.test"),
            ("IP Address", "127.0.0.1"),
        )
    }
    assert names_match(cert, "imap.example.test")
    assert names_match(cert, "example.test")
    assert not names_match(cert, "a.b.example.test")
    assert names_match(cert, "127.0.0.1")
    assert not names_match(cert, "127.0.0.2")


def test_certificate_expiring_soon_warns() -> None:
    when = datetime.fromtimestamp(NOW.timestamp() + 10 * 86400 + 3600, tz=timezone.utc)
    cert = {
        "subject": ((("commonName", "imap.example.test"),),),
        "issuer": ((("commonName", "Example CA"),),),
        "subjectAltName": (("DNS", "imap.example.test"),),
        "notAfter": when.strftime("%b %d %H:%M:%S %Y GMT"),
    }
    lines, warnings = describe(cert, host="imap.example.test", now=NOW)
    assert warnings == [f"the certificate expires in 10 days ({when:%Y-%m-%d})"]
    assert lines == [
        "subject: CN=imap.example.test",
        "names: DNS:imap.example.test",
        "issuer: CN=Example CA",
        f"expires: {when:%Y-%m-%d} (10 days)",
        "name match for imap.example.test: yes",
    ]


def test_graph_scope_fails_the_config_step(tmp_path: Path) -> None:
    rt = tmp_path / "rt"
    rt.write_text("rt-alice-good\n")
    rt.chmod(0o600)
    run = run_probe("--host", "127.0.0.1", "--port", str(free_port()), "--user",
                    "alice@example.test", "--provider", "entra", "--tenant", "common",
                    "--client-id", "glpi", "--refresh-token-file", str(rt), "--scope",
                    "https://graph.microsoft.com/.default", "--format", "json")  # fmt: skip
    assert run.code == 1
    config = run.step("config")
    assert config["summary"] == (
        "scope 'https://graph.microsoft.com/.default' asks for a Microsoft Graph token; IMAP "
        "needs https://outlook.office.com/IMAP.AccessAsUser.All"
    )
    assert [s["status"] for s in run.json()["steps"][1:]] == ["skip"] * 9


def test_the_same_rule_explains_the_record_in_explain() -> None:
    record = (
        "[2026-11-28T14:03:19.000000+00:00] probe.ERROR: imap tcp: cannot connect to "
        "127.0.0.1:993: [Errno 111] Connection refused [] []"
    )
    done = subprocess.run([sys.executable, "-m", "logdoctor", "explain", record],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0
    assert "(net.imap.connection-refused)" in done.stdout.splitlines()[0]
