"""English names for the codes records hold: every region the places table knows, every sector, stage and
capacity unit has one (data/names.toml)."""

from __future__ import annotations

import json
from importlib.resources import files

from fdi_extract.model import CapacityUnit, Sector, Stage
from fdi_extract.names import country_name, names_table, region_name, sector_label, stage_label, unit_label


def test_every_code_the_package_holds_has_an_english_name() -> None:
    places = json.loads(files("fdi_extract.data").joinpath("places.json").read_text(encoding="utf-8"))
    table = names_table()
    assert set(places["regions"]) <= set(table["regions"])
    assert {s.value for s in Sector} == set(table["sectors"])
    assert {s.value for s in Stage} == set(table["stages"])
    assert {u.value for u in CapacityUnit} == set(table["units"])
    assert {code.split("-")[0] for code in places["regions"]} <= set(table["countries"])


def test_names_read_as_a_person_writes_them() -> None:
    assert region_name("KZ-27") == "West Kazakhstan Region" and region_name("UZ") == "Uzbekistan"
    assert country_name("KG") == "Kyrgyzstan" and sector_label("agriculture_food") == "Agriculture and food"
    assert stage_label("mou") == "Memorandum" and unit_label("other") == "units"
    assert region_name("XX-99") == "XX-99" and region_name(None) is None  # an unknown code is shown as it is


def test_a_place_is_labelled_with_its_name_and_code() -> None:
    from fdi_extract.names import place_label

    assert place_label("KZ-15") == "Aktobe Region (KZ-15)" and place_label("KZ") == "Kazakhstan (KZ)"
    assert place_label("XX-99") == "XX-99" and place_label(None) is None
