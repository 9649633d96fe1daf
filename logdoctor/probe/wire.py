"""A small IMAP client for the probe: lines, tags, deadlines and a transcript.

Not imaplib: the probe must send SASL-IR when the server offers it, see the
error challenge a failed XOAUTH2 gets (and answer it with an empty line, RFC 7628
3.2.3), bound every read by the step's deadline, and write a transcript in which
no secret can appear. Each line sent or received is recorded as `C:` / `S:`;
lines carrying credentials are recorded with the payload replaced. Imports the
nothing of the package.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import ssl
import time
from dataclasses import dataclass, field

MAX_LINE = 64 * 1024  # a longer line is no IMAP a mailbox check needs


class WireError(Exception):
    """The connection failed. `str()` is the reason; `kind` is "timeout", "closed" or
    "error", for the steps that word each differently (no greeting vs. a closed door)."""

    def __init__(self, reason: str, kind: str = "error") -> None:
        super().__init__(reason)
        self.kind = kind


def os_reason(exc: OSError) -> str:
    """`[Errno 111] Connection refused`, as the rules in net/imap.yaml read it."""
    return f"[Errno {exc.errno}] {exc.strerror}" if exc.strerror else str(exc)


@dataclass
class Transcript:
    """The exchange, in order: (step, direction, text); direction C:, S:, >, <."""

    lines: list[tuple[str, str, str]] = field(default_factory=list)
    step: str = ""

    def add(self, direction: str, text: str) -> None:
        """Record one line for the current step."""
        self.lines.append((self.step, direction, text))


@dataclass
class Reply:
    """A command's answer: the untagged lines, the final status and its text."""

    untagged: list[str]
    status: str  # OK, NO, BAD (or "+" for a continuation)
    text: str  # what follows the status

    @property
    def line(self) -> str:
        """`NO [AUTHENTICATIONFAILED] Authentication failed.`"""
        return f"{self.status} {self.text}".strip()


class Wire:
    """One IMAP connection over a socket (plain or TLS)."""

    def __init__(self, sock: socket.socket, transcript: Transcript) -> None:
        self.sock = sock
        self.transcript = transcript
        self._buffer = b""
        self._tags = 0
        self._budget = 15.0
        self.deadline = time.monotonic() + self._budget

    def start_tls(self, context: ssl.SSLContext, host: str) -> ssl.SSLSocket:
        """Wrap the socket in TLS (implicit TLS, or after STARTTLS) within the deadline."""
        self.sock.settimeout(self._remaining("the TLS handshake"))
        try:
            tls = context.wrap_socket(self.sock, server_hostname=host)
        except TimeoutError:
            raise WireError(f"no TLS handshake within {self._budget:g} s", "timeout") from None
        self.sock = tls
        self._buffer = b""
        return tls

    def set_deadline(self, seconds: float) -> None:
        """Every read until the next call must end within `seconds` from now."""
        self._budget = seconds
        self.deadline = time.monotonic() + seconds

    def _remaining(self, what: str) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise WireError(f"no {what} within {self._budget:g} s", "timeout")
        return left

    def read_line(self, what: str = "reply") -> str:
        """One response line (literals folded in), without CRLF."""
        line = self._raw_line(what)
        # `* 1 FETCH (BODY[] {12}` then 12 bytes: shown as a placeholder, the rest of
        # the response follows on the same logical line.
        while line.endswith("}") and "{" in line:
            size_text = line[line.rfind("{") + 1 : -1].rstrip("+")
            if not size_text.isdigit():
                break
            size = int(size_text)
            while len(self._buffer) < size:
                self._fill(what)
            self._buffer = self._buffer[size:]
            line = f"{line[: line.rfind('{')]}<{size} bytes>{self._raw_line(what)}"
        self.transcript.add("S:", line)
        return line

    def _raw_line(self, what: str) -> str:
        while True:
            end = self._buffer.find(b"\n")  # CRLF by the RFC; a bare LF is tolerated
            if end >= 0:
                raw, self._buffer = self._buffer[:end], self._buffer[end + 1 :]
                return raw.rstrip(b"\r").decode("utf-8", "replace")
            if len(self._buffer) > MAX_LINE:
                raise WireError(f"a line longer than {MAX_LINE} bytes")
            self._fill(what)

    def _fill(self, what: str) -> None:
        self.sock.settimeout(self._remaining(what))
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            raise WireError(f"no {what} within {self._budget:g} s", "timeout") from None
        except ssl.SSLError as exc:
            raise WireError(f"TLS error: {exc}") from None
        except OSError as exc:
            raise WireError(f"connection lost: {exc.strerror or exc}") from None
        if not data:
            raise WireError("connection closed by the server", "closed")
        self._buffer += data

    def send(self, text: str, *, shown: str | None = None) -> None:
        """Send one line; the transcript gets `shown` instead when it carries a secret."""
        self.transcript.add("C:", text if shown is None else shown)
        try:
            self.sock.settimeout(self._remaining("chance to send"))
            self.sock.sendall(text.encode("utf-8") + b"\r\n")
        except TimeoutError:
            raise WireError(f"could not send within {self._budget:g} s", "timeout") from None
        except OSError as exc:
            raise WireError(f"connection lost: {exc.strerror or exc}") from None

    def tag(self) -> str:
        """The next command tag: a1, a2…"""
        self._tags += 1
        return f"a{self._tags}"

    def command(self, text: str, *, what: str = "reply") -> Reply:
        """Send a tagged command carrying no secret; read until its tagged reply (or a
        continuation). Commands with credentials use tag/send/until (mailsteps.py)."""
        tag = self.tag()
        self.send(f"{tag} {text}")
        return self.until(tag, what=what)

    def until(self, tag: str, *, what: str = "reply") -> Reply:
        """Read lines until `tag`'s status, or a `+` continuation."""
        untagged: list[str] = []
        while True:
            try:
                line = self.read_line(what)
            except WireError:
                bye = [u for u in untagged if u.upper().startswith("* BYE")]
                if bye:  # the server said goodbye and closed (Exchange does)
                    return Reply(untagged, "BYE", bye[-1][5:].strip())
                raise
            if line.startswith("+"):
                return Reply(untagged, "+", line[1:].strip())
            head, _, rest = line.partition(" ")
            if head == tag:
                status, _, text = rest.partition(" ")
                return Reply(untagged, status.upper(), text)
            untagged.append(line)

    def close(self) -> None:
        """Close without waiting."""
        with contextlib.suppress(OSError):
            self.sock.close()


def quoted(text: str) -> str:
    """An IMAP quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailbox_name(name: str) -> str:
    """A folder name as IMAP4rev1 writes it: modified UTF-7 (RFC 3501 5.1.3), quoted."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            b64 = base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",")
            out.append(f"&{b64}-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return quoted("".join(out))
