"""Evaluation: one-to-one matching, the admissibility rules and field accuracy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fdi_extract.cli import main
from fdi_extract.evaluate import GoldMention, evaluate, load_gold, mention_from_gold
from fdi_extract.model import Amount, Capacity, DealMention, Evidence, Investor, Stage
from fdi_extract.normalize import canonical_company
from tests.conftest import DEV_CORPUS, ROOT


def _gold(**fields: object) -> GoldMention:
    base = {
        "article": "a",
        "deal": "d",
        "investors": [],
        "investor_country": "CN",
        "host_country": "KZ",
        "region": "KZ-15",
        "sector": "energy",
        "amount": None,
        "capacity": [],
        "jobs": None,
        "stage": "mou",
        "aggregate": False,
    }
    return GoldMention.model_validate(base | fields)


def _mention(investors: list[str] = (), amount: tuple[float, str] | None = None, **fields: object) -> DealMention:
    return DealMention(
        article_id=fields.pop("article_id", "a"),
        project="p",
        region=fields.pop("region", "KZ-15"),
        investors=[Investor(name=n, name_normalized=canonical_company(n), country="CN") for n in investors],
        amount=Amount(value=amount[0], currency=amount[1], text="t") if amount else None,
        evidence=[Evidence(quote="t", start=0, end=1)],
        **fields,
    )


def test_investor_spellings_match_one_to_one() -> None:
    gold = [_gold(investors=["SUNGROW Renewables Development Co., Ltd"], amount={"value": 171e6, "currency": "USD"})]
    predicted = [
        _mention(["Sungrow Renewables"], (171e6, "USD"), stage=Stage.mou),
        _mention(["Sungrow"], (171e6, "USD")),
    ]
    report = evaluate(gold, predicted)
    assert (report.matched, report.precision, report.recall) == (1, 0.5, 1.0)
    assert report.accuracy("amount") == 1.0 and report.accuracy("stage") == 1.0


def test_unnamed_investor_matches_on_region_and_capacity() -> None:
    gold = [_gold(capacity=[{"value": 34, "unit": "MW"}])]
    good = _mention(capacity=[Capacity(value=34, unit="MW", text="t")])
    wrong_region = _mention(capacity=[Capacity(value=34, unit="MW", text="t")], region="KZ-27")
    assert evaluate(gold, [good]).matched == 1
    assert evaluate(gold, [wrong_region]).matched == 0


def test_negative_article_prediction_is_a_false_positive() -> None:
    report = evaluate([_gold()], [_mention(["X Co"], article_id="neg")], articles={"a", "neg"})
    assert report.predicted == 1 and report.matched == 0 and report.precision == 0.0


def test_amount_must_agree_in_currency_and_value() -> None:
    gold = [_gold(investors=["Fufeng Group"], amount={"value": 420e9, "currency": "KZT"})]
    assert evaluate(gold, [_mention(["Fufeng"], (800e6, "USD"))]).accuracy("amount") == 0.0
    assert evaluate(gold, [_mention(["Fufeng"], (420e9, "KZT"))]).accuracy("amount") == 1.0


def test_gold_matches_itself_on_the_dev_corpus() -> None:
    """Gold turned into predictions scores 1.0 everywhere: the matcher loses no true pair."""
    gold, articles = load_gold(DEV_CORPUS / "gold.jsonl")
    predicted = [mention_from_gold(g) for g in gold]
    report = evaluate(gold, predicted, articles)
    assert report.f1 == 1.0 and all(report.accuracy(f) == 1.0 for f in ("amount", "stage", "region", "capacity"))


def test_eval_command_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    predicted = tmp_path / "pred.jsonl"
    predicted.write_text(
        _mention(["Yima Machinery Co., Ltd."], article_id="001_a70f3a66ea427b18").model_dump_json() + "\n"
    )
    assert main(["eval", str(ROOT / "tests/gold/seeds.jsonl"), str(predicted), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["gold"] == 20 and figures["matched"] == 1 and figures["precision"] == 1.0


def test_strict_scoring_pairs_an_unnamed_mention_only_with_an_unnamed_gold_deal() -> None:
    named_gold = [_gold(investors=["Fufeng Group"], amount={"value": 420e9, "currency": "KZT"})]
    unnamed = _mention([], (420e9, "KZT"))
    assert evaluate(named_gold, [unnamed]).matched == 0
    assert evaluate(named_gold, [unnamed], strict=False).matched == 1  # the lenient measure, kept to compare
    unnamed_gold = [_gold(amount={"value": 420e9, "currency": "KZT"})]
    assert evaluate(unnamed_gold, [unnamed]).matched == 1
    assert evaluate(unnamed_gold, [_mention(["Fufeng Group"], (420e9, "KZT"))]).matched == 0


def test_strict_scoring_pairs_two_totals_only_when_their_investors_agree() -> None:
    gold = [_gold(investors=["Sungrow"], aggregate=True, amount={"value": 218.8e6, "currency": "USD"})]
    assert evaluate(gold, [_mention([], (218.8e6, "USD"), aggregate=True, region="KZ-10")]).matched == 0
    assert evaluate(gold, [_mention([], (218.8e6, "USD"), aggregate=True, region="KZ-10")], strict=False).matched == 1
    assert evaluate(gold, [_mention(["Sungrow"], (218.8e6, "USD"), aggregate=True)]).matched == 1


def test_a_gold_sum_with_no_currency_is_read() -> None:
    gold = GoldMention.model_validate({"article": "a", "deal": "d", "amount": {"value": 60e6, "currency": None}})
    assert gold.amount is not None and gold.amount.currency is None


def test_eval_command_is_strict_and_prints_the_lenient_measure_only_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    predicted = tmp_path / "pred.jsonl"
    unnamed_sungrow = _mention(
        [], (171e6, "USD"), article_id="001_a70f3a66ea427b18", capacity=[Capacity(value=200, unit="MW", text="t")]
    )
    predicted.write_text(unnamed_sungrow.model_dump_json() + "\n")
    assert main(["eval", str(ROOT / "tests/gold/seeds.jsonl"), str(predicted), "--json", "--lenient"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["matched"] == 0 and figures["lenient"]["matched"] == 1
