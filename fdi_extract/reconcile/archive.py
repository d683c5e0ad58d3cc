"""Reconciling an archive of mention records larger than memory, with its outputs.

The mentions stream into DuckDB once (their features for linking, their records for merging), the
engine links them, and each deal is merged from its mentions read back in deal order, so memory holds a
chunk of deals at a time. Reading JSONL records, linking and merging run on ``workers`` processes.
Outputs: ``deals.jsonl`` and ``mentions.jsonl`` (each mention with its deal id, grouped by deal), and
``deals.parquet`` and ``mentions.parquet``, one flat row each (frames.py), for DuckDB, Spark and pandas;
``weights.json``, the match weights the links were scored with (learned from the archive, or the priors).
"""

from __future__ import annotations

import itertools
import json
import logging
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import TypeVar

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from fdi_extract.files import partial_until_done, replaced_when_done
from fdi_extract.frames import DEAL_SCHEMA, MENTION_SCHEMA, deals_table, mentions_table
from fdi_extract.model import Deal, DealMention, Link
from fdi_extract.reconcile.engines import AdjudicateIndices, DuckDBEngine, LinkEngine, sql_string
from fdi_extract.reconcile.merging import LINK_ORDER, LINKS, merge_deal
from fdi_extract.reconcile.plan import Adjudicate, DealPlan
from fdi_extract.reconcile.tables import LinkingTables, encode_mentions, open_database
from fdi_extract.reconcile.weights import MatchWeights
from fdi_extract.reconcile.workers import Workers, fewer_collections
from fdi_extract.records import parse_records

_log = logging.getLogger(__name__)
Item = TypeVar("Item")
_LINES_PER_TASK = 20_000
_BYTES_PER_TASK = 8 << 20  # about 20,000 mention records
_DEALS_PER_TASK = 2_000  # a worker's memory grows with the deals it merges at a time


@dataclass
class ArchiveResult:
    mentions: int = 0
    previous: int = 0  # of them, kept from the earlier run's mentions.jsonl
    deals: int = 0
    first_deals: list[Deal] = field(default_factory=list)  # the first few, to show
    skipped: list[str] = field(default_factory=list)  # "FILE:LINE: problem" for each line that is no mention record
    weights: MatchWeights | None = None  # what the links were scored with (also in out_dir/weights.json)


# A source of new mentions: a JSONL file of mention records, or mentions from elsewhere (a run's store).
MentionSource = Path | Iterable[DealMention]


def reconcile_archive(
    new: Iterable[MentionSource],
    out_dir: Path,
    *,
    adjudicate: Adjudicate | None = None,
    engine: LinkEngine | None = None,
    workers: int = 1,
    memory_limit: str = "512MB",
    shown: int = 20,
) -> ArchiveResult:
    """Reconcile the ``new`` mentions with those of an earlier run in ``out_dir/mentions.jsonl`` (which keep
    their deal ids; those of an article that ``new`` reports again are replaced), and write the outputs
    into ``out_dir``. ``adjudicate`` (e.g. :class:`fdi_extract.adjudicate.Adjudicator`) is asked about
    borderline pairs; ``engine`` links (default: DuckDB on ``workers`` processes)."""
    started = time.perf_counter()
    result = ArchiveResult()
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = out_dir / "mentions.jsonl"
    # Each step starts its own worker processes: a process keeps the high-water mark of its heap, and one
    # pool's workers would hold every step's at once.
    with tempfile.TemporaryDirectory(prefix="fdi-extract-", dir=out_dir) as work, fewer_collections():
        # In memory, spilling to ``work`` past its limit: a database file writes every insert twice (log,
        # then checkpoint).
        db = open_database(memory_limit=memory_limit, temp_directory=Path(work))
        try:
            tables = LinkingTables(db, records=True)
            with Workers(workers) as pool:
                for source in new:
                    if isinstance(source, Path):
                        _read_file(source, pool, tables, Path(work), result.skipped)
                    else:
                        for chunk in _batched(source, _LINES_PER_TASK):
                            tables.add_encoded(*encode_mentions(chunk, records=True))
                if previous.exists():
                    renewed = frozenset(
                        article for (article,) in db.execute("SELECT DISTINCT article_id FROM features").fetchall()
                    )
                    result.previous = _read_file(previous, pool, tables, Path(work), result.skipped, renewed)
            result.mentions = tables.count
            _log.info("read %d mentions in %.1f s", result.mentions, time.perf_counter() - started)
            plan = DealPlan(
                db,
                None if adjudicate is None else _by_index(db, adjudicate),
                engine=engine or DuckDBEngine(workers=workers),
                load_links=False,
            )
            result.deals = len(plan.groups)
            result.weights = plan.weights
            with replaced_when_done(out_dir / "weights.json", "w") as out:
                json.dump(plan.weights.summary(), out, ensure_ascii=False, indent=1)
            _log.info("linked them into %d deals in %.1f s", result.deals, time.perf_counter() - started)
            with Workers(workers) as pool:
                _write(db, plan, pool, out_dir, Path(work), result, shown)
            _log.info("wrote the outputs in %.1f s", time.perf_counter() - started)
        finally:
            db.close()
    return result


def _read_file(
    path: Path,
    pool: Workers,
    tables: LinkingTables,
    work: Path,
    skipped: list[str],
    leaving_out: frozenset[str] = frozenset(),
) -> int:
    """A JSONL file of mention records into the linking tables, but for those of the articles ``leaving_out``;
    returns how many went in. Each worker reads a range of the file itself and leaves its tables as Parquet
    for DuckDB to load: passing the lines and their tables through this process costs it more than the
    parsing costs the workers."""
    tasks = (
        _ReadTask(path, start, end, first, work / f"part-{index}", leaving_out)
        for index, (start, end, first) in enumerate(_line_ranges(path, _BYTES_PER_TASK))
    )
    added = 0
    for part, rows, problems in pool.map(_read_range, tasks):
        skipped.extend(problems)
        tables.add_parquet(part, rows)
        shutil.rmtree(part)
        added += rows
    return added


def _line_ranges(path: Path, size: int) -> Iterator[tuple[int, int, int]]:
    """(start, end, number of the first line) of the file in ranges of about ``size`` bytes cut at line ends."""
    first = 1
    with path.open("rb") as lines:
        start = 0
        while chunk := lines.read(size):
            chunk += lines.readline()  # to the end of the line the cut fell in
            yield start, start + len(chunk), first
            start += len(chunk)
            first += chunk.count(b"\n")


def _batched(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    # itertools.batched is Python 3.12's.
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


@dataclass(frozen=True)
class _ReadTask:
    """A worker's part of a mention file: bytes ``start`` to ``end`` (line ``first`` on), its tables to go in
    the folder ``part``, the mentions of the articles ``leaving_out`` left out."""

    path: Path
    start: int
    end: int
    first: int
    part: Path
    leaving_out: frozenset[str]


def _read_range(task: _ReadTask) -> tuple[Path, int, list[str]]:
    with task.path.open("rb") as file:
        file.seek(task.start)
        lines = file.read(task.end - task.start).splitlines()
    problems: list[str] = []
    mentions = parse_records(task.path, lines, first=task.first, skipped=problems.append)
    features, blocks, records = encode_mentions(
        (m for m in mentions if m.article_id not in task.leaving_out), records=True
    )
    task.part.mkdir()
    for name, table in (("features", features), ("blocks", blocks), ("records", records)):
        pq.write_table(table, task.part / f"{name}.parquet", compression="none")
    return task.part, features.num_rows, problems


def _by_index(db: duckdb.DuckDBPyConnection, adjudicate: Adjudicate) -> AdjudicateIndices:
    """``adjudicate`` asked about pairs of mention indices, the mentions read from the records table."""

    def ask(pairs: list[tuple[int, int]]) -> list[bool]:
        wanted = sorted({i for pair in pairs for i in pair})
        records = dict(db.execute("SELECT idx, record FROM records WHERE list_contains(?, idx)", [wanted]).fetchall())
        mentions = {i: DealMention.model_validate_json(record) for i, record in records.items()}
        return adjudicate([(mentions[i], mentions[j]) for i, j in pairs])

    return ask


# Each mention's record with its deal, for merging.
_RECORDS = "SELECT d.deal_order, d.deal_id, r.idx, r.record FROM records r JOIN deal_of d ON d.idx = r.idx"
_RECORD_ORDER = "deal_order, idx"


@dataclass(frozen=True)
class _MergeTask:
    """A chunk of deals to merge: rows [start, stop) of each of the sorted Parquet files of records and links
    (see :func:`_merge_tasks`), the components and totals of its deals that have any (by deal order), the
    folder to leave its outputs in and how many of its deal lines to send back for showing."""

    records: tuple[Path, int, int]
    links: tuple[Path, int, int]
    aggregates: dict[int, tuple[list[str], list[str]]]
    part: Path
    shown: int


def _merge_chunk(task: _MergeTask) -> tuple[Path, list[str]]:
    """Deals merged from their records, left in ``task.part`` as deals and mentions (each with its deal id),
    in JSONL and Parquet → (part, the first ``shown`` deal lines)."""
    links: dict[int, list[Link]] = defaultdict(list)
    table = _read_rows(*task.links)
    for order, key_a, key_b, score, reasons in zip(
        *(table.column(name).to_pylist() for name in ("deal_order", "key_a", "key_b", "score", "reasons")), strict=True
    ):
        links[order].append(Link(a=key_a, b=key_b, score=score, reasons=reasons))
    records = _read_rows(*task.records)
    rows = zip(*(records.column(name).to_pylist() for name in ("deal_order", "deal_id", "record")), strict=True)
    deals: list[Deal] = []
    mentions: list[DealMention] = []
    for (order, deal_id), run in groupby(rows, key=itemgetter(0, 1)):
        of_deal = [DealMention.model_validate_json(record) for _, _, record in run]
        for mention in of_deal:
            mention.deal_id = deal_id
        mentions += of_deal
        components, part_of = task.aggregates.get(order, ([], []))
        deals.append(merge_deal(deal_id, of_deal, links.get(order, []), components, part_of))
    task.part.mkdir()
    deal_lines = [deal.model_dump_json() + "\n" for deal in deals]
    # The Parquet outputs are the flat tables of frames.py, as `run` and `report` write them.
    for name, lines, table in (
        ("deals", deal_lines, deals_table(deals)),
        ("mentions", [mention.model_dump_json() + "\n" for mention in mentions], mentions_table(mentions)),
    ):
        (task.part / f"{name}.jsonl").write_text("".join(lines), encoding="utf-8")
        pq.write_table(table, task.part / f"{name}.parquet")
    return task.part, deal_lines[: task.shown]


def _read_rows(path: Path, start: int, stop: int) -> pa.Table:
    """Rows [start, stop) of a Parquet file, reading only the row groups they lie in."""
    file = pq.ParquetFile(path)
    groups, first, offset = [], 0, 0
    for group in range(file.num_row_groups):
        rows = file.metadata.row_group(group).num_rows
        if offset < stop and offset + rows > start:
            first = first if groups else offset
            groups.append(group)
        offset += rows
    return file.read_row_groups(groups).slice(start - first, stop - start)


def _merge_tasks(db: duckdb.DuckDBPyConnection, plan: DealPlan, work: Path, shown: int) -> Iterator[_MergeTask]:
    """DuckDB writes every record and every link with its deal, sorted by deal, to a Parquet file each (its
    sort spills within its memory limit; read into this process, the records held a gigabyte at 1,000,000
    mentions); each worker then reads the rows of its chunk of deals."""
    started = time.perf_counter()
    bounds: dict[str, list[int]] = {}
    chunks = (len(plan.groups) + _DEALS_PER_TASK - 1) // _DEALS_PER_TASK
    for name, query, order in (("records", _RECORDS, _RECORD_ORDER), ("links", LINKS, LINK_ORDER)):
        path = sql_string(work / f"{name}.parquet")
        db.execute(f"COPY (SELECT * FROM ({query}) ORDER BY {order}) TO {path} (FORMAT parquet, ROW_GROUP_SIZE 8192)")
        rows = dict(
            db.execute(
                f"SELECT deal_order // {_DEALS_PER_TASK}, COUNT(*) FROM read_parquet({path}) GROUP BY 1"
            ).fetchall()
        )
        bounds[name] = list(itertools.accumulate((rows.get(chunk, 0) for chunk in range(chunks)), initial=0))
    _log.info(
        "sorted %d records and %d links by deal in %.1f s",
        bounds["records"][-1],
        bounds["links"][-1],
        time.perf_counter() - started,
    )
    by_chunk: dict[int, dict[int, tuple[list[str], list[str]]]] = defaultdict(dict)
    for order, merging in plan.aggregates_by_order().items():
        by_chunk[order // _DEALS_PER_TASK][order] = merging
    for chunk in range(chunks):
        yield _MergeTask(
            records=(work / "records.parquet", bounds["records"][chunk], bounds["records"][chunk + 1]),
            links=(work / "links.parquet", bounds["links"][chunk], bounds["links"][chunk + 1]),
            aggregates=by_chunk.pop(chunk, {}),
            part=work / f"merged-{chunk}",
            shown=shown,
        )


def _write(
    db: duckdb.DuckDBPyConnection,
    plan: DealPlan,
    pool: Workers,
    out_dir: Path,
    work: Path,
    result: ArchiveResult,
    shown: int,
) -> None:
    """The workers merge chunks of deals and leave each chunk's outputs as files; this process only joins
    them in order (bytes for JSONL, Arrow batches for Parquet), as passing every line through it cost more
    than the merging."""
    with ExitStack() as outputs:
        jsonl = {
            name: outputs.enter_context(replaced_when_done(out_dir / f"{name}.jsonl", "wb"))
            for name in ("deals", "mentions")
        }
        parquet = {
            name: outputs.enter_context(_parquet_when_done(out_dir / f"{name}.parquet", schema))
            for name, schema in (("deals", DEAL_SCHEMA), ("mentions", MENTION_SCHEMA))
        }
        for part, first_lines in pool.map(_merge_chunk, _merge_tasks(db, plan, work, shown)):
            wanted = shown - len(result.first_deals)
            result.first_deals += [Deal.model_validate_json(line) for line in first_lines[:wanted]]
            for name in ("deals", "mentions"):
                with (part / f"{name}.jsonl").open("rb") as lines:
                    shutil.copyfileobj(lines, jsonl[name])
                for batch in pq.ParquetFile(part / f"{name}.parquet").iter_batches():
                    parquet[name].write_batch(batch)
            shutil.rmtree(part)


@contextmanager
def _parquet_when_done(path: Path, schema: pa.Schema) -> Iterator[pq.ParquetWriter]:
    """A Parquet writer at ``path.partial``, moved over ``path`` when the block ends without an error."""
    with partial_until_done(path) as partial, pq.ParquetWriter(partial, schema) as writer:
        yield writer
