"""The DuckDB tables linking reads: a connection set up for it, and each mention's features and blocks
(and, for merging later, its record) loaded into it as mentions stream in."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from fdi_extract.model import DealMention
from fdi_extract.reconcile.engines import sql_string
from fdi_extract.reconcile.features import BLOCKS, FEATURES, MentionFeatures, feature_batches

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
