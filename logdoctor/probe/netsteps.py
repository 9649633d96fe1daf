"""The steps up to a ready IMAP connection: configuration, DNS, TCP, TLS, greeting.

Each takes the run's State and returns an Outcome; failures are worded as the
rules in rules/net/imap.yaml expect (`cannot connect to 127.0.0.1:993: [Errno
111] Connection refused`). Every wait is bounded by `--timeout`.
"""

from __future__ import annotations

import base64
import binascii
import re
import socket
import ssl
import threading
from typing import Any

from logdoctor.probe import tlsinfo
from logdoctor.probe.settings import GOOGLE_SCOPE
from logdoctor.probe.state import Outcome, State, fail, ok, skip
from logdoctor.probe.tokens import is_guid
from logdoctor.probe.wire import Transcript, Wire, WireError, os_reason

MECHANISMS = {"xoauth2": "XOAUTH2", "oauthbearer": "OAUTHBEARER", "login": "LOGIN"}
CAPS = re.compile(r"\[CAPABILITY ([^\]]*)\]", re.IGNORECASE)
_EXCHANGE_TAG = re.compile(r"\[([A-Za-z0-9+/]{16,}={0,2})\]\s*$")


def config(state: State) -> Outcome:
    """The settings make sense: user, tenant and scope forms, secret files, security."""
    s = state.settings
    warnings = list(state.warnings)
    mech = MECHANISMS[s.auth]
    details = [f"{s.effective_security} to {s.host}:{s.effective_port}, {mech} as {s.user}, "
               f"folder {s.folder}, timeout {s.timeout:g} s"]  # fmt: skip
    if s.auth != "login" and "@" not in (s.user or ""):
        warnings.append(f"user {s.user!r} is no e-mail address: XOAUTH2 servers expect one")
    if s.auth != "login":
        details.append(_token_source(state))
    if s.refresh_token_file or s.refresh_token_env:
        _check_oauth(s.provider, s.tenant, s.client_id, s.token_scope(), warnings)
    if s.insecure:
        warnings.append("--insecure: the server's certificate will NOT be verified")
    if s.effective_security == "plain":
        warnings.append("--allow-plaintext: nothing is encrypted on this connection")
    problem = _scope_problem(s.provider, s.token_scope())
    if problem:
        return fail(problem, details)
    return ok(f"{mech} as {s.user} on {s.host}:{s.effective_port} ({s.effective_security})",
              details, warnings)  # fmt: skip


def _token_source(state: State) -> str:
    s = state.settings
    access = s.source("access token")
    if access:
        return f"access token from {access.describe()} (used as given)"
    refresh = s.source("refresh token")
    assert refresh is not None  # settings.check() made sure
    return (f"refresh token from {refresh.describe()}, exchanged at {s.token_endpoint()} "
            f"({s.effective_provider}, client {s.client_id})")  # fmt: skip


def _check_oauth(provider: str | None, tenant: str | None, client_id: str | None,
                 scope: str | None, warnings: list[str]) -> None:  # fmt: skip
    if provider == "entra":
        if tenant in (None, "common", "organizations", "consumers"):
            warnings.append(f"tenant {tenant or 'common'!r}: an app registered for one tenant "
                            "needs its tenant ID or domain (AADSTS50194)")  # fmt: skip
        elif not is_guid(tenant or "") and "." not in (tenant or ""):
            warnings.append(f"tenant {tenant!r} is neither a GUID nor a domain name")
        if client_id and not is_guid(client_id):
            warnings.append(f"client ID {client_id!r} is not a GUID (Entra answers AADSTS90112)")
    if provider == "google" and scope and GOOGLE_SCOPE not in scope.split():
        warnings.append(f"scope {scope!r} lacks {GOOGLE_SCOPE}: Gmail IMAP refuses such tokens")


def _scope_problem(provider: str | None, scope: str | None) -> str | None:
    if provider == "entra" and scope and "graph.microsoft.com" in scope:
        return (f"scope {scope!r} asks for a Microsoft Graph token; IMAP needs "
                "https://outlook.office.com/IMAP.AccessAsUser.All")  # fmt: skip
    return None


def dns(state: State) -> Outcome:
    """Every address of the host, within the timeout (getaddrinfo has none of its own)."""
    s = state.settings
    found: list[Any] = []
    error: list[BaseException] = []

    def resolve() -> None:
        try:
            found.extend(socket.getaddrinfo(s.host, s.effective_port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            error.append(exc)

    worker = threading.Thread(target=resolve, daemon=True)
    worker.start()
    worker.join(s.timeout)
    if worker.is_alive():
        return fail(f"cannot resolve {s.host}: no answer within {s.timeout:g} s")
    if error:
        exc = error[0]
        reason = os_reason(exc) if isinstance(exc, OSError) else str(exc)
        return fail(f"cannot resolve {s.host}: {reason}")
    seen: dict[str, tuple[int, tuple[object, ...]]] = {}
    for family, _, _, _, sockaddr in found:
        seen.setdefault(str(sockaddr[0]), (family, tuple(sockaddr)))
    state.addresses = list(seen.values())
    return ok(", ".join(seen), [f"{len(seen)} address(es)"])


def tcp(state: State) -> Outcome:
    """Connect to the first address that answers; the others' errors are shown."""
    s = state.settings
    tried: list[tuple[str, str]] = []
    for family, sockaddr in state.addresses:
        where = _where(sockaddr)
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(s.timeout)
        try:
            sock.connect(sockaddr)
        except TimeoutError:
            reason = f"no answer within {s.timeout:g} s"
        except OSError as exc:
            reason = os_reason(exc)
        else:
            state.wire = Wire(sock, state.transcript)
            return ok(f"connected to {where}", [f"{w}: {r}" for w, r in tried])
        sock.close()
        tried.append((where, reason))
    where, reason = tried[0]
    return fail(f"cannot connect to {where}: {reason}", [f"{w}: {r}" for w, r in tried[1:]])


def _where(sockaddr: tuple[object, ...]) -> str:
    host, port = str(sockaddr[0]), sockaddr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def tls(state: State) -> Outcome:
    """Implicit TLS, or STARTTLS after the greeting; the certificate checked and described."""
    s, wire = state.settings, state.wire
    assert wire is not None
    if s.effective_security == "plain":
        return skip("plain IMAP (--allow-plaintext): nothing encrypted")
    wire.set_deadline(s.timeout)
    context = tlsinfo.context(cafile=s.cafile, insecure=s.insecure)
    before: list[str] = []
    try:
        if s.effective_security == "starttls":
            refused = _starttls(state, wire, before)
            if refused:
                return fail(refused, before)
        state.tls = wire.start_tls(context, s.host or "")
    except ssl.SSLCertVerificationError as exc:
        details, _ = tlsinfo.describe(_peek(state), host=s.host or "", now=state.now())
        return fail(f"certificate verify failed: {exc.verify_message}",
                    [*before, "the server presented:", *details])  # fmt: skip
    except ssl.SSLError as exc:
        return fail(f"handshake failed: {exc}", before)
    except WireError as exc:
        return fail(str(exc), before)
    except OSError as exc:
        return fail(
            f"handshake failed: connection closed by the server ({exc.strerror or exc})", before
        )
    return _tls_ok(state, before)


def _starttls(state: State, wire: Wire, before: list[str]) -> str | None:
    problem = read_greeting(state, wire)
    if problem:
        return problem
    before.append(f"greeting (before TLS): {state.greeting}")
    caps = state.caps or _capability(wire)
    if "STARTTLS" not in caps:
        return f"server does not offer STARTTLS (CAPABILITY {' '.join(caps)})"
    reply = wire.command("STARTTLS", what="STARTTLS reply")
    if reply.status != "OK":
        return f"STARTTLS refused: {reply.line}"
    state.caps = []  # what was said before TLS no longer counts (RFC 3501 6.2.1)
    return None


def _tls_ok(state: State, before: list[str]) -> Outcome:
    s, sock = state.settings, state.tls
    assert sock is not None
    cert = sock.getpeercert() or tlsinfo.decode_der(sock.getpeercert(binary_form=True) or b"")
    details, warnings = tlsinfo.describe(cert, host=s.host or "", now=state.now())
    cipher = sock.cipher()
    how = f"{sock.version()}, {cipher[0] if cipher else '?'}"
    if s.insecure:
        warnings.insert(0, "certificate NOT verified (--insecure)")
        return ok(f"{how}, not verified", [*before, *details], warnings)
    trust = f"--cafile {s.cafile}" if s.cafile else "the system store"
    return ok(f"{how}, verified against {trust}", [*before, *details], warnings)


def _peek(state: State) -> dict[str, Any]:
    """The certificate of a second, unverified connection: for describing a refused one."""
    s = state.settings
    if not state.addresses:
        return {}
    sockaddr = state.addresses[0][1]
    try:
        sock = socket.create_connection(sockaddr[:2], timeout=min(s.timeout, 5.0))  # type: ignore[arg-type]
        wire = Wire(sock, Transcript())
        wire.set_deadline(min(s.timeout, 5.0))
        if s.effective_security == "starttls":
            wire.read_line("greeting")
            if wire.command("STARTTLS").status != "OK":
                return {}
        tls = wire.start_tls(tlsinfo.context(cafile=None, insecure=True), s.host or "")
        der = tls.getpeercert(binary_form=True)
        wire.close()
        return tlsinfo.decode_der(der or b"")
    except (OSError, WireError, ValueError):
        return {}


def read_greeting(state: State, wire: Wire) -> str | None:
    """Read the greeting into state; the problem if it is none an IMAP server gives."""
    try:
        line = wire.read_line("greeting")
    except WireError as exc:
        if exc.kind == "closed":
            return "connection closed before the greeting"
        if exc.kind == "timeout":
            return f"{exc}: the server accepted the connection and said nothing"
        return str(exc)
    state.greeting = line
    upper = line.upper()
    if upper.startswith("* BYE"):
        return f"the server refuses the connection: {line}"
    if not upper.startswith(("* OK", "* PREAUTH")):
        return f"not an IMAP greeting: {line[:200]}"
    found = CAPS.search(line)
    state.caps = found.group(1).split() if found else []
    return None


def _capability(wire: Wire) -> list[str]:
    reply = wire.command("CAPABILITY", what="CAPABILITY reply")
    for line in reply.untagged:
        if line.upper().startswith("* CAPABILITY "):
            return line.split()[2:]
    return []


def greeting(state: State) -> Outcome:
    """The greeting (after TLS for STARTTLS: the capabilities asked again) and the
    mechanism this probe needs."""
    s, wire = state.settings, state.wire
    assert wire is not None
    wire.set_deadline(s.timeout)
    try:
        if state.greeting is None:
            problem = read_greeting(state, wire)
            if problem:
                return fail(problem)
        if not state.caps:
            state.caps = _capability(wire)
    except WireError as exc:
        return fail(str(exc))
    caps = [c.upper() for c in state.caps]
    details = [f"greeting: {state.greeting}", f"capabilities: {' '.join(state.caps)}"]
    details += _exchange_frontend(state.greeting or "")
    mech = MECHANISMS[s.auth]
    plain = state.tls is None
    if plain and "LOGINDISABLED" in caps and (s.auth == "login" or f"AUTH={mech}" not in caps):
        return fail(
            "LOGINDISABLED: the server refuses LOGIN on this unencrypted connection", details
        )
    if s.auth != "login" and f"AUTH={mech}" not in caps:
        offered = " ".join(state.caps)
        return fail(f"{mech} is not advertised (CAPABILITY {offered})", details)
    has = [c for c in ("SASL-IR", f"AUTH={mech}", "IDLE") if c in caps]
    said = CAPS.sub("", (state.greeting or "")[4:]).strip()[:60]
    return ok(f"{said}; {', '.join(has) or 'IMAP4rev1'}", details)


def _exchange_frontend(greeting: str) -> list[str]:
    """Exchange Online ends its greeting with the front end's name, UTF-16 in base64."""
    found = _EXCHANGE_TAG.search(greeting)
    if not found or "Microsoft Exchange" not in greeting:
        return []
    try:
        name = base64.b64decode(found.group(1)).decode("utf-16-le")
    except (binascii.Error, UnicodeDecodeError):
        return []
    return [f"Exchange front end: {name}"] if name.isprintable() else []
