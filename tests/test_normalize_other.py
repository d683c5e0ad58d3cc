"""Companies, quantities, sectors and exchange rates."""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fdi_extract.model import Sector
from fdi_extract.normalize import (
    canonical_company,
    company_similarity,
    same_company,
    sector_for,
    to_usd,
)
from fdi_extract.normalize.companies import chinese_in_cyrillic, infer_country, is_host_company, name_words
from fdi_extract.normalize.money import parse_money
from fdi_extract.normalize.quantities import parse_capacities, parse_jobs


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SUNGROW Renewables Development Co., Ltd", "Sungrow Renewables"),
        ("Сангроу", "SUNGROW Renewables Development Co., Ltd"),
        ("Heangshui Decheng Machinery and Equipment Co. Ltd", "Hengshui Decheng Machinery & Equipment Co., Ltd"),
        ("Horgos Jiuhe Silk Bridge New Energy Co. Ltd", "Horgos Jiuhe SilkBridge New Energy Co.,Ltd"),
        ("Xinjiang Lihua Group Co., Ltd.", "Xinjiang Lihua Group Co Ltd"),
        ("Fufeng Group", "Fufeng"),
        ("Хэбэйское ООО «Хуавэй Цзяньшэ»", "Hebei Huawei Jianshe Co., Ltd"),
        ("ТОО «Синьцзян Чжунтай»", "Xinjiang Zhongtai LLP"),
    ],
)
def test_same_company(a: str, b: str) -> None:
    assert same_company(a, b), (canonical_company(a), canonical_company(b), company_similarity(a, b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Fufeng Group", "Shengtai Biotech Co., Ltd."),
        ("Universal Energy Co., Ltd", "Yima Machinery Co., Ltd."),
        ("ERG", "SUNGROW"),
        ("Xinjiang Lihua Group", "Xinjiang Shutu Tecnology Co"),
    ],
)
def test_different_companies(a: str, b: str) -> None:
    assert not same_company(a, b)


def test_canonical_key_folds_legal_forms_and_script() -> None:
    assert canonical_company("SUNGROW Renewables Development Co., Ltd") == "sungrow renewables development"
    assert canonical_company('ТОО "AqtobeCem"') == "aqtobecem"
    assert canonical_company("China Railway Group Construction") == "china railway group construction"


def test_chinese_names_in_cyrillic_are_read_as_pinyin_by_the_table_examples() -> None:
    table = tomllib.loads(files("fdi_extract.data").joinpath("palladius.toml").read_text(encoding="utf-8"))
    assert [(text, chinese_in_cyrillic(text) or "") for text, _ in table["examples"]] == [
        tuple(example) for example in table["examples"]
    ]
    assert len(set(table["syllables"].values())) == len(table["syllables"])  # each read back one way


def test_a_local_subsidiary_named_in_cyrillic_has_the_key_of_its_latin_name() -> None:
    assert canonical_company("ТОО «Чжунтай Казахстан»") == canonical_company("Zhongtai Kazakhstan LLP") == "zhongtai"
    assert canonical_company("ОсОО «Хуавэй Кыргызстан»") == canonical_company("Huawei Kyrgyzstan") == "huawei"


def test_a_home_province_or_city_before_a_name_is_left_out_of_its_name_words() -> None:
    table = tomllib.loads(files("fdi_extract.data").joinpath("home_places.toml").read_text(encoding="utf-8"))
    for name, after in table["examples"]:
        key = canonical_company(name)
        assert (name_words(key)[0] if list(name_words(key)) != key.split() else "") == after, name


def test_a_company_the_host_state_owns_is_told_from_foreign_ones_whatever_its_spelling() -> None:
    table = tomllib.loads(files("fdi_extract.data").joinpath("host_companies.toml").read_text(encoding="utf-8"))
    assert [name for name in table["examples"]["host"] if not is_host_company(name)] == []
    assert [name for name in table["examples"]["foreign"] if is_host_company(name)] == []


def test_a_kazakh_letter_gives_the_key_of_the_russian_spelling() -> None:
    table = tomllib.loads(files("fdi_extract.data").joinpath("kazakh_letters.toml").read_text(encoding="utf-8"))
    for kazakh, russian in table["examples"]:
        assert canonical_company(kazakh) == canonical_company(russian), kazakh


@given(st.text(max_size=80))
def test_canonical_key_never_raises(name: str) -> None:
    assert canonical_company(canonical_company(name)) == canonical_company(name)
    assert isinstance(company_similarity(name, "Fufeng Group"), float)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ветроэлектростанции мощностью 200 мегаватт", [(200, "MW")]),
        ("завода мощностью 5000 тонн клинкера в сутки", [(5000, "t/day")]),
        (
            "от 500 тыс. до 1 млн тонн кукурузы в год с последующим увеличением до 3 млн тонн",
            [(5e5, "t/year"), (1e6, "t/year"), (3e6, "t/year")],
        ),
        (
            "The annual capacity of the plant is 500,000 - 1 million tons of corn, with further increase to 3 million tons",
            [(5e5, "t/year"), (1e6, "t/year"), (3e6, "t/year")],
        ),
        ("up to 1 million tons of corn per year", [(1e6, "t/year")]),
        ("a 1000Wt power plant and a coal plant with a capacity of 1320MWt", [(1000, "other"), (1320, "MW")]),
        ("construction of 435-room hotel", [(435, "rooms")]),
        ("Станция мощностью 42 мегаватта займет 375 гектаров", [(42, "MW"), (375, "ha")]),
        ("проект реализуется на участке площадью 400 га", [(400, "ha")]),
        ("солнечная станция на 1,2 ГВт", [(1200, "MW")]),
        ("17 генераторов мощностью 2,5 кВт", []),
        # Kazakh: the period comes before the figure.
        ("қуаты 200 мегаватт жел электр станциясы", [(200, "MW")]),
        ("тәулігіне 5000 тонна клинкер шығаратын зауыт", [(5000, "t/day")]),
        ("жылына 1 млн тонна жүгеріні өңдейді", [(1e6, "t/year")]),
    ],
)
def test_capacities(text: str, expected: list[tuple[float, str]]) -> None:
    assert [(q.value, q.unit.value) for q in parse_capacities(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("создание 65 новых рабочих мест", [65]),
        ("создание 6 тыс. рабочих мест в период строительства, а затем 1500 рабочих мест", [6000, 1500]),
        ("generate a total of 6,000 jobs", [6000]),
        ("около 6 000 рабочих мест", [6000]),
        ("more than 4,000 jobs", [4000]),
        ("обеспечены постоянной работой 140 человек", [140]),
        ("в 2025 году 300 тыс. тонн", []),
        ("500 жаңа жұмыс орны ашылады", [500]),
        ("зауыт 1 000 адамды жұмыспен қамтиды", [1000]),
        ("300 тұрақты жұмыс орнын ашады", [300]),
    ],
)
def test_jobs(text: str, expected: list[int]) -> None:
    assert [q.value for q in parse_jobs(text)] == expected


@pytest.mark.parametrize(
    ("description", "sector"),
    [
        ("wind farm", Sector.energy),
        ("cement plant 5000 t clinker", Sector.construction_materials),
        ("cotton cluster", Sector.textiles),
        ("chip and display factory", Sector.ict_electronics),
        ("city sanitation services", Sector.utilities_municipal),
        ("deep corn processing plant", Sector.agriculture_food),
        ("oil catalyst processing plant", Sector.chemicals),
        ("copper deposit development", Sector.mining),
        ("medium-carbon alloy steel plant", Sector.metals),
        ("435-room hotel", Sector.tourism_real_estate),
        ("bypass road and highway", Sector.transport_infrastructure),
        ("transformer plant", Sector.manufacturing),
        ("завод по глубокой переработке кукурузы", Sector.agriculture_food),
        ("something", Sector.other),
    ],
)
def test_sectors(description: str, sector: Sector) -> None:
    assert sector_for(description) is sector


def test_usd_at_the_article_year_with_its_source() -> None:
    (money,) = parse_money("420 млрд тенге")
    converted = to_usd(money, dt.date(2025, 4, 16))
    assert converted.usd == pytest.approx(420e9 / 521.035)
    assert converted.rate is not None and "WDI" in converted.rate.source


def test_usd_is_never_guessed() -> None:
    (money,) = parse_money("420 млрд тенге")
    assert to_usd(money, None).usd is None and "date" in to_usd(money, None).note
    missing = to_usd(money, dt.date(2031, 1, 1))
    assert missing.usd is None and "2031" in missing.note
    (dollars,) = parse_money("$5 million")
    assert to_usd(dollars, None).usd == 5e6


def test_investor_country_from_the_text() -> None:
    assert infer_country("китайская компания Yima") == "CN"
    assert infer_country("no nationality here", "Chinese company TBEA") == "CN"
    assert infer_country("nothing") is None


def test_dollars_of_the_usa_are_no_american_investor() -> None:
    assert infer_country("Общая стоимость инвестиций составила 218,8 млн долларов США.") is None
    assert infer_country("worth 800 million US dollars", "китайская компания") == "CN"


def test_every_sector_entry_reads_its_own_examples() -> None:
    from fdi_extract.normalize.sectors import sector_table

    for sector, entry in sector_table().items():
        assert entry["stems"] and entry["match"], sector
        for description in entry["match"]:
            assert sector_for(description) is sector, (sector, description)
        for description in entry["miss"]:
            assert sector_for(description) is not sector, (sector, description)


def test_every_nationality_entry_reads_its_own_examples() -> None:
    from fdi_extract.normalize.companies import nationality_table

    for code, entry in nationality_table().items():
        assert entry["stems"] and entry["match"], code
        for sentence in entry["match"]:
            assert infer_country(sentence) == code, (code, sentence)
        for sentence in entry["miss"]:
            assert infer_country(sentence) != code, (code, sentence)


def test_the_figure_word_tables_read_their_examples() -> None:
    from fdi_extract.normalize.numbers import FIGURE_WORDS

    for phrase in FIGURE_WORDS["capacities"]["match"]:
        assert parse_capacities(phrase), phrase
    for phrase in FIGURE_WORDS["jobs"]["match"]:
        assert parse_jobs(phrase), phrase
