"""Project titles: the model's words when they are clean English, else composed from the facility table."""

from __future__ import annotations

import tomllib
from importlib.resources import files

import pytest

from fdi_extract.normalize.companies import is_company_name
from fdi_extract.normalize.titles import clean_words, project_title

_TABLE = tomllib.loads(files("fdi_extract.data").joinpath("titles.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("words", "title"), _TABLE["examples"])
def test_the_tables_examples(words: str, title: str) -> None:
    assert clean_words(words) == title


@pytest.mark.parametrize(
    "words",
    [
        "строительство Wосточной дороги",  # two scripts in one word
        "pererabotka zerna i prodazha muki",  # Russian in Latin letters
        "Hightech Silk Road Ltd",  # only the investor's name again
        "机场 expansion",
    ],
)
def test_words_that_are_not_clean_english_give_a_composed_title(words: str) -> None:
    title = project_title(words, about="ветропарк мощностью 50 МВт", size="50 MW", investors=["Hightech Silk Road Ltd"])
    assert title == "50 MW wind farm"


def test_a_title_is_never_cut_inside_a_word() -> None:
    assert project_title("solar panels and high-") == "solar panels"
    long = "a plant that makes " + "very " * 30 + "durable glass"
    title = project_title(long)
    assert len(title) <= 80 and long.startswith(title) and long[len(title)] == " "


def test_with_no_kind_of_facility_the_sector_names_the_project() -> None:
    assert project_title("", about="the company will build a plant", sector="chemicals") == "chemicals plant"
    assert project_title("", sector="other") == "investment project"


@pytest.mark.parametrize(
    ("name", "company"),
    [
        ("Turkey", False),
        ("Korea", False),
        ("Chinese investors", False),
        ("китайская сторона", False),
        ("Kazakhstan", False),
        ("Ministry of Industry", False),
        ("the Asian Development Bank", False),
        ("the Astana Investment Forum", False),
        ("ТОО", False),
        ("China Power International Development Limited", True),
        ("Masdar", True),
        ("ОсОО «Жаны Жол»", True),
    ],
)
def test_what_can_name_an_investing_company(name: str, company: bool) -> None:
    assert is_company_name(name) is company


def test_every_sector_has_a_title() -> None:
    from fdi_extract.model import Sector

    assert {sector.value for sector in Sector} == set(_TABLE["sector_titles"])
