"""Outputs of a run: mentions.jsonl, deals.jsonl, deals.csv and report.html.

The report is one self-contained page (no scripts or files beside it): every deal with its merged
fields, conflicts and stage timeline, and for each source the article text with the evidence spans
highlighted, like langextract's review page, so a reader can check each figure against its words.
"""

from __future__ import annotations

import csv
import html
import itertools
import re
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path

from fdi_extract.files import replaced_when_done
from fdi_extract.model import Deal, DealMention, Evidence

_CSV_COLUMNS = ("deal_id", "investors", "investor_countries", "host_country", "region", "district", "project", "sector",
                "amount_text", "amount_value", "amount_currency", "amount_usd", "capacity", "jobs", "stage", "aggregate",
                "sources", "first_published", "last_published", "conflicts")

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
"""


def write_outputs(
    out_dir: Path, mentions: Iterable[DealMention], deals: Iterable[Deal], article_text: Callable[[str], str | None]
) -> None:
    """Write the four outputs, streaming: each mention and deal is written as it comes, so ``mentions``
    and ``deals`` may be generators over an archive that does not fit in memory."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # Each output goes to NAME.partial and replaces NAME only when all four are written (files.py).
    with ExitStack() as outputs:
        mentions_out = outputs.enter_context(replaced_when_done(out_dir / "mentions.jsonl"))
        lines = outputs.enter_context(replaced_when_done(out_dir / "deals.jsonl", "w+b"))
        table = outputs.enter_context(replaced_when_done(out_dir / "deals.csv", newline=""))
        page = outputs.enter_context(replaced_when_done(out_dir / "report.html"))
        mentions_out.writelines(m.model_dump_json() + "\n" for m in mentions)
        # The report lists the best-sourced deals first; it reads them back from deals.jsonl by offset.
        order: list[tuple[int, float, int]] = []
        articles: set[str] = set()
        writer = csv.writer(table)
        writer.writerow(_CSV_COLUMNS)
        for deal in deals:
            order.append((-len(deal.sources), -(deal.amount.usd or 0) if deal.amount else 0, lines.tell()))
            lines.write(deal.model_dump_json().encode() + b"\n")
            writer.writerow(_csv_row(deal))
            articles.update(s.article_id for s in deal.sources)
        page.write("<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>fdi-extract report</title>"
                   f"<style>{_STYLE}</style><body><h1>{len(order)} deals from {len(articles)} articles</h1>")
        for _, _, offset in sorted(order):
            lines.seek(offset)
            page.write(_deal_html(Deal.model_validate_json(lines.readline()), article_text))
        page.write("</body></html>")


def _csv_row(d: Deal) -> list[object]:
    dates = [s.published for s in d.sources if s.published]
    return [
        d.deal_id, "; ".join(i.name for i in d.investors), "; ".join(sorted({i.country for i in d.investors if i.country})),
        d.host_country, d.region, d.district, d.project, d.sector.value,
        d.amount.text if d.amount else "", d.amount.value if d.amount else "", d.amount.currency if d.amount else "",
        round(d.amount.usd) if d.amount and d.amount.usd is not None else "",
        "; ".join(str(c) for c in d.capacity), d.jobs or "", d.stage.value, d.aggregate,
        "; ".join(s.article_id for s in d.sources), min(dates, default=""), max(dates, default=""),
        "; ".join(f"{c.field}: " + " | ".join(v.value for v in c.values) for c in d.conflicts),
    ]


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
        inside = [ev.model_copy(update={"start": max(ev.start, start) - start, "end": min(ev.end, end) - start})
                  for ev in evidence if ev.start < end and ev.end > start]
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
    facts = [f"<b>Amount</b> {amount}" if amount else "",
             "<b>Capacity</b> " + ", ".join(str(c) for c in deal.capacity) if deal.capacity else "",
             f"<b>Jobs</b> {deal.jobs}" if deal.jobs else ""]
    timeline = " → ".join(f"{e(t.published or '?')} {t.stage.value} ({e(t.article_id)})" for t in deal.timeline)
    conflicts = "".join(
        f"<tr><th>{e(c.field)}</th><td>" + "<br>".join(f"{e(v.value)} — {e(v.article_id)} {e(v.published or '')}"
                                                       for v in c.values) + "</td></tr>"
        for c in deal.conflicts
    )
    sources = []
    for source in deal.sources:
        text = article_text(source.article_id)
        link = f' <a href="{e(source.url)}">{e(source.url)}</a>' if source.url else ""
        if text:
            body = (f'<div class="excerpt">{_evidence_paragraphs(text, source.evidence)}</div><details><summary>whole '
                    f'article</summary><div class="text">{highlight(text, source.evidence)}</div></details>')
        else:  # mention records without their store: the quotes are all there is
            body = "<ul>" + "".join(f"<li>“{e(ev.quote)}”</li>" for ev in source.evidence if ev.field is None) + "</ul>"
        sources.append(f'<div class="source"><div class="meta">{e(source.article_id)} · {e(source.published or "date unknown")} · '
                       f'{source.stage.value}{link}</div>{body}</div>')
    return (f'<section class="deal" id="{e(deal.deal_id)}"><h2>{investors} — {e(deal.project)}</h2>'
            f'<div>{tags_html}</div><p>{" · ".join(f for f in facts if f)}</p>'
            f'<div class="timeline"><b>Timeline</b> {timeline}</div>'
            + (f"<table><caption>Conflicts</caption>{conflicts}</table>" if conflicts else "")
            + "".join(sources) + "</section>")
