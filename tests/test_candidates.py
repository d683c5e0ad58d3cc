"""What the article's own words say without the model: its foreign companies (a check and a hint for the
model's proposals), stage cues, sentences with offsets, paragraph-aligned windows."""

from __future__ import annotations

import pytest

from fdi_extract.cues import cue, stage_cue
from fdi_extract.extract.candidates import find_companies, named_as_local
from fdi_extract.extract.direct import split_into_chunks
from fdi_extract.model import Stage
from fdi_extract.text import sentences
from tests.conftest import DEV_CORPUS, seed


def _names(text: str) -> list[str]:
    return [c.name for c in find_companies(text)]


def test_companies_of_seed_001() -> None:
    names = _names(seed("001").text)
    expected = [
        "SUNGROW Renewables Development Co., Ltd",
        "Universal Energy Co., Ltd",
        "Yima Machinery Co., Ltd.",
        "China Non-Ferrous Mining",
        "Sinoma (SUZHOU) Construction Co., Ltd.",
    ]
    assert [n for n in names if n in expected] == expected
    assert "SM Minerals" not in names  # "казахстанской SM Minerals": a local partner
    assert not any("AqtobeCem" in n for n in names)  # ТОО "AqtobeCem"


def test_quoted_company_after_a_cue_word() -> None:
    assert _names(seed("000").text)[0] == "VEGA Power"
    assert "Группа санитарной очистки города Линьи" in _names(seed("004").text)


def test_joined_names_are_split_and_the_local_one_dropped() -> None:
    assert _names((DEV_CORPUS / "022.txt").read_text()) == ["Horgos Jiuhe SilkBridge New Energy Co.,Ltd"]


@pytest.mark.parametrize(
    ("sentence", "name", "local"),
    [
        ("Проект реализует казахстанская компания «Дала Жел».", "Дала Жел", True),
        ("Kazakhstan's Steppe Energy Fund and a Chinese partner signed it.", "Steppe Energy Fund", True),
        ("Жобаны «Дала Жел» ЖШС жүзеге асырады.", "Дала Жел", True),
        ('It was signed by "Steppe Breeze" LLP and the region.', "Steppe Breeze", True),
        ("Проект реализует ТОО «Дала Жел».", "Дала Жел", True),
        ("Проект реализует китайская компания «Дала Жел».", "Дала Жел", False),
        ("Ningbo Turbine Power Co., Ltd builds it.", "Ningbo Turbine Power", False),
        ("The deal was signed by the government of Kyrgyzstan and Lotus Stone.", "Lotus Stone", False),
        ("Строить станцию будут «Самрук-Қазына» и немецкая Wind Axis.", "Самрук-Қазына", True),
        ("The plant is built with Uzbekneftegaz JSC and a Korean partner.", "Uzbekneftegaz JSC", True),
        ("Строить станцию будут «Самрук-Қазына» и немецкая Wind Axis.", "Wind Axis", False),
    ],
)
def test_a_company_the_article_marks_as_the_host_countrys_own(sentence: str, name: str, local: bool) -> None:
    start = sentence.index(name)
    assert named_as_local(sentence, [(start, start + len(name))]) is local


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
    found = stage_cue(sentence)
    assert (found[0] if found else None) == stage


def test_sums_that_are_no_investment_in_a_project() -> None:
    assert not cue("not_a_deal").search("Его стоимость – 171 млн долларов США.")
    assert cue("not_a_deal").search("Актюбинская область должна привлечь не менее 1,5 триллиона тенге инвестиций")
    assert cue("not_a_deal").search("товарооборот между странами превысил 4,2 миллиарда долларов")


def test_sentences_keep_offsets() -> None:
    text = seed("001").text
    for span in sentences(text):
        assert text[span.start : span.end] == span.text


def test_chunks_are_paragraph_aligned_and_bounded() -> None:
    text = "\n".join(f"Paragraph {i}. " + "word " * 50 for i in range(200))
    chunks = split_into_chunks(text, 2000)
    assert all(len(c) <= 2000 for c in chunks) and len(chunks) > 10
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")


def test_the_recognizer_adds_organisations_that_no_pattern_finds() -> None:
    text = (
        "Государственная горнорудная корпорация Китая (CGMC) построит обогатительную фабрику в Карагандинской "
        "области. Китайское Шаньдунское ООО «Хуа Синь Лун» вложит 40 млн долларов в тепличный комплекс. "
        "Соглашения подписаны в Министерстве промышленности, сообщила пресс-служба акимата. Подрядчиком "
        "выступит АО «Жайык Курылыс Холдинг», поставщиком — Уральская энергетическая сетевая корпорация."
    )
    names = _names(text)
    assert any(name.startswith("Государственная горнорудная корпорация") for name in names)
    assert any(name.endswith("ООО «Хуа Синь Лун»") for name in names)  # the closing quote belongs to the name
    assert not any("Министерств" in name or "акимат" in name for name in names)  # state bodies are no investors
    assert not any("Жайык" in name or "Уральская" in name for name in names)  # no foreign mark: no candidate
    # The foreign mark must be in the organisation's own sentence, not at the start of the next one.
    assert _names("Делегация посетила завод «Тенгри». Китайская корпорация «Орда Строй» построит фабрику.") == [
        "Орда Строй"
    ]


def test_a_partner_marked_local_is_no_candidate_whoever_finds_it() -> None:
    text = "Китайская компания Tianma Steel и казахстанская компания «Жана Курылыс» построят завод. ТОО «Арман Строй» — подрядчик."
    names = _names(text)
    assert "Tianma Steel" in names
    assert not any("Жана" in name or "Арман" in name for name in names)


def test_a_state_body_joined_by_and_to_a_company_is_no_part_of_its_name() -> None:
    text = (
        "A memorandum was signed by the Ministry of Energy of Ruritania and Northern Star Power Group Co. Ltd. "
        "The Ministry of Culture and Youth Policy and Golden Lotus Film Company Ltd. will shoot a series. "
        "The Ministry of Culture, Sport and Youth Policy and Silver Crane Media Co. Ltd. will shoot another."
    )
    assert _names(text) == [
        "Northern Star Power Group Co. Ltd.",
        "Golden Lotus Film Company Ltd.",
        "Silver Crane Media Co. Ltd.",
    ]
    # "and" inside a company's own name is no join of two parties.
    assert _names("The Chinese Orda Machinery and Equipment Co. Ltd company signed an agreement.") == [
        "Orda Machinery and Equipment Co. Ltd"
    ]
