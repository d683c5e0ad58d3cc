"""Outputs of a run: mentions.jsonl, deals.jsonl, deals.csv, deals.parquet, mentions.parquet and report.html.

The report is one self-contained page (no files beside it, nothing fetched). It opens on an overview
for an analyst — deals by region, sector, year and stage as bar charts (SVG drawn here: a chart
library would be the page's largest part for four bar charts), and a table of every deal that sorts
and filters by investor, country, region, stage and amount (a few lines of script; the view lives in
the URL's hash, so a filtered view can be bookmarked or sent) — then a card per deal with its merged
fields, conflicts and stage timeline, and for each source the article text with the evidence spans
highlighted, like langextract's review page, so a reader can check each figure against its words.
"""

from __future__ import annotations

import csv
import html
import itertools
import json
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from fdi_extract.files import replaced_when_done
from fdi_extract.frames import DEAL_SCHEMA, MENTION_SCHEMA, ParquetRows, counts_in_totals, deal_row, mention_row
from fdi_extract.model import Deal, DealMention, Evidence, Source, Stage
from fdi_extract.names import place_label, sector_label, stage_label
from fdi_extract.reconcile import reconcile

# A deal card shows this many of its reports with their evidence and article; the others as a line each. A story
# that a thousand outlets reprint is one deal: a thousand copies of its article made the page unreadable and
# most of a cached re-run's time.
SOURCES_IN_FULL = 20
# deals.csv has the columns of the frames (frames.DEAL_SCHEMA) but the investors' list, which a cell cannot hold.
_CSV_COLUMNS = tuple(name for name in DEAL_SCHEMA.names if name != "investor_list")

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#1d2330;background:#f6f7f9}
h1{font-size:1.6rem}.deal{background:#fff;border:1px solid #d8dce3;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
.deal h2{font-size:1.15rem;margin:.1rem 0 .4rem}.meta{color:#555;font-size:.9rem}.tag{display:inline-block;
padding:0 .45rem;border-radius:4px;background:#e8eefc;margin-right:.3rem;font-size:.82rem}.agg{background:#fde9c8}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #e1e4ea;padding:.2rem .5rem;font-size:.88rem;
text-align:left}.timeline{font-size:.9rem}.source{border-top:1px dashed #d8dce3;margin-top:.6rem;padding-top:.5rem}
mark{background:#fff0a8;padding:0 .1rem}mark.amount{background:#c9f2c9}mark.capacity{background:#cfe3ff}
mark.jobs{background:#f4d4ff}.text{white-space:pre-wrap;font-size:.88rem;background:#fafbfc;border:1px solid #eceef2;
padding:.6rem;border-radius:6px;max-height:22rem;overflow:auto}.excerpt p{font-size:.9rem;margin:.35rem 0}
.overview{background:#fff;border:1px solid #d8dce3;border-radius:8px;padding:1rem 1.25rem}.charts{display:grid;
grid-template-columns:repeat(2,1fr);gap:1rem}.chart h3{font-size:.95rem;margin:.2rem 0}.chart svg{width:100%}
.chart text{font-size:11px;fill:#1d2330}.chart rect{fill:#5b7fd6}.filters{display:flex;flex-wrap:wrap;gap:.5rem;
margin:1rem 0 .5rem}.filters input,.filters select{font:inherit;font-size:.88rem;padding:.15rem .3rem}
#deals{width:100%}#deals th{cursor:pointer;background:#f0f2f6;user-select:none}#deals th.asc:after{content:" ▲"}
#deals th.desc:after{content:" ▼"}#deals td.num{text-align:right}.shown{color:#555;font-size:.9rem}
.reasons{font-size:.85rem;color:#444}
"""

# Sorting and filtering of the deals table. The view (sort column and direction, filters) is kept in the
# URL's hash, so that it survives a reload and can be shared, and so that a test can open a view.
_SCRIPT = """
(() => {
  const table = document.getElementById("deals"), body = table.tBodies[0];
  const rows = Array.from(body.rows), controls = document.querySelectorAll("[data-filter]");
  const headers = Array.from(table.tHead.rows[0].cells);
  // A hash without "=" is a deal card's anchor, not a view.
  const view = new URLSearchParams(location.hash.includes("=") ? location.hash.slice(1) : "");
  function value(row, key) {
    const raw = row.dataset[key] || "";
    return key === "usd" || key === "sources" ? (raw === "" ? -1 : Number(raw)) : raw.toLowerCase();
  }
  function apply() {
    const f = {};
    controls.forEach(c => { f[c.dataset.filter] = c.value.trim(); });
    const low = f.min === "" ? -Infinity : Number(f.min) * 1e6, high = f.max === "" ? Infinity : Number(f.max) * 1e6;
    let shown = 0;
    for (const row of rows) {
      const usd = row.dataset.usd === "" ? null : Number(row.dataset.usd);
      const ok = (!f.investor || value(row, "investor").includes(f.investor.toLowerCase()))
        && ["country", "region", "stage"].every(k => !f[k] || row.dataset[k] === f[k])
        && ((f.min === "" && f.max === "") || (usd !== null && usd >= low && usd <= high));
      row.hidden = !ok;
      shown += ok;
    }
    const sort = view.get("sort") || "";
    if (sort) {
      const key = sort.replace(/^-/, ""), sign = sort.startsWith("-") ? -1 : 1;
      // Umbrella totals sort among themselves, after the single projects: a total is no project's rival.
      rows.slice().sort((a, b) => {
        const x = value(a, key), y = value(b, key), tier = (a.dataset.total === "1") - (b.dataset.total === "1");
        return tier || sign * (x < y ? -1 : x > y ? 1 : 0);
      }).forEach(row => body.appendChild(row));
      headers.forEach(h => h.className = h.dataset.key === key ? (sign > 0 ? "asc" : "desc") : "");
    }
    document.getElementById("shown").textContent = shown + " of " + rows.length + " deals shown";
    draw(rows.filter(row => !row.hidden));
    controls.forEach(c => { if (c.value) view.set(c.dataset.filter, c.value); else view.delete(c.dataset.filter); });
    if (view.toString()) history.replaceState(null, "", "#" + view.toString());
  }
  // The charts: deals (umbrella totals left out) and their dollars by region, sector, year and stage, over
  // the rows the filters leave; text goes in as text.
  const SVG = "http://www.w3.org/2000/svg", STAGES = JSON.parse(document.getElementById("stage-order").textContent);
  function element(parent, name, attributes, text) {
    const node = parent.appendChild(document.createElementNS(SVG, name));
    Object.entries(attributes).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function draw(shownRows) {
    const singles = shownRows.filter(row => row.dataset.total !== "1");
    document.querySelectorAll("[data-chart]").forEach(chart => {
      const field = {region: "regionName", sector: "sectorName", year: "year", stage: "stageName"}[chart.dataset.chart];
      const counts = new Map(), sums = new Map();
      for (const row of singles) {
        const key = row.dataset[field] || "unknown";
        counts.set(key, (counts.get(key) || 0) + 1);
        sums.set(key, (sums.get(key) || 0) + (row.dataset.usd === "" ? 0 : Number(row.dataset.usd)));
      }
      let keys = Array.from(counts.keys());
      if (field === "stageName") keys = STAGES.filter(k => counts.has(k));
      else if (field === "year") keys.sort();
      else keys = keys.sort((a, b) => counts.get(b) - counts.get(a)).slice(0, 10);
      const svg = chart.querySelector("svg"), width = 460, bar = 18, label = 190;
      const most = Math.max(1, ...counts.values());
      svg.replaceChildren();
      keys.forEach((key, index) => {
        const y = index * (bar + 6), length = Math.max(2, Math.round((width - label - 120) * counts.get(key) / most));
        const money = sums.get(key) ? " · $" + Math.round(sums.get(key) / 1e6).toLocaleString("en") + " M" : "";
        element(svg, "text", {x: 0, y: y + 13}, key.slice(0, 30));
        element(element(svg, "rect", {x: label, y: y, width: length, height: bar}), "title", {}, key);
        element(svg, "text", {x: label + length + 6, y: y + 13}, counts.get(key) + money);
      });
      svg.setAttribute("viewBox", `0 0 ${width} ${Math.max(1, keys.length) * (bar + 6)}`);
    });
  }
  controls.forEach(c => { if (view.has(c.dataset.filter)) c.value = view.get(c.dataset.filter);
                          c.addEventListener("input", apply); });
  headers.forEach(h => h.addEventListener("click", () => {
    view.set("sort", (view.get("sort") === h.dataset.key ? "-" : "") + h.dataset.key);
    apply();
  }));
  apply();
})();
"""
_TABLE_COLUMNS = (
    ("investor", "investor"),
    ("project", "project"),
    ("country", "country"),
    ("region", "region"),
    ("sector", "sector"),
    ("stage", "stage"),
    ("usd", "amount, $ M"),
    ("year", "year"),
    ("sources", "sources"),
)


# Table rows spooled in memory up to this size, then on disk: an archive's report may have millions.
_ROWS_IN_MEMORY = 16 << 20


# The files write_outputs leaves in a run's folder.
OUTPUT_FILES = ("mentions.jsonl", "deals.jsonl", "deals.csv", "report.html", "deals.parquet", "mentions.parquet")


def write_outputs(
    out_dir: Path, mentions: Iterable[DealMention], deals: Iterable[Deal], article_text: Callable[[str], str | None]
) -> None:
    """Write the outputs, streaming: each mention and deal is written as it comes, so ``mentions``
    and ``deals`` may be generators over an archive that does not fit in memory."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # Each output goes to NAME.partial and replaces NAME only when all of them are written (files.py).
    with ExitStack() as outputs:
        mentions_out = outputs.enter_context(replaced_when_done(out_dir / "mentions.jsonl"))
        lines = outputs.enter_context(replaced_when_done(out_dir / "deals.jsonl", "w+b"))
        table = outputs.enter_context(replaced_when_done(out_dir / "deals.csv", newline=""))
        page = outputs.enter_context(replaced_when_done(out_dir / "report.html"))
        flat: dict[str, ParquetRows] = {}
        for name, schema in (("deals", DEAL_SCHEMA), ("mentions", MENTION_SCHEMA)):
            flat[name] = ParquetRows(
                outputs.enter_context(replaced_when_done(out_dir / f"{name}.parquet", "wb")), schema
            )
            outputs.callback(flat[name].close)  # closed before its file is, on success and on failure alike
        for mention in mentions:
            mentions_out.write(mention.model_dump_json() + "\n")
            flat["mentions"].add(mention_row(mention))
        # The report lists single projects before umbrella totals, the best-sourced first: its table rows are
        # spooled as the deals stream past, and its cards read each deal back from deals.jsonl by offset.
        rows = outputs.enter_context(tempfile.SpooledTemporaryFile(max_size=_ROWS_IN_MEMORY))
        order: list[tuple[bool, int, float, int, int, int]] = []
        articles: set[str] = set()
        writer = csv.writer(table)
        writer.writerow(_CSV_COLUMNS)
        overview = _Overview()
        for deal in deals:
            usd = -(deal.amount.usd or 0) if deal.amount else 0
            table_row = _table_row(deal).encode()
            order.append(
                (not counts_in_totals(deal), -len(deal.sources), usd, lines.tell(), rows.tell(), len(table_row))
            )
            lines.write(deal.model_dump_json().encode() + b"\n")
            rows.write(table_row)
            row = deal_row(deal)
            writer.writerow(_csv_row(row))
            flat["deals"].add(row)
            articles.update(s.article_id for s in deal.sources)
            overview.add(deal)
        page.write(
            '<!doctype html><html lang="en"><meta charset="utf-8"><title>fdi-extract report</title>'
            f"<style>{_STYLE}</style><body><h1>{len(order)} deals from {len(articles)} articles</h1>"
        )
        page.write(overview.html())
        # Memory holds offsets, not deals or rows.
        ordered = sorted(order)
        _write_table(page, rows, [(row_at, size) for *_, row_at, size in ordered], overview)
        for *_, offset, _, _ in ordered:
            lines.seek(offset)
            page.write(_deal_html(Deal.model_validate_json(lines.readline()), article_text))
        page.write(f"<script>{_SCRIPT}</script></body></html>")


def write_report(
    mentions: Iterable[DealMention],
    out_dir: Path | str,
    *,
    articles: Mapping[str, str] | Callable[[str], str | None] | None = None,
) -> Path:
    """Reconcile ``mentions`` into deals and write the four outputs (mentions.jsonl, deals.jsonl, deals.csv,
    report.html) into ``out_dir``; returns the report's path. ``articles`` (article id → text) lets every
    deal card show its articles with the evidence highlighted.

    >>> write_report(extract_deals(text), "out/one")        # doctest: +SKIP
    PosixPath('out/one/report.html')
    """
    mentions = list(mentions)
    text_of = articles.get if isinstance(articles, Mapping) else articles or (lambda _: None)
    folder = Path(out_dir)
    write_outputs(folder, mentions, reconcile(mentions), text_of)
    return folder / "report.html"


def _region(code: str | None) -> str:
    return place_label(code) or "unknown"


def _year(deal: Deal) -> str:
    dates = [s.published for s in deal.sources if s.published]
    return min(dates)[:4] if dates else "unknown"


def _usd(deal: Deal) -> float | None:
    return deal.amount.usd if deal.amount and deal.amount.usd is not None else None


class _Overview:
    """The overview's totals, gathered as the deals stream past, and the choices of the table's filters.

    Aggregates (umbrella totals over several projects) are counted apart and left out of the sums: their
    projects are deals of their own, and adding both would count the money twice. The charts are drawn by
    the page's script from the table's rows, so that they follow its filters."""

    def __init__(self) -> None:
        self.deals = self.aggregates = 0
        self.usd = 0.0
        self.options: dict[str, set[str]] = defaultdict(set)

    def add(self, deal: Deal) -> None:
        if not counts_in_totals(deal):
            self.aggregates += 1
        else:
            self.deals += 1
            self.usd += _usd(deal) or 0.0
        self.options["country"].update(i.country for i in deal.investors if i.country)
        self.options["region"].add(deal.region or "")
        self.options["stage"].add(deal.stage.value)

    def html(self) -> str:
        charts = "".join(
            f'<div class="chart" data-chart="{chart}"><h3>{title}</h3><svg role="img" aria-label="{title}"></svg></div>'
            for title, chart in (
                ("Deals by region", "region"),
                ("Deals by sector", "sector"),
                ("Deals by year of first report", "year"),
                ("Deals by stage", "stage"),
            )
        )
        stages = json.dumps([stage_label(s.value) for s in Stage]).replace("</", "<\\/")
        return (
            f'<section class="overview"><h2>Overview</h2><p>{self.deals} deals, ${self.usd / 1e6:,.0f} M where an '
            f"amount is known; {self.aggregates} umbrella totals over several projects, counted apart. The charts "
            f'count the deals the table shows.</p><div class="charts">{charts}</div>'
            f'<script type="application/json" id="stage-order">{stages}</script></section>'
        )


def _write_table(page: IO[str], rows: IO[bytes], spans: list[tuple[int, int]], overview: _Overview) -> None:
    """The table of deals: its filters, then the rows spooled in ``rows`` at ``spans`` (offset, size) in
    that order (:func:`_table_row`)."""
    e = html.escape

    def choice(name: str, label: str, names: Callable[[str], str] = str) -> str:
        options = "".join(
            f'<option value="{e(v)}">{e(names(v) if v else "unknown")}</option>' for v in sorted(overview.options[name])
        )
        return f'<label>{label} <select data-filter="{name}"><option value="">all</option>{options}</select></label>'

    page.write(
        '<section class="overview"><h2>Deals</h2><div class="filters">'
        '<label>investor <input data-filter="investor" type="search" placeholder="name"></label>'
        + choice("country", "country")
        + choice("region", "region", _region)
        + choice("stage", "stage")
        + '<label>amount, $ M <input data-filter="min" type="number" min="0" size="6" placeholder="from"> – '
        '<input data-filter="max" type="number" min="0" size="6" placeholder="to"></label></div>'
        '<p class="shown" id="shown"></p><table id="deals"><thead><tr>'
        + "".join(f'<th data-key="{key}">{label}</th>' for key, label in _TABLE_COLUMNS)
        + "</tr></thead><tbody>"
    )
    for offset, size in spans:
        rows.seek(offset)
        page.write(rows.read(size).decode())
    page.write("</tbody></table></section>")


def _table_row(deal: Deal) -> str:
    """One deal's row of the table, escaped, with the data its filters and charts read."""
    e = html.escape
    investors = "; ".join(i.name for i in deal.investors) or "(not named)"
    countries = sorted({i.country for i in deal.investors if i.country})
    usd = _usd(deal)
    data = {
        "investor": investors,
        "project": deal.project,
        "country": countries[0] if countries else "",
        "region": deal.region or "",
        "sector": deal.sector.value,
        "stage": deal.stage.value,
        "usd": "" if usd is None else f"{usd:.0f}",
        "year": _year(deal),
        "sources": str(len(deal.sources)),
        "total": "0" if counts_in_totals(deal) else "1",
        # What the charts count the row under, as a reader reads it.
        "region-name": _region(deal.region),
        "sector-name": sector_label(deal.sector.value) or "",
        "stage-name": stage_label(deal.stage.value) or "",
    }
    cells = [
        f'<a href="#{e(deal.deal_id)}">{e(investors)}</a>' + (" <i>(total)</i>" if deal.aggregate else ""),
        e(deal.project),
        e(", ".join(countries)),
        e(_region(deal.region)),
        e(sector_label(deal.sector.value) or ""),
        e(stage_label(deal.stage.value) or ""),
        "" if usd is None else f"{usd / 1e6:,.1f}",
        e(data["year"]),
        data["sources"],
    ]
    return (
        f'<tr id="row-{e(deal.deal_id)}" '
        + " ".join(f'data-{k}="{e(v)}"' for k, v in data.items())
        + ">"
        + "".join(
            f'<td class="num">{c}</td>' if k in ("usd", "sources") else f"<td>{c}</td>"
            for (k, _), c in zip(_TABLE_COLUMNS, cells, strict=True)
        )
        + "</tr>"
    )


# What a spreadsheet reads as the start of a formula (OWASP, "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_web_url(url: str) -> bool:
    """Only http(s) becomes a link: an article's ``javascript:`` or ``data:`` URL would run when clicked."""
    return urlsplit(url.strip()).scheme.lower() in ("http", "https")


def _spreadsheet_safe(cell: object) -> object:
    """A text cell a spreadsheet would run as a formula, prefixed with ``'`` so that it is shown as text."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(_FORMULA_START) else cell


def _csv_row(row: dict[str, object]) -> list[object]:
    return [_spreadsheet_safe("" if (value := row[name]) is None else value) for name in _CSV_COLUMNS]


def highlight(text: str, evidence: list[Evidence]) -> str:
    """The article as HTML with evidence in <mark>s; a figure inside a quoted sentence gets its own colour."""
    spans = [(e.start, e.end, e.field or "context") for e in evidence if 0 <= e.start < e.end <= len(text)]
    cuts = sorted({0, len(text), *(p for start, end, _ in spans for p in (start, end))})
    parts: list[str] = []
    for start, end in itertools.pairwise(cuts):
        kinds = {kind for s, e, kind in spans if s <= start and end <= e}
        piece = html.escape(text[start:end])
        if not kinds:
            parts.append(piece)
        else:
            kind = next((k for k in ("amount", "capacity", "jobs") if k in kinds), "context")
            parts.append(f'<mark class="{kind}">{piece}</mark>')
    return "".join(parts)


def _evidence_paragraphs(text: str, evidence: list[Evidence]) -> str:
    """The lines of the article that hold evidence, highlighted: what a reviewer reads first."""
    paragraphs = []
    for line in re.finditer(r"[^\n]+", text):
        start, end = line.start(), line.end()
        inside = [
            ev.model_copy(update={"start": max(ev.start, start) - start, "end": min(ev.end, end) - start})
            for ev in evidence
            if ev.start < end and ev.end > start
        ]
        if inside:
            paragraphs.append(f"<p>{highlight(line.group(0), inside)}</p>")
    return "".join(paragraphs)


def _deal_html(deal: Deal, article_text: Callable[[str], str | None]) -> str:
    e = html.escape
    investors = ", ".join(e(i.name) for i in deal.investors) or "<i>investor not named</i>"
    amount = ""
    if deal.amount:
        usd = f" ≈ ${deal.amount.usd / 1e6:,.1f} M" if deal.amount.usd is not None else ""
        amount = f"{e(deal.amount.text)}{usd}"
    tags = [deal.sector.value, deal.region or deal.host_country or "region unknown", deal.stage.value]
    tags_html = "".join(f'<span class="tag">{e(t)}</span>' for t in tags)
    if deal.aggregate:
        tags_html += f'<span class="tag agg">aggregate of {len(deal.components)} projects</span>'
    facts = [
        f"<b>Amount</b> {amount}" if amount else "",
        "<b>Capacity</b> " + ", ".join(str(c) for c in deal.capacity) if deal.capacity else "",
        f"<b>Jobs</b> {deal.jobs}" if deal.jobs else "",
    ]
    timeline = " → ".join(f"{e(t.published or '?')} {t.stage.value} ({e(t.article_id)})" for t in deal.timeline)
    conflicts = "".join(
        f"<tr><th>{e(c.field)}</th><td>"
        + "<br>".join(f"{e(v.value)} — {e(v.article_id)} {e(v.published or '')}" for v in c.values)
        + "</td></tr>"
        for c in deal.conflicts
    )
    sources = []
    for source in deal.sources[:SOURCES_IN_FULL]:
        text = article_text(source.article_id)
        if text:
            body = (
                f'<div class="excerpt">{_evidence_paragraphs(text, source.evidence)}</div><details><summary>whole '
                f'article</summary><div class="text">{highlight(text, source.evidence)}</div></details>'
            )
        else:  # mention records without their store: the quotes are all there is
            body = "<ul>" + "".join(f"<li>“{e(ev.quote)}”</li>" for ev in source.evidence if ev.field is None) + "</ul>"
        reasons = (
            '<details class="reasons"><summary>why</summary><ul>'
            + "".join(f"<li>{e(reason)}</li>" for reason in source.reasons)
            + "</ul></details>"
            if source.reasons
            else ""
        )
        sources.append(f'<div class="source"><div class="meta">{_source_line(source)}</div>{body}{reasons}</div>')
    if further := deal.sources[SOURCES_IN_FULL:]:
        sources.append(
            f'<details class="source"><summary>{len(further):,} more reports</summary><ul>'
            + "".join(f"<li>{_source_line(s)}</li>" for s in further)
            + "</ul></details>"
        )
    return (
        f'<section class="deal" id="{e(deal.deal_id)}"><h2>{investors} — {e(deal.project)}</h2>'
        f"<div>{tags_html}</div><p>{' · '.join(f for f in facts if f)}</p>"
        f'<div class="timeline"><b>Timeline</b> {timeline}</div>'
        + (f"<table><caption>Conflicts</caption>{conflicts}</table>" if conflicts else "")
        + "".join(sources)
        + "</section>"
    )


def _source_line(source: Source) -> str:
    """A report's article, date, stage and link, escaped."""
    e = html.escape
    link = ""
    if source.url:
        link = f' <a href="{e(source.url)}">{e(source.url)}</a>' if _is_web_url(source.url) else f" {e(source.url)}"
    return f"{e(source.article_id)} · {e(source.published or 'date unknown')} · {source.stage.value}{link}"
