"""Secrets that logs carry are redacted; the rest of the text is left as it is."""

from __future__ import annotations

import pytest

from logdoctor.report.safe import REDACTED, redact, redact_all


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "login_name=bob&login_password=hunter2&x=1",
            "login_name=bob&login_password=[redacted]&x=1",
        ),
        ('{"password": "a \\"b\\" c", "user": "bob"}', '{"password": "[redacted]", "user": "bob"}'),
        ("'proxy_passwd' => 'abc'", "'proxy_passwd' => '[redacted]'"),
        ("[client_secret] => xyz\n[login] => bob", "[client_secret] => [redacted]\n[login] => bob"),
        ("Authorization: Bearer abcdefghijklmnop.qrs", "Authorization: Bearer [redacted]"),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [redacted]"),
        ("jwt eyJhbGciOiJub25lIn0.eyJzdWIiOiJib2IifQ. end", "jwt [redacted] end"),
        ("got ya29.a0AfH6SMBxyz123 and 1//0gAbCdEfGhIjK", "got [redacted] and [redacted]"),
        ("XOAUTH2 dXNlcj1ib2JAZXhhbXBsZS5vcmcBYXV0aD1=", "XOAUTH2 [redacted]"),
        ("imap://bob:pa55@mail.example.org/INBOX", "imap://bob:[redacted]@mail.example.org/INBOX"),
        (
            "API_KEY=k1 apikey=k2 access_token=t",
            "API_KEY=[redacted] apikey=[redacted] access_token=[redacted]",
        ),
    ],
)
def test_secrets_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Access denied for user 'glpi'@'localhost' (using password: YES)",
        "cannot login, user or password wrong",
        "Mail receiver cannot log in (basic IMAP/POP authentication)",
        "Bearer authentication failed: invalid token",
        'Undefined array key "password" in /var/www/glpi/src/Auth.php at line 12',
        "Too few arguments to function f(), 1 passed and exactly 2 expected",
        "see https://glpi-project.org/doc and mysql://db.example.org:3306/glpi",
        "Duplicate entry '1-2' for key 'unicity'",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_redact_all_reaches_every_string_and_keeps_the_shape() -> None:
    doc = {"a": ["token=x", {"password=y": 3}], "b": ("ok", None, 1.5)}
    assert redact_all(doc) == {"a": [f"token={REDACTED}", {f"password={REDACTED}": 3}],
                               "b": ["ok", None, 1.5]}  # fmt: skip
