"""The distributed path: linking on Spark (local mode) gives the same deals as the default DuckDB path.

Outside CI the test is skipped where there is no Java; in CI (CI set) a missing Java is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from fdi_extract.cli import main
from fdi_extract.evaluate import load_gold, load_mentions, load_project_words, mention_from_gold
from fdi_extract.model import DealMention
from fdi_extract.reconcile import SparkEngine, reconcile, spark_session
from fdi_extract.reconcile.engines import DuckDBEngine
from tests.conftest import DEV_CORPUS
from tests.test_reconcile import _m, two_plants_and_a_report_that_fits_both

pytestmark = [
    pytest.mark.skipif(shutil.which("java") is None and not os.environ.get("CI"), reason="no Java here"),
    pytest.mark.block_network(allowed_hosts=["127\\.0\\.0\\.1", "localhost"]),  # Spark's gateway is on loopback
]


def _archive() -> list[DealMention]:
    """The dev corpus's gold mentions, reports that name no investor, and one investor in 200 articles of
    two regions (a block compared in a sliding window; pairs enough to learn match weights from)."""
    gold, _ = load_gold(DEV_CORPUS / "gold.jsonl")
    words = load_project_words(Path(__file__).parent / "gold" / "dev_project_words.jsonl")
    mentions = [mention_from_gold(g, project=words.get((g.article, g.deal), "")) for g in gold]
    mentions += [
        _m("n1", "Orda Wind Power", mw=200, usd=250e6),
        _m("n2", None, mw=200, usd=250e6),
        _m("n3", None, usd=300e6, aggregate=True),
        _m("n4", None, usd=300e6, aggregate=True),
    ]
    mentions += [
        _m(
            f"w{i}",
            "Orda Cement Group",
            region="KZ-31" if i % 2 else "KZ-11",
            sector="construction_materials",
            usd=(100 + i % 3 * 50) * 1e6,
            published=f"20{18 + i % 6}-0{1 + i % 9}-{10 + i % 17}",
        )
        for i in range(200)
    ]
    return mentions


def test_spark_local_mode_gives_the_same_deals_as_duckdb(tmp_path: Path) -> None:
    assert shutil.which("java"), "CI must install a Java runtime for Spark (see .ci/run)"
    on_duckdb, on_spark = _archive(), _archive()
    expected = reconcile(on_duckdb)
    # A component over the limit is cut at its weakest pairs alike (tests/test_reconcile.py has the case).
    cut_on_duckdb, cut_on_spark = two_plants_and_a_report_that_fits_both(), two_plants_and_a_report_that_fits_both()
    reconcile(cut_on_duckdb, engine=DuckDBEngine(max_component=4))
    session = spark_session("local[2]")
    try:
        found = reconcile(on_spark, engine=SparkEngine(session))
        reconcile(cut_on_spark, engine=SparkEngine(session, max_component=4))
    finally:
        session.stop()
    assert [m.deal_id for m in cut_on_spark] == [m.deal_id for m in cut_on_duckdb]
    assert len({m.deal_id for m in cut_on_duckdb}) == 3
    assert [m.deal_id for m in on_spark] == [m.deal_id for m in on_duckdb]
    assert [d.model_dump() for d in found] == [d.model_dump() for d in expected]
    assert len(expected) < len(on_duckdb) - 150  # the 200 reports did gather into a few deals

    # The command line: `reconcile --spark local[1]` writes what the default path writes, and learns the same
    # weights from the same sample of blocks.
    records = tmp_path / "mentions.jsonl"
    records.write_text("".join(m.model_copy(update={"deal_id": None}).model_dump_json() + "\n" for m in _archive()))
    for out, extra in (("duckdb", ["--learn-weights"]), ("spark", ["--spark", "local[1]", "--learn-weights"])):
        assert main(["reconcile", str(records), "--out", str(tmp_path / out), *extra]) == 0
    assert load_mentions(tmp_path / "spark" / "mentions.jsonl") == load_mentions(tmp_path / "duckdb" / "mentions.jsonl")
    assert (tmp_path / "spark" / "deals.parquet").is_file()
    weights = [json.loads((tmp_path / out / "weights.json").read_text(encoding="utf-8")) for out in ("duckdb", "spark")]
    assert weights[0]["learned"] and weights[0] == weights[1]
