"""Render the run report: one self-contained HTML file from the manifests of a dump folder.

Scrapy-free. No script, no network: tables in HTML and charts in inline SVG, so the file
opens anywhere and can be mailed. What it shows:

- the last run: when, how long, exit status, totals, stores rebuilt;
- the sites that need attention (health warnings of the last run, a yield that stopped,
  errors), worst first;
- per site, small charts over the runs: articles and duplicates, median text length,
  boilerplate lines removed, errors by kind, the share of articles with images, keywords
  and a section; runs with health warnings are marked in red.

Size stays bounded: a chart has at most ``MAX_COLUMNS`` columns; with more runs than that,
each column covers several runs and draws their minimum and maximum (a one-run drop stays
visible). Old manifests lacking a field read as 0 for it.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

logger = logging.getLogger(__name__)

MAX_COLUMNS = 60  # a 260 px chart: 4 px a column
WIDTH, HEIGHT = 200, 40  # chart area, in SVG units (drawn at 2 px per unit wide)
COLOURS = ["#1f6fb4", "#e07b00", "#2a9d3a", "#8e44ad", "#c0392b", "#7f8c8d"]


@dataclass
class Run:
    name: str
    manifest: dict
    sites: dict[str, dict] = field(default_factory=dict)


@dataclass
class Report:
    runs: list[Run]
    unreadable: list[tuple[str, str]]  # (file, why)


def load_runs(folder: Path) -> Report:
    """Every ``*.manifest.json`` of the folder, oldest first; an unreadable one is listed, not fatal."""
    runs, unreadable = [], []
    for path in sorted(Path(folder).glob("*.manifest.json")):
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            sites = manifest.get("sites")
            if not isinstance(manifest, dict) or not isinstance(sites, dict):
                raise ValueError("no per-site table")
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            unreadable.append((path.name, str(exc)[:200]))
            logger.warning("Report: skipped %s (%s)", path.name, exc)
            continue
        manifest.pop("stats", None)  # the full stats dictionary is not needed here; keep memory flat
        runs.append(Run(path.name[: -len(".manifest.json")], manifest, sites))
    return Report(runs, unreadable)


def num(site: dict | None, key: str) -> float:
    value = (site or {}).get(key, 0)
    return value if isinstance(value, (int, float)) else 0


def columns(values: list[float]) -> list[tuple[float, float]]:
    """(min, max) per chart column: one run per column, or several when there are many runs."""
    n = len(values)
    if n <= MAX_COLUMNS:
        return [(v, v) for v in values]
    out = []
    for c in range(MAX_COLUMNS):
        chunk = values[c * n // MAX_COLUMNS : (c + 1) * n // MAX_COLUMNS]
        out.append((min(chunk), max(chunk)))
    return out


def _path(cols: list[tuple[float, float]], top: float) -> str:
    """An SVG path through the columns, y=HEIGHT at zero, in whole units (a chart is 60 px
    tall): a column of several runs is a vertical stroke from its minimum to its maximum."""
    if len(cols) < 2:
        return f"M0,{HEIGHT}h{WIDTH}"
    step = WIDTH / (len(cols) - 1)
    scale = HEIGHT / top if top > 0 else 0
    parts = []
    for i, (lo, hi) in enumerate(cols):
        y_lo, y_hi = round(HEIGHT - lo * scale), round(HEIGHT - hi * scale)
        parts.append(f"{'M' if i == 0 else 'L'}{round(i * step)},{y_lo}" + (f"V{y_hi}" if y_hi != y_lo else ""))
    return "".join(parts)


def chart(metric: str, title: str, series: dict[str, list[float]], marks: list[int], n_runs: int) -> str:
    """A small multi-line chart: each series one path, red ticks at the marked runs."""
    top = max((max(v) for v in series.values() if v), default=0)
    lines = []
    for i, (name, values) in reversed(list(enumerate(series.items()))):  # the first series is drawn last, on top
        last = values[-1] if values else 0
        lines.append(f'<path class="s" data-series="{html.escape(name)}" stroke="{COLOURS[i % len(COLOURS)]}" d="{_path(columns(values), top)}">'
                     f"<title>{html.escape(name)}: last {last:g}, max {max(values, default=0):g}</title></path>")
    ticks = ""
    if marks and n_runs:
        cols = min(n_runs, MAX_COLUMNS)
        xs = sorted({round((r * cols // n_runs) * WIDTH / max(1, cols - 1), 1) for r in marks})
        ticks = '<path class="w" d="' + "".join(f"M{x:g},0v4" for x in xs) + '"><title>runs with health warnings</title></path>'
    legend = " · ".join(f'<span style="color:{COLOURS[i % len(COLOURS)]}">{html.escape(k)}</span>' for i, k in enumerate(series)) if len(series) > 1 else ""
    return (f'<figure data-metric="{metric}"><figcaption>{html.escape(title)} <b>{top:g}</b> {legend}</figcaption>'
            f'<svg viewBox="-1 -1 {WIDTH + 2} {HEIGHT + 2}" preserveAspectRatio="none">'
            f'<path class="axis" d="M0,{HEIGHT}h{WIDTH}"/>{"".join(lines)}{ticks}</svg></figure>')


def attention(report: Report) -> list[tuple[str, list[str]]]:
    """Sites that need a look, worst first: health warnings of the last run, a yield that
    stopped (no articles in the last runs of a site that had them), errors in the last run."""
    if not report.runs:
        return []
    last = report.runs[-1].sites
    out = []
    for site in sorted(all_sites(report.runs)):
        reasons = list(last.get(site, {}).get("health_warnings") or [])
        history = [num(r.sites.get(site), "articles") for r in report.runs]
        dry = 0
        for v in reversed(history):
            if v:
                break
            dry += 1
        if 0 < dry < len(history) and dry >= 2:
            reasons.append(f"no new articles in the last {dry} runs (before: {max(history):g} at most)")
        if site not in last:
            reasons.append("not in the last run")
        errors = num(last.get(site), "errors")
        if errors:
            kinds = last[site].get("errors_by_kind") or {}
            reasons.append(f"{errors:g} errors in the last run ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")
        if reasons:
            out.append((site, reasons))
    severity = {True: 0, False: 1}
    out.sort(key=lambda x: (severity[bool(last.get(x[0], {}).get("health_warnings"))], -len(x[1]), x[0]))
    return out


def all_sites(runs: Iterable[Run]) -> set[str]:
    sites: set[str] = set()
    for r in runs:
        sites.update(r.sites)
    return sites


def site_section(site: str, runs: list[Run], reasons: list[str] | None) -> str:
    rows = [r.sites.get(site) for r in runs]
    marks = [i for i, s in enumerate(rows) if s and s.get("health_warnings")]
    kinds = sorted({k for s in rows if s for k in (s.get("errors_by_kind") or {})})
    errors = {k: [num((s or {}).get("errors_by_kind"), k) for s in rows] for k in kinds} or {"errors": [num(s, "errors") for s in rows]}
    n = len(runs)
    charts = [
        chart("articles", "articles, duplicates", {"articles": [num(s, "articles") for s in rows], "duplicates": [num(s, "duplicates") for s in rows]}, marks, n),
        chart("median_text_length", "median text length", {"median text length": [num(s, "median_text_length") for s in rows]}, marks, n),
        chart("boilerplate", "boilerplate lines removed", {"boilerplate": [num(s, "boilerplate_lines_removed") for s in rows],
                                                             "template": [num(s, "template_lines_removed") for s in rows]}, marks, n),
        chart("errors", "errors by kind", errors, marks, n),
        chart("record", "share with images, keywords, section", {name: [num(s, f"{name}_share") for s in rows]
                                                                 for name in ("images", "keywords", "section")}, marks, n),
    ]
    last = runs[-1].sites.get(site) or {}
    note = f'<p class="warn">{html.escape("; ".join(reasons))}</p>' if reasons else ""
    return (f'<section class="site{" attention" if reasons else ""}" id="site-{html.escape(site)}"><h3>{html.escape(site)}</h3>'
            f'<span class="last">last run: {num(last, "articles"):g} articles, {num(last, "pages_fetched"):g} pages</span>{note}'
            f'<div class="charts">{"".join(charts)}</div></section>')


CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:16px 24px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:20px 0 6px}h3{font-size:14px;margin:0;display:inline}
table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
td.n{text-align:right}.bad{color:#c0392b;font-weight:600}.warn{color:#c0392b;margin:2px 0}
.site{border-top:1px solid #ccc;padding:6px 0}.site .last{color:#666;margin-left:8px}
.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:4px 0;width:260px}
figcaption{font-size:12px;color:#555;min-height:34px}
svg{width:260px;height:60px;display:block;background:#fafafa;overflow:visible}
path.s{fill:none;stroke-width:1.5;vector-effect:non-scaling-stroke}
path.axis{stroke:#bbb;vector-effect:non-scaling-stroke}
path.w{stroke:#c0392b;stroke-width:3;vector-effect:non-scaling-stroke}
"""


def render(report: Report, title: str = "zh-news-corpus run report") -> str:
    runs = report.runs
    esc = html.escape
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
             f"<meta name='viewport' content='width=device-width'><style>{CSS}</style></head><body><h1>{esc(title)}</h1>"]
    if not runs:
        parts.append("<p>No manifests found.</p>")
    else:
        last = runs[-1]
        m = last.manifest
        totals = {k: sum(num(s, k) for s in last.sites.values()) for k in ("articles", "duplicates", "pages_fetched", "errors")}
        warned = sum(1 for s in last.sites.values() if s.get("health_warnings"))
        rebuilt = m.get("state_rebuilt") or {}
        status = m.get("exit_status", 0)
        rows = [
            ("run", esc(last.name)), ("started", esc(str(m.get("started", "?")))), ("finished", esc(str(m.get("finished", "?")))),
            ("exit status", f"<span class='{'bad' if status else ''}'>{esc(str(status))}</span>" + (f" {esc(str(m.get('failure')))}" if m.get("failure") else "")),
            ("dump", esc(f"{(m.get('dump') or {}).get('file', '?')}: {(m.get('dump') or {}).get('lines', '?')} lines")),
            ("sites", f"{len(last.sites)} ({warned} with health warnings)"),
            *((k.replace("_", " "), f"{v:g}") for k, v in totals.items()),
            ("stores rebuilt", "<span class='bad'>" + esc("; ".join(f"{k}: {v}" for k, v in rebuilt.items())) + "</span>" if rebuilt else "none"),
            ("runs in this report", f"{len(runs)} ({esc(runs[0].name)} … {esc(last.name)})"),
        ]
        parts.append("<h2>Last run</h2><table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</table>")
        if report.unreadable:
            parts.append("<p class='warn'>Unreadable manifests, skipped: " + esc(", ".join(f"{f} ({w})" for f, w in report.unreadable)) + "</p>")
        flagged = attention(report)
        parts.append(f"<h2>Sites that need attention ({len(flagged)})</h2>")
        if flagged:
            parts.append("<table id='attention'><tr><th>site</th><th>why</th></tr>" + "".join(
                f"<tr><td><a href='#site-{esc(s)}'>{esc(s)}</a></td><td>{'<br>'.join(map(esc, r))}</td></tr>" for s, r in flagged) + "</table>")
        else:
            parts.append("<p>None.</p>")
        reasons = dict(flagged)
        order = [s for s, _ in flagged] + sorted(all_sites(runs) - set(reasons))
        parts.append(f"<h2>Sites over the runs ({len(order)}; red ticks: runs with health warnings)</h2>")
        parts.extend(site_section(s, runs, reasons.get(s)) for s in order)
    parts.append("</body></html>\n")
    return "".join(parts)


def write_report(folder: Path, out: Path) -> Report:
    report = load_runs(folder)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(render(report), encoding="utf-8")
    tmp.replace(out)
    return report
