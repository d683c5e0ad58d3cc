"""Merging: one :class:`~fdi_extract.model.Deal` from the mentions linking put together, by the rules stated
on the model (the latest amount, the most common place, the most advanced stage; disagreements go to
``conflicts``), with the links that tied them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import duckdb

from fdi_extract.model import (
    Conflict,
    ConflictValue,
    Deal,
    DealMention,
    Investor,
    Link,
    Sector,
    Source,
    TimelineEntry,
    most_advanced,
)
from fdi_extract.normalize.companies import canonical_company, key_similarity
from fdi_extract.reconcile.features import report_order
from fdi_extract.reconcile.scoring import SAME_INVESTOR
from fdi_extract.reconcile.tables import row_runs


def most_common(values: Iterable[str | None]) -> str | None:
    """The most frequent value, the first seen among equals; None when there is none."""
    # A dict, not a Counter: merging asks this of every field of every deal, mostly over two or three values.
    counted: dict[str, int] = {}
    for value in values:
        if value:
            counted[value] = counted.get(value, 0) + 1
    return max(counted, key=counted.__getitem__) if counted else None


def merge_deal(
    deal_id: str, mentions: Iterable[DealMention], links: list[Link], components: list[str], part_of: list[str]
) -> Deal:
    """One deal from its mentions, links, the projects it totals (``components``) and the totals it is part of."""
    deal = _merge(deal_id, sorted(mentions, key=lambda m: report_order(m.published, m.article_id)), links)
    deal.components, deal.part_of = components, part_of
    return deal


# Each kept link with its deal and both mentions' keys: by deal, strongest first (i, j keep ties in one order).
LINKS = """SELECT d.deal_order, d.deal_id, a.key AS key_a, b.key AS key_b, k.score, k.reasons, k.i, k.j
FROM kept_links k JOIN deal_of d ON d.idx = k.i JOIN features a ON a.idx = k.i JOIN features b ON b.idx = k.j"""
LINK_ORDER = "deal_order, score DESC, i, j"


def link_rows(db: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, list[Link]]]:
    """(deal id, its links, strongest first) in deal order, for the deals that have any."""
    for run in row_runs(db.sql(f"SELECT * FROM ({LINKS}) ORDER BY {LINK_ORDER}")):
        yield (
            run[0][1],
            [Link(a=key_a, b=key_b, score=score, reasons=reasons) for _, _, key_a, key_b, score, reasons, *_ in run],
        )


def _merge(deal_id: str, mentions: list[DealMention], links: list[Link]) -> Deal:
    investors: dict[str, Investor] = {}
    keys: dict[str, str] = {}  # each name's canonical key, made once rather than for every comparison
    for investor in (i for m in mentions for i in m.investors):
        key = keys.setdefault(investor.name, canonical_company(investor.name))
        known = next((k for k in investors if key_similarity(keys[k], key) >= SAME_INVESTOR), None)
        if known is None:
            investors[investor.name] = investor
        elif len(investor.name) > len(known):
            investors[investor.name] = investors.pop(known).model_copy(update={"name": investor.name})
    with_amount = [m for m in mentions if m.amount]
    dated = [m for m in with_amount if m.published] or with_amount
    amount = dated[-1].amount if dated else None
    conflicts = []
    distinct_amounts = {(m.amount.currency, m.amount.value) for m in with_amount}
    if len(distinct_amounts) > 1:
        conflicts.append(
            Conflict(
                field="amount",
                values=[
                    ConflictValue(
                        value=f"{m.amount.text} = {m.amount.currency} {m.amount.value:,.0f}",
                        article_id=m.article_id,
                        published=m.published,
                    )
                    for m in with_amount
                ],
            )
        )
    regions = {m.region for m in mentions if m.region}
    if len(regions) > 1:
        conflicts.append(
            Conflict(
                field="region",
                values=[
                    ConflictValue(value=m.region, article_id=m.article_id, published=m.published)
                    for m in mentions
                    if m.region
                ],
            )
        )
    capacity = []
    for c in (c for m in mentions for c in m.capacity):
        if not any(c.unit == k.unit and c.value == k.value for k in capacity):
            capacity.append(c)
    sectors = [m.sector.value for m in mentions if m.sector is not Sector.other]
    return Deal(
        deal_id=deal_id,
        investors=list(investors.values()),
        investor_country=most_common(m.investor_country for m in mentions),
        host_country=most_common(m.host_country for m in mentions),
        region=most_common(m.region for m in mentions),
        district=most_common(m.district for m in mentions),
        city=most_common(m.city for m in mentions),
        project=max((m.project for m in mentions), key=len, default=""),
        sector=Sector(most_common(sectors) or Sector.other),
        amount=amount,
        capacity=capacity,
        jobs=max((m.jobs for m in mentions if m.jobs is not None), default=None),
        stage=most_advanced(m.stage for m in mentions),
        aggregate=mentions[0].aggregate,
        # A source and a timeline entry are the mention's fields of their names.
        sources=[Source.model_validate(m, from_attributes=True) for m in mentions],
        conflicts=conflicts,
        timeline=[TimelineEntry.model_validate(m, from_attributes=True) for m in mentions],
        links=links,
    )
