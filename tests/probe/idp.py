"""A loopback identity provider: Dovecot's introspection endpoint and token endpoints
replaying recorded Entra and Google replies.

The replies are the ones quoted in the issues and docs the rules cite (Entra's
error shape from its error-code reference; AADSTS700082 from azure-cli #14244;
Google's from imap-backup #94 and email-oauth2-proxy #362). Invalid tokens get
HTTP 200 `{"active": false}`: Dovecot 2.3 ignores the introspection status and
would say UNAVAILABLE for a 401.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All"
TRACE = "Trace ID: 7c1e4b2a-9d3f-4e6b-8a0c-5f2d1e3b4a69 Correlation ID: 2b9d6e4f-1a3c-4d5e-8f7a-6c0b9e8d7f12 Timestamp: 2026-11-28 14:03:19Z"


def jwt(claims: dict[str, Any]) -> str:
    """An unsigned JWT-shaped token carrying `claims` (the probe never checks signatures)."""

    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'typ': 'JWT', 'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


def graph_token() -> str:
    return jwt(
        {
            "aud": "https://graph.microsoft.com",
            "scp": "IMAP.AccessAsUser.All Mail.Read",
            "upn": "alice@example.test",
            "exp": int(time.time()) + 3600,
            "tid": "11111111-2222-3333-4444-555555555555",
        }
    )


def outlook_token(exp_delta: int = 3600, scp: str = "IMAP.AccessAsUser.All") -> str:
    return jwt(
        {
            "aud": "https://outlook.office.com",
            "scp": scp,
            "upn": "alice@example.test",
            "exp": int(time.time()) + exp_delta,
            "tid": "11111111-2222-3333-4444-555555555555",
        }
    )


def _entra(
    code: int, error: str, text: str, status: int = 400, **extra: Any
) -> tuple[int, dict[str, Any]]:
    return status, {
        "error": error,
        "error_description": f"AADSTS{code}: {text} {TRACE}",
        "error_codes": [code],
        "timestamp": "2026-11-28 14:03:19Z",
        "trace_id": "7c1e4b2a-9d3f-4e6b-8a0c-5f2d1e3b4a69",
        "correlation_id": "2b9d6e4f-1a3c-4d5e-8f7a-6c0b9e8d7f12",
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        **extra,
    }


REFRESH: dict[str, tuple[int, dict[str, Any]]] = {
    "rt-alice-good": (
        200,
        {
            "token_type": "Bearer",
            "scope": SCOPE + " offline_access",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": "at-alice-valid",
            "refresh_token": "rt-alice-rotated",
        },
    ),
    "rt-alice-rotated": (
        200,
        {
            "token_type": "Bearer",
            "expires_in": 3599,
            "access_token": "at-alice-valid",
            "refresh_token": "rt-alice-rotated",
        },
    ),
    "rt-aad-inactive": _entra(
        700082,
        "invalid_grant",
        "The refresh token has expired due to inactivity. The token was issued on 2026-08-01T08:12:44.2810613Z and was inactive for 90.00:00:00.",
    ),
    "rt-aad-bad-secret": _entra(
        7000215,
        "invalid_client",
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9'.",
        status=401,
    ),
    "rt-aad-consent": _entra(
        65001,
        "invalid_grant",
        "The user or administrator has not consented to use the application with ID '0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9' named 'GLPI mail'. Send an interactive authorization request for this user and resource.",
        suberror="consent_required",
    ),
    "rt-aad-ca": _entra(
        53003,
        "interaction_required",
        "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
        suberror="message_only",
    ),
    "rt-aad-revoked": _entra(
        50173,
        "invalid_grant",
        "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
    ),
    "rt-google-revoked": (
        400,
        {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    ),
    "rt-google-no-client": (
        401,
        {"error": "invalid_client", "error_description": "The OAuth client was not found."},
    ),
    "rt-google-other-client": (
        400,
        {"error": "unauthorized_client", "error_description": "Unauthorized"},
    ),
    "rt-google-admin": (
        400,
        {
            "error": "admin_policy_enforced",
            "error_description": "Access to your account data is restricted by policies within your organization. Please contact the administrator of your organization for more information.",
        },
    ),
    "rt-graph": (200, {"token_type": "Bearer", "expires_in": 3599, "access_token": "GRAPH"}),
    "rt-no-imap-scope": (
        200,
        {"token_type": "Bearer", "expires_in": 3599, "access_token": "NOSCOPE"},
    ),
}


def introspect(token: str) -> dict[str, Any]:
    users = {"at-alice-valid": "alice@example.test", "at-bob-valid": "bob@example.test"}
    if token in users:
        return {
            "active": True,
            "username": users[token],
            "scope": SCOPE,
            "exp": int(time.time()) + 3600,
        }
    return {"active": False}  # expired, revoked, unknown


class IdP:
    """The server, in a daemon thread of the test process; `requests` records what came."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.issued: list[str] = []  # JWTs made on the fly: secrets too
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
                idp.requests.append({"path": self.path, "form": form})
                if self.path == "/introspect":
                    if form.get("token") == "at-idp-down":  # Dovecot says UNAVAILABLE
                        return self._send(500, {"error": "server_error"})
                    return self._send(200, introspect(form.get("token", "")))
                if self.path.endswith("/token"):
                    status, body = REFRESH.get(
                        form.get("refresh_token", ""), (400, {"error": "invalid_grant"})
                    )
                    body = dict(body)
                    if body.get("access_token") == "GRAPH":
                        body["access_token"] = graph_token()
                    elif body.get("access_token") == "NOSCOPE":
                        body["access_token"] = outlook_token(scp="Mail.Read User.Read")
                    if body.get("access_token"):
                        idp.issued.append(str(body["access_token"]))
                    return self._send(status, body)
                if self.path.endswith("/broken"):
                    self.send_response(502)
                    self.end_headers()
                    self.wfile.write(b"<html>Bad Gateway</html>")
                    return None
                return self._send(404, {"error": "not_found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
