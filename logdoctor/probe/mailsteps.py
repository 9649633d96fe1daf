"""The steps of the mailbox session: token refresh and inspection, AUTHENTICATE,
opening the folder, LOGOUT.

SASL as the servers want it: XOAUTH2 (Google's and Microsoft's
`user=…^Aauth=Bearer …^A^A`), OAUTHBEARER (RFC 7628, gs2 header), both sent as an
initial response when SASL-IR is offered (RFC 4959); an error challenge is
decoded, shown, and answered as RFC 7628 3.2.3 says (XOAUTH2: an empty line;
OAUTHBEARER: `AQ==`, a lone ^A). LOGIN sends the password as a quoted string or a
literal. No payload reaches the transcript.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from logdoctor.probe.netsteps import CAPS, MECHANISMS
from logdoctor.probe.secrets import REDACTED, write_secret
from logdoctor.probe.state import Outcome, State, fail, ok, skip
from logdoctor.probe.tokens import RefreshRequest, claims, inspect, refresh
from logdoctor.probe.wire import Reply, Wire, WireError, mailbox_name, quoted

_EXISTS = re.compile(r"^\* (\d+) EXISTS", re.IGNORECASE)


def token(state: State) -> Outcome:
    """Exchange the refresh token for an access token (or take the one given)."""
    s = state.settings
    if s.auth == "login":
        return skip("password login: no token")
    if "access token" in state.secrets:
        state.access_token = state.secrets["access token"].reveal()
        source = s.source("access token")
        return skip(f"access token from {source.describe() if source else '?'}: nothing to refresh")
    secret = state.secrets.get("client secret")
    old = state.secrets["refresh token"].reveal()
    request = RefreshRequest(
        url=s.token_endpoint() or "", provider=s.effective_provider or "custom",
        client_id=s.client_id or "", refresh_token=old,
        client_secret=secret.reveal() if secret else None, scope=s.token_scope(),
        timeout=s.timeout,
    )  # fmt: skip
    got = refresh(request, state.redactor, state.transcript)
    if got.problem or not got.access_token:
        return fail(got.problem or "no access token", got.details)
    state.access_token = got.access_token
    details = list(got.details)
    if got.refresh_token and got.refresh_token != old:
        if s.save_refresh_token and s.refresh_token_file:
            try:
                write_secret(s.refresh_token_file, got.refresh_token)
                details.append(f"new refresh token saved to {s.refresh_token_file}")
            except OSError as exc:
                return ok(f"HTTP {got.status}", details,
                          [f"cannot save the new refresh token: {exc.strerror}"])  # fmt: skip
        else:
            details.append("the provider sent a new refresh token; not saved "
                           "(--save-refresh-token keeps it)")  # fmt: skip
    return ok(f"HTTP {got.status}: access token received", details)


def inspect_token(state: State) -> Outcome:
    """What the access token is for, read from its claims (signature not checked)."""
    s = state.settings
    if s.auth == "login" or state.access_token is None:
        return skip("password login: no token")
    payload = claims(state.access_token)
    if payload is None:
        return skip("opaque token (not a JWT): the server judges it")
    found = inspect(payload, user=s.user or "", tenant=s.tenant, now=state.now())
    if found.problem:
        return fail(found.problem, found.details)
    return ok("claims read (signature not checked)", found.details, found.warnings)


def authenticate(state: State) -> Outcome:
    """Log in with the configured mechanism."""
    s, wire = state.settings, state.wire
    assert wire is not None
    wire.set_deadline(s.timeout)
    mech = MECHANISMS[s.auth]
    challenges: list[str] = []
    try:
        if s.auth == "login":
            reply = _login(state, wire)
        else:
            reply = _sasl(state, wire, challenges)
    except WireError as exc:
        return fail(f"{mech}: {exc}")
    details = [f"challenge: {c}" for c in challenges]
    if reply.status == "OK":
        found = CAPS.search(reply.text)
        if found:
            state.caps = found.group(1).split()
        return ok(f"{mech} accepted: {CAPS.sub('', reply.text).strip()[:60]}", details)
    problem = f"{mech} refused: {reply.line}"
    if challenges:
        problem += f" (challenge {challenges[-1]})"
    return fail(problem, details)


def _login(state: State, wire: Wire) -> Reply:
    password = state.secrets["password"].reveal()
    tag = wire.tag()
    head = f"{tag} LOGIN {quoted(state.settings.user or '')}"
    if password.isascii() and password.isprintable():
        wire.send(f"{head} {quoted(password)}", shown=f"{head} {REDACTED}")
        return wire.until(tag)
    data = password.encode("utf-8")  # a literal carries any byte (RFC 3501 4.3)
    wire.send(f"{head} {{{len(data)}}}")
    reply = wire.until(tag)
    if reply.status != "+":
        return reply
    wire.send(password, shown=REDACTED)
    return wire.until(tag)


def _payload(state: State) -> bytes:
    s, tok = state.settings, state.access_token or ""
    user = s.user or ""
    if s.auth == "xoauth2":
        return f"user={user}\x01auth=Bearer {tok}\x01\x01".encode()
    name = user.replace("=", "=3D").replace(",", "=2C")  # RFC 5801 saslname
    return (f"n,a={name},\x01host={s.host}\x01port={s.effective_port}"
            f"\x01auth=Bearer {tok}\x01\x01").encode()  # fmt: skip


def _sasl(state: State, wire: Wire, challenges: list[str]) -> Reply:
    mech = MECHANISMS[state.settings.auth]
    encoded = state.redactor.add_payload(_payload(state))
    shown = f"{REDACTED} ({len(encoded)} bytes of {mech} payload)"
    tag = wire.tag()
    if "SASL-IR" in [c.upper() for c in state.caps]:
        wire.send(
            f"{tag} AUTHENTICATE {mech} {encoded}", shown=f"{tag} AUTHENTICATE {mech} {shown}"
        )
        reply = wire.until(tag)
    else:
        wire.send(f"{tag} AUTHENTICATE {mech}")
        reply = wire.until(tag)
        if reply.status == "+":
            wire.send(encoded, shown=shown)
            reply = wire.until(tag)
    while reply.status == "+":  # an error challenge (or a server asking again)
        challenges.append(_decode(reply.text))
        answer = "" if mech == "XOAUTH2" else "AQ=="
        wire.send(answer)
        reply = wire.until(tag)
    return reply


def _decode(text: str) -> str:
    """A challenge as text: its JSON compacted when it is JSON."""
    try:
        raw = base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return text
    try:
        return json.dumps(json.loads(raw), separators=(",", ":"))
    except json.JSONDecodeError:
        return raw


def select(state: State) -> Outcome:
    """EXAMINE the folder (read-only: the probe changes nothing) and count its messages."""
    s, wire = state.settings, state.wire
    assert wire is not None
    wire.set_deadline(s.timeout)
    try:
        reply = wire.command(f"EXAMINE {mailbox_name(s.folder)}", what="EXAMINE reply")
    except WireError as exc:
        return fail(f"EXAMINE {s.folder}: {exc}")
    if reply.status != "OK":
        return fail(f"EXAMINE {s.folder}: {reply.line}")
    count = next((int(m.group(1)) for u in reply.untagged if (m := _EXISTS.match(u))), None)
    what = f"{count} message(s)" if count is not None else "opened"
    return ok(f"{s.folder}: {what} (read-only)", [u for u in reply.untagged if "UIDVALIDITY" in u])


def logout(state: State) -> Outcome:
    """LOGOUT; a server that just closes is noted, not failed."""
    wire = state.wire
    assert wire is not None
    wire.set_deadline(state.settings.timeout)
    try:
        reply = wire.command("LOGOUT", what="LOGOUT reply")
    except WireError as exc:
        return ok("connection ended", warnings=[f"LOGOUT: {exc}"])
    if reply.status in ("OK", "BYE"):
        return ok("logged out")
    return ok("logged out", warnings=[f"LOGOUT answered {reply.line}"])
