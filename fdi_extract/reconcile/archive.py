"""Reconciling an archive of mention records larger than memory, with its outputs.

The mentions stream into DuckDB once (their features for linking, their records for merging), the
engine links them, and each deal is merged from its mentions read back in deal order, so memory holds a
chunk of deals at a time. Reading JSONL records, linking and merging run on ``workers`` processes.
Outputs: ``deals.jsonl`` and ``mentions.jsonl`` (each mention with its deal id, grouped by deal), and
the same as ``deals.parquet`` and ``mentions.parquet`` for DuckDB, Spark and pandas.
"""

from __future__ import annotations

import itertools
import logging
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from fdi_extract.files import partial_until_done, replaced_when_done
from fdi_extract.model import Deal, DealMention
from fdi_extract.reconcile.engines import Adjudicate, DuckDBEngine, LinkEngine
from fdi_extract.reconcile.parquet import arrow_schema, jsonl_to_parquet
from fdi_extract.reconcile.plan import (
    DealPlan,
    Judge,
    LinkingTables,
    LinkRow,
    as_links,
    encode_mentions,
    link_rows,
    merge_deal,
    open_database,
    row_runs,
)
from fdi_extract.reconcile.workers import Workers, fewer_collections
from fdi_extract.records import parse_records

_log = logging.getLogger(__name__)
Item = TypeVar("Item")
_LINES_PER_TASK = 20_000
_BYTES_PER_TASK = 8 << 20  # about 20,000 mention records
_DEALS_PER_TASK = 5_000


@dataclass
class ArchiveResult:
    mentions: int = 0
    previous: int = 0  # of them, kept from the earlier run's mentions.jsonl
    deals: int = 0
    first_deals: list[Deal] = field(default_factory=list)  # the first few, to show
    skipped: list[str] = field(default_factory=list)  # "FILE:LINE: problem" for each line that is no mention record


# A source of new mentions: a JSONL file of mention records, or mentions from elsewhere (a run's store).
Source = Path | Iterable[DealMention]


def reconcile_archive(new: Iterable[Source], out_dir: Path, *, judge: Judge | None = None,
                      engine: LinkEngine | None = None, workers: int = 1, memory_limit: str = "512MB",
                      shown: int = 20) -> ArchiveResult:
    """Reconcile the ``new`` mentions with those of an earlier run in ``out_dir/mentions.jsonl`` (which keep
    their deal ids; those of an article that ``new`` reports again are replaced), and write the outputs
    into ``out_dir``. ``judge`` (e.g. :class:`fdi_extract.adjudicate.Adjudicator`) is asked about
    borderline pairs; ``engine`` links (default: DuckDB on ``workers`` processes)."""
    started = time.perf_counter()
    result = ArchiveResult()
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = out_dir / "mentions.jsonl"
    with (tempfile.TemporaryDirectory(prefix="fdi-extract-", dir=out_dir) as work, Workers(workers) as pool,
          fewer_collections()):
        db = open_database(Path(work) / "linking.duckdb", memory_limit=memory_limit, temp_directory=Path(work))
        try:
            tables = LinkingTables(db, records=True)
            for source in new:
                if isinstance(source, Path):
                    _read_file(source, pool, tables, Path(work), result.skipped)
                else:
                    for chunk in _batched(source, _LINES_PER_TASK):
                        tables.add_encoded(*encode_mentions(chunk, records=True))
            renewed = {article for (article,) in db.execute("SELECT DISTINCT article_id FROM features").fetchall()}
            if previous.exists():
                for mention in _records(previous, result.skipped):
                    if mention.article_id not in renewed:
                        tables.add(mention)
                        result.previous += 1
                tables.flush()
            del renewed
            result.mentions = tables.count
            _log.info("read %d mentions in %.1f s", result.mentions, time.perf_counter() - started)
            plan = DealPlan.of_tables(db, None if judge is None else _by_index(db, judge),
                                      engine=engine or DuckDBEngine(workers=pool))
            result.deals = len(plan.groups)
            _log.info("linked them into %d deals in %.1f s", result.deals, time.perf_counter() - started)
            _write(db, plan, pool, out_dir, Path(work), result, shown)
            _log.info("wrote the outputs in %.1f s", time.perf_counter() - started)
        finally:
            db.close()
    return result


def _read_file(path: Path, pool: Workers, tables: LinkingTables, work: Path, skipped: list[str]) -> None:
    """A JSONL file of mention records into the linking tables. Each worker reads a range of the file itself
    and leaves its tables as Parquet for DuckDB to load: passing the lines and their tables through this
    process cost it more than the parsing cost the workers (1,000,000 records: 46–52 s, now 38 s)."""
    tasks = ((path, start, end, first, work / f"part-{index}") for index, (start, end, first) in
             enumerate(_line_ranges(path, _BYTES_PER_TASK)))
    for part, rows, problems in pool.map(_read_range, tasks):
        skipped.extend(problems)
        tables.add_parquet(part, rows)
        shutil.rmtree(part)


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


def _read_range(task: tuple[Path, int, int, int, Path]) -> tuple[Path, int, list[str]]:
    path, start, end, first, part = task
    with path.open("rb") as file:
        file.seek(start)
        lines = file.read(end - start).splitlines()
    problems: list[str] = []
    features, blocks, records = encode_mentions(parse_records(path, lines, first=first, skipped=problems.append),
                                                records=True)
    part.mkdir()
    for name, table in (("features", features), ("blocks", blocks), ("records", records)):
        pq.write_table(table, part / f"{name}.parquet", compression="none")
    return part, features.num_rows, problems


def _records(path: Path, skipped: list[str]) -> Iterator[DealMention]:
    with path.open("rb") as lines:
        yield from parse_records(path, lines, skipped=skipped.append)


def _by_index(db: duckdb.DuckDBPyConnection, judge: Judge) -> Adjudicate:
    """``judge`` asked about pairs of mention indices, the mentions read from the records table."""
    def ask(pairs: list[tuple[int, int]]) -> list[bool]:
        wanted = sorted({i for pair in pairs for i in pair})
        records = dict(db.execute("SELECT idx, record FROM records WHERE list_contains(?, idx)", [wanted]).fetchall())
        mentions = {i: DealMention.model_validate_json(record) for i, record in records.items()}
        return judge([(mentions[i], mentions[j]) for i, j in pairs])

    return ask


# What merging one deal takes: its id, its mentions' records, links, components and the totals it is part of.
_DealTask = tuple[str, list[str], list[LinkRow], list[str], list[str]]


def _merge_chunk(task: tuple[list[_DealTask], Path, int]) -> tuple[Path, list[str]]:
    """Deals merged from their records, left in ``part`` as deals and mentions (each with its deal id), in
    JSONL and Parquet → (part, the first ``shown`` deal lines)."""
    tasks, part, shown = task
    deal_lines, mention_lines = [], []
    for deal_id, records, links, components, part_of in tasks:
        mentions = [DealMention.model_validate_json(record) for record in records]
        for mention in mentions:
            mention.deal_id = deal_id
            mention_lines.append(mention.model_dump_json() + "\n")
        deal_lines.append(merge_deal(deal_id, mentions, as_links(links), components, part_of).model_dump_json() + "\n")
    part.mkdir()
    for name, model, lines in (("deals", Deal, deal_lines), ("mentions", DealMention, mention_lines)):
        (part / f"{name}.jsonl").write_text("".join(lines), encoding="utf-8")
        jsonl_to_parquet(part / f"{name}.jsonl", part / f"{name}.parquet", model)
    return part, deal_lines[:shown]


def _deal_tasks(db: duckdb.DuckDBPyConnection, plan: DealPlan) -> Iterator[list[_DealTask]]:
    """Each deal's records and links, read in deal order from two sorted queries, in chunks of deals."""
    rows = db.sql("SELECT d.deal_order, r.record FROM records r JOIN deal_of d ON d.idx = r.idx "
                  "ORDER BY d.deal_order, r.idx")
    links = link_rows(db.cursor())
    next_links = next(links, None)
    chunk: list[_DealTask] = []
    for run in row_runs(rows):
        deal_id = plan.groups[run[0][0]][0]
        deal_links_now: list[LinkRow] = []
        if next_links is not None and next_links[0] == deal_id:
            deal_links_now = next_links[1]
            next_links = next(links, None)
        _, components, part_of = plan.merging(deal_id)
        chunk.append((deal_id, [record for _, record in run], deal_links_now, components, part_of))
        if len(chunk) >= _DEALS_PER_TASK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write(db: duckdb.DuckDBPyConnection, plan: DealPlan, pool: Workers, out_dir: Path, work: Path,
           result: ArchiveResult, shown: int) -> None:
    """The workers merge chunks of deals and leave each chunk's outputs as files; this process only joins
    them in order (bytes for JSONL, Arrow batches for Parquet), as passing every line through it cost more
    than the merging."""
    tasks = ((chunk, work / f"merged-{index}", shown) for index, chunk in enumerate(_deal_tasks(db, plan)))
    with ExitStack() as outputs:
        jsonl = {name: outputs.enter_context(replaced_when_done(out_dir / f"{name}.jsonl", "wb"))
                 for name in ("deals", "mentions")}
        parquet = {name: outputs.enter_context(_parquet_when_done(out_dir / f"{name}.parquet", arrow_schema(model)))
                   for name, model in (("deals", Deal), ("mentions", DealMention))}
        for part, first_lines in pool.map(_merge_chunk, tasks):
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
