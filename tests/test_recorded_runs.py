"""The default strategy's whole run over the seeds and the dev corpus, replayed from the embedded model's
recorded answers (cassettes/recorded_runs/, written by ``bench/accuracy.py --replay``). Everything after
the model — grounding, the company check, joins, stage words, normalization, titles — runs for real, so a
change there is measured on 60 real articles in seconds. Re-record after a prompt or schema change:

    .venv/bin/python bench/accuracy.py --strategies direct --sets dev,seeds --out out/rec \\
        --replay cassettes/recorded_runs/direct.yaml     # after deleting the old cassette
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import vcr

from fdi_extract import Extractor, Settings, Strategy
from fdi_extract.articles import iter_text_files, read_article
from fdi_extract.evaluate import evaluate, load_gold
from fdi_extract.model import DealMention
from fdi_extract.settings import EMBEDDED_MODEL_NAME, StructuredMode
from tests.conftest import DEV_CORPUS, REPLAY_BASE_URL, ROOT, SEEDS

CASSETTE = ROOT / "cassettes/recorded_runs/direct.yaml"
_TWO_SCRIPTS = re.compile(r"\b(?=\w*[A-Za-z])(?=\w*[^\W\d_A-Za-z])\w+\b")


@pytest.fixture(scope="module")
def recorded() -> dict[str, list[DealMention]]:
    """Every article's mentions, by set."""
    settings = Settings(
        model=EMBEDDED_MODEL_NAME,
        base_url=REPLAY_BASE_URL,
        strategy=Strategy.direct,
        mode=StructuredMode.json,
        api_key="sk-test-not-a-real-key-0000000000",
    )
    replay = vcr.VCR(record_mode="none", match_on=["method", "path", "body"])
    _, dev_articles = load_gold(DEV_CORPUS / "gold.jsonl")
    found: dict[str, list[DealMention]] = {}
    with replay.use_cassette(str(CASSETTE)), Extractor(settings) as extractor:
        for name, folder in (("seeds", SEEDS), ("dev", DEV_CORPUS)):
            paths = [p for p in iter_text_files([folder]) if name == "seeds" or p.stem in (dev_articles or ())]
            found[name] = [m for path in paths for m in extractor.extract(read_article(Path(path))).mentions]
    return found


def test_no_project_title_mixes_scripts_in_a_word_or_ends_cut(recorded: dict[str, list[DealMention]]) -> None:
    titles = [m.project for mentions in recorded.values() for m in mentions]
    assert titles
    assert [t for t in titles if _TWO_SCRIPTS.search(t)] == []
    assert [t for t in titles if re.search(r"[-–,]$|\b(?:and|of|as well as|the|for)$", t)] == []


def test_every_figure_is_in_its_evidence_and_every_quote_at_its_offsets(recorded: dict[str, list[DealMention]]) -> None:
    for mentions in recorded.values():
        for mention in mentions:
            quotes = [e.quote for e in mention.evidence]
            if mention.amount:
                assert any(mention.amount.text in q for q in quotes)
            for capacity in mention.capacity:
                assert any(capacity.text in q for q in quotes)


def test_strict_scores_of_the_recorded_run(recorded: dict[str, list[DealMention]]) -> None:
    """Floors at the figures measured on this recording (docs/evaluation.md): a change that loses deals fails."""
    gold, articles = load_gold(DEV_CORPUS / "gold.jsonl")
    dev = evaluate(gold, recorded["dev"], articles)
    seed_gold, seed_articles = load_gold(ROOT / "tests/gold/seeds.jsonl")
    seeds = evaluate(seed_gold, recorded["seeds"], seed_articles)
    assert dev.ungrounded_figures == 0 and seeds.ungrounded_figures == 0
    assert dev.f1 >= DEV_F1_FLOOR and seeds.f1 >= SEEDS_F1_FLOOR, (dev.as_dict(), seeds.as_dict())
    assert dev.accuracy("stage") >= DEV_STAGE_FLOOR and seeds.accuracy("stage") >= SEEDS_STAGE_FLOOR


# The figures measured on this recording are in docs/evaluation.md (issue 22); the floors sit just under them.
DEV_F1_FLOOR = 0.77
SEEDS_F1_FLOOR = 0.85
DEV_STAGE_FLOOR = 0.80
SEEDS_STAGE_FLOOR = 0.85


def test_the_recorded_run_as_frames_with_the_reports_total(
    recorded: dict[str, list[DealMention]], tmp_path: Path
) -> None:
    import pandas as pd

    from fdi_extract import reconcile
    from fdi_extract.frames import deals_frame, mentions_frame
    from fdi_extract.records import load_run
    from fdi_extract.report import write_outputs

    mentions = recorded["seeds"] + recorded["dev"]
    write_outputs(tmp_path, mentions, reconcile(mentions), lambda _: None)
    run = load_run(tmp_path)
    deals, mention_rows = deals_frame(run.deals), mentions_frame(run.mentions)
    assert len(deals) == len(run.deals) and len(mention_rows) == len(mentions)
    assert {"deal_id", "investors", "region_name", "amount_qualifier", "amount_usd", "in_totals", "url"} <= set(deals)
    assert pd.api.types.is_datetime64_any_dtype(deals.first_published)
    assert pd.api.types.is_datetime64_any_dtype(mention_rows.published)
    assert pd.api.types.is_float_dtype(deals.amount_usd) and pd.api.types.is_integer_dtype(deals.sources)
    assert pd.api.types.is_bool_dtype(deals.in_totals) and not deals[deals["aggregate"]].in_totals.any()
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    reported = float(re.search(r"deals, \$([\d,]+) M where an amount is known", page)[1].replace(",", ""))
    assert round(deals[deals.in_totals].amount_usd.sum() / 1e6) == reported
    assert deals["aggregate"].any() and (deals.in_totals == ~deals["aggregate"]).all()
    with (tmp_path / "deals.csv").open(encoding="utf-8") as table:
        header = table.readline().strip().split(",")
    assert header == [c for c in deals.columns if c != "investor_list"]
    import pyarrow.parquet as pq

    from fdi_extract.frames import DEAL_SCHEMA, MENTION_SCHEMA

    assert pq.read_schema(tmp_path / "deals.parquet").names == DEAL_SCHEMA.names == list(deals.columns)
    assert pq.read_table(tmp_path / "mentions.parquet").num_rows == len(mentions)
    assert pq.read_schema(tmp_path / "mentions.parquet").names == MENTION_SCHEMA.names
