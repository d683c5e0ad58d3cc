"""Where linking runs: blocking, pair scoring and clustering over tables, on an existing engine.

A :class:`DuckDBEngine` (the default) links on one machine out of core: the mentions of each block are
gathered by a SQL join and sort, which DuckDB spills to disk past its memory limit, and connected
components are found by label propagation in SQL. A :class:`SparkEngine` runs the same SQL on a Spark
session (local mode, or a cluster it was built for) for archives beyond one machine. Both call the same
Python for the two steps SQL does not express well — :func:`score_blocks` over the mentions of blocks,
and :func:`cluster_components` over connected components of scored pairs — over chunks of whole groups in
DuckDB and as grouped maps (``applyInArrow``) in Spark, so both give the same deals.

Each engine reads the tables ``features`` and ``blocks`` (see :mod:`fdi_extract.reconcile.features`)
from a DuckDB connection and leaves there ``memberships`` (idx, root: the least idx of its deal, for
every mention in a deal of two or more) and ``kept_links`` (i, j, score, reasons): the plan takes deal
ids, links and merges from them on one machine.

Pairs are scored by the match weights of :mod:`.weights`: the priors, or, asked to, weights an engine learns
before scoring from the pattern counts of a sample of blocks (the pairs it would score, and those a hard rule
keeps apart). Why not Splink itself: its model has no place for the structural rules that decide most pairs here (one
mention per article and deal; aggregates apart from their projects; names across scripts), and as
configured it took 199 s for 100,000 mentions (docs/evaluation.md). Its engines are the ones used here,
and its way of estimating m and u.
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import duckdb
import pyarrow as pa

from fdi_extract.errors import FdiExtractError
from fdi_extract.reconcile.clustering import CLUSTERED, cluster_components
from fdi_extract.reconcile.features import FEATURES, FIGURE_BLOCK, starts_family_sql
from fdi_extract.reconcile.scoring import (
    PATTERNS,
    SCORED,
    is_borderline,
    pattern_counts,
    score_blocks,
)
from fdi_extract.reconcile.weights import MatchWeights, Pattern, fit_weights, pattern_of
from fdi_extract.reconcile.workers import Workers

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_log = logging.getLogger(__name__)
# Asked whether each pair of mention indices is one project; answers True where it is.
AdjudicateIndices = Callable[[list[tuple[int, int]]], list[bool]]


def _no_features() -> str:
    return ", ".join(f"NULL AS {name}" for name in FEATURES.names)


# The SQL below runs unchanged on DuckDB and Spark.
# Only blocks with something to compare go out: two members or more; in a figure block a report that
# names an investor and one that does not (the only pairs compared there); in a family block the mentions
# whose leading name word starts another's longer one (the only pairs compared there: most such blocks hold
# unrelated names that share their first letters, and would be a large share of all rows).
def _block_members(blocks: str = "blocks") -> str:
    return f"""
WITH family_words AS (SELECT DISTINCT block, word FROM {blocks} WHERE word IS NOT NULL),
related AS (SELECT a.block, a.word AS short, b.word AS long FROM family_words a JOIN family_words b
            ON b.block = a.block AND {starts_family_sql("a.word", "b.word")}),
family_members AS (SELECT DISTINCT b.block, b.idx FROM {blocks} b JOIN (
    SELECT block, short AS word FROM related UNION SELECT block, long AS word FROM related) r
    ON r.block = b.block AND r.word = b.word),
other_members AS (SELECT b.block, b.idx FROM {blocks} b JOIN (
    SELECT block FROM {blocks} WHERE word IS NULL GROUP BY block HAVING COUNT(*) > 1
    AND (block NOT LIKE '{FIGURE_BLOCK}%'
         OR (MIN(CASE WHEN named THEN 1 ELSE 0 END) = 0 AND MAX(CASE WHEN named THEN 1 ELSE 0 END) = 1))) u
    ON u.block = b.block)
SELECT m.block, f.* FROM (SELECT * FROM family_members UNION ALL SELECT * FROM other_members) m
JOIN features f ON f.idx = m.idx"""


# Weights are learned from the pairs of a sample of blocks of about this many rows (whole blocks, chosen by a
# hash of their key, which DuckDB and Spark compute alike, so both learn the same weights).
SAMPLE_ROWS = 50_000


def _sample(blocks: int) -> str:
    """The rows of ``blocks`` in the sample of blocks weights are learned from."""
    cut = -(-SAMPLE_ROWS * 0x10000 // max(blocks, 1))
    return "SELECT * FROM blocks" + ("" if cut >= 0x10000 else f" WHERE substr(md5(block), 1, 4) < '{cut:04x}'")


def _weights_of(counts: Iterable[tuple[int, int, int]]) -> MatchWeights:
    """Weights fit on the sampled pairs' pattern counts (pattern, candidates, kept apart), logged."""
    candidates: Counter[Pattern] = Counter()
    apart: Counter[Pattern] = Counter()
    for code, linked, rejected in counts:
        candidates[pattern_of(code)] += linked
        apart[pattern_of(code)] += rejected
    weights = fit_weights(+candidates, +apart)
    if weights.learned:
        _log.info(
            "match weights learned from %d pairs (a match in %.2f of them): %s",
            weights.pairs,
            weights.match_share,
            "; ".join(f"{r['comparison']} {r['level']} {r['weight']:+.2f}" for r in weights.table()),
        )
    else:
        _log.info("too few pairs (%d) to learn match weights from: the priors", candidates.total())
    return weights


# A pair that shares two blocks was scored in each, alike.
_DISTINCT_PAIRS = """
SELECT i, j, ANY_VALUE(score) AS score, ANY_VALUE(pattern) AS pattern, FALSE AS apart FROM pairs GROUP BY i, j"""
# Edges: the scored pairs, and each mention carrying a deal id from an earlier run tied to that deal's first
# mention, so that an earlier deal is one component whatever its pairs score now.
_EDGES = """
WITH earlier AS (SELECT f.idx, d.first FROM features f JOIN (
    SELECT carried_id, MIN(idx) AS first FROM features WHERE carried_id IS NOT NULL GROUP BY carried_id
    HAVING COUNT(*) > 1) d ON d.carried_id = f.carried_id WHERE f.idx <> d.first)
SELECT i AS src, j AS dst FROM scored UNION ALL SELECT j AS src, i AS dst FROM scored
UNION ALL SELECT idx AS src, first AS dst FROM earlier UNION ALL SELECT first AS src, idx AS dst FROM earlier"""
_FIRST_LABELS = "SELECT src AS idx, MIN(LEAST(src, dst)) AS label FROM edges GROUP BY src"
# Connected components by label propagation: each mention takes the least label among its neighbours; the
# mention its old label names takes the least label any of its followers took (hooking, so a label crosses a
# component in a few rounds instead of one edge a round: 7 rounds for 48 on a million mentions); then each
# takes the label of its label (pointer jumping), until nothing changes.
_PROPAGATED = """
SELECT l.idx, LEAST(l.label, MIN(n.label)) AS label
FROM labels l JOIN edges e ON e.src = l.idx JOIN labels n ON n.idx = e.dst GROUP BY l.idx, l.label"""
_HOOKED = """
SELECT p.idx, LEAST(p.label, COALESCE(h.label, p.label)) AS label FROM propagated p LEFT JOIN (
    SELECT l.label AS idx, MIN(p.label) AS label FROM labels l JOIN propagated p ON p.idx = l.idx GROUP BY l.label) h
ON h.idx = p.idx"""
_JUMPED = "SELECT x.idx, LEAST(x.label, y.label) AS label FROM hooked x JOIN hooked y ON y.idx = x.label"
_CHANGED = "SELECT COUNT(*) FROM jumped j JOIN labels l ON l.idx = j.idx WHERE j.label <> l.label"
# Greedy clustering takes a component whole, in one process: one of hundreds of thousands of mentions (a common
# name's reports tied by weak links, in a large archive) held most of a run's memory and time. A component of
# more mentions than this loses its weakest pairs, tier by tier, until its parts are this small: those links are
# the last greedy clustering would try, and the first it would refuse (the way dedupe bounds its components).
MAX_COMPONENT = 20_000
# A tier: the pairs within this many bits of the weakest. Learned weights give pairs many distinct scores, and
# a round per score took 31 rounds on a million mentions.
CUT_TIER = 1.0


def _weakest(max_component: int) -> str:
    """Each component of more than ``max_component`` mentions, with the score of its weakest pair."""
    return f"""
SELECT l.label AS component, MIN(s.score) AS weakest FROM scored s JOIN labels l ON l.idx = s.i
JOIN (SELECT label FROM labels GROUP BY label HAVING COUNT(*) > {int(max_component)}) o ON o.label = l.label
GROUP BY l.label"""


_STRONGER = f"""
SELECT s.* FROM scored s LEFT JOIN (SELECT l.idx, w.weakest FROM labels l JOIN weakest w ON w.component = l.label) c
ON c.idx = s.i WHERE c.weakest IS NULL OR s.score >= c.weakest + {CUT_TIER}"""
# A component where every two mentions scored as a pair, none judged apart, and no two deals of an earlier
# run meet, is one deal with every link kept: what greedy clustering would make of it, without building a
# feature of it. Most components are such.
_SHAPES = """
SELECT m.component,
       m.members * (m.members - 1) = 2 * COALESCE(p.pairs, 0) AND COALESCE(p.apart, 0) = 0
       AND COALESCE(e.deals, 0) <= 1 AS complete
FROM (SELECT label AS component, COUNT(*) AS members FROM labels GROUP BY label) m
LEFT JOIN (SELECT l.label AS component, COUNT(DISTINCT f.carried_id) AS deals
           FROM labels l JOIN (SELECT idx, carried_id FROM features WHERE carried_id IS NOT NULL) f ON f.idx = l.idx
           GROUP BY l.label) e ON e.component = m.component
LEFT JOIN (SELECT l.label AS component, COUNT(*) AS pairs, SUM(CASE WHEN s.apart THEN 1 ELSE 0 END) AS apart
           FROM scored s JOIN labels l ON l.idx = s.i GROUP BY l.label) p ON p.component = m.component"""
# A component's scored pairs (feature columns null), then a row of features for each of its mentions (pair
# columns null): each mention's features once, not once per pair and side, as components hold many more
# pairs than mentions.
_COMPONENT_PAIRS = f"""
WITH incomplete AS (SELECT component FROM shapes WHERE NOT complete)
SELECT l.label AS component, s.i, s.j, s.score, s.pattern, s.apart, {_no_features()}
FROM scored s JOIN labels l ON l.idx = s.i JOIN incomplete c ON c.component = l.label
UNION ALL
SELECT l.label AS component, NULL AS i, NULL AS j, NULL AS score, NULL AS pattern, NULL AS apart, f.*
FROM labels l JOIN incomplete c ON c.component = l.label JOIN features f ON f.idx = l.idx"""
_MEMBERSHIPS = """
SELECT l.idx, l.label AS root FROM labels l JOIN shapes c ON c.component = l.label AND c.complete
UNION ALL SELECT idx, root FROM clustered WHERE linked_to IS NULL"""
_KEPT_LINKS = """
SELECT s.i, s.j, s.score, s.pattern FROM scored s JOIN labels l ON l.idx = s.i
JOIN shapes c ON c.component = l.label AND c.complete
UNION ALL SELECT idx AS i, linked_to AS j, score, pattern FROM clustered WHERE linked_to IS NOT NULL"""


def sql_string(path: Path) -> str:
    """A path as a SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


class LinkEngine(Protocol):
    def link(self, db: duckdb.DuckDBPyConnection, adjudicate: AdjudicateIndices | None = None) -> MatchWeights:
        """Read ``features`` and ``blocks`` from ``db``; leave ``memberships`` and ``kept_links`` there; return
        the match weights the links were scored with."""


class DuckDBEngine:
    """Links in the DuckDB connection that holds the features (the default engine).

    The Python steps (scoring each block, clustering each component) run in ``workers`` processes, started
    for the link and stopped after it, fed chunks of about ``chunk_rows`` rows of whole groups; by default in
    this process. A connected component of more than ``max_component`` mentions is cut at its weakest pairs
    first (:data:`MAX_COMPONENT`). Pairs are scored by the priors of ``data/comparisons.toml``, or with
    ``learn_weights`` by weights learned from a sample of the archive's blocks (:mod:`.weights`; on the
    benches so far they did not beat the priors: docs/evaluation.md).
    """

    def __init__(
        self,
        *,
        workers: int = 1,
        chunk_rows: int = 20_000,
        max_component: int = MAX_COMPONENT,
        learn_weights: bool = False,
    ):
        self.workers = workers
        self.chunk_rows = chunk_rows
        self.max_component = max_component
        self.learn_weights = learn_weights

    def link(self, db: duckdb.DuckDBPyConnection, adjudicate: AdjudicateIndices | None = None) -> MatchWeights:
        started = time.perf_counter()
        copies_alike = adjudicate is None
        with Workers(self.workers) as pool:
            weights = MatchWeights.priors()
            if self.learn_weights:
                ((blocks,),) = db.execute("SELECT COUNT(*) FROM blocks").fetchall()
                db.execute(f"CREATE OR REPLACE TEMP VIEW sampled AS {_sample(blocks)}")
                counts = pool.map(
                    partial(pattern_counts, copies_alike=copies_alike),
                    _whole_groups(db.sql(f"{_block_members('sampled')} ORDER BY block"), "block", self.chunk_rows),
                )
                weights = _weights_of(row for table in counts for row in zip(*table.to_pydict().values(), strict=True))
                _log.info("learned the match weights, %.1f s", time.perf_counter() - started)
            # Scored pairs are few (about two per mention), so they gather in memory before going back in.
            pairs = pa.concat_tables(
                [
                    SCORED.empty_table(),
                    *pool.map(
                        partial(score_blocks, copies_alike=copies_alike, weights=weights),
                        _whole_groups(db.sql(f"{_block_members()} ORDER BY block"), "block", self.chunk_rows),
                    ),
                ]
            )
            db.register("pairs", pairs)
            db.execute(f"CREATE OR REPLACE TABLE scored AS {_DISTINCT_PAIRS}")
            db.unregister("pairs")
            _log.info("scored the blocks: %d pairs kept, %.1f s", pairs.num_rows, time.perf_counter() - started)
            del pairs
            if adjudicate is not None:
                _mark_apart(db, adjudicate)
            _label_components(
                lambda name, query: db.execute(f"CREATE OR REPLACE TABLE {name} AS {query}"),
                lambda query: db.execute(query).fetchall()[0][0],
                self.max_component,
            )
            _log.info("found the connected components, %.1f s", time.perf_counter() - started)
            clustered = pa.concat_tables(
                [
                    CLUSTERED.empty_table(),
                    *pool.map(
                        cluster_components,
                        _whole_groups(db.sql(f"{_COMPONENT_PAIRS} ORDER BY component"), "component", self.chunk_rows),
                    ),
                ]
            )
            _log.info("clustered the components where not every pair scored, %.1f s", time.perf_counter() - started)
        db.register("clustered", clustered)
        db.execute(f"CREATE OR REPLACE TABLE memberships AS {_MEMBERSHIPS}")
        db.execute(f"CREATE OR REPLACE TABLE kept_links AS {_KEPT_LINKS}")
        db.unregister("clustered")
        for table in ("scored", "edges", "labels", "propagated", "hooked", "jumped", "shapes", *_SPLITTING):
            db.execute(f"DROP TABLE IF EXISTS {table}")
        db.execute("DROP VIEW IF EXISTS sampled")
        _state_reasons(db, weights)
        return weights


_REASONS = pa.schema([("pattern", pa.int64()), ("reasons", pa.list_(pa.string()))])


def _state_reasons(db: duckdb.DuckDBPyConnection, weights: MatchWeights) -> None:
    """``kept_links`` (i, j, score, pattern) → (i, j, score, reasons): each pattern's reasons written once."""
    patterns = [code for (code,) in db.execute("SELECT DISTINCT pattern FROM kept_links").fetchall()]
    reasons = [list(weights.score(pattern_of(code))[1]) for code in patterns]
    db.register("reasons", pa.table({"pattern": patterns, "reasons": reasons}, schema=_REASONS))
    db.execute(
        "CREATE OR REPLACE TABLE kept_links AS "
        "SELECT k.i, k.j, k.score, r.reasons FROM kept_links k JOIN reasons r ON r.pattern = k.pattern"
    )
    db.unregister("reasons")


def _mark_apart(db: duckdb.DuckDBPyConnection, adjudicate: AdjudicateIndices) -> None:
    """Ask ``adjudicate`` about the borderline links (none of capacity, amount or project words behind them)."""
    patterns = [code for (code,) in db.execute("SELECT DISTINCT pattern FROM scored").fetchall()]
    wanted = ", ".join(str(code) for code in patterns if is_borderline(pattern_of(code))) or "NULL"
    borderline = db.execute(f"SELECT i, j FROM scored WHERE pattern IN ({wanted}) ORDER BY i, j").fetchall()
    if not borderline:
        return
    verdicts = adjudicate(borderline)
    apart = pa.table(
        {
            "i": [i for (i, _), same in zip(borderline, verdicts, strict=True) if not same],
            "j": [j for (_, j), same in zip(borderline, verdicts, strict=True) if not same],
        },
        schema=pa.schema([("i", pa.int64()), ("j", pa.int64())]),
    )
    db.register("apart_arrow", apart)
    db.execute("UPDATE scored SET apart = TRUE FROM apart_arrow p WHERE scored.i = p.i AND scored.j = p.j")
    db.unregister("apart_arrow")


def _label_components(
    make: Callable[[str, str], None], count: Callable[[str], int], max_component: int = MAX_COMPONENT
) -> None:
    """Leave ``labels`` (idx, label: the least idx of its component) for every mention in a scored pair,
    and ``shapes`` (component, complete); ``make(name, query)`` makes a table of a query's rows,
    ``count(query)`` runs a query of one number. A component of more than ``max_component`` mentions loses
    its weakest pairs and is labelled again, until none is that large."""
    make("edges", _EDGES)
    _propagate(make, count)
    for cut in itertools.count():
        make("weakest", _weakest(max_component))
        if not (oversized := count("SELECT COUNT(*) FROM weakest")):
            break
        _log.info(
            "cut %d component(s) of more than %d mentions at their weakest pairs (round %d)",
            oversized,
            max_component,
            cut + 1,
        )
        make("oversized", "SELECT l.idx FROM labels l JOIN weakest w ON w.component = l.label")
        make("stronger", _STRONGER)
        make("scored", "SELECT * FROM stronger")
        make("others", "SELECT l.* FROM labels l LEFT JOIN oversized o ON o.idx = l.idx WHERE o.idx IS NULL")
        make("edges", f"SELECT e.* FROM ({_EDGES}) e JOIN oversized o ON o.idx = e.src")
        _propagate(make, count)
        make("relabelled", "SELECT * FROM labels UNION ALL SELECT * FROM others")
        make("labels", "SELECT * FROM relabelled")
    make("shapes", _SHAPES)


_SPLITTING = ("weakest", "oversized", "stronger", "others", "relabelled")


def _propagate(make: Callable[[str, str], None], count: Callable[[str], int]) -> None:
    make("labels", _FIRST_LABELS)
    while True:
        make("propagated", _PROPAGATED)
        make("hooked", _HOOKED)
        make("jumped", _JUMPED)
        changed = count(_CHANGED)
        make("labels", "SELECT * FROM jumped")
        if not changed:
            break


def _whole_groups(relation: duckdb.DuckDBPyRelation, column: str, rows: int) -> Iterator[pa.Table]:
    """The rows of a query ordered by ``column`` in tables of about ``rows`` rows, never splitting the rows
    of one value of ``column`` between two tables."""
    pending: list[pa.RecordBatch] = []
    size = 0
    for batch in relation.to_arrow_reader(rows):
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        size += batch.num_rows
        if size < rows:
            continue
        values = batch.column(column)
        last = values[-1]
        # Where the last group of this batch starts: it may go on in the next batch.
        start = batch.num_rows - 1
        while start > 0 and values[start - 1] == last:
            start -= 1
        if start == 0:
            continue  # one group fills the batch; keep gathering
        pending[-1] = batch.slice(0, start)
        yield pa.Table.from_batches(pending)
        pending, size = [batch.slice(start)], batch.num_rows - start
    if size:
        yield pa.Table.from_batches(pending)


class SparkEngine:
    """Links on a Spark session: the same SQL as :class:`DuckDBEngine`, the same scoring and clustering
    as grouped maps over Arrow (``applyInArrow``), so the deals are the same.

    ``workdir`` is where the features go for Spark to read and where its result comes back, as Parquet:
    on a cluster, a folder every executor and this process can reach (a shared file system; give its
    path as Spark and this process both see it). By default a temporary folder, which suits local mode.
    ``max_component`` and ``learn_weights`` as for :class:`DuckDBEngine`. Adjudication needs the DuckDB
    engine (it asks the LLM about pairs one machine holds).
    """

    def __init__(
        self,
        session: SparkSession,
        *,
        workdir: Path | None = None,
        max_component: int = MAX_COMPONENT,
        learn_weights: bool = False,
    ):
        self.session = session
        self.workdir = workdir
        self.max_component = max_component
        self.learn_weights = learn_weights

    def link(self, db: duckdb.DuckDBPyConnection, adjudicate: AdjudicateIndices | None = None) -> MatchWeights:
        if adjudicate is not None:
            raise ValueError("LLM adjudication of borderline pairs runs on the DuckDB engine, not on Spark")
        spark = self.session
        with tempfile.TemporaryDirectory(dir=self.workdir) as folder:
            work = Path(folder)
            for table in ("features", "blocks"):
                db.execute(f"COPY {table} TO {sql_string(work / f'{table}.parquet')} (FORMAT parquet)")
                spark.read.parquet(str(work / f"{table}.parquet")).createOrReplaceTempView(table)
            weights = MatchWeights.priors()
            if self.learn_weights:
                ((blocks,),) = db.execute("SELECT COUNT(*) FROM blocks").fetchall()
                spark.sql(_sample(blocks)).createOrReplaceTempView("sampled")
                counts = (
                    spark.sql(_block_members("sampled")).groupBy("block").applyInArrow(pattern_counts, _ddl(PATTERNS))
                )
                weights = _weights_of(
                    tuple(row) for row in counts.groupBy("pattern").sum("candidates", "apart").collect()
                )
            pairs = spark.sql(_block_members()).groupBy("block").applyInArrow(_scoring(weights), _ddl(SCORED))
            pairs.createOrReplaceTempView("pairs")
            self._view("scored", spark.sql(_DISTINCT_PAIRS))
            _label_components(
                lambda name, query: self._view(name, spark.sql(query)),
                lambda query: spark.sql(query).collect()[0][0],
                self.max_component,
            )
            components = spark.sql(_COMPONENT_PAIRS).groupBy("component")
            components.applyInArrow(cluster_components, _ddl(CLUSTERED)).createOrReplaceTempView("clustered")
            for table, query in (("memberships", _MEMBERSHIPS), ("kept_links", _KEPT_LINKS)):
                spark.sql(query).write.parquet(str(work / table))
                db.execute(
                    f"CREATE OR REPLACE TABLE {table} AS "
                    f"SELECT * FROM read_parquet({sql_string(work / table / '*.parquet')})"
                )
        _state_reasons(db, weights)
        return weights

    def _view(self, name: str, frame: DataFrame) -> None:
        # Checkpointed, so an iteration of label propagation does not carry the plan of every one before.
        # A local checkpoint lives on the executors: on a cluster that loses one, run the command again.
        frame.localCheckpoint().createOrReplaceTempView(name)


def _scoring(weights: MatchWeights) -> Callable[[pa.Table], pa.Table]:
    """:func:`score_blocks` by ``weights`` as a function with type hints, which Spark reads to tell the kind of
    grouped map (a ``functools.partial`` has none)."""

    def score_by_weights(rows: pa.Table) -> pa.Table:
        return score_blocks(rows, weights=weights)

    return score_by_weights


def _ddl(schema: pa.Schema) -> str:
    """A Spark DDL schema string for an Arrow schema of plain columns and lists of them."""
    names = {pa.int64(): "bigint", pa.float64(): "double", pa.string(): "string", pa.bool_(): "boolean"}

    def spark_type(kind: pa.DataType) -> str:
        return f"array<{names[kind.value_type]}>" if pa.types.is_list(kind) else names[kind]

    return ", ".join(f"{field.name} {spark_type(field.type)}" for field in schema)


def spark_session(master: str = "local[2]") -> SparkSession:
    """A Spark session for ``master``: ``local[N]`` (N cores of this machine) or a cluster's master URL,
    whose executors need this package installed. Stop it when done (``session.stop()``)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise FdiExtractError("linking on Spark needs pyspark: pip install 'fdi-extract[spark]'") from None
    cores = master.removeprefix("local[").removesuffix("]")
    partitions = int(cores) * 2 if cores.isdigit() else 200
    session = (
        SparkSession.builder.master(master)
        .appName("fdi-extract")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .getOrCreate()
    )
    # A Spark context starts its Python workers with the command it read from $PYSPARK_PYTHON, else
    # "python3", which may lack this package and pyarrow; no session setting names it. Set on this session's
    # context, not in the process's environment: this interpreter, unless the user's $PYSPARK_PYTHON says.
    if "PYSPARK_PYTHON" not in os.environ:
        session.sparkContext.pythonExec = sys.executable
    return session
