"""Scripted loopback IMAP servers, only for replies Dovecot cannot give.

Exchange Online's and Gmail's own texts, as recorded in the issues the rules cite
(Exchange: MS docs and email-oauth2-proxy #68/#275; Gmail: gmail-oauth2-tools #78,
node-imap #522), plus a server that accepts and never speaks. Each script reads
what the client sends, so tests can check the probe's side of the exchange too.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable

EXCHANGE_GREETING = (
    "* OK The Microsoft Exchange IMAP4 service is ready. "
    "[TQBSADEAUAAyADYANABDAEEAMAAxADQANgAuAEYAUgBBAFAAMgA2ADQALgBQAFIATwBEAC4ATwBVAFQATABPAE8ASwAuAEMATwBNAA==]"
)
EXCHANGE_CAPS = (
    "* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS ID UNSELECT CHILDREN "
    "IDLE NAMESPACE LITERAL+"
)
GMAIL_GREETING = "* OK Gimap ready for requests from 127.0.0.1 a1b2c3d4e5f6mb53283261fde"
GMAIL_CAPS = (
    "* CAPABILITY IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 XYZZY "
    "SASL-IR AUTH=XOAUTH2 AUTH=PLAIN AUTH=PLAIN-CLIENTTOKEN AUTH=OAUTHBEARER"
)
GMAIL_CHALLENGE = "+ eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ=="


class Peer:
    """The client, as a script sees it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.file = sock.makefile("rb")
        self.received: list[str] = []

    def say(self, line: str) -> None:
        self.sock.sendall(line.encode() + b"\r\n")

    def hear(self) -> tuple[str, str]:
        """(tag, rest) of the next line; ("", "") at EOF."""
        raw = self.file.readline()
        if not raw:
            raise EOFError
        line = raw.decode().rstrip("\r\n")
        self.received.append(line)
        tag, _, rest = line.partition(" ")
        return tag, rest


Script = Callable[[Peer], None]


def _caps_then(peer: Peer, caps: str) -> tuple[str, str]:
    """Answer CAPABILITY requests; return the first other command."""
    while True:
        tag, rest = peer.hear()
        if rest.upper() == "CAPABILITY":
            peer.say(caps)
            peer.say(f"{tag} OK CAPABILITY completed.")
            continue
        return tag, rest


def exchange_not_connected(peer: Peer) -> None:
    peer.say(EXCHANGE_GREETING)
    tag, _ = _caps_then(peer, EXCHANGE_CAPS)
    peer.say(f"{tag} OK AUTHENTICATE completed.")
    tag, _ = peer.hear()
    peer.say(f"{tag} BAD User is authenticated but not connected.")
    tag, _ = peer.hear()
    peer.say("* BYE Connection closed. 14")


def exchange_auth_failed(peer: Peer) -> None:
    peer.say(EXCHANGE_GREETING)
    tag, _ = _caps_then(peer, EXCHANGE_CAPS)
    peer.say(f"{tag} NO AUTHENTICATE failed.")
    peer.hear()


def gmail_invalid(peer: Peer) -> None:
    peer.say(GMAIL_GREETING)
    tag, _ = _caps_then(peer, GMAIL_CAPS)
    peer.say(GMAIL_CHALLENGE)
    peer.hear()  # the empty line RFC 7628 asks for
    peer.say(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)")
    peer.hear()


def no_xoauth2(peer: Peer) -> None:
    peer.say("* OK [CAPABILITY IMAP4rev1 ID IDLE AUTH=PLAIN AUTH=LOGIN] mail.example.test ready")
    peer.hear()


def silent(peer: Peer) -> None:
    with contextlib.suppress(EOFError, OSError):
        peer.hear()  # until the client gives up


class ScriptedServer:
    """One script per connection, implicit TLS when given a context."""

    def __init__(self, script: Script, tls: ssl.SSLContext | None = None) -> None:
        self.script = script
        self.tls = tls
        self.peers: list[Peer] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            peer = Peer(conn)
            self.peers.append(peer)
            self.script(peer)
            time.sleep(0.05)
        except (EOFError, OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        self.listener.close()


def server_context(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def hostile(peer: Peer) -> None:
    """Escape sequences and rich markup in the server's words (log text is untrusted)."""
    peer.say(
        "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] \x1b[31mred\x1b]8;;http://x.test\x07link"
        "\x1b]8;;\x07 [bold red]markup[/bold red] ready"
    )
    peer.hear()
