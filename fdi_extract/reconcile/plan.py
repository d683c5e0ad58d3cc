"""Reconciliation: mentions of one real-world deal across articles become one :class:`Deal`.

The road: each mention's compact features go into DuckDB tables (:mod:`.features`, :mod:`.tables`); an
engine (:mod:`.engines`: DuckDB here, or Spark) makes candidate pairs by blocking, scores them
(:mod:`.scoring`) and clusters each connected component (:mod:`.clustering`); this module then names
the deals and links aggregates to their projects, and :mod:`.merging` builds each deal from its mentions.

Optionally (off by default) an adjudicator — :class:`fdi_extract.adjudicate.Adjudicator`, the configured
LLM — judges the borderline links (no capacity, amount or project words behind them) before clustering;
a pair it calls two projects is never put in one deal. This package itself never calls an LLM.

Deal ids are stable: the mentions of a deal of an earlier run (incremental runs read the previous
``mentions.jsonl``) stay one deal under its id, new mentions join one earlier deal or make new deals (two
earlier deals are never joined), and a new deal is named by a hash of its earliest mention.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from fdi_extract.model import Deal, DealMention, Link
from fdi_extract.reconcile.engines import AdjudicateIndices, DuckDBEngine, LinkEngine
from fdi_extract.reconcile.features import MentionFeatures, distinct_features, report_order
from fdi_extract.reconcile.merging import link_rows, merge_deal, most_common
from fdi_extract.reconcile.tables import LinkingTables, open_database, row_runs
from fdi_extract.reconcile.workers import fewer_collections

_log = logging.getLogger(__name__)
# Asked whether each pair of mentions is one project; answers True where it is
# (fdi_extract.adjudicate.Adjudicator is one).
Adjudicate = Callable[[list[tuple[DealMention, DealMention]]], list[bool]]


class DealPlan:
    """Which mention belongs to which deal; :meth:`merge` then builds a deal from its mentions, one deal at
    a time, so a caller holding mentions in a store or a file never needs them all in memory at once.

    ``deal_ids[i]`` is the deal of the mention numbered i in the tables; ``groups`` lists (deal id, mention indices) in
    output order (by each deal's earliest report).
    """

    def __init__(
        self,
        db: duckdb.DuckDBPyConnection,
        adjudicate: AdjudicateIndices | None = None,
        *,
        engine: LinkEngine | None = None,
        load_links: bool = True,
    ):
        """The plan of the mentions in ``db`` (filled by :class:`LinkingTables`); leaves the tables ``deal_of``
        (idx, deal_id, deal_order) and ``kept_links`` there. With ``load_links`` false the links stay only
        there, for an archive too large to hold them: read them with :data:`LINKS` (or in deal order with
        :func:`link_rows`) and pass them to :func:`merge_deal`.

        ``adjudicate``, when given, is asked about the borderline links (no capacity, amount or project
        words behind them) as pairs of mention indices, and answers True where they are one project
        (see :mod:`fdi_extract.adjudicate`). ``engine`` links (default: :class:`DuckDBEngine`)."""
        started = time.perf_counter()
        self.weights = (engine or DuckDBEngine()).link(db, adjudicate)
        _log.info("linking took %.1f s", time.perf_counter() - started)
        self._name_deals(db)
        self._links: dict[str, list[Link]] = defaultdict(list)
        if load_links:
            for deal_id, links in link_rows(db):
                self._links[deal_id] = links
        self._components, self._part_of = self._aggregates(db)

    @classmethod
    def of_mentions(
        cls,
        mentions: Iterable[DealMention],
        adjudicate: AdjudicateIndices | None = None,
        *,
        engine: LinkEngine | None = None,
        memory_limit: str = "1GB",
    ) -> DealPlan:
        """The plan of ``mentions`` (``adjudicate`` and ``engine`` as for the constructor), linked in a
        database of their own that DuckDB spills to a temporary folder past ``memory_limit``."""
        with tempfile.TemporaryDirectory(prefix="fdi-extract-") as spill:
            db = open_database(memory_limit=memory_limit, temp_directory=Path(spill))
            try:
                tables = LinkingTables(db)
                for mention in mentions:
                    tables.add(mention)
                tables.flush()
                return cls(db, adjudicate, engine=engine)
            finally:
                db.close()

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
            region=most_common(features[i].region for i in members),
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


def reconcile(
    mentions: list[DealMention], adjudicate: Adjudicate | None = None, *, engine: LinkEngine | None = None
) -> list[Deal]:
    """Group mentions into deals; returns the deals and sets ``deal_id`` on every mention.

    Mentions that already carry a ``deal_id`` (from an earlier run) keep it, with the other mentions of their
    deal; two such deals are never joined.
    ``adjudicate`` (optional, e.g. :class:`fdi_extract.adjudicate.Adjudicator`) judges borderline pairs.
    """
    with fewer_collections():
        plan = DealPlan.of_mentions(
            mentions,
            None if adjudicate is None else lambda pairs: adjudicate([(mentions[i], mentions[j]) for i, j in pairs]),
            engine=engine,
        )
        for mention, deal_id in zip(mentions, plan.deal_ids, strict=True):
            mention.deal_id = deal_id
        return [plan.merge(deal_id, (mentions[i] for i in members)) for deal_id, members in plan.groups]
