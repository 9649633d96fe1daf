"""YAML text -> a tree of nodes that remember where they were written.

Rule files are loaded with PyYAML's safe composer, never constructed into objects:
every value keeps its `path:line:col`, so each problem can be pointed at. What YAML
allows but a rule file must not hold is refused here, with its location: aliases
(an alias bomb would otherwise multiply nodes), tags other than the plain ones,
duplicate keys. Imports errors only.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "seq", "map")
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a rule file, with its place."""

    path: str
    line: int
    col: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.what}"


def where(path: str, node: Node, what: str) -> Problem:
    """A problem located at `node`'s first character."""
    mark = node.start_mark
    return Problem(path, mark.line + 1, mark.column + 1, what)


class _Composer(yaml.SafeLoader):
    """The safe loader's composer, refusing aliases as they are read (pure Python)."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            what = "aliases (*name) are not allowed in rule files"
            raise yaml.MarkedYAMLError(problem=what, problem_mark=event.start_mark)
        return super().compose_node(parent, index)


# libyaml's composer is 10x faster (0.6 s -> 0.06 s for the built-in library). It
# resolves an alias to the anchored node itself, so an alias shows afterwards as a node
# met twice (and an alias bomb is no bigger than its text). Whenever something is wrong
# (a syntax error, an alias) the file is read again by the Python composer, whose
# messages and positions are the ones users see.
_FAST = getattr(yaml, "CSafeLoader", None)


class _Alias(Exception):
    """A node met twice."""


def compose(path: str, text: str) -> tuple[Node | None, list[Problem]]:
    """The node tree of a file, or the syntax problem that stops it."""
    if _FAST is not None:
        loader = _FAST(text)
        try:
            node = loader.get_single_node()
            problems: list[Problem] = []
            if node is not None:
                _check(path, node, problems, set())
            return node, problems
        except (yaml.YAMLError, _Alias):
            pass  # read again below, for the exact message and place
        finally:
            loader.dispose()
    return _compose_slowly(path, text)


def _compose_slowly(path: str, text: str) -> tuple[Node | None, list[Problem]]:
    loader = _Composer(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "invalid YAML"
        if exc.context and exc.problem:
            what = f"{exc.problem} ({exc.context})"
        return None, [Problem(path, line, col, f"YAML syntax: {what}")]
    except yaml.YAMLError as exc:  # not marked: reader errors (bad bytes)
        return None, [Problem(path, 1, 1, f"YAML: {exc}")]
    finally:
        loader.dispose()
    problems: list[Problem] = []
    if node is not None:
        _check(path, node, problems, set())
    return node, problems


def _check(path: str, node: Node, problems: list[Problem], seen_nodes: set[int]) -> None:
    if id(node) in seen_nodes:  # the same node twice: an alias (see _FAST)
        raise _Alias
    seen_nodes.add(id(node))
    if node.tag not in _PLAIN_TAGS:
        problems.append(where(path, node, f"tag {node.tag!r} is not allowed in rule files"))
    if isinstance(node, MappingNode):
        seen: dict[str, Node] = {}
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                if key.value in seen:
                    first = seen[key.value].start_mark.line + 1
                    problems.append(
                        where(path, key, f"duplicate key {key.value!r} (first on line {first})")
                    )
                seen[key.value] = key
            _check(path, key, problems, seen_nodes)
            _check(path, value, problems, seen_nodes)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            _check(path, item, problems, seen_nodes)
