"""Normalize 100,000 synthetic mentions (money → value and USD, place → ISO code, company → key, sector)
and print the time. Issue 4 asks for ≤ 10 s on a 2-core machine.

    .venv/bin/python bench/normalize.py [--mentions 100000] [--repeat 3]

Each mention is made of phrases drawn from real ones with random numbers, spellings and cases, so
caches see a realistic share of repeats rather than 100,000 copies of one string.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time

from fdi_extract.normalize import (
    canonical_company,
    parse_money,
    resolve_place,
    sector_for,
    to_usd,
)

MONEY = [
    "свыше {n} миллиардов тенге",
    "{d} млн долларов США",
    "${n} million",
    "USD {g}",
    "около {n} млрд тенге",
    "{n} million US dollars",
    "более {n} миллионов долларов",
    "{d} млрд долл.",
    "€{n} млн",
    "{n} млн юаней",
]
PLACES = [
    "в Актюбинской области",
    "Хромтауского района",
    "Zhambyl region",
    "в Туркестанской области",
    "ЗКО",
    "Tupkaragan district",
    "город Семей",
    "в Джизакской области",
    "Almaty region",
    "Мангистауской области",
]
COMPANIES = [
    "SUNGROW Renewables Development Co., Ltd",
    "Universal Energy Co., Ltd",
    "Fufeng Group",
    "Hengshui Decheng Machinery & Equipment Co. Ltd",
    "Xinjiang Lihua Group Co., Ltd.",
    "TBEA Company Limited",
    "Horgos Jiuhe SilkBridge New Energy Co.,Ltd",
    "Qingdao Wanlin Food Corporation",
    "Dalian Hesheng Holdings",
]
PROJECTS = [
    "wind farm",
    "cement plant 5000 t clinker",
    "deep corn processing plant",
    "cotton cluster",
    "завод по производству чипов",
    "copper deposit development",
    "onion dehydration plant",
    "hotel",
]


def synthetic(count: int, rng: random.Random) -> list[tuple[str, str, str, str]]:
    rows = []
    for _ in range(count):
        n = rng.randint(1, 999)
        money = rng.choice(MONEY).format(
            n=n, d=f"{n},{rng.randint(0, 9)}", g=f"{rng.randint(1, 99)},{rng.randint(100, 999)},000"
        )
        company = rng.choice(COMPANIES)
        company = rng.choice([company, company.upper(), company.replace(",", ""), company + f" {rng.randint(1, 50)}"])
        rows.append((money, rng.choice(PLACES), company, rng.choice(PROJECTS)))
    return rows


def normalize_all(rows: list[tuple[str, str, str, str]]) -> int:
    on = dt.date(2025, 6, 1)
    converted = 0
    for money_text, place_text, company, project in rows:
        for money in parse_money(money_text):
            converted += to_usd(money, on).usd is not None
        resolve_place(place_text)
        canonical_company(company)
        sector_for(project)
    return converted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = synthetic(args.mentions, random.Random(42))
    normalize_all(rows[:1000])  # compile the regexes and load the tables once, as a real run would
    timings = []
    for _ in range(args.repeat):
        canonical_company.cache_clear()
        started = time.perf_counter()
        converted = normalize_all(rows)
        timings.append(time.perf_counter() - started)
    print(f"runs: {', '.join(f'{t:.2f} s' for t in timings)}")
    print(f"amounts converted to USD: {converted} of {len(rows)}")
    print(f"{len(rows)} mentions normalized in {statistics.median(timings):.2f} s (median of {args.repeat})")


if __name__ == "__main__":
    main()
