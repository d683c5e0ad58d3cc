"""The deterministic half of the guided strategy: company candidates and the word cues."""

from __future__ import annotations

import pytest

from fdi_extract.extract.candidates import find_companies, sentences
from fdi_extract.extract.direct import split_into_chunks
from fdi_extract.extract.guided import is_not_a_deal, is_total, stage_from_cues
from fdi_extract.model import Stage
from tests.conftest import DEV_CORPUS, seed


def _names(text: str) -> list[str]:
    return [c.name for c in find_companies(text)]


def test_companies_of_seed_001() -> None:
    names = _names(seed("001").text)
    assert names[:5] == [
        "SUNGROW Renewables Development Co., Ltd", "Universal Energy Co., Ltd", "Yima Machinery Co., Ltd.",
        "China Non-Ferrous Mining", "Sinoma (SUZHOU) Construction Co., Ltd.",
    ]
    assert "SM Minerals" not in names  # "казахстанской SM Minerals": a local partner
    assert not any("AqtobeCem" in n for n in names)  # ТОО "AqtobeCem"


def test_quoted_company_after_a_cue_word() -> None:
    assert _names(seed("000").text) == ["VEGA Power"]
    assert "Группа санитарной очистки города Линьи" in _names(seed("004").text)


def test_joined_names_are_split_and_the_local_one_dropped() -> None:
    assert _names((DEV_CORPUS / "022.txt").read_text()) == ["Horgos Jiuhe SilkBridge New Energy Co.,Ltd"]


def test_spellings_of_one_company_are_one_candidate() -> None:
    (candidate,) = [c for c in find_companies((DEV_CORPUS / "007.txt").read_text()) if c.key.startswith("fufeng")]
    assert candidate.name == "Fufeng Group"


@pytest.mark.parametrize(
    ("sentence", "stage"),
    [
        ("Также был подписан меморандум о строительстве завода", Stage.mou),
        ("подписано соглашение с компанией Universal Energy", Stage.agreement),
        ("В Жамбылской области начали строительство завода", Stage.construction),
        ("The foundation stone ceremony took place", Stage.construction),
        ("Завод запущен в эксплуатацию", Stage.operational),
        ("Компания планирует открыть завод", None),
        ("Қытайлық компаниямен меморандумға қол қойылды", Stage.mou),
        ("Инвестициялық келісімге қол қойылды", Stage.agreement),
        ("Зауыттың құрылысы басталды", Stage.construction),
        ("Жел электр станциясы іске қосылды", Stage.operational),
        ("Зауыттың іргетасына алғашқы кірпіш қаланды", Stage.construction),
        ("Бұл меморандум ынтымақтастықтың іргетасы болады", Stage.mou),  # a figurative foundation
        ("Проект реализуется на участке площадью 400 га", Stage.construction),
        ("Стороны обсудили ход реализации инвестиционного проекта", Stage.construction),
        ("The company is implementing a large-scale energy project", Stage.construction),
        ("Реализация проекта начнется в 2025 году", None),  # to be carried out: not yet begun
        ("Меморандум о сотрудничестве по реализации проекта подписан", Stage.mou),
    ],
)
def test_stage_cues(sentence: str, stage: Stage | None) -> None:
    assert stage_from_cues(sentence) == stage


def test_totals_and_non_deals() -> None:
    assert is_total("Общая стоимость инвестиций составила 218,8 млн долларов США.")
    assert is_total("подписано 15 меморандумов между областью Абай и китайскими инвесторами на сумму 1,568 млрд долларов")
    assert not is_total("Его стоимость – 171 млн долларов США.")
    assert is_not_a_deal("Актюбинская область должна привлечь не менее 1,5 триллиона тенге инвестиций")
    assert is_not_a_deal("товарооборот между странами превысил 4,2 миллиарда долларов")


def test_sentences_keep_offsets() -> None:
    text = seed("001").text
    for span in sentences(text):
        assert text[span.start : span.end] == span.text


def test_chunks_are_paragraph_aligned_and_bounded() -> None:
    text = "\n".join(f"Paragraph {i}. " + "word " * 50 for i in range(200))
    chunks = split_into_chunks(text, 2000)
    assert all(len(c) <= 2000 for c in chunks) and len(chunks) > 10
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")


def test_a_subsidiary_named_in_brackets_after_its_group_joins_the_groups_deal() -> None:
    from fdi_extract.extract.guided import _join, _Page
    from fdi_extract.extract.schema import DealDraft
    from fdi_extract.ground import ArticleText

    page = _Page(ArticleText((DEV_CORPUS / "007.txt").read_text()))
    names = [c.name for c in page.companies]
    assert page.named_as_one(names) == [("Fufeng Group", "Shengtai Biotech Co., Ltd")]
    seed_001 = _Page(ArticleText(seed("001").text))
    assert seed_001.named_as_one([c.name for c in seed_001.companies]) == []  # two investors side by side

    group = DealDraft(evidence=["a"], investors=["Fufeng Group"], project="corn plant", capacity=["1 млн тонн"])
    subsidiary = DealDraft(evidence=["b"], investors=["Shengtai Biotech Co., Ltd"], project="plant",
                           amount="175 млрд тенге", capacity=["500 тыс. тонн", "1 млн тонн"], stage=Stage.construction)
    other = DealDraft(evidence=["c"], investors=["SUNGROW"], project="wind farm", amount="$171 million")
    drafts = [group, subsidiary, other]
    _join(drafts, "Fufeng Group", "Shengtai Biotech Co., Ltd")
    assert drafts == [group, other]
    assert group.investors == ["Fufeng Group", "Shengtai Biotech Co., Ltd"] and group.amount == "175 млрд тенге"
    assert group.capacity == ["1 млн тонн", "500 тыс. тонн"] and group.evidence == ["a", "b"]
    assert group.stage is Stage.construction
