"""The JSON shape of entries: one place, the same with and without the body cache."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logdoctor.app import ReadOptions, iter_entries
from logdoctor.report.ci import render_json
from logdoctor.report.serialize import EntryJson, entry_to_dict
from tests.conftest import SAMPLES


@pytest.mark.parametrize("raw", [False, True])
def test_fast_encoding_equals_plain_encoding_on_every_sample_entry(raw: bool) -> None:
    encode = EntryJson(raw=raw)
    count = 0
    for entry in iter_entries([str(SAMPLES)], options=ReadOptions(), on_error=print):
        line = encode(entry)
        assert json.loads(line) == json.loads(json.dumps(entry_to_dict(entry, raw=raw)))
        assert "\n" not in line
        count += 1
    assert count > 700


def test_fields_of_the_documented_schema() -> None:
    path = str(SAMPLES / "glpi-10/php-errors.log")
    entry = next(iter_entries([path], options=ReadOptions(), on_error=print))
    keys = set(entry_to_dict(entry))
    assert keys == {
        "path",
        "line",
        "end_line",
        "timestamp",
        "timestamp_text",
        "user",
        "host",
        "truncated",
        "level",
        "dialect",
        "channel",
        "kind",
        "exception",
        "message",
        "origin",
        "frames",
        "sql",
        "sql_error",
        "previous",
        "glpi_version",
    }


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=5) | st.integers() | st.booleans(), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _JSON, max_size=5))
def test_the_report_document_reads_back_as_json_dumps_writes_it(doc: dict[str, object]) -> None:
    # render_json lays out the top levels by hand and the rest with json's encoder:
    # the same document as json.dumps, member names that are not strings included.
    out = io.StringIO()
    render_json(doc, out)
    text = out.getvalue()
    assert json.loads(text) == json.loads(json.dumps(doc))
    assert text.isascii() and text.endswith("}\n")


def test_the_report_document_has_a_member_a_line_down_to_each_incident_field() -> None:
    incident = {"id": "x", "hours": {"2024-01-18 10": 3}, "entry": {"frames": [{"line": 1}]}}
    doc = {"summary": {"files": 1, "failing": ["a", "b"]}, "incidents": [incident]}
    out = io.StringIO()
    render_json(doc, out)
    assert out.getvalue().splitlines() == [
        "{",
        '  "summary": {',
        '    "files": 1,',
        '    "failing": [',
        '      "a",',
        '      "b"',
        "    ]",
        "  },",
        '  "incidents": [',
        "    {",
        '      "id": "x",',
        '      "hours": {"2024-01-18 10": 3},',
        '      "entry": {"frames": [{"line": 1}]}',
        "    }",
        "  ]",
        "}",
    ]
