"""Reconciliation: mentions of one real-world deal across articles become one :class:`Deal`.

The road: each mention's compact features go into DuckDB tables (:mod:`.features`); an engine
(:mod:`.engines`: DuckDB here, or Spark) makes candidate pairs by blocking, scores them
(:mod:`.scoring`) and clusters each connected component (:mod:`.clustering`); this module then names
the deals, links aggregates to their projects and merges each deal from its mentions by the rules stated
on :class:`~fdi_extract.model.Deal` (disagreements go to ``conflicts``).

Optionally (off by default) an adjudicator — :class:`fdi_extract.adjudicate.Adjudicator`, the configured
LLM — judges the borderline links (no capacity, amount or project words behind them) before clustering;
a pair it calls two projects is never put in one deal. This package itself never calls an LLM.

Deal ids are stable: a deal keeps the id its mentions already carry (incremental runs read the
previous ``mentions.jsonl``), and a new deal is named by a hash of its earliest mention.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

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
from fdi_extract.reconcile.engines import (
    Adjudicate,
    DuckDBEngine,
    LinkEngine,
    sql_string,
)
from fdi_extract.reconcile.features import (
    BLOCKS,
    FEATURES,
    MentionFeatures,
    distinct_features,
    feature_batches,
    report_order,
)
from fdi_extract.reconcile.scoring import SAME_INVESTOR
from fdi_extract.reconcile.workers import fewer_collections

_log = logging.getLogger(__name__)
# Judges whether two reports are one project (fdi_extract.adjudicate.Adjudicator is one).
Judge = Callable[[list[tuple[DealMention, DealMention]]], list[bool]]


def _most_common(values: Iterable[str | None]) -> str | None:
    """The most frequent value, the first seen among equals; None when there is none."""
    # A dict, not a Counter: merging asks this of every field of every deal, mostly over two or three values.
    counted: dict[str, int] = {}
    for value in values:
        if value:
            counted[value] = counted.get(value, 0) + 1
    return max(counted, key=counted.__getitem__) if counted else None


_MEMORY = re.compile(r"\d+(\.\d+)?\s*[KMGT]i?B", re.IGNORECASE)


def open_database(
    path: Path | str = ":memory:", *, memory_limit: str = "1GB", temp_directory: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for linking: past ``memory_limit`` DuckDB spills to ``temp_directory``."""
    db = duckdb.connect(str(path))
    if not _MEMORY.fullmatch(memory_limit):
        raise ValueError(f"memory_limit {memory_limit!r}: give an amount such as '1GB' or '512MB'")
    db.execute(f"SET memory_limit = '{memory_limit}'")
    db.execute("SET preserve_insertion_order = false")  # ORDER BY says where order matters; less memory
    if temp_directory is not None:
        db.execute(f"SET temp_directory = {sql_string(temp_directory)}")
    return db


def encode_mentions(
    mentions: Iterable[DealMention], *, records: bool = False
) -> tuple[pa.Table, pa.Table, pa.Table | None]:
    """Mentions as rows of the tables linking reads, numbered from 0: ``features``, ``blocks`` and, with
    ``records``, ``records`` (idx, the mention's JSON) for merging later."""
    features: list[MentionFeatures] = []
    texts: list[str] = []
    for idx, mention in enumerate(mentions):
        features.append(MentionFeatures.of(idx, mention))
        if records:
            texts.append(mention.model_dump_json())
    feature_rows, block_rows = feature_batches(features)
    return (
        feature_rows,
        block_rows,
        pa.table({"idx": pa.array(range(len(texts)), pa.int64()), "record": texts}) if records else None,
    )


class LinkingTables:
    """Fills the tables linking reads (``features``, ``blocks``) as mentions stream in, a batch at a time;
    with ``records``, also ``records`` (idx, the mention's JSON) for merging later."""

    def __init__(self, db: duckdb.DuckDBPyConnection, *, records: bool = False, batch_size: int = 50_000):
        self.db, self.records, self.batch_size = db, records, batch_size
        self.count = 0
        self._pending: list[DealMention] = []
        for name, schema in (("features", FEATURES), ("blocks", BLOCKS)):
            db.register(f"{name}_empty", schema.empty_table())
            db.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_empty")
            db.unregister(f"{name}_empty")
        if records:
            db.execute("CREATE OR REPLACE TABLE records (idx BIGINT, record VARCHAR)")

    def add(self, mention: DealMention) -> None:
        self._pending.append(mention)
        if len(self._pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self.add_encoded(*encode_mentions(self._pending, records=self.records))
            self._pending.clear()

    def add_parquet(self, folder: Path, rows: int) -> None:
        """Add the tables :func:`encode_mentions` made (numbered from 0), written as ``features.parquet``,
        ``blocks.parquet`` and ``records.parquet`` in ``folder``, after the mentions added before."""
        for name in ("features", "blocks", "records"):
            if name == "records" and not self.records:
                continue
            self.db.execute(
                f"INSERT INTO {name} SELECT * REPLACE (idx + {self.count} AS idx) "
                f"FROM read_parquet({sql_string(folder / f'{name}.parquet')})"
            )
        self.count += rows

    def add_encoded(self, features: pa.Table, blocks: pa.Table, records: pa.Table | None) -> None:
        """Add the tables :func:`encode_mentions` made (numbered from 0), after the mentions added before."""
        for name, table in (("features", features), ("blocks", blocks), ("records", records)):
            if table is None or not self.records and name == "records":
                continue
            shifted = table.set_column(
                table.schema.get_field_index("idx"),
                "idx",
                pc.add(table.column("idx"), pa.scalar(self.count, pa.int64())),
            )
            self.db.register(f"{name}_batch", shifted)
            self.db.execute(f"INSERT INTO {name} SELECT * FROM {name}_batch")
            self.db.unregister(f"{name}_batch")
        self.count += features.num_rows


class DealPlan:
    """Which mention belongs to which deal; :meth:`merge` then builds a deal from its mentions, one deal at
    a time, so a caller holding mentions in a store or a file never needs them all in memory at once.

    ``deal_ids[i]`` is the deal of the i-th mention given; ``groups`` lists (deal id, mention indices) in
    output order (by each deal's earliest report).
    """

    def __init__(
        self,
        mentions: Iterable[DealMention],
        adjudicate: Adjudicate | None = None,
        *,
        engine: LinkEngine | None = None,
        memory_limit: str = "1GB",
    ):
        """``adjudicate``, when given, is asked about the borderline links (no capacity, amount or project
        words behind them) as pairs of mention indices, and answers True where they are one project
        (see :mod:`fdi_extract.adjudicate`). ``engine`` links (default: :class:`DuckDBEngine`)."""
        with tempfile.TemporaryDirectory(prefix="fdi-extract-") as spill:
            db = open_database(memory_limit=memory_limit, temp_directory=Path(spill))
            try:
                tables = LinkingTables(db)
                for mention in mentions:
                    tables.add(mention)
                tables.flush()
                self._plan(db, adjudicate, engine)
            finally:
                db.close()

    @classmethod
    def of_tables(
        cls, db: duckdb.DuckDBPyConnection, adjudicate: Adjudicate | None = None, *, engine: LinkEngine | None = None
    ) -> DealPlan:
        """The plan of the mentions already in ``db`` (filled by :class:`LinkingTables`); leaves the tables
        ``deal_of`` (idx, deal_id, deal_order) and ``kept_links`` there. Its links stay there: read them with
        :data:`LINKS` (or in deal order with :func:`link_rows`) and pass them to :func:`merge_deal`."""
        plan = cls.__new__(cls)
        plan._plan(db, adjudicate, engine, load_links=False)
        return plan

    def _plan(
        self,
        db: duckdb.DuckDBPyConnection,
        adjudicate: Adjudicate | None,
        engine: LinkEngine | None,
        load_links: bool = True,
    ) -> None:
        started = time.perf_counter()
        (engine or DuckDBEngine()).link(db, adjudicate)
        _log.info("linking took %.1f s", time.perf_counter() - started)
        self._name_deals(db)
        self._links: dict[str, list[Link]] = defaultdict(list)
        if load_links:
            for deal_id, links in link_rows(db):
                self._links[deal_id] = links
        self._components, self._part_of = self._aggregates(db)

    def _name_deals(self, db: duckdb.DuckDBPyConnection) -> None:
        """Deal ids: the id the members carry from an earlier run, or a hash of the earliest member."""
        clusters: list[tuple[tuple[str, str], int, str, list[str], list[int]]] = []
        for members in row_runs(
            db.sql(
                """SELECT COALESCE(c.root, f.idx) AS root, f.idx, f.published, f.article_id, f.key, f.carried_id
                   FROM features f LEFT JOIN memberships c ON c.idx = f.idx ORDER BY root, f.idx"""
            )
        ):
            earliest = min(members, key=lambda m: (report_order(m[2], m[3]), m[4]))
            carried = [deal_id for deal_id, _ in Counter(m[5] for m in members if m[5]).most_common()]
            clusters.append(
                (report_order(earliest[2], earliest[3]), members[0][1], earliest[4], carried, [m[1] for m in members])
            )
        clusters.sort(key=lambda c: (c[0], c[1]))
        self.deal_ids: list[str] = [""] * sum(len(c[4]) for c in clusters)
        self.groups: list[tuple[str, list[int]]] = []
        taken: set[str] = set()
        for _, _, seed, carried, members in clusters:
            deal_id = next((i for i in carried if i not in taken), None)
            attempt = 0
            # Two deals of one article can look alike field for field; a counter keeps their ids apart.
            while deal_id is None or deal_id in taken:
                deal_id = "deal-" + hashlib.sha1(f"{seed}#{attempt}".encode()).hexdigest()[:12]
                attempt += 1
            taken.add(deal_id)
            for i in members:
                self.deal_ids[i] = deal_id
            self.groups.append((deal_id, members))
        db.register(
            "deal_of_arrow",
            pa.table(
                {
                    "idx": [i for _, members in self.groups for i in members],
                    "deal_id": [deal_id for deal_id, members in self.groups for _ in members],
                    "deal_order": [order for order, (_, members) in enumerate(self.groups) for _ in members],
                }
            ),
        )
        db.execute("CREATE OR REPLACE TABLE deal_of AS SELECT * FROM deal_of_arrow")
        db.unregister("deal_of_arrow")

    def _aggregates(self, db: duckdb.DuckDBPyConnection) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Aggregates and their projects, read for the few deals that share an article with an aggregate."""
        rows = db.sql("""
            WITH near AS (SELECT DISTINCT d.deal_id FROM features f JOIN deal_of d ON d.idx = f.idx
                          WHERE f.article_id IN (SELECT article_id FROM features WHERE aggregate))
            SELECT f.* FROM features f JOIN deal_of d ON d.idx = f.idx WHERE d.deal_id IN (SELECT deal_id FROM near)
            ORDER BY d.deal_order, f.idx""").to_arrow_table()
        features = distinct_features(rows)
        groups: dict[str, list[int]] = defaultdict(list)
        for idx in features:
            groups[self.deal_ids[idx]].append(idx)
        return _aggregate_links(features, list(groups.items()))

    def aggregates_by_order(self) -> dict[int, tuple[list[str], list[str]]]:
        """Deal order (its place in ``groups``) → (components, part_of) for the few deals that total
        projects or are part of a total."""
        wanted = self._components.keys() | self._part_of.keys()
        return {
            order: (self._components.get(deal_id, []), self._part_of.get(deal_id, []))
            for order, (deal_id, _) in enumerate(self.groups)
            if deal_id in wanted
        }

    def merge(self, deal_id: str, mentions: Iterable[DealMention]) -> Deal:
        """The deal ``deal_id`` from its mentions (those whose ``deal_ids`` entry is ``deal_id``)."""
        return merge_deal(deal_id, mentions, *self.merging(deal_id))

    def merging(self, deal_id: str) -> tuple[list[Link], list[str], list[str]]:
        """What :func:`merge_deal` needs of the plan for ``deal_id``: its links, components and aggregates."""
        return self._links.get(deal_id, []), self._components.get(deal_id, []), self._part_of.get(deal_id, [])


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


def row_runs(relation: duckdb.DuckDBPyRelation) -> Iterator[list[tuple]]:
    """Rows of a query ordered by its first column, gathered into runs of one value of it."""
    run: list[tuple] = []
    for batch in relation.to_arrow_reader(65_536):
        for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
            if run and row[0] != run[0][0]:
                yield run
                run = []
            run.append(row)
    if run:
        yield run


@dataclass(slots=True)
class _GroupFacts:
    """What linking aggregates reads of a deal: its articles in report order, region, investors, kind."""

    articles: list[str]
    region: str | None
    keys: set[str]
    aggregate: bool


def _aggregate_links(
    features: dict[int, MentionFeatures], groups: list[tuple[str, list[int]]]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """An aggregate covers the projects reported beside it in the same article, in its region or by its investors."""
    summary: dict[str, _GroupFacts] = {}
    by_article: dict[str, list[str]] = defaultdict(list)
    for deal_id, members in groups:
        ordered = sorted(members, key=lambda i: features[i].report_order)
        group = summary[deal_id] = _GroupFacts(
            articles=list(dict.fromkeys(features[i].article_id for i in ordered)),
            region=_most_common(features[i].region for i in members),
            keys={key for i in members for key in features[i].investor_keys},
            aggregate=features[members[0]].aggregate,
        )
        for article_id in group.articles:
            by_article[article_id].append(deal_id)
    components: dict[str, list[str]] = defaultdict(list)
    part_of: dict[str, list[str]] = defaultdict(list)
    for deal_id, group in summary.items():
        if not group.aggregate:
            continue
        for article_id in group.articles:
            for other in by_article[article_id]:
                project = summary[other]
                if project.aggregate or other in components[deal_id]:
                    continue
                if (group.region and project.region == group.region) or group.keys & project.keys:
                    components[deal_id].append(other)
                    part_of[other].append(deal_id)
    return components, part_of


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
        investor_country=_most_common(m.investor_country for m in mentions),
        host_country=_most_common(m.host_country for m in mentions),
        region=_most_common(m.region for m in mentions),
        district=_most_common(m.district for m in mentions),
        city=_most_common(m.city for m in mentions),
        project=max((m.project for m in mentions), key=len, default=""),
        sector=Sector(_most_common(sectors) or Sector.other),
        amount=amount,
        capacity=capacity,
        jobs=max((m.jobs for m in mentions if m.jobs is not None), default=None),
        stage=most_advanced(m.stage for m in mentions),
        aggregate=mentions[0].aggregate,
        sources=[
            Source(
                article_id=m.article_id,
                published=m.published,
                url=m.url,
                stage=m.stage,
                amount=m.amount,
                evidence=m.evidence,
                reasons=m.reasons,
            )
            for m in mentions
        ],
        conflicts=conflicts,
        timeline=[TimelineEntry(published=m.published, stage=m.stage, article_id=m.article_id) for m in mentions],
        links=links,
    )


def reconcile(
    mentions: list[DealMention], adjudicate: Judge | None = None, *, engine: LinkEngine | None = None
) -> list[Deal]:
    """Group mentions into deals; returns the deals and sets ``deal_id`` on every mention.

    Mentions that already carry a ``deal_id`` (from an earlier run) keep it when their deal does.
    ``adjudicate`` (optional, e.g. :class:`fdi_extract.adjudicate.Adjudicator`) judges borderline pairs.
    """
    with fewer_collections():
        plan = DealPlan(
            mentions,
            None if adjudicate is None else lambda pairs: adjudicate([(mentions[i], mentions[j]) for i, j in pairs]),
            engine=engine,
        )
        for mention, deal_id in zip(mentions, plan.deal_ids, strict=True):
            mention.deal_id = deal_id
        return [plan.merge(deal_id, (mentions[i] for i in members)) for deal_id, members in plan.groups]
