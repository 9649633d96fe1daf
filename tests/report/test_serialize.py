"""The JSON shape of entries: one place, the same with and without the body cache."""

from __future__ import annotations

import json

import pytest

from logdoctor.app import ReadOptions, iter_entries
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
