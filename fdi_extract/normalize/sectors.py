"""Project descriptions (English or Russian) → the sector list of GOLD_FORMAT.md.

A keyword table, because the sector of an FDI project is almost always named by one or two
telling words (wind farm, cement, cotton) and a deterministic answer is cheaper and steadier
than asking a model. The sector with the most keyword hits wins; ties go to the earlier row.
"""

from __future__ import annotations

import re
from functools import cache

from fdi_extract.model import Sector

# Stems; each matches at a word start, any ending.
_KEYWORDS: dict[Sector, tuple[str, ...]] = {
    Sector.textiles: ("cotton", "textile", "garment", "хлоп", "текстил", "швейн", "трикотаж"),
    Sector.construction_materials: (
        "cement", "clinker", "brick", "basalt", "gypsum", "drywall", "concrete", "glass",
        "цемент", "клинкер", "кирпич", "базальт", "гипс", "бетон", "стекол", "стекл",
    ),
    Sector.chemicals: (
        "chemical", "fertili", "methanol", "catalyst", "polymer", "polyethylene", "petrochem",
        "хими", "удобрен", "метанол", "катализатор", "полимер", "полиэтилен", "нефтехим",
    ),
    Sector.metals: ("steel", "metallurg", "alumin", "ferroalloy", "smelter", "стал", "металлург", "алюмин", "ферросплав"),
    Sector.mining: ("mining", "mine", "deposit", "ore", "месторожд", "горнодобы", "рудник", "добыч", "калийн"),
    Sector.energy: (
        "wind", "solar", "power", "electric", "energy", "hydro", "thermal", "chp", "mw",
        "энерг", "электростанц", "ветр", "вэс", "сэс", "тэц", "гэс", "мегаватт", "теплоэлектр",
    ),
    Sector.ict_electronics: ("chip", "electronic", "display", "semiconductor", "data center", "чип", "электрон", "дисплей", "полупровод"),
    Sector.healthcare: ("hospital", "medical", "pharma", "clinic", "health", "больниц", "медицин", "фарма", "клиник", "лекарств"),
    Sector.utilities_municipal: (
        "sanitation", "waste", "water supply", "sewage", "municipal", "heating network",
        "санитар", "отход", "водоснаб", "коммунал", "мусор", "канализ",
    ),
    Sector.tourism_real_estate: ("hotel", "touris", "resort", "housing", "residential", "гостиниц", "отел", "туризм", "турист", "курорт", "жил"),
    Sector.transport_infrastructure: ("road", "highway", "railway", "airport", "bridge", "дорог", "автотрасс", "железнодорож", "аэропорт", "мост"),
    Sector.logistics_trade: ("logistic", "warehouse", "trade cent", "goods cent", "hub", "логист", "склад", "торгов", "товар", "хаб"),
    Sector.agriculture_food: (
        "corn", "grain", "agro", "agri", "food", "meat", "dairy", "milk", "poultry", "greenhouse", "garlic", "onion",
        "oilseed", "seed", "cherry", "farm", "vegetable", "fruit", "livestock", "lysine", "starch",
        "кукуруз", "зерн", "агро", "сельск", "пищев", "мяс", "молоч", "птиц", "теплиц", "чеснок", "лук", "маслич",
        "семен", "черешн", "ферм", "овощ", "плод", "животновод", "крахмал",
    ),
    Sector.manufacturing: (
        "plant", "factory", "manufactur", "machine", "assembly", "equipment", "transformer", "lamp", "production",
        "завод", "фабрик", "производств", "машиностро", "сборк", "оборудован", "трансформатор", "ламп",
    ),
}


@cache
def _patterns() -> dict[Sector, re.Pattern[str]]:
    return {
        sector: re.compile(r"(?<![\w])(?:" + "|".join(re.escape(k) for k in keys) + r")", re.IGNORECASE)
        for sector, keys in _KEYWORDS.items()
    }


def sector_for(description: str) -> Sector:
    """The sector a project description names, ``Sector.other`` when none.

    Generic plant/factory words only decide when nothing more telling is there.
    """
    scores = {sector: len(pattern.findall(description)) for sector, pattern in _patterns().items()}
    specific = {s: n for s, n in scores.items() if n and s is not Sector.manufacturing}
    if specific:
        return max(specific, key=lambda s: specific[s])  # dicts keep table order, so ties go to the earlier row
    return Sector.manufacturing if scores[Sector.manufacturing] else Sector.other
