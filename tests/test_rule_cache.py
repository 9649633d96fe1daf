"""The cache of compiled rule sets: the same rules as reading the YAML, never stale,
and only read from files of the current user."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from logdoctor import ruleset
from logdoctor.ruleset import cache, load
from tests.conftest import run_cli

RULE = """rules:
  - id: r.x
    title: x
    severity: error
    match:
      message: '{word}'
    explain: x
    fix: [x]
"""


def _ids(rules: ruleset.RuleSet) -> list[str]:
    return [c.rule.id for c in rules.rules]


def _summary(rules: ruleset.RuleSet) -> list[tuple[str, str, tuple[str, ...], str]]:
    return [
        (c.rule.id, c.rule.source, c.keywords, c.pred.patterns().__next__().pattern)
        for c in rules.rules
    ]


def test_a_cached_rule_set_equals_the_yaml_and_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = load([], builtin=True)
    first = load([], builtin=True, cache=tmp_path)
    assert list(tmp_path.glob("rules-*.pickle"))
    monkeypatch.setattr(ruleset, "_read", lambda files: pytest.fail("read the YAML again"))
    again = load([], builtin=True, cache=tmp_path)
    assert _summary(again) == _summary(first) == _summary(fresh)
    assert [str(p) for p in again.problems] == [str(p) for p in fresh.problems] == []


def test_a_changed_rule_file_is_read_again(tmp_path: Path) -> None:
    rules = tmp_path / "my" / "r.yaml"
    rules.parent.mkdir()
    rules.write_text(RULE.format(word="first"))
    store = tmp_path / "cache"
    assert _summary(load([str(rules)], builtin=False, cache=store))[0][3] == "first"
    rules.write_text(RULE.format(word="second"))  # same size, maybe the same mtime
    assert _summary(load([str(rules)], builtin=False, cache=store))[0][3] == "second"
    # Problems are cached with their rules, located as before.
    rules.write_text(RULE.format(word="(unclosed"))
    fresh = [str(p) for p in load([str(rules)], builtin=False).problems]
    assert len(fresh) == 1 and fresh[0].startswith(f"{rules.as_posix()}:6:")
    for _ in range(2):
        got = load([str(rules)], builtin=False, cache=store)
        assert _ids(got) == []
        assert [str(p) for p in got.problems] == fresh


def test_a_cache_others_can_write_is_not_read(tmp_path: Path) -> None:
    load([], builtin=True, cache=tmp_path)
    (entry,) = tmp_path.glob("rules-*.pickle")
    digest = entry.stem.removeprefix("rules-")
    assert cache.get(tmp_path, digest) is not None
    entry.chmod(0o666)
    assert cache.get(tmp_path, digest) is None
    entry.chmod(0o600)
    tmp_path.chmod(0o777)
    try:
        assert cache.get(tmp_path, digest) is None
    finally:
        tmp_path.chmod(0o700)
    entry.write_bytes(b"not a pickle")
    assert cache.get(tmp_path, digest) is None
    assert _ids(load([], builtin=True, cache=tmp_path)) == _ids(load([], builtin=True))


def test_only_the_newest_entries_are_kept(tmp_path: Path) -> None:
    for i in range(cache.KEEP + 3):
        cache.put(tmp_path, f"{i:04}", ruleset.RuleSet())
        os.utime(tmp_path / f"rules-{i:04}.pickle", ns=(i * 10**9, i * 10**9))
    left = sorted(p.name for p in tmp_path.glob("rules-*.pickle"))
    assert len(left) == cache.KEEP
    assert "rules-0000.pickle" not in left
    assert not list(tmp_path.glob(".rules-*"))  # no temporary file left behind
    assert pickle.loads((tmp_path / left[-1]).read_bytes()).rules == []


def test_the_cli_uses_the_cache_folder_and_can_do_without(tmp_path: Path) -> None:
    store = tmp_path / "store"
    code, out, _ = run_cli("rules", "list", env={"LOGDOCTOR_CACHE_DIR": str(store)})
    assert code == 0
    (entry,) = store.glob("rules-*.pickle")
    assert entry.stat().st_mode & 0o077 == 0
    assert store.stat().st_mode & 0o077 == 0
    code2, out2, _ = run_cli("rules", "list", env={"LOGDOCTOR_CACHE_DIR": str(store)})
    assert (code2, out2) == (code, out)
    off = tmp_path / "off"
    env = {"LOGDOCTOR_CACHE_DIR": str(off), "LOGDOCTOR_NO_CACHE": "1"}
    assert run_cli("rules", "list", env=env)[:2] == (code, out)
    assert not off.exists()


def test_a_change_to_the_code_that_compiles_rules_gives_new_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A development install keeps its version number: the code's own text is keyed too,
    # so an entry pickled by older classes is never read by newer ones.
    for name in cache._CODE:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes((cache._PACKAGE / name).read_bytes())
    parts = [("rules/a.yaml", "a", RULE.format(word="x"), None)]
    before = cache.key(parts)
    monkeypatch.setattr(cache, "_PACKAGE", tmp_path)
    assert cache.key(parts) == before
    with (tmp_path / "match.py").open("a") as f:
        f.write("\n# changed\n")
    assert cache.key(parts) != before
