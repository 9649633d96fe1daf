"""The scan report for people: a doctor's report on a terminal (rich), plain text in a pipe.

Every string that comes from a log goes through `inert` and into a rich `Text`,
never into markup: a log line cannot recolour, retitle or hyperlink the screen.
Colour only on a terminal; rich honours NO_COLOR.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, TextIO

from rich.console import Console, Group
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from logdoctor.incidents import series
from logdoctor.report.document import frame_text, where_text
from logdoctor.report.safe import inert

STYLE = {"critical": "bold white on red", "error": "bold red", "warning": "yellow", "info": "cyan"}
BARS = " ▁▂▃▄▅▆▇█"
SPARK_WIDTH = 48


def sparkline(hourly: dict[str, int], width: int = SPARK_WIDTH) -> tuple[str, str, str]:
    """(first hour, last hour, bars) for hourly counts."""
    first, last, counts = series(Counter(hourly), width)
    if not counts:
        return "", "", ""
    top = max(counts)
    bars = "".join(BARS[0 if n == 0 else 1 + (n * (len(BARS) - 2)) // top] for n in counts)
    return first, last, bars


def _line(text: str | None) -> str:
    return inert(text or "", keep_newlines=False)


def _summary(doc: dict[str, Any]) -> Text:
    s = doc["summary"]
    text = Text()
    text.append("logdoctor", style="bold")
    span = f", {s['first']} → {s['last']}" if s["first"] else ""
    text.append(f": {s['files']} files, {s['entries']} entries{span}\n")
    sel = s["selection"]
    chosen = [f"{k.replace('_', '-')} {v}" for k, v in sel.items() if v]
    if chosen:
        text.append(f"selection: {', '.join(chosen)}\n")
    text.append(f"{s['incidents']} incidents")
    parts = [(n, sev) for sev, n in s["by_severity"].items() if n]
    if parts:
        text.append(": ")
        for i, (n, sev) in enumerate(parts):
            text.append(("" if i == 0 else " · ") + f"{n} {sev}", style=STYLE[sev])
    text.append(
        f"\n{s['explained_entries']} entries explained; {s['unexplained_entries']} unexplained "
        f"at notice level or above, in {s['unexplained_groups']} groups"
    )
    if s["baseline"]:
        text.append(f"\nbaseline: {s['new_incidents']} incidents not in it")
    return text


def incident_block(inc: dict[str, Any], verbose: bool) -> Group:
    """One incident as the terminal report shows it."""
    sev = inc["severity"]
    head = Text()
    head.append(f" {sev.upper()} ", style=STYLE[sev])
    head.append(" ")
    head.append(_line(inc["title"]), style="bold")
    head.append(f"  x {inc['count']}")
    if inc["fails"]:
        head.append("  (fails)", style="bold red")
    elif not inc["new"]:
        head.append("  (in baseline)", style="dim")
    info = Table.grid(padding=(0, 1))
    info.add_column(style="bold", no_wrap=True)
    info.add_column(overflow="fold")
    files = inc["files"]
    more = f" (+{len(files) - 1} more files)" if len(files) > 1 else ""
    info.add_row("Rule", Text(inc["rule"]["id"]))
    info.add_row(
        "Seen",
        Text(f"{inc['first_seen'] or '-'} → {inc['last_seen'] or '-'}"),
    )
    info.add_row("Where", Text(f"{_line(where_text(inc['first']))}{_line(more)}"))
    sample = inc["sample"]
    excerpt = sample["message"].split("\n")
    what = sample["exception"] or sample["kind"] or sample["level"]
    shown = [f"{what}: {excerpt[0]}", *excerpt[1:3]]
    if len(excerpt) > 3:
        shown.append("…")
    info.add_row("Entry", Text(inert("\n".join(shown)), style="italic"))
    if sample["key_frame"]:
        info.add_row("Frame", Text(_line(frame_text(sample["key_frame"]))))
    if verbose and sample["frames"]:
        rows = "\n".join(f"#{i} {_line(frame_text(f))}" for i, f in enumerate(sample["frames"]))
        info.add_row("Trace", Text(rows, style="dim"))
    info.add_row("Why", Text(inert(inc["explain"])))
    if inc["fix"]:
        info.add_row(
            "Fix", Text("\n".join(f"{i}. {inert(s)}" for i, s in enumerate(inc["fix"], 1)))
        )
    if inc["docs"]:
        info.add_row("Docs", Text("\n".join(_line(d) for d in inc["docs"])))
    first, last, bars = sparkline(inc["hourly"])
    if bars:
        line = Text(bars, style=STYLE[sev].replace("on red", ""))
        line.append(f"  {first}h → {last}h", style="dim")
        info.add_row("When", line)
    return Group(head, Padding(info, (0, 0, 1, 2)))


def _unexplained(doc: dict[str, Any]) -> Table:
    table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold")
    table.add_column("count", justify="right", no_wrap=True)
    table.add_column("level", no_wrap=True)
    table.add_column("what", overflow="fold")
    for g in doc["unexplained"]:
        what = Text(_line(f"{g['label']}: {g['message']}"))
        what.append(f"\n{_line(where_text(g['first']))}", style="dim")
        if g["key_frame"]:
            what.append(f"  {_line(frame_text(g['key_frame']))}", style="dim")
        what.append(f"\n$ {_line(g['new_rule'])}", style="green")
        table.add_row(str(g["count"]), g["level"], what)
    return table


def render(doc: dict[str, Any], stream: TextIO, *, width: int | None, verbose: bool) -> None:
    """Write the report for a person (in a pipe or a file: plain text, without the
    spaces that pad table cells at the ends of lines)."""
    console = Console(file=stream, width=width, highlight=False, soft_wrap=False, emoji=False)
    if console.is_terminal:
        _render(console, doc, verbose)
        return
    with console.capture() as captured:
        _render(console, doc, verbose)
    stream.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def _render(console: Console, doc: dict[str, Any], verbose: bool) -> None:
    console.print(_summary(doc))
    console.print()
    if doc["incidents"]:
        console.print(Rule(Text("Incidents", style="bold"), align="left"))
        for inc in doc["incidents"]:
            console.print(incident_block(inc, verbose))
    else:
        console.print(Text("No known problem found."))
        console.print()
    if doc["unexplained"]:
        s = doc["summary"]
        shown, groups = len(doc["unexplained"]), s["unexplained_groups"]
        title = f"Unexplained: the {shown} biggest of {groups} groups"
        console.print(Rule(Text(title, style="bold"), align="left"))
        console.print(_unexplained(doc))
    if doc["errors"]:
        console.print()
        console.print(Rule(Text("Inputs that could not be read", style="bold"), align="left"))
        for error in doc["errors"]:
            console.print(Text(_line(error)))
