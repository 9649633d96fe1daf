"""The project config file `.logdoctor.yaml`, found upward from the working directory.

```yaml
rules: [ops/logdoctor-rules]     # rule files or folders, relative to this file
select: ["glpi.*", "tag:mail"]   # id globs or tag:NAME
ignore: [glpi.noise.*]
builtin-rules: true              # false: only the rules above
fail-on: warning                 # scan's --fail-on default: info, warning, error, critical, never
```
Command-line options add to it (`--rules`, `--select`, `--ignore`) or override it
(`--no-builtin-rules`). Problems are located like rule-file problems. Imports
ruleset's YAML reader and errors only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from logdoctor.ruleset.yamlsrc import Problem, compose, where

NAME = ".logdoctor.yaml"
KEYS = ("rules", "select", "ignore", "builtin-rules", "fail-on")
FAIL_ON = ("info", "warning", "error", "critical", "never")


@dataclass(slots=True)
class Config:
    """What the config file says (empty when there is none)."""

    path: str | None = None
    rules: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    builtin_rules: bool = True
    fail_on: str | None = None
    problems: list[Problem] = field(default_factory=list)


def find(start: Path) -> Path | None:
    """The nearest `.logdoctor.yaml` in `start` or a folder above it."""
    for folder in (start, *start.parents):
        candidate = folder / NAME
        if candidate.is_file():
            return candidate
    return None


def load(start: Path | None = None) -> Config:
    """Read the config file found upward from `start` (the working directory)."""
    found = find((start or Path.cwd()).resolve())
    if found is None:
        return Config()
    label = str(found)
    config = Config(path=label)
    try:
        node, config.problems = compose(label, found.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        config.problems.append(Problem(label, 1, 1, f"cannot read: {exc}"))
        return config
    if node is None:
        return config
    if not isinstance(node, MappingNode):
        config.problems.append(where(label, node, f"{NAME} is a mapping ({', '.join(KEYS)})"))
        return config
    for key, value in node.value:
        name = str(key.value)
        if name == "builtin-rules":
            if isinstance(value, ScalarNode) and value.tag.endswith(":bool"):
                config.builtin_rules = value.value.lower() in ("true", "yes", "on")
            else:
                config.problems.append(where(label, value, "builtin-rules is true or false"))
        elif name == "fail-on":
            if isinstance(value, ScalarNode) and str(value.value) in FAIL_ON:
                config.fail_on = str(value.value)
            else:
                config.problems.append(
                    where(label, value, f"fail-on is one of {', '.join(FAIL_ON)}")
                )
        elif name in KEYS:
            items = _strings(label, value, config.problems)
            if name == "rules":
                items = [str(found.parent / item) for item in items]
            getattr(config, name).extend(items)
        else:
            config.problems.append(where(label, key, f"unknown key {name!r} ({', '.join(KEYS)})"))
    return config


def _strings(label: str, node: Node, problems: list[Problem]) -> list[str]:
    items = node.value if isinstance(node, SequenceNode) else [node]
    out = []
    for item in items:
        if isinstance(item, ScalarNode) and item.tag.endswith(":str"):
            out.append(str(item.value))
        else:
            problems.append(where(label, item, "expected a string or a list of strings"))
    return out
