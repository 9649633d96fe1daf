"""The scan report for machines and CI servers: json, parsable, github, junit.

Each writes the report document (document.py) in a format a tool reads. Log text
is made inert (control characters shown as escapes) before it goes into any of
them; XML gets only characters XML 1.0 allows, whatever bytes the log held.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any, TextIO

from logdoctor.report.safe import inert

JSON_DEPTH = 3  # levels of the document laid out one member a line; deeper, one line


def render_json(doc: dict[str, Any], stream: TextIO) -> None:
    """The document as it is (undecodable bytes stay `\\udcXX` escapes): a member a
    line down to the fields of each incident, group and file, whose values are one
    line each (written by json's C encoder; `indent` would use its Python one, about
    2.5 times slower on the report of a 200 MB log)."""
    stream.write(_layout(doc, 0, "\n") + "\n")


def _layout(value: Any, depth: int, pad: str) -> str:
    if depth >= JSON_DEPTH or not value or not isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=True)
    inner = pad + "  "
    if isinstance(value, dict):
        members = (f"{inner}{_key(k)}: {_layout(v, depth + 1, inner)}" for k, v in value.items())
        return "{" + ",".join(members) + pad + "}"
    return "[" + ",".join(inner + _layout(v, depth + 1, inner) for v in value) + pad + "]"


def _key(key: Any) -> str:
    """A member name as json writes it (a number, true or null as its text)."""
    return json.dumps(key if isinstance(key, str) else json.dumps(key), ensure_ascii=True)


def _line(text: str | None) -> str:
    return inert(text or "", keep_newlines=False)


def _entries(n: int) -> str:
    return "1 entry" if n == 1 else f"{n} entries"


def render_parsable(doc: dict[str, Any], stream: TextIO) -> None:
    """`path:line: [severity] rule-id title (N entries)`, one line per incident."""
    for inc in doc["incidents"]:
        first = inc["first"] or {"path": "-", "line": 0}
        stream.write(
            f"{_line(first['path'])}:{first['line']}: [{inc['severity']}] {inc['rule']['id']} "
            f"{_line(inc['title'])} ({_entries(inc['count'])})\n"
        )


# GitHub workflow commands: https://docs.github.com/actions/reference/workflow-commands
_GH_LEVEL = {"critical": "error", "error": "error", "warning": "warning", "info": "notice"}


def _gh_data(text: str) -> str:
    return inert(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(doc: dict[str, Any], stream: TextIO) -> None:
    """One workflow annotation per incident, at its first location (a notice for an
    incident in the baseline: it does not fail the scan)."""
    for inc in doc["incidents"]:
        first = inc["first"] or {"path": "", "line": 0}
        title = f"{inc['rule']['id']}: {inc['title']}"
        level = _GH_LEVEL[inc["severity"]]
        if not inc["new"]:
            level, title = "notice", f"{title} (in the baseline)"
        steps = "\n".join(f"{i}. {s}" for i, s in enumerate(inc["fix"], 1))
        body = (
            f"{_entries(inc['count'])}, {inc['first_seen'] or '-'} to {inc['last_seen'] or '-'}\n"
            f"{inc['explain']}\n{steps}"
        )
        stream.write(
            f"::{level} file={_gh_prop(first['path'])},"
            f"line={first['line']},title={_gh_prop(title)}::{_gh_data(body)}\n"
        )
    s = doc["summary"]
    stream.write(
        f"::notice title=logdoctor::{s['incidents']} incidents in {s['entries']} entries "
        f"of {s['files']} files\n"
    )


# Characters XML 1.0 cannot carry (after `inert`, only U+FFFE/U+FFFF can remain).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str | None) -> str:
    return _NOT_XML.sub("\ufffd", inert(text or ""))


def render_junit(doc: dict[str, Any], stream: TextIO) -> None:
    """JUnit XML: one test case per incident; those at or above `--fail-on` (and
    not in the baseline) fail, the others are skipped."""
    incidents = doc["incidents"]
    failures = sum(1 for i in incidents if i["fails"])
    skipped = len(incidents) - failures
    suite = ET.Element(
        "testsuite",
        name="logdoctor",
        tests=str(max(len(incidents), 1) + len(doc["errors"])),  # the cases written below
        failures=str(failures),
        errors=str(len(doc["errors"])),
        skipped=str(skipped),
    )
    for inc in incidents:
        case = ET.SubElement(
            suite, "testcase", classname=_xml(inc["rule"]["id"]), name=_xml(inc["title"])
        )
        first = inc["first"] or {"path": "-", "line": 0}
        steps = "\n".join(f"{i}. {s}" for i, s in enumerate(inc["fix"], 1))
        detail = (
            f"{_entries(inc['count'])} from {inc['first_seen'] or '-'} "
            f"to {inc['last_seen'] or '-'}\n"
            f"first at {first['path']}:{first['line']}\n\n{inc['sample']['message']}\n\n"
            f"Why: {inc['explain']}\nFix:\n{steps}\nDocs: {' '.join(inc['docs'])}"
        )
        if inc["fails"]:
            fail = ET.SubElement(
                case,
                "failure",
                message=_xml(f"[{inc['severity']}] {inc['title']} ({_entries(inc['count'])})"),
                type=inc["severity"],
            )
            fail.text = _xml(detail)
        else:
            why = (
                "in the baseline"
                if not inc["new"]
                else f"below --fail-on {doc['summary']['fail_on']}"
            )
            ET.SubElement(case, "skipped", message=_xml(f"[{inc['severity']}] {why}"))
            ET.SubElement(case, "system-out").text = _xml(detail)
    if not incidents:
        ET.SubElement(suite, "testcase", classname="logdoctor", name="no known problem")
    for error in doc["errors"]:
        case = ET.SubElement(suite, "testcase", classname="logdoctor.input", name=_xml(error))
        ET.SubElement(case, "error", message=_xml(error))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode") + "\n")
