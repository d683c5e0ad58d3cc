"""Reading articles, and grounding drafts in their text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fdi_extract.articles import decode, find_published, parse_article, read_article
from fdi_extract.drafts import DealDraft
from fdi_extract.errors import InputError
from fdi_extract.ground import ground
from fdi_extract.text import ArticleText
from tests.conftest import DEV_CORPUS, seed


def test_corpus_headers() -> None:
    article = read_article(DEV_CORPUS / "005.txt")
    assert article.url and article.url.startswith("https://qazinform.com/")
    assert article.published == "2025-04-16"
    assert article.text.startswith("Governor of Zhambyl region")


def test_empty_header_date_falls_back_to_none_without_inline_date() -> None:
    article = read_article(DEV_CORPUS / "008.txt")
    assert article.published is None and article.title is None


@pytest.mark.parametrize(
    ("prefix", "published"),
    [("000", "2025-10-10"), ("001", "2025-05"), ("002", "2025-06"), ("003", "2025-08-08"), ("004", "2025-05-21")],
)
def test_seed_dates_are_read_from_the_text(prefix: str, published: str) -> None:
    assert seed(prefix).published == published


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18.04.2025, 10:45 Просмотры", "2025-04-18"),
        ("09:44, 19 August 2018 | GMT +6", "2018-08-19"),
        ("Май 21, 2025", "2025-05-21"),
        ("no date here", None),
        ("в 2025 году", None),
    ],
)
def test_find_published(text: str, expected: str | None) -> None:
    assert find_published(text) == expected


def test_bad_bytes_name_the_article() -> None:
    with pytest.raises(InputError, match="'x'.*UTF-8"):
        decode(b"\xff\xfe\x00abc\xff", "x")
    with pytest.raises(InputError, match="binary"):
        parse_article("abc\x00\x01\x02", "y")


TEXT = "Стоимость проекта – 47,8 млн долларов США.\nКомпания «VEGA Power» построит завод мощностью 34 мегаватта."


def test_quotes_are_found_after_folding_quotes_dashes_and_spaces() -> None:
    article = ArticleText(TEXT)
    start, end = article.locate('Компания "VEGA Power"  построит завод')
    assert TEXT[start:end] == "Компания «VEGA Power» построит завод"
    start, end = article.locate("Стоимость проекта - 47,8 млн")
    assert TEXT[start:end] == "Стоимость проекта – 47,8 млн"


def test_grounding_keeps_found_quotes_and_reads_figures_from_the_text() -> None:
    draft = DealDraft(
        evidence=["Компания «VEGA Power» построит завод", "a sentence the article never wrote"],
        investors=["VEGA Power"],
        project="plant",
        amount="47,8 млн долларов",
        capacity=["34 мегаватта"],
        jobs="100 рабочих мест",
    )
    grounded, warnings = ground(draft, ArticleText(TEXT))
    assert grounded is not None
    assert [e.quote for e in grounded.evidence if e.field is None] == ["Компания «VEGA Power» построит завод"]
    assert grounded.amount.value == pytest.approx(47.8e6) and grounded.amount.currency == "USD"
    assert grounded.amount.text == "47,8 млн долларов США"  # the whole phrase of the article, currency included
    assert [(q.value, q.unit.value) for q in grounded.capacities] == [(34, "MW")]
    assert grounded.jobs is None  # not in the article: never output
    for evidence in grounded.evidence:
        assert TEXT[evidence.start : evidence.end] == evidence.quote
    assert any("never wrote" in w for w in warnings) and any("jobs" in w for w in warnings)


def test_grounding_keeps_the_span_the_strategy_found_and_searches_one_that_does_not_read_so() -> None:
    text = "Завод обойдётся в 5 млн долларов. Второй завод тоже обойдётся в 5 млн долларов."
    first, second = text.index("5 млн долларов"), text.rindex("5 млн долларов")
    draft = DealDraft(
        evidence=["Завод обойдётся в 5 млн долларов."],
        project="p",
        amount="5 млн долларов",
        spans={"5 млн долларов": (second, second + len("5 млн долларов"))},
    )
    grounded, _ = ground(draft, ArticleText(text))
    assert grounded is not None and grounded.amount.start == second  # where the strategy found it
    elsewhere = draft.model_copy(update={"spans": {"5 млн долларов": (0, 5)}})  # the article reads otherwise there
    grounded, _ = ground(elsewhere, ArticleText(text))
    assert grounded is not None and grounded.amount.start == first  # searched: the one in its evidence


def test_a_field_grounding_leaves_out_ends_the_reasons_with_why() -> None:
    text = "The company will build a wind farm near the lake for $40 million. The ceremony gathered 400 people."
    draft = DealDraft(
        evidence=["The company will build a wind farm near the lake for $40 million."],
        investors=["Northwind Holding"],
        project="wind farm",
        amount="the lake",
        jobs="400 people",
        reasons=["investor Northwind Holding: the model's answer", "amount “the lake”: the model's answer"],
    )
    grounded, warnings = ground(draft, ArticleText(text))
    assert grounded is not None and grounded.amount is None and grounded.jobs is None
    assert grounded.draft.investors == []
    assert grounded.draft.reasons == [
        "investor Northwind Holding: the model's answer",
        "amount “the lake”: the model's answer",
        "investor “Northwind Holding”: not named in the article, left out",
        "amount “the lake”: not a money phrase of the article, left out",
        "jobs “400 people”: not a job count of the article, left out",
    ]
    assert "wind farm: amount 'the lake' is not a money phrase of the article, left out" in warnings
    kept, _ = ground(draft.model_copy(update={"investors": [], "amount": None, "jobs": None}), ArticleText(text))
    assert kept is not None and kept.draft.reasons == draft.reasons  # nothing left out, nothing added


def test_a_deal_with_no_grounded_evidence_is_dropped() -> None:
    draft = DealDraft(evidence=["invented"], investors=["X"], project="p", amount="1 млрд тенге")
    grounded, warnings = ground(draft, ArticleText(TEXT))
    assert grounded is None and "dropped" in warnings[-1]


@given(st.text(alphabet=st.sampled_from(list("ab  «»“”–—\u00a0\t\n\r.")), max_size=80))
def test_folding_keeps_a_map_back_to_every_original_character(text: str) -> None:
    from fdi_extract.text import _FOLD, _fold

    folded, original = _fold(text)
    where = [original[i] for i in range(len(folded))]
    translated = text.translate(str.maketrans(_FOLD))
    assert "  " not in folded
    assert folded.replace(" ", "") == translated.replace(" ", "")  # only spaces are ever dropped
    assert all(translated[where[i]] == folded[i] for i in range(len(folded)))
    assert where == sorted(set(where))  # strictly increasing: spans map back in order


def test_the_months_table_reads_its_examples() -> None:
    from fdi_extract.articles import find_published, months_table

    for written, date in months_table()["examples"].items():
        assert find_published(written) == date, written
