"""A failed step, explained by the same rules as the logs.

The failure becomes one log record in Monolog's default line format,
`[2026-11-28T14:03:19.000000+00:00] probe.ERROR: imap tls: certificate verify
failed: self-signed certificate [] []`, read by the ordinary parser and matched
by the ordinary matcher: a rule that explains an Entra code in php-errors.log
explains it here too, and the record can be pasted into `logdoctor explain`.
"""

from __future__ import annotations

from logdoctor.match import Matcher
from logdoctor.model import Finding
from logdoctor.parse import parse_text


def findings(line: str, matcher: Matcher) -> list[Finding]:
    """Every rule explaining the record, in the matcher's fixed order."""
    return [f for entry in parse_text(line + "\n", path="<probe>") for f in matcher.findings(entry)]
