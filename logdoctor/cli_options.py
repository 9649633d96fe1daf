"""Options several commands share, in a module light enough for any command to import."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])


def rule_options(f: F) -> F:
    """--rules, --no-builtin-rules, --select, --ignore."""
    f = click.option(
        "--ignore", multiple=True, metavar="GLOB|tag:NAME", help="Leave out these rules."
    )(f)
    f = click.option(
        "--select", multiple=True, metavar="GLOB|tag:NAME", help="Use only these rules."
    )(f)
    f = click.option(
        "--no-builtin-rules", is_flag=True, help="Do not load the built-in rule library."
    )(f)
    f = click.option(
        "--rules",
        "rule_paths",
        multiple=True,
        metavar="PATH",
        help="A rule file or folder of your own (repeatable).",
    )(f)
    return f


def width_option(f: F) -> F:
    """--width, for the commands that print for people."""
    return click.option(
        "--width", type=click.IntRange(min=40), help="Output width (default: terminal)."
    )(f)
