"""The probe's outputs: a checklist for people, a JSON document for machines.

Both are built from one dict (`document`), whose shape is `PROBE_FORMAT_VERSION`
and is documented in the README. Server text is untrusted: it is made inert and
put in rich `Text`, never in markup. The caller scrubs secrets from the final
text (probe/secrets.py): nothing here decides what is secret.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from logdoctor.model import Finding
from logdoctor.probe.run import ProbeResult
from logdoctor.probe.state import Status
from logdoctor.report.safe import inert

PROBE_FORMAT_VERSION = 1
MARK = {"ok": ("OK", "green"), "warn": ("WARN", "yellow"), "fail": ("FAIL", "bold red"),
        "skip": ("SKIP", "dim")}  # fmt: skip


def document(result: ProbeResult, *, record: str | None, found: list[Finding],
             transcript: bool) -> dict[str, Any]:  # fmt: skip
    """The run as one JSON-ready dict."""
    s, failed = result.settings, result.failed
    doc: dict[str, Any] = {
        "format_version": PROBE_FORMAT_VERSION,
        "probe": "imap",
        "target": {"host": s.host, "port": s.effective_port, "security": s.effective_security,
                   "user": s.user, "folder": s.folder, "auth": s.auth,
                   "provider": s.effective_provider, "insecure": s.insecure},
        "started": result.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "result": "failed" if failed else "passed",
        "failed_step": failed.id if failed else None,
        "duration_ms": round(result.seconds * 1000, 1),
        "steps": [],
    }  # fmt: skip
    for step in result.steps:
        o = step.outcome
        item: dict[str, Any] = {"id": step.id, "title": step.title, "status": o.status.value,
                                "duration_ms": round(step.seconds * 1000, 1),
                                "summary": o.summary, "details": o.details}  # fmt: skip
        if o.status is Status.FAIL:
            item["record"] = record
            item["explanations"] = [_finding(f) for f in found]
        doc["steps"].append(item)
    if transcript:
        doc["transcript"] = [{"step": st, "direction": d, "text": t}
                             for st, d, t in result.transcript.lines]  # fmt: skip
    return doc


def _finding(f: Finding) -> dict[str, Any]:
    return {"rule": {"id": f.rule.id, "title": f.rule.title, "severity": f.rule.severity.label},
            "explain": f.explanation(), "fix": f.fix(), "docs": list(f.rule.docs)}  # fmt: skip


def write_json(doc: dict[str, Any], out: TextIO) -> None:
    """The document, indented, one trailing newline."""
    out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def _clean(text: str) -> str:
    return inert(text, keep_newlines=False)


def write_terminal(doc: dict[str, Any], console: Console) -> None:
    """The checklist, the failed step's explanation, and the transcript if asked."""
    t = doc["target"]
    head = Text()
    head.append("logdoctor probe imap", style="bold")
    head.append(_clean(f"  {t['user']} @ {t['host']}:{t['port']} ({t['security']}, {t['auth']}, "
                       f"folder {t['folder']})"))  # fmt: skip
    console.print(head)
    if t["insecure"]:
        console.print(Text("TLS verification is OFF (--insecure)", style="bold yellow"))
    for step in doc["steps"]:
        console.print(_step_line(step))
        if step["status"] != "skip":
            for line in step["details"]:
                console.print(Text(_clean(f"        {line}"), style="dim"))
    console.print()
    console.print(_verdict(doc))
    failed = next((s for s in doc["steps"] if s["status"] == "fail"), None)
    if failed:
        _explain(failed, console)
    if "transcript" in doc:
        console.print()
        console.print(Text("Transcript", style="bold"))
        for line in doc["transcript"]:
            console.print(Text(_clean(f"  [{line['step']}] {line['direction']} {line['text']}")))


def _step_line(step: dict[str, Any]) -> Text:
    label, style = MARK[step["status"]]
    line = Text("  ")
    line.append(f"{label:<5}", style=style)
    line.append(f" {step['title']:<26}")
    ms = f"{step['duration_ms']:>7.0f} ms" if step["status"] != "skip" else " " * 10
    line.append(ms, style="dim")
    line.append(_clean(f"  {step['summary']}"))
    return line


def _verdict(doc: dict[str, Any]) -> Text:
    total = f"{doc['duration_ms']:.0f} ms"
    if doc["result"] == "passed":
        warns = sum(1 for s in doc["steps"] if s["status"] == "warn")
        extra = f", {warns} warning(s)" if warns else ""
        return Text(f"Passed in {total}{extra}.", style="bold green")
    return Text(f"Failed at step {doc['failed_step']} after {total}.", style="bold red")


def _explain(step: dict[str, Any], console: Console) -> None:
    console.print()
    console.print(Text(_clean(f"As a log record: {step['record']}"), style="dim"))
    if not step["explanations"]:
        console.print(Text("No rule explains this failure yet; the record above can start one "
                           "(logdoctor rules new local.imap.name)."))  # fmt: skip
        return
    for f in step["explanations"]:
        rule = f["rule"]
        console.print()
        title = Text()
        title.append(_clean(rule["title"]), style="bold")
        title.append(_clean(f"  [{rule['severity']}]  ({rule['id']})"), style="dim")
        console.print(title)
        console.print(Text("Why", style="bold"))
        console.print(Text(_clean(f"  {f['explain']}")))
        console.print(Text("Fix", style="bold"))
        for i, fix in enumerate(f["fix"], 1):
            console.print(Text(_clean(f"  {i}. {fix}")))
        if f["docs"]:
            console.print(Text("Docs", style="bold"))
            for d in f["docs"]:
                console.print(Text(_clean(f"  {d}")))
