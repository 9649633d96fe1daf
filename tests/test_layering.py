"""The import directions of the house: data flows one way, click stays in cli.py."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "logdoctor"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def test_import_directions() -> None:
    problems = []
    for path in PACKAGE.rglob("*.py"):
        mod, deps = _module(path), _imports(path)
        own = {d for d in deps if d.startswith("logdoctor")}
        if mod in ("logdoctor.model", "logdoctor.errors") and own:
            problems.append(f"{mod} imports {own}")
        if mod.startswith("logdoctor.report") and any(d.startswith("logdoctor.parse") for d in own):
            problems.append(f"{mod} imports parse")
        if mod.startswith("logdoctor.parse") and any(
            d.startswith(("logdoctor.report", "logdoctor.app", "logdoctor.cli")) for d in own
        ):
            problems.append(f"{mod} imports a later stage")
        if not mod.startswith("logdoctor.cli") and "click" in deps:
            problems.append(f"{mod} imports click")
        if mod.startswith(("logdoctor.ruleset", "logdoctor.match")) and any(
            d.startswith(("logdoctor.report", "logdoctor.app", "logdoctor.cli")) for d in own
        ):
            problems.append(f"{mod} imports a later stage")
    assert problems == []
