"""Rule file nodes -> compiled rules, every problem located and all of them collected.

The schema (README, "Writing a rule"): a mapping with `rules:`, a list of rules with
`id`, `title`, `severity`, `match`, `explain`, `fix`, and optionally `keywords`,
`docs`, `tags`, `examples` (`match` / `no_match` lists of log entries).
"""

from __future__ import annotations

import difflib
import re

import regex
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from logdoctor import literals
from logdoctor.match import FIELDS, CompiledRule, Pred
from logdoctor.model import Dialect, Example, Level, Rule, Severity
from logdoctor.ruleset.yamlsrc import Problem, where

RULE_KEYS = ("id", "title", "severity", "match", "keywords", "explain", "fix", "docs", "tags",
             "examples")  # fmt: skip
REQUIRED = ("id", "title", "severity", "match", "explain", "fix")
REGEX_FIELDS = FIELDS  # the fields a regex predicate reads (match.evaluate)
PREDICATES = (*REGEX_FIELDS, "level", "dialect", "frame", "all", "any", "not")
LEVELS = tuple(lvl.label for lvl in Level if lvl is not Level.UNKNOWN)
DIALECT_NAMES = tuple(d.value for d in Dialect)
SEVERITIES = tuple(s.label for s in Severity)
ID = re.compile(r"[a-z0-9][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)+")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _hint(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _not_one_of(what: str, value: str, choices: tuple[str, ...]) -> str:
    return f"{what} {value!r} is not one of {', '.join(choices)}{_hint(value, choices)}"


def _unknown(what: str, value: object, choices: tuple[str, ...]) -> str:
    return f"unknown {what} {value!r}{_hint(str(value), choices)}"


class RuleReader:
    """Reads the rules of one file, collecting problems."""

    def __init__(self, path: str, prefix: str) -> None:
        self.path = path
        self.prefix = prefix  # "glpi.mail": what every id of the file starts with
        self.problems: list[Problem] = []

    def bad(self, node: Node, what: str) -> None:
        """Record a problem at `node`."""
        self.problems.append(where(self.path, node, what))

    def read(self, root: Node | None) -> list[CompiledRule]:
        """Every valid rule of the file."""
        if root is None:
            return []
        if not isinstance(root, MappingNode):
            self.bad(root, "a rule file is a mapping with a 'rules:' list")
            return []
        rules_node = None
        for key, value in root.value:
            if key.value == "rules":
                rules_node = value
            else:
                self.bad(key, f"unknown key {key.value!r} (a rule file has 'rules:' only)")
        if not isinstance(rules_node, SequenceNode):
            self.bad(rules_node or root, "'rules:' must be a list of rules")
            return []
        out = []
        for item in rules_node.value:
            rule = self.rule(item)
            if rule is not None:
                out.append(rule)
        return out

    def rule(self, node: Node) -> CompiledRule | None:
        """One rule, or None when it has problems (they are recorded)."""
        if not isinstance(node, MappingNode):
            self.bad(node, "a rule is a mapping (id, title, severity, match, explain, fix…)")
            return None
        before = len(self.problems)
        fields: dict[str, Node] = {}
        for key, value in node.value:
            if key.value in RULE_KEYS:
                fields[key.value] = value
            else:
                self.bad(key, _unknown("key", key.value, RULE_KEYS))
        for name in REQUIRED:
            if name not in fields:
                self.bad(node, f"missing key {name!r}")
        if any(name not in fields for name in REQUIRED):
            return None
        rule_id = self.text(fields["id"])
        if rule_id is not None and not ID.fullmatch(rule_id):
            self.bad(fields["id"], f"id {rule_id!r} is not dotted lowercase words (a.b.c-d)")
        elif rule_id is not None and self.prefix and not rule_id.startswith(self.prefix + "."):
            self.bad(fields["id"], f"id {rule_id!r} does not start with its file's {self.prefix!r}")
        severity = self.choice(fields["severity"], SEVERITIES, "severity")
        pred = self.pred(fields["match"])
        groups = {name for p in (pred.patterns() if pred else ()) for name in p.groupindex}
        explain = self.text(fields["explain"])
        fix = self.texts(fields["fix"])
        if pred is not None:  # else the regexes have problems of their own
            for name, holder in (("explain", fields["explain"]), ("fix", fields["fix"])):
                self.placeholders(holder, groups, name)
        keywords = self.texts(fields["keywords"]) if "keywords" in fields else []
        docs = self.texts(fields["docs"]) if "docs" in fields else []
        tags = self.texts(fields["tags"]) if "tags" in fields else []
        examples = self.examples(fields["examples"]) if "examples" in fields else []
        if len(self.problems) > before or None in (rule_id, severity, pred, explain):
            return None
        assert rule_id is not None and severity is not None and pred is not None
        line = node.start_mark.line + 1
        rule = Rule(
            id=rule_id,
            title=self.text(fields["title"]) or "",
            severity=Severity[severity.upper()],
            explain=explain or "",
            fix=tuple(fix),
            docs=tuple(docs),
            tags=tuple(tags),
            keywords=tuple(keywords),
            examples=tuple(examples),
            source=f"{self.path}:{line}",
        )
        id_mark = fields["id"].start_mark
        # Both are literals some match must contain; the derived ones know the text they
        # are in, so they go through the fast index (match.py): they come first.
        derived = tuple(literals.of_pred(pred) or ())
        where_id = (id_mark.line + 1, id_mark.column + 1)
        if derived:  # the rule's own keywords then only confirm the few candidates
            return CompiledRule(rule, pred, derived, where_id, confirm=tuple(keywords))
        return CompiledRule(rule, pred, tuple(keywords), where_id)

    # -- values ----------------------------------------------------------------------

    def text(self, node: Node) -> str | None:
        """A string value."""
        if isinstance(node, ScalarNode) and node.tag.endswith(":str"):
            return str(node.value)
        self.bad(node, "expected a string")
        return None

    def texts(self, node: Node) -> list[str]:
        """A list of strings (a single string is taken as a list of one)."""
        if isinstance(node, ScalarNode):
            value = self.text(node)
            return [value] if value is not None else []
        if not isinstance(node, SequenceNode):
            self.bad(node, "expected a list of strings")
            return []
        return [t for item in node.value if (t := self.text(item)) is not None]

    def choice(self, node: Node, choices: tuple[str, ...], what: str) -> str | None:
        """A string among `choices`."""
        value = self.text(node)
        if value is not None and value not in choices:
            self.bad(
                node, f"{what} {value!r} is not one of {', '.join(choices)}{_hint(value, choices)}"
            )
            return None
        return value

    def placeholders(self, node: Node, groups: set[str], what: str) -> None:
        """Every `{name}` in explain/fix must be a named group of the rule's regexes."""
        items = node.value if isinstance(node, SequenceNode) else [node]
        for item in items:
            if not isinstance(item, ScalarNode):
                continue
            for name in PLACEHOLDER.findall(str(item.value)):
                if name not in groups:
                    known = "groups: " + (", ".join(sorted(groups)) or "none")
                    self.bad(
                        item,
                        f"{what}: {{{name}}} is no named group of the rule's regexes ({known})",
                    )

    def regex_of(self, node: Node) -> regex.Pattern[str] | None:
        """A compiled regex, or a problem located at the character that is wrong."""
        value = self.text(node)
        if value is None:
            return None
        try:
            return regex.compile(value)
        except regex.error as exc:
            # regex's error carries the message and the position in the pattern.
            msg, pos = getattr(exc, "msg", str(exc)), getattr(exc, "pos", None) or 0
            mark = node.start_mark
            style = getattr(node, "style", None)
            col = mark.column + 1 + (1 if style in ("'", '"') else 0) + pos
            line = mark.line + 1 if style not in ("|", ">") else mark.line + 2
            self.problems.append(
                Problem(self.path, line, col, f"invalid regex: {msg} at position {pos}")
            )
            return None

    def examples(self, node: Node) -> list[Example]:
        """`examples: {match: [...], no_match: [...]}`."""
        if not isinstance(node, MappingNode):
            self.bad(node, "examples is a mapping with 'match' and 'no_match' lists")
            return []
        out = []
        for key, value in node.value:
            if key.value not in ("match", "no_match"):
                self.bad(
                    key, f"unknown key {key.value!r}{_hint(str(key.value), ('match', 'no_match'))}"
                )
                continue
            items = value.value if isinstance(value, SequenceNode) else None
            if items is None:
                self.bad(value, f"examples.{key.value} is a list of log entries")
                continue
            for item in items:
                text = self.text(item)
                if text is not None:
                    line = item.start_mark.line + 1
                    out.append(Example(text, key.value == "match", f"{self.path}:{line}"))
        return out

    # -- match trees -----------------------------------------------------------------

    def pred(self, node: Node) -> Pred | None:
        """A predicate mapping: several keys are all required."""
        if not isinstance(node, MappingNode) or not node.value:
            self.bad(node, f"a match is a mapping of predicates ({', '.join(PREDICATES)})")
            return None
        parts = [self.one(key, value) for key, value in node.value]
        if any(p is None for p in parts):
            return None
        preds = tuple(p for p in parts if p is not None)
        return preds[0] if len(preds) == 1 else Pred("all", children=preds)

    def one(self, key: Node, value: Node) -> Pred | None:
        """One predicate."""
        name = str(key.value)
        if name in REGEX_FIELDS:
            pattern = self.regex_of(value)
            return Pred("field", name=name, pattern=pattern) if pattern is not None else None
        if name in ("level", "dialect"):
            choices = LEVELS if name == "level" else DIALECT_NAMES
            values = self.texts(value)
            bad = [v for v in values if v not in choices]
            for v in bad:
                self.bad(
                    value, f"{name} {v!r} is not one of {', '.join(choices)}{_hint(v, choices)}"
                )
            if bad or not values:
                return None
            return Pred("levels" if name == "level" else "dialects", values=frozenset(values))
        if name == "frame":
            return self.frame(value)
        if name in ("all", "any"):
            if not isinstance(value, SequenceNode) or not value.value:
                self.bad(value, f"{name} is a list of predicate mappings")
                return None
            children = [self.pred(item) for item in value.value]
            if any(c is None for c in children):
                return None
            return Pred(name, children=tuple(c for c in children if c is not None))
        if name == "not":
            child = self.pred(value)
            return Pred("not", children=(child,)) if child is not None else None
        self.bad(key, _unknown("predicate", name, PREDICATES))
        return None

    def frame(self, node: Node) -> Pred | None:
        """`frame: {file: REGEX, call: REGEX}` (one or both)."""
        if not isinstance(node, MappingNode) or not node.value:
            self.bad(node, "frame is a mapping with 'file' and/or 'call' regexes")
            return None
        found: dict[str, regex.Pattern[str] | None] = {}
        for key, value in node.value:
            if key.value not in ("file", "call"):
                self.bad(
                    key, f"unknown frame key {key.value!r}{_hint(str(key.value), ('file', 'call'))}"
                )
                return None
            found[key.value] = self.regex_of(value)
        if any(v is None for v in found.values()):
            return None
        return Pred("frame", pattern=found.get("file"), call=found.get("call"))
