"""Project descriptions (English or Russian) → the sector list of GOLD_FORMAT.md.

A keyword table, because the sector of an FDI project is almost always named by one or two
telling words (wind farm, cement, cotton) and a deterministic answer is cheaper and steadier
than asking a model. The sector with the most keyword hits wins; ties go to the earlier row.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from fdi_extract.model import Sector

# Stems; each matches at a word start, any ending.
_KEYWORDS: dict[Sector, tuple[str, ...]] = {
    Sector.textiles: ("cotton", "textile", "garment", "хлоп", "текстил", "швейн", "трикотаж"),
    Sector.construction_materials: (
        "cement",
        "clinker",
        "brick",
        "basalt",
        "gypsum",
        "drywall",
        "concrete",
        "glass",
        "цемент",
        "клинкер",
        "кирпич",
        "базальт",
        "гипс",
        "бетон",
        "стекол",
        "стекл",
    ),
    Sector.chemicals: (
        "chemical",
        "fertili",
        "methanol",
        "catalyst",
        "polymer",
        "polyethylene",
        "petrochem",
        "хими",
        "удобрен",
        "метанол",
        "катализатор",
        "полимер",
        "полиэтилен",
        "нефтехим",
    ),
    Sector.metals: (
        "steel",
        "metallurg",
        "alumin",
        "ferroalloy",
        "smelter",
        "стал",
        "металлург",
        "алюмин",
        "ферросплав",
    ),
    Sector.mining: ("mining", "mine", "deposit", "ore", "месторожд", "горнодобы", "рудник", "добыч", "калийн"),
    Sector.energy: (
        "wind",
        "solar",
        "power",
        "electric",
        "energy",
        "hydro",
        "thermal",
        "chp",
        "mw",
        "энерг",
        "электростанц",
        "ветр",
        "вэс",
        "сэс",
        "тэц",
        "гэс",
        "мегаватт",
        "теплоэлектр",
    ),
    Sector.ict_electronics: (
        "chip",
        "electronic",
        "display",
        "semiconductor",
        "data center",
        "чип",
        "электрон",
        "дисплей",
        "полупровод",
    ),
    Sector.healthcare: (
        "hospital",
        "medical",
        "pharma",
        "clinic",
        "health",
        "больниц",
        "медицин",
        "фарма",
        "клиник",
        "лекарств",
    ),
    Sector.utilities_municipal: (
        "sanitation",
        "waste",
        "water supply",
        "sewage",
        "municipal",
        "heating network",
        "санитар",
        "отход",
        "водоснаб",
        "коммунал",
        "мусор",
        "канализ",
    ),
    Sector.tourism_real_estate: (
        "hotel",
        "touris",
        "resort",
        "housing",
        "residential",
        "гостиниц",
        "отел",
        "туризм",
        "турист",
        "курорт",
        "жил",
    ),
    Sector.transport_infrastructure: (
        "road",
        "highway",
        "railway",
        "airport",
        "bridge",
        "дорог",
        "автотрасс",
        "железнодорож",
        "аэропорт",
        "мост",
    ),
    Sector.logistics_trade: (
        "logistic",
        "warehouse",
        "trade cent",
        "goods cent",
        "hub",
        "логист",
        "склад",
        "торгов",
        "товар",
        "хаб",
    ),
    Sector.agriculture_food: (
        "corn",
        "grain",
        "agro",
        "agri",
        "food",
        "meat",
        "dairy",
        "milk",
        "poultry",
        "greenhouse",
        "garlic",
        "onion",
        "oilseed",
        "seed",
        "cherry",
        "farm",
        "vegetable",
        "fruit",
        "livestock",
        "lysine",
        "starch",
        "кукуруз",
        "зерн",
        "агро",
        "сельск",
        "пищев",
        "мяс",
        "молоч",
        "птиц",
        "теплиц",
        "чеснок",
        "лук",
        "маслич",
        "семен",
        "черешн",
        "ферм",
        "овощ",
        "плод",
        "животновод",
        "крахмал",
    ),
    Sector.manufacturing: (
        "plant",
        "factory",
        "manufactur",
        "machine",
        "assembly",
        "equipment",
        "transformer",
        "lamp",
        "production",
        "завод",
        "фабрик",
        "производств",
        "машиностро",
        "сборк",
        "оборудован",
        "трансформатор",
        "ламп",
    ),
}


@cache
def _pattern() -> re.Pattern[str]:
    """One alternation with a group per sector: a single pass over the text counts every sector's hits."""
    groups = (
        f"(?P<{sector.name}>" + "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)) + ")"
        for sector, keys in _KEYWORDS.items()
    )
    return re.compile(r"(?<![\w])(?:" + "|".join(groups) + ")", re.IGNORECASE)


def sector_for(description: str) -> Sector:
    """The sector a project description names, ``Sector.other`` when none.

    Generic plant/factory words only decide when nothing more telling is there.
    """
    scores = Counter(Sector[match.lastgroup] for match in _pattern().finditer(description))
    specific = [s for s in _KEYWORDS if scores[s] and s is not Sector.manufacturing]
    if specific:
        return max(specific, key=lambda s: scores[s])  # max keeps the first of equals: ties go to the earlier row
    return Sector.manufacturing if scores[Sector.manufacturing] else Sector.other
