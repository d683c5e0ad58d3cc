"""Deals and mentions as flat tables, one row each: a pandas DataFrame or an Arrow table, with the columns
of deals.csv, so an analyst gets the same thing in pandas, DuckDB, a spreadsheet or Parquet.

    from fdi_extract.frames import deals_frame
    frame = deals_frame(load_deals("out/run"))
    frame[frame.in_totals].amount_usd.sum()      # the report's overview total: no umbrella counted twice

Nested fields are flattened: investors joined with "; " (and listed in ``investor_list``), the amount as
value, currency, qualifier, text, USD and rate, capacities as text and as MW, dates as dates. Region,
country, sector and stage keep their codes and gain an English name beside them (names.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from fdi_extract.model import CapacityUnit, Deal, DealMention
from fdi_extract.names import country_name, region_name, sector_label, stage_label

if TYPE_CHECKING:
    import pandas

_COMMON = (
    ("investors", pa.string()),
    ("investor_list", pa.list_(pa.string())),
    ("investor_countries", pa.string()),
    ("host_country", pa.string()),
    ("host_country_name", pa.string()),
    ("region", pa.string()),
    ("region_name", pa.string()),
    ("district", pa.string()),
    ("city", pa.string()),
    ("project", pa.string()),
    ("sector", pa.string()),
    ("sector_label", pa.string()),
    ("amount_value", pa.float64()),
    ("amount_currency", pa.string()),
    ("amount_qualifier", pa.string()),
    ("amount_text", pa.string()),
    ("amount_usd", pa.float64()),
    ("usd_rate", pa.float64()),
    ("capacity", pa.string()),
    ("capacity_mw", pa.float64()),
    ("jobs", pa.int64()),
    ("stage", pa.string()),
    ("stage_label", pa.string()),
    ("aggregate", pa.bool_()),
    ("in_totals", pa.bool_()),
)
DEAL_SCHEMA = pa.schema(
    [
        ("deal_id", pa.string()),
        *_COMMON,
        ("sources", pa.int64()),
        ("article_ids", pa.string()),
        ("first_published", pa.date32()),
        ("last_published", pa.date32()),
        ("url", pa.string()),
        ("conflicts", pa.string()),
    ]
)
MENTION_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),
        ("deal_id", pa.string()),
        *_COMMON,
        ("published", pa.date32()),
        ("url", pa.string()),
    ]
)


def counts_in_totals(deal: Deal | DealMention) -> bool:
    """Whether a deal's money may be added to a total: not an umbrella over several projects, whose projects
    are deals of their own (the report's overview adds the same ones)."""
    return not deal.aggregate


def _date(published: str | None) -> dt.date | None:
    """A record's ISO date; a partial one ("2025-05", "2025") as its first day, so that it still sorts."""
    if not published:
        return None
    year, month, day = (published.split("-") + ["1", "1"])[:3]
    return dt.date(int(year), int(month), int(day))


def _facts(record: Deal | DealMention) -> dict[str, Any]:
    amount = record.amount
    return {
        "investors": "; ".join(i.name for i in record.investors),
        "investor_list": [i.name for i in record.investors],
        "investor_countries": "; ".join(sorted({i.country for i in record.investors if i.country})),
        "host_country": record.host_country,
        "host_country_name": country_name(record.host_country),
        "region": record.region,
        "region_name": region_name(record.region),
        "district": record.district,
        "city": record.city,
        "project": record.project,
        "sector": record.sector.value,
        "sector_label": sector_label(record.sector.value),
        "amount_value": amount.value if amount else None,
        "amount_currency": amount.currency if amount else None,
        "amount_qualifier": amount.qualifier.value if amount else None,
        "amount_text": amount.text if amount else None,
        "amount_usd": amount.usd if amount else None,
        "usd_rate": amount.usd_rate if amount else None,
        "capacity": "; ".join(str(c) for c in record.capacity),
        "capacity_mw": sum(c.value for c in record.capacity if c.unit is CapacityUnit.MW) or None,
        "jobs": record.jobs,
        "stage": record.stage.value,
        "stage_label": stage_label(record.stage.value),
        "aggregate": record.aggregate,
        "in_totals": counts_in_totals(record),
    }


def deal_row(deal: Deal) -> dict[str, Any]:
    """One deal as a flat row of :data:`DEAL_SCHEMA` (deals.csv writes these rows too)."""
    dates = sorted(d for s in deal.sources if (d := _date(s.published)))
    return {
        "deal_id": deal.deal_id,
        **_facts(deal),
        "sources": len(deal.sources),
        "article_ids": "; ".join(s.article_id for s in deal.sources),
        "first_published": dates[0] if dates else None,
        "last_published": dates[-1] if dates else None,
        "url": next((s.url for s in deal.sources if s.url), None),
        "conflicts": "; ".join(f"{c.field}: " + " | ".join(v.value for v in c.values) for c in deal.conflicts),
    }


def mention_row(mention: DealMention) -> dict[str, Any]:
    """One mention as a flat row of :data:`MENTION_SCHEMA`."""
    return {
        "article_id": mention.article_id,
        "deal_id": mention.deal_id,
        **_facts(mention),
        "published": _date(mention.published),
        "url": mention.url,
    }


class ParquetRows:
    """Rows written to a Parquet file as they come, a batch at a time, so that an archive streams through
    (``write_outputs`` writes deals.parquet and mentions.parquet with it)."""

    def __init__(self, sink: Any, schema: pa.Schema, batch_rows: int = 10_000):
        self._writer = pq.ParquetWriter(sink, schema)
        self._schema, self._batch_rows, self._rows = schema, batch_rows, []

    def add(self, row: dict[str, Any]) -> None:
        self._rows.append(row)
        if len(self._rows) >= self._batch_rows:
            self._flush()

    def close(self) -> None:
        self._flush()
        self._writer.close()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self._schema))
            self._rows = []


def deals_table(deals: Iterable[Deal]) -> pa.Table:
    return pa.Table.from_pylist([deal_row(d) for d in deals], schema=DEAL_SCHEMA)


def mentions_table(mentions: Iterable[DealMention]) -> pa.Table:
    return pa.Table.from_pylist([mention_row(m) for m in mentions], schema=MENTION_SCHEMA)


def deals_frame(deals: Iterable[Deal]) -> pandas.DataFrame:
    """The deals as a pandas DataFrame (needs pandas: ``pip install 'fdi-extract[frames]'``); dates are
    datetime64 and numbers nullable, so that a missing amount stays missing instead of 0."""
    return _to_pandas(deals_table(deals))


def mentions_frame(mentions: Iterable[DealMention]) -> pandas.DataFrame:
    return _to_pandas(mentions_table(mentions))


def _to_pandas(table: pa.Table) -> pandas.DataFrame:
    try:
        import pandas
    except ImportError as missing:
        raise ImportError("DataFrames need pandas: pip install 'fdi-extract[frames]'") from missing
    frame = table.to_pandas(types_mapper={pa.int64(): pandas.Int64Dtype()}.get)
    for column, field in zip(table.column_names, table.schema, strict=True):
        if field.type == pa.date32():
            frame[column] = pandas.to_datetime(frame[column])
    return frame
