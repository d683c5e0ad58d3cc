"""The prefilter never drops an article with a gold deal, and does drop what cannot hold one."""

from __future__ import annotations

import pytest

from fdi_extract.articles import read_article
from fdi_extract.evaluate import load_gold
from fdi_extract.prefilter import may_hold_a_deal
from tests.conftest import DEV_CORPUS, ROOT, SEEDS


def test_every_article_with_a_gold_deal_passes() -> None:
    with_deals = {
        g.article for path in (ROOT / "tests/gold/seeds.jsonl", DEV_CORPUS / "gold.jsonl") for g in load_gold(path)[0]
    }
    articles = [read_article(p) for folder in (SEEDS, DEV_CORPUS) for p in folder.glob("*.txt")]
    checked = [a for a in articles if a.article_id in with_deals]
    assert len(checked) == len(with_deals) >= 17
    assert all(may_hold_a_deal(a.text) for a in checked)


@pytest.mark.parametrize(
    "text",
    [
        "Кайрат обыграл Астану со счетом 2:1.",
        "Завтра в Алматы до +25, без осадков.",
        "The court adjourned until Monday.",
    ],
)
def test_articles_with_nothing_to_extract_are_skipped(text: str) -> None:
    assert not may_hold_a_deal(text)


@pytest.mark.parametrize(
    "text",
    [
        "A 2 GW wind park project will be built near the lake.",
        "Новый ветропарк мощностью 1,5 ГВт построят у озера.",
        "Свою работу начало предприятие ТОО «Нур Текстиль» (Silk Weaving Group).",
    ],
)
def test_a_deal_with_no_sum_and_only_a_local_company_or_gigawatts_passes(text: str) -> None:
    assert may_hold_a_deal(text)
