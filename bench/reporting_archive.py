"""A second archive generator, written from how the press reports investment, not from the linker.

`bench/reconcile.py`'s own generator varies names the way the linker was built to undo. This one draws
deals and then their reports as outlets write them (issue 23): Chinese companies named with a province, a
brand and a trade, in English, shortened, or in Cyrillic by a hand of the press (Palladius mostly, with the
usual slips: е for э, no soft sign) under Russian, Kazakh or Latin legal forms; a local subsidiary
("<Brand> Kazakhstan LLP", "ТОО «<Бренд> Казахстан»") named in place of its parent; a company with several
plants, and a plant with a later expansion; amounts restated in tenge at the year's rate and rounded, revised
within a tenth as a project moves on, or left out; regions and capacities left out; reports that name no
investor; and regional totals of several projects reported by several outlets. Every mention record comes
with its true deal.

Its transliteration is its own (not the package's table), so that the linker meets spellings it was not
given.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from fdi_extract.normalize import canonical_company

_PROVINCES = {
    "Xinjiang": "Синьцзян",
    "Shandong": "Шаньдун",
    "Hebei": "Хэбэй",
    "Jiangsu": "Цзянсу",
    "Zhejiang": "Чжэцзян",
    "Sichuan": "Сычуань",
    "Henan": "Хэнань",
    "Hubei": "Хубэй",
    "Shaanxi": "Шэньси",
    "Hunan": "Хунань",
    "Guangdong": "Гуандун",
}
# Pinyin syllables and their Cyrillic as the press writes them: the standard form, then the slips seen.
_SYLLABLES = {
    "tian": ["тянь", "тян"],
    "he": ["хэ", "хе"],
    "hua": ["хуа"],
    "xin": ["синь", "син"],
    "long": ["лун"],
    "sheng": ["шэн", "шен"],
    "feng": ["фэн", "фен"],
    "jin": ["цзинь", "цзин"],
    "da": ["да"],
    "zhong": ["чжун"],
    "hai": ["хай"],
    "yuan": ["юань"],
    "bo": ["бо"],
    "tai": ["тай"],
    "rui": ["жуй"],
    "kang": ["кан"],
    "ming": ["мин"],
    "guang": ["гуан"],
    "wei": ["вэй", "вей"],
    "chang": ["чан"],
    "de": ["дэ", "де"],
    "jia": ["цзя"],
    "qing": ["цин"],
    "xiang": ["сян"],
    "hong": ["хун"],
    "an": ["ань", "ан"],
    "yu": ["юй"],
    "fu": ["фу"],
    "lin": ["линь", "лин"],
    "bai": ["бай"],
    "bao": ["бао"],
    "cheng": ["чэн", "чен"],
    "dong": ["дун"],
    "gao": ["гао"],
    "guo": ["го"],
    "heng": ["хэн", "хен"],
    "jian": ["цзянь", "цзян"],
    "kai": ["кай"],
    "li": ["ли"],
    "mei": ["мэй", "мей"],
    "nan": ["нань", "нан"],
    "ping": ["пин"],
    "rong": ["жун"],
    "shan": ["шань", "шан"],
    "shi": ["ши"],
    "tong": ["тун"],
    "wan": ["вань", "ван"],
    "xing": ["син"],
    "yang": ["ян"],
    "yong": ["юн"],
    "zhi": ["чжи"],
    "zhen": ["чжэнь", "чжень"],
    "hui": ["хуэй"],
    "jiu": ["цзю"],
    "sen": ["сэнь", "сен"],
    "teng": ["тэн", "тен"],
    "xu": ["сюй"],
    "neng": ["нэн", "нен"],
    "run": ["жунь"],
    "ke": ["кэ", "ке"],
}
_TRADES = {
    "wind_power": ("New Energy", "Нью Энерджи", "energy"),
    "solar_power": ("Solar Technology", "Солар Текнолоджи", "energy"),
    "cement": ("Cement", "Цемент", "construction_materials"),
    "chemicals": ("Chemical Industry", "Кемикал", "chemicals"),
    "textiles": ("Textile", "Текстиль", "textiles"),
    "agriculture": ("Agricultural Development", "Агро", "agriculture_food"),
    "mining": ("Mining", "Майнинг", "mining"),
    "machinery": ("Machinery", "Машинери", "manufacturing"),
}
_FACILITIES = {
    "wind_power": "wind farm",
    "solar_power": "solar power plant",
    "cement": "cement plant",
    "chemicals": "fertilizer plant",
    "textiles": "cotton processing plant",
    "agriculture": "greenhouse complex",
    "mining": "copper mine",
    "machinery": "machinery assembly plant",
}
_LATIN_FORMS = ["Co., Ltd.", "Co. Ltd", "Group Co., Ltd", "Company Limited", "Co.,Ltd.", "Group", ""]
_CYRILLIC_FORMS = ["ООО «{}»", "компания «{}»", "ТОО «{}»", "корпорация «{}»", "«{}»"]
_HOSTS = {
    "KZ": ["KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-35", "KZ-47", "KZ-55", "KZ-61"],
    "UZ": ["UZ-JI", "UZ-TO", "UZ-NW", "UZ-SA"],
    "KG": ["KG-C", "KG-J", "KG-Y"],
}
_LOCAL = {
    "KZ": ("Kazakhstan", "Казахстан", "LLP", "ТОО"),
    "UZ": ("Uzbekistan", "Узбекистан", "LLC", "ООО"),
    "KG": ("Kyrgyzstan", "Кыргызстан", "LLC", "ОсОО"),
}
_TENGE_PER_USD = {2019: 383, 2020: 413, 2021: 426, 2022: 460, 2023: 456, 2024: 470, 2025: 510}
_STAGES = ["announced", "mou", "agreement", "construction", "operational"]


class _Company:
    def __init__(self, rng: random.Random):
        self.province = rng.choice(list(_PROVINCES)) if rng.random() < 0.6 else None
        self.brand = [rng.choice(list(_SYLLABLES)) for _ in range(2)]
        self.trade = rng.choice(list(_TRADES))
        self.form = rng.choice(_LATIN_FORMS)

    def english(self) -> str:
        brand = "".join(self.brand).title()
        words = [self.province, brand, _TRADES[self.trade][0], self.form]
        return " ".join(w for w in words if w)

    def short(self) -> str:
        return "".join(self.brand).title()

    def cyrillic(self, rng: random.Random) -> str:
        slips = rng.random() < 0.3
        brand = "".join((rng.choice(_SYLLABLES[s]) if slips else _SYLLABLES[s][0]) for s in self.brand).title()
        if self.province and rng.random() < 0.6:
            province = _PROVINCES[self.province]
            if rng.random() < 0.5:  # "Синьцзянская компания «Тяньхэ»"
                return f"{province}ская компания «{brand}»"
            brand = f"{province} {brand}"
        return rng.choice(_CYRILLIC_FORMS).format(brand)

    def subsidiary(self, host: str, rng: random.Random) -> str:
        latin, cyrillic, form, cyrillic_form = _LOCAL[host]
        if rng.random() < 0.5:
            return f"{self.short()} {latin} {form}"
        brand = "".join(_SYLLABLES[s][0] for s in self.brand).title()
        return f"{cyrillic_form} «{brand} {cyrillic}»"


def _deals(rng: random.Random) -> Iterator[dict]:
    """Deals as they are: company, host, region, what is built, amount, capacity, year, with a few companies
    building several plants and some plants a later expansion."""
    while True:
        company = _Company(rng)
        host = rng.choice(["KZ", "KZ", "KZ", "UZ", "KG"])
        region = rng.choice(_HOSTS[host])
        usd = rng.choice([12, 25, 48, 90, 150, 300, 650, 1200]) * 1e6
        mw = rng.choice([50, 100, 150, 300]) if _TRADES[company.trade][2] == "energy" else None
        year = rng.randint(2019, 2023)
        plants = [(company.trade, region, usd, mw, year)]
        if rng.random() < 0.15:  # a second plant of another trade, often in the same region
            other = rng.choice([t for t in _TRADES if t != company.trade])
            plants.append((other, region if rng.random() < 0.6 else rng.choice(_HOSTS[host]), usd / 2, None, year))
        if rng.random() < 0.1:  # an expansion of the first plant, bigger and later
            plants.append((company.trade, region, usd * 1.5, mw * 2 if mw else None, year + 2))
        subsidiary = rng.random() < 0.2
        for trade, where, amount, capacity, start in plants:
            yield {
                "company": company,
                "host": host,
                "region": where,
                "trade": trade,
                "usd": amount,
                "mw": capacity,
                "year": start,
                "subsidiary": subsidiary,
            }


def _reported_name(deal: dict, rng: random.Random) -> str | None:
    company: _Company = deal["company"]
    roll = rng.random()
    if roll < 0.08:
        return None  # "a Chinese company" — no investor named
    if deal["subsidiary"] and roll < 0.3:
        return company.subsidiary(deal["host"], rng)
    if roll < 0.55:
        return company.english()
    if roll < 0.7:
        return company.short() + (" Group" if rng.random() < 0.5 else "")
    return company.cyrillic(rng)


def _amount(usd: float, year: int, host: str, rng: random.Random) -> dict | None:
    if rng.random() < 0.2:
        return None
    if host == "KZ" and rng.random() < 0.45:
        rate = _TENGE_PER_USD[min(year, 2025)] * rng.uniform(0.97, 1.03)
        tenge = float(f"{usd * rate:.2g}")  # "more than 45 billion tenge"
        return {"value": tenge, "currency": "KZT", "text": "", "usd": tenge / _TENGE_PER_USD[min(year, 2025)]}
    rounded = float(f"{usd:.2g}")
    return {"value": rounded, "currency": "USD", "text": "", "usd": rounded}


def reported_records(count: int, rng: random.Random) -> Iterator[tuple[dict, str]]:
    """(mention record, true deal) pairs: each deal reported one to six times over up to three years, and now
    and then a regional total of several deals reported by several outlets."""
    made, article = 0, 0
    pending_total: list[tuple[str, dict]] = []
    for number, deal in enumerate(_deals(rng)):
        deal_id = f"r{number}"
        usd, stage = deal["usd"], rng.randrange(3)
        for report in range(rng.choice([1, 1, 2, 2, 3, 4, 6])):
            article += 1
            year = min(deal["year"] + report // 2, 2025)
            if report and rng.random() < 0.3:
                usd *= rng.uniform(0.9, 1.1)  # revised as the project moves on
            stage = min(stage + rng.randrange(2), len(_STAGES) - 1) if report else stage
            name = _reported_name(deal, rng)
            record = {
                "article_id": f"p{article}",
                "published": f"{year}-{rng.randint(1, 12):02d}",
                # The key normalization gives a name (the records are mentions as the pipeline writes them).
                "investors": [{"name": name, "name_normalized": canonical_company(name), "country": "CN"}]
                if name
                else [],
                "host_country": deal["host"],
                "region": deal["region"] if rng.random() < 0.85 else None,
                "project": _FACILITIES[deal["trade"]] if rng.random() < 0.7 else "",
                "sector": _TRADES[deal["trade"]][2],
                "amount": _amount(usd, year, deal["host"], rng),
                "capacity": [{"value": deal["mw"], "unit": "MW", "text": ""}]
                if deal["mw"] and rng.random() < 0.6
                else [],
                "stage": _STAGES[stage],
                "aggregate": False,
            }
            yield record, deal_id
            made += 1
            if made == count:
                return
        pending_total.append((deal_id, deal))
        if len(pending_total) >= 40 and rng.random() < 0.2:
            # A region's total of the projects it announced that year, in tenge, by two to four outlets.
            _, first = pending_total[-1]
            parts = [d for _, d in pending_total if d["region"] == first["region"]] or [first]
            total_usd = sum(d["usd"] for d in parts)
            for _ in range(rng.randint(2, 4)):
                article += 1
                yield (
                    {
                        "article_id": f"p{article}",
                        "published": f"{first['year']}-{rng.randint(1, 12):02d}",
                        "investors": [],
                        "host_country": first["host"],
                        "region": first["region"],
                        "project": f"{len(parts)} projects",
                        "sector": "other",
                        "amount": _amount(total_usd, first["year"], first["host"], rng)
                        or {"value": float(f"{total_usd:.2g}"), "currency": "USD", "text": "", "usd": total_usd},
                        "capacity": [],
                        "stage": "agreement",
                        "aggregate": True,
                    },
                    f"total-{number}",
                )
                made += 1
                if made == count:
                    return
            pending_total.clear()
