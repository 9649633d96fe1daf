"""Every bundled sample log parses losslessly into the entries its README describes."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from logdoctor.app import ReadOptions, iter_entries
from logdoctor.errors import InputError
from logdoctor.model import Dialect, Entry, Level
from tests.conftest import SAMPLES

# Entries per file. Where this differs from the sample README's header count, the
# parser joins records that continue an error: xdebug's "PHP Stack trace" rows
# (php_errors.log: 69 headers, 65 entries) and php-fpm stderr lines carrying a
# stack trace (php-fpm.log: 51 headers, 44 entries); container output counts
# other containers' lines as entries of their own.
EXPECTED = {
    "glpi-9.5/php-errors.log": 46,
    "glpi-9.5/sql-errors.log": 16,
    "glpi-10/php-errors.log": 57,
    "glpi-10/sql-errors.log": 17,
    "glpi-10/cron.log": 86,
    "glpi-10/mailgate.log": 41,
    "glpi-10/event.log": 63,
    "glpi-10/mail-error.log": 36,
    "glpi-10/access-errors.log": 26,
    "glpi-10/rotated/php-errors.log.1": 40,
    "glpi-10/rotated/php-errors.log.2.gz": 33,
    "glpi-11/php-errors.log": 36,
    "glpi-11/access-errors.log": 20,
    "php/php_errors.log": 65,
    "php/apache-error.log": 50,
    "php/php-fpm.log": 44,
    "php/nginx-error.log": 18,
    "monolog/app.log": 54,
    "docker/glpi-compose.log": 10,
    "mixed/bytes.log": 12,
}
UNKNOWN_OK = {"php/apache-error.log": 1, "docker/glpi-compose.log": 2}


def _read(rel: str) -> list[Entry]:
    errors: list[InputError] = []
    out = list(iter_entries([str(SAMPLES / rel)], options=ReadOptions(), on_error=errors.append))
    assert errors == []
    return out


def _bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def test_every_sample_file_is_listed() -> None:
    found = {
        str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*") if p.is_file() and ".log" in p.name
    }
    assert found == set(EXPECTED)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_sample_is_lossless_and_counted(rel: str) -> None:
    entries = _read(rel)
    joined = "".join(e.raw for e in entries).encode("utf-8", "surrogateescape")
    assert joined == _bytes(SAMPLES / rel)
    assert len(entries) == EXPECTED[rel]
    unknown = [e.line for e in entries if e.dialect is Dialect.UNKNOWN]
    assert len(unknown) == UNKNOWN_OK.get(rel, 0)
    for e in entries:
        if e.dialect is not Dialect.UNKNOWN:
            assert e.timestamp is not None, (rel, e.line)
        assert "  Backtrace :" not in e.message and "\nStack trace:" not in e.message, (rel, e.line)
        assert '{"user"' not in e.message, (rel, e.line)


def _at(rel: str, line: int) -> Entry:
    """The entry that holds `line`."""
    return next(e for e in _read(rel) if e.line <= line <= e.end_line)


def test_oauth_imap_collector_failure_glpi10() -> None:
    e = _at("glpi-10/php-errors.log", 236)
    assert (e.level, e.kind) == (Level.CRITICAL, "Uncaught Exception")
    assert e.exception == "Laminas\\Mail\\Storage\\Exception\\RuntimeException"
    assert e.message == "cannot login, user or password wrong"
    assert e.origin is not None
    assert e.origin.file.endswith("oauthimap/inc/imap/imapoauthstorage.class.php")
    assert any("Oauthimap" in f.call for f in e.frames)
    assert any(f.call == "MailCollector->connect()" for f in e.frames)


def test_identity_provider_message_spans_lines() -> None:
    e = _at("glpi-10/php-errors.log", 173)
    assert e.exception == "League\\OAuth2\\Client\\Provider\\Exception\\IdentityProviderException"
    first, second = e.message.split("\n")[:2]
    assert first == "invalid_grant"
    assert second.startswith("AADSTS70008: ")
    e11 = _at("glpi-11/php-errors.log", 158)
    assert (e11.kind, e11.origin and e11.origin.file) == ("Uncaught PHP Exception", "Azure.php")
    assert e11.message.startswith("invalid_grant\nAADSTS70008")


def test_glpi95_mail_collector_record() -> None:
    e = _at("glpi-9.5/php-errors.log", 179)
    assert e.kind == "Toolbox::log"
    assert e.message.startswith("An error occured trying to connect to collector. cannot login")
    assert e.frames and e.frames[0].file.endswith(".php")
    assert (e.user, e.host, e.body.version) == ("", "glpi-srv", "9.5")


def test_glued_headers_in_mailgate_and_sql_lines_that_look_like_headers() -> None:
    mailgate = _read("glpi-10/mailgate.log")
    glued = [e for e in mailgate if not e.raw.endswith("\n")]
    assert len(glued) >= 15
    assert all(e.dialect is Dialect.GLPI_FILE for e in mailgate)
    insert = _at("glpi-9.5/sql-errors.log", 80)
    assert insert.line == 78
    assert insert.sql is not None
    assert "\n[2021-03-01 22:00:05] ERROR: disk quota" in insert.sql
    assert "\n2021-03-01 22:00:05 backup job FAILED" in insert.sql
    assert insert.sql_error is not None
    assert insert.sql_error.startswith("You have an error in your SQL syntax")


def test_crlf_nul_and_latin1_in_mixed_bytes() -> None:
    entries = _read("mixed/bytes.log")
    assert all("\r" not in e.message for e in entries)
    assert any("\x00" in e.message for e in entries)
    assert any("\udce9" in e.message for e in entries)  # latin-1 é kept as a surrogate escape


def test_docker_prefixes_are_stripped() -> None:
    entries = _read("docker/glpi-compose.log")
    glpi = [e for e in entries if e.dialect is Dialect.GLPI11]
    assert len(glpi) == 8
    assert all(e.raw.startswith("glpi-1  | ") for e in glpi)
    assert all(not e.message.startswith("glpi-1") for e in glpi)
    assert any(e.frames for e in glpi)
