"""TLS for the probe: the verifying context, and a certificate told in words.

Verification is on by default, against the system store or `--cafile`; with
`--insecure` it is off and every run says so. A certificate that failed
verification is still described (subject, names, issuer, expiry): Python only
decodes a verified peer certificate, so the DER bytes are decoded through the
same OpenSSL routine its test suite uses. Imports nothing of the package.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import tempfile
from datetime import datetime, timezone
from typing import Any

EXPIRY_WARN_DAYS = 30


def context(*, cafile: str | None, insecure: bool) -> ssl.SSLContext:
    """The client context: system trust (or `cafile`), hostname checked, unless insecure."""
    ctx = ssl.create_default_context(cafile=cafile)
    if insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def decode_der(der: bytes) -> dict[str, Any]:
    """The fields of a DER certificate as `getpeercert()` gives them; {} when unreadable."""
    decode = getattr(getattr(ssl, "_ssl", None), "_test_decode_cert", None)
    if decode is None:
        return {}
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(ssl.DER_cert_to_PEM_cert(der))
        result = decode(path)
        return result if isinstance(result, dict) else {}
    except (ssl.SSLError, ValueError, OSError):
        return {}
    finally:
        os.unlink(path)


def _name(rdns: Any) -> str:
    parts = []
    for rdn in rdns or ():
        for key, value in rdn:
            short = {"commonName": "CN", "organizationName": "O", "countryName": "C",
                     "organizationalUnitName": "OU"}.get(key, key)  # fmt: skip
            parts.append(f"{short}={value}")
    return ", ".join(parts) or "(empty)"


def describe(cert: dict[str, Any], *, host: str, now: datetime) -> tuple[list[str], list[str]]:
    """Lines describing the certificate, and warnings (expiry under 30 days, name)."""
    lines: list[str] = []
    warnings: list[str] = []
    if not cert:
        return ["certificate details unavailable"], warnings
    sans = [f"{kind}:{value}" for kind, value in cert.get("subjectAltName", ())]
    lines.append(f"subject: {_name(cert.get('subject'))}")
    lines.append(f"names: {', '.join(sans) or '(none)'}")
    issuer = _name(cert.get("issuer"))
    same = cert.get("issuer") == cert.get("subject")
    lines.append(f"issuer: {issuer}" + (" (self-signed)" if same else ""))
    if cert.get("notAfter"):
        end = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), tz=timezone.utc)
        days = int((end - now).total_seconds() // 86400)
        lines.append(f"expires: {end:%Y-%m-%d} ({days} days)")
        if days < 0:
            warnings.append(f"the certificate expired on {end:%Y-%m-%d}")
        elif days < EXPIRY_WARN_DAYS:
            warnings.append(f"the certificate expires in {days} days ({end:%Y-%m-%d})")
    matched = names_match(cert, host)
    lines.append(f"name match for {host}: {'yes' if matched else 'NO'}")
    return lines, warnings


def names_match(cert: dict[str, Any], host: str) -> bool:
    """Whether the certificate names `host` (RFC 6125: SANs, one-label wildcards)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    for kind, value in cert.get("subjectAltName", ()):
        if ip is not None and kind == "IP Address":
            try:
                if ipaddress.ip_address(value.strip()) == ip:
                    return True
            except ValueError:
                continue
        elif ip is None and kind == "DNS" and _dns_match(value, host):
            return True
    return False


def _dns_match(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == host
