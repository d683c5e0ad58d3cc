"""What linking reads of a mention: a compact, flat record that travels as an Arrow row.

The engines (DuckDB on one machine, Spark on a cluster) hold these rows as tables; the scorer and the
clusterer, plain Python shared by both, turn rows back into :class:`MentionFeatures`. The full mention
stays where it was (a file, the store) until its deal is merged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyarrow as pa

from fdi_extract.model import DealMention, Sector
from fdi_extract.normalize.companies import canonical_company, is_nationality, name_keys, name_words, skeleton
from fdi_extract.normalize.facilities import facility_kinds


def mention_key(mention: DealMention) -> str:
    """A mention's identity in a link's reasons and the seed of a new deal's id."""
    parts = [
        mention.article_id,
        ",".join(sorted(canonical_company(i.name) for i in mention.investors)),
        mention.region or "",
        mention.sector.value,
        f"{mention.amount.value}:{mention.amount.currency}" if mention.amount else "",
        ",".join(f"{c.value}:{c.unit.value}" for c in mention.capacity),
        str(mention.aggregate),
        mention.project,
    ]
    return "|".join(parts)


def report_order(published: str | None, article_id: str) -> tuple[str, str]:
    """The order reports of a deal are listed in: by date (undated last), then article."""
    return (published or "9999", article_id)


FAMILY_BLOCK = "start:"  # the key of a block of names that start alike, where a group meets its subsidiary
# The family rule, stated once here in its three forms (the block key, Python, SQL): a group and a subsidiary
# named from it ("Total Eren" / "TotalEnergies") are names whose leading words differ, the shorter, of at
# least FAMILY_STEM letters, starting the longer. One first word shared whole is key_similarity's to judge.
FAMILY_STEM = 4


def starts_family(short: str, long: str) -> bool:
    """Whether leading name word ``short`` starts the longer ``long`` as a group's name starts a subsidiary's."""
    return len(short) >= FAMILY_STEM and len(long) > len(short) and long.startswith(short)


def starts_family_sql(short: str, long: str) -> str:
    """:func:`starts_family` as a SQL condition on two string columns (DuckDB and Spark alike)."""
    return (
        f"length({short}) >= {FAMILY_STEM} AND length({long}) > length({short}) "
        f"AND substr({long}, 1, length({short})) = {short}"
    )


@lru_cache(maxsize=1 << 18)
def same_family(ka: str, kb: str) -> bool:
    """Two canonical names (:func:`~fdi_extract.normalize.companies.canonical_company`) that may be one
    group under two names (:func:`starts_family`). Too weak to tie two reports alone: scoring asks for a
    stated figure and a region that agree as well. A nationality or country word ("China …") is no family
    name."""
    if not ka or not kb:
        return False
    first_a, first_b = name_words(ka)[0], name_words(kb)[0]
    return starts_family(*sorted((first_a, first_b), key=len)) and not (
        is_nationality(first_a) or is_nationality(first_b)
    )


FIGURE_BLOCK = "figure:"  # the key of a block of one figure in one region, where a named and an unnamed report meet
# Amounts agree within 15% and capacities within 2% (scoring.py): as distances of logarithms, these.
USD_TOLERANCE = 0.15
CAPACITY_TOLERANCE = 0.02
_LOG_TOLERANCE = {"usd": -math.log(1 - USD_TOLERANCE), "capacity": -math.log(1 - CAPACITY_TOLERANCE)}


def figure_cells(f: MentionFeatures) -> set[str]:
    """Cells of two grids, offset by half a cell, on the logarithm of each figure: two figures within
    tolerance of each other share a cell in at least one grid."""
    values = [("usd", f.usd)] if f.usd and f.usd > 0 else []
    values += [("capacity", value) for _, value in f.capacity if value > 0]
    cells = set()
    for kind, value in values:
        width = 2 * _LOG_TOLERANCE[kind]
        for grid in (0, 1):
            cells.add(f"{kind}:{grid}:{math.floor(math.log(value) / width + grid / 2)}")
    return cells


_WHERE_REPORTED = frozenset({"idx", "article_id", "key"})


@dataclass(slots=True)
class MentionFeatures:
    """The facts scoring and clustering compare, and ``idx``, the mention's place in the input."""

    idx: int
    article_id: str
    published: str | None
    key: str
    carried_id: str | None
    investors: tuple[str, ...]
    investor_keys: tuple[str, ...]
    host_country: str | None
    region: str | None
    district: str | None
    sector: Sector
    project: str
    aggregate: bool
    usd: float | None
    capacity: tuple[tuple[str, float], ...]
    kinds: tuple[str, ...]  # what the project builds (fdi_extract.normalize.facilities)

    @classmethod
    def of(cls, idx: int, mention: DealMention) -> MentionFeatures:
        return cls(
            idx=idx,
            article_id=mention.article_id,
            published=mention.published,
            key=mention_key(mention),
            carried_id=mention.deal_id,
            investors=tuple(i.name for i in mention.investors),
            investor_keys=tuple(dict.fromkeys(key for i in mention.investors for key in name_keys(i.name))),
            host_country=mention.host_country,
            region=mention.region,
            district=mention.district,
            sector=mention.sector,
            project=mention.project,
            aggregate=mention.aggregate,
            usd=mention.amount.usd if mention.amount else None,
            capacity=tuple((c.unit.value, c.value) for c in mention.capacity),
            kinds=tuple(sorted(facility_kinds(mention.project))),
        )

    def compared(self) -> tuple[object, ...]:
        """Every fact of the mention but where it was reported (``idx``, article, key): two reports alike in
        these, as one story run by many outlets gives, compare alike with any third."""
        return tuple(getattr(self, name) for name in self.__slots__ if name not in _WHERE_REPORTED)

    @property
    def report_order(self) -> tuple[str, str]:
        return report_order(self.published, self.article_id)

    def block_rows(self) -> set[tuple[str, str | None]]:
        """The blocks this mention is compared within, each with the leading name word that put it in a family
        block (None in the others): the consonant skeleton of an investor's leading name word, after a home
        province or city (so "Heangshui"/"Hengshui", "Сангроу"/"SUNGROW" and "Xinjiang Lihua"/"Lihua" meet),
        and its first letters (a group and a subsidiary
        named from it, "Total Eren"/"TotalEnergies", which are one only in one region, so that block is per
        region); with no investor, its region and sector. And, in its region, each figure it states
        (:func:`figure_cells`), where a report that names no investor meets one that does."""
        rows: set[tuple[str, str | None]] = (
            {(f"{FIGURE_BLOCK}{self.region}:{cell}", None) for cell in figure_cells(self)} if self.region else set()
        )
        if self.investor_keys:
            firsts = [name_words(key)[0] for key in self.investor_keys]
            place = self.region or self.host_country or ""
            return (
                rows
                | {(f"investor:{skeleton(first) or first}", None) for first in firsts}
                | {(f"{FAMILY_BLOCK}{first[:FAMILY_STEM]}:{place}", first) for first in firsts}
            )
        return rows | {(f"unnamed:{self.region or self.host_country or ''}:{self.sector.value}", None)}


def distinct_features(rows: pa.RecordBatch | pa.Table) -> dict[int, MentionFeatures]:
    """The mentions in the :data:`FEATURES` columns of ``rows`` by ``idx``, each built once however many rows
    repeat it: only those first rows become Python values, as a mention recurs in several blocks. Meant for
    a chunk of many blocks or components at once: Arrow's cost per call is what a block of a few mentions
    would pay most."""
    first: dict[int, int] = {}
    for row, idx in enumerate(rows.column("idx").to_pylist()):
        first.setdefault(idx, row)
    distinct = rows.take(pa.array(list(first.values()), pa.int64()))
    columns = [distinct.column(name).to_pylist() for name in FEATURES.names]
    return {
        idx: MentionFeatures(
            idx=idx,
            article_id=article_id,
            published=published,
            key=key,
            carried_id=carried_id,
            investors=tuple(investors),
            investor_keys=tuple(investor_keys),
            host_country=host_country,
            region=region,
            district=district,
            sector=Sector(sector),
            project=project,
            aggregate=aggregate,
            usd=usd,
            capacity=tuple(zip(units, values, strict=True)),
            kinds=tuple(kinds),
        )
        for (
            idx,
            article_id,
            published,
            key,
            carried_id,
            investors,
            investor_keys,
            host_country,
            region,
            district,
            sector,
            project,
            aggregate,
            usd,
            units,
            values,
            kinds,
        ) in zip(*columns, strict=True)
    }


FEATURES = pa.schema(
    [
        ("idx", pa.int64()),
        ("article_id", pa.string()),
        ("published", pa.string()),
        ("key", pa.string()),
        ("carried_id", pa.string()),
        ("investors", pa.list_(pa.string())),
        ("investor_keys", pa.list_(pa.string())),
        ("host_country", pa.string()),
        ("region", pa.string()),
        ("district", pa.string()),
        ("sector", pa.string()),
        ("project", pa.string()),
        ("aggregate", pa.bool_()),
        ("usd", pa.float64()),
        ("capacity_units", pa.list_(pa.string())),
        ("capacity_values", pa.list_(pa.float64())),
        ("kinds", pa.list_(pa.string())),
    ]
)
# One row per (block, mention), in a family block per (block, mention, leading name word: ``word``);
# ``named``: whether the mention names an investor.
BLOCKS = pa.schema([("block", pa.string()), ("idx", pa.int64()), ("named", pa.bool_()), ("word", pa.string())])


def feature_batches(features: list[MentionFeatures]) -> tuple[pa.Table, pa.Table]:
    """Features and their block rows as Arrow tables, built a column at a time (a dict per mention, then a
    list per column, took a fifth of reading an archive)."""
    columns: dict[str, list[Any]] = {
        "idx": [f.idx for f in features],
        "article_id": [f.article_id for f in features],
        "published": [f.published for f in features],
        "key": [f.key for f in features],
        "carried_id": [f.carried_id for f in features],
        "investors": [f.investors for f in features],
        "investor_keys": [f.investor_keys for f in features],
        "host_country": [f.host_country for f in features],
        "region": [f.region for f in features],
        "district": [f.district for f in features],
        "sector": [f.sector.value for f in features],
        "project": [f.project for f in features],
        "aggregate": [f.aggregate for f in features],
        "usd": [f.usd for f in features],
        "capacity_units": [[unit for unit, _ in f.capacity] for f in features],
        "capacity_values": [[value for _, value in f.capacity] for f in features],
        "kinds": [f.kinds for f in features],
    }
    rows = [
        (block, f.idx, bool(f.investors), word)
        for f in features
        for block, word in sorted(f.block_rows(), key=lambda row: (row[0], row[1] or ""))
    ]
    blocks = {name: [row[i] for row in rows] for i, name in enumerate(BLOCKS.names)}
    return pa.table(columns, schema=FEATURES), pa.table(blocks, schema=BLOCKS)
