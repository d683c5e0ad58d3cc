"""Many articles from Python: Extractor.extract_many and its async twin, and extract_deals reusing a started model."""

from __future__ import annotations

import asyncio
import json

import pytest

from fdi_extract import (
    Article,
    ArticleResult,
    Extractor,
    RetryPolicy,
    Settings,
    extract_deals,
)
from fdi_extract.settings import Strategy
from tests.fake_llm import Reply, fake_llm

pytestmark = pytest.mark.block_network(allowed_hosts=["127\\.0\\.0\\.1"])

ANSWER = json.dumps(
    {"deals": [{"investor": "Orda Glass Co., Ltd.", "project": "glass plant", "amount": "5 млрд тенге"}]}
)
TEXT = "Компания Orda Glass Co., Ltd. построит стекольный завод в Алматинской области за 5 млрд тенге."


def _settings(url: str) -> Settings:
    return Settings(base_url=url, model="m", strategy=Strategy.direct)


def test_texts_and_articles_come_back_as_they_finish_and_a_bad_one_stops_nothing() -> None:
    inputs = [TEXT, Article(article_id="given", published="2025-03-01", text=TEXT), "\x00\x01 binary", TEXT]
    seen: list[ArticleResult] = []
    with fake_llm([Reply(content=ANSWER)]) as (url, requests), Extractor(_settings(url)) as extractor:
        results = list(extractor.extract_many(inputs, concurrency=2, progress=seen.append))
    by_id = {r.article_id: r for r in results}
    assert sorted(by_id) == ["article-1", "article-3", "article-4", "given"] and seen == results
    assert "binary" in (by_id["article-3"].error or "") and not by_id["article-3"].mentions
    for article_id in ("article-1", "given", "article-4"):
        (mention,) = by_id[article_id].mentions
        assert by_id[article_id].error is None and mention.amount.text == "5 млрд тенге"
    assert by_id["given"].mentions[0].published == "2025-03-01"
    assert len(requests) == 3  # the binary text never reached the model


def test_the_async_twin_and_an_endpoint_that_fails() -> None:
    async def collect(url: str) -> list[ArticleResult]:
        settings = Settings(base_url=url, model="m", strategy=Strategy.direct, retry=RetryPolicy(max_attempts=1))
        with Extractor(settings) as extractor:
            return [r async for r in extractor.aextract_many([TEXT, TEXT], concurrency=2)]

    with fake_llm([Reply(status=500)]) as (url, _):
        results = asyncio.run(collect(url))
    assert len(results) == 2 and all(r.error and "500" in r.error for r in results)


def test_concurrency_below_one_is_refused() -> None:
    with Extractor(_settings("http://127.0.0.1:9/v1")) as extractor, pytest.raises(ValueError, match="1 or more"):
        list(extractor.extract_many([TEXT], concurrency=-1))


def test_extract_deals_reuses_the_extractor_it_started_for_the_same_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from fdi_extract import pipeline

    opened: list[Extractor] = []
    original = Extractor.open

    def counting_open(self: Extractor) -> Extractor:
        if self not in opened:
            opened.append(self)
        return original(self)

    monkeypatch.setattr(Extractor, "open", counting_open)
    monkeypatch.setattr(pipeline, "_started", {})
    with fake_llm([Reply(content=ANSWER)]) as (url, requests):
        first = extract_deals(TEXT, settings=_settings(url))
        second = extract_deals(TEXT, settings=_settings(url))
    assert first == second and len(requests) == 2 and len(opened) == 1
