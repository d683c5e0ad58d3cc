"""English names a person reads for what the records hold as codes: regions and countries (ISO 3166),
sectors, stages and capacity units. The table is data (``fdi_extract/data/names.toml``); the codes stay
the keys everywhere, and a code the table lacks is shown as it is.

>>> region_name("KZ-15"), sector_label("agriculture_food"), unit_label("other")
('Aktobe Region', 'Agriculture and food', 'units')
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=1)
def names_table() -> dict[str, dict[str, str]]:
    return tomllib.loads(files("fdi_extract.data").joinpath("names.toml").read_text(encoding="utf-8"))


def _name(table: str, key: str | None) -> str | None:
    return names_table()[table].get(key, key) if key else None


def region_name(code: str | None) -> str | None:
    """ "Aktobe Region" for KZ-15; a country's name for a bare country code; None for no code."""
    if code and "-" not in code:
        return country_name(code)
    return _name("regions", code)


def place_label(code: str | None) -> str | None:
    """ "Aktobe Region (KZ-15)": the English name a reader knows, with the code the records hold."""
    name = region_name(code)
    return f"{name} ({code})" if name and name != code else code


def country_name(code: str | None) -> str | None:
    return _name("countries", code)


def sector_label(sector: str | None) -> str | None:
    return _name("sectors", sector)


def stage_label(stage: str | None) -> str | None:
    return _name("stages", stage)


def unit_label(unit: str | None) -> str | None:
    return _name("units", unit)
