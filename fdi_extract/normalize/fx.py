"""Money → USD at the article's date, with official annual rates shipped with the package.

The rates are World Bank WDI PA.NUS.FCRF annual averages (local currency units per USD), one row
per currency and year, each with its source (fdi_extract/data/fx_usd_annual.csv). An annual
average is the finest official series we can ship for all the currencies of the region; a rate
that does not exist gives ``usd=None`` and a reason, never a neighbouring year's rate.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Protocol


class _HasMoney(Protocol):
    @property
    def value(self) -> float: ...
    @property
    def currency(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Rate:
    currency: str
    year: int
    per_usd: float
    source: str


@dataclass(frozen=True, slots=True)
class UsdValue:
    """The result of a conversion: ``usd`` is None exactly when ``note`` says why."""

    usd: float | None
    rate: Rate | None
    note: str | None = None


@cache
def _rates() -> dict[tuple[str, int], Rate]:
    table = files("fdi_extract.data").joinpath("fx_usd_annual.csv").read_text(encoding="utf-8")
    rates = {}
    for row in csv.DictReader(table.splitlines()):
        rate = Rate(row["currency"], int(row["year"]), float(row["lcu_per_usd"]), row["source"])
        rates[rate.currency, rate.year] = rate
    return rates


def rate_for(currency: str, year: int) -> Rate | None:
    if currency == "USD":
        return Rate("USD", year, 1.0, "identity")
    return _rates().get((currency, year))


def to_usd(money: _HasMoney, on: dt.date | None) -> UsdValue:
    """Convert ``money`` (anything with ``value`` and ``currency``) at the annual rate of ``on``'s year."""
    if money.currency == "USD":
        return UsdValue(money.value, rate_for("USD", on.year if on else 0))
    if money.currency is None:
        return UsdValue(None, None, "the article names no currency")
    if on is None:
        return UsdValue(None, None, f"article date unknown: no {money.currency} rate can be chosen")
    rate = rate_for(money.currency, on.year)
    if rate is None:
        return UsdValue(None, None, f"no official {money.currency}/USD rate for {on.year} in the shipped table")
    return UsdValue(money.value / rate.per_usd, rate)
