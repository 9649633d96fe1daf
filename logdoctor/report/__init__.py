"""Output formats: small streaming reporters registered by name.

Reporters never import `parse/`; they see entries and statistics only. Every
text that comes from a log goes through `safe.inert` before reaching a screen.
"""

from __future__ import annotations

from logdoctor.report.entries import ENTRY_FORMATS, EntryReporter
from logdoctor.report.summary import SCAN_FORMATS, render_scan

__all__ = ["ENTRY_FORMATS", "SCAN_FORMATS", "EntryReporter", "render_scan"]
