"""Dates as records bring them: ISO kept, common written forms read, anything else empty with a warning —
never an error, in every place a record enters (txt header, JSONL and CSV fields, mention records)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from fdi_extract.batch import run_batch
from fdi_extract.cli import main
from fdi_extract.dates import normalize_date
from fdi_extract.model import Article, DealMention
from fdi_extract.store import Store
from tests.fake_llm import Reply, fake_llm
from tests.test_batch import ANSWER, SENTENCE, _settings

pytestmark = pytest.mark.block_network(allowed_hosts=["127\\.0\\.0\\.1"])


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("2024-05-01", "2024-05-01"),
        ("2024-05", "2024-05"),
        ("2024", "2024"),
        ("2024-05-01T10:00:00Z", "2024-05-01"),
        ("01.05.2024", "2024-05-01"),
        ("1 мая 2024 года", "2024-05-01"),
        ("May 1, 2024", "2024-05-01"),
        ("20 қыркүйек 2024", "2024-09-20"),
        ("вчера", None),
        ("yesterday", None),
        ("2024-02-30", None),
        ("", None),
        ("soon", None),
        ("1 мая", None),
    ],
)
def test_written_dates_become_iso_or_nothing(written: str, iso: str | None) -> None:
    assert normalize_date(written) == iso


def test_an_article_with_an_unreadable_date_keeps_going_and_says_why() -> None:
    article = Article(text="x", article_id="a7", published="позавчера")
    assert article.published is None and "'позавчера' could not be read" in article.warnings[0]
    assert Article(text="x", article_id="a8", published="03.02.2025").published_date.isoformat() == "2025-02-03"


def test_a_run_with_bad_dates_in_every_input_kind_completes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "header.txt").write_text(f"date: вчера\n\n{SENTENCE}")
    (archive / "records.jsonl").write_text(
        json.dumps({"id": "iso-stamp", "date": "2024-05-01T10:00:00Z", "text": SENTENCE + " Первая новость."})
        + "\n"
        + json.dumps({"id": "dotted", "date": "01.05.2024", "text": SENTENCE + " Вторая новость."})
        + "\n"
        + json.dumps({"id": "relative", "date": "вчера", "text": SENTENCE + " Третья новость."})
        + "\n"
    )
    (archive / "rows.csv").write_text(f'id,date,text\nrow,на днях,"{SENTENCE} Четвертая новость."\n')
    caplog.set_level(logging.WARNING, logger="fdi_extract")
    with fake_llm([Reply(content=ANSWER)]) as (url, _):
        summary = run_batch([archive], tmp_path / "out", _settings(url))
    assert summary.done == 5 and summary.failed == 0
    mentions = {
        m["article_id"]: m for m in map(json.loads, (tmp_path / "out" / "mentions.jsonl").read_text().splitlines())
    }
    assert set(mentions) == {"header", "iso-stamp", "dotted", "relative", "row"}
    assert mentions["iso-stamp"]["published"] == mentions["dotted"]["published"] == "2024-05-01"
    assert mentions["header"]["published"] is mentions["relative"]["published"] is mentions["row"]["published"] is None
    for article_id in ("header", "relative", "row"):
        assert any(
            f"article {article_id}:" in r.getMessage() and "could not be read" in r.getMessage() for r in caplog.records
        )
    with Store(tmp_path / "out" / "store.sqlite") as store:  # the warning is kept with the article's outcome
        (warnings,) = store._db.execute("SELECT warnings FROM articles WHERE article_id = 'relative'").fetchone()
    assert "could not be read" in warnings


def test_mention_records_with_bad_dates_reconcile_and_report(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    records = tmp_path / "mentions.jsonl"
    mention = {"article_id": "m1", "published": "вчера", "investors": [{"name": "Alpha", "name_normalized": "alpha"}]}
    records.write_text(
        json.dumps(mention) + "\n" + json.dumps(mention | {"article_id": "m2", "published": "01.05.2024"}) + "\n"
    )
    caplog.set_level(logging.WARNING, logger="fdi_extract")
    assert main(["reconcile", str(records), "--out", str(tmp_path / "deals")]) == 0
    assert main(["report", str(records), "--out", str(tmp_path / "report")]) == 0
    (deal,) = map(json.loads, (tmp_path / "deals" / "deals.jsonl").read_text().splitlines())
    assert {s["published"] for s in deal["sources"]} == {None, "2024-05-01"}
    assert any("article m1:" in r.getMessage() and "'вчера'" in r.getMessage() for r in caplog.records)
    assert DealMention(article_id="m3", published="2024-05-01T10:00:00Z").published == "2024-05-01"
