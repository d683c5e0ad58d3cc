"""Optional LLM adjudication of borderline reconciliation pairs, against a loopback endpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fdi_extract.adjudicate import Adjudicator
from fdi_extract.model import DealMention, Evidence, Investor
from fdi_extract.reconcile import reconcile
from fdi_extract.settings import Settings, Strategy
from fdi_extract.store import Store
from tests.fake_llm import Reply, fake_llm

pytestmark = pytest.mark.block_network(allowed_hosts=["127\\.0\\.0\\.1"])

KINDS = {"greenhouse": "теплицу", "poultry": "птицефабрику"}


def _mention(article: str, kind: str) -> DealMention:
    quote = f"Компания Hengshui Decheng построит {KINDS[kind]} в Джизакской области."
    return DealMention(
        article_id=article,
        published="2018-09",
        project="",
        region="UZ-JI",
        host_country="UZ",
        sector="agriculture_food",
        stage="announced",
        investors=[Investor(name="Hengshui Decheng Machinery", name_normalized="hengshui decheng machinery")],
        evidence=[Evidence(quote=quote, start=0, end=len(quote))],
    )


def _verdict(body: dict) -> Reply:
    """Same project when both reports name the same kind of facility."""
    user = body["messages"][-1]["content"]
    report_a, report_b = user.split("Report B")
    same = any(word in report_a and word in report_b for word in KINDS.values())
    return Reply(content=json.dumps({"verdict": "same project" if same else "different projects"}))


def test_the_model_separates_what_no_field_can(tmp_path: Path) -> None:
    # Three articles each report a greenhouse and a poultry farm by one investor in one region, no figures:
    # the third lists them in the opposite order, as Jizzakh's articles 023-025 do.
    mentions = [
        _mention("a1", "greenhouse"),
        _mention("a1", "poultry"),
        _mention("a2", "greenhouse"),
        _mention("a2", "poultry"),
        _mention("a3", "poultry"),
        _mention("a3", "greenhouse"),
    ]
    with fake_llm(_verdict) as (url, seen), Store(tmp_path / "store.sqlite") as store:
        settings = Settings(base_url=url, model="m", strategy=Strategy.direct)
        adjudicator = Adjudicator(settings, store)
        deals = reconcile(mentions, adjudicator)
        asked = len(seen)
        again = Adjudicator(settings, store)
        reconcile([m.model_copy(update={"deal_id": None}) for m in mentions], again)
    kinds = [[next(k for k, word in KINDS.items() if word in s.evidence[0].quote) for s in d.sources] for d in deals]
    assert sorted(kinds) == [["greenhouse"] * 3, ["poultry"] * 3]
    assert asked == adjudicator.asked > 0
    assert again.asked == 0 and len(seen) == asked  # every verdict came from the store's cache


def test_without_an_answer_the_deterministic_link_stands() -> None:
    mentions = [_mention("a1", "greenhouse"), _mention("a2", "greenhouse")]
    with fake_llm([Reply(500)]) as (url, _):
        settings = Settings(
            base_url=url,
            model="m",
            strategy=Strategy.direct,
            retry={"max_attempts": 1, "initial_wait": 0.01, "max_wait": 0.01, "jitter": 0},
        )
        assert len(reconcile(mentions, Adjudicator(settings))) == 1
