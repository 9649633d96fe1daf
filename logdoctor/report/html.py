"""The scan report as one self-contained HTML file, to attach to a ticket.

No script, no network: inline CSS, an inline SVG bar chart of each incident's
hourly counts, backtraces in `<details>`. Every string is HTML-escaped after
control characters are made visible (`inert`).
"""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any, TextIO

from logdoctor.incidents import series
from logdoctor.report.document import frame_text, where_text
from logdoctor.report.safe import inert

CHART_BARS = 96
COLOR = {"critical": "#b3001b", "error": "#d1342f", "warning": "#c77c02", "info": "#2a6fb0"}

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
background:#f4f5f7;color:#1d2330}
main{max-width:1000px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}
.sub{color:#5b6475;margin:0 0 14px}
.cards{display:flex;gap:10px;flex-wrap:wrap}
.card{background:#fff;border-radius:8px;padding:10px 14px;box-shadow:0 1px 2px #0002;
min-width:110px}
.card b{display:block;font-size:22px}
.inc{background:#fff;border-radius:8px;box-shadow:0 1px 2px #0002;margin:0 0 14px;
border-left:6px solid var(--c);padding:12px 16px}
.inc h3{margin:0 0 6px;font-size:16px}
.sev{display:inline-block;color:#fff;background:var(--c);border-radius:4px;padding:0 6px;
font-size:12px;font-weight:600;text-transform:uppercase;margin-right:6px;vertical-align:2px}
.meta{color:#5b6475;font-size:13px;margin:0 0 8px}
dl{display:grid;grid-template-columns:60px 1fr;gap:4px 12px;margin:6px 0}
dt{font-weight:600}dd{margin:0}
pre{background:#f0f1f4;border-radius:6px;padding:8px;white-space:pre-wrap;word-break:break-all;
margin:4px 0;font-size:12.5px}
code{font-size:12.5px}
ol{margin:0;padding-left:20px}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;
box-shadow:0 1px 2px #0002}
td,th{text-align:left;padding:6px 10px;border-bottom:1px solid #e4e6eb;vertical-align:top;
font-size:13.5px}
.n{text-align:right}
svg{display:block;margin:4px 0}
.fails{color:#b3001b;font-weight:600}
"""


def _e(text: object) -> str:
    return escape(inert(str(text) if text is not None else ""))


def chart(hourly: dict[str, int], color: str) -> str:
    """An inline SVG bar chart of hourly counts (at most CHART_BARS bars)."""
    first, last, counts = series(Counter(hourly), CHART_BARS)
    if not counts:
        return ""
    h = 56
    bar = min(640 / len(counts), 16.0)  # a few slices stay bars, not blocks
    w = max(round(bar * len(counts)), 240)
    top = max(counts)
    rects = []
    for i, n in enumerate(counts):
        if n:
            height = max(2.0, (h - 14) * n / top)
            rects.append(
                f'<rect x="{i * bar:.1f}" y="{h - 14 - height:.1f}" width="{max(bar - 1, 1):.1f}" '
                f'height="{height:.1f}" fill="{color}"><title>{n}</title></rect>'
            )
    return (
        f'<svg class="timeline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        f'aria-label="entries per hour">'
        f'<line x1="0" y1="{h - 13}" x2="{w}" y2="{h - 13}" stroke="#c9cdd6"/>'
        + "".join(rects)
        + f'<text x="0" y="{h - 2}" font-size="10" fill="#5b6475">{_e(first)}h</text>'
        f'<text x="{w}" y="{h - 2}" font-size="10" fill="#5b6475" text-anchor="end">'
        f"{_e(last)}h · max {top}/slice</text></svg>"
    )


def _incident(inc: dict[str, Any]) -> str:
    sev = inc["severity"]
    sample = inc["sample"]
    more = len(inc["files"]) - 1
    what = sample["exception"] or sample["kind"] or sample["level"]
    frames = "\n".join(f"#{i} {frame_text(f)}" for i, f in enumerate(sample["frames"]))
    out = [
        f'<section class="incident inc" style="--c:{COLOR[sev]}" id="{_e(inc["id"])}">',
        f'<h3><span class="sev">{sev}</span>{_e(inc["title"])} '
        f"<small>&times; {inc['count']}</small>"
        + (' <span class="fails">fails</span>' if inc["fails"] else "")
        + "</h3>",
        f'<p class="meta"><code>{_e(inc["rule"]["id"])}</code> · {_e(inc["first_seen"] or "-")} → '
        f"{_e(inc['last_seen'] or '-')} · {_e(where_text(inc['first']))}"
        + (f" (+{more} more files)" if more > 0 else "")
        + "</p>",
        chart(inc["hourly"], COLOR[sev]),
        f"<pre>{_e(what)}: {_e(sample['message'])}</pre>",
        "<dl>",
    ]
    if sample["key_frame"]:
        out.append(f"<dt>Frame</dt><dd><code>{_e(frame_text(sample['key_frame']))}</code></dd>")
    out.append(f"<dt>Why</dt><dd>{_e(inc['explain'])}</dd>")
    if inc["fix"]:
        steps = "".join(f"<li>{_e(s)}</li>" for s in inc["fix"])
        out.append(f"<dt>Fix</dt><dd><ol>{steps}</ol></dd>")
    if inc["docs"]:
        links = "<br>".join(
            f'<a href="{_e(d)}">{_e(d)}</a>' if d.startswith(("https://", "http://")) else _e(d)
            for d in inc["docs"]
        )
        out.append(f"<dt>Docs</dt><dd>{links}</dd>")
    out.append("</dl>")
    if frames:
        out.append(
            f"<details><summary>Backtrace ({len(sample['frames'])} frames)</summary>"
            f"<pre>{_e(frames)}</pre></details>"
        )
    out.append("</section>")
    return "\n".join(out)


def render_html(doc: dict[str, Any], stream: TextIO) -> None:
    """The whole report as one HTML page."""
    s = doc["summary"]
    span = f"{_e(s['first'])} → {_e(s['last'])}" if s["first"] else "no timestamps"
    cards = [
        ("files", s["files"]),
        ("entries", s["entries"]),
        ("incidents", s["incidents"]),
        *((sev, n) for sev, n in s["by_severity"].items()),
        ("unexplained", s["unexplained_entries"]),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        "<title>logdoctor report</title>",
        f"<style>{CSS}</style></head><body><main>",
        "<h1>logdoctor report</h1>",
        f'<p class="sub">{s["files"]} files, {s["entries"]} entries, {span}</p>',
        '<div class="cards">'
        + "".join(f'<div class="card"><b>{n}</b>{_e(k)}</div>' for k, n in cards)
        + "</div>",
        f"<h2>Incidents ({s['incidents']})</h2>",
    ]
    parts += [_incident(inc) for inc in doc["incidents"]] or ["<p>No known problem found.</p>"]
    if doc["unexplained"]:
        parts.append(
            f"<h2>Unexplained: the {len(doc['unexplained'])} biggest of "
            f"{s['unexplained_groups']} groups</h2>"
        )
        rows = "".join(
            f'<tr class="unexplained"><td class="n">{g["count"]}</td><td>{_e(g["level"])}</td>'
            f"<td>{_e(g['label'])}: {_e(g['message'])}<br><small>{_e(where_text(g['first']))} "
            f"<code>{_e(frame_text(g['key_frame']))}</code></small><br>"
            f"<code>$ {_e(g['new_rule'])}</code></td></tr>"
            for g in doc["unexplained"]
        )
        parts.append(
            '<table><thead><tr><th class="n">count</th><th>level</th><th>what</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    parts.append("<h2>Files</h2>")
    rows = "".join(
        f'<tr><td>{_e(f["path"])}</td><td class="n">{f["entries"]}</td>'
        f"<td>{_e(f['first'] or '')}</td><td>{_e(f['last'] or '')}</td>"
        f"<td>{_e(', '.join(f'{k} {v}' for k, v in f['levels'].items()))}</td></tr>"
        for f in doc["files"]
    )
    parts.append(
        "<table><thead><tr><th>file</th><th class='n'>entries</th><th>from</th><th>to</th>"
        f"<th>levels</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    if doc["errors"]:
        parts.append("<h2>Inputs that could not be read</h2><ul>")
        parts += [f"<li>{_e(e)}</li>" for e in doc["errors"]]
        parts.append("</ul>")
    parts.append("</main></body></html>")
    stream.write("\n".join(parts) + "\n")
