"""Rule sets: find rule files, read them, check them, select among them.

`load(paths, builtin=True)` reads the built-in library (`rules/` of the repository,
shipped in the wheel as `logdoctor/_rules`) and the user's files and folders, and
returns the compiled rules with every problem found in any file, each located as
`path:line:col`. Imports model, match and its own modules; no click.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from logdoctor.match import CompiledRule
from logdoctor.ruleset import cache as rule_cache
from logdoctor.ruleset.schema import RuleReader
from logdoctor.ruleset.yamlsrc import Problem, compose

PACKAGE = Path(__file__).resolve().parent.parent


def builtin_dir() -> Path:
    """The built-in rules: in the wheel, or the repository's `rules/` (editable install)."""
    shipped = PACKAGE / "_rules"
    return shipped if shipped.is_dir() else PACKAGE.parent / "rules"


@dataclass(slots=True)
class RuleSet:
    """Compiled rules and the problems met while reading them."""

    rules: list[CompiledRule] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def select(self, select: Sequence[str] = (), ignore: Sequence[str] = ()) -> RuleSet:
        """The rules chosen by id globs or `tag:NAME` (all if `select` is empty)."""
        chosen = [
            c
            for c in self.rules
            if (not select or _chosen(c, select)) and not (ignore and _chosen(c, ignore))
        ]
        return RuleSet(chosen, list(self.problems))


def _chosen(c: CompiledRule, patterns: Sequence[str]) -> bool:
    for pattern in patterns:
        if pattern.startswith("tag:"):
            if pattern[4:] in c.rule.tags:
                return True
        elif fnmatch.fnmatchcase(c.rule.id, pattern):
            return True
    return False


def rule_files(path: Path) -> Iterable[tuple[Path, str]]:
    """(file, id prefix) for a rule file or every `*.yaml` below a folder."""
    if path.is_dir():
        for file in sorted(path.rglob("*.y*ml")):
            hidden = any(part.startswith(".") for part in file.relative_to(path).parts)
            if file.suffix in (".yaml", ".yml") and not hidden:  # not .logdoctor.yaml
                rel = file.relative_to(path).with_suffix("")
                yield file, ".".join(rel.parts)
    else:
        yield path, path.stem


def load(paths: Sequence[str] = (), *, builtin: bool = True, cache: Path | None = None) -> RuleSet:
    """Read the built-in rules (unless `builtin` is False) and the given files or folders;
    with `cache` (a folder, see cache.py), a rule set read before is not read again."""
    out = RuleSet()
    sources: list[tuple[Path, str]] = []
    if builtin:
        root = builtin_dir()
        sources += [(f, prefix) for f, prefix in rule_files(root)]
    for given in paths:
        p = Path(given)
        if not p.exists():
            out.problems.append(Problem(given, 1, 1, "no such rule file or folder"))
            continue
        sources += list(rule_files(p))
    files: list[tuple[str, str, str | None, str | None]] = []
    for file, prefix in sources:
        try:
            files.append((_label(file), prefix, file.read_text(encoding="utf-8"), None))
        except (OSError, UnicodeDecodeError) as exc:
            files.append((_label(file), prefix, None, f"cannot read: {exc}"))
    digest = rule_cache.key(files) if cache is not None else ""
    found = rule_cache.get(cache, digest) if cache is not None else None
    if not isinstance(found, RuleSet):
        found = _read(files)
        rule_cache.put(cache, digest, found)
    out.rules += found.rules
    out.problems += found.problems
    return out


def _read(files: list[tuple[str, str, str | None, str | None]]) -> RuleSet:
    """Compile the rules of these files (label, id prefix, text or read error)."""
    out = RuleSet()
    seen: dict[str, str] = {}
    for label, prefix, text, error in files:
        if text is None:
            out.problems.append(Problem(label, 1, 1, error or "cannot read"))
            continue
        node, problems = compose(label, text)
        out.problems += problems
        reader = RuleReader(label, prefix)
        for compiled in reader.read(node):
            first = seen.get(compiled.rule.id)
            if first is not None:
                path = compiled.rule.source.rpartition(":")[0]
                what = f"duplicate id {compiled.rule.id!r} (first at {first})"
                out.problems.append(Problem(path, *compiled.id_at, what))
                continue
            seen[compiled.rule.id] = compiled.rule.source
            out.rules.append(compiled)
        out.problems += reader.problems
    return out


def _label(file: Path) -> str:
    """A rule file's path as shown: relative to the working directory when below it,
    built-in files as `rules/...`."""
    shipped = PACKAGE / "_rules"
    try:
        return "rules/" + str(file.relative_to(shipped))
    except ValueError:
        pass
    try:
        return os.path.relpath(file) if not os.path.relpath(file).startswith("..") else str(file)
    except ValueError:
        return str(file)
