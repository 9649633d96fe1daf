"""OAuth for the probe: exchange a refresh token, and read an access token's claims.

The refresh is the `refresh_token` grant of RFC 6749 section 6, as GLPI's OAuth
IMAP plugin makes it (league/oauth2-client): a form POST to the provider's token
endpoint. Error replies are read as Entra and Google write them (`error`,
`error_description`, Entra's `error_codes`, `correlation_id`, …). The access
token's claims are decoded without verifying the signature: the probe wants to
say what the token is for, not whether to trust it. Imports the probe's secrets
and wire (for the transcript).
"""

from __future__ import annotations

import base64
import binascii
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from logdoctor.probe.secrets import REDACTED, Redactor
from logdoctor.probe.wire import Transcript, os_reason

# Fields of a token reply that are secrets, whatever the provider.
SECRET_FIELDS = ("access_token", "refresh_token", "id_token")
# Error fields shown in the checklist, in this order.
ERROR_FIELDS = ("error_codes", "suberror", "correlation_id", "trace_id", "timestamp", "error_uri")
OUTLOOK_AUDIENCES = (
    "https://outlook.office.com",
    "https://outlook.office365.com",
    "https://ps.outlook.com",
    "00000002-0000-0ff1-ce00-000000000000",  # Office 365 Exchange Online
)
GRAPH_AUDIENCES = ("https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000")


@dataclass
class Refreshed:
    """The outcome of a refresh: a token, or what the endpoint said instead."""

    status: int | None  # HTTP status; None when the endpoint was not reached
    access_token: str | None = None
    refresh_token: str | None = None
    problem: str | None = None  # one line, for the rules
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RefreshRequest:
    """What to send to the token endpoint."""

    url: str
    provider: str
    client_id: str
    refresh_token: str
    client_secret: str | None
    scope: str | None
    timeout: float


def refresh(request: RefreshRequest, redactor: Redactor, transcript: Transcript) -> Refreshed:
    """POST the refresh grant (HTTPS verified against the system store); every secret in
    the exchange registered and hidden."""
    form = {"grant_type": "refresh_token", "client_id": request.client_id,
            "refresh_token": request.refresh_token}  # fmt: skip
    if request.client_secret:
        form["client_secret"] = request.client_secret
    if request.scope:
        form["scope"] = request.scope
    body = urllib.parse.urlencode(form).encode("ascii")
    shown = {
        k: (REDACTED if k in ("refresh_token", "client_secret") else v) for k, v in form.items()
    }
    transcript.add(">", f"POST {request.url}")
    transcript.add(">", "Content-Type: application/x-www-form-urlencoded")
    transcript.add(">", urllib.parse.urlencode(shown, safe="<>"))
    http = urllib.request.Request(request.url, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
        "User-Agent": "logdoctor-probe"})  # fmt: skip
    try:
        with urllib.request.urlopen(http, timeout=request.timeout) as reply:
            status, raw = reply.status, reply.read(1 << 20)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(1 << 20)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, (socket.timeout, TimeoutError)):
            reason = f"no answer within {request.timeout:g} s"
        elif isinstance(reason, OSError) and reason.strerror:
            reason = os_reason(reason)
        transcript.add("<", f"(no reply: {reason})")
        return Refreshed(None, problem=f"cannot reach the token endpoint {request.url}: {reason}")
    return _read_reply(request, status, raw, redactor, transcript)


def _read_reply(request: RefreshRequest, status: int, raw: bytes, redactor: Redactor,
                transcript: Transcript) -> Refreshed:  # fmt: skip
    transcript.add("<", f"HTTP {status}")
    try:
        data = json.loads(raw.decode("utf-8", "replace"))
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        transcript.add("<", raw[:300].decode("utf-8", "replace"))
        return Refreshed(status, problem=f"token endpoint answered HTTP {status} with a body "
                                         "that is not JSON")  # fmt: skip
    for key in SECRET_FIELDS:
        if isinstance(data.get(key), str):
            redactor.add(data[key])
    transcript.add("<", json.dumps({k: (REDACTED if k in SECRET_FIELDS else v)
                                    for k, v in data.items()}))  # fmt: skip
    if status == 200 and isinstance(data.get("access_token"), str):
        details = [f"HTTP 200 from {request.url}"]
        if "expires_in" in data:
            details.append(f"access token valid for {data['expires_in']} s")
        if data.get("scope"):
            details.append(f"scope: {data['scope']}")
        new_refresh = data.get("refresh_token")
        return Refreshed(
            status,
            data["access_token"],
            new_refresh if isinstance(new_refresh, str) else None,
            details=details,
        )
    error = str(data.get("error") or "no access_token")
    description = " ".join(str(data.get("error_description") or "").split())
    problem = f"{request.provider} token endpoint answered HTTP {status}: {error}"
    if status == 200:
        problem = "token endpoint answered HTTP 200 without an access_token"
    elif description:
        problem += f": {description}"
    details = [f"{k}: {_text(data[k])}" for k in ERROR_FIELDS if k in data]
    return Refreshed(status, problem=problem, details=details)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT, or None for an opaque token (Google's `ya29.…`)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError):
        return None
    return payload if isinstance(payload, dict) else None


@dataclass
class Inspection:
    """What the claims say: shown lines, warnings, and the failure if any."""

    details: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problem: str | None = None


def inspect(payload: dict[str, Any], *, user: str, tenant: str | None,
            now: datetime) -> Inspection:  # fmt: skip
    """Check audience, permissions, expiry, user and tenant of an Entra-style token."""
    found = Inspection()
    aud = payload.get("aud")
    auds = [str(a) for a in aud] if isinstance(aud, list) else [str(aud)] if aud else []
    scp = str(payload.get("scp") or "")
    roles = [str(r) for r in payload.get("roles") or [] if isinstance(r, str)]
    who = next((str(payload[k]) for k in ("upn", "unique_name", "preferred_username", "email")
                if payload.get(k)), None)  # fmt: skip
    perms = f"scopes: {scp or '(none)'}" + (f"; roles: {' '.join(roles)}" if roles else "")
    found.details += [f"audience: {', '.join(auds) or '(none)'}", perms, f"user: {who or '(none)'}"]
    if payload.get("tid"):
        found.details.append(f"tenant: {payload['tid']}")
    exp = payload.get("exp")
    if isinstance(exp, (int, float)):
        when = datetime.fromtimestamp(exp, tz=timezone.utc)
        left = (when - now).total_seconds()
        found.details.append(f"expires: {when:%Y-%m-%d %H:%M:%S} UTC ({int(left // 60)} min)")
        if left <= 0:
            found.problem = f"access token expired at {when:%Y-%m-%d %H:%M:%S} UTC"
        elif left < 300:
            found.warnings.append("the access token expires in less than 5 minutes")
    graph = [a for a in auds if a.rstrip("/") in GRAPH_AUDIENCES]
    outlook = any(a.rstrip("/") in OUTLOOK_AUDIENCES for a in auds)
    if graph and not outlook:
        found.problem = f"access token is for Microsoft Graph (aud {graph[0]}), not Exchange Online"
    elif outlook and "IMAP.AccessAsUser.All" not in scp.split() and "IMAP.AccessAsApp" not in roles:
        perms = f"scp: {scp}" if scp else f"roles: {' '.join(roles) or '(none)'}"
        found.problem = f"access token has no IMAP permission ({perms})"
    if who and who.lower() != user.lower() and not roles:
        found.warnings.append(
            f"the token is {who}'s, the mailbox is {user}: {who} needs FullAccess to it"
        )
    tid = payload.get("tid")
    if tid and tenant and is_guid(tenant) and str(tid).lower() != tenant.lower():
        found.warnings.append(f"the token's tenant {tid} is not --tenant {tenant}")
    return found


def is_guid(text: str) -> bool:
    """An Entra tenant or client ID's form: 8-4-4-4-12 hex digits."""
    parts = text.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(
        c in "0123456789abcdefABCDEF" for p in parts for c in p
    )
